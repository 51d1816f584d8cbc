"""Conversation details of issue 14, as people see them through the emulator: a change of role
brings its keyboard and command menu, rating takes one tap on the done notice, times read in
the territory's zone, a voice note gets a kind answer, the audit log reads in words."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import FakeClock
from bot.keyboards.callbacks import CoordRequestCb, MyRequestCb
from bot.sandbox import Emulator, Person
from bot.services import help_requests, volunteers
from models import HelpRequest, Territory, Volunteer
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.e2e.test_requests import _bot, _person, _volunteers
from tests.e2e.test_trust_requests import _new_request, _until

STARS = [["⭐", "⭐⭐", "⭐⭐⭐"], ["⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]]


def _keys(person: Person) -> list[str]:
    return [label for row in person.reply_keyboard or [] for label in row]


def _commands(person: Person) -> list[str]:
    return [name for name, _ in person.command_menu()]


async def _pending_application(runner: BotRunner, person: Person) -> int:
    """An application as the sign-up form leaves it (the form has its own tests)."""
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        application = volunteers.Application(
            name="Анна Петрова", phone="+79030000000", territory_id=yurga.id,
            skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        record = await volunteers.submit(session, person.id, application, runner.clock.now())
        await session.commit()
        return record.id


async def test_approval_brings_the_volunteer_keyboard_and_menu_without_menu_command(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    anna = await _person(emulator, 7001, "Анна", "ru")
    assert "🤝 Стать волонтёром" in _keys(anna) and "🧰 Мои задачи" not in _keys(anna)
    assert "volunteer" in _commands(anna) and "tasks" not in _commands(anna)
    application_id = await _pending_application(runner, anna)

    await hq.send_text("/applications")
    await hq.wait_messages(1)
    await hq.press(f"Открыть № {application_id}")
    await hq.wait_messages(1)
    await hq.press("✅ Одобрить")
    [approved] = await anna.wait_messages(1, timeout=10)
    assert approved.body.startswith("🎉 Координатор одобрил вашу анкету")
    # No /menu: the notice itself carries the new keyboard, and the command menu follows.
    assert "🧰 Мои задачи" in _keys(anna) and "👤 Мой профиль" in _keys(anna)
    assert "🤝 Стать волонтёром" not in _keys(anna)
    assert "tasks" in _commands(anna) and "profile" in _commands(anna)
    assert "volunteer" not in _commands(anna)

    # A voice note inside a form (the pause date) is answered kindly; the form goes on.
    anna.mark_read()
    await anna.send_text("👤 Мой профиль")
    await anna.wait_messages(1)
    await anna.press("⏸ Приостановить")
    await anna.wait_messages(1)
    await anna.send_voice()
    [kind] = await anna.wait_messages(1)
    assert kind.body.startswith("🎙 К сожалению, голосовые сообщения я слушать не умею.")
    await anna.send_text("/cancel")
    await anna.wait_messages(1)

    # Leaving takes the volunteer keyboard and commands away again.
    anna.mark_read()
    await anna.send_text("👤 Мой профиль")
    await anna.wait_messages(1)
    await anna.press("🚪 Выйти из волонтёров")
    await anna.wait_messages(1)
    await anna.press("Да, выйти")
    await anna.wait_messages(1)
    await emulator.wait_idle()
    assert "🤝 Стать волонтёром" in _keys(anna) and "🧰 Мои задачи" not in _keys(anna)
    assert "tasks" not in _commands(anna)


async def test_blocking_takes_the_volunteer_keyboard_away(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    petr = await _person(emulator, 7002, "Пётр", "ru")
    ids = await _volunteers(runner, [petr])
    await petr.send_text("/menu")
    await petr.wait_messages(1)
    assert "🧰 Мои задачи" in _keys(petr)
    petr.mark_read()

    await hq.send_text("/volunteers")
    await hq.wait_messages(1)
    await hq.press(f"Пётр Иванов (№ {ids[petr.id]})")
    await hq.wait_messages(1)
    await hq.press("⛔ Заблокировать")
    await hq.wait_messages(1)
    await hq.send_text("Не выходит на связь")
    [blocked] = await petr.wait_messages(1, timeout=10)
    assert blocked.body.startswith("⛔ Координатор заблокировал вас")
    assert "🧰 Мои задачи" not in _keys(petr) and "🤝 Стать волонтёром" in _keys(petr)
    assert "tasks" not in _commands(petr)


async def test_the_done_notice_rates_in_one_tap(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7101, "Мария", "ru")
    petr = await _person(emulator, 7102, "Пётр", "ru")
    ids = await _volunteers(runner, [petr])
    request_id = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    await petr.press("Взять")
    await petr.wait_messages(1)
    await maria.wait_messages(1, timeout=10)  # taken, with the check code
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        volunteer = await session.get(Volunteer, ids[petr.id])
        assert request is not None and volunteer is not None
        assert await help_requests.complete(
            session, request, volunteer, hours=1.0, report="Купил хлеб", now=runner.clock.now()
        )
        await session.commit()

    [done] = await maria.wait_messages(1, timeout=10)
    assert done.body.startswith(f"✅ Заявка № {request_id} выполнена")
    assert done.buttons == STARS
    petr.mark_read()
    answer = await maria.press("⭐⭐⭐⭐")
    assert answer is None or not answer.show_alert
    # The stars leave the notice, which now shows the rating.
    await _until(maria, lambda: not done.buttons)
    assert done.body.endswith("★★★★")
    [thanks] = await petr.wait_messages(1, timeout=10)
    assert thanks.body == f"🙏 Благодарность за задачу № {request_id}: ★★★★☆"
    again = await maria.press_data(MyRequestCb(id=request_id, action="star", value=5).pack())
    assert again is not None and again.show_alert  # rated once only


async def test_card_times_are_the_territorys_and_the_audit_reads_in_words(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    clock.set(datetime(2026, 12, 5, 4, 15, tzinfo=UTC))
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    request_id = await _new_request(runner, None)
    await drained(runner)
    hq.mark_read()
    await hq.press_data(CoordRequestCb(action="open", id=request_id).pack())
    [card] = await hq.wait_messages(1)
    # Yurga is in Asia/Novokuznetsk, UTC+7: 04:15 UTC is 11:15 there.
    assert "Создана: 05.12.2026 11:15" in card.body
    assert "UTC" not in card.body

    await hq.send_text("/audit")
    [log] = await hq.wait_messages(1)
    assert "Просмотр заявки" in log.body and "view_request" not in log.body
    assert "05.12.2026 11:15" in log.body and "UTC" not in log.body
    await hq.send_text("/language")
    await hq.wait_messages(1)
    await hq.press("Қазақша")
    await hq.wait_messages(1)
    await hq.send_text("/audit")
    [kk_log] = await hq.wait_messages(1)
    assert "Өтінімді қарау" in kk_log.body and "view_request" not in kk_log.body


async def test_a_voice_note_outside_a_form_gets_a_kind_answer(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _bot(start_bot)
    olga = await _person(emulator, 7201, "Ольга", "ru")
    await olga.send_voice()
    [answer] = await olga.wait_messages(1)
    assert answer.body.startswith("🎙 Спасибо за сообщение!")
    assert "🆘 Попросить о помощи" in answer.body and "Я понимаю текст" not in answer.body
    assert "🆘 Попросить о помощи" in _keys(olga)
    aigul = await _person(emulator, 7202, "Әйгүл", "kk")
    await aigul.send_voice()
    [kk_answer] = await aigul.wait_messages(1)
    assert kk_answer.body.startswith("🎙 Хабарламаңызға рахмет!")
