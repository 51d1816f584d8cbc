"""Turns an outbox record into the Bot API call that shows it."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram.methods import (
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import (
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
)

from bot.i18n import Translator
from bot.keyboards.menus import main_menu
from bot.keyboards.requests import stars
from bot.services.language import negotiate_locale
from bot.services.outbox import Claimed, OutgoingMessage, Text
from bot.services.users import Roles


class RenderError(Exception):
    """The record cannot become a message (unknown text id, missing file): retrying won't help."""


def _text(translator: Translator, locale: str, text: Text) -> str:
    if text.literal is not None:
        return text.literal
    assert text.key is not None
    try:
        return translator.get(locale, text.key, **dict(text.args))
    except Exception as exc:  # aiogram-i18n raises its own KeyNotFound / FluentMessageError
        raise RenderError(f"cannot render {text.key!r}: {type(exc).__name__}") from exc


def _markup(
    translator: Translator, locale: str, message: OutgoingMessage
) -> InlineKeyboardMarkup | None:
    if message.stars_for is not None:
        return stars(message.stars_for)
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_text(translator, locale, b.label),
                    callback_data=b.callback_data,
                    url=b.url,
                )
                for b in row
            ]
            for row in message.buttons
        ]
    )


def locale_for(row: Claimed, message: OutgoingMessage, default_locale: str) -> str:
    return message.locale or negotiate_locale(row.locale, row.language_code, default_locale)


def render(
    row: Claimed,
    translator: Translator,
    *,
    edit_message_id: int | None = None,
    roles: Roles | None = None,
) -> TelegramMethod[Any]:
    """``roles``: the recipient's roles now, for a message that carries the main menu (an
    edit cannot carry a reply keyboard, so edits leave it out)."""
    message = OutgoingMessage.from_payload(row.payload)
    locale = locale_for(row, message, translator.default_locale)
    text = _text(translator, locale, message.text)
    inline = _markup(translator, locale, message)
    if edit_message_id is not None:
        return EditMessageText(
            chat_id=row.chat_id, message_id=edit_message_id, text=text, reply_markup=inline
        )
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = inline
    if message.main_menu:
        if roles is None:
            raise RenderError("a message with the main menu needs the recipient's roles")
        markup = main_menu(partial(translator.get, locale), roles)
    attachment = message.attachment
    if attachment is None:
        return SendMessage(chat_id=row.chat_id, text=text, reply_markup=markup)
    if attachment.file_id:
        file: Any = attachment.file_id
    elif attachment.path:
        file = FSInputFile(attachment.path, filename=attachment.filename)
    else:
        raise RenderError("attachment has neither file_id nor path")
    if attachment.kind == "photo":
        return SendPhoto(chat_id=row.chat_id, photo=file, caption=text, reply_markup=markup)
    if attachment.kind == "voice":  # a relayed voice note (issue 18)
        return SendVoice(chat_id=row.chat_id, voice=file, caption=text, reply_markup=markup)
    return SendDocument(chat_id=row.chat_id, document=file, caption=text, reply_markup=markup)
