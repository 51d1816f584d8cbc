"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, StaticPool

from models import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    echo: bool = False,
    sqlite_thread: bool = False,
    pool_size: int = 10,
    max_overflow: int = 10,
) -> AsyncEngine:
    """Create the engine; never logs bound parameters (they may hold phone numbers).
    ``pool_size``/``max_overflow``: PostgreSQL connections per process (replicas multiply
    them: keep replicas × (pool + overflow) under the server's max_connections)."""
    if not is_sqlite(url):
        return create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
        )
    database = make_url(url).database
    in_memory = database in (None, "", ":memory:")
    # The pool's own rollback on every check-in is replaced by one only when needed (below).
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True, "pool_reset_on_return": None}
    if not sqlite_thread:  # see models/sqlite_inline.py
        kwargs["module"] = sqlite_inline.dbapi()
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        # One connection: SQLite has one writer, and a single connection makes updates queue
        # in-process instead of failing with "database is locked" or a stale WAL snapshot.
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    engine = create_async_engine(url, **kwargs)
    _set_sqlite_pragmas(engine, wal=not in_memory)
    _reset_only_open_transactions(engine)
    return engine


def _reset_only_open_transactions(engine: AsyncEngine) -> None:
    """A connection goes back to the pool after every session; the pool rolls it back each
    time to be safe, and with aiosqlite each rollback is a round trip to its thread. When
    the session already committed or rolled back (nearly always) there is nothing to undo:
    sqlite3 knows whether a transaction is open without asking the database."""

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
        if reset_state.transaction_was_reset:  # the Connection just rolled it back itself
            return
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        if getattr(driver, "in_transaction", True):
            dbapi_connection.rollback()


def _set_sqlite_pragmas(engine: AsyncEngine, *, wal: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: handlers commit before replying and still read what they stored.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def one_process_at_a_time(engine: AsyncEngine, name: str) -> AsyncIterator[None]:
    """On PostgreSQL, hold a session-level advisory lock named ``name`` while the block runs:
    replicas starting together (a deploy, a restart of all) migrate and load the shipped data
    one after another instead of racing to insert the same rows. The lock lives on its own
    connection outside the pool, so a small pool cannot deadlock against the block's own
    sessions; a process that dies releases it with its connection. SQLite serves one
    process: nothing to wait for."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"mutual-aid:{name}".encode())
    side = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with side.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            await connection.commit()  # not idle in a transaction while others wait
            try:
                yield
            finally:
                # A lost connection released the lock already; its error must not hide the
                # block's own.
                with suppress(Exception):
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    await connection.commit()
    finally:
        await side.dispose()
