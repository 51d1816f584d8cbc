"""Plain (synchronous) filters run inline, not in a worker thread.

aiogram runs every filter that is not a coroutine function through ``asyncio.to_thread``:
magic filters (``F.text``), bare ``State`` objects, lambdas. Ours are all cheap, pure
checks of the update, so a thread hop per filter per update (with its loop wake-up) only
costs CPU: on the help-request flow it was several hops per update. After the routers are
assembled, each such filter is wrapped in a coroutine that calls it directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiogram import Bot, Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import Command
from aiogram.types import Message


def _inline(check: Callable[..., Any]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    run.__wrapped__ = check  # type: ignore[attr-defined]  # the filter as written: see below
    return run


def _filters(router: Router) -> Iterator[FilterObject]:
    for sub in router.chain_tail:
        for observer in sub.observers.values():
            yield from observer._handler.filters or ()  # the router's own .filter(...)
            for handler in observer.handlers:
                yield from handler.filters or ()


def _command_first(command: Command) -> Callable[..., Awaitable[Any]]:
    """``command`` behind a check of the text's first character: a text that does not start
    with the command's prefix can never match, and most updates are not commands. Every
    message handler's Command filter met each plain text or button (issue 15: on an unknown
    text the filter cascade took about 15 % of the bot's CPU, a quarter of that parsing the
    text as a command and raising). Same outcome: Command splits the text on whitespace
    first."""
    prefixes = command.prefix

    async def run(message: Message, bot: Bot) -> bool | dict[str, Any]:
        if isinstance(message, Message):
            text = (message.text or message.caption or "").lstrip()
            if not text or text[0] not in prefixes:
                return False
        return await command(message, bot)

    # Module routers are singletons that a second app (tests) indexes again after this ran:
    # bot/dispatch_index.py reads the filter as written through __wrapped__.
    run.__wrapped__ = command  # type: ignore[attr-defined]
    return run


def inline_sync_filters(root: Router) -> int:
    """Make every synchronous filter under ``root`` run inline, and every Command filter
    skip texts that are not commands at a glance; how many were changed."""
    changed = 0
    for item in _filters(root):
        if isinstance(item.callback, Command):
            # ``params`` stay the original's (message, bot): it gets the same arguments.
            item.callback = _command_first(item.callback)
            changed += 1
        elif not item.awaitable:
            # ``params``/``varkw`` stay those of the original: it gets the same arguments.
            item.callback = _inline(item.callback)
            item.awaitable = True
            changed += 1
    return changed
