"""The people's side: what a person does in a Telegram client, turned into bot updates."""

from __future__ import annotations

import asyncio
import secrets
import time
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

from .botstate import BotState, Call, CallbackAnswer, PendingCallback
from .entities import find_bot_commands
from .files import guess_mime, image_size
from .world import Chat, ReplyKeyboard, StoredMessage, UserProfile, now

JSON = dict[str, Any]

DEFAULT_LOCATION = (51.128207, 71.430411)  # Astana
# A 1x1 WebP, so stickers download as a real image.
_STICKER_WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f0000001007101111888808")


class MenuCommand(NamedTuple):
    command: str
    description: str


def _chat_instance(chat_id: int) -> str:
    return str(zlib.crc32(str(chat_id).encode()) * 1000003 + 7)


class _Conversation:
    """Shared reading helpers for a chat seen from the person's (or group's) side."""

    state: BotState
    _cursor: int

    @property
    def chat(self) -> Chat:
        raise NotImplementedError

    @property
    def messages(self) -> list[StoredMessage]:
        """The conversation as shown now: both sides, edits applied, deleted removed."""
        return self.chat.visible()

    @property
    def last_bot_message(self) -> StoredMessage | None:
        for message in reversed(self.chat.visible()):
            if message.from_bot:
                return message
        return None

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        keyboard = self.chat.reply_keyboard
        return keyboard.labels if keyboard is not None else None

    @property
    def reply_keyboard_markup(self) -> ReplyKeyboard | None:
        return self.chat.reply_keyboard

    def _call_log(self) -> list[Call]:
        return []

    def _reset_cursor(self) -> None:
        self._cursor = len(self.chat.bot_messages)

    def mark_read(self) -> None:
        """Count every bot message so far as seen: the next wait_messages waits for new ones
        (after button presses, whose answers may come as several messages)."""
        self._reset_cursor()

    async def wait_messages(self, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """Wait for `count` new bot messages since the previous wait/send and return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fresh = self.chat.bot_messages[self._cursor :]
            if len(fresh) >= count:
                self._cursor += count
                return fresh[:count]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(count, timeout, fresh))
            await self.state.notifier.wait(self.state.notifier.version, remaining)

    def _timeout_report(self, count: int, timeout: float, fresh: list[StoredMessage]) -> str:
        got = ", ".join(repr(m.display_text) for m in fresh) or "nothing"
        lines = [
            f"chat {self.chat.id}: expected {count} new bot message(s) within {timeout}s, "
            f"got {len(fresh)}: {got}."
        ]
        failures = [c for c in self._call_log() if not c.ok and c.chat_id == self.chat.id][-5:]
        for call in failures:
            lines.append(f"  failed {call.method}: {call.error_code} {call.description}")
        pending = len(self.state.updates.pending)
        if pending and not self.state.updates.all_fetched:
            lines.append(f"  {pending} update(s) not fetched by the bot yet - is it polling?")
        return "\n".join(lines)


class Person(_Conversation):
    """A Telegram user talking to the bot (private chat, and groups they are in)."""

    def __init__(
        self,
        state: BotState,
        profile: UserProfile,
        phone: str | None = None,
        calls: Callable[[], list[Call]] | None = None,
    ) -> None:
        self.state = state
        self.profile = profile
        self.phone = phone or f"+7700{profile.id % 10_000_000:07d}"
        self.location = DEFAULT_LOCATION
        self._calls: Callable[[], list[Call]] = calls or (lambda: [])
        self._cursor = 0
        self.last_answer: CallbackAnswer | None = None

    def _call_log(self) -> list[Call]:
        return self._calls()

    def __repr__(self) -> str:
        return f"<Person {self.profile.id} {self.profile.full_name!r}>"

    # --- identity ---------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.profile.id

    @property
    def first_name(self) -> str:
        return self.profile.first_name

    @property
    def language_code(self) -> str | None:
        return self.profile.language_code

    @property
    def chat(self) -> Chat:
        return self.state.private_chat(self.profile)

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    def command_menu(self) -> list[MenuCommand]:
        """Commands this person sees in the private chat's menu right now."""
        found = self.state.commands.for_private_chat(self.id, self.profile.language_code)
        return [MenuCommand(c["command"], c["description"]) for c in found]

    # --- sending ----------------------------------------------------------------------
    def _target(self, chat: Group | None) -> Chat:
        if chat is None:
            private = self.chat
            if private.blocked:
                # Writing to a blocked bot unblocks it first, as the clients do.
                self._set_blocked(False)
            private.started = True
            return private
        target = chat.chat
        target.members.setdefault(self.id, "member")
        return target

    def _post(self, chat: Group | None, **fields: Any) -> StoredMessage:
        target = self._target(chat)
        self.state.seen_users.add(self.id)
        message = StoredMessage(
            message_id=target.new_message_id(),
            chat_id=target.id,
            from_bot=False,
            sender=self.profile.to_api(),
            date=now(),
            **fields,
        )
        target.add(message)
        if chat is None:
            self._reset_cursor()
        else:
            chat._reset_cursor()
        self.state.updates.push("message", message.to_api(target.to_api()))
        self.state.touch()
        self.state.changed()
        return message

    async def send_text(self, text: str, chat: Group | None = None) -> StoredMessage:
        entities = find_bot_commands(text)
        return self._post(chat, text=text, entities=entities)

    async def forward(
        self, author: Person, text: str, *, hidden: bool = False, chat: Group | None = None
    ) -> StoredMessage:
        """Forward a text message written by ``author``. With ``hidden`` the author's privacy
        settings hide them, and Telegram gives only their name, as it does."""
        origin: JSON = (
            {"type": "hidden_user", "date": now(), "sender_user_name": author.first_name}
            if hidden
            else {"type": "user", "date": now(), "sender_user": author.profile.to_api()}
        )
        return self._post(chat, text=text, forward_origin=origin)

    async def send_command(
        self, command: str, args: str = "", chat: Group | None = None
    ) -> StoredMessage:
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return await self.send_text(text, chat=chat)

    async def send_contact(
        self,
        phone: str | None = None,
        own: bool = True,
        first_name: str | None = None,
        last_name: str | None = None,
        chat: Group | None = None,
    ) -> StoredMessage:
        contact: JSON
        if own:
            contact = {"phone_number": phone or self.phone, "first_name": self.profile.first_name}
            if self.profile.last_name:
                contact["last_name"] = self.profile.last_name
            contact["user_id"] = self.id
        else:
            contact = {
                "phone_number": phone or "+77000000000",
                "first_name": first_name or "Contact",
            }
            if last_name:
                contact["last_name"] = last_name
        if own and first_name:
            contact["first_name"] = first_name
        return self._post(chat, contact=contact)

    async def send_location(
        self, latitude: float, longitude: float, chat: Group | None = None
    ) -> StoredMessage:
        return self._post(chat, location={"latitude": latitude, "longitude": longitude})

    async def send_document(
        self,
        data: bytes,
        filename: str = "file.bin",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: Group | None = None,
    ) -> StoredMessage:
        mime = mime_type or guess_mime(filename, None)
        stored = self.state.files.add("document", data, filename, mime)
        return self._post(chat, document=stored.document_api(), caption=caption or None)

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: Group | None = None
    ) -> StoredMessage:
        size = image_size(data) or (1, 1)
        stored = self.state.files.add("photo", data, size=size)
        return self._post(chat, photo=stored.photo_api(), caption=caption or None)

    async def send_voice(
        self, data: bytes = b"OggS voice", duration: int = 3, chat: Group | None = None
    ) -> StoredMessage:
        """A voice note, as elderly people often send instead of typing."""
        stored = self.state.files.add("voice", data, mime_type="audio/ogg")
        return self._post(chat, voice=stored.voice_api(duration))

    async def send_sticker(self, emoji: str = "👍", chat: Group | None = None) -> StoredMessage:
        stored = self.state.files.add("sticker", _STICKER_WEBP, size=(512, 512))
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return self._post(chat, sticker=sticker)

    # --- buttons ----------------------------------------------------------------------
    def _find_inline(
        self, chat: Chat, label: str | None, data: str | None, message_id: int | None
    ) -> tuple[StoredMessage, JSON | None]:
        candidates = [m for m in reversed(chat.visible()) if m.from_bot]
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        for message in candidates:
            button = message.find_button(label=label, data=data)
            if button is not None:
                return message, button
        if label is None and candidates:
            # Forged data: use the newest bot message with a keyboard (or any).
            with_keyboard = [m for m in candidates if m.reply_markup]
            return (with_keyboard or candidates)[0], None
        shown = [m.buttons for m in candidates if m.buttons]
        wanted = f"label {label!r}" if label is not None else f"data {data!r}"
        raise LookupError(f"no inline button with {wanted} in chat {chat.id}; buttons: {shown}")

    async def press(
        self,
        label: str,
        timeout: float = 5.0,
        chat: Group | None = None,
        message_id: int | None = None,
    ) -> CallbackAnswer | None:
        """Press an inline button by label on the newest message showing it."""
        target = chat.chat if chat is not None else self.chat
        message, button = self._find_inline(target, label, None, message_id)
        if button is None or button.get("callback_data") is None:
            return None  # url and other buttons never reach the bot
        return await self._callback(target, message, str(button["callback_data"]), timeout, chat)

    async def press_data(
        self,
        data: str,
        timeout: float = 5.0,
        chat: Group | None = None,
        message_id: int | None = None,
    ) -> CallbackAnswer | None:
        """Send a callback query with arbitrary data (buttons may or may not have it)."""
        target = chat.chat if chat is not None else self.chat
        message, _ = self._find_inline(target, None, data, message_id)
        return await self._callback(target, message, data, timeout, chat)

    async def _callback(
        self,
        target: Chat,
        message: StoredMessage,
        data: str,
        timeout: float,
        group: Group | None,
    ) -> CallbackAnswer | None:
        query_id = str(secrets.randbits(63))
        loop = asyncio.get_running_loop()
        pending = PendingCallback(
            id=query_id,
            user_id=self.id,
            chat_id=target.id,
            message_id=message.message_id,
            data=data,
            created=time.monotonic(),
            answer=loop.create_future(),
        )
        self.state.callbacks[query_id] = pending
        if group is None:
            self._reset_cursor()
        else:
            group._reset_cursor()
        self.state.seen_users.add(self.id)
        self.state.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": self.profile.to_api(),
                "message": message.to_api(target.to_api()),
                "chat_instance": _chat_instance(target.id),
                "data": data,
            },
        )
        self.state.touch()
        self.state.changed()
        assert pending.answer is not None
        try:
            answer = await asyncio.wait_for(asyncio.shield(pending.answer), timeout)
        except TimeoutError:
            return None
        self.last_answer = answer
        return answer

    async def tap(self, label: str) -> StoredMessage:
        """Tap a reply-keyboard button: sends its text, contact or location."""
        keyboard = self.chat.reply_keyboard
        button = keyboard.find(label) if keyboard is not None else None
        if button is None:
            shown = keyboard.labels if keyboard is not None else None
            raise LookupError(f"no reply button {label!r}; keyboard: {shown}")
        if button.get("request_contact"):
            return await self.send_contact(own=True)
        if button.get("request_location"):
            return await self.send_location(*self.location)
        return await self.send_text(label)

    # --- blocking ---------------------------------------------------------------------
    def _set_blocked(self, blocked: bool) -> None:
        chat = self.chat
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        self.state.seen_users.add(self.id)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot = self.state.user_api()
        new_member: JSON = {"status": new, "user": bot}
        if new == "kicked":
            new_member["until_date"] = 0
        self.state.updates.push(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": self.profile.to_api(),
                "date": now(),
                "old_chat_member": {"status": old, "user": bot}
                if old == "member"
                else {"status": old, "user": bot, "until_date": 0},
                "new_chat_member": new_member,
            },
        )
        self.state.touch()
        self.state.changed()

    async def block(self) -> None:
        self._set_blocked(True)

    async def unblock(self) -> None:
        self._set_blocked(False)

    def to_json(self) -> JSON:
        chat = self.state.chats.get(self.id)
        return {
            **self.profile.to_json(),
            "phone": self.phone,
            "started": bool(chat and chat.started),
            "blocked": bool(chat and chat.blocked),
        }


class Group(_Conversation):
    """A group chat with the bot in it."""

    def __init__(self, state: BotState, chat: Chat) -> None:
        self.state = state
        self._chat = chat
        self._cursor = len(chat.bot_messages)

    @property
    def chat(self) -> Chat:
        return self._chat

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def title(self) -> str:
        return self._chat.title or ""

    def command_menu(self, person: Person) -> list[MenuCommand]:
        status = self._chat.members.get(person.id, "member")
        found = self.state.commands.for_group_member(
            self.id, person.id, person.language_code, status in ("administrator", "creator")
        )
        return [MenuCommand(c["command"], c["description"]) for c in found]

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.title!r}>"
