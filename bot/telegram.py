"""Small wrappers around Bot API calls that handlers share."""

from __future__ import annotations

import inspect
import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import aiogram.methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramBadRequest
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, Update
from pydantic import ValidationError

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

_response_models: list[type[Any]] = []

# Set around a call whose blind second try would be worse than an error: a message holding a
# person's data, where each attempt needs its own record (a lost answer may still have
# delivered it). The session's retry middleware then raises a 5xx or a network error to the
# caller, which retries itself.
no_blind_retry: ContextVar[bool] = ContextVar("no_blind_retry", default=False)


def keep_response_models() -> None:
    """aiogram parses every Bot API answer with ``Response[T]``, a pydantic generic class that
    pydantic caches only weakly: after a garbage collection it is built again (~3.5 ms for
    ``Response[Message]``, a fifth of the bot's CPU in the benchmark). Build each once and hold
    it (41 classes, ~40 ms and ~2 MB at start)."""
    if _response_models:
        return
    returning: dict[str, Any] = {}
    for method in vars(aiogram.methods).values():
        if (
            inspect.isclass(method)
            and issubclass(method, TelegramMethod)
            and method is not TelegramMethod
        ):
            kind = getattr(method, "__returning__", None)
            if kind is not None:
                returning[repr(kind)] = kind
    _response_models.extend(Response[kind] for kind in returning.values())  # type: ignore[valid-type]


async def edit_text(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any
) -> None:
    """Edit a message; "message is not modified" (a double tap) is not an error."""
    try:
        await message.edit_text(text, reply_markup=reply_markup, **kwargs)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


def split_text(parts: list[str], limit: int = 3800) -> list[str]:
    """Join lines into as few messages as fit Telegram's 4096-character cap."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}\n{part}" if current else part
        if len(candidate) > limit and current:
            chunks.append(current)
            current = part
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


class TolerantSession(AiohttpSession):
    """An aiohttp session whose getUpdates survives one update that does not fit aiogram's
    types (a field Telegram made optional later, a kind from a newer API). aiogram parses the
    whole batch at once, so one such update fails the batch, and polling asks for the same
    batch again forever: the bot would answer nobody. Here the batch is parsed update by
    update; one that does not fit is kept as its bare ``update_id`` (so the offset moves on
    and the dispatcher skips it as a kind it does not know) and logged without its content."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            if not isinstance(method, GetUpdates):
                raise
            data = self.json_loads(content)
            items = data.get("result") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise
            data["result"] = [_fitting_update(bot, item) for item in items]
            return super().check_response(bot, method, status_code, self.json_dumps(data))


def _fitting_update(bot: Bot, item: Any) -> Any:
    try:
        Update.model_validate(item, context={"bot": bot})
    except ValidationError:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        logger.warning("update=%s does not fit the Bot API types; skipped", update_id)
        return {"update_id": update_id}
    return item
