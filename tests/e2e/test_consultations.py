"""«Ask a volunteer medic» end to end through the emulator (issue 18), in Russian and Kazakh:
the citizen's question (the 103/112 notice first on emergency words), two medics pressing
«take» at once (one wins), the conversation relayed both ways (text, a photo, a voice note)
with each side's header in their own language, neither side ever seeing the other's Telegram
id, username, name or phone; closing, rating; escalation to the HQ's medics after the set
time; erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.sandbox.world import StoredMessage
from bot.services import volunteers
from models import AuditEntry, Consultation, ConsultationMessage, Territory
from scheduler.jobs import consultations as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.e2e.test_requests import KK_TERRITORY, RU_TERRITORY, _press_paged

MEDIC_PHONE = "+79035550101"


async def _bot(start_bot: StartBot, **kwargs: object) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"}, **kwargs)


async def _person(emulator: Emulator, user_id: int, name: str, code: str, username: str) -> Person:
    person = emulator.user(
        user_id, first_name=name, username=username, language_code=code, phone="+77011234567"
    )
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _medics(runner: BotRunner, people: Iterable[Person], code: str = "yurga") -> None:
    """Approved volunteers with the skill «medic» (the sign-up form has its own tests)."""
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == code))
        assert territory is not None
        for person in people:
            application = volunteers.Application(
                name=f"{person.first_name} Медикова", phone=MEDIC_PHONE,
                territory_id=territory.id, skills=("medic",), age_group="35-54",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
        await session.commit()


async def _until(
    person: Person, match: Callable[[StoredMessage], bool], timeout: float = 10.0
) -> StoredMessage:
    """The first message from the bot that matches (an edit counts), waited for."""
    for _ in range(int(timeout / 0.05)):
        for message in person.messages:
            if message.from_bot and match(message):
                return message
        await asyncio.sleep(0.05)
    seen = [m.body[:60] for m in person.messages if m.from_bot]
    raise AssertionError(f"nothing matched for {person.id}; seen: {seen}")


def _starts(prefix: str) -> Callable[[StoredMessage], bool]:
    return lambda m: m.body.startswith(prefix)


def _has(part: str) -> Callable[[StoredMessage], bool]:
    return lambda m: part in m.body


def _never_shows(person: Person, other: Person, phone: str) -> None:
    """Nothing ``person`` got from the bot names ``other``: id, username, name, phone; and
    nothing is a forward (which would show the account)."""
    for message in person.messages:
        if not message.from_bot:
            continue
        assert message.forward_origin is None
        assert message.sender.get("is_bot") is True
        for secret in (str(other.id), other.profile.username or "@", other.first_name, phone):
            assert secret not in message.body, (secret, message.body)


async def _ask_ru(citizen: Person, question: str) -> None:
    await citizen.send_text("🩺 Спросить врача-волонтёра")
    await citizen.wait_messages(2)  # the intro with 103/112, then «for whom»
    await citizen.press("Для близкого человека")
    await _press_paged(citizen, RU_TERRITORY, "Далее ▶️")
    await citizen.send_text(question)


async def test_ru_two_medics_race_and_the_relay_hides_both_accounts(
    emulator: Emulator, start_bot: StartBot, database_url: str
) -> None:
    runner = await _bot(start_bot, database_url=database_url)  # the race on PostgreSQL too
    maria = await _person(emulator, 8101, "Мария", "ru", "maria_kem")
    aidar = await _person(emulator, 8201, "Айдар", "kk", "aidar_med")
    olga = await _person(emulator, 8202, "Ольга", "ru", "olga_med")
    driver = await _person(emulator, 8203, "Пётр", "ru", "petr_car")
    await _medics(runner, [aidar, olga])

    await maria.send_text("🩺 Спросить врача-волонтёра")
    intro, _who = await maria.wait_messages(2)
    assert "не скорая помощь" in intro.body and "103" in intro.body and "112" in intro.body
    await maria.press("Для близкого человека")
    await _press_paged(maria, RU_TERRITORY, "Далее ▶️")
    await maria.send_text("У папы давление 180 на 100, кружится голова. Что делать?")
    [consent] = await maria.wait_messages(1)
    assert consent.body.startswith("Ваш вопрос и переписку увидит только врач-волонтёр")
    await maria.press("✅ Даю согласие")
    summary = await _until(maria, _starts("Проверьте вопрос"))
    assert "для близкого человека" in summary.body and RU_TERRITORY in summary.body
    maria.mark_read()
    await maria.press("✅ Отправить вопрос")
    sent = await _until(maria, _starts("✅ Вопрос № 1 отправлен"))
    assert "103" in sent.body

    offer_a = await _until(aidar, _starts("🩺 Ерікті дәрігерге № 1 сұрақ"))
    offer_o = await _until(olga, _starts("🩺 Вопрос № 1 врачу-волонтёру"))
    for offer in (offer_a, offer_o):  # no content, nobody named
        assert "давление" not in offer.body and "Мария" not in offer.body
    assert not [m for m in driver.messages if "№ 1" in m.body]  # not a medic: never offered

    # Both press at once: exactly one wins.
    answers = await asyncio.gather(
        aidar.press("🩺 Мен жауап беремін"), olga.press("🩺 Взять вопрос")
    )
    won = [a is not None and (a.text or "").startswith("✅") for a in answers]
    assert won.count(True) == 1, [a.text if a else None for a in answers]
    medic, loser = (aidar, olga) if won[0] else (olga, aidar)
    late = answers[1] if won[0] else answers[0]
    assert late is not None and late.show_alert
    # The question reaches the winner only.
    question = await _until(medic, _has("180 на 100"))
    assert question.buttons in ([["↩️ Ответить"]], [["↩️ Жауап жазу"]])
    await drained(runner)
    assert not [m for m in loser.messages if "180" in m.body]
    assert await _until(loser, _has("№ 1")) is not None

    # The citizen hears a medic answers (no name) and enters the conversation.
    taken = await _until(maria, _starts("🩺 Врач-волонтёр взялся за ваш вопрос № 1"))
    assert "103" in taken.body
    await maria.press("↩️ Ответить", message_id=taken.message_id)
    mode = await _until(maria, _starts("💬 Переписка по вопросу № 1"))
    assert mode.body
    assert maria.reply_keyboard == [["✖️ Завершить консультацию"], ["⬅️ В меню"]]
    maria.mark_read()
    await maria.send_text("Он принимает эналаприл утром")
    [ok] = await maria.wait_messages(1)
    assert ok.body == "✅ Передано."
    header = "💬 № 1 сұрақ" if medic is aidar else "💬 Вопрос № 1"
    relayed = await _until(medic, lambda m: m.body.startswith(header) and "эналаприл" in m.body)
    assert relayed.forward_origin is None

    # The medic (in the conversation since the take) answers with text, then a photo.
    await medic.send_text("Измерьте давление ещё раз через 30 минут, запишите цифры.")
    answer = await _until(maria, _has("Измерьте давление"))
    assert answer.body.startswith("🩺 Врач-волонтёр (вопрос № 1):") and "112" in answer.body
    await medic.send_photo(b"\x89PNG scheme", caption="Схема измерения")
    photo = await _until(maria, lambda m: m.photo is not None)
    assert "Схема измерения" in photo.body and photo.body.startswith("🩺 Врач-волонтёр")
    # A voice note from the citizen, then emergency words: the 103/112 notice comes first.
    await maria.send_voice(b"OggS words", duration=5)
    voice = await _until(medic, lambda m: m.voice is not None)
    assert voice.body.startswith(header)
    maria.mark_read()
    await maria.send_text("Теперь у него боль в груди")
    notice, relayed_ok = await maria.wait_messages(2)
    assert "103" in notice.body and "112" in notice.body and relayed_ok.body == "✅ Передано."
    urgent = await _until(medic, lambda m: "боль в груди" in m.body)
    assert "🚨" in urgent.body

    # Nobody sees the other: neither id, username, first name nor phone, and no forwards.
    await drained(runner)
    _never_shows(maria, medic, MEDIC_PHONE)
    _never_shows(medic, maria, "+77011234567")
    _never_shows(loser, maria, "+77011234567")

    # The citizen ends it and rates it; the medic hears both; the conversation is over.
    maria.mark_read()
    await maria.tap("✖️ Завершить консультацию")
    rate = await _until(maria, _starts("Консультация № 1 завершена. Оцените"))
    ended = await _until(
        medic, lambda m: "№ 1" in m.body and ("завершил" in m.body or "аяқтады" in m.body)
    )
    assert ended
    await maria.press("5 ⭐", message_id=rate.message_id)
    await _until(medic, lambda m: "⭐⭐⭐⭐⭐" in m.body)
    medic.mark_read()
    await medic.send_text("Ещё одно")
    [over] = await medic.wait_messages(1)
    assert over.body in ("Консультация № 1 уже завершена.", "№ 1 консультация аяқталған.")
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        row = await session.get(Consultation, 1)
        assert row is not None and (row.status, row.closed_by, row.rating) == (
            "closed",
            "citizen",
            5,
        )
        assert row.medic_id == medic.id


async def test_kk_emergency_first_escalation_to_the_hq_and_erasure(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    aigul = await _person(emulator, 8301, "Айгүл", "kk", "aigul_kz")
    near = await _person(emulator, 8401, "Вера", "ru", "vera_med")  # Yurga: does not answer
    far = await _person(emulator, 8402, "Бауыржан", "kk", "baur_med")  # elsewhere in the HQ
    await _medics(runner, [near])
    await _medics(runner, [far], code="kemerovo")

    await aigul.send_text("🩺 Ерікті дәрігерден сұрау")
    intro, _who = await aigul.wait_messages(2)
    assert "жедел жәрдем емес" in intro.body and "103" in intro.body
    await aigul.press("Өзім үшін")
    await _press_paged(aigul, KK_TERRITORY, "Әрі қарай ▶️")
    aigul.mark_read()
    await aigul.send_text("Кеудем ауырады, дем ала алмаймын")
    notice, consent = await aigul.wait_messages(2)
    assert notice.body.startswith("🚑") and "103" in notice.body and "112" in notice.body
    assert consent.body.startswith("Сұрағыңыз бен хат алмасуды")
    await aigul.press("✅ Келісемін")
    await _until(aigul, _starts("Сұрақты тексеріңіз"))
    await aigul.press("✅ Сұрақты жіберу")
    await _until(aigul, _starts("✅ № 1 сұрақ ерікті дәрігерлерге жіберілді"))

    offer = await _until(near, _starts("🩺 Вопрос № 1 врачу-волонтёру 🚨"))
    assert "Кеудем" not in offer.body
    await drained(runner)
    assert not [m for m in far.messages if "№ 1" in m.body]

    # Nobody near takes it in the set time: every medic of the HQ gets it.
    assert runner.app is not None
    settings = runner.app.settings
    escalate = timedelta(minutes=settings.consult_escalate_minutes)
    clock.advance(escalate)
    escalated, _purged = await job.tick(
        clock.now(), sessionmaker=runner.app.sessionmaker, escalate_after=escalate,
        keep=timedelta(days=settings.consult_keep_days), admin_ids=[ADMIN_ID],
    )  # fmt: skip
    assert escalated == 1
    await _until(far, _has("(жақын жерде ешкім жауап бермеді)"))
    await far.press("🩺 Мен жауап беремін")
    question = await _until(far, _has("Кеудем ауырады"))
    assert question.body.startswith("💬 <b>") is False and "🚨" in question.body
    await _until(near, _starts("Вопрос № 1 уже взял другой врач-волонтёр"))

    # In Kazakh both ways; the medic ends it, the citizen is offered the stars.
    await far.send_text("Қазір 103-ке қоңырау шалыңыз, мен күтемін.")
    reply = await _until(aigul, _has("103-ке қоңырау"))
    assert reply.body.startswith("🩺 Ерікті дәрігер (№ 1 сұрақ):")
    taken = await _until(aigul, _starts("🩺 Ерікті дәрігер № 1 сұрағыңызды алды"))
    await aigul.press("↩️ Жауап жазу", message_id=taken.message_id)
    await _until(aigul, _starts("💬 № 1 сұрақ бойынша хат алмасу"))
    await aigul.send_text("Қоңырау шалдым, рахмет")
    await _until(far, _has("Қоңырау шалдым"))
    await drained(runner)
    _never_shows(aigul, far, MEDIC_PHONE)
    _never_shows(far, aigul, "+77011234567")

    # «⬅️ Мәзірге» leaves the mode; the consultation stays open.
    aigul.mark_read()
    await aigul.tap("⬅️ Мәзірге")
    [left] = await aigul.wait_messages(1)
    assert left.body.startswith("№ 1 сұрақ бойынша хат алмасу ашық қалады")
    far.mark_read()
    await far.tap("✖️ Консультацияны аяқтау")
    [done] = await far.wait_messages(1)
    assert done.body == "№ 1 консультация аяқталды. Көмегіңізге рахмет!"
    stars = await _until(aigul, _starts("Ерікті дәрігер № 1 консультацияны аяқтады"))
    assert stars.buttons == [["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]]

    # The medic's take and close are on the audit record (nothing of the content).
    async with runner.app.sessionmaker() as session:
        entries = (
            await session.execute(
                select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.details).where(
                    AuditEntry.target == "consultation:1"
                )
            )
        ).all()
    assert sorted(entries) == [
        (far.id, "consultation_closed", {}), (far.id, "consultation_taken", {}),
    ]  # fmt: skip

    # /forget: the question and every relayed message go.
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(func.count(ConsultationMessage.id))) == 2
    aigul.mark_read()
    await aigul.send_text("/forget")
    await aigul.wait_messages(1)
    labels = [label for row in aigul.messages[-1].buttons for label in row]
    await aigul.press(labels[0])
    await drained(runner, timeout=15)
    for _ in range(100):
        async with runner.app.sessionmaker() as session:
            row = await session.get(Consultation, 1)
            left_messages = await session.scalar(select(func.count(ConsultationMessage.id)))
        if row is not None and row.question == "" and not left_messages:
            break
        await asyncio.sleep(0.05)
    assert row is not None and row.question == "" and row.citizen_id is None
    assert left_messages == 0
