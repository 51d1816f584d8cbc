"""Self-surveys end to end (issue 17), in Russian and Kazakh: a personal link with a wrong and
then a right identity check answered by a relative; a contact-matched person; three wrong
tries locking the link; a survey nobody finished reminded once and back on the call list a
day later; the next round offered in the bot first."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.services import campaign_links, volunteers
from bot.services.timing import QuietHours
from models import (
    Campaign,
    CampaignAlert,
    CampaignContact,
    CampaignLink,
    CampaignMedic,
    CampaignPerson,
    CampaignTerritory,
    HelpRequest,
    Territory,
)
from scheduler.jobs import surveys as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

# The fake clock starts at 09:00 UTC: 16:00 in Yurga (Asia/Novokuznetsk, UTC+7), inside the
# campaign's call window (10:00-19:00).
PHONES = ["+79131110001", "+79131110002", "+79131110003"]
NAMES = ["Анна", "Вера", "Галина"]


async def _bot(start_bot: StartBot) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"})


async def _started(
    emulator: Emulator, user_id: int, name: str, code: str, phone: str | None = None
) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code, phone=phone)
    await person.send_text("/start")
    await person.wait_messages(2)
    await person.press("Қазақша" if code == "kk" else "Русский")
    await person.wait_messages(1)
    person.mark_read()
    return person


async def _world(
    runner: BotRunner, *, workers: Sequence[Person] = (), medics: Sequence[Person] = ()
) -> list[int]:
    """A campaign in Yurga with three people due now; links made for them; returns their ids."""
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
                full_name=f"Петрова {NAMES[n]} Ивановна", phone=phone, birth_year=1950 + n,
                address="ул. Ленина, 5", consent_on=date(2026, 11, 1),
                kind="call", status="queued", due_at=now - timedelta(minutes=30 - n),
                created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            ids.append(row.id)
        while await campaign_links.ensure_links_chunk(session, campaign.id, None, now):
            pass
        await session.commit()
    return ids


async def _token(runner: BotRunner, person_id: int) -> str:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        token = await session.scalar(
            select(CampaignLink.token).where(CampaignLink.person_id == person_id)
        )
    assert token is not None
    return token


async def _person(runner: BotRunner, person_id: int) -> CampaignPerson:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        person = await session.get(CampaignPerson, person_id)
    assert person is not None
    return person


async def _link(runner: BotRunner, person_id: int) -> CampaignLink:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        link = await session.scalar(select(CampaignLink).where(CampaignLink.person_id == person_id))
    assert link is not None
    return link


async def _contacts(runner: BotRunner, person_id: int) -> list[CampaignContact]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = await session.scalars(
            select(CampaignContact)
            .where(CampaignContact.person_id == person_id)
            .order_by(CampaignContact.id)
        )
        return list(rows.all())


async def _tick(runner: BotRunner) -> tuple[int, int, int]:
    assert runner.app is not None
    quiet = QuietHours.parse(runner.app.settings.quiet_hours)
    return await job.tick(runner.clock.now(), sessionmaker=runner.app.sessionmaker, quiet=quiet)


def _bodies(person: Person) -> str:
    return "\n".join(m.body for m in person.messages)


async def test_relative_by_link_wrong_then_right_check_in_russian(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    medic = await _started(emulator, 7411, "Врач", "ru")
    ids = await _world(runner, medics=[medic])
    token = await _token(runner, ids[0])

    # A daughter who never used the bot opens the link from her mother's SMS.
    daughter = emulator.user(7401, first_name="Ольга", language_code="ru")
    await daughter.send_text(f"/start s_{token}")
    language, intro, who = await daughter.wait_messages(3)
    assert "Қазақша" in str(language.buttons)
    assert intro.body.startswith("Здравствуйте! Это штаб волонтёров")
    assert who.body == "Кто отвечает?"
    await daughter.press("Я отвечаю за родственника")
    [_relation] = await daughter.wait_messages(1)
    await daughter.press("Мама")
    [check] = await daughter.wait_messages(1)
    assert "год рождения родственника" in check.body
    assert ["📱 Поделиться контактом"] in (daughter.reply_keyboard or [])
    # Nothing about the person before the check.
    assert "Анна" not in _bodies(daughter) and "Петрова" not in _bodies(daughter)

    await daughter.send_text("12")
    [fmt] = await daughter.wait_messages(1)
    assert fmt.body.startswith("Напишите 4 цифры")
    await daughter.send_text("1949")
    [wrong] = await daughter.wait_messages(1)
    assert wrong.body == "Не совпадает. Осталось попыток: 2."
    assert "Анна" not in _bodies(daughter)
    await daughter.send_text("0001")  # the phone's last four digits
    verified, vacc = await daughter.wait_messages(2)
    assert verified.body == "Спасибо! Вопросы о здоровье: Анна."
    assert vacc.body == "Вы вакцинировались?"
    assert (await _person(runner, ids[0])).status == "survey"

    await daughter.press("Да")
    await daughter.wait_messages(1)
    await daughter.press("🤒 Плохо")
    [unwell] = await daughter.wait_messages(1)
    assert unwell.body == "Что именно беспокоит? Опишите коротко."
    await daughter.send_text("Температура 38 второй день")
    [summary] = await daughter.wait_messages(1)
    assert "Жалобы: Температура 38 второй день" in summary.body
    await daughter.press("✅ Подтвердить")
    [saved] = await daughter.wait_messages(1)
    assert saved.body.startswith("✅ Спасибо! Ответы записаны")
    assert "103 или 112" in saved.body

    # Counted exactly like a call: reached, the next round planned, the medics alerted.
    [contact] = await _contacts(runner, ids[0])
    assert (contact.kind, contact.outcome, contact.by_user_id) == ("self", "reached", 7401)
    assert contact.answers["answered_by"] == "mother" and contact.answers["vaccinated"] is True
    person = await _person(runner, ids[0])
    assert (person.status, person.round, person.claimed_by) == ("queued", 1, None)
    link = await _link(runner, ids[0])
    assert (link.user_id, link.relation, link.linked_by, link.tries) == (7401, "mother", "check", 1)
    [push] = await medic.wait_messages(1, timeout=10)
    assert "Плохое самочувствие" in push.body and "Ответ в боте" in push.body
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        assert len((await session.scalars(select(CampaignAlert))).all()) == 1

    # The link again: no check this time, and nothing to answer before the next round.
    daughter.mark_read()
    await daughter.send_text(f"/start s_{token}")
    [later] = await daughter.wait_messages(1)
    assert later.body.startswith("Спасибо! Сейчас вопросов нет (Анна). Следующий опрос — ")

    # Someone else with the same link learns nothing.
    stranger = await _started(emulator, 7402, "Чужой", "ru")
    await stranger.send_text(f"/start s_{token}")
    [used] = await stranger.wait_messages(1)
    assert used.body.startswith("По этой ссылке уже отвечает другой человек")
    await stranger.send_text("/start s_AAAAAAAAAAAAAAAA")
    [invalid] = await stranger.wait_messages(1)
    assert invalid.body.startswith("Эта ссылка не действует")


async def test_self_by_link_with_own_contact_and_a_ride_in_kazakh(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    ids = await _world(runner)
    token = await _token(runner, ids[1])
    vera = await _started(emulator, 7421, "Вера", "kk", phone=PHONES[1])

    await vera.send_text(f"/start s_{token}")
    intro, _who = await vera.wait_messages(2)
    assert intro.body.startswith("Сәлеметсіз бе! Бұл — еріктілер штабы")
    await vera.press("Өзім үшін жауап беремін")
    [check] = await vera.wait_messages(1)
    assert "Туған жылыңызды" in check.body
    # A contact card of someone else proves nothing; her own does.
    await vera.send_contact(PHONES[1], own=False)
    [not_yours] = await vera.wait_messages(1)
    assert not_yours.body.startswith("Бөгде карточканы емес")
    await vera.send_contact()
    verified, vacc = await vera.wait_messages(2)
    assert verified.body == "Рақмет! Денсаулық туралы сұрақтар: Вера."
    assert vacc.body == "Сіз екпе алдыңыз ба?"
    await vera.press("Жоқ")
    await vera.wait_messages(1)
    await vera.press("Баратын көлік жоқ")
    await vera.wait_messages(1)
    await vera.press("Иә")
    [planned] = await vera.wait_messages(1)
    assert planned.body.startswith("Екпені қашан алмақсыз?")
    await vera.press("Білмеймін")
    await vera.wait_messages(1)
    await vera.press("✅ Растау")
    [saved] = await vera.wait_messages(1)
    assert saved.body.startswith("✅ Рақмет! Жауаптар жазылды")
    assert "көлікпен апару өтінімі жасалды" in saved.body

    [contact] = await _contacts(runner, ids[1])
    assert contact.answers["answered_by"] == "self" and contact.answers["ride"] is True
    link = await _link(runner, ids[1])
    assert (link.user_id, link.linked_by, link.tries) == (7421, "contact", 0)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        [ride] = (await session.scalars(select(HelpRequest))).all()
    assert (ride.kind, ride.requester_id, ride.form_token) == ("ride", 7421, contact.form_token)
    person = await _person(runner, ids[1])
    assert (person.status, person.round) == ("queued", 0)  # the same round, in a week


async def test_contact_matched_person_and_three_wrong_tries(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    worker = await _started(emulator, 7431, "Ольга", "ru")
    ids = await _world(runner, workers=[worker])

    # Galina's son has her phone number on his Telegram (the list has it): /survey finds her.
    son = await _started(emulator, 7432, "Сергей", "ru", phone=PHONES[2])
    await son.send_text("/survey")
    intro, _who = await son.wait_messages(2)
    assert intro.body.startswith("Здесь можно ответить на вопросы после прививки")
    await son.press("Я отвечаю за родственника")
    await son.wait_messages(1)
    await son.press("Мама")
    [ask] = await son.wait_messages(1)
    assert ask.body.startswith("Нажмите кнопку «Поделиться контактом»")
    await son.send_text("1952")
    [only] = await son.wait_messages(1)
    assert only.body.startswith("Здесь нужен ваш контакт")
    await son.send_contact()
    verified, _vacc = await son.wait_messages(2)
    assert verified.body == "Спасибо! Вопросы о здоровье: Галина."
    link = await _link(runner, ids[2])
    assert (link.user_id, link.relation, link.linked_by) == (7432, "mother", "contact")

    # A phone on no list is told so.
    nobody = await _started(emulator, 7433, "Никто", "ru", phone="+79990000000")
    await nobody.send_text("/survey")
    await nobody.wait_messages(2)
    await nobody.press("Я отвечаю за себя")
    await nobody.wait_messages(1)
    await nobody.send_contact()
    [unknown] = await nobody.wait_messages(1)
    assert unknown.body.startswith("Этого номера нет в наших списках")

    # Three wrong answers lock Anna's link; she stays on the call list for the volunteers.
    token = await _token(runner, ids[0])
    guesser = await _started(emulator, 7434, "Угадай", "ru")
    await guesser.send_text(f"/start s_{token}")
    await guesser.wait_messages(2)
    await guesser.press("Я отвечаю за себя")
    await guesser.wait_messages(1)
    for expected in ("Осталось попыток: 2.", "Осталась последняя попытка."):
        await guesser.send_text("1111")
        [wrong] = await guesser.wait_messages(1)
        assert expected in wrong.body
    await guesser.send_text("2222")
    [locked] = await guesser.wait_messages(1)
    assert locked.body.startswith("Ссылка заблокирована после трёх неверных ответов")
    assert guesser.reply_keyboard != [["📱 Поделиться контактом"], ["Отмена"]]
    assert (await _link(runner, ids[0])).locked_at is not None
    await guesser.send_text(f"/start s_{token}")
    [still] = await guesser.wait_messages(1)
    assert still.body.startswith("Ссылка заблокирована")
    assert "Анна" not in _bodies(guesser)  # nothing about her was ever shown
    await worker.send_text("/calls")
    [card] = await worker.wait_messages(1)
    assert PHONES[0] in card.body


async def test_reminded_once_back_to_calls_after_a_day_then_next_round_in_the_bot(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    worker = await _started(emulator, 7441, "Ольга", "ru")
    ids = await _world(runner, workers=[worker])
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:  # only Anna is on the list
        for other in ids[1:]:
            person = await session.get(CampaignPerson, other)
            assert person is not None
            person.status = "stopped"
        await session.commit()
    token = await _token(runner, ids[0])
    anna = await _started(emulator, 7442, "Анна", "ru")

    await anna.send_text(f"/start s_{token}")
    await anna.wait_messages(2)
    await anna.press("Я отвечаю за себя")
    await anna.wait_messages(1)
    await anna.send_text("1950")
    await anna.wait_messages(2)
    await anna.press("Нет")
    [why] = await anna.wait_messages(1)  # and she leaves it there

    # The volunteers are not handed her meanwhile.
    await worker.send_text("/calls")
    [nothing] = await worker.wait_messages(1)
    assert PHONES[0] not in nothing.body and not nothing.buttons

    # Three hours later (19:00 local, before quiet hours): one reminder.
    clock.advance(timedelta(hours=3))
    assert await _tick(runner) == (0, 1, 0)
    assert await _tick(runner) == (0, 0, 0)
    await drained(runner)
    [reminder] = await anna.wait_messages(1)
    assert reminder.body == "Напоминаем: вопросы после прививки (Анна) ждут ответа. Продолжим?"
    await anna.press("▶️ Продолжить")
    [again] = await anna.wait_messages(1)
    assert again.body == why.body  # the same question, right under the reminder

    # A day after the survey began: back on the call list.
    clock.advance(timedelta(hours=21, minutes=1))
    lapsed, _, _ = await _tick(runner)
    assert lapsed == 1
    person = await _person(runner, ids[0])
    assert (person.status, person.claimed_by) == ("queued", None)
    await worker.send_text("/calls")
    [card2] = await worker.wait_messages(1)
    assert PHONES[0] in card2.body
    assert await _tick(runner) == (0, 0, 0)  # the lapsed moment is not offered in the bot

    # The volunteer reaches her: vaccinated. The next round (7 days) comes to the bot first.
    await worker.press("✅ Дозвонились", message_id=card2.message_id)
    await worker.wait_messages(2)
    await worker.press("Да")
    await worker.wait_messages(1)
    await worker.press("🙂 Хорошо")
    await worker.wait_messages(1)
    await worker.press("✅ Подтвердить")
    await worker.wait_messages(1)
    person = await _person(runner, ids[0])
    assert person.round == 1 and person.due_at is not None
    clock.set(person.due_at)
    anna.mark_read()
    assert await _tick(runner) == (0, 0, 1)
    await drained(runner)
    [offer] = await anna.wait_messages(1)
    assert offer.body.startswith("Пора ответить на вопросы после прививки: Анна.")
    assert (await _person(runner, ids[0])).status == "survey"
    await anna.press("▶️ Начать")
    _intro, vacc = await anna.wait_messages(2)
    assert vacc.body == "Вы вакцинировались?"
    await anna.press("Да")
    await anna.wait_messages(1)
    await anna.press("🙂 Хорошо")
    await anna.wait_messages(1)
    await anna.press("✅ Подтвердить")
    [saved] = await anna.wait_messages(1)
    assert saved.body.startswith("✅ Спасибо! Ответы записаны")
    kinds = [(c.kind, c.round) for c in await _contacts(runner, ids[0])]
    assert kinds == [("call", 0), ("self", 1)]
    assert (await _person(runner, ids[0])).round == 2


async def test_coordinators_links_file_in_xlsx_and_csv_and_a_link_from_it_works(
    emulator: Emulator, start_bot: StartBot
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from bot.keyboards.callbacks import CampaignCb
    from models import AuditEntry
    from tests.e2e.test_campaign_export import _file

    runner = await _bot(start_bot)
    ids = await _world(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:  # Galina's survey is over: no link
        person = await session.get(CampaignPerson, ids[2])
        assert person is not None
        person.status = "done"
        await session.commit()
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    await hq.send_text("/campaigns")
    await hq.wait_messages(1)
    campaign_id = (await _person(runner, ids[0])).campaign_id
    await hq.press_data(CampaignCb(action="open", id=campaign_id).pack())  # edited in place
    await hq.press("🔗 Ссылки для опроса")
    hq.mark_read()
    await hq.press("XLSX (Excel)")
    [document] = await hq.wait_messages(1, timeout=30)
    assert "личные данные" in (document.caption or "")
    sheet = load_workbook(io.BytesIO(_file(hq, document))).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["ФИО", "Телефон", "Территория", "Ссылка"]
    assert [r[:3] for r in rows[1:]] == [
        ["Петрова Анна Ивановна", PHONES[0], "Юргинский городской округ"],
        ["Петрова Вера Ивановна", PHONES[1], "Юргинский городской округ"],
    ]
    me = await runner.app.bot.me()
    token = await _token(runner, ids[0])
    assert rows[1][3] == f"https://t.me/{me.username}?start=s_{token}"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D3"

    # The same links again, as CSV for the SMS service (UTF-8 with BOM, «;»).
    await hq.send_text("/campaigns")
    await hq.wait_messages(1)
    await hq.press_data(CampaignCb(action="open", id=campaign_id).pack())
    await hq.press("🔗 Ссылки для опроса")
    hq.mark_read()
    await hq.press("CSV")
    [document] = await hq.wait_messages(1, timeout=30)
    lines = list(csv.reader(io.StringIO(_file(hq, document).decode("utf-8-sig")), delimiter=";"))
    assert lines[1][3] == rows[1][3] and len(lines) == 3
    for _ in range(100):  # recorded right after the file is handed out
        async with runner.app.sessionmaker() as session:
            audit = (
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "campaign_links")
                )
            ).all()
        if len(audit) == 2:
            break
        await asyncio.sleep(0.05)
    assert [(a.actor_id, a.details["rows"], a.details["format"]) for a in audit] == [
        (ADMIN_ID, 2, "xlsx"),
        (ADMIN_ID, 2, "csv"),
    ]

    # A link from the file opens the survey.
    vera = emulator.user(7451, first_name="Вера", language_code="ru")
    link = rows[2][3]
    await vera.send_text("/start " + link.partition("start=")[2])
    _language, _intro, who = await vera.wait_messages(3)
    assert who.body == "Кто отвечает?"
    # Telegram said «ru», but she reads Kazakh: the questions switch, her form stays.
    await vera.press("Қазақша")
    await vera.press("Я отвечаю за себя")
    [check] = await vera.wait_messages(1)
    assert check.body.startswith("Туған жылыңызды")
    assert ["📱 Нөмірмен бөлісу"] in (vera.reply_keyboard or [])
