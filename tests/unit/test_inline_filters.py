"""Synchronous filters (magic filters, bare states) run inline, never through a thread."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup

from bot.app import build_dispatcher
from bot.inline_filters import _filters, inline_sync_filters


class Demo(StatesGroup):
    step = State()


def test_magic_and_state_filters_become_awaitable_and_keep_their_verdicts() -> None:
    router = Router()
    router.message.filter(F.chat.type == "private")

    @router.message(Demo.step, F.text.startswith("/"))
    async def handler() -> None:
        return None

    assert inline_sync_filters(router) == 3
    assert all(item.awaitable for item in _filters(router))
    [state_filter, magic] = router.message.handlers[0].filters or []

    async def verdicts() -> tuple[object, object, object]:
        return (
            await state_filter.call(object(), raw_state=Demo.step.state),
            await state_filter.call(object(), raw_state=None),
            await magic.call(type("M", (), {"text": "/x"})()),
        )

    assert asyncio.run(verdicts()) == (True, False, True)
    assert inline_sync_filters(router) == 0  # once is enough


def test_the_app_leaves_no_filter_to_a_thread() -> None:
    from aiogram.fsm.storage.memory import SimpleEventIsolation

    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.fsm_storage import DbStorage
    from bot.i18n import Translator
    from models.db import create_engine, create_sessionmaker

    settings = Settings(bot_token="123456:abc")
    sessionmaker = create_sessionmaker(create_engine("sqlite+aiosqlite://"))
    dispatcher = build_dispatcher(
        settings,
        sessionmaker,
        Translator(settings.default_locale),
        SystemClock(),
        DbStorage(sessionmaker, SystemClock()),
        SimpleEventIsolation(),
    )
    assert [item for item in _filters(dispatcher) if not item.awaitable] == []


def test_command_filters_skip_texts_that_are_not_commands_with_the_same_verdicts() -> None:
    from datetime import datetime

    from aiogram import Bot
    from aiogram.filters import Command
    from aiogram.types import Chat, Message, User

    router = Router()

    @router.message(Command("help"))
    async def handler() -> None:
        return None

    [item] = router.message.handlers[0].filters or []
    original = item.callback
    assert isinstance(original, Command)
    assert inline_sync_filters(router) == 1
    assert item.callback is not original and item.awaitable
    bot = Bot("123456:abc")
    parsed: list[str] = []
    parse = original.parse_command

    async def counting(text: str, bot: Bot) -> object:
        parsed.append(text)
        return await parse(text=text, bot=bot)

    object.__setattr__(original, "parse_command", counting)

    def message(text: str | None = None, caption: str | None = None) -> Message:
        return Message(
            message_id=1, date=datetime(2026, 12, 1), chat=Chat(id=1, type="private"),
            from_user=User(id=1, is_bot=False, first_name="A"), text=text, caption=caption,
        )  # fmt: skip

    async def verdicts() -> list[bool]:
        texts = [
            message("/help"), message("  /help me"), message(caption="/help"),
            message("help"), message("Здравствуйте /help"), message(""), message("   "),
            message("/start"),
        ]  # fmt: skip
        return [bool(await item.call(m, bot=bot)) for m in texts]

    assert asyncio.run(verdicts()) == [True, True, True, False, False, False, False, False]
    # Only the texts that start with "/" were parsed as commands.
    assert parsed == ["/help", "  /help me", "/help", "/start"]
