"""aiosqlite without its thread: each SQLite call runs at once on the event loop's thread.

aiosqlite sends every call (execute, fetch, commit, even creating a cursor) to a thread of
its own and wakes the event loop when it is done: about sixty round trips per update of the
help-request flow, each a queue, a thread switch and a loop wake-up, and together most of
the database's CPU. Our statements are short (indexed lookups; bulk work in bounded chunks,
see bot/services/retention.py and bot/services/erasure.py), and every update waits for the
one SQLite connection anyway, so running them inline costs nobody time and saves the hops.

What it gives up: a statement that is slow for SQLite itself (a WAL checkpoint on a slow
disk, waiting for another process's write lock up to busy_timeout) holds the whole loop,
not only the database's users. A second process writing to the same file is not how the
bot runs (one process owns the file; PostgreSQL is for more); ``SQLITE_THREAD=1`` puts
aiosqlite's thread back.

Used through SQLAlchemy's own aiosqlite dialect, given this as its DBAPI module.
"""

from __future__ import annotations

import asyncio
import sqlite3
import types
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread (SQLAlchemy also uses it directly)."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the waiting coroutine
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no thread to start

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def connect(database: Any, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    location = database.decode() if isinstance(database, bytes) else str(database)
    return InlineConnection(lambda: sqlite3.connect(location, **kwargs), iter_chunk_size)


def dbapi() -> Any:
    """SQLAlchemy's aiosqlite adapter around this module instead of aiosqlite."""
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

    module = types.ModuleType("aiosqlite_inline")
    module.__dict__.update(vars(aiosqlite))
    module.connect = connect  # type: ignore[attr-defined]
    return AsyncAdapt_aiosqlite_dbapi(module, sqlite3)
