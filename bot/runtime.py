"""How the bot's processes run their event loop: one place, so the benchmarks' baselines
(bench/echo_bot.py, the replay floor) run under exactly the runtime the bot uses."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_main(main: Coroutine[Any, Any, T]) -> T:
    """Run the process's main coroutine to completion."""
    return asyncio.run(main)


# Young objects collected after this many allocations net (Python's default is 700). An
# update allocates thousands of short-lived objects (pydantic models, SQLAlchemy rows) that
# die by reference counting anyway; collecting every 700 ran the cyclic GC several times per
# update for nothing.
GC_YOUNG_THRESHOLD = 20_000


def settle_memory() -> None:
    """Once the app is built: what start-up made (aiogram's types, routers, translations,
    SQLAlchemy's mappers) lives as long as the process, so the cyclic GC need not walk it
    again on every full collection (gc.freeze), and young collections run less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
