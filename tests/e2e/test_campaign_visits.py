"""Door-to-door visits end to end (issue 16), in Russian and Kazakh: the coordinator moves the
unreachable by phone to visits from the campaign card; a volunteer takes a route of nearby
addresses, pairs with a partner (who gets the route through the outbox and records too),
records «нет дома» with the note left (both languages), a reached person through the
script, a refusal and a death; the route ends and every card is edited down to the first
name and the outcome."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.sandbox.world import StoredMessage
from bot.services import volunteers
from models import (
    AuditEntry,
    Campaign,
    CampaignContact,
    CampaignPerson,
    CampaignRoute,
    CampaignTerritory,
    Territory,
)
from scheduler.jobs import campaigns as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

# The fake clock starts at 09:00 UTC: 16:00 in Yurga (Asia/Novokuznetsk, UTC+7).
# (name, phone, address, kind, status, minutes overdue)
PEOPLE = [
    ("Петрова Анна Ивановна", "+79131110001", "ул. Ленина, 5, кв. 3", "call", "unreachable", 0),
    ("Смирнова Вера Петровна", None, "г. Юрга, ул. Ленина, д. 5, кв. 10", "visit", "queued", 90),
    ("Кузнецова Галина Ивановна", None, "ул. Ленина, 9", "visit", "queued", 20),
    ("Попова Дарья Сергеевна", None, "ул. Мира, 2", "visit", "queued", 80),
    ("Орлова Елена Павловна", None, "ул. Садовая, 1", "visit", "queued", 70),
    ("Белова Зоя Андреевна", None, "ул. Школьная, 4", "visit", "queued", 60),
]


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _world(runner: BotRunner, workers: list[Person]) -> list[int]:
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
        ids = []
        for name, phone, address, kind, status, overdue in PEOPLE:
            row = CampaignPerson(
                campaign_id=campaign.id, territory_id=yurga.id, full_name=name, phone=phone,
                birth_year=1950, address=address, consent_on=date(2026, 11, 1), kind=kind,
                status=status, due_at=now - timedelta(minutes=overdue), created_at=now,
                updated_at=now,
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


def _card(cards: list[StoredMessage], first: str) -> StoredMessage:
    return next(m for m in cards if m.body.startswith(f"🚪 {first} —"))


async def test_a_route_of_nearby_addresses_with_a_partner_in_russian_and_kazakh(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    # Telegram's 1 message/s per chat (real time) would make the card edits take seconds.
    runner = await start_bot(
        overrides={"territories": "kuzbass", "delivery_private_interval": 0.05}
    )
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    olga = await _person(emulator, 7401, "Ольга", "ru")
    aigul = await _person(emulator, 7402, "Айгүл", "kk")
    ids = await _world(runner, [olga, aigul])

    # The coordinator moves the one unreachable by phone to visits, from the card.
    await hq.send_text("/campaigns")
    await hq.wait_messages(1)
    await hq.press("🟢 Помощники вакцинации")
    await hq.press("🚪 Недозвоны → обход")
    assert hq.messages[-1].body.startswith(
        "Передать в подомовой обход тех, до кого не дозвонились (1)"
    )
    done = await hq.press("🚪 Да, передать в обход")
    assert done is not None and done.text == "🚪 Передано в обход: 1."
    assert "Ждут обхода: 6" in hq.messages[-1].body  # the card again
    again = await hq.press("🚪 Недозвоны → обход")
    assert again is not None and again.text == "Недозвонившихся нет: передавать в обход некого."
    anna = (await _people(runner))[ids[0]]
    assert (anna.kind, anna.status, anna.due_at) == ("visit", "queued", runner.clock.now())
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "campaign_to_visits")
        )
        assert entry is not None and entry.actor_id == ADMIN_ID and entry.details == {"people": 1}

    # The campaign's volunteers of Yurga are told, with the button to take a route.
    [notice] = await olga.wait_messages(1, timeout=10)
    assert notice.body == (
        "🚪 Кампания «Помощники вакцинации»: в вашей территории 1 чел. ждут подомового обхода."
    )
    assert notice.buttons == [["🚪 Взять маршрут обхода"]]
    [notice_kk] = await aigul.wait_messages(1, timeout=10)
    assert notice_kk.buttons == [["🚪 Аралау маршрутын алу"]]

    # Olga takes a route: the oldest due (Vera, Lenina 5), her house (Anna), her street
    # (Galina), then the rest in address order (Mira, Sadovaya); Shkolnaya waits.
    await olga.send_text("/visits")
    header, *cards = await olga.wait_messages(6)
    assert (
        header.body.startswith("🚪 Маршрут обхода № ") and "Адресов: 5, осталось: 5" in header.body
    )
    assert header.buttons == [["👥 Позвать напарника"]]
    assert [c.body.split(" —")[0] for c in cards] == [
        "🚪 Анна", "🚪 Вера", "🚪 Галина", "🚪 Дарья", "🚪 Елена",
    ]  # fmt: skip
    anna_card = _card(cards, "Анна")
    assert "Адрес: ул. Ленина, 5, кв. 3" in anna_card.body and "+79131110001" in anna_card.body
    assert "76 лет (1950 г. р.)" in anna_card.body
    assert anna_card.buttons == [
        ["✅ Застали", "🚪 Нет дома"], ["🙅 Отказ", "🏠 Переехал(а)", "🕯 Умер(ла)"],
    ]  # fmt: skip
    # A pair: Aigul gets the route through the outbox and sees the addresses.
    await olga.press("👥 Позвать напарника", message_id=header.message_id)
    [pick] = await olga.wait_messages(1)
    assert pick.buttons == [["Айгүл Иванов"]]
    paired = await olga.press("Айгүл Иванов")
    assert paired is not None and paired.text == "👥 Напарник получил маршрут: Айгүл Иванов."
    [invite] = await aigul.wait_messages(1, timeout=10)
    assert "Ольга Иванов сізді № " in invite.body and invite.buttons == [["🚪 Маршрутқа"]]
    await aigul.press("🚪 Маршрутқа")
    header_kk, *cards_kk = await aigul.wait_messages(6)
    assert "Мекенжайлар: 5, қалды: 5" in header_kk.body and "Ерікті Ольга Иванов" in header_kk.body
    assert "Мекенжай: ул. Ленина, 9" in _card(cards_kk, "Галина").body

    # Not at home: the note left; retried in two hours, still on the route's list.
    await olga.press("🚪 Нет дома", message_id=_card(cards, "Вера").message_id)
    intro, ask = await olga.wait_messages(2)
    assert intro.body == "Вера: нет дома." and ask.body.startswith("Какую записку оставили?")
    await olga.send_text("Оставила записку в почтовом ящике")
    [summary] = await olga.wait_messages(1)
    assert "Записка: Оставила записку в почтовом ящике" in summary.body
    await olga.press("✅ Подтвердить")
    [saved] = await olga.wait_messages(1)
    assert saved.body == "✅ Записано: нет дома. Зайдём ещё раз позже."
    assert saved.buttons == [["🚪 К маршруту"]]
    vera = (await _people(runner))[ids[1]]
    assert (vera.status, vera.kind, vera.attempts) == ("queued", "visit", 1)

    # Reached at the door: the calls' script, recorded as a visit.
    await olga.press("✅ Застали", message_id=anna_card.message_id)
    intro, ask = await olga.wait_messages(2)
    assert intro.body.startswith("Разговор: Анна.") and ask.body == "Вы вакцинировались?"
    await olga.press("Да")
    await olga.wait_messages(1)
    await olga.press("🙂 Хорошо")
    await olga.wait_messages(1)
    await olga.press("✅ Подтвердить")
    [talked] = await olga.wait_messages(1)
    assert talked.body == "✅ Разговор у двери записан. Зайдём ещё раз позже."
    assert talked.buttons == [["🚪 К маршруту"]]

    # The partner records a refusal (in Kazakh), Olga the rest: the route is done.
    await aigul.press("🙅 Бас тартты", message_id=_card(cards_kk, "Галина").message_id)
    [refused] = await aigul.wait_messages(1)
    assert refused.body == "✅ Жазылды: бас тартты. Енді бармаймыз."
    assert refused.buttons == [["🚪 Маршрутқа"]]
    # Not at home, in Kazakh: the note asked and stored the same way.
    await aigul.press("🚪 Үйде жоқ", message_id=_card(cards_kk, "Дарья").message_id)
    intro_kk, ask_kk = await aigul.wait_messages(2)
    assert intro_kk.body == "Дарья: үйде жоқ." and ask_kk.body.startswith("Қандай жазба")
    await aigul.send_text("Есікке жазба қалдырдым")
    await aigul.wait_messages(1)
    await aigul.press("✅ Растау")
    [saved_kk] = await aigul.wait_messages(1)
    assert saved_kk.body == "✅ Жазылды: үйде жоқ. Кейінірек тағы барамыз."
    await olga.press("🕯 Умер(ла)", message_id=_card(cards, "Елена").message_id)
    [last, closed] = await olga.wait_messages(2, timeout=10)
    assert last.body == "✅ Записано: умер(ла). Больше не придём." and last.buttons == [
        ["🚪 Взять маршрут обхода"]
    ]
    assert closed.body.startswith("🏁 Маршрут № ") and "застали 1, нет дома 2" in closed.body
    [closed_kk] = await aigul.wait_messages(1, timeout=10)
    assert "маршрут өтті" in closed_kk.body

    # Every card, both copies, edited down to the first name and the outcome.
    await drained(runner)
    shown = [_now_text(olga, c.message_id) for c in cards]
    assert shown == [
        "🚪 Анна — застали", "🚪 Вера — нет дома", "🚪 Галина — отказ",
        "🚪 Дарья — нет дома", "🚪 Елена — умер(ла)",
    ]  # fmt: skip
    assert _now_text(aigul, _card(cards_kk, "Вера").message_id) == "🚪 Вера — үйде жоқ"
    for person in (olga, aigul):
        for message in person.messages:
            assert "Ленина" not in message.body and "+7913" not in message.body
    async with runner.app.sessionmaker() as session:
        [route] = (await session.scalars(select(CampaignRoute))).all()
        assert (route.status, route.volunteer_id, route.partner_id) == ("done", 7401, 7402)
        contacts = {c.person_id: c for c in (await session.scalars(select(CampaignContact))).all()}
        assert contacts[ids[1]].note == "Оставила записку в почтовом ящике"
        assert contacts[ids[0]].kind == "visit" and contacts[ids[0]].answers["vaccinated"]
        assert contacts[ids[2]].by_user_id == 7402
        assert contacts[ids[3]].note == "Есікке жазба қалдырдым"
    people = await _people(runner)
    assert (people[ids[0]].round, people[ids[0]].kind) == (1, "visit")
    assert people[ids[5]].status == "queued" and people[ids[5]].route_id is None

    # The route after it ended: closed; the next press takes a new route (Shkolnaya).
    late = await olga.press("🚪 К маршруту", message_id=saved.message_id)
    assert late is not None and late.text == "Этот маршрут уже закрыт."
    olga.mark_read()
    await olga.press("🚪 Взять маршрут обхода", message_id=last.message_id)
    header3, card3 = await olga.wait_messages(2)
    assert "Адресов: 1" in header3.body and "ул. Школьная, 4" in card3.body

    # Its claim lapses: the job puts her back and closes the route, the card edited down.
    clock.advance(timedelta(hours=6, minutes=1))
    assert await job.tick(runner.clock.now(), sessionmaker=runner.app.sessionmaker) == (1, 0)
    await drained(runner)
    assert _now_text(olga, card3.message_id) == "🚪 Зоя — время вышло"
    assert (await _people(runner))[ids[5]].status == "queued"
