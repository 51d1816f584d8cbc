"""«Ask a volunteer medic»: every minute, questions nobody took within their stage's time go
one stage further (the HQ's medics, then the coordinators), and consultations over for longer
than CONSULT_KEEP_DAYS lose their relayed messages. Each its own short transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.keyboards.consultations import LINKS
from bot.services import consultations

logger = logging.getLogger(__name__)

JOB_ID = "consultations"
INTERVAL_SECONDS = 60


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    escalate_after: timedelta,
    keep: timedelta,
    admin_ids: Collection[int] = (),
) -> tuple[int, int]:
    """Returns (questions escalated, consultations purged)."""
    async with sessionmaker() as session:
        escalated = await consultations.escalate_due(
            session, now, escalate_after=escalate_after, admin_ids=admin_ids, links=LINKS
        )
        await session.commit()
    purged = 0
    while True:
        async with sessionmaker() as session:
            done = await consultations.purge_expired(session, now, keep)
            await session.commit()
        purged += done
        if done < consultations.PURGE_BATCH:
            break
    if escalated or purged:
        logger.info("consultations: %s escalated, %s purged", escalated, purged)
    return escalated, purged


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    escalate_after: timedelta,
    keep: timedelta,
    admin_ids: Collection[int] = (),
) -> None:
    """The periodic job (scheduler/setup.py adds it with the others)."""

    async def work_consultations() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                escalate_after=escalate_after,
                keep=keep,
                admin_ids=admin_ids,
            )
        except Exception:
            logger.exception("consultations job failed; it runs again at the next tick")

    scheduler.add_job(
        work_consultations,
        "interval",
        seconds=INTERVAL_SECONDS,
        id=JOB_ID,
        replace_existing=True,
    )
