"""The coordinators' daily summary (bot/services/daily_summary.py): every few minutes, the
coordinators whose local summary time has come get theirs, once a local day."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import daily_summary
from bot.services.timing import QuietHours

logger = logging.getLogger(__name__)

JOB_ID = "daily-summary"
INTERVAL_SECONDS = 300


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    at: time,
    quiet: QuietHours,
    hq_zone: ZoneInfo,
    admin_ids: Collection[int],
    default_locale: str,
) -> list[int]:
    """One pass; returns the coordinators whose summary was enqueued."""
    async with sessionmaker() as session:
        told = await daily_summary.send_due(
            session,
            now,
            at=at,
            quiet=quiet,
            hq_zone=hq_zone,
            admin_ids=admin_ids,
            default_locale=default_locale,
        )
        await session.commit()
    if told:
        logger.info("daily summary: enqueued for %s coordinators", len(told))
    return told


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    at: time,
    quiet: QuietHours,
    admin_ids: Collection[int],
    default_locale: str,
) -> None:
    """The HQ's default zone is the scheduler's."""
    hq_zone = ZoneInfo(str(scheduler.timezone))

    async def send_summaries() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                at=at,
                quiet=quiet,
                hq_zone=hq_zone,
                admin_ids=admin_ids,
                default_locale=default_locale,
            )
        except Exception:
            logger.exception("daily summary job failed; it runs again at the next tick")

    scheduler.add_job(
        send_summaries, "interval", seconds=INTERVAL_SECONDS, id=JOB_ID, replace_existing=True
    )
