"""Work a coordinator starts that outlives the update (exports, reports, campaign exports):
one background task per coordinator at a time, kept referenced, with sessions of its own;
progress edits of the message that started it; finished (or cancelled) before the engine
closes. No router here: handlers/coordinator/exports.py registers ``finish`` at shutdown."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator

logger = logging.getLogger(__name__)

EDIT_SECONDS = 2.0  # progress edits: at most this often and after EDIT_ROWS more rows
EDIT_ROWS = 5000

# Running exports and reports by coordinator, kept referenced so they are not collected.
_running: dict[int, asyncio.Task[None]] = {}


def busy(user_id: int) -> bool:
    task = _running.get(user_id)
    return task is not None and not task.done()


def spawn(user_id: int, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` outside the update (its own context), one per coordinator."""
    task = asyncio.create_task(work, context=contextvars.Context())
    _running[user_id] = task

    def forget(done: asyncio.Task[None]) -> None:
        if _running.get(user_id) is done:
            del _running[user_id]

    task.add_done_callback(forget)


async def finish(settings: Settings) -> None:
    """Running exports finish before the engine closes, up to the shutdown timeout."""
    tasks = set(_running.values())
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=settings.shutdown_timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Deps:
    """What a background task needs from the dispatcher."""

    bot: Bot
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    clock: Clock
    settings: Settings


def discard(work: asyncio.Future[Any] | None) -> None:
    """Remove what a finished ``work`` wrote (its result's ``cleanup()``, if it has one): for a
    ``finally`` that runs whether the work finished, failed or was cancelled. Synchronous on
    purpose: it may run while the task is being cancelled, where an ``await`` could be cut
    short and leave a file of personal data on disk."""
    if work is None or not work.done() or work.cancelled() or work.exception() is not None:
        return  # unfinished work removes its own files when it stops (it is cancelled)
    cleanup = getattr(work.result(), "cleanup", None)
    if callable(cleanup):
        cleanup()


async def watch(
    work: asyncio.Future[Any],
    progress: Callable[[], int],
    edit: Callable[[int], Awaitable[None]],
) -> Any:
    """Wait for ``work``, calling ``edit(rows)`` now and then on a big one; cancelled or
    failed here, the work stops too (and removes its files), and a result it had already
    returned is discarded (``discard``): nobody else would see it."""
    loop = asyncio.get_running_loop()
    edited_at, edited_rows = loop.time(), 0
    try:
        while True:
            done, _ = await asyncio.wait({work}, timeout=EDIT_SECONDS)
            if done:
                return work.result()
            rows = progress()
            if rows - edited_rows >= EDIT_ROWS and loop.time() - edited_at >= EDIT_SECONDS:
                await edit(rows)
                edited_at, edited_rows = loop.time(), rows
    except BaseException:
        work.cancel()
        try:
            await asyncio.gather(work, return_exceptions=True)
        finally:
            discard(work)
        raise


async def edit_message(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    try:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
        )
    except TelegramAPIError as exc:  # not modified, too old, rate-limited: go on
        logger.info("background work: message not edited: %s", type(exc).__name__)
