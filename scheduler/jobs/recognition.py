"""«Лучший доброволец» (bot/services/recognition.py): every few minutes, the territories
where it is past 10:00 on the 1st of the month have the previous month's top volunteers
proposed to their coordinators, once per territory and month (the proposal row)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.keyboards.callbacks import AwardCb
from bot.services import recognition

logger = logging.getLogger(__name__)

JOB_ID = "recognition"
INTERVAL_SECONDS = 300


def award_data(proposal_id: int, volunteer_id: int) -> str:
    return AwardCb(p=proposal_id, v=volunteer_id).pack()


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    hq_zone: ZoneInfo,
    admin_ids: Collection[int],
    default_locale: str,
) -> list[int]:
    """One pass; returns the territories whose month was proposed now."""
    async with sessionmaker() as session:
        proposed = await recognition.propose_due(
            session,
            now,
            hq_zone=hq_zone,
            admin_ids=admin_ids,
            default_locale=default_locale,
            award_data=award_data,
        )
        await session.commit()
    if proposed:
        logger.info("best volunteer: the month's top proposed in %s territories", len(proposed))
    return proposed


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_ids: Collection[int],
    default_locale: str,
) -> None:
    """The HQ's default zone is the scheduler's (a territory with a bad zone uses it)."""
    hq_zone = ZoneInfo(str(scheduler.timezone))

    async def propose() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                hq_zone=hq_zone,
                admin_ids=admin_ids,
                default_locale=default_locale,
            )
        except Exception:
            logger.exception("recognition job failed; it runs again at the next tick")

    scheduler.add_job(
        propose, "interval", seconds=INTERVAL_SECONDS, id=JOB_ID, replace_existing=True
    )
