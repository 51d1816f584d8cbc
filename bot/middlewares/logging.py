"""One log line per update: id, kind, user id, outcome and time. No personal data.

``ms`` is the whole update, from the moment the dispatcher was fed it (``update_started``,
set by the app's dispatcher): waiting for the person's lock, the FSM state and a database
connection count too, so under contention the log tells the truth. ``wait_ms``: the part of
it spent before the handlers' middlewares were reached."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from bot.update_info import update_kind

logger = logging.getLogger("bot.updates")

# perf_counter() when the dispatcher was fed the update being handled in this context.
update_started: ContextVar[float | None] = ContextVar("update_started", default=None)


class UpdateLogMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        entered = time.perf_counter()
        started = update_started.get() or entered
        update_id = event.update_id if isinstance(event, Update) else None
        # Kinds aiogram does not know must pass too: never Update.event_type here.
        kind = update_kind(event) if isinstance(event, Update) else type(event).__name__
        user = data.get("event_from_user")
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            logger.info(
                "update=%s kind=%s user=%s outcome=%s ms=%.0f wait_ms=%.0f",
                update_id,
                kind,
                user.id if user else None,
                outcome,
                (time.perf_counter() - started) * 1000,
                (entered - started) * 1000,
            )
