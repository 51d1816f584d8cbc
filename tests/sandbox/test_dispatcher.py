"""A real aiogram Dispatcher polling the emulator: the way end-to-end tests use it."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.sandbox import Emulator


def build_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Помочь", callback_data="help")]]
        )
        await message.answer("<b>Здравствуйте!</b>", parse_mode="HTML", reply_markup=keyboard)

    @dp.callback_query(F.data == "help")
    async def help_pressed(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Спасибо!")
        await query.answer("Принято")

    return dp


async def test_polling_bot_round_trip(emu: Emulator, bot: Bot) -> None:
    dp = build_dispatcher()
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        alice = emu.user(1001, first_name="Алия", language_code="kk")
        await alice.send_text("/start")
        (greeting,) = await alice.wait_messages(1, timeout=5)
        assert greeting.text == "Здравствуйте!"
        assert greeting.buttons == [["Помочь"]]
        answer = await alice.press("Помочь")
        assert answer is not None and answer.text == "Принято"
        await emu.wait_idle(quiet=0.1, timeout=5)
        assert [m.text for m in alice.messages] == ["/start", "Спасибо!"]
        assert alice.messages[-1].buttons == []
    finally:
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
