"""Bot command lists per scope and language, resolved the way Telegram clients see them."""

from __future__ import annotations

import re
from typing import Any

from .errors import (
    BOT_COMMAND_INVALID,
    COMMAND_DESCRIPTION_EMPTY,
    COMMAND_DESCRIPTION_INVALID,
    bad_request,
)

JSON = dict[str, Any]
# (scope type, chat_id, user_id)
ScopeKey = tuple[str, int | None, int | None]

SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def parse_scope(value: Any) -> ScopeKey:
    """Scope JSON -> key. chat ids stay as given; the caller checks that chats exist."""
    if value is None:
        return ("default", None, None)
    if not isinstance(value, dict) or value.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = str(value["type"])
    chat_id: int | None = None
    user_id: int | None = None
    if kind in ("chat", "chat_administrators", "chat_member"):
        try:
            chat_id = int(value.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc
    if kind == "chat_member":
        try:
            user_id = int(value.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise bad_request("user not found") from exc
    return (kind, chat_id, user_id)


def parse_language(value: str | None) -> str:
    code = (value or "").strip()
    if code and not re.fullmatch(r"[a-zA-Z]{2}", code):
        raise bad_request("invalid language code specified")
    return code.lower()


def parse_commands(value: Any) -> list[JSON]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > 100:
        raise bad_request("too many commands specified")
    commands: list[JSON] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).strip()
        if command.startswith("/"):
            command = command[1:]
        if not _COMMAND.match(command):
            raise bad_request(BOT_COMMAND_INVALID)
        description = str(item.get("description", "")).strip()
        if not description:
            raise bad_request(COMMAND_DESCRIPTION_EMPTY)
        if len(description) > 256:
            raise bad_request(COMMAND_DESCRIPTION_INVALID)
        commands.append({"command": command, "description": description})
    return commands


class CommandStore:
    def __init__(self) -> None:
        self._lists: dict[tuple[ScopeKey, str], list[JSON]] = {}

    def set(self, scope: ScopeKey, language: str, commands: list[JSON]) -> None:
        if commands:
            self._lists[(scope, language)] = commands
        else:
            self._lists.pop((scope, language), None)

    def get(self, scope: ScopeKey, language: str) -> list[JSON]:
        return list(self._lists.get((scope, language), []))

    def delete(self, scope: ScopeKey, language: str) -> None:
        self._lists.pop((scope, language), None)

    def _first(self, scopes: list[ScopeKey], language: str | None) -> list[JSON]:
        lang = (language or "").lower()[:2]
        for scope in scopes:
            for code in ([lang] if lang else []) + [""]:
                found = self._lists.get((scope, code))
                if found:
                    return list(found)
        return []

    def for_private_chat(self, user_id: int, language: str | None) -> list[JSON]:
        """chat > all_private_chats > default, language match before no language."""
        scopes: list[ScopeKey] = [
            ("chat", user_id, None),
            ("all_private_chats", None, None),
            ("default", None, None),
        ]
        return self._first(scopes, language)

    def for_group_member(
        self, chat_id: int, user_id: int, language: str | None, is_admin: bool
    ) -> list[JSON]:
        scopes: list[ScopeKey] = [("chat_member", chat_id, user_id)]
        if is_admin:
            scopes.append(("chat_administrators", chat_id, None))
        scopes.append(("chat", chat_id, None))
        if is_admin:
            scopes.append(("all_chat_administrators", None, None))
        scopes += [("all_group_chats", None, None), ("default", None, None)]
        return self._first(scopes, language)
