"""Searching requests meet volunteers who became available since they were offered: approved,
back from a pause (a pause ends by the date, with no event of its own), unblocked, or with new
skills. Handlers offer at once after such a change; this job is the net under them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import help_requests

logger = logging.getLogger(__name__)

JOB_ID = "waiting_requests"
INTERVAL_SECONDS = 60


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    take_data: Callable[[int], str],
    default_locale: str,
) -> int:
    async with sessionmaker() as session:
        sent = await help_requests.offer_waiting(
            session, now, take_data=take_data, default_locale=default_locale
        )
        await session.commit()
    if sent:
        logger.info("waiting requests: %s pushes to volunteers who became available", sent)
    return sent
