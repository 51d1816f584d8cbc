"""The reminders job: fire everything due, in batches, each batch one transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.reminders import FireResult, fire_due
from bot.services.timing import QuietHours

logger = logging.getLogger(__name__)

JOB_ID = "reminders"
BATCH = 500


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    max_lateness: timedelta,
    quiet: QuietHours,
) -> FireResult:
    total = FireResult()
    while True:
        async with sessionmaker() as session:
            result = await fire_due(
                session, now, max_lateness=max_lateness, quiet=quiet, limit=BATCH
            )
        total += result
        if result.fired + result.missed < BATCH:
            break
    if total.fired or total.missed:
        logger.info("reminders: %s fired, %s missed", total.fired, total.missed)
    return total
