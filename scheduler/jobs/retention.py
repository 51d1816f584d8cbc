"""Once an hour: finished outbox rows past their retention go (bot/services/retention.py);
on SQLite the query planner's statistics are refreshed (PRAGMA optimize), as SQLite
recommends for long-lived databases, so the plans stay right as tables grow."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.retention import purge_outbox

JOB_ID = "retention"
INTERVAL_SECONDS = 3600


async def tick(
    now: datetime, *, sessionmaker: async_sessionmaker[AsyncSession], keep: timedelta
) -> int:
    deleted = await purge_outbox(sessionmaker, now, keep)
    async with sessionmaker() as session:
        if session.get_bind().dialect.name == "sqlite":
            await session.execute(text("PRAGMA optimize"))
        await session.commit()
    return deleted
