"""People, chats, menus and files survive an emulator restart when it has a state file."""

from __future__ import annotations

from pathlib import Path

from aiogram.types import BotCommand, BotCommandScopeChat, KeyboardButton, ReplyKeyboardMarkup

from bot.sandbox import Emulator

from .conftest import TOKEN, close_bot, drain, make_bot


async def test_people_and_chats_come_back_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    emu = Emulator(tokens=[TOKEN], state_file=path)
    await emu.start()
    assert emu.restored is False
    bot = make_bot(emu)
    try:
        alice = emu.user(1001, first_name="Алия", language_code="kk", phone="+77011234567")
        await alice.send_text("/start")
        await drain(bot)
        keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Помощь")]])
        await bot.send_message(1001, "Сәлем", reply_markup=keyboard)
        await bot.set_my_commands(
            [BotCommand(command="help", description="Көмек")],
            scope=BotCommandScopeChat(chat_id=1001),
        )
        await alice.send_document(b"hello", filename="a.txt")
        file_id = alice.messages[-1].document["file_id"]  # type: ignore[index]
        emu.user(1000, first_name="Координатор", started=True)
    finally:
        await close_bot(bot)
        await emu.stop()
    assert path.exists()

    again = Emulator(tokens=[TOKEN], state_file=path)
    await again.start()
    bot = make_bot(again)
    try:
        assert again.restored is True
        alice = again.user(1001)
        assert alice.first_name == "Алия" and alice.language_code == "kk"
        assert alice.phone == "+77011234567"
        assert [m.body for m in alice.messages] == ["/start", "Сәлем", ""]
        assert alice.reply_keyboard == [["Помощь"]]
        assert [c.command for c in alice.command_menu()] == ["help"]
        assert again.default_bot.files.get(file_id) is not None
        # The chat goes on: new ids follow the old ones, and the bot may write to both.
        sent = await bot.send_message(1001, "Тағы")
        assert sent.message_id == 4
        await bot.send_message(1000, "Жаңа өтініш")
        assert again.user(1000).messages[-1].body == "Жаңа өтініш"
    finally:
        await close_bot(bot)
        await again.stop()


async def test_a_broken_state_file_is_put_aside(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text("{not json", encoding="utf-8")
    emu = Emulator(tokens=[TOKEN], state_file=path)
    await emu.start()
    try:
        assert emu.restored is False and emu.people() == []
        assert (tmp_path / "people.json.broken").exists()
    finally:
        await emu.stop()


async def test_a_started_person_can_be_written_to_first(emu: Emulator) -> None:
    bot = make_bot(emu)
    try:
        emu.user(1000, first_name="HQ", started=True)
        await bot.send_message(1000, "hello")
        assert emu.user(1000).messages[-1].body == "hello"
    finally:
        await close_bot(bot)
