"""Keyboards of call-back requests: the citizen's two taps and the coordinators' buttons."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.keyboards.callbacks import CallBackCb, CallMeCb
from bot.services.outbox import Button, Text

Gettext = Callable[..., str]


def share_contact(_: Gettext) -> ReplyKeyboardMarkup:
    """Tap 1: one big button that sends the person's own number, and Cancel."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("btn-share-contact"), request_contact=True)],
            [KeyboardButton(text=_("btn-cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def confirm(_: Gettext) -> InlineKeyboardMarkup:
    """Tap 2."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("cb-btn-confirm"), callback_data=CallMeCb(action="ok").pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=_("btn-cancel"), callback_data=CallMeCb(action="no").pack()
                )
            ],
        ]
    )


def handle(_: Gettext, callback_id: int) -> InlineKeyboardMarkup:
    """A coordinator's buttons under one call-back of the list."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("cb-btn-fill"),
                    callback_data=CallBackCb(id=callback_id, action="fill").pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text=_("cb-btn-done"),
                    callback_data=CallBackCb(id=callback_id, action="done").pack(),
                )
            ],
        ]
    )


def push_buttons(callback_id: int) -> list[list[Button]]:
    """The same buttons on the outbox push (rendered in the coordinator's language)."""
    return [
        [
            Button(
                Text(key="cb-btn-fill"),
                callback_data=CallBackCb(id=callback_id, action="fill").pack(),
            )
        ],
        [
            Button(
                Text(key="cb-btn-done"),
                callback_data=CallBackCb(id=callback_id, action="done").pack(),
            )
        ],
    ]
