"""Catch-alls, registered last: anything no feature understood gets a short localized hint."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.keyboards.menus import cancel_menu, main_menu
from bot.services.users import Roles

router = Router(name=__name__)


@router.message(~StateFilter(None))
async def unexpected_in_form(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-unexpected"), reply_markup=cancel_menu(i18n.get))


@router.message(F.text)
async def unknown_text(message: Message, i18n: I18nContext, roles: Roles) -> None:
    await message.answer(i18n.get("unknown-text"), reply_markup=main_menu(i18n.get, roles))


@router.message()
async def unknown_media(message: Message, i18n: I18nContext, roles: Roles) -> None:
    await message.answer(i18n.get("unknown-media"), reply_markup=main_menu(i18n.get, roles))


@router.callback_query()
async def stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    # Answered by CallbackAnswerMiddleware after the handler: a query takes one answer only.
    callback_answer.text = i18n.get("stale-button")
    callback_answer.show_alert = True
