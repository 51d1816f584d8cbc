"""Catch-alls, registered last: anything no feature understood gets a short localized hint."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.commands import COORDINATOR_COMMANDS, HQ_COMMANDS, commands_of
from bot.config import Settings
from bot.filters import SPOKEN
from bot.keyboards.menus import cancel_menu, main_menu
from bot.services import audit
from bot.services.users import Roles
from handlers.common import with_hq_phone

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.message(F.text.startswith("/"), ~StateFilter(None))
async def command_in_form(
    message: Message, i18n: I18nContext, roles: Roles, db: AsyncSession, clock: Clock
) -> None:
    """A command of the person's own that waits for no form (e.g. /hotline while filling one
    in): finish or cancel first. Anything else is unknown, as outside a form."""
    if _command_name(message.text or "") in commands_of(roles):
        await message.answer(i18n.get("form-finish-first"), reply_markup=cancel_menu(i18n.get))
        return
    await unknown_text(message, i18n, roles, db, clock)


@router.message(F.text.startswith("/"))
async def unknown_command(
    message: Message, i18n: I18nContext, roles: Roles, db: AsyncSession, clock: Clock
) -> None:
    await unknown_text(message, i18n, roles, db, clock)


@router.message(~StateFilter(None), SPOKEN)
async def voice_in_form(message: Message, i18n: I18nContext) -> None:
    """A voice note at a step that takes none: kindly, and the form's own keyboard stays."""
    await message.answer(i18n.get("voice-not-understood"))


@router.message(SPOKEN)
async def voice_outside_form(
    message: Message, i18n: I18nContext, roles: Roles, settings: Settings
) -> None:
    """Elderly people speak rather than type: say what to do instead, not "unknown media"."""
    await message.answer(
        with_hq_phone(i18n, settings, i18n.get("voice-outside-form")),
        reply_markup=main_menu(i18n.get, roles),
    )


@router.message(~StateFilter(None))
async def unexpected_in_form(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("form-unexpected"), reply_markup=cancel_menu(i18n.get))


@router.message(F.text)
async def unknown_text(
    message: Message, i18n: I18nContext, roles: Roles, db: AsyncSession, clock: Clock
) -> None:
    command = _command_name(message.text or "")
    restricted = command in COORDINATOR_COMMANDS or command in HQ_COMMANDS
    if restricted and command not in commands_of(roles):
        # Someone without the role tried a coordinator command: the same answer as for any
        # unknown text (nothing leaks), and a line in the audit log for the HQ.
        logger.warning("user=%s tried coordinator command /%s", message.chat.id, command)
        await audit.record(
            db,
            actor_id=message.chat.id,
            action="denied_command",
            now=clock.now(),
            roles=roles,
            target=f"command:{command}",
        )
    await message.answer(i18n.get("unknown-text"), reply_markup=main_menu(i18n.get, roles))


def _command_name(text: str) -> str | None:
    if not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


@router.message()
async def unknown_media(message: Message, i18n: I18nContext, roles: Roles) -> None:
    await message.answer(i18n.get("unknown-media"), reply_markup=main_menu(i18n.get, roles))


# Callback prefixes of coordinator tools (bot/keyboards/callbacks.py).
COORDINATOR_CALLBACKS = frozenset({"va", "vc", "dm", "au", "tp", "cf", "cr", "ca", "ro"})


@router.callback_query()
async def stale_button(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    roles: Roles,
    db: AsyncSession,
    clock: Clock,
) -> None:
    prefix = (query.data or "").split(":", 1)[0]
    if prefix in COORDINATOR_CALLBACKS and not roles.is_coordinator:
        # A coordinator's button pressed by someone without the role: on record for the HQ.
        logger.warning("user=%s pressed a coordinator button (%s)", query.from_user.id, prefix)
        await audit.record(
            db,
            actor_id=query.from_user.id,
            action="denied_callback",
            now=clock.now(),
            roles=roles,
            target=f"callback:{prefix}",
        )
    # Answered by CallbackAnswerMiddleware after the handler: a query takes one answer only.
    callback_answer.text = i18n.get("stale-button")
    callback_answer.show_alert = True
