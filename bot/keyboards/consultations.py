"""Buttons of «Ask a volunteer medic»: the callback data the service puts under its messages,
and the reply keyboard of the conversation mode."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.keyboards.callbacks import ConsultCb
from bot.services.consultations import Links

Gettext = Callable[..., str]


def take_data(consultation_id: int) -> str:
    return ConsultCb(action="take", id=consultation_id).pack()


def reply_data(consultation_id: int) -> str:
    return ConsultCb(action="reply", id=consultation_id).pack()


def star_data(consultation_id: int, stars: int) -> str:
    return ConsultCb(action="star", id=consultation_id, value=stars).pack()


LINKS = Links(take=take_data, reply=reply_data, star=star_data)


def reply_button(_: Gettext, consultation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-cns-reply"), callback_data=reply_data(consultation_id)
                )
            ]
        ]
    )


def waiting(_: Gettext, consultation_id: int) -> InlineKeyboardMarkup:
    """Under «your question was sent»: withdraw it while nobody took it."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-cns-cancel"),
                    callback_data=ConsultCb(action="cancel", id=consultation_id).pack(),
                )
            ]
        ]
    )


def stars(_: Gettext, consultation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-cns-star", n=n), callback_data=star_data(consultation_id, n)
                )
                for n in range(1, 6)
            ]
        ]
    )


def conversation(_: Gettext) -> ReplyKeyboardMarkup:
    """The reply keyboard while a consultation is «in front»: end it, or go back to the menu
    (the consultation stays open; «Ответить» under any of its messages comes back)."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("btn-cns-finish"))],
            [KeyboardButton(text=_("btn-cns-leave"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )
