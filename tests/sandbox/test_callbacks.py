"""Inline buttons from the person's side and answerCallbackQuery rules."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.sandbox import Emulator, Person

from .conftest import drain


def keyboard(**buttons: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data)]
            for label, data in buttons.items()
        ]
    )


async def next_update(bot: Bot) -> Update:
    (update,) = await bot.get_updates(timeout=2)
    await bot.get_updates(offset=update.update_id + 1)
    return update


async def test_press_sends_callback_and_returns_answer(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "Choose", reply_markup=keyboard(Yes="ans:yes"))
    press = asyncio.create_task(alice.press("Yes"))
    update = await next_update(bot)
    query = update.callback_query
    assert query is not None and query.data == "ans:yes"
    assert query.from_user.id == alice.id
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Saved", show_alert=True) is True
    answer = await asyncio.wait_for(press, 2)
    assert answer is not None and (answer.text, answer.show_alert) == ("Saved", True)
    # A query can be answered once.
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


async def test_press_finds_newest_message_with_label(bot: Bot, alice: Person) -> None:
    await bot.send_message(alice.id, "old", reply_markup=keyboard(Go="old"))
    await bot.send_message(alice.id, "new", reply_markup=keyboard(Go="new"))
    press = asyncio.create_task(alice.press("Go", timeout=0.3))
    update = await next_update(bot)
    assert update.callback_query is not None and update.callback_query.data == "new"
    assert await press is None  # never answered -> None after the timeout
    with pytest.raises(LookupError, match="no inline button"):
        await alice.press("Missing")


async def test_press_data_forges_callbacks(bot: Bot, alice: Person) -> None:
    await bot.send_message(alice.id, "menu", reply_markup=keyboard(A="a"))
    press = asyncio.create_task(alice.press_data("admin:delete-all", timeout=0.3))
    update = await next_update(bot)
    assert update.callback_query is not None
    assert update.callback_query.data == "admin:delete-all"
    await press


async def test_answer_errors(emu: Emulator, bot: Bot, alice: Person) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.answer_callback_query("123456789")
    assert caught.value.message == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    await bot.send_message(alice.id, "menu", reply_markup=keyboard(A="a"))
    press = asyncio.create_task(alice.press("A"))
    query = (await next_update(bot)).callback_query
    assert query is not None
    with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201)
    await bot.answer_callback_query(query.id, text="x" * 200)
    answer = await press
    assert answer is not None and answer.text == "x" * 200


async def test_expired_query(emu: Emulator, bot: Bot, alice: Person) -> None:
    emu.settings.callback_query_ttl = 0.05
    await bot.send_message(alice.id, "menu", reply_markup=keyboard(A="a"))
    press = asyncio.create_task(alice.press("A", timeout=0.5))
    query = (await next_update(bot)).callback_query
    assert query is not None
    await asyncio.sleep(0.1)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    assert await press is None


async def test_callback_reaches_bot_after_edit(bot: Bot, alice: Person) -> None:
    sent = await bot.send_message(alice.id, "v1", reply_markup=keyboard(A="a"))
    await bot.edit_message_text(
        text="v2", chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard(B="b")
    )
    with pytest.raises(LookupError):
        await alice.press("A")
    press = asyncio.create_task(alice.press("B", timeout=0.3))
    query = (await next_update(bot)).callback_query
    assert query is not None and query.message is not None
    assert getattr(query.message, "text", None) == "v2"
    await press
    await drain(bot)
