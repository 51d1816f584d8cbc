"""Scheduler jobs shared by replicas (scheduler/leases.py): on PostgreSQL one replica runs a
job at a time and the others skip that tick; a replica that dies hands the job on with its
connection; SQLite (one process) is left alone."""

from __future__ import annotations

import asyncio

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from models.db import create_engine
from scheduler.leases import lease_jobs, leased, lock_key


async def test_one_replica_at_a_time_and_a_dead_one_hands_over(pg_url: str) -> None:
    # Two engines: two replicas' connection pools.
    first, second = create_engine(pg_url), create_engine(pg_url)
    try:
        inside = asyncio.Event()
        release = asyncio.Event()
        runs: list[str] = []

        async def slow_job() -> str:
            runs.append("first")
            inside.set()
            await release.wait()
            return "done"

        async def quick_job() -> str:
            runs.append("second")
            return "done"

        running = asyncio.create_task(leased("sweep", slow_job, first)())
        await inside.wait()
        # The other replica's tick while the first one runs the job: skipped.
        assert await leased("sweep", quick_job, second)() is None
        # Another job is not held up by it.
        assert await leased("other", quick_job, second)() == "done"
        release.set()
        assert await running == "done"
        # The lock was given back: the next tick anywhere runs.
        assert await leased("sweep", quick_job, second)() == "done"
        assert runs == ["first", "second", "second"]

        # A replica that dies with the lock held: its connection goes, and so does the lock.
        dead = create_engine(pg_url)
        connection = await dead.connect()
        assert await connection.scalar(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key("sweep")}
        )
        await connection.commit()
        assert await leased("sweep", quick_job, second)() is None
        await connection.close()
        await dead.dispose()
        assert await leased("sweep", quick_job, second)() == "done"
    finally:
        await first.dispose()
        await second.dispose()


async def test_jobs_are_wrapped_on_postgresql_only(pg_url: str, sqlite_url: str) -> None:
    async def job() -> None:
        return None

    for url, expected in ((pg_url, 1), (sqlite_url, 0)):
        scheduler = AsyncIOScheduler()
        scheduler.add_job(job, "interval", seconds=60, id="job")
        engine = create_engine(url)
        try:
            assert lease_jobs(scheduler, engine) == expected
            wrapped = scheduler.get_job("job")
            assert wrapped is not None and (wrapped.func is job) == (expected == 0)
        finally:
            await engine.dispose()
