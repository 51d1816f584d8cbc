"""Honour Telegram's 429 for direct replies: wait retry_after and try again, a few times,
so a crowd pressing /start at once does not lose answers."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(self, max_retries: int = 5, max_wait: float = 30.0) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                # getUpdates has its own back-off in the polling loop.
                if isinstance(method, GetUpdates) or attempt >= self.max_retries:
                    raise
                if exc.retry_after > self.max_wait:
                    raise
                attempt += 1
                logger.warning(
                    "429 on %s: waiting %s s (retry %s)",
                    type(method).__name__,
                    exc.retry_after,
                    attempt,
                )
                await asyncio.sleep(exc.retry_after)
