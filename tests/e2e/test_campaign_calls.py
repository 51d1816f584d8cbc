"""The worklist of repeat calls end to end (issue 16), in Russian and Kazakh: two volunteers
at once never get the same person, outcomes move people on (a retry across a moved clock and
the call window, a terminal outcome), a claim lapses, the phone leaves the card when the claim
ends, the full script (a planned date moves the next call, a ride request), and «unwell»:
the medics' urgent push, re-escalation after 15 minutes and the acknowledgement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.services import volunteers
from models import (
    Campaign,
    CampaignAlert,
    CampaignContact,
    CampaignMedic,
    CampaignPerson,
    CampaignTerritory,
    HelpRequest,
    Territory,
)
from scheduler.jobs import campaigns as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

# The fake clock starts at 09:00 UTC: 16:00 in Yurga (Asia/Novokuznetsk, UTC+7).
PHONES = ["+79131110001", "+79131110002", "+79131110003"]
NAMES = ["Анна", "Вера", "Галина"]


async def _bot(start_bot: StartBot) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"})


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _world(runner: BotRunner, workers: list[Person], medics: list[Person]) -> list[int]:
    """Approved «calls» volunteers of Yurga, a campaign with its medics and three people due
    now (oldest first); returns the people's ids."""
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        for person in workers:
            application = volunteers.Application(
                name=f"{person.first_name} Иванов", phone="+79030000000",
                territory_id=yurga.id, skills=("calls",), age_group="18-34",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
        campaign = Campaign(
            name="Помощники вакцинации", status="active", rounds=[0, 7, 21],
            window_start=600, window_end=1140, attempts=3, retry_minutes=120,
            visit_after=None, claim_minutes=20, volunteers="all", created_by=ADMIN_ID,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=yurga.id))
        for medic in medics:
            session.add(CampaignMedic(campaign_id=campaign.id, user_id=medic.id))
        ids = []
        for n, phone in enumerate(PHONES):
            row = CampaignPerson(
                campaign_id=campaign.id, territory_id=yurga.id,
                full_name=f"Петрова {NAMES[n]} Ивановна", phone=phone, birth_year=1950,
                address="ул. Ленина, 5" if n == 0 else None, consent_on=date(2026, 11, 1),
                kind="call", status="queued", due_at=now - timedelta(minutes=30 - n),
                created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            ids.append(row.id)
        await session.commit()
    return ids


async def _people(runner: BotRunner) -> dict[int, CampaignPerson]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return {p.id: p for p in (await session.scalars(select(CampaignPerson))).all()}


def _now_text(person: Person, message_id: int) -> str:
    return next(m for m in person.messages if m.message_id == message_id).body


async def test_two_volunteers_outcomes_retries_lapse_and_hidden_phones(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    olga = await _person(emulator, 7301, "Ольга", "ru")
    aigul = await _person(emulator, 7302, "Айгүл", "kk")
    ids = await _world(runner, [olga, aigul], [])

    await olga.send_text("/calls")
    [card_o] = await olga.wait_messages(1)
    await aigul.send_text("📞 Келесі қоңырау")
    [card_a] = await aigul.wait_messages(1)
    assert "Анна" in card_o.body and "+79131110001" in card_o.body
    assert "Адрес: ул. Ленина, 5" in card_o.body and "Звонок 1 из 3, попытка 1 из 3" in card_o.body
    assert card_o.buttons[0] == ["✅ Дозвонились"] and card_o.buttons[-1] == ["↩️ Вернуть в список"]
    assert "+79131110002" in card_a.body and "Аумақ:" in card_a.body  # no overlap
    assert card_a.buttons[1] == ["📵 Жауап бермеді", "🔁 Желі бос емес"]

    # The same press again shows the same person, not a second one.
    await olga.send_text("📞 Следующий звонок")
    still, again = await olga.wait_messages(2)
    assert still.body.startswith("Этот человек всё ещё за вами") and "+79131110001" in again.body

    # No answer: retried after 2 hours; the phone leaves every copy of the card.
    await olga.press("📵 Не отвечает", message_id=again.message_id)
    [saved] = await olga.wait_messages(1)
    assert saved.body == "✅ Записано: не отвечает. Позвоним ещё раз позже."
    await drained(runner)
    for card in (card_o, again):
        assert _now_text(olga, card.message_id) == "📞 Анна — не отвечает"
    first = (await _people(runner))[ids[0]]
    assert (first.status, first.attempts, first.last_outcome) == ("queued", 1, "no_answer")
    assert first.due_at == runner.clock.now() + timedelta(hours=2)

    # Aigul returns hers to the list; the card keeps only the first name.
    await aigul.press("↩️ Тізімге қайтару")
    [back] = await aigul.wait_messages(1)
    assert back.body == "↩️ Адам тізімге қайтарылды."
    await drained(runner)
    assert _now_text(aigul, card_a.message_id) == "📞 Вера — тізімге қайтарылды"

    # Olga takes the next one (the released person) and lets the claim lapse.
    olga.mark_read()
    await olga.press("📞 Следующий звонок")
    [card2] = await olga.wait_messages(1)
    assert "+79131110002" in card2.body
    clock.advance(timedelta(minutes=21))
    assert runner.app is not None
    assert await job.tick(runner.clock.now(), sessionmaker=runner.app.sessionmaker) == (1, 0)
    await drained(runner)
    assert _now_text(olga, card2.message_id) == "📞 Вера — время вышло"
    assert (await _people(runner))[ids[1]].status == "queued"

    # A terminal outcome stops every round (the oldest due now is the third person).
    await aigul.send_text("/calls")
    [card3] = await aigul.wait_messages(1)
    assert "+79131110003" in card3.body
    await aigul.press("🙅 Бас тартты")
    [stop] = await aigul.wait_messages(1)
    assert stop.body == "✅ Жазылды: бас тартты. Енді қоңырау шалмаймыз."
    assert (await _people(runner))[ids[2]].status == "stopped"

    # Olga takes the second again (its claim lapsed); then nothing is due until the first
    # person's retry at 18:00 (local).
    await olga.send_text("/calls")
    [card4] = await olga.wait_messages(1)
    assert "+79131110002" in card4.body
    await olga.press("🔁 Занято")
    await olga.wait_messages(1)
    await olga.send_text("/calls")
    [wait] = await olga.wait_messages(1)
    assert wait.body == "Сейчас звонить некому. Следующий звонок — в 18:00."

    # Two hours later the first person is due again (attempt 2); busy at 18:21 moves the retry
    # past the window's end to 10:00 the next morning.
    clock.advance(timedelta(hours=2))
    await olga.send_text("/calls")
    [card5] = await olga.wait_messages(1)
    assert "+79131110001" in card5.body and "попытка 2 из 3" in card5.body
    assert "не отвечает" in card5.body  # previous outcomes, briefly
    await olga.press("🔁 Занято")
    await olga.wait_messages(1)
    first = (await _people(runner))[ids[0]]
    assert first.attempts == 2
    assert first.due_at == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 in Yurga


async def test_the_script_unwell_escalation_and_a_planned_date(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    medic1 = await _person(emulator, 7311, "Врач", "ru")
    medic2 = await _person(emulator, 7312, "Дәрігер", "kk")
    olga = await _person(emulator, 7301, "Ольга", "ru")
    aigul = await _person(emulator, 7302, "Айгүл", "kk")
    ids = await _world(runner, [olga, aigul], [medic1, medic2])

    # Russian: vaccinated, unwell, what exactly, confirm.
    await olga.send_text("/calls")
    await olga.wait_messages(1)
    await olga.press("✅ Дозвонились")
    intro, ask = await olga.wait_messages(2)
    assert intro.body.startswith("Разговор: Анна.") and ask.body == "Вы вакцинировались?"
    await olga.press("Да")
    [feel] = await olga.wait_messages(1)
    assert feel.body == "Как вы себя чувствуете после прививки?"
    await olga.press("🤒 Плохо")
    await olga.wait_messages(1)
    await olga.send_text("Температура 39, слабость")
    [summary] = await olga.wait_messages(1)
    assert "Жалобы: Температура 39, слабость" in summary.body
    await olga.press("✅ Подтвердить")
    [done] = await olga.wait_messages(1)
    assert done.body.startswith("✅ Разговор записан. Позвоним ещё раз позже.")
    assert "🚑 Медики получили срочное сообщение." in done.body

    [push1] = await medic1.wait_messages(1, timeout=10)
    [push2] = await medic2.wait_messages(1, timeout=10)
    assert "Плохое самочувствие после прививки" in push1.body
    assert "+79131110001" in push1.body and "Температура 39" in push1.body
    assert "Звонил(а): Ольга Иванов" in push1.body and push1.buttons == [["✅ Принял"]]
    assert "Аумақ: Юрга қалалық округі" in push2.body and push2.buttons == [["✅ Қабылдадым"]]
    first = (await _people(runner))[ids[0]]
    assert (first.status, first.round, first.vaccinated_on) == ("queued", 1, date(2026, 12, 5))
    assert first.due_at == datetime(2026, 12, 12, 3, 0, tzinfo=UTC)  # day 7, 10:00 local
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        [contact] = (await session.scalars(select(CampaignContact))).all()
        assert contact.answers["feeling"] == "unwell" and contact.answers["by_user_id"] == 7301

    # Nobody took it in 15 minutes: pushed again to the medics and to the HQ, once.
    clock.advance(timedelta(minutes=16))
    tick = await job.tick(
        runner.clock.now(), sessionmaker=runner.app.sessionmaker, admin_ids=[ADMIN_ID]
    )
    assert tick == (0, 1)
    assert await job.tick(runner.clock.now(), sessionmaker=runner.app.sessionmaker) == (0, 0)
    [again1] = await medic1.wait_messages(1, timeout=10)
    [hq] = await admin.wait_messages(1, timeout=10)
    assert again1.body.startswith("🚨 Повторно") and hq.body.startswith("🚨 Повторно")

    # The Kazakh medic takes it: the others' pushes say who, the caller hears of it.
    olga.mark_read()
    await medic2.press("✅ Қабылдадым", message_id=push2.message_id)
    second = await medic1.press("✅ Принял", message_id=push1.message_id)
    assert second is not None and second.text == "Это сообщение уже принял другой медик."
    [note] = await olga.wait_messages(1, timeout=10)
    assert note.body.startswith("🚑 Плохое самочувствие: Анна") and "Дәрігер" in note.body
    await drained(runner)
    assert "+7913" not in _now_text(medic1, push1.message_id)
    assert "принял(а) Дәрігер" in _now_text(medic1, push1.message_id)
    assert "+7913" not in _now_text(admin, hq.message_id)
    taker = next(m for m in medic2.messages if m.message_id == push2.message_id)
    assert taker.body.startswith("✅ Сіз № 1 хабарды қабылдадыңыз") and taker.buttons == []
    async with runner.app.sessionmaker() as session:
        [alert] = (await session.scalars(select(CampaignAlert))).all()
        assert (alert.status, alert.acknowledged_by) == ("acknowledged", 7312)

    # Kazakh: not vaccinated, no transport → a ride, planned for 25.12.
    await aigul.send_text("/calls")
    [card] = await aigul.wait_messages(1)
    assert "+79131110002" in card.body
    await aigul.press("✅ Хабарластым")
    await aigul.wait_messages(2)
    await aigul.press("Жоқ")
    [why] = await aigul.wait_messages(1)
    assert why.body == "Себебі неде?"
    await aigul.press("Баратын көлік жоқ")
    await aigul.wait_messages(1)
    await aigul.press("Иә")
    [when] = await aigul.wait_messages(1)
    assert when.body.startswith("Екпені қашан алмақсыз?")
    await aigul.send_text("01.12.2026")
    [bad] = await aigul.wait_messages(1)
    assert bad.body.startswith("Күнді былай жазыңыз")
    await aigul.send_text("25.12")
    [summary_kk] = await aigul.wait_messages(1)
    assert (
        "Жоспарлағаны: 25.12.2026" in summary_kk.body
        and "Көлікпен апару: рәсімдеу" in summary_kk.body
    )
    await aigul.press("✅ Растау")
    [saved] = await aigul.wait_messages(1)
    assert "көлікпен апару өтінімі жасалды" in saved.body
    second_person = (await _people(runner))[ids[1]]
    assert (second_person.round, second_person.planned_on) == (0, date(2026, 12, 25))
    assert second_person.due_at == datetime(2026, 12, 26, 3, 0, tzinfo=UTC)
    async with runner.app.sessionmaker() as session:
        [ride] = (await session.scalars(select(HelpRequest))).all()
        assert (ride.kind, ride.person_phone, ride.entered_by) == ("ride", PHONES[1], 7302)
    await drained(runner)
    assert "+7913" not in _now_text(aigul, card.message_id)
