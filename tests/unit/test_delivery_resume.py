"""Quick resume and every copy: the rows of a worker whose heartbeat stopped go back to the queue
at once (not after the lease), a live worker's rows never; a worker taken for dead never sends
a stale claim; a send answered after its lease was lost is kept as a copy, and edits reach every
copy of their original."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Chat, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.i18n import Translator
from bot.services import outbox
from bot.services.outbox import OutgoingMessage, Text
from models import OutboxMessage, OutboxStatus, migrate
from models.db import create_engine, create_sessionmaker
from models.outbox import DeliveryWorkerRow, OutboxCopy
from tests.unit.test_offer_waves import statements

LEASE = timedelta(seconds=120)
ALIVE = timedelta(seconds=5)


class StubBot:
    """Answers sends with a new message id each; records every call."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[Any] = []
        self.next_id = 100
        self.delay = delay

    async def __call__(self, method: Any) -> Any:
        self.calls.append(method)
        if self.delay:
            await asyncio.sleep(random.uniform(0, self.delay))
        if isinstance(method, SendMessage):
            self.next_id += 1
            return Message(
                message_id=self.next_id,
                date=datetime(2026, 12, 5, tzinfo=UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                text=method.text,
            )
        return True


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


def _worker(
    bot: StubBot,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    concurrency: int = 16,  # WorkerConfig's default
) -> DeliveryWorker:
    return DeliveryWorker(
        bot,  # type: ignore[arg-type]
        sessions,
        Translator("ru"),
        clock,
        config=WorkerConfig(
            lease=LEASE, alive_for=ALIVE, edit_wait=timedelta(0), concurrency=concurrency
        ),
    )


async def _put(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: int,
    key: str,
    **kwargs: Any,
) -> None:
    async with sessions() as session:
        await outbox.enqueue(
            session,
            chat_id=chat,
            message=kwargs.pop("message", OutgoingMessage(Text(literal=key))),
            key=key,
            now=clock.now(),
            **kwargs,
        )
        await session.commit()


async def _row(sessions: async_sessionmaker[AsyncSession], key: str) -> OutboxMessage:
    async with sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        )
        assert row is not None
        return row


async def test_a_dead_workers_rows_return_in_seconds_a_live_ones_never(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await _put(sessions, clock, 1, "dead")
    await _put(sessions, clock, 2, "live")
    dead, live = _worker(StubBot(), sessions, clock), _worker(StubBot(), sessions, clock)
    await dead._ensure_alive()
    await live._ensure_alive()
    async with sessions() as session:  # each worker leases one row
        [a] = await outbox.claim_due(
            session, clock.now(), limit=1, lease=LEASE, owner=dead.owner, worker_id=dead.owner
        )
    async with sessions() as session:
        [b] = await outbox.claim_due(
            session, clock.now(), limit=1, lease=LEASE, owner=live.owner, worker_id=live.owner
        )
    assert {a.key, b.key} == {"dead", "live"}

    clock.advance(ALIVE - timedelta(seconds=1))
    await live._beat()  # the live one renews; the dead one (kill -9) does not
    assert (await _row(sessions, a.key)).status == OutboxStatus.SENDING
    clock.advance(timedelta(seconds=2))  # the dead worker's heartbeat has lapsed
    await live._beat()
    assert (await _row(sessions, a.key)).status == OutboxStatus.PENDING
    assert (await _row(sessions, b.key)).status == OutboxStatus.SENDING
    async with sessions() as session:
        workers = set((await session.scalars(select(DeliveryWorkerRow.id))).all())
    assert workers == {live.owner}
    # The lease (120 s) has far to run: without heartbeats the row would wait two minutes.
    assert (await _row(sessions, a.key)).leased_until is None


async def test_a_worker_taken_for_dead_never_sends_its_stale_claim(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await _put(sessions, clock, 1, "k")
    slow_bot, other_bot = StubBot(), StubBot()
    slow, other = _worker(slow_bot, sessions, clock), _worker(other_bot, sessions, clock)
    [stale] = await slow._claim(10)  # then the process stalls (no heartbeat) ...
    clock.advance(ALIVE + timedelta(seconds=1))
    await other._beat()  # ... and is taken for dead: its row goes back at once
    [fresh] = await other._claim(10)
    assert fresh.id == stale.id
    await slow._send(stale)  # it wakes up: its lease is gone, so it must not send
    await other._send(fresh)
    assert len(slow_bot.calls) == 0 and len(other_bot.calls) == 1
    assert (await _row(sessions, "k")).status == OutboxStatus.SENT


async def test_a_late_answer_after_the_lease_was_lost_is_kept_as_a_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await _put(sessions, clock, 1, "push")
    bot = StubBot()
    worker = _worker(bot, sessions, clock)
    [first] = await worker._claim(10)
    clock.advance(LEASE + timedelta(seconds=1))  # Telegram was slow; the lease ran out
    async with sessions() as session:
        await outbox.sweep(session, clock.now())
    [second] = await worker._claim(10)
    await worker._send(second)  # sent again: message 101
    async with sessions() as session:
        assert not await outbox.mark_sent(session, first.id, first.lease, 102, clock.now())
    # The first claim's answer arrives late (message 102): kept, not dropped.
    async with sessions() as session:
        assert await outbox.late_answer(session, first.id, 102, clock.now()) == "copy"
    row = await _row(sessions, "push")
    assert row.status == OutboxStatus.SENT and row.telegram_message_id == 101
    async with sessions() as session:
        copies = (await session.scalars(select(OutboxCopy.telegram_message_id))).all()
    assert list(copies) == [102]


async def test_the_worker_records_a_late_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Through the worker: its send is answered after another claim sent the row."""
    clock = FakeClock()
    await _put(sessions, clock, 1, "push")
    other_bot = StubBot()
    other_bot.next_id = 500
    other = _worker(other_bot, sessions, clock)

    class SlowBot(StubBot):
        async def __call__(self, method: Any) -> Any:
            # While this send is in flight the lease runs out and the row is sent again.
            clock.advance(LEASE + timedelta(seconds=1))
            async with sessions() as session:
                await outbox.sweep(session, clock.now())
            (fresh,) = await other._claim(10)
            await other._send(fresh)
            return await super().__call__(method)

    slow = _worker(SlowBot(), sessions, clock)
    (claim,) = await slow._claim(10)
    await slow._send(claim)
    row = await _row(sessions, "push")
    assert row.telegram_message_id == 501
    async with sessions() as session:
        copies = (await session.scalars(select(OutboxCopy.telegram_message_id))).all()
    assert list(copies) == [101]


async def test_an_answer_for_a_row_nobody_resent_counts_as_its_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await _put(sessions, clock, 1, "push", personal=True)
    worker = _worker(StubBot(), sessions, clock)
    [claim] = await worker._claim(10)
    clock.advance(LEASE + timedelta(seconds=1))
    async with sessions() as session:
        await outbox.sweep(session, clock.now())  # back to pending, not yet re-sent
        assert await outbox.late_answer(session, claim.id, 77, clock.now()) == "sent"
    row = await _row(sessions, "push")
    assert row.status == OutboxStatus.SENT and row.telegram_message_id == 77
    assert row.payload == outbox.PURGED and row.worker_id is None
    assert await worker._claim(10) == []  # not sent a second time


async def test_an_edit_edits_every_copy_and_a_late_copy_gets_the_edit_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await _put(sessions, clock, 1, "push")
    bot = StubBot()
    worker = _worker(bot, sessions, clock)
    await worker.run_once()  # message 101
    async with sessions() as session:
        original = await _row(sessions, "push")
        await outbox.late_answer(session, original.id, 55, clock.now())  # a second copy
    await _put(
        sessions, clock, 1, "push:taken", edit_key="push",
        message=OutgoingMessage(Text(literal="taken")),
    )  # fmt: skip
    await worker.run_once()
    edits = [c for c in bot.calls if isinstance(c, EditMessageText)]
    assert sorted(e.message_id or 0 for e in edits) == [55, 101]
    assert (await _row(sessions, "push:taken")).status == OutboxStatus.SENT

    # A copy that turns up after the edit was done: the edit runs again and reaches it.
    async with sessions() as session:
        await outbox.late_answer(session, original.id, 66, clock.now())
    assert (await _row(sessions, "push:taken")).status == OutboxStatus.PENDING
    bot.calls.clear()
    await worker.run_once()
    assert sorted(c.message_id for c in bot.calls) == [55, 66, 101]


async def test_two_live_workers_never_send_the_same_row_on_postgres(pg_url: str) -> None:
    """Two workers with heartbeats share one PostgreSQL queue: each row is sent once."""
    engine = create_engine(pg_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    for n in range(6):
        for chat in range(1, 41):
            await _put(sessions, clock, chat, f"k{chat}:{n}")
    bots = [StubBot(delay=0.01), StubBot(delay=0.01)]
    workers = [_worker(bot, sessions, clock) for bot in bots]
    for worker in workers:
        worker.config = WorkerConfig(
            lease=LEASE, alive_for=ALIVE, poll_interval=0.02, heartbeat_interval=0.05
        )
        worker.start()
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            async with sessions() as session:
                left = await session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT)
                )
            if left is None or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
    finally:
        for worker in workers:
            await worker.stop()
    sent = Counter(c.text for bot in bots for c in bot.calls)
    assert len(sent) == 240 and set(sent.values()) == {1}
    assert all(bot.calls for bot in bots), "both workers took part"
    await engine.dispose()


async def test_a_claim_brings_the_originals_of_its_edits_with_their_copies(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    for chat in (1, 2, 3):
        await _put(sessions, clock, chat, f"push:{chat}")
    bot = StubBot()
    worker = _worker(bot, sessions, clock)
    await worker.run_once()  # messages 101-103
    async with sessions() as session:
        await outbox.late_answer(session, (await _row(sessions, "push:2")).id, 55, clock.now())
    edits = {1: "push:1", 2: "push:2", 3: "push:1", 4: "push:none"}  # chat -> original's key
    for chat, original in edits.items():
        await _put(
            sessions, clock, chat, f"taken:{chat}", edit_key=original,
            message=OutgoingMessage(Text(literal="taken")),
        )  # fmt: skip
    async with sessions() as session:
        claimed = await outbox.claim_due(
            session, clock.now(), limit=10, lease=LEASE, owner="test", worker_id=None
        )
    targets = {row.chat_id: row.target for row in claimed}
    sent = {chat: await _row(sessions, f"push:{chat}") for chat in (1, 2)}
    first, second = targets[1], targets[2]
    assert first is not None and second is not None
    assert (first.id, first.status) == (sent[1].id, "sent")
    assert first.message_ids == [sent[1].telegram_message_id]
    assert second.id == sent[2].id
    assert second.message_ids == [sent[2].telegram_message_id, 55]
    assert targets[3] is None  # another chat's message is no original of this chat's edit
    assert targets[4] is None  # an unknown key


async def test_the_worker_edits_from_the_claim_without_asking_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Twenty "taken" edits cost one look-up for their originals, not one (and a session)
    each (issue 15)."""
    clock = FakeClock()
    chats = range(1, 21)
    for chat in chats:
        await _put(sessions, clock, chat, f"push:{chat}")
    bot = StubBot()
    worker = _worker(bot, sessions, clock, concurrency=len(chats))
    await worker.run_once()
    for chat in chats:
        await _put(
            sessions, clock, chat, f"taken:{chat}", edit_key=f"push:{chat}",
            message=OutgoingMessage(Text(literal="taken")),
        )  # fmt: skip
    bot.calls.clear()
    with statements(sessions.kw["bind"]) as seen:
        await worker.run_once()
    assert sorted(c.message_id for c in bot.calls) == list(range(101, 121))
    assert sum("outbox_copies" in s for s in seen) == 1
    for chat in chats:
        assert (await _row(sessions, f"taken:{chat}")).status == OutboxStatus.SENT
