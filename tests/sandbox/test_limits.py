"""Flood limits (429) and fault injection, switched in code."""

from __future__ import annotations

import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from bot.sandbox import Emulator, FaultConfig, LimitConfig, Person


async def test_limits_are_off_by_default(bot: Bot, alice: Person) -> None:
    for i in range(10):
        await bot.send_message(alice.id, f"m{i}")


async def test_private_chat_burst_then_429(emu: Emulator, bot: Bot, alice: Person) -> None:
    emu.set_limits(True, LimitConfig(private_per_second=1.0, private_burst=3))
    for i in range(3):
        await bot.send_message(alice.id, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.id, "one too many")
    assert caught.value.retry_after == 1
    assert "Original description: Too Many Requests: retry after 1" in caught.value.message
    # getMe and other non-sending calls are not limited
    await bot.get_me()
    emu.set_limits(False)
    await bot.send_message(alice.id, "limits off again")


async def test_group_per_minute_and_global(emu: Emulator, bot: Bot, alice: Person) -> None:
    group = emu.group(-1001, "HQ", members=[alice])
    emu.set_limits(True, LimitConfig(group_per_minute=20, global_per_second=30))
    for i in range(20):
        await bot.send_message(group.id, f"g{i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(group.id, "g21")
    assert 1 <= caught.value.retry_after <= 3
    emu.set_limits(True, LimitConfig(global_per_second=2, private_burst=100))
    await bot.send_message(alice.id, "a")
    await bot.send_message(alice.id, "b")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(alice.id, "c")


async def test_fail_next_is_deterministic(emu: Emulator, bot: Bot, alice: Person) -> None:
    emu.fail_next("sendMessage", 2, chat_id=alice.id, code=502)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(alice.id, "x")
    sent = await bot.send_message(alice.id, "third time lucky")
    assert sent.text == "third time lucky"
    assert [m.text for m in alice.messages if m.from_bot] == ["third time lucky"]
    emu.fail_next("sendMessage", 1, code=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.id, "x")
    assert caught.value.retry_after == 7
    failed = [c for c in emu.calls_to(alice.id, "sendMessage") if not c.ok]
    assert [c.error_code for c in failed] == [502, 502, 429]


async def test_random_faults_and_slow_answers(emu: Emulator, bot: Bot, alice: Person) -> None:
    emu.set_faults(True, FaultConfig(p_5xx=1.0))
    with pytest.raises(TelegramServerError):
        await bot.send_message(alice.id, "x")
    emu.set_faults(True, FaultConfig(p_429=1.0, retry_after=3))
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.id, "x")
    assert caught.value.retry_after == 3
    emu.set_faults(True, FaultConfig(p_slow=1.0, slow_seconds=0.3))
    started = time.monotonic()
    await bot.send_message(alice.id, "slow")
    assert time.monotonic() - started >= 0.3
    emu.set_faults(False)
    await bot.send_message(alice.id, "normal")


async def test_limits_switched_at_construction() -> None:
    emu = Emulator(limits=LimitConfig(private_burst=1, private_per_second=0.5))
    await emu.start()
    try:
        from .conftest import close_bot, make_bot

        bot = make_bot(emu)
        alice = emu.user(1001, first_name="A")
        await alice.send_text("/start")
        await bot.send_message(alice.id, "ok")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(alice.id, "too fast")
        assert caught.value.retry_after == 2
        await close_bot(bot)
    finally:
        await emu.stop()
