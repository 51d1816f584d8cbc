"""How the bot's processes run their event loop: one place, so the benchmarks' baselines
(bench/echo_bot.py, the replay floor) run under exactly the runtime the bot uses."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_main(main: Coroutine[Any, Any, T]) -> T:
    """Run the process's main coroutine to completion."""
    return asyncio.run(main)
