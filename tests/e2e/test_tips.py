"""The safety library end to end (issue 18), in Russian and Kazakh: browsing topics and tips,
subscribing to seasonal alerts and a weekly tip, the seasonal push once the clock is moved into
the season (per zone after quiet hours), the weekly tip at the person's local time, one-tap
unsubscribing under a pushed tip, «I got a suspicious call» making a help request, and a
coordinator adding a tip with its preview in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.services import volunteers
from bot.services.timing import QuietHours
from models import AuditEntry, HelpRequest, SafetyTip, Territory, TipSubscription
from scheduler.jobs import tips as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

NOVOKUZNETSK = ZoneInfo("Asia/Novokuznetsk")  # the HQ's zone (UTC+7)
RU_TERRITORY = "Юргинский городской округ"
KK_TERRITORY = "Юрга қалалық округі"


async def _bot(start_bot: StartBot, **overrides: object) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass", **overrides})


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


def _body(person: Person, message_id: int) -> str:
    return next(m for m in person.messages if m.message_id == message_id).body


def _count(person: Person) -> int:
    return len(person.chat.bot_messages)


def _buttons(person: Person, message_id: int) -> list[str]:
    message = next(m for m in person.messages if m.message_id == message_id)
    return [label for row in message.buttons for label in row]


async def _tick(runner: BotRunner) -> job.TickResult:
    assert runner.app is not None
    result = await job.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        quiet=QuietHours.parse(runner.app.settings.quiet_hours),
        default_locale="ru",
        hq_zone=NOVOKUZNETSK,
    )
    await drained(runner)
    return result


async def _press_paged(person: Person, label: str, next_label: str) -> None:
    for _ in range(10):
        message = person.last_bot_message
        labels = [b for row in (message.buttons if message else []) for b in row]
        if label in labels:
            await person.press(label)
            return
        await person.press(next_label)
    raise AssertionError(f"{label!r} not found")


async def test_browse_topics_and_tips_in_russian_and_kazakh(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _bot(start_bot)
    olga = await _person(emulator, 8101, "Ольга", "ru")
    aigul = await _person(emulator, 8102, "Айгүл", "kk")

    assert olga.reply_keyboard is not None and ["🛟 Безопасность"] in olga.reply_keyboard
    await olga.tap("🛟 Безопасность")
    [home] = await olga.wait_messages(1)
    assert home.body.startswith("🛟 Советы по безопасности") and "112" in home.body
    assert home.buttons[0] == ["📞 Мне звонили: это мошенники?"]
    assert home.buttons[1] == ["🔥 Пожар в доме", "🧊 Лёд и вода"]
    assert home.buttons[-1] == ["🔔 Подписка на советы"]
    await olga.press("🔥 Пожар в доме")
    assert _body(olga, home.message_id).startswith("🔥 Пожар в доме")
    assert _buttons(olga, home.message_id)[:3] == [
        "Печь и уголь в частном доме",
        "Обогреватели и проводка",
        "Дымовой извещатель и если начался пожар",
    ]
    await olga.press("Печь и уголь в частном доме")
    tip = _body(olga, home.message_id)  # one screen: the same message shows the tip
    assert tip.startswith("🔥 Печь и уголь в частном доме") and "103 или 112" in tip
    assert "✏️ Изменить совет" not in _buttons(olga, home.message_id)  # citizens do not edit
    await olga.press("⬅️ 🔥 Пожар в доме")
    await olga.press("🏠 Все темы")
    assert _body(olga, home.message_id).startswith("🛟 Советы по безопасности")

    await aigul.send_text("/tips")
    [home_kk] = await aigul.wait_messages(1)
    assert home_kk.body.startswith("🛟 Қауіпсіздік кеңестері")
    await aigul.press("🚨 Төтенше жағдай, 112")
    await aigul.press("112 және шұғыл қызметтердің нөмірлері")
    numbers = _body(aigul, home_kk.message_id)
    assert "Қазақстанда да, Ресейде де" in numbers and "104 — газ қызметі" in numbers
    assert "101 — өрт сөндіру қызметі" in numbers and "103 — жедел жәрдем" in numbers
    # A forged tip id is answered, not silent.
    answer = await aigul.press_data("sf:v:999999:")
    assert answer is not None and answer.text == "Бұл кеңес енді жоқ. Тізімді қайта ашыңыз: /tips"


async def test_seasonal_push_per_zone_and_one_tap_unsubscribe(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    olga = await _person(emulator, 8201, "Ольга", "ru")
    aigul = await _person(emulator, 8202, "Айгүл", "kk")
    for person, subs, on in (
        (olga, "🔔 Подписка на советы", "🍂 Включить сезонные советы"),
        (aigul, "🔔 Кеңестерге жазылу", "🍂 Маусымдық кеңестерді қосу"),
    ):
        await person.send_text("/tips")
        [home] = await person.wait_messages(1)
        await person.press(subs)
        await person.press(on)
        assert _body(person, home.message_id).startswith("✅")
    # Aigul lives two zones west of the HQ (a territory in Moscow's time).
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await session.execute(
            update(TipSubscription)
            .where(TipSubscription.user_id == aigul.id)
            .values(timezone="Europe/Moscow")
        )
        await session.commit()

    # No season's round today (5 December): nothing is sent.
    assert (await _tick(runner)).rounds == []
    olga.mark_read()
    aigul.mark_read()
    before = _count(aigul)
    # The clock moves into spring's thin ice: 1 March, 10:30 at the HQ, 06:30 in Moscow.
    clock.set(datetime(2027, 3, 1, 10, 30, tzinfo=NOVOKUZNETSK).astimezone(UTC))
    result = await _tick(runner)
    assert [r.key for r in result.rounds] == ["ice:2027-03-01:0"]
    [ice] = await olga.wait_messages(1)
    assert ice.body.startswith("🧊 Тонкий лёд осенью и весной")
    assert ice.buttons == [["📚 Ещё советы по теме"], ["🔕 Отписаться"]]
    assert _count(aigul) == before  # 06:30 in Moscow: it waits for the morning
    # 08:00 in Moscow: quiet hours are over there.
    clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=ZoneInfo("Europe/Moscow")).astimezone(UTC))
    await _tick(runner)
    [ice_kk] = await aigul.wait_messages(1)
    assert ice_kk.body.startswith("🧊 Күз бен көктемдегі жұқа мұз")
    assert ice_kk.buttons == [["📚 Тақырып бойынша тағы кеңес"], ["🔕 Жазылымнан бас тарту"]]
    assert (await _tick(runner)).rounds == []  # the round went once

    # «More tips» under the push opens the topic as a new message; the tip stays.
    await olga.press("📚 Ещё советы по теме")
    [topic] = await olga.wait_messages(1)
    assert topic.body.startswith("🧊 Лёд и вода")
    # One tap unsubscribes: the push loses its buttons and says so.
    await olga.press("🔕 Отписаться", message_id=ice.message_id)
    [off] = await olga.wait_messages(1)
    assert off.body == "🔕 Вы отписались от сезонных советов."
    assert _buttons(olga, ice.message_id) == []
    assert _body(olga, ice.message_id).startswith("🧊 Тонкий лёд")

    # The next round, two weeks on: Aigul gets the season's other tip, Olga nothing.
    olga.mark_read()
    before = _count(olga)
    clock.set(datetime(2027, 3, 15, 13, 0, tzinfo=NOVOKUZNETSK).astimezone(UTC))  # 09:00 MSK
    await _tick(runner)
    [second] = await aigul.wait_messages(1)
    assert second.body.startswith("🧊 Мұз ойылып, суға түсіп кетсеңіз")
    await drained(runner)
    assert _count(olga) == before


async def test_weekly_tip_at_local_time_after_quiet_hours(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot, quiet_hours="22:00-09:30")
    aigul = await _person(emulator, 8301, "Айгүл", "kk")
    await aigul.send_text("/tips")
    [home] = await aigul.wait_messages(1)
    await aigul.press("🔔 Кеңестерге жазылу")
    assert _body(aigul, home.message_id).startswith("🔔 Кеңестерге жазылу")
    await aigul.press("📅 Аптасына бір кеңес")
    await aigul.press("Дс")
    assert _body(aigul, home.message_id).startswith("Дүйсенбі. Кеңесті сағат нешеде")
    await aigul.press("09:00")
    saved = _body(aigul, home.message_id)
    assert saved == (
        "✅ Дайын: апта кеңесі әр дүйсенбі, сағат 09:00 келеді (Asia/Novokuznetsk уақыт белдеуі)."
    )
    # Saturday 5 December; Monday 7 December 09:00 in Novokuznetsk is 02:00 UTC.
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=NOVOKUZNETSK)
    clock.set((monday - timedelta(minutes=1)).astimezone(UTC))
    assert (await _tick(runner)).weekly == 0
    clock.set(monday.astimezone(UTC))
    assert (await _tick(runner)).weekly == 1
    aigul.mark_read()
    before = _count(aigul)
    await drained(runner)
    assert _count(aigul) == before  # quiet hours here until 09:30
    clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=NOVOKUZNETSK).astimezone(UTC))
    await drained(runner)
    [first] = await aigul.wait_messages(1)
    assert first.buttons[-1] == ["🔕 Жазылымнан бас тарту"]
    clock.set((monday + timedelta(days=7, minutes=31)).astimezone(UTC))
    assert (await _tick(runner)).weekly == 1
    [second] = await aigul.wait_messages(1)
    assert second.body != first.body  # never the same tip twice in a row
    await aigul.press("🔕 Жазылымнан бас тарту", message_id=second.message_id)
    [off] = await aigul.wait_messages(1)
    assert off.body == "🔕 Апта кеңесінен бас тарттыңыз."
    clock.set((monday + timedelta(days=14, minutes=31)).astimezone(UTC))
    assert (await _tick(runner)).weekly == 0


async def _volunteer(runner: BotRunner, person: Person) -> None:
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        application = volunteers.Application(
            name=f"{person.first_name} Иванов", phone="+79030000000", territory_id=yurga.id,
            skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        record = await volunteers.submit(session, person.id, application, now)
        await volunteers.decide(
            session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
        )
        await session.commit()


async def test_suspicious_call_makes_a_help_request_in_both_languages(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    helper = await _person(emulator, 8400, "Денис", "ru")
    await _volunteer(runner, helper)
    olga = await _person(emulator, 8401, "Ольга", "ru")
    await olga.send_text("/tips")
    await olga.wait_messages(1)
    await olga.press("📞 Мне звонили: это мошенники?")
    [checklist] = await olga.wait_messages(1)
    assert checklist.body.startswith("📞 Вам позвонили, и что-то насторожило?")
    assert "102" in checklist.body and "112" in checklist.body
    assert checklist.buttons == [["🙋 Попросить волонтёра помочь"], ["🛡 Советы о мошенниках"]]
    await olga.press("🙋 Попросить волонтёра помочь")
    await olga.wait_messages(2)  # the intro, the territory question
    await _press_paged(olga, RU_TERRITORY, "Далее ▶️")
    await olga.wait_messages(1)
    await olga.tap("📱 Поделиться контактом")
    await olga.wait_messages(1)
    await olga.send_text("Звонили из «банка», просили код из СМС")
    await olga.wait_messages(1)
    await olga.press("✅ Даю согласие")
    summary = olga.last_bot_message
    assert summary is not None and summary.body.startswith("Проверьте заявку")
    assert "Помощь: подозрительный звонок" in summary.body and RU_TERRITORY in summary.body
    olga.mark_read()
    await olga.press("✅ Отправить заявку")
    [created] = await olga.wait_messages(1)
    assert created.body.startswith("✅ Заявка № 1 создана. Волонтёр перезвонит вам.")
    await drained(runner)
    assert any("Взять" in row for m in helper.messages for row in m.buttons)

    aigul = await _person(emulator, 8402, "Айгүл", "kk")
    await aigul.send_text("/fraud")
    [checklist_kk] = await aigul.wait_messages(1)
    assert checklist_kk.body.startswith("📞 Сізге қоңырау шалып, бірдеңе күдік тудырды ма?")
    await aigul.press("🙋 Еріктіден көмек сұрау")
    await aigul.wait_messages(2)
    await _press_paged(aigul, KK_TERRITORY, "Әрі қарай ▶️")
    await aigul.wait_messages(1)
    await aigul.send_text("8 701 123 45 67")
    await aigul.wait_messages(1)
    await aigul.send_text("Өткізіп жіберу")
    await aigul.wait_messages(1)
    await aigul.press("✅ Келісемін")
    aigul.mark_read()
    await aigul.press("✅ Өтінімді жіберу")
    [created_kk] = await aigul.wait_messages(1)
    assert created_kk.body.startswith("✅ № 2 өтінім жасалды.")

    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = (await session.scalars(select(HelpRequest).order_by(HelpRequest.id))).all()
    assert [(r.requester_id, r.kind, r.status) for r in rows] == [
        (olga.id, "other", "new"),
        (aigul.id, "other", "new"),
    ]
    assert "просили код из СМС" in rows[0].details and rows[1].person_phone == "+77011234567"


async def test_coordinator_adds_a_tip_with_a_preview_in_both_languages(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    citizen = await _person(emulator, 8501, "Ольга", "ru")
    await citizen.send_text("/newtip")  # not a coordinator: unknown to them
    [unknown] = await citizen.wait_messages(1)
    assert "Совет" not in unknown.body

    await admin.send_text("/newtip")
    await admin.wait_messages(2)
    await admin.press("🔥 Пожар в доме")
    await admin.press("Отопительный сезон (октябрь–апрель)")
    await admin.send_text("Без заголовка")
    [bad] = await admin.wait_messages(1)
    assert bad.body.startswith("Нужны заголовок")
    admin.mark_read()
    await admin.send_text("Газовый баллон\nХраните баллон на улице, в проветриваемом шкафу.")
    await admin.wait_messages(1)
    await admin.send_text("Газ баллоны\nБаллонды далада, желдетілетін шкафта сақтаңыз.")
    summary = (await admin.wait_messages(1))[-1]
    assert summary.body.startswith("Проверьте совет")
    assert "Так его увидят по-русски:" in summary.body and "🔥 Газовый баллон" in summary.body
    assert "Так его увидят по-казахски:" in summary.body and "🔥 Газ баллоны" in summary.body
    admin.mark_read()
    await admin.press("✅ Сохранить совет")
    saved, shown = await admin.wait_messages(2)
    assert saved.body == "✅ Совет сохранён. Так он выглядит:"
    assert shown.body.startswith("🔥 Газовый баллон") and ["✏️ Изменить совет"] in shown.buttons
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        tip = await session.scalar(select(SafetyTip).where(SafetyTip.title_ru == "Газовый баллон"))
    assert tip is not None and (tip.source, tip.season, tip.topic) == (
        "coordinator",
        "heating",
        "fire",
    )

    # «✏️ Изменить совет» under a shipped tip opens the form on its summary.
    await admin.send_text("/tips")
    await admin.wait_messages(1)
    await admin.press("🔥 Пожар в доме")
    await admin.press("Печь и уголь в частном доме")
    admin.mark_read()
    await admin.press("✏️ Изменить совет")
    [opened] = await admin.wait_messages(1)
    assert opened.body.startswith("Проверьте совет") and "🔥 Печь и уголь" in opened.body
    await admin.press("✏️ Текст (рус.)")
    await admin.wait_messages(1)
    await admin.send_text("Печь и уголь\nТопите печь не дольше полутора часов и не уходите.")
    await admin.wait_messages(1)
    admin.mark_read()
    await admin.press("✅ Сохранить совет")
    await admin.wait_messages(2)
    # A restart reloads the data files and leaves the coordinators' tips alone.
    await runner.restart()
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        again = await session.get(SafetyTip, tip.id)
        stove = await session.scalar(select(SafetyTip).where(SafetyTip.code == "fire-stove"))
        audited = (
            await session.scalars(select(AuditEntry.target).where(AuditEntry.action == "tip_saved"))
        ).all()
    assert set(audited) == {f"tip:{tip.id}", f"tip:{stove.id if stove else 0}"}
    assert again is not None and again.text_kk == "Баллонды далада, желдетілетін шкафта сақтаңыз."
    assert stove is not None and stove.source == "coordinator" and stove.title_ru == "Печь и уголь"
    assert stove.text_ru == "Топите печь не дольше полутора часов и не уходите."
    assert stove.title_kk == "Жеке үйдегі пеш пен көмір"  # the Kazakh text as it was
