"""Bot API methods of one bot, answering like Telegram (results and error wording)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import yarl

from . import errors as E
from .botstate import BotState, CallbackAnswer, WebhookConfig
from .commands import parse_commands, parse_language, parse_scope
from .entities import EntityParseError, parse_text
from .errors import ApiError, bad_request
from .files import (
    MAX_DOWNLOAD_SIZE,
    MAX_PHOTO_SIZE,
    MAX_UPLOAD_SIZE,
    StoredFile,
    guess_mime,
    image_size,
)
from .markup import Markup, parse_markup
from .params import Params, Upload, require_chat_id
from .updates import check_allowed_updates
from .world import Chat, StoredMessage, now

JSON = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class Described:
    """A result that Telegram answers together with a "description" field."""

    result: Any
    description: str


class Webhooks(Protocol):
    def start(self, state: BotState) -> None: ...

    def stop(self, state: BotState) -> None: ...


@dataclass
class ApiSettings:
    callback_query_ttl: float = 15.0
    strict_webhook_urls: bool = False
    # Seconds added to the wall clock when judging a message's age (Emulator.advance_clock).
    clock_shift: float = 0.0


# Telegram lets a bot edit or delete its messages for 48 hours only.
EDIT_WINDOW = 48 * 3600


class BotApi:
    def __init__(self, state: BotState, webhooks: Webhooks, settings: ApiSettings) -> None:
        self.state = state
        self.webhooks = webhooks
        self.settings = settings
        self.handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "senddocument": self.send_document,
            "sendphoto": self.send_photo,
            "sendvoice": self.send_voice,
            "getfile": self.get_file,
            "getchat": self.get_chat,
        }

    # --- helpers ----------------------------------------------------------------------
    def _format(self, text: str, params: Params, prefix: str = "") -> tuple[str, list[JSON]]:
        """Parse `text` with parse_mode (or explicit entities) like Telegram."""
        mode = params.get_str("parse_mode")
        explicit = params.get_json(f"{prefix}entities", "can't parse entities JSON object")
        if explicit is not None and not isinstance(explicit, list):
            raise bad_request("can't parse entities JSON object")
        try:
            return parse_text(text, mode, explicit, self.state.lookup_user)
        except EntityParseError as exc:
            raise bad_request(E.CANT_PARSE_ENTITIES + str(exc)) from exc
        except NotImplementedError as exc:
            if mode and mode.lower() in ("markdown", "markdownv2"):
                raise bad_request(
                    f"parse_mode {mode} is not emulated by the sandbox; use HTML"
                ) from exc
            raise bad_request(E.UNSUPPORTED_PARSE_MODE) from exc

    def _markup(self, params: Params) -> Markup | None:
        return parse_markup(params.get_json("reply_markup", E.CANT_PARSE_MARKUP))

    def _inline_markup(self, params: Params) -> JSON | None:
        markup = self._markup(params)
        if markup is None:
            return None
        if markup.kind != "inline":
            raise bad_request("inline keyboard expected")
        return markup.raw if markup.raw["inline_keyboard"] else None

    def _message_id(self, params: Params) -> int:
        if params.has("inline_message_id"):
            # Inline-mode messages never exist in the sandbox.
            raise bad_request("MESSAGE_ID_INVALID")
        message_id = params.get_int("message_id")
        if not message_id:
            raise bad_request(E.MESSAGE_ID_INVALID)
        return message_id

    def _reply_to(self, chat: Chat, params: Params) -> int | None:
        reply = params.get_json("reply_parameters", "can't parse reply parameters JSON object")
        allow = params.get_bool("allow_sending_without_reply")
        message_id: int | None = None
        if isinstance(reply, dict):
            raw = reply.get("message_id")
            message_id = int(raw) if isinstance(raw, (int, str)) and str(raw).isdigit() else None
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        elif params.has("reply_to_message_id"):
            message_id = params.get_int("reply_to_message_id")
        if not message_id:
            return None
        if chat.live(message_id) is None:
            if allow:
                return None
            raise bad_request(E.REPLY_NOT_FOUND)
        return message_id

    def _deliver(self, chat: Chat, message: StoredMessage, markup: Markup | None) -> JSON:
        if markup is not None:
            message.sent_markup = markup.raw
            if markup.kind == "inline" and markup.raw["inline_keyboard"]:
                message.reply_markup = markup.raw
            elif markup.kind == "reply":
                chat.reply_keyboard = markup.reply_keyboard
            elif markup.kind == "remove":
                chat.reply_keyboard = None
        chat.add(message)
        self.state.changed()
        return self.message_api(chat, message)

    def message_api(self, chat: Chat, message: StoredMessage) -> JSON:
        data = message.to_api(chat.to_api())
        if message.reply_to_message_id is not None:
            replied = chat.live(message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = replied.to_api(chat.to_api())
        return data

    def _caption(self, params: Params) -> tuple[str | None, list[JSON]]:
        caption = params.get_str("caption")
        if not caption:
            return None, []
        text, entities = self._format(caption, params, prefix="caption_")
        if len(text) > MAX_CAPTION:
            raise bad_request(E.CAPTION_TOO_LONG)
        return (text or None), entities

    # --- identity & updates -----------------------------------------------------------
    async def get_me(self, params: Params) -> Any:
        return self.state.get_me()

    async def get_updates(self, params: Params) -> Any:
        offset = params.get_int("offset", 0) or 0
        limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
        timeout = min(max(params.get_int("timeout", 0) or 0, 0), 50)
        allowed = check_allowed_updates(
            params.get_json("allowed_updates", "can't parse allowed updates")
        )
        batch = await self.state.updates.get_updates(offset, limit, timeout, allowed)
        if batch:
            self.state.touch()
            self.state.changed()
        return batch

    async def set_webhook(self, params: Params) -> Any:
        url = (params.get_str("url") or "").strip()
        if not url:
            return await self.delete_webhook(params)
        self._check_webhook_url(url)
        secret = params.get_str("secret_token")
        if secret is not None and (
            not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_ALPHABET
        ):
            raise bad_request("secret token contains unallowed characters")
        max_connections = min(max(params.get_int("max_connections", 40) or 40, 1), 100)
        allowed = check_allowed_updates(
            params.get_json("allowed_updates", "can't parse allowed updates")
        )
        queue = self.state.updates
        if allowed is not None:
            queue.allowed_updates = allowed
        if params.get_bool("drop_pending_updates"):
            queue.drop_all()
        current = self.state.webhook
        already = current is not None and current.url == url and current.secret_token == secret
        if already and current is not None:
            # The same webhook set again (another replica starting, a restart): Telegram goes
            # on delivering as it was; an update in flight is not sent a second time.
            current.max_connections = max_connections
            current.ip_address = params.get_str("ip_address")
            return Described(True, "Webhook is already set")
        self.state.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            ip_address=params.get_str("ip_address"),
        )
        self.webhooks.start(self.state)
        return Described(True, "Webhook is already set" if already else "Webhook was set")

    def _check_webhook_url(self, url: str) -> None:
        try:
            parsed = yarl.URL(url)
        except ValueError as exc:
            raise bad_request("bad webhook: Failed to parse webhook URL") from exc
        if not parsed.host:
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        if self.settings.strict_webhook_urls:
            if parsed.scheme != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if parsed.port not in (80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        elif parsed.scheme not in ("http", "https"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")

    async def delete_webhook(self, params: Params) -> Any:
        if params.get_bool("drop_pending_updates"):
            self.state.updates.drop_all()
        if self.state.webhook is None:
            return Described(True, "Webhook is already deleted")
        self.state.webhook = None
        self.webhooks.stop(self.state)
        return Described(True, "Webhook was deleted")

    async def get_webhook_info(self, params: Params) -> Any:
        hook = self.state.webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates.pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = hook.ip_address or "127.0.0.1"
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            if self.state.updates.allowed_updates:
                info["allowed_updates"] = list(self.state.updates.allowed_updates)
        return info

    # --- commands ---------------------------------------------------------------------
    def _scope(self, params: Params) -> tuple[tuple[str, int | None, int | None], str]:
        scope = parse_scope(params.get_json("scope", "can't parse BotCommandScope JSON object"))
        if scope[1] is not None:
            chat = self.state.known_chat(scope[1])
            if scope[0] in ("chat_administrators", "chat_member") and chat.type == "private":
                raise bad_request("can't use specified scope in private chats")
            if scope[2] is not None and scope[2] not in chat.members:
                raise bad_request("user not found")
        return scope, parse_language(params.get_str("language_code"))

    async def set_my_commands(self, params: Params) -> Any:
        commands = parse_commands(params.get_json("commands", "can't parse commands JSON object"))
        scope, language = self._scope(params)
        self.state.commands.set(scope, language, commands)
        self.state.changed()
        return True

    async def get_my_commands(self, params: Params) -> Any:
        scope, language = self._scope(params)
        return self.state.commands.get(scope, language)

    async def delete_my_commands(self, params: Params) -> Any:
        scope, language = self._scope(params)
        self.state.commands.delete(scope, language)
        self.state.changed()
        return True

    # --- messages ---------------------------------------------------------------------
    async def send_message(self, params: Params) -> Any:
        chat_id = require_chat_id(params)
        raw = params.get_str("text")
        if not raw:
            raise bad_request(E.MESSAGE_TEXT_EMPTY)
        text, entities = self._format(raw, params)
        if not text:
            raise bad_request(E.MESSAGE_TEXT_EMPTY)
        markup = self._markup(params)
        chat = self.state.target_chat(chat_id)
        if len(text) > MAX_TEXT:
            raise bad_request(E.MESSAGE_TOO_LONG)
        reply_to = self._reply_to(chat, params)
        message = self.state.new_bot_message(
            chat, text=text, entities=entities, reply_to_message_id=reply_to
        )
        return self._deliver(chat, message, markup)

    def _editable(self, params: Params) -> tuple[Chat, StoredMessage]:
        message_id = self._message_id(params)
        chat = self.state.target_chat(require_chat_id(params))
        message = chat.live(message_id)
        if message is None:
            raise bad_request(E.MESSAGE_TO_EDIT_NOT_FOUND)
        if not message.from_bot or not message.editable or self._too_old(message):
            raise bad_request(E.MESSAGE_CANT_BE_EDITED)
        return chat, message

    def _too_old(self, message: StoredMessage) -> bool:
        return now() + self.settings.clock_shift - message.date > EDIT_WINDOW

    def _edited(self, chat: Chat, message: StoredMessage) -> JSON:
        message.edit_date = now()
        self.state.changed()
        return self.message_api(chat, message)

    async def edit_message_text(self, params: Params) -> Any:
        if not params.has("chat_id") and not params.has("inline_message_id"):
            raise bad_request(E.CHAT_ID_EMPTY)
        raw = params.get_str("text")
        if not raw:
            raise bad_request(E.MESSAGE_TEXT_EMPTY)
        text, entities = self._format(raw, params)
        if not text:
            raise bad_request(E.MESSAGE_TEXT_EMPTY)
        markup = self._inline_markup(params)
        chat, message = self._editable(params)
        if message.text is None:
            raise bad_request(E.NO_TEXT_TO_EDIT)
        if len(text) > MAX_TEXT:
            raise bad_request(E.MESSAGE_TOO_LONG)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(E.NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        return self._edited(chat, message)

    async def edit_message_caption(self, params: Params) -> Any:
        if not params.has("chat_id") and not params.has("inline_message_id"):
            raise bad_request(E.CHAT_ID_EMPTY)
        caption, entities = self._caption(params)
        markup = self._inline_markup(params)
        chat, message = self._editable(params)
        if message.kind not in ("document", "photo"):
            raise bad_request(E.NO_CAPTION_TO_EDIT)
        current = (message.caption, message.caption_entities, message.reply_markup)
        if (caption, entities, markup) == current:
            raise bad_request(E.NOT_MODIFIED)
        message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
        return self._edited(chat, message)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        if not params.has("chat_id") and not params.has("inline_message_id"):
            raise bad_request(E.CHAT_ID_EMPTY)
        markup = self._inline_markup(params)
        chat, message = self._editable(params)
        if markup == message.reply_markup:
            raise bad_request(E.NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(chat, message)

    async def delete_message(self, params: Params) -> Any:
        chat_id = require_chat_id(params)
        message_id = params.get_int("message_id")
        if not message_id:
            raise bad_request(E.MESSAGE_ID_INVALID)
        chat = self.state.known_chat(chat_id)
        message = chat.live(message_id)
        if message is None:
            raise bad_request(E.MESSAGE_TO_DELETE_NOT_FOUND)
        if chat.type != "private" and not message.from_bot:
            # The sandbox bot is never a group admin.
            raise bad_request("message can't be deleted")
        if not message.deletable or self._too_old(message):
            raise bad_request(E.MESSAGE_CANT_BE_DELETED)
        message.deleted = True
        self.state.changed()
        return True

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id") or ""
        pending = self.state.callbacks.get(query_id)
        expired = (
            pending is None
            or pending.answered
            or time.monotonic() - pending.created > self.settings.callback_query_ttl
        )
        if expired or pending is None:
            raise bad_request(E.QUERY_TOO_OLD)
        text = params.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request(E.ANSWER_TOO_LONG)
        pending.answered = True
        answer = CallbackAnswer(
            text=text or None,
            show_alert=params.get_bool("show_alert"),
            url=params.get_str("url"),
            cache_time=params.get_int("cache_time", 0) or 0,
        )
        if pending.answer is not None and not pending.answer.done():
            pending.answer.set_result(answer)
        self.state.changed()
        return True

    async def send_chat_action(self, params: Params) -> Any:
        chat_id = require_chat_id(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request(E.WRONG_ACTION)
        self.state.target_chat(chat_id)
        return True

    # --- files ------------------------------------------------------------------------
    def _file(self, params: Params, field: str, kind: str) -> StoredFile:
        source = params.upload(field)
        if source is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(source, str):
            stored = self.state.files.get(source)
            if stored is None:
                if source.startswith(("http://", "https://")):
                    raise bad_request("failed to get HTTP URL content")
                raise bad_request(E.WRONG_FILE_ID)
            if stored.kind != kind:
                raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored
        return self._store_upload(source, kind)

    def _store_upload(self, upload: Upload, kind: str) -> StoredFile:
        size = len(upload.data)
        if size == 0:
            raise bad_request(E.FILE_MUST_BE_NON_EMPTY)
        if size > MAX_UPLOAD_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            dims = image_size(upload.data)
            if dims is None:
                raise bad_request(E.IMAGE_PROCESS_FAILED)
            width, height = dims
            if size > MAX_PHOTO_SIZE:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
                raise bad_request(E.PHOTO_INVALID_DIMENSIONS)
            return self.state.files.add("photo", upload.data, size=dims)
        if kind == "voice":
            return self.state.files.add("voice", upload.data, upload.filename, "audio/ogg")
        mime = guess_mime(upload.filename, upload.content_type)
        return self.state.files.add("document", upload.data, upload.filename, mime)

    async def _send_media(self, params: Params, kind: str) -> JSON:
        chat_id = require_chat_id(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        stored = self._file(params, kind, kind)
        chat = self.state.target_chat(chat_id)
        reply_to = self._reply_to(chat, params)
        message = self.state.new_bot_message(
            chat,
            caption=caption,
            caption_entities=caption_entities,
            reply_to_message_id=reply_to,
        )
        if kind == "photo":
            message.photo = stored.photo_api()
        elif kind == "voice":
            message.voice = stored.voice_api()
        else:
            message.document = stored.document_api()
        return self._deliver(chat, message, markup)

    async def send_document(self, params: Params) -> Any:
        return await self._send_media(params, "document")

    async def send_photo(self, params: Params) -> Any:
        return await self._send_media(params, "photo")

    async def send_voice(self, params: Params) -> Any:
        return await self._send_media(params, "voice")

    async def get_file(self, params: Params) -> Any:
        file_id = params.get_str("file_id")
        if not file_id:
            raise bad_request("file_id not specified")
        stored = self.state.files.get(file_id)
        if stored is None:
            raise bad_request(E.INVALID_FILE_ID)
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request(E.FILE_TOO_BIG)
        return stored.file_api()

    async def get_chat(self, params: Params) -> Any:
        chat = self.state.known_chat(require_chat_id(params))
        info = chat.to_api()
        info.update(accent_color_id=0, max_reaction_count=11)
        return info
