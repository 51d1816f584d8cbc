"""SQLite connections go back to the pool without a rollback after a session that ended its
transaction, and with one when it did not: nothing uncommitted ever reaches the next user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from models.db import create_engine, create_sessionmaker


async def test_uncommitted_work_never_reaches_the_next_session(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    rollbacks: list[bool] = []  # whether each rollback found a transaction to undo

    @event.listens_for(engine.sync_engine, "checkout")
    def _spy(dbapi: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi.driver_connection  # aiosqlite's connection
        if getattr(driver, "spied", False):
            return
        real = driver.rollback

        async def rollback() -> None:
            rollbacks.append(driver.in_transaction)
            await real()

        driver.rollback, driver.spied = rollback, True

    try:
        async with sessions() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
            await session.commit()
        async with sessions() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))
            await session.commit()
        assert rollbacks == []  # committed: back to the pool without a rollback
        async with sessions() as session:  # closed without a commit: undone
            await session.execute(text("INSERT INTO t VALUES (2)"))
        assert rollbacks == [True]
        async with sessions() as session:
            assert (await session.scalars(text("SELECT n FROM t"))).all() == [1]
        async with engine.connect() as conn:  # a bare connection left in a transaction
            await conn.execute(text("INSERT INTO t VALUES (3)"))
        async with sessions() as session:
            assert (await session.scalars(text("SELECT n FROM t"))).all() == [1]
    finally:
        await engine.dispose()
