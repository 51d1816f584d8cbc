"""The main menu (reply keyboard) and the language choice."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.keyboards.callbacks import LanguageCb
from bot.services.language import SUPPORTED_LOCALES
from bot.services.users import Roles

Gettext = Callable[..., str]


def main_menu(_: Gettext, roles: Roles) -> ReplyKeyboardMarkup:
    """Only buttons that work today; features add theirs as they land."""
    rows = [[KeyboardButton(text=_("btn-ask-help"))], [KeyboardButton(text=_("btn-call-me"))]]
    rows.append([KeyboardButton(text=_("btn-ask-medic"))])  # issue 18
    mine = [KeyboardButton(text=_("btn-my-requests"))]
    if roles.is_volunteer:
        mine.append(KeyboardButton(text=_("btn-my-tasks")))
    rows.append(mine)
    if roles.is_volunteer:
        rows.append(
            [KeyboardButton(text=_("btn-my-profile")), KeyboardButton(text=_("btn-events"))]
        )
    else:
        rows.append([KeyboardButton(text=_("btn-become-volunteer"))])
    rows.append([KeyboardButton(text=_("btn-tips"))])  # the safety library (issue 18)
    rows.append([KeyboardButton(text=_("btn-help")), KeyboardButton(text=_("btn-language"))])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def cancel_menu(_: Gettext, *, with_back: bool = False) -> ReplyKeyboardMarkup:
    row = [KeyboardButton(text=_("btn-cancel"))]
    if with_back:
        row.insert(0, KeyboardButton(text=_("btn-back")))
    return ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True)


def language_choice(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_(f"language-name-{code}"), callback_data=LanguageCb(code=code).pack()
                )
                for code in SUPPORTED_LOCALES
            ]
        ]
    )


def step_menu(
    _: Gettext,
    *,
    back: bool = True,
    contact: bool = False,
    skip: bool = False,
    location: bool = False,
) -> ReplyKeyboardMarkup:
    """The reply keyboard of a typed question outside the form engine (a task's report, a
    rating's comment): «Назад» and «Отмена», and a contact, location or skip button."""
    rows: list[list[KeyboardButton]] = []
    if contact:
        rows.append([KeyboardButton(text=_("btn-share-contact"), request_contact=True)])
    if location:
        rows.append([KeyboardButton(text=_("btn-send-location"), request_location=True)])
    if skip:
        rows.append([KeyboardButton(text=_("btn-skip"))])
    last = [KeyboardButton(text=_("btn-cancel"))]
    if back:
        last.insert(0, KeyboardButton(text=_("btn-back")))
    rows.append(last)
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True)
