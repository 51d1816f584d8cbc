"""Middlewares of the handlers' Bot session: what happens around every direct reply."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response

from bot.delivery.limiter import RateLimiter
from bot.fsm_storage import current_session
from bot.telegram import no_blind_retry

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


class CommitBeforeSendMiddleware(BaseRequestMiddleware):
    """Commit the update's transaction before any call to Telegram.

    The reply must not claim what is not yet stored, and SQLite's single connection must not
    be held while waiting on the network (that would make every other person wait too).
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        session = current_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Honour Telegram's 429 for direct replies: wait retry_after and try again, a few times,
    so a crowd pressing /start at once does not lose answers. A 5xx or a network error is
    tried once more: an answer twice is better than no answer.

    With the delivery worker's ``limiter`` every reply to a chat books its place in the shared
    pace and reports its 429s: the outbox yields to the people who are waiting for an answer."""

    def __init__(
        self,
        max_retries: int = 5,
        max_wait: float = 30.0,
        server_error_pause: float = 0.5,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.server_error_pause = server_error_pause
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if isinstance(method, GetUpdates):  # the polling loop has its own back-off
            return await make_request(bot, method)
        chat_id: object = getattr(method, "chat_id", None)
        chat = chat_id if isinstance(chat_id, int) else 0  # 0: not a message to a chat
        paced = self.limiter if chat else None
        attempt = 0
        server_retried = False
        while True:
            try:
                if paced is not None:
                    paced.book_direct(chat)
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if paced is not None:
                    paced.note_retry_after(chat, exc.retry_after)
                if attempt >= self.max_retries or exc.retry_after > self.max_wait:
                    raise
                attempt += 1
                logger.warning(
                    "429 on %s: waiting %s s (retry %s)",
                    type(method).__name__,
                    exc.retry_after,
                    attempt,
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if server_retried or no_blind_retry.get():
                    raise
                server_retried = True
                logger.warning(
                    "%s on %s: trying once more", type(exc).__name__, type(method).__name__
                )
                await asyncio.sleep(self.server_error_pause)
