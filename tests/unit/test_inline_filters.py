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
