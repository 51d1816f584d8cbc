"""The volunteer calendar (issue 18) through the emulator.

In Russian: a coordinator creates an event from a day of action (the suggested date pressed,
a wrong date refused, a double confirm making one event); five volunteers (three reading
Russian, two Kazakh) get invitations in their language and press «Записаться» at once on three
slots: three in, two on the waiting list; one cancels from /events and the first waiting one is
told they got the slot; reminders come a day and two hours before at the territory's local
time, once though the job runs twice; the coordinator ticks who came, confirms, and the hours
reach each one's profile. In Kazakh: a coordinator's own event, a volunteer's /events list, the
waiting list and its cancellation, and an event called off."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.services import coordinators, volunteers
from bot.services.timing import QuietHours
from models import EventAttendance, Territory, Volunteer, VolunteerEvent
from scheduler.jobs import events as event_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

LOCAL = ZoneInfo("Asia/Novokuznetsk")  # Yurga, UTC+7
START = datetime(2026, 12, 5, 10, 0, tzinfo=LOCAL)


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _territory(runner: BotRunner, code: str) -> int:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        territory_id = await session.scalar(select(Territory.id).where(Territory.code == code))
        assert territory_id is not None
        return territory_id


async def _coordinator(runner: BotRunner, person: Person, code: str) -> None:
    territory_id = await _territory(runner, code)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await coordinators.appoint(
            session, user_id=person.id, territory_ids=[territory_id], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()


async def _volunteer(runner: BotRunner, person: Person, skill: str, code: str) -> None:
    territory_id = await _territory(runner, code)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        application = volunteers.Application(
            name=f"{person.first_name} В.", phone="+79031234567", territory_id=territory_id,
            skills=(skill,), age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        volunteer = await volunteers.submit(session, person.id, application, runner.clock.now())
        await volunteers.decide(
            session, volunteer.id, approve=True, actor_id=ADMIN_ID, reason=None,
            now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _say(person: Person, text: str) -> str:
    await person.send_text(text)
    [answer] = await person.wait_messages(1)
    return answer.body


async def _choose(person: Person, label: str) -> str:
    await person.press(label)
    [answer] = await person.wait_messages(1)
    return answer.body


async def _tick(runner: BotRunner) -> tuple[int, int]:
    assert runner.app is not None
    done = await event_job.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        quiet=QuietHours(),
        default_locale="ru",
    )
    await drained(runner)
    return done.day, done.soon


async def test_calendar_in_russian_race_waiting_list_reminders_hours(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 10:00 in Yurga
    runner = await start_bot(overrides={"territories": "kuzbass"})
    anna = await _person(emulator, 6100, "Анна", "ru")
    await _coordinator(runner, anna, "yurga")
    team: list[Person] = []
    for n, code in enumerate(("ru", "kk", "ru", "kk", "ru")):
        person = await _person(emulator, 6101 + n, f"Вол{n + 1}", code)
        await _volunteer(runner, person, "delivery", "yurga")
        team.append(person)
    other = await _person(emulator, 6110, "Лёша", "ru")
    await _volunteer(runner, other, "legal", "yurga")  # not a kind this event wants
    for person in [*team, other]:
        await drained(runner)
        person.mark_read()

    await anna.send_text("/calendar")
    [empty] = await anna.wait_messages(1)
    assert empty.body.startswith("Событий пока нет")
    await anna.press("➕ Новое событие")
    intro, ask = await anna.wait_messages(2)
    assert intro.body.startswith("Новое событие")
    assert ask.body.startswith("Выберите день действий")
    assert "Международный день добровольцев" in _labels(anna)
    assert "«Чистая планета»: марафон чистоты" in _labels(anna)
    assert (await _choose(anna, "Международный день добровольцев")).startswith("Где пройдёт")
    when = await _choose(anna, "Юргинский городской округ")
    assert "Ближайшая дата этого дня действий — 05.12.2026 10:00" in when
    assert (await _say(anna, "30.11.2026 10:00")).startswith("Напишите дату и время начала")
    assert (await _choose(anna, "📅 05.12.2026 10:00")).startswith("Сколько часов")
    assert (await _choose(anna, "3 часа")).startswith("Где собираемся?")
    assert (await _say(anna, "ДК «Юбилейный»")).startswith("Сколько волонтёров нужно?")
    assert (await _say(anna, "0")).startswith("Напишите число мест от 1 до 500")
    assert (await _say(anna, "3")).startswith("Кого приглашаем?")
    refusal = await anna.press("Готово")
    assert refusal is not None and refusal.text is not None
    assert refusal.text.startswith("Отметьте хотя бы одно направление")
    await anna.press("▫️ Доставка продуктов и лекарств")
    summary = await _choose(anna, "Готово")
    assert "Событие: Международный день добровольцев" in summary
    assert "Когда: 05.12.2026 10:00, 3 ч" in summary and "Мест: 3" in summary
    assert "Кого приглашаем: Доставка продуктов и лекарств" in summary
    last = anna.last_bot_message
    assert last is not None
    confirm = last.button_data[0][0]
    assert confirm is not None
    await asyncio.gather(
        anna.press_data(confirm, message_id=last.message_id),
        anna.press_data(confirm, message_id=last.message_id),
    )
    created, card = await anna.wait_messages(2)
    assert created.body == "✅ Событие создано. Приглашения отправлены волонтёрам: 5."
    assert "Записаны: 0 из 3" in card.body and "Пока никто не записался." in card.body
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(func.count(VolunteerEvent.id))) == 1

    await drained(runner)
    for person in team:
        [invite] = await person.wait_messages(1)
        if person.language_code == "kk":
            assert invite.body.startswith("📅 Жаңа іс-шара: Халықаралық еріктілер күні")
            assert "Уақыты: 05.12.2026 10:00" in invite.body
            assert invite.buttons == [["✅ Жазылу"]]
        else:
            assert invite.body.startswith("📅 Новое событие: Международный день добровольцев")
            assert "Когда: 05.12.2026 10:00" in invite.body and "Мест: 3" in invite.body
            assert invite.buttons == [["✅ Записаться"]]
    assert other.messages == [] or all("Новое событие" not in m.body for m in other.messages)

    # Five press at once on three slots.
    def join_label(p: Person) -> str:
        return "✅ Жазылу" if p.language_code == "kk" else "✅ Записаться"

    answers = await asyncio.gather(*(p.press(join_label(p), timeout=20) for p in team))
    texts = [a.text if a else None for a in answers]
    going = [
        p
        for p, t in zip(team, texts, strict=True)
        if t in ("✅ Вы записаны!", "✅ Сіз жазылдыңыз!")
    ]
    waiting = [p for p in team if p not in going]
    assert len(going) == 3 and len(waiting) == 2, texts
    for p in waiting:
        text = texts[team.index(p)] or ""
        assert text.startswith(("⏳ Мест нет. Вы в листе ожидания", "⏳ Бос орын жоқ")), text
    positions = sorted(
        int((texts[team.index(p)] or "").rsplit("№ ", 1)[1].rstrip(".")) for p in waiting
    )
    assert positions == [1, 2]
    first_waiting = next(
        p for p in waiting if (texts[team.index(p)] or "").rstrip(".").endswith("№ 1")
    )
    second_waiting = next(p for p in waiting if p is not first_waiting)
    async with runner.app.sessionmaker() as session:
        event = await session.scalar(select(VolunteerEvent))
        assert event is not None and event.slots_taken == 3
    # A stranger's forged press learns nothing and takes nothing.
    forged = await other.press_data(f"ev:join:{event.id}")
    assert forged is not None and forged.text is not None
    assert forged.text.startswith("Это событие для других волонтёров")

    # One of those going cancels from /events: the first waiting one gets the slot.
    leaver = next(p for p in going if p.language_code == "ru")
    leaver.mark_read()
    await leaver.send_text("/events")
    [listing] = await leaver.wait_messages(1)
    assert listing.body.startswith("📅 Ближайшие события")
    assert listing.buttons == [["✅ 05.12.2026 10:00 · Международный день добровольцев"]]
    await leaver.press("✅ 05.12.2026 10:00 · Международный день добровольцев")
    await asyncio.sleep(0)
    shown = leaver.last_bot_message
    assert shown is not None and "✅ Вы записаны." in shown.body
    answer = await leaver.press("✖️ Отменить запись")
    assert answer is not None and answer.text == "Запись отменена."
    shown = leaver.last_bot_message
    assert shown is not None and "Свободных мест: 0 из 3" in shown.body
    await drained(runner)
    [promoted] = await first_waiting.wait_messages(1)
    assert promoted.body.startswith(("🎉 Освободилось место", "🎉 Орын босады"))
    going = [p for p in going if p is not leaver] + [first_waiting]
    for person in team:
        person.mark_read()

    # Reminders at the local moments: a day before (10:00 on the 4th) and two hours before.
    clock.set((START - timedelta(hours=24, minutes=1)).astimezone(UTC))
    assert await _tick(runner) == (0, 0)
    clock.set((START - timedelta(hours=24)).astimezone(UTC))
    assert await _tick(runner) == (3, 0)
    assert await _tick(runner) == (0, 0)  # the job running twice sends nothing more
    for person in going:
        [reminder] = await person.wait_messages(1)
        assert reminder.body.startswith(("⏰ Напоминание: завтра", "⏰ Еске салу: ертең"))
        assert "05.12.2026 10:00" in reminder.body
    clock.set((START - timedelta(hours=2)).astimezone(UTC))  # 08:00 local: not held back
    assert await _tick(runner) == (0, 3)
    for person in going:
        [reminder] = await person.wait_messages(1)
        assert reminder.body.startswith(("⏰ Через 2 часа", "⏰ 2 сағаттан кейін"))
    await drained(runner)
    assert second_waiting.messages[-1:] == [] or not any(
        "⏰" in m.body for m in second_waiting.messages[-3:]
    )

    # Attendance after the start: ticks, confirm, hours on the record and in the profile.
    clock.set((START + timedelta(hours=3)).astimezone(UTC))
    anna.mark_read()
    await anna.send_text("/calendar")
    [admin_list] = await anna.wait_messages(1)
    label = "📅 05.12.2026 10:00 · Международный день добровольцев (3/3)"
    assert admin_list.buttons[0] == [label]
    await anna.press(label)
    card_message = anna.last_bot_message
    assert card_message is not None
    assert "Лист ожидания:" in card_message.body and "1. Вол" in card_message.body
    await anna.press("✅ Отметить явку")
    came = going[:2]
    for person in came:
        await anna.press(f"▫️ {person.first_name} В.")
    screen = anna.last_bot_message
    assert screen is not None
    assert sorted(label for label in _labels(anna) if label.startswith("✅ Вол")) == sorted(
        f"✅ {p.first_name} В." for p in came
    )
    saved = await anna.press("💾 Подтвердить явку")
    assert saved is not None and saved.text == "Явка сохранена: 2 волонтёра."
    again = await anna.press_data(f"eva:ok:{event.id}:0:0")
    assert again is not None and again.text == "Явка на это событие уже отмечена."
    card_message = anna.last_bot_message
    assert card_message is not None and "Пришли (часы добавлены):" in card_message.body
    async with runner.app.sessionmaker() as session:
        hours = dict((await session.execute(select(Volunteer.user_id, Volunteer.hours))).all())
        assert await session.scalar(select(func.count(EventAttendance.id))) == 2
    assert [hours[p.id] for p in came] == [3, 3] and hours[going[2].id] == 0
    await drained(runner)
    for person in came:
        [thanks] = await person.wait_messages(1)
        assert thanks.body.startswith(("🙏 Спасибо", "🙏 «Халықаралық"))
        assert thanks.body.endswith(("добавлено часов: 3.", "қосылған сағат: 3."))
    for person in came:  # the hours in the profile, in the person's language
        person.mark_read()
        kk = person.language_code == "kk"
        await person.send_text("👤 Менің профилім" if kk else "👤 Мой профиль")
        [profile] = await person.wait_messages(1)
        if kk:
            assert "📅 Оның ішінде күнтізбе іс-шараларында: 3" in profile.body
        else:
            assert "часов: 3" in profile.body
            assert "📅 Из них на событиях календаря: 3" in profile.body


async def test_calendar_in_kazakh_own_event_waiting_list_and_call_off(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    runner = await start_bot(overrides={"territories": "kuzbass"})
    aigul = await _person(emulator, 6200, "Айгүл", "kk")
    await _coordinator(runner, aigul, "yurga")
    dana = await _person(emulator, 6201, "Дана", "kk")
    erlan = await _person(emulator, 6202, "Ерлан", "kk")
    for person in (dana, erlan):
        await _volunteer(runner, person, "driving", "yurga")
    await drained(runner)
    for person in (dana, erlan):
        person.mark_read()

    # Not a volunteer: a clear answer. The menu carries «📅 Іс-шаралар» for volunteers.
    await aigul.send_text("/events")
    [refused] = await aigul.wait_messages(1)
    assert refused.body.startswith("Іс-шаралар күнтізбесі штаб еріктілеріне арналған")
    await dana.send_text("/menu")
    await dana.wait_messages(1)
    assert dana.reply_keyboard is not None
    assert ["👤 Менің профилім", "📅 Іс-шаралар"] in dana.reply_keyboard
    await dana.send_text("📅 Іс-шаралар")
    [nothing] = await dana.wait_messages(1)
    assert nothing.body.startswith("Сізге арналған жақын іс-шаралар әзірге жоқ")

    await aigul.send_text("/calendar")
    await aigul.wait_messages(1)
    await aigul.press("➕ Жаңа іс-шара")
    await aigul.wait_messages(2)
    assert (await _choose(aigul, "✏️ Өз іс-шарам")).startswith("Іс-шараның атауы қандай?")
    assert (await _say(aigul, "Қарттарға көмек")).startswith("Іс-шара қай жерде өтеді?")
    when = await _choose(aigul, "Юрга қалалық округі")
    assert when.startswith("Қашан басталады?")
    assert (await _say(aigul, "ертең")).startswith("Болашақтағы басталу күні")
    assert (await _say(aigul, "03.12 18:30")).startswith("Іс-шара неше сағатқа")
    assert (await _choose(aigul, "2 сағат")).startswith("Қай жерде жиналамыз?")
    assert (await _say(aigul, "Ленин көшесі, 5")).startswith("Неше ерікті керек?")
    assert (await _choose(aigul, "5")).startswith("Кімді шақырамыз?")
    await aigul.press("▫️ Барлық еріктілер")
    summary = await _choose(aigul, "Дайын")
    assert "Іс-шара: Қарттарға көмек" in summary and "Уақыты: 03.12.2026 18:30, 2 сағ" in summary
    assert (await _choose(aigul, "✏️ Орын саны")).startswith("Неше ерікті керек?")
    summary = await _say(aigul, "1")
    assert "Орын саны: 1" in summary
    await aigul.press("✅ Растау")
    created, card = await aigul.wait_messages(2)
    assert created.body == "✅ Іс-шара құрылды. Шақыру жіберілген еріктілер саны: 2."
    assert "Жазылғандар: 0 / 1" in card.body

    await drained(runner)
    for person in (dana, erlan):
        [invite] = await person.wait_messages(1)
        assert invite.body.startswith("📅 Жаңа іс-шара: Қарттарға көмек")
    first = await dana.press("✅ Жазылу")
    assert first is not None and first.text == "✅ Сіз жазылдыңыз!"
    second = await erlan.press("✅ Жазылу")
    assert second is not None and second.text == "⏳ Бос орын жоқ. Сіз күту тізіміндесіз: № 1."
    shown = erlan.last_bot_message
    assert shown is not None and "⏳ Сіз күту тізіміндесіз: № 1." in shown.body
    # Erlan leaves the waiting list from his /events card: nobody is promoted.
    erlan.mark_read()
    await erlan.send_text("/events")
    [listing] = await erlan.wait_messages(1)
    assert listing.buttons == [["⏳ 03.12.2026 18:30 · Қарттарға көмек"]]
    await erlan.press("⏳ 03.12.2026 18:30 · Қарттарға көмек")
    left = await erlan.press("✖️ Жазылудан бас тарту")
    assert left is not None and left.text == "Жазылудан бас тарттыңыз."
    stale = await erlan.press_data(
        (erlan.last_bot_message.button_data[0][0] or "").replace("join", "leave")
        if erlan.last_bot_message
        else "ev:leave:1"
    )
    assert (
        stale is not None
        and stale.text
        == "Бас тартатын ештеңе жоқ: жазылу жоқ, не іс-шара басталып кетті немесе тоқтатылды."
    )

    # The coordinator calls it off: Dana is told.
    dana.mark_read()
    aigul.mark_read()
    await aigul.send_text("/calendar")
    [admin_list] = await aigul.wait_messages(1)
    await aigul.press(admin_list.buttons[0][0])
    await aigul.press("✖️ Іс-шараны тоқтату")
    confirm = aigul.last_bot_message
    assert confirm is not None and confirm.body.startswith("«Қарттарға көмек» (03.12.2026 18:30)")
    done = await aigul.press("Иә, тоқтату")
    assert done is not None and done.text == "Іс-шара тоқтатылды."
    await drained(runner)
    [off] = await dana.wait_messages(1)
    assert off.body.startswith("❗ «Қарттарға көмек» іс-шарасын (03.12.2026 18:30)")
    late = await dana.press_data("ev:join:1")
    assert late is not None and late.text == "Бұл іс-шараға жазылу жабық."
    # Her card, opened again, says it was called off and offers nothing to press but the list.
    await dana.press_data("ev:open:1")
    reopened = dana.last_bot_message
    assert reopened is not None and reopened.body.endswith("❗ Іс-шараны үйлестіруші тоқтатты.")
    assert reopened.buttons == [["📅 Барлық іс-шаралар"]]


async def test_citizens_see_no_calendar(emulator: Emulator, start_bot: StartBot) -> None:
    await start_bot()
    citizen = await _person(emulator, 6300, "Мария", "ru")
    await citizen.send_text("/events")  # a volunteer's command: a clear answer
    [answer] = await citizen.wait_messages(1)
    assert answer.body.startswith("Календарь событий — для волонтёров штаба")
    await citizen.send_text("/calendar")  # a coordinator's command: not for her
    [answer] = await citizen.wait_messages(1)
    assert "Событий" not in answer.body and "событие" not in answer.body
    forged = await citizen.press_data("eva:new:0:0:0")
    assert forged is not None and forged.text is not None and "Новое событие" not in forged.text
    joined = await citizen.press_data("ev:join:1")
    assert joined is not None and joined.text == "Запись на это событие закрыта."
