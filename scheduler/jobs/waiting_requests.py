"""Searching requests reach more people: a wave nobody took widens (the audience doubles, the
next least busy volunteers are pushed), and volunteers who became available since the
request was offered (approved, back from a pause, which ends by the date with no event of
its own, unblocked, or with new skills) are offered it while its wave has room. Handlers
offer at once after such a change; this job is the net under them.

Each widening is its own short transaction (SQLite has one connection: a job that held it
for all of them would make everybody wait)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import help_requests

logger = logging.getLogger(__name__)

JOB_ID = "waiting_requests"
INTERVAL_SECONDS = 60
WIDEN_PER_TICK = 200  # at most; the rest widen at the next tick


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    take_data: Callable[[int], str],
    default_locale: str,
) -> int:
    widened = 0
    async with sessionmaker() as session:
        due = await help_requests.widen_due(session, now, limit=WIDEN_PER_TICK)
    for request_id in due:
        async with sessionmaker() as session:
            widened += len(
                await help_requests.widen(
                    session,
                    request_id,
                    now,
                    take_data=take_data(request_id),
                    default_locale=default_locale,
                )
            )
            await session.commit()
        await asyncio.sleep(0)  # whoever waits for the connection gets it between requests
    async with sessionmaker() as session:
        sent = await help_requests.offer_waiting(
            session, now, take_data=take_data, default_locale=default_locale
        )
        await session.commit()
    if widened:
        logger.info("waiting requests: %s widened, %s pushes to the next wave", len(due), widened)
    if sent:
        logger.info("waiting requests: %s pushes to volunteers who became available", sent)
    return widened + sent
