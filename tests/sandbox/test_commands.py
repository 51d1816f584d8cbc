"""setMyCommands scopes and languages, and what a person sees in the menu."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeDefault,
)

from bot.sandbox import Emulator, Person


def cmds(*names: str) -> list[BotCommand]:
    return [BotCommand(command=n, description=f"{n} description") for n in names]


async def test_menu_resolution(emu: Emulator, bot: Bot, alice: Person) -> None:
    bob = emu.user(1002, first_name="Bob", language_code="ru")
    await bob.send_text("/start")
    assert alice.command_menu() == []
    await bot.set_my_commands(cmds("start", "help"))
    assert [c.command for c in alice.command_menu()] == ["start", "help"]
    await bot.set_my_commands(cmds("bastau"), language_code="kk")
    assert [c.command for c in alice.command_menu()] == ["bastau"]  # alice speaks kk
    assert [c.command for c in bob.command_menu()] == ["start", "help"]
    await bot.set_my_commands(cmds("private"), scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in alice.command_menu()] == ["private"]
    await bot.set_my_commands(cmds("mine"), scope=BotCommandScopeChat(chat_id=bob.id))
    assert [c.command for c in bob.command_menu()] == ["mine"]
    assert [c.command for c in alice.command_menu()] == ["private"]
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in alice.command_menu()] == ["bastau"]
    assert alice.command_menu()[0].description == "bastau description"


async def test_get_and_delete_are_exact(bot: Bot, alice: Person) -> None:
    await bot.set_my_commands(cmds("a"), scope=BotCommandScopeDefault(), language_code="ru")
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["a"]
    assert await bot.get_my_commands() == []  # no fallback in getMyCommands
    await bot.set_my_commands(cmds("g"), scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())] == [
        "g"
    ]
    assert await bot.delete_my_commands(language_code="ru") is True
    assert await bot.get_my_commands(language_code="ru") == []


async def test_group_menus(emu: Emulator, bot: Bot, alice: Person) -> None:
    boss = emu.user(1003, first_name="Boss")
    group = emu.group(-1001, title="HQ", members=[alice], admins=[boss])
    await bot.set_my_commands(cmds("private"), scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(cmds("group"), scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        cmds("admin"), scope=BotCommandScopeChatAdministrators(chat_id=group.id)
    )
    assert [c.command for c in group.command_menu(alice)] == ["group"]
    assert [c.command for c in group.command_menu(boss)] == ["admin"]


async def test_command_errors(bot: Bot, alice: Person) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    with pytest.raises(TelegramBadRequest, match="command description must be non-empty"):
        await bot.set_my_commands([BotCommand(command="start", description="")])
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.set_my_commands(cmds("x"), scope=BotCommandScopeChat(chat_id=5555))
