"""Self-surveys' job (bot/services/campaign_links.py): surveys nobody finished within a day go
back on the call list, begun ones are reminded once, and linked people's new due moments are
offered in the bot first. Each its own short transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import SurveyCb
from bot.services import campaign_links
from bot.services.timing import QuietHours

logger = logging.getLogger(__name__)

JOB_ID = "campaign_surveys"
INTERVAL_SECONDS = 60


def go_data(person_id: int) -> str:
    """The «Начать» / «Продолжить» button's data under an offer or a reminder."""
    return SurveyCb(id=person_id).pack()


async def tick(
    now: datetime, *, sessionmaker: async_sessionmaker[AsyncSession], quiet: QuietHours
) -> tuple[int, int, int]:
    """Returns (surveys back on the call list, reminders, offers)."""
    async with sessionmaker() as session:
        lapsed = await campaign_links.lapse_due(session, now)
        await session.commit()
    async with sessionmaker() as session:
        reminded = await campaign_links.remind_due(session, now, quiet, go_data)
        await session.commit()
    async with sessionmaker() as session:
        offered = await campaign_links.offer_due(session, now, quiet, go_data)
        await session.commit()
    if lapsed or reminded or offered:
        logger.info(
            "surveys: %s back on the call list, %s reminded, %s offered", lapsed, reminded, offered
        )
    return lapsed, reminded, offered
