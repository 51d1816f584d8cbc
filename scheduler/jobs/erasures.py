"""Erasures cut short (the bot stopped, or the process died, in the middle of one) are
finished: at start and every minute, any erasure no runner touched for a minute is carried to
its end in bounded chunks, and whoever asked for it is told (bot/services/erasure.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services import erasure

logger = logging.getLogger(__name__)

JOB_ID = "erasures"
INTERVAL_SECONDS = 60
STALLED_AFTER = timedelta(minutes=1)  # a handler carrying one on touches it every chunk


async def tick(clock: Clock, *, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Returns how many erasures this tick finished. Takes the clock, not a moment: each
    chunk notes when it ran, so a runner that is alive is never taken for a stalled one."""
    async with sessionmaker() as session:
        stalled = await erasure.stalled(session, clock.now() - STALLED_AFTER)
    finished = 0
    for erasure_id in stalled:
        if await erasure.run(sessionmaker, erasure_id, clock, announce=True):
            finished += 1
    if stalled:
        logger.info("erasures: %s cut short, %s finished now", len(stalled), finished)
    return finished
