"""The campaigns' worklist jobs: claims past ``claim_until`` go back to the queue (their cards
edited down through the outbox), and «unwell» alerts nobody took within 15 minutes are pushed
again to the medics and to the HQ. Each its own short transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import AlertCb
from bot.services import campaign_alerts, campaign_calls, campaign_visits

logger = logging.getLogger(__name__)

JOB_ID = "campaign_calls"
INTERVAL_SECONDS = 60


def ack_data(alert_id: int) -> str:
    """The «✅ Принял» button's data of an alert."""
    return AlertCb(id=alert_id).pack()


async def tick(
    now: datetime,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    admin_ids: Collection[int] = (),
) -> tuple[int, int]:
    """Returns (claims lapsed, alerts escalated)."""
    async with sessionmaker() as session:
        lapsed = await campaign_calls.lapse_due(session, now)
        # Routes of visits nobody holds anymore close, their cards hidden.
        await campaign_visits.close_lapsed(session, now)
        await session.commit()
    async with sessionmaker() as session:
        escalated = await campaign_alerts.escalate_due(
            session, now, ack_data=ack_data, admin_ids=admin_ids
        )
        await session.commit()
    if lapsed or escalated:
        logger.info("campaigns: %s claims lapsed, %s alerts escalated", lapsed, escalated)
    return lapsed, escalated
