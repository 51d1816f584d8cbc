"""reply_markup validation, with the checks Telegram makes on inline keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import (
    BUTTON_DATA_INVALID,
    CANT_PARSE_MARKUP,
    TEXT_BUTTONS_UNALLOWED,
    bad_request,
)
from .world import ReplyKeyboard

JSON = dict[str, Any]

_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)


@dataclass
class Markup:
    kind: str  # inline | reply | remove | force_reply
    raw: JSON
    reply_keyboard: ReplyKeyboard | None = None


def parse_markup(value: Any) -> Markup | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(CANT_PARSE_MARKUP)
    if "inline_keyboard" in value:
        return Markup("inline", {"inline_keyboard": _inline_rows(value["inline_keyboard"])})
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "keyboard" must be of type Array')
        normalised: list[list[JSON]] = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request('field "keyboard" must be of type Array')
            buttons: list[JSON] = []
            for button in row:
                if isinstance(button, str):
                    buttons.append({"text": button})
                elif isinstance(button, dict) and isinstance(button.get("text"), str):
                    buttons.append(dict(button))
                else:
                    raise bad_request(CANT_PARSE_MARKUP)
            if buttons:
                normalised.append(buttons)
        keyboard = ReplyKeyboard(
            rows=normalised,
            one_time=bool(value.get("one_time_keyboard")),
            resize=bool(value.get("resize_keyboard")),
            persistent=bool(value.get("is_persistent")),
            placeholder=value.get("input_field_placeholder"),
        )
        return Markup("reply", value, keyboard)
    if value.get("remove_keyboard"):
        return Markup("remove", value)
    if value.get("force_reply"):
        return Markup("force_reply", value)
    raise bad_request(CANT_PARSE_MARKUP)


def _inline_rows(rows: Any) -> list[list[JSON]]:
    if not isinstance(rows, list):
        raise bad_request('field "inline_keyboard" must be of type Array')
    result: list[list[JSON]] = []
    for row in rows:
        if not isinstance(row, list):
            raise bad_request('field "inline_keyboard" must be of type Array')
        buttons: list[JSON] = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            actions = [a for a in _INLINE_ACTIONS if button.get(a) is not None]
            if not actions:
                raise bad_request(TEXT_BUTTONS_UNALLOWED)
            data = button.get("callback_data")
            if data is not None:
                size = len(str(data).encode("utf-8"))
                if size < 1 or size > 64:
                    raise bad_request(BUTTON_DATA_INVALID)
            url = button.get("url")
            if url is not None and not str(url).strip():
                raise bad_request("BUTTON_URL_INVALID")
            buttons.append({k: v for k, v in button.items() if v is not None})
        if buttons:
            result.append(buttons)
    return result
