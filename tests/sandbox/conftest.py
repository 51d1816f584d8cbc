"""Fixtures: a started emulator and a real aiogram Bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update

from bot.sandbox import Emulator, Person

TOKEN = "123456:sandbox-token"


def make_bot(emu: Emulator, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


async def close_bot(bot: Bot) -> None:
    """Close the HTTP session without aiogram's 0.25 s graceful-close sleep."""
    session = bot.session
    assert isinstance(session, AiohttpSession)
    if session._session is not None and not session._session.closed:
        await session._session.close()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(tokens=[TOKEN], webhook_retry_base=0.05, webhook_retry_max=0.2)
    await emulator.start(host="127.0.0.1", port=0)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    client = make_bot(emu)
    yield client
    await close_bot(client)


async def drain(bot: Bot) -> list[Update]:
    """Fetch and confirm everything pending, like a polling loop would."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


@pytest.fixture
async def alice(emu: Emulator, bot: Bot) -> Person:
    """A person who has started the bot; her /start is already consumed."""
    person = emu.user(1001, first_name="Алия", username="aliya", language_code="kk")
    await person.send_text("/start")
    await drain(bot)
    return person
