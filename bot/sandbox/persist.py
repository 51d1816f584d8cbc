"""Keeps the emulator's people, chats, command menus and files in a JSON file across restarts.

The bot's database outlives a sandbox restart; without this its people and chats would not
(the page said «Person not found»). Pending updates, callback queries and the call log are
not kept: they belong to one run. The file is written atomically (a temporary file, then a
rename) a moment after each change, and once more on stop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import StoredFile
from .world import Chat, ReplyKeyboard, StoredMessage, UserProfile

if TYPE_CHECKING:
    from .emulator import Emulator

JSON = dict[str, Any]
log = logging.getLogger(__name__)

FORMAT = 1
SAVE_DELAY = 0.3  # seconds after a change: a burst of messages is one write
MAX_KEPT_FILE = 5 * 1024 * 1024  # bigger files are not kept (their messages stay)


def _chat_json(chat: Chat) -> JSON:
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "user_id": chat.user.id if chat.user is not None else None,
        "members": [[uid, status] for uid, status in chat.members.items()],
        "messages": [dataclasses.asdict(m) for m in chat.messages.values()],
        "bot_messages": [m.message_id for m in chat.bot_messages],
        "next_message_id": chat.next_message_id,
        "started": chat.started,
        "blocked": chat.blocked,
        "bot_member": chat.bot_member,
        "reply_keyboard": chat.reply_keyboard.to_json() if chat.reply_keyboard else None,
    }


def _chat_from(data: JSON, profiles: dict[int, UserProfile]) -> Chat:
    messages = {int(m["message_id"]): StoredMessage(**m) for m in data["messages"]}
    keyboard = data.get("reply_keyboard")
    user_id = data.get("user_id")
    return Chat(
        id=int(data["id"]),
        type=str(data["type"]),
        title=data.get("title"),
        user=profiles.get(int(user_id)) if user_id is not None else None,
        members={int(uid): str(status) for uid, status in data.get("members", [])},
        messages=messages,
        bot_messages=[messages[i] for i in data.get("bot_messages", []) if i in messages],
        next_message_id=int(data["next_message_id"]),
        started=bool(data.get("started")),
        blocked=bool(data.get("blocked")),
        bot_member=bool(data.get("bot_member", True)),
        reply_keyboard=ReplyKeyboard(**keyboard) if keyboard else None,
    )


def _file_json(stored: StoredFile) -> JSON:
    data = dataclasses.asdict(stored)
    data["data"] = base64.b64encode(stored.data).decode("ascii")
    return data


def snapshot(emu: Emulator) -> JSON:
    """Everything kept, as plain JSON data (taken on the event loop, written elsewhere)."""
    bots: JSON = {}
    for token, state in emu.bots.items():
        people = [
            {"id": uid, "phone": person.phone, "location": list(person.location)}
            for (owner, uid), person in emu._people.items()
            if owner == token
        ]
        files = [_file_json(f) for f in state.files.by_id.values() if f.size <= MAX_KEPT_FILE]
        bots[token] = {
            "people": people,
            "groups": [chat_id for (owner, chat_id) in emu._groups if owner == token],
            "chats": [_chat_json(chat) for chat in state.chats.values()],
            "seen_users": sorted(state.seen_users),
            "commands": [
                [list(scope), language, commands]
                for (scope, language), commands in state.commands._lists.items()
            ],
            "files": files,
            "file_counter": state.files._counter,
        }
    return {
        "format": FORMAT,
        "profiles": [p.to_json() for p in emu.profiles.values()],
        "bots": bots,
    }


def restore(emu: Emulator, data: JSON) -> int:
    """Put a snapshot back into a fresh emulator; returns the number of people restored.
    Bots whose token is not served any more are skipped."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    from .people import Group, Person

    for item in data.get("profiles", []):
        profile = UserProfile(**item)
        emu.profiles[profile.id] = profile
    restored = 0
    for token, saved in data.get("bots", {}).items():
        state = emu.bots.get(token)
        if state is None:
            continue
        for chat_data in saved.get("chats", []):
            chat = _chat_from(chat_data, emu.profiles)
            state.chats[chat.id] = chat
        state.seen_users.update(int(u) for u in saved.get("seen_users", []))
        for scope, language, commands in saved.get("commands", []):
            state.commands.set(tuple(scope), str(language), list(commands))
        for item in saved.get("files", []):
            item = dict(item, data=base64.b64decode(item["data"]))
            stored = StoredFile(**item)
            state.files.by_id[stored.file_id] = stored
            state.files.by_path[stored.file_path] = stored
        state.files._counter = max(state.files._counter, int(saved.get("file_counter", 0)))
        for item in saved.get("people", []):
            known = emu.profiles.get(int(item["id"]))
            if known is None:
                continue
            person = Person(state, known, phone=item.get("phone"), calls=lambda: emu._calls)
            location = item.get("location")
            if location:
                person.location = (float(location[0]), float(location[1]))
            emu._people[(token, known.id)] = person
            restored += 1
        for chat_id in saved.get("groups", []):
            group_chat = state.chats.get(int(chat_id))
            if group_chat is not None:
                emu._groups[(token, group_chat.id)] = Group(state, group_chat)
    return restored


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class StateKeeper:
    """Loads the state file at start and writes it shortly after every change."""

    def __init__(self, emu: Emulator, path: str | Path) -> None:
        self.emu = emu
        self.path = Path(path)
        self._task: asyncio.Task[None] | None = None
        self._saved_version = -1

    def _version(self) -> int:
        return sum(state.notifier.version for state in self.emu.bots.values())

    def load(self) -> bool:
        """True when a state file was there and read (False: a first start)."""
        if not self.path.exists():
            return False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            count = restore(self.emu, data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            # A broken file must not stop the sandbox; keep it aside for a look.
            broken = self.path.with_name(self.path.name + ".broken")
            with contextlib.suppress(OSError):
                os.replace(self.path, broken)
            log.warning("sandbox state %s unreadable (%s); moved to %s", self.path, exc, broken)
            return False
        log.info("sandbox state: %d people restored from %s", count, self.path)
        return True

    async def save(self) -> None:
        version = self._version()
        text = json.dumps(snapshot(self.emu), ensure_ascii=False)
        await asyncio.to_thread(_write, self.path, text)
        self._saved_version = version

    def start(self) -> None:
        self._saved_version = self._version()
        self._task = asyncio.create_task(self._run(), name="sandbox-state-keeper")

    async def _run(self) -> None:
        while True:
            state = self.emu.default_bot
            await state.notifier.wait(state.notifier.version, 5.0)
            await asyncio.sleep(SAVE_DELAY)
            if self._version() != self._saved_version:
                try:
                    await self.save()
                except OSError as exc:
                    log.warning("cannot save the sandbox state to %s: %s", self.path, exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._version() != self._saved_version:
            try:
                await self.save()
            except OSError as exc:
                log.warning("cannot save the sandbox state to %s: %s", self.path, exc)
