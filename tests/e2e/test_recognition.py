"""Recognition (issue 20) through the emulator, on the data seeded in
tests/unit/test_recognition.py (tasks, ratings with and without words, an event, calls, a
consultation; the month in Yurga's time, UTC+7).

In Russian: a volunteer's /mystats (from the command and from their profile) with this
month's and all time's figures, the year's certificate (a PNG of 1200×850) and their own
hours for DOBRO.RF (XLSX checked cell by cell, and CSV); a territory coordinator's /dobro for
November (only their territory's rows; audited), a bad period and years out of 2000–2100
refused (also in Kazakh); «🏅 Итоги» audited, and refused when forged with an old record of a
person now in another territory. In Kazakh: /mystats
and the all-time certificate; the monthly «Лучший доброволец» proposal reaching Yurga's
coordinator at 10:00 local on the 1st (not at 09:55, once though the job runs twice), the
award in one tap (a double tap and the second coordinator told who has it), the volunteer
thanked once and the award shown in their record."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.keyboards.callbacks import VolunteerCb
from bot.sandbox import Emulator, Person
from bot.sandbox.files import image_size
from bot.sandbox.world import StoredMessage
from bot.services import coordinators
from models import (
    AuditEntry,
    Coordinator,
    CoordinatorTerritory,
    OutboxMessage,
    Territory,
    Volunteer,
    VolunteerAward,
    VolunteerStatus,
)
from scheduler.jobs import recognition as recognition_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.unit.test_recognition import NOVOKUZNETSK, YURGA_COORDINATOR, A, B, C, local, seed

SECOND_COORDINATOR = 802


async def _bot(start_bot: StartBot, now: datetime) -> BotRunner:
    runner = await start_bot(
        overrides={"territories": "kuzbass", "hq_name": "Штаб #МыВместе Кузбасс"}
    )
    runner.clock.set(now)  # type: ignore[attr-defined]
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        # The territories are loaded by the app; the seed only adds what is missing.
        await seed(session, runner.clock.now(), admin=ADMIN_ID)
        await session.commit()
    return runner


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


def _file(person: Person, message: StoredMessage) -> bytes:
    media = message.document or (message.photo[-1] if message.photo else None)
    assert media is not None
    stored = person.state.files.get(media["file_id"])
    assert stored is not None
    return bytes(stored.data)


async def test_mystats_certificate_and_own_hours_in_russian(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot, local(2026, 11, 25, 12, 0))
    maria = await _person(emulator, A, "Мария", "ru")
    await maria.send_text("/mystats")
    [stats] = await maria.wait_messages(1)
    body = stats.body
    assert body.startswith("🏅 Мария Иванова: мои итоги\nВ волонтёрах штаба с 01.09.2026")
    month, all_time = body.split("За всё время")
    for line in (
        "Этот месяц (11.2026)", "✅ Задач выполнено: 3",
        "⏱ Часов: 9.5 (задачи — 6.5, мероприятия — 3)", "📅 Мероприятий посещено: 1",
        "📞 Звонков сделано: 2", "⭐ Средняя оценка: 4.5 (оценок: 2)", "💐 Благодарностей: 2",
    ):  # fmt: skip
        assert line in month, line
    assert "Консультаций" not in month
    for line in (
        "✅ Задач выполнено: 4", "⏱ Часов: 11.5 (задачи — 8.5, мероприятия — 3)",
        "📞 Звонков сделано: 2", "🩺 Консультаций дано: 1", "⭐ Средняя оценка: 4.5 (оценок: 4)",
        "💐 Благодарностей: 3", "Благодарность — это оценка «5 звёзд»",
    ):  # fmt: skip
        assert line in all_time, line
    assert "ID DOBRO.RF" not in body  # hers is in the profile
    assert stats.buttons == [
        ["🖼 Благодарность за 2026 год"],
        ["🖼 Благодарность за всё время"],
        ["📄 Часы для DOBRO.RF"],
    ]

    # The year's certificate: a PNG of the certificate's size.
    await maria.press("🖼 Благодарность за 2026 год")
    [photo] = await maria.wait_messages(1, timeout=30)
    assert photo.photo is not None
    assert (photo.caption or "").startswith("🖼 Благодарность от штаба")
    png = _file(maria, photo)
    assert png.startswith(b"\x89PNG") and image_size(png) == (1200, 850)

    # Her own hours for DOBRO.RF: one row per activity, all time.
    await maria.press("📄 Часы для DOBRO.RF")
    xlsx, csv_file = await maria.wait_messages(2, timeout=30)
    assert (xlsx.caption or "") == "📄 Часы для книжки волонтёра DOBRO.RF: строк — 5, часов — 11.5."
    assert xlsx.document is not None and xlsx.document["file_name"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(_file(maria, xlsx))).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    org = "Штаб #МыВместе Кузбасс"
    assert rows[0] == ["Дата", "Часы", "Организация", "Вид деятельности", "ID DOBRO.RF", "ФИО"]
    assert [[r[0].date(), *r[1:]] for r in rows[1:]] == [
        [date(2026, 10, 15), 2, org, f"Помощь: Продукты (заявка № {_id(rows, 1)})", "D-7010",
         "Мария Иванова"],
        [date(2026, 11, 3), 2, org, f"Помощь: Продукты (заявка № {_id(rows, 2)})", "D-7010",
         "Мария Иванова"],
        [date(2026, 11, 10), 1.5, org, f"Помощь: Продукты (заявка № {_id(rows, 3)})", "D-7010",
         "Мария Иванова"],
        [date(2026, 11, 20), 3, org, f"Помощь: Лекарства (заявка № {_id(rows, 4)})", "D-7010",
         "Мария Иванова"],
        [date(2026, 11, 14), 3, org,
         f"Мероприятие: Международный день добровольцев (№ {_id(rows, 5)})", "D-7010",
         "Мария Иванова"],
    ]  # fmt: skip
    assert csv_file.document is not None and csv_file.document["file_name"].endswith(".csv")
    lines = list(csv.reader(io.StringIO(_file(maria, csv_file).decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0] == "Дата" and lines[1][:2] == ["15.10.2026", "2"] and len(lines) == 6

    # The same record from her profile's button.
    await maria.send_text("/profile")
    await maria.wait_messages(1)
    await maria.press("🏅 Мои итоги")
    [again] = await maria.wait_messages(1)
    assert again.body == body

    # A person who is not a volunteer is told how to become one.
    citizen = await _person(emulator, 5900, "Пётр", "ru")
    await citizen.send_text("/mystats")
    [refused] = await citizen.wait_messages(1)
    assert refused.body.startswith("🏅 Итоги есть у волонтёров штаба")
    assert runner.app is not None


def _unread(person: Person) -> list[StoredMessage]:
    return person.chat.bot_messages[person._cursor :]


def _id(rows: list[list[object]], n: int) -> str:
    """The request's or event's number from the activity cell (ids depend on the seed)."""
    cell = str(rows[n][3])
    return cell.rsplit("№ ", 1)[1].rstrip(")")


async def test_dobro_export_for_a_territory_coordinator(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot, local(2026, 12, 2, 12, 0))
    irina = await _person(emulator, YURGA_COORDINATOR, "Ирина", "ru")
    # A bad period, and years a date cannot reach (they raised OverflowError): the usage.
    for bad_period in ("13.2026", "12.9999", "01.0001", "01.01.0001-02.01.0001"):
        await irina.send_text(f"/dobro {bad_period}")
        [bad] = await irina.wait_messages(1)
        assert bad.body.startswith(f"Не понял период «{bad_period}».\n/dobro — прошлый месяц")
    await irina.send_text("/dobro")  # the previous month: November
    busy, xlsx, csv_file = await irina.wait_messages(3, timeout=30)
    assert busy.body == "⏳ Готовлю часы за 01.11.2026–30.11.2026…"
    assert (xlsx.caption or "") == (
        "📄 Часы для DOBRO.RF за 01.11.2026–30.11.2026: строк — 8, волонтёров — 3, часов — 15.5."
    )
    sheet = load_workbook(io.BytesIO(_file(irina, xlsx))).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()][1:]
    # Yurga's volunteers only (Belovo's Айгүл is not hers), by day; then the event.
    assert [(r[0].date().day, r[1], r[4], r[5]) for r in rows] == [
        (1, 1, "не указан", "Борис Кузнецов"),
        (3, 2, "D-7010", "Мария Иванова"),
        (5, 1, "не указан", "Светлана Ким"),
        (6, 1, "не указан", "Светлана Ким"),
        (10, 1.5, "D-7010", "Мария Иванова"),
        (20, 3, "D-7010", "Мария Иванова"),
        (14, 3, "D-7010", "Мария Иванова"),
        (14, 3, "не указан", "Борис Кузнецов"),
    ]
    assert csv_file.document is not None
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "dobro_export"))
        ).all()
        assert entry.actor_id == YURGA_COORDINATOR and entry.scope == "yurga"
        assert entry.details["rows"] == 8
    # Her volunteer's record from the card in /volunteers: «🏅 Итоги».
    async with runner.app.sessionmaker() as session:
        maria_id = await session.scalar(select(Volunteer.id).where(Volunteer.user_id == A))
    await irina.send_text("/volunteers")
    await irina.wait_messages(1)
    await irina.press(f"Мария Иванова (№ {maria_id})")
    [card] = await irina.wait_messages(1)
    assert card.buttons[-1] == ["🏅 Итоги"]
    await irina.press("🏅 Итоги")
    [record] = await irina.wait_messages(1)
    assert record.body.startswith(f"🏅 Итоги волонтёра № {maria_id}: Мария Иванова\n")
    assert "Этот месяц (12.2026)\n✅ Задач выполнено: 0" in record.body
    assert "✅ Задач выполнено: 4\n⏱ Часов: 11.5" in record.body
    assert "ID DOBRO.RF" not in record.body
    async with runner.app.sessionmaker() as session:  # audited as the card is
        views = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "view_volunteer")
                .order_by(AuditEntry.id)
            )
        ).all()
        assert [(e.target, e.details) for e in views][-1] == (
            f"volunteer:{maria_id}",
            {"record": True},
        )
        # Светлана leaves Yurga and is a volunteer in Belovo now: her old Yurga record is not
        # her live one, and «🏅 Итоги» forged with its id shows Irina nothing of Belovo's.
        old = await session.scalar(select(Volunteer).where(Volunteer.user_id == C))
        assert old is not None
        old.status = VolunteerStatus.LEFT
        belovo = await session.scalar(select(Territory.id).where(Territory.code == "belovo"))
        assert belovo is not None
        session.add(
            Volunteer(
                user_id=C, status=VolunteerStatus.APPROVED, name=old.name, phone=old.phone,
                territory_id=belovo, skills=old.skills, age_group=old.age_group,
                availability=old.availability, consent_at=old.consent_at,
                consent_version=old.consent_version, created_at=old.created_at,
                updated_at=old.updated_at, decided_at=old.decided_at,
            )
        )  # fmt: skip
        await session.commit()
        old_id = old.id
    sent = len(irina.chat.bot_messages)
    forged = VolunteerCb(id=old_id, action="record").pack()
    answer = await irina.press_data(forged, message_id=card.message_id)
    assert answer is not None and (answer.text or "").startswith("Эта кнопка устарела")
    assert len(irina.chat.bot_messages) == sent  # the answer comes after the handler: nothing
    # A volunteer cannot export: /dobro is not theirs (the catch-all answers).
    maria = await _person(emulator, A, "Мария", "ru")
    await maria.send_text("/dobro")
    [reply] = await maria.wait_messages(1)
    assert reply.document is None and "DOBRO.RF за" not in reply.body


async def test_kazakh_mystats_and_the_monthly_award(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot, local(2026, 12, 1, 9, 55))
    assert runner.app is not None
    boris = await _person(emulator, B, "Борис", "kk")
    await boris.send_text("/mystats")
    [stats] = await boris.wait_messages(1)
    for line in (
        "🏅 Борис Кузнецов: менің нәтижелерім", "Осы ай (12.2026)", "Барлық уақыт",
        "✅ Орындалған тапсырма: 1", "⏱ Сағат: 4 (тапсырмалар — 1, іс-шаралар — 3)",
        "📅 Қатысқан іс-шара: 1", "⭐ Орташа баға: 2.0 (баға саны: 1)", "💐 Алғыс: 0",
        "ℹ️ Профиліңізде DOBRO.RF ID жоқ",
    ):  # fmt: skip
        assert line in stats.body, line
    await boris.press("🖼 Барлық уақыттағы алғыс хат")
    [photo] = await boris.wait_messages(1, timeout=30)
    assert (photo.caption or "").startswith("🖼 Штабтың алғыс хаты")
    assert image_size(_file(boris, photo)) == (1200, 850)

    # Yurga's coordinators: Ирина reads Kazakh, a second one Russian.
    irina = await _person(emulator, YURGA_COORDINATOR, "Ирина", "kk")
    second = await _person(emulator, SECOND_COORDINATOR, "Олег", "ru")
    await irina.send_text("/dobro 12.9999")  # raised OverflowError: the usage, in Kazakh
    [bad] = await irina.wait_messages(1)
    assert bad.body.startswith("«12.9999» кезеңін түсінбедім.\n/dobro — өткен ай")
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(
            select(CoordinatorTerritory.territory_id).where(
                CoordinatorTerritory.user_id == YURGA_COORDINATOR
            )
        )
        assert yurga is not None
        await coordinators.appoint(
            session, user_id=SECOND_COORDINATOR, territory_ids=[yurga], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()
        assert await session.get(Coordinator, SECOND_COORDINATOR) is not None
    maria = await _person(emulator, A, "Мария", "ru")
    svetlana = await _person(emulator, C, "Светлана", "ru")
    await drained(runner)
    for person in (irina, second):
        person.mark_read()

    async def tick() -> list[int]:
        assert runner.app is not None
        return await recognition_job.tick(
            runner.clock.now(), sessionmaker=runner.app.sessionmaker, hq_zone=NOVOKUZNETSK,
            admin_ids=[ADMIN_ID], default_locale="ru",
        )  # fmt: skip

    assert await tick() == []  # 09:55 in Yurga
    await drained(runner)
    assert _unread(irina) == [] and _unread(second) == []
    runner.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    assert yurga in await tick()
    assert await tick() == []
    [proposal] = await irina.wait_messages(1, timeout=10)
    [proposal_ru] = await second.wait_messages(1, timeout=10)
    assert proposal.body.startswith("🏆 «Үздік ерікті» — Юрга қалалық округі, 11.2026")
    assert "1. Мария Иванова — 55 (✅ 3 · ⏱ 9.5 · ★ 4.5)" in proposal.body
    assert "Марапаттау үшін есімді басыңыз" in proposal.body
    assert proposal.buttons == [["🏅 Мария Иванова"], ["🏅 Светлана Ким"], ["🏅 Борис Кузнецов"]]
    assert proposal_ru.body.startswith(
        "🏆 «Лучший доброволец» — Юргинский городской округ, 11.2026"
    )

    # A double tap on «Светлана Ким»: one award; the second press is told it is given.
    svetlana_data = proposal.button_data[1][0]
    assert svetlana_data is not None
    answers = await asyncio.gather(
        irina.press_data(svetlana_data, timeout=10), irina.press_data(svetlana_data, timeout=10)
    )
    alerts = [a.text for a in answers if a is not None and a.text]
    assert alerts == ["Бұл аумақта 11.2026 үшін «Үздік ерікті» марапаты берілген: Светлана Ким. "
                      "Екінші марапат берілмейді."]  # fmt: skip
    # The other coordinator's copy loses its buttons and says who has it (through the
    # outbox); their press on the stale copy is refused and told who has it.
    maria_data = proposal_ru.button_data[0][0]
    assert maria_data is not None
    await drained(runner)
    copy = next(m for m in second.messages if m.message_id == proposal_ru.message_id)
    assert copy.body == (
        "🏆 «Лучший доброволец» — Юргинский городской округ, 11.2026: награда вручена — "
        "Светлана Ким."
    )
    assert copy.buttons == []
    answer = await second.press_data(maria_data, timeout=10, message_id=proposal_ru.message_id)
    assert answer is not None and answer.text == (
        "Награда «Лучший доброволец» за 11.2026 по этой территории уже вручена: Светлана Ким. "
        "Вторая не вручается."
    )
    await drained(runner)
    [thanks] = await svetlana.wait_messages(1, timeout=10)
    assert thanks.body.startswith("🏆 Вы — «Лучший доброволец» за 11.2026!")
    assert "выполнено задач — 2, часов помощи людям — 2" in thanks.body
    assert thanks.body.endswith("— Штаб #МыВместе Кузбасс")
    await drained(runner)
    assert _unread(svetlana) == [] and _unread(maria) == []
    edited = next(m for m in irina.messages if m.message_id == proposal.message_id)
    assert "🏅 11.2026 үшін «Үздік ерікті» марапаты берілді: Светлана Ким" in edited.body
    assert edited.buttons == []
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(func.count(VolunteerAward.id))) == 1
        sent = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.chat_id == C)
        )
        assert sent == 1
        assert (
            await session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "volunteer_award")
            )
            == 1
        )

    # The award is in her record.
    await svetlana.send_text("/mystats")
    [record] = await svetlana.wait_messages(1)
    assert "🏆 «Лучший доброволец»: 11.2026 — Юргинский городской округ" in record.body
