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


async def test_replicas_starting_together_on_a_new_database_all_start(pg_url: str) -> None:
    """A deploy starts every replica at once on a new database: each would migrate and insert
    the shipped territories and tips; the start-up lock makes them take turns (one of two
    replicas never became ready in CI before it)."""
    from sqlalchemy import func, select

    from bot.app import create_app
    from bot.clock import FakeClock
    from bot.config import Settings
    from models import SafetyTip, Territory

    settings = Settings(
        _env_file=None,
        bot_token="1:x",
        telegram_api_url="http://127.0.0.1:9",
        database_url=pg_url,
        default_timezone="Asia/Novokuznetsk",
        database_pool_size=1,  # the lock's own connection is outside the pool: no deadlock
        database_max_overflow=0,
    )
    apps = await asyncio.wait_for(
        asyncio.gather(*(create_app(settings, clock=FakeClock()) for _ in range(3))), 120
    )
    try:
        async with apps[0].sessionmaker() as session:
            territories = await session.scalar(select(func.count()).select_from(Territory))
            tips = await session.scalar(select(func.count()).select_from(SafetyTip))
            codes = await session.scalar(select(func.count(func.distinct(SafetyTip.code))))
        assert territories and territories > 10
        assert tips and tips == codes  # each shipped tip once
    finally:
        for app in apps:
            await app.close()


async def test_the_start_up_lock_makes_processes_take_turns(pg_url: str) -> None:
    from models.db import one_process_at_a_time

    first, second = create_engine(pg_url), create_engine(pg_url)
    order: list[str] = []
    try:
        inside = asyncio.Event()
        release = asyncio.Event()

        async def starting(engine: object, name: str, hold: bool) -> None:
            async with one_process_at_a_time(first if engine is first else second, "start-up"):
                order.append(f"{name} in")
                if hold:
                    inside.set()
                    await release.wait()
                order.append(f"{name} out")

        one = asyncio.create_task(starting(first, "one", True))
        await inside.wait()
        two = asyncio.create_task(starting(second, "two", False))
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        async with first.connect() as probe:
            for _ in range(300):  # the second process waiting on the lock is the event
                if await probe.scalar(waiting):
                    break
                await probe.commit()
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the second process never waited for the lock")
        assert order == ["one in"]
        release.set()
        await asyncio.wait_for(asyncio.gather(one, two), 30)
        assert order == ["one in", "one out", "two in", "two out"]
    finally:
        await first.dispose()
        await second.dispose()
