"""getUpdates: long polling, offsets, limits, allowed_updates and conflicts."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError

from bot.sandbox import Emulator

from .conftest import close_bot, make_bot


async def test_long_poll_wakes_on_new_update(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await alice.send_text("hi")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "hi"
    assert message.from_user is not None and message.from_user.id == 1001
    assert message.chat.type == "private"


async def test_short_poll_returns_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == []


async def test_offset_confirms_and_negative_offset_forgets(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    for text in ("one", "two", "three", "four"):
        await alice.send_text(text)
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["one", "two", "three", "four"]
    # Unconfirmed updates come again.
    assert len(await bot.get_updates()) == 4
    # limit
    assert len(await bot.get_updates(limit=2)) == 2
    # offset confirms everything before it
    rest = await bot.get_updates(offset=first[2].update_id)
    assert [u.message.text for u in rest if u.message] == ["three", "four"]
    assert len(await bot.get_updates()) == 2
    # negative offset keeps only the last N and forgets the others
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["four"]
    assert len(await bot.get_updates()) == 1
    assert await bot.get_updates(offset=first[-1].update_id + 1) == []


async def test_update_ids_increase(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send_text("a")
    await alice.send_text("b")
    ids = [u.update_id for u in await bot.get_updates()]
    assert ids == sorted(ids) and ids[1] == ids[0] + 1


async def test_allowed_updates_filter_and_persist(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    await bot.get_updates(allowed_updates=["callback_query"])
    await alice.send_text("ignored")  # filtered at creation time, as Telegram does
    assert await bot.get_updates() == []  # the setting is remembered between calls
    await bot.get_updates(allowed_updates=[])  # empty list = back to the default set
    await alice.send_text("seen")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["seen"]


async def test_second_poller_terminates_the_first(emu: Emulator, bot: Bot) -> None:
    other = make_bot(emu)
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(other.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)
    assert await second == []
    await close_bot(other)


async def test_wait_idle_waits_for_fetch(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send_text("hello")
    with pytest.raises(TimeoutError, match="not fetched"):
        await emu.wait_idle(quiet=0.05, timeout=0.2)
    await bot.get_updates()
    await emu.wait_idle(quiet=0.05, timeout=1)
