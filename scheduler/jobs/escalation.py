"""Nothing waits unseen (issue 19): every minute, searching requests whose next circle is due
reach it (or the morning's volunteers), taken ones whose window has ended remind their
volunteer (then alert the coordinators), and open ones past their window are marked overdue
(bot/services/escalation.py). Each request's step is its own short transaction: SQLite has
one connection, and a replica running the same job at once changes nothing twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import escalation

logger = logging.getLogger(__name__)

JOB_ID = "escalation"
INTERVAL_SECONDS = 60


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> escalation.Swept:
    async with sessionmaker() as session:
        steps_due = await escalation.due_steps(session, now)
        reminders_due = await escalation.due_reminders(session, now)
    steps = reminders = 0
    for request_id in steps_due:
        async with sessionmaker() as session:
            if await escalation.step(
                session, request_id, now, default_locale=default_locale, admin_ids=admin_ids
            ):
                steps += 1
            await session.commit()
        await asyncio.sleep(0)  # whoever waits for the connection gets it between requests
    for request_id in reminders_due:
        async with sessionmaker() as session:
            if await escalation.remind(
                session, request_id, now, default_locale=default_locale, admin_ids=admin_ids
            ):
                reminders += 1
            await session.commit()
        await asyncio.sleep(0)
    async with sessionmaker() as session:
        overdue = await escalation.mark_overdue(session, now)
        await session.commit()
    if steps or reminders or overdue:
        logger.info(
            "escalation: %s circle steps, %s reminder steps, %s overdue", steps, reminders, overdue
        )
    return escalation.Swept(steps, reminders, overdue)


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> None:
    """The periodic job (scheduler/setup.py adds it with the others)."""

    async def sweep_escalation() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                default_locale=default_locale,
                admin_ids=admin_ids,
            )
        except Exception:
            logger.exception("escalation job failed; it runs again at the next tick")

    scheduler.add_job(
        sweep_escalation,
        "interval",
        seconds=INTERVAL_SECONDS,
        id=JOB_ID,
        replace_existing=True,
    )
