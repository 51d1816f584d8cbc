"""Escalation and reminders end to end, in Russian and in Kazakh, with the clock moved instead
of waiting: an untaken request goes through the three circles (neighbours, the whole HQ, the
coordinators' alert with a one-tap assign); a «today» request raised in quiet hours goes to
the coordinator on duty and to volunteers only in the morning; a task not done by its
window's end reminds its volunteer, then the coordinator replaces them with one tap (the old
volunteer's details are hidden, the new one gets them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.keyboards.requests import take_data
from bot.sandbox import Emulator, Person
from bot.services import help_requests, request_history
from bot.services.escalation import Swept
from models import HelpRequest, Territory
from scheduler.jobs import escalation as escalation_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.e2e.test_requests import _bot, _fill_for_other_ru, _person, _volunteers

SECRETS = ("Анна Петровна", "Ленина", "913 999-88-77")

TEXTS = {
    "ru": {
        "take": "Взять",
        "push": "Задача №",
        "wider": "рядом с вами никто не откликнулся",
        "neighbours": "Ищем волонтёра в соседних районах",
        "hq": "среди всех волонтёров штаба",
        "coordinators": "передали координатору штаба",
        "alert": "никто не взял за 90 мин.",
        "assign": "👤 Назначить волонтёра",
        "assigned": "назначена",
        "night": "принята ночью",
        "duty": "Ночная срочная",
        "reminder": "Вы ещё занимаетесь ею?",
        "still": "✅ Ещё занимаюсь",
        "cannot": "✖️ Не смогу",
        "unanswered": "не ответил на напоминание",
        "replace": "🔄 Передать: Иван Иванов",
        "replaced": "передал задачу",
        "open": "📋 Открыть задачу №",
        "requester_replaced": "теперь придёт другой волонтёр: Иван",
        "overdue": "⏰ просрочена",
        "my_requests": "📋 Мои заявки",
    },
    "kk": {
        "take": "Мен орындаймын",
        "push": "тапсырма",
        "wider": "жақын жерде ешкім үн қатпады",
        "neighbours": "Көрші аудандардан ерікті іздеп жатырмыз",
        "hq": "штабтың барлық еріктілерінің арасынан",
        "coordinators": "штаб үйлестірушісіне берілді",
        "alert": "90 мин. ішінде ешкім алмады",
        "assign": "👤 Ерікті тағайындау",
        "assigned": "тағайындалды",
        "night": "түнде қабылданды",
        "duty": "Түнгі шұғыл",
        "reminder": "Әлі айналысып жүрсіз бе?",
        "still": "✅ Әлі айналысып жүрмін",
        "cannot": "✖️ Қолымнан келмейді",
        "unanswered": "еске салуға жауап бермеді",
        "replace": "🔄 Беру: Иван Иванов",
        "replaced": "басқа еріктіге берді",
        "open": "📋 №",
        "requester_replaced": "енді басқа ерікті келеді: Иван",
        "overdue": "⏰ мерзімі өтті",
        "my_requests": "📋 Менің өтінімдерім",
    },
}


async def _new_request(runner: BotRunner, requester: int, code: str = "yurga") -> int:
    """A request as the form makes it (the form has its own tests), offered like the form's."""
    assert runner.app is not None
    settings = runner.app.settings
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == code))
        assert territory is not None
        request = await help_requests.create(
            session,
            help_requests.Draft(
                kind="groceries", for_other=True, person_name="Анна Петровна",
                territory_id=territory.id, address="ул. Ленина, 5, кв. 12",
                details="Хлеб и молоко", urgency="today", requester_id=requester,
                person_phone="+79139998877",
            ),
            runner.clock.now(),
        )  # fmt: skip
        await help_requests.offer_or_escalate(
            session, request, runner.clock.now(), take_data=take_data(request.id),
            default_locale=settings.default_locale, admin_ids=settings.admin_ids,
        )  # fmt: skip
        await session.commit()
        return request.id


async def _tick(runner: BotRunner) -> Swept:
    assert runner.app is not None
    swept = await escalation_job.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        default_locale=runner.app.settings.default_locale,
        admin_ids=runner.app.settings.admin_ids,
    )
    runner.app.delivery.wake()
    return swept


async def _history(runner: BotRunner, request_id: int) -> list[str]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return [e.kind for e in await request_history.history(session, request_id)]


def _holds_secrets(person: Person) -> bool:
    return any(s in m.body for m in person.chat.visible() if m.from_bot for s in SECRETS)


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_an_untaken_request_reaches_three_circles_then_the_coordinator(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, lang: str
) -> None:
    t = TEXTS[lang]
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7201, "Мария", lang)
    admin = await _person(emulator, ADMIN_ID, "Штаб", lang)
    petr = await _person(emulator, 7210, "Пётр", lang)  # Yurga
    olga = await _person(emulator, 7211, "Ольга", lang)  # Tayga, a neighbour of Yurga
    ivan = await _person(emulator, 7212, "Иван", lang)  # Mezhdurechensk, far away
    await _volunteers(runner, [petr])
    await _volunteers(runner, [olga], code="tayga")
    await _volunteers(runner, [ivan], code="mezhdurechensk")
    request_id = await _new_request(runner, maria.id)
    [push] = await petr.wait_messages(1, timeout=10)
    assert t["push"] in push.body and push.buttons == [[t["take"]]]
    maria.mark_read()

    clock.advance(timedelta(minutes=30))
    assert (await _tick(runner)).steps == 1
    [wider] = await olga.wait_messages(1, timeout=10)
    assert t["wider"] in wider.body and wider.buttons == [[t["take"]]]
    [told] = await maria.wait_messages(1, timeout=10)
    assert t["neighbours"] in told.body and f"{request_id}" in told.body

    clock.advance(timedelta(minutes=30))
    await _tick(runner)
    [far] = await ivan.wait_messages(1, timeout=10)
    assert t["wider"] in far.body
    [told] = await maria.wait_messages(1, timeout=10)
    assert t["hq"] in told.body

    admin.mark_read()
    clock.advance(timedelta(minutes=30))
    await _tick(runner)
    [alert] = await admin.wait_messages(1, timeout=10)
    assert t["alert"] in alert.body and alert.buttons == [[t["assign"]]]
    [told] = await maria.wait_messages(1, timeout=10)
    assert t["coordinators"] in told.body
    await _tick(runner)  # nothing more: every step happens once
    await drained(runner)
    assert len([m for m in admin.messages if m.from_bot and t["alert"] in m.body]) == 1

    # One tap opens the assign list (the territory's volunteers): Petr is there.
    admin.mark_read()
    await admin.press(t["assign"])
    [choose] = await admin.wait_messages(1)
    assert ["Пётр Иванов (0)"] in choose.buttons
    answer = await admin.press("Пётр Иванов (0)")
    assert answer is not None and answer.text and t["assigned"] in answer.text
    assert await _history(runner, request_id) == [
        "created", "offered", "circle_neighbours", "circle_hq", "coordinators_alerted", "assigned",
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_a_today_request_in_quiet_hours_goes_to_the_duty_coordinator_first(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, lang: str
) -> None:
    t = TEXTS[lang]
    clock.set(datetime(2026, 12, 5, 16, 30, tzinfo=UTC))  # 23:30 in Yurga
    runner = await start_bot(
        overrides={"territories": "kuzbass", "duty_coordinators": f"{ADMIN_ID}:22:00-08:00"}
    )
    maria = await _person(emulator, 7202, "Мария", lang)
    admin = await _person(emulator, ADMIN_ID, "Штаб", lang)
    petr = await _person(emulator, 7220, "Пётр", lang)
    await _volunteers(runner, [petr])
    request_id = await _new_request(runner, maria.id)
    [duty] = await admin.wait_messages(1, timeout=10)
    assert t["duty"] in duty.body and duty.buttons == [[t["assign"]]]
    [told] = await maria.wait_messages(1, timeout=10)
    assert t["night"] in told.body and "08:00" in told.body
    await _tick(runner)
    await drained(runner)
    assert not [m for m in petr.messages if m.from_bot and t["push"] in m.body]  # asleep

    clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # 08:00: the morning
    assert (await _tick(runner)).steps == 1
    [push] = await petr.wait_messages(1, timeout=10)
    assert t["push"] in push.body and push.buttons == [[t["take"]]]
    assert await _history(runner, request_id) == [
        "created", "held_quiet", "duty_alerted", "offered", "released",
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_an_overdue_task_reminds_then_the_coordinator_replaces_the_volunteer(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, lang: str
) -> None:
    t = TEXTS[lang]
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7203, "Мария", lang)
    admin = await _person(emulator, ADMIN_ID, "Штаб", lang)
    petr = await _person(emulator, 7230, "Пётр", lang)
    ivan = await _person(emulator, 7231, "Иван", lang)
    await _volunteers(runner, [petr])
    await _volunteers(runner, [ivan], skills=("coal",))  # not pushed groceries, may be assigned
    request_id = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    await petr.press(t["take"])
    [card] = await petr.wait_messages(1)
    assert "Анна Петровна" in card.body and "Ленина" in card.body
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        assert request is not None and request.due_at is not None
        due = request.due_at
    assert due == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 21:00 in Yurga, «any time» today

    petr.mark_read()
    clock.set(due)
    swept = await _tick(runner)
    assert swept.reminders == 1 and swept.overdue == 1
    [reminder] = await petr.wait_messages(1, timeout=10)
    assert t["reminder"] in reminder.body and reminder.buttons[0][0] == t["still"]
    # Overdue, and shown so: the volunteer's /tasks and the requester's «My requests».
    await petr.send_text("/tasks")
    [tasks] = await petr.wait_messages(1)
    assert f"{request_id}" in tasks.body and t["overdue"] in tasks.body
    await maria.send_text(t["my_requests"])
    [mine] = await maria.wait_messages(1)
    assert t["overdue"] in mine.body

    admin.mark_read()
    clock.advance(timedelta(minutes=60))  # no answer
    assert (await _tick(runner)).reminders == 1
    [alert] = await admin.wait_messages(1, timeout=10)
    assert t["unanswered"] in alert.body and alert.buttons[0] == [t["replace"]]
    button = alert.find_button(label=t["replace"])
    assert button is not None
    maria.mark_read()
    answer = await admin.press(t["replace"])
    assert answer is not None and answer.text and "Иван Иванов" in answer.text
    [assigned] = await ivan.wait_messages(1, timeout=10)
    open_label = next(label for row in assigned.buttons for label in row)
    assert open_label.startswith(t["open"])
    await ivan.press(open_label)
    [details] = await ivan.wait_messages(1)
    assert "Ленина" in details.body and "Анна Петровна" in details.body
    [told] = await maria.wait_messages(1, timeout=10)
    assert t["requester_replaced"] in told.body
    await drained(runner)
    assert not _holds_secrets(petr)  # the old volunteer's card no longer shows the person
    assert any(t["replaced"] in m.body for m in petr.messages if m.from_bot)
    # A stale tap on the alert does nothing more.
    again = await admin.press_data(str(button["callback_data"]))
    assert again is not None and again.show_alert
    kinds = await _history(runner, request_id)
    assert kinds[-4:] == ["reminder_sent", "overdue", "reminder_unanswered", "reassigned"]


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_the_volunteer_answers_the_reminder(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock, lang: str
) -> None:
    """«Still doing it»: no coordinator alert, and the answered buttons leave the screen;
    «cannot» is the task's own «cannot» (a reason asked)."""
    t = TEXTS[lang]
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7204, "Мария", lang)
    admin = await _person(emulator, ADMIN_ID, "Штаб", lang)
    petr = await _person(emulator, 7240, "Пётр", lang)
    await _volunteers(runner, [petr])
    first = await _new_request(runner, maria.id)
    second = await _new_request(runner, maria.id)
    pushes = await petr.wait_messages(2, timeout=10)
    for push in pushes:
        await petr.press(t["take"], message_id=push.message_id)
        await petr.wait_messages(1)
    clock.set(datetime(2026, 12, 5, 14, 0, tzinfo=UTC))
    assert (await _tick(runner)).reminders == 2
    reminders = await petr.wait_messages(2, timeout=10)
    still = next(m for m in reminders if f"№ {first}" in m.body)
    answer = await petr.press(t["still"], message_id=still.message_id)
    assert answer is not None and answer.text and f"{first}" in answer.text
    await _until_edited(petr, still.message_id)
    other = next(m for m in reminders if m is not still)
    petr.mark_read()
    await petr.press(t["cannot"], message_id=other.message_id)
    [asked] = await petr.wait_messages(1)
    assert f"{second}" in asked.body
    admin.mark_read()
    clock.advance(timedelta(minutes=60))
    # Only the unanswered one reaches the coordinator (the reason is still being typed).
    assert (await _tick(runner)).reminders == 1
    [alert] = await admin.wait_messages(1, timeout=10)
    assert f"{second}" in alert.body and t["unanswered"] in alert.body
    await drained(runner)
    assert (await _history(runner, first))[-2:] == ["overdue", "still_doing"]
    assert "reminder_unanswered" in await _history(runner, second)


async def _until_edited(person: Person, message_id: int, timeout: float = 10.0) -> None:
    """Wait until the message has no buttons left (an edit)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    notifier = person.state.notifier
    while any(m.message_id == message_id and m.buttons for m in person.chat.visible()):
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError("the message kept its buttons")
        await notifier.wait(notifier.version, min(remaining, 0.5))


async def test_the_real_form_at_night_tells_the_truth(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    """A new user fills in the form at 23:30: the answer does not promise volunteers now; the
    coordinator on duty has it at once; the volunteer in the morning."""
    clock.set(datetime(2026, 12, 5, 16, 30, tzinfo=UTC))  # 23:30 in Yurga
    runner = await start_bot(
        overrides={"territories": "kuzbass", "duty_coordinators": f"{ADMIN_ID}:22:00-08:00"}
    )
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    petr = await _person(emulator, 7250, "Пётр", "ru")
    await _volunteers(runner, [petr])
    maria = await _person(emulator, 7205, "Мария", "ru")
    await _fill_for_other_ru(maria)
    maria.mark_read()
    await maria.press("✅ Подтвердить")
    [created, night] = await maria.wait_messages(2, timeout=10)
    assert created.body.startswith("✅ Заявка № 1 принята.")
    assert "волонтёрам" not in created.body
    assert "принята ночью" in night.body and "08:00" in night.body
    [duty] = await admin.wait_messages(1, timeout=10)
    assert "Ночная срочная" in duty.body
    await drained(runner)
    assert not [m for m in petr.messages if m.from_bot and "Задача №" in m.body]
    clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    await _tick(runner)
    [push] = await petr.wait_messages(1, timeout=10)
    assert push.body.startswith("🆕 Задача № 1")
