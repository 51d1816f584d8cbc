"""A person meets the bot: greeting, language, menus, help, odd input, errors, groups, blocks."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy import select

from bot.sandbox import Emulator, FaultConfig
from models import User
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

GREETING = {"ru": "Здравствуйте", "kk": "Сәлеметсіз бе"}


@pytest.mark.parametrize(
    ("code", "locale"), [("ru", "ru"), ("kk", "kk"), ("en", "ru"), (None, "ru")]
)
async def test_start_greets_in_the_persons_language(
    emulator: Emulator, running: BotRunner, code: str | None, locale: str
) -> None:
    person = emulator.user(2001, first_name="Асель", language_code=code)
    await person.send_text("/start")
    [reply, choice] = await person.wait_messages(2)
    assert reply.body.startswith(f"{GREETING[locale]}, Асель!")
    # Until a language is chosen, the greeting comes with the choice, in both languages.
    assert choice.body == "🌐 Тілді таңдаңыз · Выберите язык"
    assert choice.buttons == [["Русский", "Қазақша"]]
    help_label = {"ru": "ℹ️ Справка", "kk": "ℹ️ Анықтама"}[locale]
    assert person.reply_keyboard is not None
    assert help_label in [label for row in person.reply_keyboard for label in row]


async def test_names_are_escaped(emulator: Emulator, running: BotRunner) -> None:
    person = emulator.user(2002, first_name="<b>Tom</b> & Co", language_code="ru")
    await person.send_text("/start")
    [reply, _choice] = await person.wait_messages(2)
    assert reply.body.startswith("Здравствуйте, <b>Tom</b> & Co!")


async def test_language_switch_is_stored_and_menus_follow(
    emulator: Emulator, running: BotRunner
) -> None:
    person = emulator.user(2003, first_name="Ерлан", language_code="ru")
    await person.send_text("/language")
    [choice] = await person.wait_messages(1)
    assert choice.body == "Выберите язык:"
    assert choice.buttons == [["Русский", "Қазақша"]]

    await person.press("Қазақша")
    [menu] = await person.wait_messages(1)
    assert menu.body.startswith("Басты мәзір")
    assert person.messages[-2].body.startswith("Дайын")  # the choice, edited in place
    assert person.reply_keyboard == [
        ["🆘 Көмек сұрау"],
        ["📞 Маған қоңырау шалыңыз"],
        ["🩺 Ерікті дәрігерден сұрау"],
        ["📋 Менің өтінімдерім"],
        ["🤝 Ерікті болу"],
        ["🛟 Қауіпсіздік"],
        ["ℹ️ Анықтама", "🌐 Тіл"],
    ]
    assert ("language", "Тілді ауыстыру") in person.command_menu()

    # The choice wins over Telegram's language_code from now on, and is not offered again.
    await person.send_text("/start")
    [greeting] = await person.wait_messages(1)
    await emulator.wait_idle()
    assert person.messages[-1] is greeting or person.messages[-1].body == greeting.body
    assert greeting.body.startswith("Сәлеметсіз бе")

    # A Russian button from an old keyboard still works, answered in Kazakh.
    await person.send_text("ℹ️ Справка")
    [help_text] = await person.wait_messages(1)
    assert "Бот не істей алады" in help_text.body


async def test_default_command_menus_per_language(emulator: Emulator, running: BotRunner) -> None:
    kk = emulator.user(2004, first_name="Гүлназ", language_code="kk")
    en = emulator.user(2005, first_name="John", language_code="en")
    for person in (kk, en):
        await person.send_text("/start")
        await person.wait_messages(2)
    assert ("help", "Анықтама") in kk.command_menu()
    assert ("help", "Справка") in en.command_menu()
    assert "stats" not in [name for name, _ in en.command_menu()]


async def test_help_explains_each_role(emulator: Emulator, running: BotRunner) -> None:
    citizen = emulator.user(2006, first_name="Ольга", language_code="ru")
    await citizen.send_text("/help")
    [text] = await citizen.wait_messages(1)
    assert "Жителям" in text.body and "112" in text.body
    assert "Координаторам" not in text.body

    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await admin.send_text("/help")
    [text] = await admin.wait_messages(1)
    assert "Координаторам" in text.body
    assert "/stats" in text.body and "/delivery" in text.body


async def test_coordinator_command_and_menu(emulator: Emulator, running: BotRunner) -> None:
    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="kk")
    await admin.send_text("/start")
    [greeting, _choice] = await admin.wait_messages(2)
    assert "үйлестіруші" in greeting.body
    await emulator.wait_idle()
    assert "stats" in [name for name, _ in admin.command_menu()]

    await admin.send_text("/stats")
    [stats] = await admin.wait_messages(1)
    assert "Бот пайдаланушылары" in stats.body
    assert "Барлығы: 1" in stats.body


async def test_citizen_trying_a_coordinator_command_learns_nothing(
    emulator: Emulator, running: BotRunner
) -> None:
    person = emulator.user(2007, first_name="Иван", language_code="ru")
    await person.send_text("/stats")
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith("Я не понял это сообщение")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("text", "Я не понял это сообщение"),
        ("huge", "Я не понял это сообщение"),
        ("sticker", "Я понимаю текст и кнопки"),
        ("document", "Я понимаю текст и кнопки"),
        ("photo", "Я понимаю текст и кнопки"),
        ("location", "Я понимаю текст и кнопки"),
        ("contact", "Я понимаю текст и кнопки"),
    ],
)
async def test_odd_input_gets_a_hint_and_the_menu(
    emulator: Emulator, running: BotRunner, action: str, expected: str
) -> None:
    person = emulator.user(2008, first_name="Мария", language_code="ru")
    if action == "text":
        await person.send_text("когда привезут уголь?")
    elif action == "huge":
        await person.send_text("я" * 4096)
    elif action == "sticker":
        await person.send_sticker()
    elif action == "document":
        await person.send_document(
            b"\x00\x01binary", filename="x.bin", mime_type="application/octet-stream"
        )
    elif action == "photo":
        await person.send_photo(b"\x89PNG\r\n\x1a\nfake")
    elif action == "location":
        await person.send_location(53.35, 83.76)
    else:
        await person.send_contact(phone="+79031234567", own=False)
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith(expected)
    assert person.reply_keyboard == [
        ["🆘 Попросить о помощи"],
        ["📞 Перезвоните мне"],
        ["🩺 Спросить врача-волонтёра"],
        ["📋 Мои заявки"],
        ["🤝 Стать волонтёром"],
        ["🛟 Безопасность"],
        ["ℹ️ Справка", "🌐 Язык"],
    ]


async def test_stale_and_forged_buttons(emulator: Emulator, running: BotRunner) -> None:
    person = emulator.user(2009, first_name="Дана", language_code="kk")
    await person.send_text("/start")
    await person.wait_messages(2)
    for data in ("lang:xx", "nonsense", "lang:", "x" * 64):
        answer = await person.press_data(data)
        assert answer is not None
        assert answer.text is not None and answer.text.startswith("Бұл батырма ескірген")


async def test_cancel_without_a_form(emulator: Emulator, running: BotRunner) -> None:
    person = emulator.user(2010, first_name="Айдар", language_code="kk")
    await person.send_text("/cancel")
    [reply] = await person.wait_messages(1)
    assert reply.body == "Болдырмайтын ештеңе жоқ."


def _failing_router() -> Router:
    router = Router(name="failing")

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError(f"failed on {message.text}")

    return router


async def test_an_exception_gets_an_apology_and_the_bot_goes_on(
    emulator: Emulator, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot(feature_routers=[_failing_router()])
    person = emulator.user(2011, first_name="Нина", language_code="kk")
    await person.send_text("/boom +79031234567")
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith("Кешіріңіз")
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "RuntimeError" in errors[0].getMessage()
    assert "+79031234567" not in caplog.text  # no personal data in logs

    await person.send_text("/start")
    [greeting, _choice] = await person.wait_messages(2)
    assert greeting.body.startswith("Сәлеметсіз бе")


async def test_group_chat_is_pointed_to_private(emulator: Emulator, running: BotRunner) -> None:
    person = emulator.user(2012, first_name="Сергей", language_code="ru")
    group = emulator.group(chat_id=-100500, title="Штаб Белово", members=[person])
    await emulator.wait_idle()
    # Added to the group (a my_chat_member update): the bot says where it works.
    [added] = emulator.calls_to(-100500, "sendMessage")
    assert "только в личных сообщениях" in added.params["text"]

    await person.send_text("/start", chat=group)
    await emulator.wait_idle()
    replies = emulator.calls_to(-100500, "sendMessage")[1:]
    assert len(replies) == 1
    assert "только в личных сообщениях" in replies[0].params["text"]
    assert "@sandbox_bot" in replies[0].params["text"]

    await person.send_text("просто разговор", chat=group)
    await emulator.wait_idle()
    assert len(emulator.calls_to(-100500, "sendMessage")) == 2  # ordinary chatter: no answer


async def test_blocking_is_recorded(emulator: Emulator, running: BotRunner) -> None:
    person = emulator.user(2013, first_name="Лаура", language_code="kk")
    await person.send_text("/start")
    await person.wait_messages(2)
    assert running.app is not None

    async def blocked() -> bool:
        assert running.app is not None
        async with running.app.sessionmaker() as session:
            return bool(await session.scalar(select(User.blocked_bot).where(User.id == 2013)))

    await person.block()
    await emulator.wait_idle()
    assert await blocked()
    await person.unblock()
    await emulator.wait_idle()
    assert not await blocked()


async def test_people_are_answered_concurrently(emulator: Emulator, running: BotRunner) -> None:
    """A slow Telegram answer to one person must not hold up the others (no shared lock,
    no database connection held across a network call)."""
    people = [emulator.user(2100 + n, first_name=f"Ч{n}", language_code="ru") for n in range(8)]
    emulator.set_faults(
        True, FaultConfig(p_slow=1.0, slow_seconds=0.5, methods=frozenset({"sendmessage"}))
    )
    await asyncio.gather(*(p.send_text("/help") for p in people))
    for person in people:
        await person.wait_messages(1, timeout=20)
    calls = [c for c in emulator.calls if c.method.lower() == "sendmessage"]
    overlapping = max(
        sum(1 for other in calls if other.time <= c.time < other.time + other.duration)
        for c in calls
    )
    assert overlapping >= 4, f"replies were sent one at a time ({overlapping} at most at once)"


async def test_double_tap_on_a_language_is_harmless(
    emulator: Emulator, running: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    person = emulator.user(2014, first_name="Әсел", language_code="ru")
    await person.send_text("/language")
    [choice] = await person.wait_messages(1)
    await person.press("Қазақша")
    await person.wait_messages(1)
    await person.press_data("lang:kk", message_id=choice.message_id)
    await person.wait_messages(1)  # the menu again, no apology
    assert not [m for m in person.messages if m.body.startswith("Кешіріңіз")]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("typed", ["/HELP", "справка", "ℹ Справка", "  АНЫҚТАМА "])
async def test_commands_and_buttons_are_forgiving(
    emulator: Emulator, running: BotRunner, typed: str
) -> None:
    person = emulator.user(2015, first_name="Бек", language_code="ru")
    await person.send_text(typed)
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith("<b>Что умеет этот бот</b>") or "Что умеет этот бот" in reply.body


async def test_people_met_only_in_groups_are_not_stored(
    emulator: Emulator, running: BotRunner
) -> None:
    stranger = emulator.user(2016, first_name="Гость", language_code="ru")
    group = emulator.group(chat_id=-100600, title="Соседи", members=[stranger])
    await stranger.send_text("/help", chat=group)
    await emulator.wait_idle()
    assert running.app is not None
    async with running.app.sessionmaker() as session:
        assert await session.get(User, 2016) is None


async def test_hq_phone_is_shown_when_configured(emulator: Emulator, start_bot: StartBot) -> None:
    await start_bot(overrides={"hq_phone": "+7 3842 00-00-00"})
    person = emulator.user(2017, first_name="Зоя", language_code="ru")
    await person.send_text("/start")
    [greeting, _choice] = await person.wait_messages(2)
    assert "📞 Телефон штаба: +7 3842 00-00-00" in greeting.body
    assert "112" in greeting.body


async def test_the_update_log_counts_waiting_for_the_database(
    emulator: Emulator, running: BotRunner
) -> None:
    """The /start that waited for SQLite's one connection logs the wait too (issue 23)."""
    import logging
    import re

    from sqlalchemy import text

    assert running.app is not None
    person = emulator.user(4242, first_name="Ждущий", language_code="ru")
    await person.send_text("/start")
    await person.wait_messages(1)
    await emulator.wait_idle(quiet=0.3, timeout=10)
    person.mark_read()
    lines: list[str] = []
    logged = asyncio.Event()

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "user=4242" in record.getMessage():
                lines.append(record.getMessage())
                logged.set()

    updates_log = logging.getLogger("bot.updates")
    catch, level = Catch(), updates_log.level
    updates_log.addHandler(catch)
    updates_log.setLevel(logging.INFO)
    held_for = 0.4
    try:
        async with running.app.sessionmaker() as other:  # another update's long transaction
            await other.execute(text("SELECT 1"))
            await person.send_text("/start")
            await asyncio.sleep(held_for)  # the bot meanwhile waits for the connection
            assert not lines
            await other.commit()
        await asyncio.wait_for(logged.wait(), 10)
    finally:
        updates_log.removeHandler(catch)
        updates_log.setLevel(level)
    found = re.search(r"ms=(\d+) wait_ms=(\d+)", lines[0])
    assert found is not None, lines
    assert int(found.group(1)) >= held_for * 1000 * 0.9, lines
