"""The safety library's job: the season's round (once per round, set-based) and the weekly
tips that are due, in batches, each batch one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import safety
from bot.services.timing import QuietHours

logger = logging.getLogger(__name__)

JOB_ID = "safety-tips"
INTERVAL_SECONDS = 60


@dataclass
class TickResult:
    rounds: list[safety.RoundResult] = field(default_factory=list)
    weekly: int = 0


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
    hq_zone: ZoneInfo,
) -> TickResult:
    result = TickResult()
    for round_ in safety.rounds_due(now, hq_zone):  # at most one round a day
        async with sessionmaker() as session:
            if await safety.round_done(session, round_):
                break
            done = await safety.seasonal_round(
                session, round_, now, quiet=quiet, default_locale=default_locale
            )
            await session.commit()
        if done is not None:
            result.rounds.append(done)
            logger.info(
                "safety tips: round %s enqueued %s in %s zones", done.key, done.enqueued, done.zones
            )
            break
    while True:
        async with sessionmaker() as session:
            due = await safety.weekly_due(
                session, now, quiet=quiet, default_locale=default_locale, hq_zone=hq_zone
            )
            await session.commit()
        result.weekly += due
        if due < safety.WEEKLY_BATCH:
            break
    if result.weekly:
        logger.info("safety tips: %s weekly tips enqueued", result.weekly)
    return result


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
) -> None:
    """Every minute; seasons are counted in the HQ's zone (the scheduler's)."""
    hq_zone = ZoneInfo(str(scheduler.timezone))

    async def send_tips() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                quiet=quiet,
                default_locale=default_locale,
                hq_zone=hq_zone,
            )
        except Exception:
            logger.exception("safety tips job failed; it runs again at the next tick")

    scheduler.add_job(
        send_tips, "interval", seconds=INTERVAL_SECONDS, id=JOB_ID, replace_existing=True
    )
