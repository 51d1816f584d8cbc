"""Standing care for a senior (issue 19): every minute, teams whose next visit or call is near
make it (once per team and day) and remind its member, and visits not recorded in time are
marked missed and escalated: the member asked, then the coordinators alerted
(bot/services/care.py). Each team and each visit is its own short transaction: SQLite has one
connection, and a replica running the same job at once does nothing twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import care

logger = logging.getLogger(__name__)

JOB_ID = "care_teams"
INTERVAL_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Ticked:
    created: int = 0
    missed: int = 0
    alerted: int = 0


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> Ticked:
    async with sessionmaker() as session:
        teams = await care.due_teams(session, now)
        visits = await care.due_steps(session, now)
    created = missed = alerted = 0
    for team_id in teams:
        async with sessionmaker() as session:
            created += await care.occur(session, team_id, now) == "created"
            await session.commit()
        await asyncio.sleep(0)  # whoever waits for the connection gets it between teams
    for visit_id in visits:
        async with sessionmaker() as session:
            outcome = await care.step(
                session, visit_id, now, default_locale=default_locale, admin_ids=admin_ids
            )
            await session.commit()
        missed += outcome == "missed"
        alerted += outcome == "alerted"
        await asyncio.sleep(0)
    if created or missed or alerted:
        logger.info(
            "care: %s visits made, %s missed (member asked), %s coordinator alerts",
            created,
            missed,
            alerted,
        )
    return Ticked(created, missed, alerted)


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> None:
    """The periodic job (scheduler/setup.py adds it with the others)."""

    async def care_visits() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                default_locale=default_locale,
                admin_ids=admin_ids,
            )
        except Exception:
            logger.exception("care job failed; it runs again at the next tick")

    scheduler.add_job(
        care_visits, "interval", seconds=INTERVAL_SECONDS, id=JOB_ID, replace_existing=True
    )
