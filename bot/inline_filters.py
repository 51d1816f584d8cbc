"""Plain (synchronous) filters run inline, not in a worker thread.

aiogram runs every filter that is not a coroutine function through ``asyncio.to_thread``:
magic filters (``F.text``), bare ``State`` objects, lambdas. Ours are all cheap, pure
checks of the update, so a thread hop per filter per update (with its loop wake-up) only
costs CPU: on the help-request flow it was several hops per update. After the routers are
assembled, each such filter is wrapped in a coroutine that calls it directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _inline(check: Callable[..., Any]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run


def _filters(router: Router) -> Iterator[FilterObject]:
    for sub in router.chain_tail:
        for observer in sub.observers.values():
            yield from observer._handler.filters or ()  # the router's own .filter(...)
            for handler in observer.handlers:
                yield from handler.filters or ()


def inline_sync_filters(root: Router) -> int:
    """Make every synchronous filter under ``root`` run inline; how many were changed."""
    changed = 0
    for item in _filters(root):
        if not item.awaitable:
            # ``params``/``varkw`` stay those of the original: it gets the same arguments.
            item.callback = _inline(item.callback)
            item.awaitable = True
            changed += 1
    return changed
