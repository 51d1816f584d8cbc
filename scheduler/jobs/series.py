"""Recurring help (issue 19): every minute, series whose next occurrence is due make it (its
own help request, offered first to the previous volunteer), and occurrences whose first offer
went unanswered go to everyone fitting (bot/services/series.py). Each series and each release
is its own short transaction: SQLite has one connection, and a replica running the same job
at once makes nothing twice (a conditional UPDATE and a unique index)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.keyboards.requests import take_data
from bot.keyboards.series import decline_data
from bot.services import series

logger = logging.getLogger(__name__)

JOB_ID = "request_series"
INTERVAL_SECONDS = 60


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> series.Ticked:
    async with sessionmaker() as session:
        due = await series.due_series(session, now)
        expired = await series.expired_first_offers(session, now)
    created = ended = released = 0
    for series_id in due:
        async with sessionmaker() as session:
            outcome = await series.occur(
                session,
                series_id,
                now,
                take_data=take_data,
                decline_data=decline_data,
                default_locale=default_locale,
                admin_ids=admin_ids,
            )
            await session.commit()
        created += outcome == "created"
        ended += outcome == "ended"
        await asyncio.sleep(0)  # whoever waits for the connection gets it between series
    for request_id in expired:
        async with sessionmaker() as session:
            if await series.release(
                session,
                request_id,
                now,
                declined_by=None,
                take_data=take_data(request_id),
                default_locale=default_locale,
                admin_ids=admin_ids,
            ):
                released += 1
            await session.commit()
        await asyncio.sleep(0)
    if created or ended or released:
        logger.info(
            "series: %s occurrences made, %s series ended, %s first offers to everyone",
            created,
            ended,
            released,
        )
    return series.Ticked(created, released, ended)


def add_job(
    scheduler: AsyncIOScheduler,
    *,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    default_locale: str,
    admin_ids: Collection[int] = (),
) -> None:
    """The periodic job (scheduler/setup.py adds it with the others)."""

    async def make_occurrences() -> None:
        try:
            await tick(
                clock.now(),
                sessionmaker=sessionmaker,
                default_locale=default_locale,
                admin_ids=admin_ids,
            )
        except Exception:
            logger.exception("series job failed; it runs again at the next tick")

    scheduler.add_job(
        make_occurrences,
        "interval",
        seconds=INTERVAL_SECONDS,
        id=JOB_ID,
        replace_existing=True,
    )
