"""The emulated world of one bot: people, chats, messages, keyboards and change signals."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


def now() -> int:
    return int(time.time())


class Notifier:
    """A version counter that coroutines can wait on (long-polling page, wait_messages)."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[None]] = []

    def bump(self) -> None:
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait(self, since: int, timeout: float) -> int:
        """Return as soon as version != since, or after timeout."""
        if self.version != since or timeout <= 0:
            return self.version
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            pass
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)
        return self.version


@dataclass
class UserProfile:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def to_api(self) -> JSON:
        """The User object as it appears in `from` of incoming updates."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


@dataclass
class ReplyKeyboard:
    rows: list[list[JSON]]  # KeyboardButton objects, strings normalised to {"text": ...}
    one_time: bool = False
    resize: bool = False
    persistent: bool = False
    placeholder: str | None = None

    @property
    def labels(self) -> list[list[str]]:
        return [[str(b["text"]) for b in row] for row in self.rows]

    def find(self, label: str) -> JSON | None:
        for row in self.rows:
            for button in row:
                if button["text"] == label:
                    return button
        return None

    def to_json(self) -> JSON:
        return {
            "rows": self.rows,
            "one_time": self.one_time,
            "resize": self.resize,
            "persistent": self.persistent,
            "placeholder": self.placeholder,
        }


@dataclass
class StoredMessage:
    """A message as it currently is (edits applied). Also the test-facing message view."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender: JSON  # the User object of the author
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None  # only inline keyboards are kept, as Telegram does
    document: JSON | None = None
    photo: list[JSON] | None = None
    sticker: JSON | None = None
    voice: JSON | None = None
    contact: JSON | None = None
    location: JSON | None = None
    reply_to_message_id: int | None = None
    # A forwarded message: the MessageOrigin Telegram attaches ("user" or "hidden_user").
    forward_origin: JSON | None = None
    edit_date: int | None = None
    deleted: bool = False
    # Tests mark a message as Telegram would refuse to touch it (besides the 48 h rule).
    editable: bool = True
    deletable: bool = True
    # What the bot asked for (any keyboard type), for logs and the page.
    sent_markup: JSON | None = None

    @property
    def kind(self) -> str:
        for name in ("document", "photo", "sticker", "voice", "contact", "location"):
            if getattr(self, name) is not None:
                return name
        return "text"

    @property
    def display_text(self) -> str | None:
        """Text, or the caption of a media message."""
        return self.text if self.text is not None else self.caption

    @property
    def body(self) -> str:
        """What the person reads: text, caption, or "" for a message with neither."""
        return self.display_text or ""

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard as rows of labels ([] when there is none)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard", [])
        return [[str(b.get("text", "")) for b in row] for row in rows]

    @property
    def button_data(self) -> list[list[str | None]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard", [])
        return [[b.get("callback_data") for b in row] for row in rows]

    def find_button(self, label: str | None = None, data: str | None = None) -> JSON | None:
        if not self.reply_markup:
            return None
        for row in self.reply_markup.get("inline_keyboard", []):
            for button in row:
                if label is not None and button.get("text") == label:
                    return dict(button)
                if data is not None and button.get("callback_data") == data:
                    return dict(button)
        return None

    def to_api(self, chat: JSON) -> JSON:
        """The Bot API Message object."""
        msg: JSON = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            msg["edit_date"] = self.edit_date
        if self.forward_origin is not None:
            msg["forward_origin"] = self.forward_origin
        if self.text is not None:
            msg["text"] = self.text
            if self.entities:
                msg["entities"] = self.entities
        for name in ("document", "sticker", "voice", "contact", "location"):
            value = getattr(self, name)
            if value is not None:
                msg[name] = value
        if self.photo is not None:
            msg["photo"] = self.photo
        if self.caption is not None:
            msg["caption"] = self.caption
            if self.caption_entities:
                msg["caption_entities"] = self.caption_entities
        if self.reply_markup is not None:
            msg["reply_markup"] = self.reply_markup
        return msg

    def to_json(self) -> JSON:
        """The page's view of the message."""
        return {
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "sender": self.sender,
            "date": self.date,
            "edited": self.edit_date is not None,
            "kind": self.kind,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "inline_keyboard": (self.reply_markup or {}).get("inline_keyboard", []),
            "document": self.document,
            "photo": self.photo,
            "sticker": self.sticker,
            "voice": self.voice,
            "contact": self.contact,
            "location": self.location,
            "reply_to_message_id": self.reply_to_message_id,
        }

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else "user"
        return (
            f"<{who} #{self.message_id} {self.kind} {self.display_text!r} buttons={self.buttons}>"
        )


@dataclass
class Chat:
    """A chat as the bot sees it. Private chat ids equal the user id."""

    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    user: UserProfile | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_messages: list[StoredMessage] = field(default_factory=list)  # in sending order
    next_message_id: int = 1
    started: bool = False  # private: the person has written to the bot
    blocked: bool = False  # private: the person blocked the bot
    bot_member: bool = True  # groups: the bot is in the group
    reply_keyboard: ReplyKeyboard | None = None

    def to_api(self) -> JSON:
        if self.type == "private":
            assert self.user is not None
            data: JSON = {"id": self.id, "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            data["type"] = "private"
            return data
        return {"id": self.id, "title": self.title or "", "type": self.type}

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def add(self, message: StoredMessage) -> StoredMessage:
        self.messages[message.message_id] = message
        if message.from_bot:
            self.bot_messages.append(message)
        return message

    def visible(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]

    def live(self, message_id: int) -> StoredMessage | None:
        msg = self.messages.get(message_id)
        return msg if msg is not None and not msg.deleted else None
