"""The outbox keeps finished rows for OUTBOX_KEEP_DAYS: older sent and failed rows go, in
chunks; what is pending, in flight or recent stays; the deletion finds its rows by index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import outbox
from bot.services.retention import purge_outbox
from models import OutboxMessage, OutboxStatus, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import retention
from tests.unit.test_outbox import claim, put, sent

KEEP = timedelta(days=30)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _states(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status))
        return {key: status for key, status in rows}


async def test_old_finished_rows_go_in_chunks_and_the_rest_stays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    for n in range(5):  # sent long ago, one per chat so all are claimed at once
        await put(sessions, clock, 100 + n, f"old:{n}")
    await sent(sessions, clock, await claim(sessions, clock))
    await put(sessions, clock, 200, "failed-long-ago")
    [failing] = await claim(sessions, clock)
    async with sessions() as session:
        await outbox.mark_final(
            session, failing.id, failing.lease, OutboxStatus.FAILED, "400", count_attempt=True
        )
    clock.advance(KEEP + timedelta(hours=1))
    await put(sessions, clock, 300, "recent")
    await sent(sessions, clock, await claim(sessions, clock))
    await put(sessions, clock, 301, "pending")  # queued long after: never deleted
    deleted = await purge_outbox(sessions, clock.now(), KEEP, chunk=2)
    assert deleted == 6
    assert await _states(sessions) == {"recent": "sent", "pending": "pending"}
    assert await purge_outbox(sessions, clock.now(), KEEP, chunk=2) == 0


async def test_the_job_purges_and_keeps_planner_statistics(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    await put(sessions, clock, 100, "old")
    await sent(sessions, clock, await claim(sessions, clock))
    clock.advance(KEEP * 2)
    assert await retention.tick(clock.now(), sessionmaker=sessions, keep=KEEP) == 1
    assert await _states(sessions) == {}


async def test_deletion_and_the_sent_count_use_the_sent_at_index(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            for sql in (
                "SELECT id FROM outbox WHERE sent_at < :t LIMIT 10",
                "SELECT count(*) FROM outbox WHERE sent_at >= :t",
            ):
                plan = " | ".join(
                    str(row[-1])
                    for row in await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), {"t": "x"})
                )
                assert "ix_outbox_sent_at" in plan and "SCAN" not in plan, plan
    finally:
        await engine.dispose()
