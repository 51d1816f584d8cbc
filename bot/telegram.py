"""Small wrappers around Bot API calls that handlers share."""

from __future__ import annotations

import inspect
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiogram.methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramBadRequest, TelegramNetworkError
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiogram.types import (
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
    Update,
)
from aiohttp import ClientError
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


_JSON_BODY = {"Content-Type": "application/json"}

# Keyboards built once and never changed (the main menus): id -> (the keyboard, what a call
# carries of it, prepared on first use). Holding the keyboard keeps its id its own.
_shared_markups: dict[int, tuple[TelegramObject, Any]] = {}
SHARED_MARKUPS_MAX = 512
M = TypeVar("M", ReplyKeyboardMarkup, InlineKeyboardMarkup)  # keyboards: no files, no defaults


def shared_markup(markup: M) -> M:
    """Declare a keyboard shared and never changed again: every call that carries it reuses
    its JSON form instead of dumping its buttons again (~10 buttons on most answers)."""
    if len(_shared_markups) < SHARED_MARKUPS_MAX:
        _shared_markups.setdefault(id(markup), (markup, None))
    return markup


class TolerantSession(AiohttpSession):
    """The bot's aiohttp session for the Bot API.

    **Calls go as JSON.** aiogram sends every call as a url-encoded form: each nested object
    (a keyboard, entities) is dumped to JSON on its own, then the whole form is
    percent-encoded, six characters for each Cyrillic letter. Telegram takes a JSON body for
    any call without a file upload (the Bot API's «Making requests»), so this one dumps the
    call once; a call with files still goes as aiogram's multipart form. About a tenth of the
    CPU of a call that carries a keyboard (issue 15).

    **getUpdates survives one update that does not fit aiogram's types** (a field Telegram
    made optional later, a kind from a newer API). aiogram parses the whole batch at once, so
    one such update fails the batch, and polling asks for the same batch again forever: the
    bot would answer nobody. Here the batch is parsed update by update; one that does not fit
    is kept as its bare ``update_id`` (so the offset moves on and the dispatcher skips it as a
    kind it does not know) and logged without its content.

    **``lean_messages``** (the delivery worker's session, which reads only the id of what it
    sent): a message Telegram answers with comes back as a ``SentMessage``, its id alone.
    Validating the whole ``Message`` (its keyboard, entities, chat, sender) cost about 50 µs a
    send. Errors, uploads, and answers that are no message are checked as aiogram checks
    them."""

    def __init__(self, *args: Any, lean_messages: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lean_messages = lean_messages

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The call as a JSON body, with the values aiogram's form would carry (None and ""
        left out, defaults resolved, dates as timestamps); None when it uploads a file."""
        files: dict[str, InputFile] = {}
        payload = {}
        markup = getattr(method, "reply_markup", None)
        shared = _shared_markups.get(id(markup)) if markup is not None else None
        if shared is not None and shared[0] is markup:
            dumped = method.model_dump(warnings=False, exclude={"reply_markup"})
            if shared[1] is None:
                prepared_markup = self.prepare_value(markup, bot=bot, files={}, _dumps_json=False)
                shared = _shared_markups[id(markup)] = (markup, prepared_markup)
            payload["reply_markup"] = shared[1]
        else:
            dumped = method.model_dump(warnings=False)
        for key, value in dumped.items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            payload[key] = prepared
        if files:
            return None
        # A lone surrogate (only ever inside a string) goes as its \u escape, as in aiogram.
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:  # the errors as aiogram's own make_request raises them
            async with session.post(
                url,
                data=body,
                headers=_JSON_BODY,
                timeout=self.timeout if timeout is None else timeout,  # type: ignore[arg-type]
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        if self.lean_messages and resp.status == HTTPStatus.OK:
            sent = _sent_message(raw_result)
            if sent is not None:
                return cast(TelegramType, sent)
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)

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


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What a ``lean_messages`` session returns for a message Telegram took: its id."""

    message_id: int


def _sent_message(content: str) -> SentMessage | None:
    """The id of the message a successful answer carries; None for anything else."""
    try:
        data = json.loads(content)  # aiogram's own default json_loads
    except ValueError:  # not JSON: aiogram's own check says so
        return None
    if not isinstance(data, dict) or data.get("ok") is not True:
        return None
    result = data.get("result")
    if not isinstance(result, dict) or "chat" not in result:
        return None
    message_id = result.get("message_id")
    return SentMessage(message_id) if type(message_id) is int else None


def _fitting_update(bot: Bot, item: Any) -> Any:
    try:
        Update.model_validate(item, context={"bot": bot})
    except ValidationError:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        logger.warning("update=%s does not fit the Bot API types; skipped", update_id)
        return {"update_id": update_id}
    return item
