"""Command menus (setMyCommands) per language and per role scope; all best-effort."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import Translator
from bot.services.users import Roles

logger = logging.getLogger(__name__)

CITIZEN_COMMANDS = (
    "start",
    "menu",
    "request",
    "callme",
    "medic",
    "myrequests",
    "survey",
    "volunteer",
    "profile",
    "tasks",
    "calls",
    "visits",
    "events",
    "mystats",
    "myteams",
    "tips",
    "help",
    "language",
    "cancel",
    "forget",
)
COORDINATOR_COMMANDS = (
    "requests",
    "hotline",
    "callbacks",
    "applications",
    "volunteers",
    "territories",
    "campaigns",
    "export",
    "report",
    "newtip",
    "calendar",
    "dobro",
    "series",
    "broadcast",
    "delivery",
    "teams",
)
HQ_COMMANDS = ("appoint", "coordinators", "audit", "stats", "scheduler")


VOLUNTEER_ONLY = ("profile", "tasks", "calls", "visits", "events", "mystats", "myteams")


def commands_of(roles: Roles) -> list[str]:
    """The commands this person may use: /volunteer until they are one, then their profile
    and tasks instead (the menu changes with the role, as the keyboard does)."""
    hidden = ("volunteer",) if roles.is_volunteer else VOLUNTEER_ONLY
    names = [name for name in CITIZEN_COMMANDS if name not in hidden]
    if roles.is_coordinator:
        names += COORDINATOR_COMMANDS
    if roles.is_hq:
        names += HQ_COMMANDS
    return names


def commands_for(translator: Translator, locale: str, roles: Roles) -> list[BotCommand]:
    names = commands_of(roles)
    return [
        BotCommand(command=name, description=translator.get(locale, f"cmd-{name}"))
        for name in names
    ]


async def set_default_menus(bot: Bot, translator: Translator) -> None:
    """Citizen commands for ru, kk and for every other language (the deployment default)."""
    citizen = Roles()
    targets: list[tuple[str | None, str]] = [(code, code) for code in translator.locales]
    targets.append((None, translator.default_locale))
    for language_code, locale in targets:
        try:
            await bot.set_my_commands(
                commands_for(translator, locale, citizen),
                scope=BotCommandScopeDefault(),
                language_code=language_code,
            )
        except TelegramAPIError as exc:
            logger.warning("setMyCommands default/%s failed: %s", language_code, exc)


async def sync_chat_menu(
    bot: Bot, translator: Translator, chat_id: int, locale: str, roles: Roles, *, chosen: bool
) -> None:
    """Keep a person's own menu true to their role and language: a volunteer, a coordinator or
    someone who chose a language gets a chat-scoped menu; anyone else the default one for
    their language (a leftover chat menu, e.g. of a former volunteer, is removed)."""
    if roles.is_volunteer or roles.is_coordinator or chosen:
        await set_chat_menu(bot, translator, chat_id, locale, roles)
        return
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:
        logger.warning("deleteMyCommands for chat %s failed: %s", chat_id, exc)


async def set_chat_menu(
    bot: Bot, translator: Translator, chat_id: int, locale: str, roles: Roles
) -> bool:
    """A person's own menu, in their chosen language and with their role's commands."""
    try:
        await bot.set_my_commands(
            commands_for(translator, locale, roles), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramAPIError as exc:
        # An admin who never wrote to the bot yet ("chat not found") is expected: their menu
        # is set when they first write. Anything else is worth a warning.
        expected = "chat not found" in str(exc)
        logger.log(
            logging.INFO if expected else logging.WARNING,
            "setMyCommands for chat %s failed: %s",
            chat_id,
            exc,
        )
        return False
    return True
