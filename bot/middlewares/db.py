"""One AsyncSession per update, opened around everything that reads the database, committed
inside the person's lock, and always closed.

The commit policy (handlers never commit; the update's session is committed before each Bot
API call and after the handler) and its guard are described in bot/transactions.py.

Two middlewares, because of aiogram's per-person lock (events isolation, inside its FSM
middleware): ``DbSessionMiddleware`` runs outside it, so that the FSM state is read in the
update's own session (not in a session and transaction of its own); ``CommitMiddleware``
runs inside it, so the person's next update, which waits for the lock, reads this one's
state and data committed (on PostgreSQL it would otherwise read the state from before)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm_storage import current_session


class DbSessionMiddleware(BaseMiddleware):
    """Opens the update's session (no connection is taken until it is used), rolls back
    what was not committed when the update fails, closes it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.sessionmaker() as session:
            token = current_session.set(session)
            data["db"] = session
            try:
                return await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            finally:
                current_session.reset(token)


class CommitMiddleware(BaseMiddleware):
    """Commits the update's session when the handlers are done, inside the person's lock."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)
        session: AsyncSession = data["db"]
        if session.in_transaction():  # else the last reply's commit left nothing to commit
            await session.commit()
        return result
