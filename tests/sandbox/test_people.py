"""The Python people's API: sending, waiting, keyboards, blocking, call log."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.sandbox import Emulator, Person

from .conftest import drain


async def test_user_is_get_or_create(emu: Emulator) -> None:
    first = emu.user(1001, first_name="Алия", username="aliya", language_code="kk")
    assert emu.user(1001) is first
    assert first.profile.first_name == "Алия" and first.language_code == "kk"


async def test_messages_from_people_look_like_telegram(emu: Emulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Алия", last_name=None, username="aliya", language_code="kk")
    await alice.send_text("/start ref_42")
    await alice.send_contact(phone="+77011234567", own=True)
    await alice.send_contact(phone="+77020000000", own=False, first_name="Mom")
    await alice.send_location(53.35, 83.76)
    start, own, other, location = await drain(bot)
    assert start.message is not None and start.message.entities is not None
    assert (start.message.entities[0].type, start.message.entities[0].length) == ("bot_command", 6)
    assert start.message.from_user is not None
    assert start.message.from_user.language_code == "kk"
    assert own.message is not None and own.message.contact is not None
    assert own.message.contact.user_id == alice.id
    assert own.message.contact.phone_number == "+77011234567"
    assert other.message is not None and other.message.contact is not None
    assert other.message.contact.user_id is None
    assert other.message.contact.first_name == "Mom"
    assert location.message is not None and location.message.location is not None
    assert location.message.location.latitude == pytest.approx(53.35)


async def test_wait_messages_counts_new_bot_messages(bot: Bot, alice: Person) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(alice.id, "one")
        await bot.send_message(alice.id, "two")

    task = asyncio.create_task(reply_later())
    first, second = await alice.wait_messages(count=2, timeout=2)
    await task
    assert (first.text, second.text) == ("one", "two")
    with pytest.raises(TimeoutError) as caught:
        await alice.wait_messages(count=1, timeout=0.1)
    assert "expected 1 new bot message" in str(caught.value)
    # A send moves the cursor: older unread bot messages are not "new" any more.
    await bot.send_message(alice.id, "stale")
    await alice.send_text("question")
    await bot.send_message(alice.id, "answer")
    (answer,) = await alice.wait_messages(1, timeout=1)
    assert answer.text == "answer"


async def test_timeout_report_lists_what_arrived_and_errors(
    emu: Emulator, bot: Bot, alice: Person
) -> None:
    await bot.send_message(alice.id, "only this")
    emu.fail_next("sendMessage", 1, chat_id=alice.id, code=500)
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.send_message(alice.id, "lost")
    with pytest.raises(TimeoutError) as caught:
        await alice.wait_messages(2, timeout=0.1)
    report = str(caught.value)
    assert "'only this'" in report and "500" in report


async def test_reply_keyboard_tap(bot: Bot, alice: Person) -> None:
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="Помощь")],
            [
                KeyboardButton(text="Телефон", request_contact=True),
                KeyboardButton(text="Где я", request_location=True),
            ],
        ]
    )
    await bot.send_message(alice.id, "choose", reply_markup=keyboard)
    assert alice.reply_keyboard == [["Помощь"], ["Телефон", "Где я"]]
    await alice.tap("Помощь")
    await alice.tap("Телефон")
    await alice.tap("Где я")
    text, contact, location = await drain(bot)
    assert text.message is not None and text.message.text == "Помощь"
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.user_id == alice.id
    assert location.message is not None and location.message.location is not None
    with pytest.raises(LookupError):
        await alice.tap("Nope")


async def test_block_and_unblock_send_my_chat_member(bot: Bot, alice: Person) -> None:
    await alice.block()
    await alice.unblock()
    blocked, unblocked = await drain(bot)
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.old_chat_member.status == "member"
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert blocked.my_chat_member.from_user.id == alice.id
    assert unblocked.my_chat_member is not None
    assert unblocked.my_chat_member.new_chat_member.status == "member"


async def test_call_log(emu: Emulator, bot: Bot, alice: Person) -> None:
    await bot.send_message(alice.id, "logged")
    calls = emu.calls_to(alice.id, "sendmessage")
    assert len(calls) == 1
    call = calls[0]
    assert call.ok and call.method == "sendMessage"
    assert call.params["text"] == "logged"
    assert call.result["text"] == "logged"
    assert any(c.method == "getUpdates" for c in emu.calls)
