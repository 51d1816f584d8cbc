"""Volunteer sign-up and approval, played in Russian and Kazakh through the emulator."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.sandbox import Emulator, Person
from models import AuditEntry, Volunteer
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

RU = {
    "next": "Далее ▶️",
    "done": "Готово",
    "agree": "✅ Даю согласие",
    "confirm": "✅ Подтвердить",
    "skip": "Пропустить",
    "territory": "Юргинский городской округ",
    "skill": "▫️ Доставка продуктов и лекарств",
    "age": "55+, «Серебряный волонтёр»",
    "when": "▫️ По выходным",
}
KK = {
    "next": "Әрі қарай ▶️",
    "done": "Дайын",
    "agree": "✅ Келісемін",
    "confirm": "✅ Растау",
    "skip": "Өткізіп жіберу",
    "territory": "Юрга қалалық округі",
    "skill": "▫️ Көмір жеткізу",
    "age": "18–34 жас",
    "when": "▫️ Кешкісін",
}


async def _bot(start_bot: StartBot) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"})


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    return person


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _press_paged(person: Person, label: str, next_label: str) -> None:
    for _ in range(10):
        if label in _labels(person):
            await person.press(label)
            return
        await person.press(next_label)
    raise AssertionError(f"{label!r} not found")


async def _fill_until_phone(person: Person, name: str) -> None:
    await person.send_text("/volunteer")
    await person.wait_messages(2)  # the intro and the name question
    await person.send_text(name)
    await person.wait_messages(1)


async def _fill_rest(person: Person, t: dict[str, str]) -> list[str]:
    """From the territory step to the sent application; returns the texts seen at the end."""
    await _press_paged(person, t["territory"], t["next"])
    await person.press(t["skill"])
    await person.press(t["done"])
    await person.press(t["age"])
    await person.press(t["when"])
    await person.press(t["done"])
    await person.send_text(t["skip"])
    await person.wait_messages(1)  # the consent, with its button
    await person.press(t["agree"])
    await person.press(t["confirm"])
    person.mark_read()
    return [m.body for m in person.messages if m.from_bot][-3:]


async def _application(runner: BotRunner, user_id: int) -> Volunteer:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        row = await session.scalar(select(Volunteer).where(Volunteer.user_id == user_id))
        assert row is not None
        return row


async def test_full_sign_up_in_russian_and_approval(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    anna = await _person(emulator, 4001, "Анна", "ru")
    await _fill_until_phone(anna, "Анна Петрова")
    await anna.tap("📱 Поделиться контактом")
    await anna.wait_messages(1)  # the territory picker
    seen = await _fill_rest(anna, RU)
    assert any(text.startswith("✅ Анкета №") for text in seen), seen
    summary = next(m.body for m in anna.messages if m.body.startswith("Проверьте анкету"))
    assert "Имя: Анна Петрова" in summary and "Юргинский городской округ" in summary
    assert "55+, «Серебряный волонтёр»" in summary and "DOBRO.RF: не указан" in summary

    application = await _application(runner, 4001)
    assert application.status == "pending" and application.phone.startswith("+7")
    assert application.consent_version and application.skills == ["delivery"]

    [push] = await hq.wait_messages(1, timeout=10)
    assert push.body.startswith(f"🆕 Анкета волонтёра № {application.id}")
    assert push.buttons == [["✅ Одобрить", "✖️ Отклонить"]]
    await hq.press("✅ Одобрить")
    [approved] = await anna.wait_messages(1, timeout=10)
    assert approved.body.startswith("🎉 Координатор одобрил вашу анкету")
    assert (await _application(runner, 4001)).status == "approved"

    await anna.send_text("/menu")
    await anna.wait_messages(1)
    assert anna.reply_keyboard == [
        ["🆘 Попросить о помощи"],
        ["📞 Перезвоните мне"],
        ["🩺 Спросить врача-волонтёра"],
        ["📋 Мои заявки", "🧰 Мои задачи"],
        ["👤 Мой профиль", "📅 События"],
        ["🛟 Безопасность"],
        ["ℹ️ Справка", "🌐 Язык"],
    ]
    await anna.send_text("/volunteer")
    [again] = await anna.wait_messages(1)
    assert again.body == "Вы уже волонтёр штаба."
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "approve_volunteer" in actions


async def test_sign_up_in_kazakh_with_a_typed_phone_and_rejection(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "kk")
    erlan = await _person(emulator, 4002, "Ерлан", "kk")
    await _fill_until_phone(erlan, "Ерлан Сейітов")
    await erlan.send_text("8 701 123 45 67")
    await erlan.wait_messages(1)
    seen = await _fill_rest(erlan, KK)
    assert any(text.startswith("✅ № ") and "сауалнама" in text for text in seen), seen
    application = await _application(runner, 4002)
    assert application.phone == "+77011234567"

    [push] = await hq.wait_messages(1, timeout=10)
    assert push.body.startswith(f"🆕 № {application.id} ерікті сауалнамасы")
    assert "Юрга қалалық округі" in push.body and "Көмір жеткізу" in push.body
    await hq.press("✖️ Қабылдамау")
    [ask] = await hq.wait_messages(1)
    assert ask.body.startswith(f"№ {application.id} сауалнаманы қабылдамау себебі неде?")
    await hq.send_text("Аумақта ерікті жеткілікті")
    [told] = await erlan.wait_messages(1, timeout=10)
    assert told.body.startswith("Өкінішке қарай, үйлестіруші сауалнамаңызды қабылдамады.")
    assert told.body.endswith("Себебі: Аумақта ерікті жеткілікті")
    assert (await _application(runner, 4002)).status == "rejected"


async def test_two_coordinators_race_and_exactly_one_decides(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    second = await _person(emulator, 4090, "Второй", "ru")
    # The second coordinator is appointed to Yurga directly through the service.
    assert runner.app is not None
    from bot.services import coordinators
    from models import Territory

    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        await coordinators.appoint(
            session,
            user_id=4090,
            territory_ids=[yurga.id],
            hq=False,
            actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )
        await session.commit()
    olga = await _person(emulator, 4003, "Ольга", "ru")
    await _fill_until_phone(olga, "Ольга")
    await olga.tap("📱 Поделиться контактом")
    await olga.wait_messages(1)
    await _fill_rest(olga, RU)
    await hq.wait_messages(1, timeout=10)
    await second.wait_messages(1, timeout=10)

    answers = await asyncio.gather(hq.press("✅ Одобрить"), second.press("✅ Одобрить"))
    await emulator.wait_idle()
    alerts = [a.text for a in answers if a is not None and a.text]
    assert len(alerts) == 1 and alerts[0].startswith("Уже решено: ✅ Одобрена")
    [approved] = await olga.wait_messages(1, timeout=10)
    assert approved.body.startswith("🎉")
    # Both pushes are edited to say who decided, without buttons (through the outbox).
    for coordinator in (hq, second):
        for _ in range(100):
            if any(m.body.startswith("✅ Одобрена: анкета") for m in coordinator.messages):
                break
            await asyncio.sleep(0.05)
        push = next(m for m in coordinator.messages if "анкета волонтёра №" in m.body.lower())
        assert push.body.startswith("✅ Одобрена: анкета волонтёра №"), push.body
        assert push.buttons == []


@pytest.mark.parametrize(
    ("step", "sent", "expected"),
    [
        ("name", "   ", "Имя должно быть"),
        ("name", "я" * 101, "Имя должно быть"),
        ("name", "12345", "Имя должно быть"),
        ("name", "photo", "Имя должно быть"),
        ("phone", "12345", "Не получилось распознать номер"),
        ("phone", "+1 202 555 0100", "Не получилось распознать номер"),
        ("phone", "someone-else", "Это чужой контакт"),
        ("phone", "sticker", "Не получилось распознать номер"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_the_step_again(
    emulator: Emulator, start_bot: StartBot, step: str, sent: str, expected: str
) -> None:
    await _bot(start_bot)
    person = await _person(emulator, 4004, "Пётр", "ru")
    await person.send_text("/volunteer")
    await person.wait_messages(2)
    if step == "phone":
        await person.send_text("Пётр")
        await person.wait_messages(1)
    if sent == "photo":
        await person.send_photo(b"\x89PNG\r\n\x1a\n")
    elif sent == "sticker":
        await person.send_sticker()
    elif sent == "someone-else":
        await person.send_contact(phone="+79031234567", own=False)
    else:
        await person.send_text(sent)
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith(expected)


async def test_stale_button_second_application_and_restart(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    person = await _person(emulator, 4005, "Дана", "kk")
    await _fill_until_phone(person, "Дана")
    await person.send_text("+7 701 555 66 77")
    await person.wait_messages(1)

    await runner.restart()  # half-way through: nothing is lost

    await _press_paged(person, KK["territory"], KK["next"])
    await person.press(KK["skill"])
    await person.press(KK["done"])
    await person.press(KK["age"])
    await person.press(KK["when"])
    await person.press(KK["done"])
    await person.send_text(KK["skip"])
    await person.wait_messages(1)
    await person.press(KK["agree"])
    await person.press(KK["confirm"])
    person.mark_read()
    assert (await _application(runner, 4005)).status == "pending"

    await person.send_text("/volunteer")
    [again] = await person.wait_messages(1)
    assert again.body == "Сауалнамаңыз қазір тексерілуде. Шешімін осы жерде хабарлаймыз."

    # A button of the finished form (an age choice, say) pressed on an old message: stale.
    old = next(m for m in person.messages if m.buttons)
    for data in ("fm:su:age:55plus:0", "fm:su:summary:~ok:0", "fm:su:territory:3:0"):
        answer = await person.press_data(data, message_id=old.message_id)
        assert answer is not None and (answer.text or "").startswith("Бұл батырма ескірген")
    assert (await _application(runner, 4005)).age_group == "18-34"


async def test_back_and_edit_from_the_summary(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    person = await _person(emulator, 4006, "Игорь", "ru")
    await _fill_until_phone(person, "Игорь")
    await person.send_text("⬅️ Назад")  # back to the name
    [asked] = await person.wait_messages(1)
    assert asked.body == "Как вас зовут? Напишите имя и фамилию."
    await person.send_text("Игорь Смирнов")
    await person.wait_messages(1)
    await person.send_text("+7 903 111 22 33")
    await person.wait_messages(1)
    await _press_paged(person, RU["territory"], RU["next"])
    await person.press(RU["skill"])
    await person.press(RU["done"])
    await person.press(RU["age"])
    await person.press(RU["when"])
    await person.press(RU["done"])
    await person.send_text("https://dobro.ru/volunteers/123")
    await person.wait_messages(1)
    await person.press(RU["agree"])
    person.mark_read()
    await person.press("✏️ Имя")
    await person.wait_messages(1)
    await person.send_text("Игорь Смирнов-Петров")
    await emulator.wait_idle()
    summary = [m for m in person.messages if m.body.startswith("Проверьте анкету")][-1]
    assert "Имя: Игорь Смирнов-Петров" in summary.body
    assert "DOBRO.RF: https://dobro.ru/volunteers/123" in summary.body
    await person.press(RU["confirm"])
    await emulator.wait_idle()
    application = await _application(runner, 4006)
    assert application.name == "Игорь Смирнов-Петров" and application.phone == "+79031112233"
