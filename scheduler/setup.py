"""Builds the AsyncIOScheduler the app starts and stops.

Due moments live in domain tables, so the job store stays in memory and holds only a few
periodic jobs with fixed ids; features register theirs here as they land.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def build_scheduler(timezone: ZoneInfo) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
