"""The delivery fast paths keep the outbox's promises: a stale claim never sends (no duplicate),
a commit wakes only its own database's worker and a failing wake never fails the commit, form
state read once per transaction still sees nested changes, and the "taken" edits never get
ahead of their pushes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.delivery.limiter import LimiterConfig, RateLimiter
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.fsm_storage import DbStorage, current_session
from bot.i18n import Translator
from bot.services import outbox
from bot.services.outbox import OutgoingMessage, Text
from models import OutboxMessage, migrate
from models.db import create_engine, create_sessionmaker


class StubBot:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def __call__(self, method: Any) -> None:
        self.sent.append(method)


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_a_stale_claim_does_not_send_after_the_row_was_claimed_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    async with sessions() as session:
        await outbox.enqueue(
            session,
            chat_id=1,
            message=OutgoingMessage(Text(literal="hi")),
            key="k",
            now=clock.now(),
        )
        await session.commit()
    bot = StubBot()
    worker = DeliveryWorker(
        bot,  # type: ignore[arg-type]
        sessions,
        Translator("ru"),
        clock,
        config=WorkerConfig(lease=timedelta(seconds=60)),
    )
    (stale,) = await worker._claim(10)
    clock.advance(timedelta(seconds=61))  # the first send stalled; its lease ran out
    async with sessions() as session:
        await outbox.sweep(session, clock.now())
    (fresh,) = await worker._claim(10)
    assert stale.id == fresh.id and stale.lease != fresh.lease
    await worker._send(stale)
    await worker._send(fresh)
    assert len(bot.sent) == 1


async def test_a_commit_wakes_only_its_own_databases_worker_and_a_failing_wake_is_harmless(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Any
) -> None:
    other_engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/other.sqlite3")
    await migrate.upgrade(other_engine)
    other = create_sessionmaker(other_engine)
    woken: list[str] = []

    def broken() -> None:
        woken.append("broken")
        raise RuntimeError("boom")

    stops = [
        outbox.on_messages_committed(sessions, lambda: woken.append("mine")),
        outbox.on_messages_committed(sessions, broken),
        outbox.on_messages_committed(other, lambda: woken.append("other")),
    ]
    clock = FakeClock()
    try:
        async with sessions() as session:
            await outbox.enqueue(
                session,
                chat_id=1,
                message=OutgoingMessage(Text(literal="x")),
                key="a",
                now=clock.now(),
            )
            await session.commit()  # the broken callback must not fail the commit
        assert sorted(woken) == ["broken", "mine"]
        woken.clear()
        async with sessions() as session:  # nothing enqueued: nobody woken
            await session.commit()
        assert woken == []
        async with sessions() as session:
            assert await session.scalar(select(OutboxMessage.id)) is not None
    finally:
        for stop in stops:
            stop()
        await other_engine.dispose()


async def test_form_data_read_once_per_transaction_still_sees_nested_changes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from aiogram.fsm.storage.base import StorageKey

    storage = DbStorage(sessions, FakeClock())
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    async with sessions() as session:
        token = current_session.set(session)
        try:
            await storage.set_data(key, {"items": ["a"]})
            data = await storage.get_data(key)
            data["items"].append("b")  # in place, then stored again
            await storage.set_data(key, data)
            await session.commit()
        finally:
            current_session.reset(token)
    assert await storage.get_data(key) == {"items": ["a", "b"]}


class WatchedBot(StubBot):
    """Takes 10 ms a send; one can wait for the sends to reach a count."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Condition()

    async def __call__(self, method: Any) -> None:
        await asyncio.sleep(0.01)
        async with self.changed:
            self.sent.append(method)
            self.changed.notify_all()

    async def wait_sent(self, count: int) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.sent) >= count), 5)


async def _put(sessions: async_sessionmaker[AsyncSession], chat_id: int, *keys: str) -> None:
    async with sessions() as session:
        for key in keys:
            message = OutgoingMessage(Text(literal=key))
            await outbox.enqueue(
                session, chat_id=chat_id, message=message, key=key, now=FakeClock().now()
            )
        await session.commit()


def _worker_polling_hourly(
    sessions: async_sessionmaker[AsyncSession], bot: WatchedBot
) -> DeliveryWorker:
    """A worker whose poll never comes during a test: only its looks after sends and wakes."""
    return DeliveryWorker(
        bot,  # type: ignore[arg-type]
        sessions,
        Translator("ru"),
        FakeClock(),
        limiter=RateLimiter(LimiterConfig(per_second=1e6, private_interval=0)),
        config=WorkerConfig(poll_interval=3600, concurrency=16),
    )


async def test_the_worker_claims_again_only_when_a_send_can_free_more(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A push to 20 chats and three messages to one chat, then a message for a chat whose send
    is in flight: everything goes out in order without the poll, so the ends of sends that
    free something are looked at; and no claim finds nothing, so the others are not."""
    bot = WatchedBot()
    worker = _worker_polling_hourly(sessions, bot)
    claims: list[int] = []  # rows each claim got
    claim = worker._claim

    async def counted(limit: int) -> list[outbox.Claimed]:
        rows = await claim(limit)
        claims.append(len(rows))
        return rows

    worker._claim = counted  # type: ignore[method-assign]
    for n in range(20):
        await _put(sessions, 100 + n, f"push {n}")
    await _put(sessions, 99, "line 0", "line 1", "line 2")
    worker.start()
    try:
        await bot.wait_sent(1)
        await _put(sessions, 99, "late")  # chat 99 has a send in flight: waits for its end
        await bot.wait_sent(24)
    finally:
        await worker.stop()
    lines = [m.text for m in bot.sent if m.chat_id == 99]
    assert lines == ["line 0", "line 1", "line 2", "late"]
    # The worker used to look again at once after every claim that was not full, and after
    # every send: those looks found nothing. Now only the one for "late" may (its chat busy).
    assert claims.count(0) <= 1, claims


async def test_a_message_committed_while_a_claim_runs_goes_when_its_chat_is_free(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The claim takes chat 5's first message; a second one is committed before the claim's
    sends start (their wake cannot mark them yet): it still goes without waiting for the
    poll."""
    bot = WatchedBot()
    worker = _worker_polling_hourly(sessions, bot)
    claim = worker._claim

    async def claim_then_enqueue(limit: int) -> list[outbox.Claimed]:
        rows = await claim(limit)
        if [row.key for row in rows] == ["first"]:
            await _put(sessions, 5, "second")
        return rows

    worker._claim = claim_then_enqueue  # type: ignore[method-assign]
    await _put(sessions, 5, "first")
    worker.start()
    try:
        await bot.wait_sent(2)
    finally:
        await worker.stop()
    assert [m.text for m in bot.sent] == ["first", "second"]
