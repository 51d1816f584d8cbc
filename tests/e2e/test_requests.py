"""Help requests end to end through the emulator, in Russian and Kazakh: the citizen's form,
pushes without personal data, exactly one taker, every step reaching the requester, rating and
thanks, a hotline request, cancel, and the bad inputs the issue lists."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import pytest
from sqlalchemy import func, select

from bot.keyboards.callbacks import MyRequestCb, TaskCb
from bot.logs import setup_logging
from bot.sandbox import Emulator, Person
from bot.services import volunteers
from models import AuditEntry, HelpRequest, OutboxMessage, Territory, Volunteer
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

RU_TERRITORY = "Юргинский городской округ"
KK_TERRITORY = "Юрга қалалық округі"
PERSONAL = ("Анна", "Петровна", "Ленина", "913", "123-45")


async def _bot(start_bot: StartBot, **kwargs: object) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"}, **kwargs)


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _volunteers(
    runner: BotRunner,
    people: Iterable[Person],
    skills: tuple[str, ...] = ("delivery",),
    code: str = "yurga",
) -> dict[int, int]:
    """Approved volunteers of a territory (the sign-up form has its own tests); user -> id."""
    assert runner.app is not None
    ids: dict[int, int] = {}
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == code))
        assert territory is not None
        for person in people:
            application = volunteers.Application(
                name=f"{person.first_name} Иванов", phone="+79030000000",
                territory_id=territory.id, skills=skills, age_group="18-34",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
            ids[person.id] = record.id
        await session.commit()
    return ids


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


async def _bodies(person: Person) -> list[str]:
    return [m.body for m in person.messages if m.from_bot]


async def _fill_for_other_ru(person: Person) -> None:
    """The Russian form for an elderly neighbour, up to the summary."""
    await person.send_text("🆘 Попросить о помощи")
    await person.wait_messages(2)  # the intro, then the kinds in one message
    await person.press("Продукты")
    await person.press("Для другого человека")
    await person.send_text("Анна Петровна")
    await person.wait_messages(1)
    await person.send_text("82")
    await person.wait_messages(1)
    await person.send_text("8 913 123 45 67")
    await person.wait_messages(1)
    await person.press("Да")
    await _press_paged(person, RU_TERRITORY, "Далее ▶️")
    await person.send_text("ул. Ленина, 5, кв. 12, подъезд 2")
    await person.wait_messages(1)
    await person.send_text("Пропустить")
    await person.wait_messages(1)
    await person.send_text("Хлеб, молоко, лекарства по рецепту")
    await person.wait_messages(1)
    await person.press("🚨 Сегодня")
    await person.press("Утром, 9–12")
    await person.press("✅ Даю согласие")


async def _request(runner: BotRunner, request_id: int) -> HelpRequest:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        assert request is not None
        return request


async def test_full_flow_in_russian(
    emulator: Emulator, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG")  # even at DEBUG, nothing personal is logged
    caplog.set_level(logging.DEBUG)
    runner = await _bot(start_bot)
    maria = await _person(emulator, 5001, "Мария", "ru")
    team = [await _person(emulator, 5100 + i, f"Пётр{i}", "ru") for i in range(3)]
    coal_only = await _person(emulator, 5200, "Ольга", "ru")
    ids = await _volunteers(runner, team)
    await _volunteers(runner, [coal_only], skills=("coal",))

    await _fill_for_other_ru(maria)
    summary = next(m.body for m in maria.messages if m.body.startswith("Проверьте заявку"))
    assert "Вид помощи: Продукты" in summary
    assert "Анна Петровна, 82 года, тел. +7 913 123-45-67, на самоизоляции" in summary
    assert RU_TERRITORY in summary and "ул. Ленина, 5" in summary
    assert "Когда: 🚨 сегодня, утром (9:00–12:00)" in summary
    maria.mark_read()
    await maria.press("✅ Подтвердить")
    created = [m.body for m in await maria.wait_messages(1)]
    assert created[0].startswith("✅ Заявка № 1 принята. Статус: 🔎 ищем волонтёра")

    # Pushes: the three with the skill, not the coal-only volunteer; nothing personal.
    pushes = [(await p.wait_messages(1, timeout=10))[0] for p in team]
    for push in pushes:
        assert push.body.startswith("🆕 Задача № 1: Продукты")
        assert f"Территория: {RU_TERRITORY}" in push.body
        assert not any(word in push.body for word in PERSONAL), push.body
        assert push.buttons == [["Взять"]]
    await drained(runner)
    assert not [m for m in coal_only.messages if m.body.startswith("🆕 Задача")]

    # One takes it: the details with name, phone, address and the door code.
    taker, late, third = team
    taker.mark_read()
    answer = await taker.press("Взять")
    assert (
        answer is not None
        and answer.text == "✅ Вы взяли задачу № 1. Подробности — в следующем сообщении."
    )
    [details] = await taker.wait_messages(1)
    request = await _request(runner, 1)
    assert "Кому: Анна Петровна, 82 года, тел. +7 913 123-45-67, на самоизоляции" in details.body
    assert "Адрес: ул. Ленина, 5, кв. 12, подъезд 2" in details.body
    assert f"Проверочный код: {request.door_code}" in details.body
    assert details.buttons == [["🚶 В пути"], ["✅ Выполнено"], ["✖️ Не смогу"]]
    # The others' pushes are edited; a late press is answered politely.
    for person in (late, third):
        for _ in range(50):
            if person.messages[-1].body.startswith("Задачу № 1 уже взял"):
                break
            await asyncio.sleep(0.1)
        assert person.messages[-1].body.startswith("Задачу № 1 уже взял другой волонтёр")
    late_answer = await late.press_data(TaskCb(id=1, action="take").pack())
    assert late_answer is not None and late_answer.show_alert
    assert late_answer.text and late_answer.text.startswith("Эту задачу уже взял")
    [taken] = await maria.wait_messages(1, timeout=10)
    assert taken.body.startswith("Заявку № 1 взял волонтёр Пётр0.")
    assert request.door_code in taken.body

    # On the way, then done with a report, hours and a receipt photo.
    maria.mark_read()
    await taker.press("🚶 В пути")
    [on_way] = await maria.wait_messages(1, timeout=10)
    assert on_way.body == "🚶 Волонтёр по заявке № 1 в пути."
    taker.mark_read()
    await taker.press("✅ Выполнено")
    await taker.wait_messages(1)
    await taker.send_text("Купил хлеб, молоко и лекарства")
    await taker.wait_messages(1)
    await taker.send_text("сто")
    [bad_hours] = await taker.wait_messages(1)
    assert bad_hours.body.startswith("Нужно число часов")
    await taker.send_text("1,5")
    await taker.wait_messages(1)
    await taker.send_photo(b"receipt-bytes", caption=None)
    [done] = await taker.wait_messages(1)
    assert done.body.startswith("🎉 Спасибо! Задача № 1 выполнена") and "часов: 1,5" in done.body
    [done_push] = await maria.wait_messages(1, timeout=10)
    assert done_push.body.startswith("✅ Заявка № 1 выполнена")
    request = await _request(runner, 1)
    assert request.status == "done" and request.hours == 1.5 and request.receipt_file_id
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        record = await session.get(Volunteer, ids[taker.id])
        assert record is not None and (record.hours, record.tasks_done) == (1.5, 1)

    # My tasks.
    taker.mark_read()
    await taker.send_text("🧰 Мои задачи")
    [tasks] = await taker.wait_messages(1)
    assert "№ 1 · Продукты" in tasks.body and "1,5 ч" in tasks.body

    # My requests: the card, rating 5 with a comment; the thanks reach the volunteer.
    maria.mark_read()
    await maria.send_text("📋 Мои заявки")
    [listing] = await maria.wait_messages(1)
    assert "№ 1 · Продукты · ✅ выполнена" in listing.body
    await maria.press("№ 1: Продукты")
    [card] = await maria.wait_messages(1)
    assert card.buttons == [["⭐ Оценить помощь"], ["🔁 Повторять"]]  # recurring help (issue 19)
    cancel_answer = await maria.press_data(MyRequestCb(id=1, action="cancel").pack())
    assert cancel_answer is not None and cancel_answer.text == (
        "Заявку № 1 уже нельзя отменить: статус «✅ выполнена»."
    )
    await maria.press("⭐ Оценить помощь")
    await maria.press("⭐⭐⭐⭐⭐")
    await maria.send_text("Спасибо вам большое!")
    [rated] = await maria.wait_messages(1)
    assert rated.body.startswith("Спасибо за оценку!")
    thanks = await taker.wait_messages(2, timeout=10)
    assert [m.body for m in thanks[-2:]] == [
        "🙏 Благодарность за задачу № 1: ★★★★★",
        "💬 Слова благодарности за задачу № 1: «Спасибо вам большое!»",
    ]
    again = await maria.press_data(MyRequestCb(id=1, action="rate").pack())
    assert again is not None and again.text and again.text.startswith("Оценить можно только")

    # Privacy: the logs never hold the person's name, phone or address.
    for word in ("Анна Петровна", "Ленина", "913 123", "79131234567"):
        assert word not in caplog.text


async def test_kazakh_self_request_cannot_and_cancel(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    aigul = await _person(emulator, 6001, "Айгүл", "kk")
    first, second = [await _person(emulator, 6100 + i, f"Ерлан{i}", "kk") for i in range(2)]
    await _volunteers(runner, [first, second], skills=("coal",))

    await aigul.send_text("🆘 Көмек сұрау")
    await aigul.wait_messages(2)
    await aigul.press("Көмір жеткізу")
    await aigul.press("Өзіме")
    await aigul.send_text("Айгүл Сапарқызы")
    await aigul.wait_messages(1)
    assert aigul.reply_keyboard is not None and ["📱 Нөмірмен бөлісу"] in aigul.reply_keyboard
    await aigul.tap("📱 Нөмірмен бөлісу")
    await aigul.wait_messages(1)
    await _press_paged(aigul, KK_TERRITORY, "Әрі қарай ▶️")
    await aigul.send_text("")  # empty: the address question again
    await aigul.send_text("Ленин көшесі, 7")
    await aigul.wait_messages(2)
    aigul.mark_read()
    await aigul.send_location(10.0, 10.0)  # far from Yurga: questioned
    [outside] = await aigul.wait_messages(1)
    assert outside.body.startswith("Бұл нүкте «Юрга қалалық округі» аумағынан алыс")
    await aigul.press("Басқа нүкте жіберемін")
    await aigul.send_location(55.7167, 84.8833)  # Yurga
    await aigul.wait_messages(1)
    aigul.mark_read()
    await aigul.send_text("x" * 1001)
    [too_long] = await aigul.wait_messages(1)
    assert "(қазір 1001)" in too_long.body
    await aigul.send_sticker()
    [sticker] = await aigul.wait_messages(1)
    assert sticker.body.startswith("Не қажет екенін мәтінмен жазыңыз")
    await aigul.send_text("Бір қап көмір")
    await aigul.wait_messages(1)
    await aigul.press("📅 Белгілі бір күні")
    aigul.mark_read()
    await aigul.send_text("31.02.2020")
    [bad_date] = await aigul.wait_messages(1)
    assert bad_date.body.startswith("Ертеңнен ерте емес")
    planned = runner.clock.now().date().toordinal() + 3
    from datetime import date

    await aigul.send_text(date.fromordinal(planned).strftime("%d.%m.%Y"))
    await aigul.wait_messages(1)
    await aigul.send_text("14:00–16:00")
    await aigul.wait_messages(1)
    await aigul.press("✅ Келісемін")
    summary = next(m.body for m in aigul.messages if m.body.startswith("Өтінімді тексеріңіз"))
    assert "Қашан: " + date.fromordinal(planned).strftime("%d.%m.%Y") + ", 14:00–16:00" in summary
    assert "📍 Картадағы нүкте: бар" in summary
    aigul.mark_read()
    await aigul.press("✅ Растау")
    [created] = await aigul.wait_messages(1)
    assert created.body.startswith("✅ № 1 өтінім қабылданды")

    [push] = await first.wait_messages(1, timeout=10)
    assert push.body.startswith("🆕 № 1 тапсырма: Көмір жеткізу")
    await second.wait_messages(1, timeout=10)
    first.mark_read()
    await first.press("Мен орындаймын")
    [details] = await first.wait_messages(1)
    assert "Айгүл Сапарқызы" in details.body and "📍 Картадағы нүкте" in details.body
    first.mark_read()
    second.mark_read()
    await first.press("✖️ Орындай алмаймын")
    await first.wait_messages(1)
    await first.send_text("Көлік бұзылды")
    [declined] = await first.wait_messages(1)
    assert declined.body.startswith("№ 1 тапсырма қайтарылды")
    for _ in range(50):  # the details in their chat lose the person's data
        if not any("Айгүл Сапарқызы" in m.body for m in first.messages):
            break
        await asyncio.sleep(0.1)
    assert not any("Айгүл Сапарқызы" in m.body for m in first.messages)
    assert any(m.body.startswith("№ 1 тапсырма енді сіздікі емес") for m in first.messages)
    # Offered again to the other volunteer, never to the one who declined.
    [again] = await second.wait_messages(1, timeout=10)
    assert "№ 1 тапсырма" in again.body
    await drained(runner)
    assert not [m for m in first.messages if "Мен орындаймын" in str(m.buttons)]
    assert (await _request(runner, 1)).status == "new"

    # The requester heard of it, and cancels; the open offer is withdrawn.
    aigul.mark_read()
    await aigul.send_text("📋 Менің өтінімдерім")
    await aigul.wait_messages(1)
    await aigul.press("№ 1: Көмір жеткізу")
    await aigul.wait_messages(1)
    await aigul.press("✖️ Өтінімнен бас тарту")
    await aigul.wait_messages(1)
    await aigul.press("Иә, өтінімнен бас тартамын")
    assert any(m.body == "№ 1 өтінімнің күші жойылды." for m in aigul.messages)
    for _ in range(50):
        if second.messages[-1].body.startswith("№ 1 тапсырма енді қажет емес"):
            break
        await asyncio.sleep(0.1)
    assert second.messages[-1].body.startswith("№ 1 тапсырма енді қажет емес")
    late = await second.press_data(TaskCb(id=1, action="take").pack())
    assert late is not None and late.text and late.text.startswith("Бұл тапсырманы")
    bodies = await _bodies(aigul)
    assert any(b.startswith("Ерікті № 1 өтінімді орындай алмайды") for b in bodies)


@pytest.mark.parametrize("crowd", [50])
async def test_fifty_volunteers_press_take_at_once(
    emulator: Emulator, start_bot: StartBot, database_url: str, crowd: int
) -> None:
    # All of them in the first wave (a wave is 20 by default: see test_offer_waves.py).
    overrides = {"territories": "kuzbass", "offer_wave_size": crowd}
    runner = await start_bot(overrides=overrides, database_url=database_url)
    citizen = await _person(emulator, 7001, "Мария", "ru")
    team = await asyncio.gather(
        *(_person(emulator, 7100 + i, f"Вол{i}", "ru") for i in range(crowd))
    )
    await _volunteers(runner, team)
    await _fill_for_other_ru(citizen)
    for person in team:
        person.mark_read()  # before the press: a push may arrive before its answer
    await citizen.press("✅ Подтвердить")
    await asyncio.gather(*(p.wait_messages(1, timeout=30) for p in team))
    for person in team:
        push = person.messages[-1]
        assert not any(word in push.body for word in PERSONAL), push.body

    answers = await asyncio.gather(*(p.press("Взять", timeout=20) for p in team))
    won = [a for a in answers if a is not None and a.text and a.text.startswith("✅ Вы взяли")]
    assert len(won) == 1, [a.text if a else None for a in answers]
    winner = team[[a is won[0] for a in answers].index(True)]
    losers = [p for p in team if p is not winner]
    assert all(
        a is not None and a.show_alert for a, p in zip(answers, team, strict=True) if p in losers
    )

    async def edited(person: Person) -> bool:
        for _ in range(300):
            texts = [m.body for m in person.messages if m.from_bot]
            if any(t.startswith("Задачу № 1 уже взял другой волонтёр") for t in texts):
                return True
            await asyncio.sleep(0.1)
        return False

    assert all(await asyncio.gather(*(edited(p) for p in losers)))
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        taken_edits = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.idempotency_key.like("req:1:r0:taken:%")
            )
        )
    assert taken_edits == crowd - 1
    assert (await _request(runner, 1)).status == "taken"


async def test_hotline_request_and_the_coordinators_list(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    helper = await _person(emulator, 8100, "Иван", "ru")
    await _volunteers(runner, [helper])

    await hq.send_text("/hotline")
    await hq.wait_messages(2)
    await hq.send_text("+7 913 555-44-33")
    await hq.wait_messages(1)
    await hq.press("Лекарства")
    await hq.press("Для меня")
    await hq.send_text("Зинаида Ивановна")
    await hq.wait_messages(1)  # no phone step: the caller's phone is used
    await _press_paged(hq, RU_TERRITORY, "Далее ▶️")
    await hq.send_text("ул. Мира, 3, кв. 4")
    await hq.wait_messages(1)
    await hq.send_text("Пропустить")
    await hq.wait_messages(1)
    await hq.send_text("Лекарства по рецепту из аптеки")
    await hq.wait_messages(1)
    await hq.press("В течение 3 дней")
    await hq.press("В любое время")
    consent = hq.messages[-1].body
    assert consent.startswith("<b>Согласие позвонившего</b>") or "Согласие позвонившего" in consent
    await hq.press("✅ Даю согласие")
    summary = next(m.body for m in hq.messages if m.body.startswith("Проверьте заявку"))
    assert "Позвонивший: +7 913 555-44-33" in summary
    hq.mark_read()
    await hq.press("✅ Подтвердить")
    [created] = await hq.wait_messages(1)
    request = await _request(runner, 1)
    assert created.body.startswith("✅ Заявка № 1 по звонку принята")
    assert request.requester_id is None and request.entered_by == ADMIN_ID
    assert request.caller_phone == "+79135554433"

    [push] = await helper.wait_messages(1, timeout=10)
    assert "913" not in push.body and "Зинаида" not in push.body
    helper.mark_read()
    await helper.press("Взять")
    [details] = await helper.wait_messages(1)
    assert "Зинаида Ивановна, тел. +7 913 555-44-33" in details.body

    hq.mark_read()
    await hq.send_text("/requests")
    [listing] = await hq.wait_messages(1)
    assert "№ 1 · Лекарства · Юргинский городской округ · 🙋 волонтёр назначен · ☎️" in listing.body
    await hq.press("№ 1: Лекарства")
    [card] = await hq.wait_messages(1)
    assert "Позвонивший: +7 913 555-44-33" in card.body and "Волонтёр: Иван Иванов" in card.body
    await hq.press("⚠️ Не удалось помочь")
    await hq.wait_messages(1)
    await hq.send_text("Лекарство выдают только лично")
    [failed] = await hq.wait_messages(1)
    assert failed.body.startswith("Заявка № 1 закрыта: не удалось помочь")
    [told] = [m for m in await helper.wait_messages(1, timeout=10)]
    assert told.body == "Заявку № 1 отменили: задача больше не нужна."
    assert (await _request(runner, 1)).status == "failed"
    for _ in range(50):  # the volunteer's details lose the caller's data
        if not any("Зинаида" in m.body for m in helper.messages):
            break
        await asyncio.sleep(0.1)
    assert not any("Зинаида" in m.body for m in helper.messages)

    # A citizen cannot see the list.
    citizen = await _person(emulator, 8200, "Иван", "ru")
    await citizen.send_text("/requests")
    [unknown] = await citizen.wait_messages(1)
    assert unknown.body.startswith("Я не понял")


async def test_bad_input_stale_buttons_and_double_confirm(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 9101, "Мария", "ru")
    other = await _person(emulator, 9102, "Олег", "ru")
    await _volunteers(runner, [maria])  # a volunteer may ask for help too, but not take it

    await maria.send_text("/request")
    await maria.wait_messages(2)
    await maria.send_text("продукты")  # text where a button is expected
    hint, _kinds = await maria.wait_messages(2)  # the hint, and the buttons again below it
    assert hint.body.startswith("Пожалуйста, воспользуйтесь кнопками")
    await maria.press("Продукты")
    await maria.press("Для другого человека")
    await maria.send_photo(b"photo")
    [photo_hint] = await maria.wait_messages(1)
    assert photo_hint.body.startswith("Имя — от 1 до 100 символов")
    await maria.send_text("Анна Петровна")
    await maria.wait_messages(1)
    await maria.send_text("двести")
    [age_hint] = await maria.wait_messages(1)
    assert age_hint.body.startswith("Возраст — число")
    await maria.send_text("⬅️ Назад")  # back to the name
    [name_again] = await maria.wait_messages(1)
    assert name_again.body.startswith("Как зовут человека")
    maria.mark_read()
    await maria.send_text("/cancel")
    [cancelled] = await maria.wait_messages(1)
    assert cancelled.body == "Ввод отменён, ничего не сохранено."

    await _fill_for_other_ru(maria)
    maria.mark_read()
    confirm = next(m for m in reversed(maria.messages) if m.body.startswith("Проверьте заявку"))
    assert confirm.reply_markup is not None
    data = confirm.reply_markup["inline_keyboard"][0][0]["callback_data"]
    await asyncio.gather(
        maria.press_data(data, message_id=confirm.message_id),
        maria.press_data(data, message_id=confirm.message_id),
    )
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(func.count(HelpRequest.id))) == 1

    # Someone else's request and a forged "take" of one's own request.
    answer = await other.press_data(MyRequestCb(id=1, action="open").pack())
    assert answer is not None and answer.text == "Это не ваша заявка или её уже нет."
    answer = await maria.press_data(TaskCb(id=1, action="take").pack())
    assert (
        answer is not None
        and answer.text == "Это ваша собственная заявка: её возьмёт другой волонтёр."
    )
    answer = await other.press_data(TaskCb(id=1, action="take").pack())
    assert answer is not None and answer.text and answer.text.startswith("Брать задачи могут")


async def test_form_survives_a_restart_and_forget_erases_requests(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 9301, "Мария", "ru")
    await maria.send_text("🆘 Попросить о помощи")
    await maria.wait_messages(2)
    await maria.press("Продукты")
    await maria.press("Для другого человека")
    await runner.restart()
    maria.mark_read()
    await maria.send_text("Анна Петровна")
    [age] = await maria.wait_messages(1)
    assert age.body.startswith("Сколько лет этому человеку")
    await maria.send_text("/cancel")
    await maria.wait_messages(1)

    await _fill_for_other_ru(maria)
    await maria.press("✅ Подтвердить")
    maria.mark_read()
    await maria.send_text("/forget")
    await maria.wait_messages(1)
    await maria.press("Да, удалить мои данные")
    request = await _request(runner, 1)
    assert request.status == "cancelled"
    assert request.person_name == "—" and request.address == "—" and request.person_phone is None


async def test_nobody_fits_so_the_coordinators_hear_of_it(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    coal = await _person(emulator, 9401, "Ольга", "ru")
    await _volunteers(runner, [coal], skills=("coal",))  # fits no grocery request
    maria = await _person(emulator, 9402, "Мария", "ru")
    await _fill_for_other_ru(maria)
    maria.mark_read()
    await maria.press("✅ Подтвердить")
    [created] = await maria.wait_messages(1)
    assert created.body.startswith("✅ Заявка № 1 принята. Свободных волонтёров")
    [note] = await hq.wait_messages(1, timeout=10)
    assert note.body.startswith(
        "⚠️ Заявка № 1 (Продукты, Юргинский городской округ) без исполнителя"
    )
    assert not any(word in note.body for word in PERSONAL)
    await drained(runner)
    assert not [m for m in coal.messages if m.body.startswith("🆕 Задача")]


async def test_review_cases_edit_back_guards_double_take_block_and_erase(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """Cases a reviewer found: Back inside an edit must not leave a field empty; a task button
    must not wipe an open form; the winner's second tap; a blocked volunteer's task goes to the
    others; a coordinator erasing an open request closes it; /hotline inside a form."""
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    maria = await _person(emulator, 9501, "Мария", "ru")
    first, second = [await _person(emulator, 9600 + i, f"Иван{i}", "ru") for i in range(2)]
    ids = await _volunteers(runner, [first, second])

    # Editing "for whom" to another person, then Back twice: the missing age is asked for.
    await _fill_for_other_ru(maria)
    await maria.press("✏️ Для кого")
    await maria.press("Для меня")
    await maria.send_text("Мария Ивановна")
    await maria.wait_messages(1)
    await maria.send_text("+7 913 000-11-22")
    await maria.wait_messages(1)  # the consent was for another person: asked again
    await maria.press("✅ Даю согласие")
    maria.mark_read()
    await maria.press("✏️ Для кого")
    await maria.press("Для другого человека")
    await maria.send_text("⬅️ Назад")
    await maria.send_text("⬅️ Назад")
    await emulator.wait_idle()
    asked = [m for m in maria.messages if m.from_bot][-1]
    assert asked.body.startswith("Сколько лет этому человеку")  # the new person's age

    # Finish the form; the first volunteer takes it and taps Take again.
    await maria.send_text("80")
    await maria.wait_messages(1)
    await maria.send_text("8 913 123 45 67")
    await maria.wait_messages(1)
    await maria.press("Нет")
    await maria.press("✅ Даю согласие")  # a new person: their consent again
    await maria.press("✅ Подтвердить")
    request = await _request(runner, 1)
    assert (request.person_age, request.person_phone, request.self_isolation) == (
        80,
        "+79131234567",
        False,
    )
    await first.wait_messages(1, timeout=10)
    await second.wait_messages(1, timeout=10)
    first.mark_read()
    await first.press("Взять")
    await first.wait_messages(1)
    again = await first.press_data(TaskCb(id=1, action="take").pack())
    assert again is not None and again.text and again.text.startswith("Задача № 1 уже ваша")

    # A task button while another form is open keeps the form.
    await first.send_text("🆘 Попросить о помощи")
    await first.wait_messages(2)
    guard = await first.press_data(TaskCb(id=1, action="done").pack())
    assert guard is not None and guard.text and guard.text.startswith("Сначала закончите")
    first.mark_read()
    await first.send_text("/myrequests")  # a command of theirs inside the form
    [finish] = await first.wait_messages(1)
    assert finish.body.startswith("Сначала закончите")
    await first.send_text("/cancel")
    await first.wait_messages(1)

    # The coordinator blocks the first volunteer: the task is offered to the second.
    second.mark_read()
    await hq.send_text("/volunteers")
    await hq.wait_messages(1)
    await hq.press(f"Иван0 Иванов (№ {ids[first.id]})")
    await hq.wait_messages(1)
    await hq.press("⛔ Заблокировать")
    await hq.wait_messages(1)
    await hq.send_text("Не выходит на связь")
    await hq.wait_messages(1)
    [offer] = await second.wait_messages(1, timeout=10)
    assert offer.body.startswith("🆕 Задача № 1")
    gone = await first.press_data(TaskCb(id=1, action="open").pack())
    assert gone is not None and gone.text == "Эта задача уже не ваша или закрыта."
    for _ in range(50):  # and the blocked volunteer's chat no longer holds the address
        if not any("ул. Ленина" in m.body for m in first.messages):
            break
        await asyncio.sleep(0.1)
    assert not any("ул. Ленина" in m.body for m in first.messages)

    # /hotline inside a form is "finish first", not an intruder's attempt.
    hq.mark_read()
    await hq.send_text("/request")
    await hq.wait_messages(2)
    await hq.send_text("/hotline")
    [hint] = await hq.wait_messages(1)
    assert hint.body.startswith("Сначала закончите")
    await hq.send_text("/cancel")
    await hq.wait_messages(1)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        denied = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "denied_command")
        )
    assert denied == 0

    # Erasing an open request closes it: the open offer is withdrawn.
    hq.mark_read()
    await hq.send_text("/requests")
    await hq.wait_messages(1)
    await hq.press("№ 1: Продукты")
    [card] = await hq.wait_messages(1)
    assert "Отказался: Иван0 Иванов — blocked" in card.body
    await hq.press("🗑 Стереть личные данные")
    await hq.wait_messages(1)
    await hq.press("Да, стереть")
    erased = await _request(runner, 1)
    assert erased.status == "cancelled" and erased.person_name == "—"
    for _ in range(50):
        if second.messages[-1].body.startswith("Задача № 1 больше не нужна"):
            break
        await asyncio.sleep(0.1)
    assert second.messages[-1].body.startswith("Задача № 1 больше не нужна")


async def test_a_volunteer_who_forgets_hands_the_task_back_and_keeps_no_address(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 9701, "Мария", "ru")
    first, second = [await _person(emulator, 9800 + i, f"Олег{i}", "ru") for i in range(2)]
    await _volunteers(runner, [first, second])
    await _fill_for_other_ru(maria)
    await maria.press("✅ Подтвердить")
    await first.wait_messages(1, timeout=10)
    await second.wait_messages(1, timeout=10)
    first.mark_read()
    await first.press("Взять")
    [details] = await first.wait_messages(1)
    assert "ул. Ленина" in details.body
    second.mark_read()
    await first.send_text("/forget")
    await first.wait_messages(1)
    await first.press("Да, удалить мои данные")
    [again] = await second.wait_messages(1, timeout=10)
    assert again.body.startswith("🆕 Задача № 1")
    for _ in range(50):
        if not any("ул. Ленина" in m.body for m in first.messages):
            break
        await asyncio.sleep(0.1)
    assert not any("ул. Ленина" in m.body for m in first.messages)
    assert (await _request(runner, 1)).status == "new"


async def test_editing_the_territory_asks_for_the_pin_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """The "territory" edit group is the territory and its pin, with the address between them
    in the form: the edit walks the group, so the dropped pin is asked again."""
    await _bot(start_bot)
    maria = await _person(emulator, 9801, "Мария", "ru")
    await _fill_for_other_ru(maria)
    maria.mark_read()
    await maria.press("✏️ Территория")
    [picker] = await maria.wait_messages(1)
    assert picker.body.startswith("Где нужна помощь?")
    await _press_paged(maria, "Тайгинский городской округ", "Далее ▶️")
    [pin] = await maria.wait_messages(1)
    assert pin.body.startswith("Можно отправить точку на карте")
    await maria.send_text("Пропустить")
    [summary] = await maria.wait_messages(1)
    assert summary.body.startswith("Проверьте заявку") and "Тайгинский" in summary.body
