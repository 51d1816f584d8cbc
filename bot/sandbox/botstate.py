"""Everything one bot token owns: its chats, update queue, commands, files and call log."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from .commands import CommandStore
from .errors import BOT_BLOCKED, CANT_INITIATE, CHAT_NOT_FOUND, bad_request, forbidden
from .files import FileStore
from .updates import UpdateQueue
from .world import Chat, Notifier, StoredMessage, UserProfile, now

JSON = dict[str, Any]


@dataclass
class CallbackAnswer:
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class PendingCallback:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    created: float
    answer: asyncio.Future[CallbackAnswer] | None = None
    answered: bool = False


@dataclass
class Call:
    """One Bot API call of the bot, as logged for tests and the page."""

    seq: int
    bot_id: int
    method: str
    params: JSON
    time: float
    chat_id: int | None = None
    ok: bool = True
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    duration: float = 0.0

    @property
    def error(self) -> str | None:
        return None if self.ok else self.description

    def to_json(self) -> JSON:
        return {
            "seq": self.seq,
            "bot_id": self.bot_id,
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "chat_id": self.chat_id,
            "ok": self.ok,
            "result": self.result,
            "error_code": self.error_code,
            "description": self.description,
            "duration": round(self.duration, 4),
        }


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0


@dataclass
class BotState:
    token: str
    username: str
    first_name: str
    profiles: dict[int, UserProfile]
    first_update_id: int = 1
    chats: dict[int, Chat] = field(default_factory=dict)
    commands: CommandStore = field(default_factory=CommandStore)
    files: FileStore = field(default_factory=FileStore)
    callbacks: dict[str, PendingCallback] = field(default_factory=dict)
    webhook: WebhookConfig | None = None
    notifier: Notifier = field(default_factory=Notifier)
    seen_users: set[int] = field(default_factory=set)
    last_activity: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.id = int(self.token.split(":", 1)[0])
        self.updates = UpdateQueue(self.first_update_id)

    # --- identities -------------------------------------------------------------------
    def user_api(self) -> JSON:
        """The bot as `from` of its messages."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me(self) -> JSON:
        return {
            **self.user_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def lookup_user(self, user_id: int) -> JSON | None:
        if user_id not in self.seen_users:
            return None
        profile = self.profiles.get(user_id)
        if profile is None:
            return None
        data = profile.to_api()
        data.pop("language_code", None)
        return data

    # --- chats ------------------------------------------------------------------------
    def private_chat(self, profile: UserProfile) -> Chat:
        chat = self.chats.get(profile.id)
        if chat is None:
            chat = Chat(id=profile.id, type="private", user=profile)
            self.chats[profile.id] = chat
        return chat

    def target_chat(self, chat_id: int | str) -> Chat:
        """The chat a bot call addresses, failing as Telegram does for unreachable ones."""
        if isinstance(chat_id, str):
            raise bad_request(CHAT_NOT_FOUND)
        chat = self.chats.get(chat_id)
        if chat is None or (chat.type == "private" and not chat.started):
            if chat_id > 0 and chat_id in self.seen_users:
                raise forbidden(CANT_INITIATE)
            raise bad_request(CHAT_NOT_FOUND)
        if chat.type == "private" and chat.blocked:
            raise forbidden(BOT_BLOCKED)
        return chat

    def known_chat(self, chat_id: int | str) -> Chat:
        """A chat for calls that do not write to it (commands scope, edits)."""
        if isinstance(chat_id, str):
            raise bad_request(CHAT_NOT_FOUND)
        chat = self.chats.get(chat_id)
        if chat is None or (chat.type == "private" and not chat.started):
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    # --- activity ---------------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def changed(self) -> None:
        self.notifier.bump()

    def message_api(self, chat: Chat, message: StoredMessage) -> JSON:
        return message.to_api(chat.to_api())

    def new_bot_message(self, chat: Chat, **fields: Any) -> StoredMessage:
        return StoredMessage(
            message_id=chat.new_message_id(),
            chat_id=chat.id,
            from_bot=True,
            sender=self.user_api(),
            date=now(),
            **fields,
        )
