"""Periodic jobs shared by replicas (issue 22). On PostgreSQL each run of a job takes a
session-level advisory lock named after the job (``pg_try_advisory_lock``): while one replica
runs the job, another replica's run of it is skipped, so the sweeps do no double work; a
replica that dies drops its connection and with it the lock, and the next replica's tick
takes the job over within one interval. The jobs stay correct without it (each claim is a
conditional UPDATE or ``FOR UPDATE SKIP LOCKED``): the lock saves the work, it does not make
it safe. SQLite serves one process: nothing to share, no lock."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, Any]]


def lock_key(job_id: str) -> int:
    """A stable 32-bit key per job (the advisory lock space is shared with nothing else)."""
    return zlib.crc32(f"mutual-aid-job:{job_id}".encode())


def leased(job_id: str, func: Job, engine: AsyncEngine) -> Job:
    """``func`` run only while this process holds the job's lock; skipped when another
    replica holds it."""
    key = lock_key(job_id)

    async def run() -> Any:
        async with engine.connect() as connection:
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            await connection.commit()  # not idle in a transaction while the job runs
            if not got:
                logger.debug("job %s: another replica runs it now; skipped", job_id)
                return None
            try:
                return await func()
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()

    return run


def lease_jobs(scheduler: BaseScheduler, engine: AsyncEngine) -> int:
    """Wrap every job added so far; returns how many (0 on SQLite)."""
    if engine.dialect.name != "postgresql":
        return 0
    jobs = scheduler.get_jobs()
    for job in jobs:
        job.modify(func=leased(job.id, job.func, engine))
    return len(jobs)
