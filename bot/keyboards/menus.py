"""The main menu (reply keyboard) and the language choice."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.keyboards.callbacks import LanguageCb
from bot.services.language import SUPPORTED_LOCALES
from bot.services.users import Roles
from bot.telegram import shared_markup

Gettext = Callable[..., str]


def main_menu(_: Gettext, roles: Roles) -> ReplyKeyboardMarkup:
    """Only buttons that work today; features add theirs as they land."""
    keys = VOLUNTEER_MENU if roles.is_volunteer else CITIZEN_MENU
    return _menu(tuple(tuple(_(key) for key in row) for row in keys))


# The rows of the main menu, by message id.
CITIZEN_MENU = (
    ("btn-ask-help",),
    ("btn-call-me",),
    ("btn-ask-medic",),  # issue 18
    ("btn-my-requests",),
    ("btn-become-volunteer",),
    ("btn-tips",),  # the safety library (issue 18)
    ("btn-help", "btn-language"),
)
VOLUNTEER_MENU = (
    ("btn-ask-help",),
    ("btn-call-me",),
    ("btn-ask-medic",),
    ("btn-my-requests", "btn-my-tasks"),
    ("btn-my-profile", "btn-events"),
    ("btn-tips",),
    ("btn-help", "btn-language"),
)


@lru_cache(maxsize=64)
def _menu(labels: tuple[tuple[str, ...], ...]) -> ReplyKeyboardMarkup:
    """One keyboard object per set of labels (a language and a role): most answers carry the
    main menu, and building its ten pydantic models each time was a sixth of the plain case's
    CPU (issue 15). Shared, so never changed after it is built."""
    rows = [[KeyboardButton(text=label) for label in row] for row in labels]
    return shared_markup(
        ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)
    )


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
