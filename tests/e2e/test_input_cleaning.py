"""Typed text is stored as it looks (issue 13): nothing made only of invisible characters is
accepted, a bidi override never reaches a volunteer, and a time window carries no phone number
however its digits are spaced."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import Emulator, Person
from models import Volunteer
from tests.e2e.conftest import StartBot
from tests.e2e.test_requests import RU_TERRITORY, _bot, _person, _press_paged, _request, _volunteers
from tests.e2e.test_volunteers import RU, _fill_rest

INVISIBLE = "\u200b\u202e"
PHONE_SPACED = "8 9 1 3 1 2 3 4 5 6 7"


async def _open_form_for_other(person: Person) -> None:
    await person.send_text("🆘 Попросить о помощи")
    await person.wait_messages(2)  # the intro, then the kinds in one message
    await person.press("Продукты")
    await person.press("Для другого человека")


async def test_invisible_name_is_refused_then_a_real_one_accepted(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _bot(start_bot)
    maria = await _person(emulator, 7001, "Мария", "ru")
    await _open_form_for_other(maria)

    await maria.send_text(INVISIBLE)
    [refused] = await maria.wait_messages(1)
    assert refused.body.startswith("Имя — от 1 до 100 символов")
    await maria.send_text("   \u2060\ufeff\u3164  ")
    [refused_again] = await maria.wait_messages(1)
    assert refused_again.body == refused.body

    await maria.send_text("Анна Петровна")
    [next_question] = await maria.wait_messages(1)
    assert next_question.body.startswith("Сколько лет этому человеку?")


async def test_override_is_dropped_and_a_spaced_phone_is_no_time_window(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7002, "Мария", "ru")
    helper = await _person(emulator, 7100, "Пётр", "ru")
    await _volunteers(runner, [helper])

    await _open_form_for_other(maria)
    await maria.send_text("\u202eАнна\u200b Петровна\u202c")
    await maria.wait_messages(1)
    await maria.send_text("82")
    await maria.wait_messages(1)
    await maria.send_text("8 913 123 45 67")
    await maria.wait_messages(1)
    await maria.press("Да")
    await _press_paged(maria, RU_TERRITORY, "Далее ▶️")
    await maria.send_text("ул.\u2066 Ленина, 5\u2069, кв. 12")
    await maria.wait_messages(1)
    await maria.send_text("Пропустить")
    await maria.wait_messages(1)
    await maria.send_text("Хлеб,\u200b молоко\n\n\n\nи лекарства")
    await maria.wait_messages(1)
    await maria.press("🚨 Сегодня")

    await maria.send_text(PHONE_SPACED)
    [refused] = await maria.wait_messages(1)
    assert "номера телефонов здесь писать нельзя" in refused.body
    assert "10:00–12:00" in refused.body
    await maria.send_text("8-913-123-45-67")
    [refused_again] = await maria.wait_messages(1)
    assert refused_again.body == refused.body
    await maria.send_text("с 9 до 12")
    await maria.wait_messages(1)  # the consent, with its button
    await maria.press("✅ Даю согласие")
    summary = next(m.body for m in maria.messages if m.body.startswith("Проверьте заявку"))
    assert "Анна Петровна, 82 года" in summary and "\u202e" not in summary
    helper.mark_read()
    await maria.press("✅ Подтвердить")

    [push] = await helper.wait_messages(1, timeout=10)
    assert "с 9 до 12" in push.body and "913" not in push.body
    helper.mark_read()
    await helper.press("Взять")
    [details] = await helper.wait_messages(1, timeout=10)
    assert "Кому: Анна Петровна, 82 года" in details.body
    assert "Адрес: ул. Ленина, 5, кв. 12" in details.body
    invisible = ("\u202e", "\u202c", "\u200b", "\u2066", "\u2069")
    assert not any(char in details.body for char in invisible)

    request = await _request(runner, 1)
    assert request.person_name == "Анна Петровна"
    assert request.address == "ул. Ленина, 5, кв. 12"
    assert request.details == "Хлеб, молоко\n\nи лекарства"
    assert request.time_window == "с 9 до 12"


async def test_volunteer_name_of_invisible_characters_is_refused(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    anna = await _person(emulator, 7003, "Анна", "ru")
    await anna.send_text("/volunteer")
    await anna.wait_messages(2)  # the intro and the name question

    await anna.send_text(INVISIBLE)
    [refused] = await anna.wait_messages(1)
    assert refused.body.startswith("Имя должно быть длиной от 1 до 100 символов")
    await anna.send_text("Анна\u202e Смирнова")
    [phone_question] = await anna.wait_messages(1)
    assert phone_question.body.startswith("Ваш номер телефона")

    await anna.send_text("+7 903 123-45-67")
    await anna.wait_messages(1)  # the territory picker
    await _fill_rest(anna, RU)

    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.user_id == anna.id))
    assert volunteer is not None and volunteer.name == "Анна Смирнова"
