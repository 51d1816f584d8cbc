"""SQLite calls inline on the loop (the default) or on aiosqlite's thread (SQLITE_THREAD=1):
the same behaviour either way: commits, rollbacks, errors as SQLAlchemy's, sessions queueing
for the one connection."""

from __future__ import annotations

import asyncio

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models.db import create_engine, create_sessionmaker
from models.sqlite_inline import InlineConnection


@pytest.mark.parametrize("thread", [False, True], ids=["inline", "thread"])
async def test_both_ways_behave_alike(sqlite_url: str, thread: bool) -> None:
    engine = create_engine(sqlite_url, sqlite_thread=thread)
    sessions = create_sessionmaker(engine)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert isinstance(driver, InlineConnection) is not thread
            assert isinstance(driver, aiosqlite.Connection)
            assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
        async with sessions() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
            await session.commit()
        async with sessions() as session:
            await session.execute(text("INSERT INTO t VALUES (2)"))
            await session.rollback()
            with pytest.raises(IntegrityError):
                await session.execute(text("INSERT INTO t VALUES (1)"))
            await session.rollback()

        async def add(n: int) -> None:  # one connection: they take turns
            async with sessions() as session:
                await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                await asyncio.sleep(0)
                await session.commit()

        await asyncio.gather(*(add(n) for n in range(10, 20)))
        async with sessions() as session:
            rows = (await session.scalars(text("SELECT n FROM t ORDER BY n"))).all()
        assert rows == [1, *range(10, 20)]
    finally:
        await engine.dispose()
