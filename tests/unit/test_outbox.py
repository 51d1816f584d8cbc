"""The outbox queue: idempotent enqueueing, per-chat order, leases, blocked people."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import outbox
from bot.services.outbox import Button, OutgoingMessage, Text
from bot.services.users import Profile, set_blocked, touch_user
from models import OutboxMessage, OutboxStatus, Priority, migrate
from models.db import create_engine, create_sessionmaker

LEASE = timedelta(seconds=30)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


def msg(text: str) -> OutgoingMessage:
    return OutgoingMessage(text=Text(literal=text))


async def put(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat: int,
    key: str,
    **kwargs: object,
) -> bool:
    async with sessions() as session:
        added = await outbox.enqueue(
            session,
            chat_id=chat,
            message=msg(key),
            key=key,
            now=clock.now(),
            **kwargs,  # type: ignore[arg-type]
        )
        await session.commit()
        return added


async def claim(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, limit: int = 100
) -> list[outbox.Claimed]:
    async with sessions() as session:
        return await outbox.claim_due(session, clock.now(), limit=limit, lease=LEASE, owner="t")


async def sent(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, rows: list[outbox.Claimed]
) -> None:
    for row in rows:
        async with sessions() as session:
            assert await outbox.mark_sent(session, row.id, row.lease, 1, clock.now())


def test_message_record_round_trips() -> None:
    message = OutgoingMessage(
        text=Text(key="request-taken", args={"name": "Әлия", "n": 3}),
        buttons=[
            [
                Button(Text(key="btn-take"), callback_data="t:1"),
                Button(Text(literal="x"), url="https://e.kz"),
            ]
        ],
        locale="kk",
    )
    assert OutgoingMessage.from_payload(message.to_payload()) == message
    with pytest.raises(ValueError):
        Text()


async def test_a_hiding_edit_is_marked_and_listed_when_it_fails(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    hiding = OutgoingMessage(Text(literal="hidden"), buttons=[], hide=True)
    assert OutgoingMessage.from_payload(hiding.to_payload()) == hiding
    assert OutgoingMessage.from_payload({"text": {"literal": "old row"}}).hide is False
    await put(sessions, clock, 1, "details")
    await sent(sessions, clock, await claim(sessions, clock))
    async with sessions() as session:
        await outbox.enqueue(
            session, chat_id=1, message=hiding, key="details:hidden", edit_key="details",
            now=clock.now(),
        )  # fmt: skip
        await session.commit()
    [row] = await claim(sessions, clock)
    async with sessions() as session:
        assert await outbox.unhidden_count(session) == 0
        await outbox.mark_final(
            session, row.id, row.lease, OutboxStatus.FAILED, "400: can't", count_attempt=True
        )
        [listed] = await outbox.unhidden(session, limit=5)
        assert await outbox.unhidden_count(session) == 1
    assert (listed.chat_id, listed.reason) == (1, "400: can't")


async def test_same_key_is_enqueued_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock()
    assert await put(sessions, clock, 1, "push:1:7")
    assert not await put(sessions, clock, 1, "push:1:7")
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert len(rows) == 1


async def test_one_message_in_flight_per_chat_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    for n in range(3):
        await put(sessions, clock, 1, f"a{n}")
        await put(sessions, clock, 2, f"b{n}")
    order: dict[int, list[str]] = {1: [], 2: []}
    for _ in range(3):
        batch = await claim(sessions, clock)
        assert sorted(r.chat_id for r in batch) == [1, 2]  # one per chat
        assert await claim(sessions, clock) == []  # both chats busy
        for row in batch:
            order[row.chat_id].append(row.key)
        await sent(sessions, clock, batch)
    assert order == {1: ["a0", "a1", "a2"], 2: ["b0", "b1", "b2"]}


async def test_urgent_first_bulk_last(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock()
    await put(sessions, clock, 1, "bulk", priority=Priority.BULK)
    await put(sessions, clock, 2, "normal", priority=Priority.NORMAL)
    await put(sessions, clock, 3, "urgent", priority=Priority.URGENT)
    batch = await claim(sessions, clock, limit=1)
    assert [r.key for r in batch] == ["urgent"]
    # Within one chat an urgent message overtakes a queued tip.
    await put(sessions, clock, 4, "tip", priority=Priority.BULK)
    await put(sessions, clock, 4, "alarm", priority=Priority.URGENT)
    keys = [r.key for r in await claim(sessions, clock) if r.chat_id == 4]
    assert keys == ["alarm"]


async def test_not_before_waits(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock()
    await put(sessions, clock, 1, "later", not_before=clock.now() + timedelta(seconds=10))
    await put(sessions, clock, 1, "now")
    [now] = await claim(sessions, clock)
    assert now.key == "now"
    clock.advance(timedelta(seconds=10))
    assert await claim(sessions, clock) == []  # "now" still in flight
    await sent(sessions, clock, [now])
    assert [r.key for r in await claim(sessions, clock)] == ["later"]


async def sweep(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    async with sessions() as session:
        await outbox.sweep(session, clock.now())


async def test_expired_lease_is_claimed_again_and_the_old_claim_is_fenced(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await put(sessions, clock, 1, "k")
    [first] = await claim(sessions, clock)
    clock.advance(LEASE - timedelta(seconds=1))
    await sweep(sessions, clock)
    assert await claim(sessions, clock) == []
    clock.advance(timedelta(seconds=2))
    await sweep(sessions, clock)
    [second] = await claim(sessions, clock)
    assert second.key == "k" and second.lease != first.lease
    async with sessions() as session:
        # The first claim woke up late: it may neither send nor record an outcome now.
        assert not await outbox.renew_lease(session, first.id, first.lease, clock.now())
        assert not await outbox.mark_sent(session, first.id, first.lease, 1, clock.now())
        assert await outbox.renew_lease(session, second.id, second.lease, clock.now())
        assert await outbox.mark_sent(session, second.id, second.lease, 2, clock.now())
        row = await session.get(OutboxMessage, second.id)
        assert row is not None and row.telegram_message_id == 2


async def test_an_edit_never_overtakes_its_original(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    later = clock.now() + timedelta(seconds=30)
    await put(sessions, clock, 1, "push", priority=Priority.BULK, not_before=later)
    await put(sessions, clock, 1, "push:taken", priority=Priority.URGENT, edit_key="push")
    assert await claim(sessions, clock) == []  # the edit waits with its original
    clock.advance(timedelta(seconds=30))
    [original] = await claim(sessions, clock)
    assert original.key == "push"
    await sent(sessions, clock, [original])
    [edit] = await claim(sessions, clock)
    assert edit.key == "push:taken" and edit.edit_key == "push"


async def test_retry_later_and_final_states(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock()
    await put(sessions, clock, 1, "k")
    [row] = await claim(sessions, clock)
    async with sessions() as session:
        await outbox.retry_later(
            session,
            row.id,
            row.lease,
            clock.now() + timedelta(seconds=10),
            "502",
            count_attempt=True,
        )
    assert await claim(sessions, clock) == []
    clock.advance(timedelta(seconds=10))
    [again] = await claim(sessions, clock)
    assert again.attempts == 1
    async with sessions() as session:
        await outbox.mark_final(
            session,
            again.id,
            again.lease,
            OutboxStatus.FAILED,
            "400: chat not found",
            count_attempt=True,
        )
        report = await outbox.delivery_report(session, clock.now())
    assert report.counts == {"failed": 1, "sent": 0}
    assert report.failed[0].reason == "400: chat not found" and report.failed[0].attempts == 2


async def test_blocked_people_get_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock()
    async with sessions() as session:
        user, _ = await touch_user(session, Profile(5, "Ә"), clock.now(), wrote_to_bot=True)
        await set_blocked(session, user, True, clock.now())
        await session.commit()
    await put(sessions, clock, 5, "k")
    await put(sessions, clock, 6, "other")
    assert [r.key for r in await claim(sessions, clock)] == ["other"]
    await sweep(sessions, clock)
    async with sessions() as session:
        report = await outbox.delivery_report(session, clock.now())
    assert report.counts["blocked"] == 1
    assert [p.id for p in report.blocked] == [5]


async def test_personal_payload_purged_after_delivery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await put(sessions, clock, 1, "secret", personal=True)
    await put(sessions, clock, 2, "public")
    rows = await claim(sessions, clock)
    await sent(sessions, clock, rows)
    async with sessions() as session:
        result = await session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.payload))
        payloads: dict[str, dict[str, Any]] = {key: payload for key, payload in result}
    assert payloads["secret"] == {"purged": True}
    assert payloads["public"]["text"]["literal"] == "public"


async def test_workers_never_share_a_row_on_postgres(pg_url: str) -> None:
    """Four workers on one PostgreSQL queue: every row once, one in flight per chat, in order."""
    engine = create_engine(pg_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    for n in range(10):
        for chat in range(1, 31):
            await put(sessions, clock, chat, f"k{chat}:{n}")
    in_flight: dict[int, str] = {}
    order: dict[int, list[str]] = {}

    async def worker(owner: str) -> list[str]:
        taken: list[str] = []
        while True:
            async with sessions() as session:
                batch = await outbox.claim_due(
                    session, clock.now(), limit=7, lease=LEASE, owner=owner
                )
            if not batch:
                async with sessions() as session:
                    left = await session.scalar(
                        select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
                    )
                if not left:
                    return taken
                await asyncio.sleep(0.01)
                continue
            for row in batch:
                assert row.chat_id not in in_flight, f"two in flight for chat {row.chat_id}"
                in_flight[row.chat_id] = row.key
                order.setdefault(row.chat_id, []).append(row.key)
            await asyncio.sleep(0.005)  # "sending"
            for row in batch:
                del in_flight[row.chat_id]
                async with sessions() as session:
                    assert await outbox.mark_sent(session, row.id, row.lease, 1, clock.now())
            taken += [r.key for r in batch]

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    everything = [key for keys in results for key in keys]
    assert len(everything) == len(set(everything)) == 300
    assert all(order[chat] == [f"k{chat}:{n}" for n in range(10)] for chat in order)
    await engine.dispose()


async def test_delivery_counts_stop_past_their_cap(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every count of /delivery stops at COUNT_CAP + 1 (shown as "more than"), so a busy day
    or a long backlog costs no more to report than a quiet one."""
    monkeypatch.setattr(outbox, "COUNT_CAP", 2)
    clock = FakeClock()
    for chat in (1, 2):
        await put(sessions, clock, chat, f"m{chat}")
    async with sessions() as session:
        assert (await outbox.delivery_report(session, clock.now())).counts["pending"] == 2
    await sent(sessions, clock, await claim(sessions, clock))
    async with sessions() as session:
        counts = (await outbox.delivery_report(session, clock.now())).counts
    assert counts == {"sent": 2}
    for chat in (3, 4, 5, 6):
        await put(sessions, clock, chat, f"m{chat}")
    async with sessions() as session:
        assert (await outbox.delivery_report(session, clock.now())).counts["pending"] == 3
    await sent(sessions, clock, await claim(sessions, clock))
    async with sessions() as session:
        counts = (await outbox.delivery_report(session, clock.now())).counts
    assert counts == {"sent": 3}
