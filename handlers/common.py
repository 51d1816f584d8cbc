"""Start, main menu, help, language and the global cancel: what every person can do."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import set_chat_menu, sync_chat_menu
from bot.config import Settings
from bot.filters import Button
from bot.forms import engine as forms
from bot.i18n import Translator
from bot.keyboards.callbacks import LanguageCb
from bot.keyboards.menus import language_choice, main_menu
from bot.services import help_requests
from bot.services.language import SUPPORTED_LOCALES
from bot.services.users import Roles
from bot.telegram import edit_text
from models import User

router = Router(name=__name__)


def with_hq_phone(i18n: I18nContext, settings: Settings, *parts: str) -> str:
    """Join paragraphs, adding the HQ's phone when the deployment has one."""
    lines = list(parts)
    if settings.hq_phone:
        lines.append(i18n.get("hq-phone-line", phone=html.quote(settings.hq_phone)))
    return "\n\n".join(lines)


@router.message(CommandStart(ignore_case=True))
async def cmd_start(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    user: User,
    roles: Roles,
    bot: Bot,
    translator: Translator,
    settings: Settings,
    db: AsyncSession,
) -> None:
    await state.clear()
    parts = [i18n.get("start-greeting", name=html.quote(user.first_name))]
    if roles.is_coordinator:
        parts.append(i18n.get("start-greeting-coordinator"))
        # Notes about such requests may never have reached them (they had not started the
        # bot): the count is worked out now, not remembered.
        scope = None if roles.is_hq else roles.territory_ids
        unattended = await help_requests.count_unattended(db, scope)
        if unattended:
            parts.append(i18n.get("coord-unattended-note", count=unattended))
    parts.append(i18n.get("start-coming-soon"))
    await message.answer(
        with_hq_phone(i18n, settings, *parts), reply_markup=main_menu(i18n.get, roles)
    )
    if user.locale is None:
        # Telegram's apps have no Kazakh interface, so language_code rarely says "kk":
        # offer the choice until the person makes one.
        await message.answer(
            i18n.get("language-choose-first"), reply_markup=language_choice(i18n.get)
        )
    await sync_chat_menu(
        bot, translator, user.id, i18n.locale, roles, chosen=user.locale is not None
    )


@router.message(Command("menu", ignore_case=True))
async def cmd_menu(message: Message, i18n: I18nContext, roles: Roles) -> None:
    await message.answer(i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, roles))


@router.message(Command("help", ignore_case=True))
@router.message(Button("btn-help"))
async def cmd_help(message: Message, i18n: I18nContext, roles: Roles, settings: Settings) -> None:
    parts = [i18n.get("help-intro"), i18n.get("help-citizen")]
    if roles.is_volunteer or roles.is_coordinator:
        parts.append(i18n.get("help-volunteer"))
    if roles.is_coordinator:
        parts += [i18n.get("help-coordinator"), i18n.get("help-coordinator-commands")]
    parts += [i18n.get("start-coming-soon"), i18n.get("help-emergency"), i18n.get("help-commands")]
    await message.answer(
        with_hq_phone(i18n, settings, *parts), reply_markup=main_menu(i18n.get, roles)
    )


@router.message(Command("language", ignore_case=True))
@router.message(Button("btn-language"))
async def cmd_language(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("language-choose"), reply_markup=language_choice(i18n.get))


@router.callback_query(LanguageCb.filter(F.code.in_(SUPPORTED_LOCALES)))
async def cb_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    i18n: I18nContext,
    bot: Bot,
    translator: Translator,
    roles: Roles,
    raw_state: str | None = None,
) -> None:
    await i18n.set_locale(callback_data.code)
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("language-changed"))
    if raw_state is None:
        await bot.send_message(
            query.from_user.id, i18n.get("menu-shown"), reply_markup=main_menu(i18n.get, roles)
        )
    # In a form (a survey link opened by someone new offers the language first) the main
    # menu would replace the question's own keyboard: the next questions come in the new
    # language instead.
    await set_chat_menu(bot, translator, query.from_user.id, callback_data.code, roles)


@router.message(Command("cancel", ignore_case=True))
@router.message(Button("btn-cancel"))
async def cmd_cancel(
    message: Message, state: FSMContext, i18n: I18nContext, roles: Roles, bot: Bot
) -> None:
    had_form = await state.get_state() is not None
    data = await state.get_data()
    await state.clear()
    if had_form:  # the form's last question loses its buttons: nothing stays answerable
        await forms.tidy(bot, message.chat.id, data)
    key = "form-cancelled" if had_form else "nothing-to-cancel"
    await message.answer(i18n.get(key), reply_markup=main_menu(i18n.get, roles))
