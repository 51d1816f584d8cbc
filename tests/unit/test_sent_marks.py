"""Sent rows marked together (bot/delivery/sent_marks.py): answers that come together share a
transaction, each learns whether its claim still held the row, and a failed write reaches
every send of its transaction (their rows stay leased, to be sent again)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.delivery.sent_marks import SentMarks
from bot.services import outbox
from models import OutboxMessage, OutboxStatus
from tests.unit.test_offer_waves import statements
from tests.unit.test_outbox import claim, put, sessions  # noqa: F401  (the fixture)


def _commits(maker: async_sessionmaker[AsyncSession]) -> list[int]:
    engine = maker.kw["bind"]
    seen: list[int] = []

    def note(_conn: Any) -> None:
        seen.append(1)

    event.listen(engine.sync_engine, "commit", note)
    return seen


async def test_answers_that_come_together_share_one_transaction(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    clock = FakeClock()
    for chat in range(1, 21):
        await put(sessions, clock, chat, f"push{chat}")
    rows = await claim(sessions, clock)
    assert len(rows) == 20
    lost = rows[-1]
    async with sessions() as session:  # another worker's outcome stands for the last row
        await outbox.release_leases_of(session, "t")
        await session.commit()
    rows = [row for row in rows if row is not lost]
    async with sessions() as session:
        for row in rows:  # claimed again: these leases hold
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(status=OutboxStatus.SENDING, lease_owner=row.lease)
            )
        await session.commit()
    commits = _commits(sessions)
    marks = SentMarks(sessions)
    held = await asyncio.gather(
        *(marks.mark(row.id, row.lease, 100 + row.chat_id, clock.now()) for row in rows),
        marks.mark(lost.id, lost.lease, 999, clock.now()),
    )
    assert held == [True] * 19 + [False]
    assert len(commits) == 1
    async with sessions() as session:
        result = await session.execute(select(OutboxMessage.id, OutboxMessage.telegram_message_id))
        found = {row_id: message_id for row_id, message_id in result.all()}
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert all(found[row.id] == 100 + row.chat_id for row in rows)
    assert found[lost.id] is None and statuses == {OutboxStatus.SENT, OutboxStatus.PENDING}
    # a lone answer later is written at once, in a transaction of its own
    assert await marks.mark(lost.id, lost.lease, 1, clock.now()) is False
    assert len(commits) == 2


async def test_a_failed_write_reaches_every_send_of_its_transaction(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    for chat in (1, 2, 3):
        await put(sessions, clock, chat, f"m{chat}")
    rows = await claim(sessions, clock)

    async def broken(*_args: object, **_kwargs: object) -> list[bool]:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(outbox, "mark_sent_many", broken)
    marks = SentMarks(sessions)
    results = await asyncio.gather(
        *(marks.mark(row.id, row.lease, 1, clock.now()) for row in rows), return_exceptions=True
    )
    assert [str(result) for result in results] == ["database is locked"] * 3
    monkeypatch.undo()
    async with sessions() as session:  # still leased: sent again when the leases expire
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENDING}
    assert await marks.mark(rows[0].id, rows[0].lease, 1, clock.now()) is True


async def test_a_batch_that_fails_is_marked_one_by_one(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One bad row (or a deadlock abort) in a batch must not leave the others to be sent
    again: the batch is written again one row at a time. And a stop waits for the writer."""
    clock = FakeClock()
    for chat in (1, 2, 3):
        await put(sessions, clock, chat, f"m{chat}")
    rows = await claim(sessions, clock)
    together = outbox.mark_sent_many

    async def only_alone(
        session: AsyncSession, marks: list[tuple[int, str, int | None, Any]]
    ) -> list[bool]:
        if len(marks) > 1:
            raise RuntimeError("deadlock detected")
        return await together(session, marks)

    monkeypatch.setattr(outbox, "mark_sent_many", only_alone)
    marks = SentMarks(sessions)
    writes = [asyncio.ensure_future(marks.mark(r.id, r.lease, 7, clock.now())) for r in rows]
    await asyncio.sleep(0)
    await marks.close()
    assert all(write.done() for write in writes)
    assert [write.result() for write in writes] == [True, True, True]
    async with sessions() as session:
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENT}


async def test_a_batch_is_one_statement_with_each_rows_own_outcome(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    """Each row gets its own message id (or none) and time; personal payloads are purged,
    the others kept; a row another claim holds is left alone and reported."""
    clock = FakeClock()
    for chat in range(1, 6):
        await put(sessions, clock, chat, f"m{chat}", personal=chat % 2 == 0)
    rows = await claim(sessions, clock)
    async with sessions() as session:
        result = await session.execute(select(OutboxMessage.id, OutboxMessage.payload))
        before: dict[int, Any] = {row_id: payload for row_id, payload in result.all()}
    marks = [
        (row.id, row.lease, None if row.chat_id == 3 else 500 + row.chat_id,
         clock.now() + timedelta(seconds=row.chat_id))
        for row in rows
    ]  # fmt: skip
    marks[-1] = (marks[-1][0], "another claim", 1, clock.now())
    with statements(sessions.kw["bind"]) as seen:
        async with sessions() as session:
            held = await outbox.mark_sent_many(session, marks)
    assert held == [True, True, True, True, False]
    assert sum(statement.lstrip().startswith("UPDATE") for statement in seen) == 1
    async with sessions() as session:
        found = {row.id: row for row in (await session.scalars(select(OutboxMessage))).all()}
    for row, (_, _, message_id, at) in zip(rows[:4], marks[:4], strict=True):
        stored = found[row.id]
        assert stored.status == OutboxStatus.SENT and stored.lease_owner is None
        assert stored.telegram_message_id == message_id and stored.sent_at == at
        assert (stored.payload == outbox.PURGED) == (row.chat_id % 2 == 0)
        if row.chat_id % 2:
            assert stored.payload == before[row.id]
    assert found[rows[4].id].status == OutboxStatus.SENDING


async def test_a_row_under_two_claims_in_one_batch_is_held_by_one(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    """A lease lost and the row claimed again by the same worker, both sends answered in one
    batch: only the claim holding the row is told so (the other's message becomes a copy)."""
    clock = FakeClock()
    await put(sessions, clock, 1, "m1")
    await put(sessions, clock, 2, "m2")
    first, _ = await claim(sessions, clock)
    async with sessions() as session:
        await outbox.release_leases_of(session, "t")
        await session.commit()
    again, other_again = await claim(sessions, clock)
    assert again.id == first.id and again.lease != first.lease
    marks = [
        (first.id, first.lease, 101, clock.now()),
        (again.id, again.lease, 102, clock.now()),
        (other_again.id, other_again.lease, 103, clock.now()),
    ]
    async with sessions() as session:
        held = await outbox.mark_sent_many(session, marks)
    assert held == [False, True, True]
    async with sessions() as session:
        stored = await session.get(OutboxMessage, first.id)
        assert stored is not None and stored.telegram_message_id == 102
