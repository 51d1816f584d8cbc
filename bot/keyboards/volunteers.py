"""Keyboards of coordinators' decisions on volunteer applications."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import ApplicationCb

Gettext = Callable[..., str]


def decision(_: Gettext, application_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("btn-approve"),
                    callback_data=ApplicationCb(id=application_id, action="ok").pack(),
                ),
                InlineKeyboardButton(
                    text=_("btn-reject"),
                    callback_data=ApplicationCb(id=application_id, action="no").pack(),
                ),
            ]
        ]
    )


def open_buttons(_: Gettext, ids: Sequence[int]) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                text=_("btn-open-application", id=i),
                callback_data=ApplicationCb(id=i, action="open").pack(),
            )
        ]
        for i in ids
    ]
