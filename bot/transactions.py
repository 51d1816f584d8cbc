"""The commit policy, and the guard that keeps it.

**One policy, per update.** A handler never commits. The update's session (``db``, opened by
``DbSessionMiddleware``) is committed in exactly two places: by ``CommitBeforeSendMiddleware``
before every Bot API call the handler makes (a reply never claims what is not stored yet, and
SQLite's single connection is never held while Telegram answers), and by
``DbSessionMiddleware`` when the handler returns. An exception rolls back what was not yet
committed. Work that must outlive the update's rollback, or bulk work in bounded chunks, uses
sessions of its own from the sessionmaker and commits those.

Code outside updates (the delivery worker, scheduler jobs) commits its own sessions, and must
do so before calling Telegram. **The guard** makes a transaction held across a Bot API call
visible: every session's transaction is remembered for the task that began it, and every
Bot API call checks that its task holds none (the update's own session is committed just
before, by the middleware above). A violation is logged as an error naming the call; with
``STRICT`` (the test suite sets it) it raises, so a test that takes such a path fails.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from bot.fsm_storage import current_session

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

STRICT = False

# The sessions each task began a transaction in (weak: a closed session just disappears).
_began: weakref.WeakKeyDictionary[asyncio.Task[Any], weakref.WeakSet[Session]] = (
    weakref.WeakKeyDictionary()
)


class TransactionAcrossCallError(RuntimeError):
    pass


def _after_begin(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous script
        return
    if task is not None:
        _began.setdefault(task, weakref.WeakSet()).add(session)


def install() -> None:
    """Remember which task began each session's transaction (idempotent)."""
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)


def open_in_this_task() -> list[Session]:
    """Sessions of the running task that are inside a transaction now."""
    task = asyncio.current_task()
    sessions = _began.get(task) if task is not None else None
    if not sessions:
        return []
    return [s for s in list(sessions) if s.in_transaction()]


class NoTransactionAcrossCallMiddleware(BaseRequestMiddleware):
    """Checks, before each Bot API call, that its task holds no open transaction."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if not isinstance(method, GetUpdates):
            held = open_in_this_task()
            update_session = current_session.get()
            if update_session is not None:
                held = [s for s in held if s is not update_session.sync_session]
            if held:
                text = f"a database transaction is held across {type(method).__name__}"
                if STRICT:
                    raise TransactionAcrossCallError(text)
                logger.error("%s; commit before calling Telegram (bot/transactions.py)", text)
        return await make_request(bot, method)


async def apart(db: AsyncSession, work: Callable[..., Awaitable[object]], *args: object) -> None:
    """``work(session, *args)`` in a short transaction of its own on ``db``'s engine, then
    commit: for what must outlive the update's rollback (what Telegram answered to a send that
    is about to fail the update). The only commit a handler causes outside the two above."""
    async with AsyncSession(db.bind, expire_on_commit=False) as own:
        await work(own, *args)
        await own.commit()
