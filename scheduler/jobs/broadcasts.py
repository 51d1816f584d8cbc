"""Broadcasts' job (issue 20): enqueue each live broadcast's recipients in chunks (each its
own short transaction), then show the author how it goes (an edit at most every few seconds)
and, once every row is settled, the final report."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import broadcasts
from bot.services.timing import QuietHours
from models import BroadcastStatus

logger = logging.getLogger(__name__)

JOB_ID = "broadcasts"
INTERVAL_SECONDS = 2
# One tick at a time per database in this process (a test's direct tick and the scheduler's).
_locks: dict[int, asyncio.Lock] = {}


@dataclass
class TickResult:
    enqueued: dict[int, int] = field(default_factory=dict)  # broadcast -> people looked at
    progress: dict[int, broadcasts.Progress] = field(default_factory=dict)
    finished: list[int] = field(default_factory=list)


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
    default_zone: ZoneInfo,
    chunk: int = broadcasts.CHUNK,
) -> TickResult:
    lock = _locks.setdefault(id(sessionmaker), asyncio.Lock())
    async with lock:
        return await _tick(
            now,
            sessionmaker=sessionmaker,
            quiet=quiet,
            default_locale=default_locale,
            default_zone=default_zone,
            chunk=chunk,
        )


async def _tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
    default_zone: ZoneInfo,
    chunk: int,
) -> TickResult:
    result = TickResult()
    async with sessionmaker() as session:
        live = await broadcasts.live_ids(session)
    for broadcast_id in live:
        while True:
            async with sessionmaker() as session:
                broadcast = await broadcasts.get(session, broadcast_id)
                if broadcast is None or broadcast.status != BroadcastStatus.ENQUEUING:
                    break
                looked_at = await broadcasts.enqueue_chunk(
                    session,
                    broadcast,
                    now,
                    quiet=quiet,
                    default_locale=default_locale,
                    default_zone=default_zone,
                    limit=chunk,
                )
                await session.commit()
            result.enqueued[broadcast_id] = result.enqueued.get(broadcast_id, 0) + looked_at
            if not looked_at:
                break
            await asyncio.sleep(0)  # the updates waiting for the database go between chunks
        async with sessionmaker() as session:
            broadcast = await broadcasts.get(session, broadcast_id)
            if broadcast is None:
                continue
            shown = await broadcasts.report_progress(session, broadcast, now)
            finished = broadcast.finished_at is not None
            await session.commit()
        if shown is not None:
            result.progress[broadcast_id] = shown
        if finished:
            result.finished.append(broadcast_id)
            logger.info("broadcast %s finished", broadcast_id)
    return result


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
) -> None:
    """Every two seconds (an idle tick is one indexed query); people without a territory
    count in the HQ's zone (the scheduler's)."""
    default_zone = ZoneInfo(str(scheduler.timezone))

    async def run() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                quiet=quiet,
                default_locale=default_locale,
                default_zone=default_zone,
            )
        except Exception:
            logger.exception("broadcasts job failed; it runs again at the next tick")

    scheduler.add_job(
        run,
        "interval",
        seconds=INTERVAL_SECONDS,
        id=JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC),  # a broadcast cut short by a stop goes on at once
    )


def run_soon(scheduler: AsyncIOScheduler | None) -> None:
    """A broadcast confirmed or cancelled: the job runs now, not at its next interval."""
    if scheduler is None:
        return
    job = scheduler.get_job(JOB_ID)
    if job is not None:
        job.modify(next_run_time=datetime.now(UTC))
