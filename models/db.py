"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the engine; never logs bound parameters (they may hold phone numbers)."""
    if not is_sqlite(url):
        return create_async_engine(
            url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10
        )
    database = make_url(url).database
    in_memory = database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        # One connection: SQLite has one writer, and a single connection makes updates queue
        # in-process instead of failing with "database is locked" or a stale WAL snapshot.
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    engine = create_async_engine(url, **kwargs)
    _set_sqlite_pragmas(engine, wal=not in_memory)
    return engine


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
