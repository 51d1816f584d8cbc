"""Counters inside the bot process of the benchmarks (installed by bench/bot_process.py only).

Nothing here changes what the bot does; it patches and listens from outside:

- SQL: SQLAlchemy events on every Engine, a wrap of ``Session.__init__`` and of the adapters:
  statements (cursor executions; an executemany is one), sessions (``Session`` objects, one
  per ``AsyncSession``), commits of ``Connection`` objects, and rollbacks the driver is
  asked for (SQLAlchemy's asyncio adapters' ``rollback``; on asyncpg only with a transaction
  open, the others cost a round trip each), told apart: pool-reset rollbacks are those asked
  while the pool resets a connection at check-in, the rest are the sessions' own.
- Round trips: calls of ``aiosqlite.Connection._execute`` (one hop to aiosqlite's thread
  and back each) and calls of SQLAlchemy's ``await_`` in its asyncio adapters (one
  greenlet switch to the event loop for the driver each; on PostgreSQL one asyncpg round
  trip each); ``ThreadPoolExecutor.submit`` calls (sync filters and handlers run by aiogram
  in the default executor, ``asyncio.to_thread``).
- Origin: a context variable says on whose behalf code runs: ``("u", update_id)`` inside
  ``feed_update`` of the dispatcher, ``("o", update_id)`` inside the delivery worker (the
  update whose handler inserted the outbox row being sent, found from the row's
  idempotency key as the INSERT INTO outbox ran; 0 for claims and heartbeats).
  Statements, round trips and Bot API calls are counted per origin ("u", "o", other).
- Bot API calls are tagged with their origin: the sessions' ``TelegramAPIServer`` appends
  ``?bench=u<id>`` / ``?bench=o<id>`` to the method URL, which the emulator logs with the
  call's parameters. bench/requests.py builds the replay floor's script from those tags.
- Outbox CPU: the worker's coroutines (its claim loop, heartbeat loop and each delivery)
  run inside ``Metered``, which adds the main thread's CPU clock (``time.thread_time``)
  around each step of the coroutine; the aiosqlite thread's CPU for calls made in the
  worker's context is added the same way inside that thread. Not counted: the event loop's
  own polling and socket callbacks between steps.
- ``snapshot()`` returns the counters, the process's CPU split by thread (main and the
  others: aiosqlite's, the executor's) and the GC's collections; bench/bot_process.py
  writes it to a file on SIGUSR1, so the driver takes per-round deltas.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import os
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
Origin = tuple[str, int]

ORIGIN: ContextVar[Origin | None] = ContextVar("bench_origin", default=None)
OUTBOX_TABLE = "outbox"


@dataclass
class Counters:
    statements: Counter[str] = field(default_factory=Counter)  # by origin kind
    sessions: Counter[str] = field(default_factory=Counter)
    commits: Counter[str] = field(default_factory=Counter)
    rollbacks: Counter[str] = field(default_factory=Counter)
    pool_reset_rollbacks: Counter[str] = field(default_factory=Counter)
    aiosqlite_hops: Counter[str] = field(default_factory=Counter)
    driver_awaits: Counter[str] = field(default_factory=Counter)
    thread_pool_hops: Counter[str] = field(default_factory=Counter)
    api_calls: Counter[str] = field(default_factory=Counter)
    updates: int = 0
    deliveries: int = 0  # outbox rows the worker took in hand
    claims: int = 0
    empty_claims: int = 0
    outbox_cpu_main: list[float] = field(default_factory=lambda: [0.0])
    outbox_cpu_db_thread: list[float] = field(default_factory=lambda: [0.0])
    unattributed_rows: int = 0  # rows delivered whose key no update inserted (scheduler...)


COUNTERS = Counters()
# idempotency key -> the update whose handler inserted the row
ROW_UPDATE: dict[str, int] = {}


def _kind() -> str:
    origin = ORIGIN.get()
    return "other" if origin is None else origin[0]


# --- metering a coroutine's own CPU --------------------------------------------------------
class Metered:
    """Awaits ``coro``, adding the calling thread's CPU time spent inside each of its steps
    to ``account[0]`` (time waiting between steps is not CPU of the coroutine)."""

    __slots__ = ("_account", "_coro")

    def __init__(self, coro: Coroutine[Any, Any, T], account: list[float]) -> None:
        self._coro = coro
        self._account = account

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, account, clock = self._coro, self._account, time.thread_time
        value: Any = None
        error: BaseException | None = None
        while True:
            started = clock()
            try:
                yielded = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                account[0] += clock() - started
                return stop.value
            except BaseException:
                account[0] += clock() - started
                raise
            account[0] += clock() - started
            error = None
            try:
                value = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation and the like go into the coroutine
                value, error = None, exc


# --- SQLAlchemy -----------------------------------------------------------------------------
def _install_sqlalchemy() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    counters = COUNTERS

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        origin = ORIGIN.get()
        counters.statements["other" if origin is None else origin[0]] += 1
        if origin is None or origin[0] != "u" or context is None or not context.isinsert:
            return
        compiled = getattr(context, "compiled", None)
        table = getattr(getattr(compiled, "statement", None), "table", None)
        if getattr(table, "name", None) != OUTBOX_TABLE:
            return
        for row in context.compiled_parameters or ():
            key = row.get("idempotency_key")
            if isinstance(key, str):
                ROW_UPDATE[key] = origin[1]

    @event.listens_for(Engine, "commit")
    def _commit(conn: Any) -> None:
        counters.commits[_kind()] += 1

    _install_rollbacks()

    original_init = Session.__init__

    def _session_init(self: Session, *args: Any, **kwargs: Any) -> None:
        counters.sessions[_kind()] += 1
        original_init(self, *args, **kwargs)

    Session.__init__ = _session_init  # type: ignore[method-assign]

    import importlib

    for module_name in ("sqlalchemy.connectors.asyncio", _dialect_module()):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        original = getattr(module, "await_", None)
        if original is None:
            continue
        setattr(module, "await_", _counting_await(original))  # noqa: B010


def _dialect_module() -> str:
    """The SQLAlchemy dialect module DATABASE_URL will load (only that one is imported here,
    as the bot imports only the one it uses)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return "sqlalchemy.dialects.postgresql.asyncpg"
    return "sqlalchemy.dialects.sqlite.aiosqlite"


def _install_rollbacks() -> None:
    """Rollbacks the driver is asked for, told apart by whether the pool's check-in reset
    (``_ConnectionFairy._reset``: the pool's own rollback, or a ``reset`` listener's) asks."""
    import importlib

    from sqlalchemy.pool import base as pool_base

    counters = COUNTERS
    resetting = [0]
    fairy = getattr(pool_base, "_ConnectionFairy", None)
    original_reset = getattr(fairy, "_reset", None)
    if fairy is not None and original_reset is not None:

        def _reset(self: Any, *args: Any, **kwargs: Any) -> Any:
            resetting[0] += 1
            try:
                return original_reset(self, *args, **kwargs)
            finally:
                resetting[0] -= 1

        fairy._reset = _reset

    def wrap(cls: Any, only_in_transaction: bool) -> None:
        original = cls.rollback

        def rollback(self: Any) -> Any:
            if not only_in_transaction or getattr(self, "_transaction", None) is not None:
                counted = counters.pool_reset_rollbacks if resetting[0] else counters.rollbacks
                counted[_kind()] += 1
            return original(self)

        cls.rollback = rollback

    adapters = [("sqlalchemy.connectors.asyncio", "AsyncAdapt_dbapi_connection", False)]
    if _dialect_module().endswith("asyncpg"):
        adapters.append((_dialect_module(), "AsyncAdapt_asyncpg_connection", True))
    for module_name, class_name, only_in_transaction in adapters:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        wrap(cls, only_in_transaction)


def _counting_await(original: Callable[[Awaitable[T]], T]) -> Callable[[Awaitable[T]], T]:
    counter = COUNTERS.driver_awaits

    def await_(awaitable: Awaitable[T]) -> T:
        counter[_kind()] += 1
        return original(awaitable)

    return await_


# --- aiosqlite and the default executor -------------------------------------------------------
def _install_threads() -> None:
    counters = COUNTERS
    try:
        import aiosqlite
    except ImportError:
        aiosqlite = None  # type: ignore[assignment]
    if aiosqlite is not None:
        original_execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute
        db_cpu = counters.outbox_cpu_db_thread

        async def _execute(self: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            kind = _kind()
            counters.aiosqlite_hops[kind] += 1
            if kind != "o":
                return await original_execute(self, fn, *args, **kwargs)
            call = partial(fn, *args, **kwargs)

            def timed() -> Any:
                started = time.thread_time()
                try:
                    return call()
                finally:
                    db_cpu[0] += time.thread_time() - started

            return await original_execute(self, timed)

        aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]

    original_submit = concurrent.futures.ThreadPoolExecutor.submit

    def _submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        counters.thread_pool_hops[_kind()] += 1
        return original_submit(self, fn, *args, **kwargs)

    concurrent.futures.ThreadPoolExecutor.submit = _submit  # type: ignore[method-assign]


# --- the delivery worker -----------------------------------------------------------------------
def _install_worker() -> None:
    from bot.delivery.worker import DeliveryWorker

    counters = COUNTERS
    cpu = counters.outbox_cpu_main
    original_run = DeliveryWorker._run
    original_beat_loop = DeliveryWorker._beat_loop
    original_deliver = DeliveryWorker._deliver
    original_claim = DeliveryWorker._claim

    async def _run(self: DeliveryWorker) -> None:
        ORIGIN.set(("o", 0))
        await Metered(original_run(self), cpu)

    async def _beat_loop(self: DeliveryWorker) -> None:
        ORIGIN.set(("o", 0))
        await Metered(original_beat_loop(self), cpu)

    async def _deliver(self: DeliveryWorker, row: Any) -> None:
        update_id = ROW_UPDATE.get(row.key, 0)
        if not update_id:
            counters.unattributed_rows += 1
        counters.deliveries += 1
        token = ORIGIN.set(("o", update_id))
        try:
            await Metered(original_deliver(self, row), cpu)
        finally:
            ORIGIN.reset(token)

    async def _claim(self: DeliveryWorker, limit: int) -> Any:
        claimed = await original_claim(self, limit)
        counters.claims += 1
        if not claimed:
            counters.empty_claims += 1
        return claimed

    DeliveryWorker._run = _run  # type: ignore[method-assign]
    DeliveryWorker._beat_loop = _beat_loop  # type: ignore[method-assign]
    DeliveryWorker._deliver = _deliver  # type: ignore[method-assign]
    DeliveryWorker._claim = _claim  # type: ignore[method-assign]


_installed = False


def install() -> None:
    """Class-level hooks; call before the application is built."""
    global _installed
    if _installed:
        return
    _installed = True
    _install_sqlalchemy()
    _install_threads()
    _install_worker()


# --- per application ---------------------------------------------------------------------------
def tag_origin(dispatcher: Any) -> None:
    """Run each update's handling with its origin set (an instance attribute shadows the
    class's ``feed_update``; aiogram's polling calls it through the instance)."""
    original = dispatcher.feed_update
    counters = COUNTERS

    async def feed_update(bot: Any, update: Any, **kwargs: Any) -> Any:
        counters.updates += 1
        token = ORIGIN.set(("u", int(update.update_id)))
        try:
            return await original(bot, update, **kwargs)
        finally:
            ORIGIN.reset(token)

    dispatcher.feed_update = feed_update


def tag_api_calls(*sessions: Any) -> None:
    """Each Bot API call's URL names its origin (``?bench=u123``), read back from the
    emulator's call log."""
    from aiogram.client.telegram import TelegramAPIServer

    counters = COUNTERS

    class TaggedServer(TelegramAPIServer):
        def api_url(self, token: str, method: str) -> str:
            url = super().api_url(token, method)
            origin = ORIGIN.get()
            if origin is None:
                counters.api_calls["other"] += 1
                return url
            counters.api_calls[origin[0]] += 1
            return f"{url}?bench={origin[0]}{origin[1]}"

    for session in sessions:
        api = session.api
        session.api = TaggedServer(
            base=api.base, file=api.file, is_local=api.is_local, wrap_local_file=api.wrap_local_file
        )


# --- reading -------------------------------------------------------------------------------------
_MAIN_THREAD = threading.get_native_id()


def snapshot() -> dict[str, Any]:
    import psutil

    process = psutil.Process()
    times = process.cpu_times()
    main = other = 0.0
    for thread in process.threads():
        spent = thread.user_time + thread.system_time
        if thread.id == _MAIN_THREAD:
            main += spent
        else:
            other += spent
    c = COUNTERS
    return {
        "cpu_s": times.user + times.system,
        "cpu_main_thread_s": main,
        "cpu_other_threads_s": other,
        "updates": c.updates,
        "statements": dict(c.statements),
        "sessions": dict(c.sessions),
        "commits": dict(c.commits),
        "rollbacks": dict(c.rollbacks),
        "pool_reset_rollbacks": dict(c.pool_reset_rollbacks),
        "aiosqlite_hops": dict(c.aiosqlite_hops),
        "driver_awaits": dict(c.driver_awaits),
        "thread_pool_hops": dict(c.thread_pool_hops),
        "api_calls": dict(c.api_calls),
        "deliveries": c.deliveries,
        "claims": c.claims,
        "empty_claims": c.empty_claims,
        "unattributed_rows": c.unattributed_rows,
        "outbox_cpu_main_s": c.outbox_cpu_main[0],
        "outbox_cpu_db_thread_s": c.outbox_cpu_db_thread[0],
        "gc_collections": [stat["collections"] for stat in gc.get_stats()],
        "rss": process.memory_info().rss,
        "tasks": len(asyncio.all_tasks()),
    }
