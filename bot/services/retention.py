"""How long the outbox keeps what it has finished with.

A sent row is needed for a while after sending: its key keeps a re-enqueue of the same
message a no-op, its Telegram message id is the target of later edits ("taken", hiding the
address) and of deletions (Telegram allows those for 48 hours). After ``keep`` nobody edits
it again, and keeping every message ever sent makes each outbox lookup and count grow with
the bot's age. Rows that ended without being sent (failed, skipped, blocked) are kept as
long, for /delivery.

Deletion runs in bounded chunks, each its own short transaction, so the single SQLite
connection is never held long and people keep being answered while a backlog is purged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

CHUNK = 2_000
FINISHED_UNSENT = (OutboxStatus.FAILED, OutboxStatus.SKIPPED, OutboxStatus.BLOCKED)


async def purge_outbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    keep: timedelta,
    *,
    chunk: int = CHUNK,
) -> int:
    """Delete finished outbox rows older than ``keep``; how many were deleted."""
    cutoff = now - keep
    sent = (
        select(OutboxMessage.id)
        # sent_at is set exactly when a row is sent (see the index ix_outbox_sent_at).
        .where(OutboxMessage.sent_at < cutoff)
        .limit(chunk)
    )
    unsent = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status.in_(FINISHED_UNSENT), OutboxMessage.next_attempt_at < cutoff)
        .limit(chunk)
    )
    total = 0
    for old in (sent, unsent):
        while True:
            async with sessionmaker() as session:
                ids = list((await session.scalars(old)).all())
                if ids:
                    await session.execute(
                        delete(OutboxMessage)
                        .where(OutboxMessage.id.in_(ids))
                        .execution_options(synchronize_session=False)
                    )
                await session.commit()
            total += len(ids)
            if len(ids) < chunk:
                break
            await asyncio.sleep(0)  # let a waiting update have the connection first
    if total:
        logger.info("outbox retention: %s finished rows older than %s deleted", total, keep)
    return total
