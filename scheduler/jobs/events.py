"""The volunteer calendar's reminders: a day and two hours before each event, to everyone
holding a slot, through the outbox (see ``events.remind_due``); one short transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.events import button_data
from bot.services import events
from bot.services.timing import QuietHours

logger = logging.getLogger(__name__)

JOB_ID = "event_reminders"
INTERVAL_SECONDS = 60


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    quiet: QuietHours,
    default_locale: str,
) -> events.Reminded:
    async with sessionmaker() as session:
        done = await events.remind_due(
            session, now, quiet=quiet, data=button_data, default_locale=default_locale
        )
        await session.commit()
    if done.day or done.soon:
        logger.info("event reminders: %s a day before, %s two hours before", done.day, done.soon)
    return done
