"""Exports, statistics and the yearly report end to end (issue 20), on a seeded dataset of
Yurga and Tayga (the clock: 05.12.2026 16:00 in Novokuznetsk):

- the HQ in Russian exports requests (XLSX, opened with openpyxl and checked cell by cell)
  and volunteers (CSV with BOM); both on the audit record with their filters;
- a coordinator of Tayga in Kazakh gets Tayga's rows only, never a Yurga person's name or
  phone (a Yurga volunteer who helped in Tayga stays unnamed), hours as CSV, and an export
  without personal columns;
- /report: the statistics of this month (HQ, ru) and this year (Tayga, kk) as text and as a
  PNG 1080 px wide with the labels in the reader's language; custom dates, bad ones re-asked;
- the yearly report in one tap, each sheet's figures cross-checked against the database.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import ExportCb
from bot.sandbox import Emulator, Person
from bot.sandbox.files import image_size
from bot.services import coordinators, report_chart
from bot.services.reports import person_key
from bot.services.users import Profile, touch_user
from handlers.coordinator import background
from models import (
    AuditEntry,
    EventAttendance,
    HelpRequest,
    Territory,
    Volunteer,
    VolunteerEvent,
)
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot
from tests.e2e.test_campaign_export import _file
from tests.e2e.test_campaign_import import _person, _territory_ids

TAYGA_COORDINATOR = 7401
VOLUNTEERS = {  # user id: name, territory, age group, status
    8001: ("Ольга Смирнова", "yurga", "18-34", "approved"),
    8002: ("Пётр Серебров", "yurga", "55plus", "approved"),
    8003: ("Айгүл Тайгинская", "tayga", "35-54", "approved"),
    8004: ("Данияр Новиков", "tayga", "under18", "pending"),
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# territory, kind, status, created (UTC), minutes to take, minutes to done, hours, rating,
# volunteer (user id), person, phone, due passed
REQUESTS: list[tuple[Any, ...]] = [
    ("yurga", "groceries", "done", "2026-12-02 10:00", 30, 180, 2.0, 5, 8001,
     "Анна Иванова", "+79031110001", False),
    ("yurga", "medicine", "done", "2026-12-03 10:00", 60, 120, 1.5, 4, 8002,
     "Анна Иванова", "+7 903 111-00-01", False),
    ("yurga", "coal", "new", "2026-12-04 03:00", None, None, None, None, None,
     "Галина Орлова", "+79031110005", True),
    ("yurga", "snow", "cancelled", "2026-11-20 03:00", None, None, None, None, None,
     "Галина Орлова", "+79031110005", False),
    ("yurga", "groceries", "done", "2026-11-15 03:00", 20, 100, 1.0, 5, 8001,
     "Борис Петров", "+79031110002", False),
    ("tayga", "groceries", "done", "2026-12-01 05:00", 45, 240, 3.0, 3, 8002,
     "Серік Ахметов", "+79031110003", False),
    ("tayga", "medicine", "taken", "2026-12-04 04:00", 120, None, None, None, 8003,
     "Мария Сидорова", "+79031110004", False),
    ("tayga", "ride", "failed", "2026-12-02 06:00", 15, None, None, None, None,
     "Мария Сидорова", "+79031110004", False),
    # The year's edges in Novokuznetsk (UTC+7): 23:30 on 31.12.2025, then 00:30 on 01.01.2026.
    ("yurga", "groceries", "done", "2025-12-31 16:30", 10, 60, 4.0, 5, 8001,
     "Борис Петров", "+79031110002", False),
    ("yurga", "household", "done", "2025-12-31 17:30", 10, 60, 1.0, None, 8001,
     "Борис Петров", "+79031110002", False),
]  # fmt: skip
# territory, title, starts (UTC), status, attendance (user id, hours)
EVENTS: list[tuple[str, str, str, str, list[tuple[int, float]]]] = [
    ("tayga", "Субботник в Тайге", "2026-11-28 03:00", "done", [(8003, 3.0), (8002, 2.5)]),
    ("yurga", "Акция «Тёплый дом»", "2026-12-03 04:00", "done", [(8001, 2.0)]),
    ("yurga", "Будущая акция", "2026-12-10 04:00", "open", []),
]


async def _seed(runner: BotRunner) -> dict[str, int]:
    assert runner.app is not None
    ids = await _territory_ids(runner)
    await seed(runner.app.sessionmaker, ids, runner.clock.now())
    return ids


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession], ids: dict[str, int], now: datetime
) -> None:
    """The dataset above, for the territories' ``ids`` by code."""
    async with sessionmaker() as s:
        volunteer_ids: dict[int, int] = {}
        for user_id, (name, code, age, status) in VOLUNTEERS.items():
            await touch_user(
                s, Profile(user_id, name.split()[0], language_code="ru"), now, wrote_to_bot=True
            )
            volunteer = Volunteer(
                user_id=user_id, status=status, name=name, phone=f"+7913000{user_id}",
                territory_id=ids[code], skills=["delivery"], age_group=age,
                availability=["weekends"], dobro_id=f"dobro-{user_id}",
                consent_at=now, consent_version="v1", created_at=_at("2026-10-01 03:00"),
                updated_at=now,
            )  # fmt: skip
            s.add(volunteer)
            await s.flush()
            volunteer_ids[user_id] = volunteer.id
        for n, row in enumerate(REQUESTS):
            code, kind, status, created, take, done, hours, rating, who, person, phone, late = row
            at = _at(created)
            s.add(
                HelpRequest(
                    kind=kind, for_other=True, person_name=person, person_phone=phone,
                    territory_id=ids[code], address=f"{code}, ул. Мира, {n + 1}",
                    details="—", urgency="today", status=status, door_code="1234",
                    volunteer_id=volunteer_ids[who] if who else None,
                    taken_at=at + timedelta(minutes=take) if take is not None else None,
                    done_at=at + timedelta(minutes=done) if done is not None else None,
                    due_at=now - timedelta(hours=1) if late else now + timedelta(days=2),
                    hours=hours, rating=rating, consent_at=at, consent_version="v1",
                    created_at=at, updated_at=at,
                )
            )  # fmt: skip
        for code, title, starts, status, attendance in EVENTS:
            event = VolunteerEvent(
                title=title, starts_at=_at(starts), duration_hours=3, place="Центр",
                territory_id=ids[code], slots=10, kinds=[], status=status, created_by=ADMIN_ID,
                created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(event)
            await s.flush()
            for user_id, hours in attendance:
                s.add(
                    EventAttendance(
                        event_id=event.id,
                        user_id=user_id,
                        hours=hours,
                        marked_by=ADMIN_ID,
                        marked_at=_at(starts),
                    )
                )
        await s.commit()


async def _tayga_coordinator(emulator: Emulator, runner: BotRunner, ids: dict[str, int]) -> Person:
    coordinator = await _person(emulator, TAYGA_COORDINATOR, "kk")
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        await coordinators.appoint(
            s, user_id=coordinator.id, territory_ids=[ids["tayga"]], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await s.commit()
    return coordinator


async def _export(person: Person, kind: str, *presses: str, run: str) -> bytes:
    await person.send_text("/export")
    await person.wait_messages(1)
    await person.press(kind)
    for label in presses:
        for _ in range(6):  # territories come ten a page
            shown = person.last_bot_message
            if shown is None or label in str(shown.buttons):
                break
            await person.press("▶️")
        await person.press(label)
    person.mark_read()
    await person.press(run)
    [document] = await person.wait_messages(1, timeout=30)
    await _settled()
    return _file(person, document)


async def _edited(person: Person, prefix: str) -> Any:
    """The newest message once an edit made it start with ``prefix``."""
    notifier = person.state.notifier
    while not person.messages[-1].body.startswith(prefix):
        await asyncio.wait_for(notifier.wait(notifier.version, 30), 30)
    return person.messages[-1]


async def _settled() -> None:
    """The background work the bot runs in this process has ended (its files removed)."""
    await asyncio.gather(*list(background._running.values()), return_exceptions=True)


async def _audit(runner: BotRunner) -> list[AuditEntry]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        rows = await s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_hq_exports_in_russian(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    ids = await _seed(runner)

    await hq.send_text("/export")
    [menu] = await hq.wait_messages(1)
    assert menu.body.startswith("📤 Выгрузки")
    assert "📣 Итоги кампаний" in str(menu.buttons)
    data = await _export(hq, "📋 Заявки", "Этот год", run="📤 Выгрузить")
    assert hq.messages[-2].body == "✅ Выгрузка готова: 9 строк."
    book = load_workbook(io.BytesIO(data))
    sheet = book[book.sheetnames[0]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:Q10"
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["№", "Создана", "Вид помощи", "Срочность", "Статус", "Территория"]
    assert header[12:] == ["Кому помощь", "Телефон", "Адрес", "Волонтёр", "Телефон волонтёра"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["O"].width > 30  # the address column is wide
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert len(rows) == 9  # 2026 in Novokuznetsk: the 31.12.2025 23:30 request is not in it
    # Tayga first (Тайгинский < Юргинский), then by status and time; request № 1 checked.
    first = rows[1]
    assert first[1].is_date and first[1].value == datetime(2026, 12, 2, 17, 0)
    assert [c.value for c in first[2:6]] == [
        "Продукты", "сегодня", "выполнена", "Юргинский городской округ"
    ]  # fmt: skip
    assert first[6].is_date and first[6].value == datetime(2026, 12, 2, 17, 30)
    assert first[7].value == datetime(2026, 12, 2, 20, 0)
    assert [c.value for c in first[8:12]] == [0.5, 2, 5, "нет"]
    assert [c.value for c in first[12:]] == [
        "Анна Иванова", "+79031110001", "yurga, ул. Мира, 1", "Ольга Смирнова", "+79130008001"
    ]  # fmt: skip
    assert rows[3][11].value == "да"  # open and past its window
    assert rows[6][15].value == "Пётр Серебров"  # the HQ sees every volunteer
    assert sheet.cell(2, 6).value == "Тайгинский городской округ"

    # Volunteers as CSV, pending ones of Tayga: UTF-8 with BOM, «;».
    data = await _export(
        hq, "🙋 Волонтёры", "CSV", "На проверке", "Тайгинский городской округ",
        run="📤 Выгрузить",
    )  # fmt: skip
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:5] == ["№", "ФИО", "Телефон", "Территория", "Статус"]
    assert [r[1] for r in table[1:]] == ["Данияр Новиков"]
    assert table[1][4:6] == ["на проверке", "до 18 лет"]
    assert table[1][7] == "01.10.2026 10:00"

    # Campaign results: the way to the campaigns, whose cards export them.
    await hq.send_text("/export")
    await hq.wait_messages(1)
    await hq.press("📣 Итоги кампаний")
    shown = hq.last_bot_message
    assert shown is not None and shown.body.startswith("Кампаний пока нет")

    entries = await _audit(runner)
    assert [(e.actor_id, e.target, e.details["rows"]) for e in entries] == [
        (ADMIN_ID, "export:requests", 9), (ADMIN_ID, "export:volunteers", 1)
    ]  # fmt: skip
    assert entries[0].scope == "hq" and entries[0].details["format"] == "xlsx"
    assert entries[0].details["since"] == "2025-12-31T17:00:00+00:00"
    assert entries[1].details["status"] == "pending"
    assert entries[1].details["territory_id"] == ids["tayga"]
    assert entries[1].details["format"] == "csv" and entries[1].details["personal"] is True


async def test_export_period_in_the_chosen_territorys_zone(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """Tayga (first by name) moved to Moscow time: a Yurga export counts the month in
    Novokuznetsk's calendar, a Tayga one in Moscow's, all of them (two zones) in the HQ's
    DEFAULT_TIMEZONE: not in the first territory's by name (review of issue 20)."""
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    ids = await _seed(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        tayga = await s.get(Territory, ids["tayga"])
        assert tayga is not None
        tayga.timezone = "Europe/Moscow"
        await s.commit()
    await _export(hq, "📋 Заявки", "CSV", "Юргинский городской округ", run="📤 Выгрузить")
    await _export(hq, "📋 Заявки", "CSV", "Тайгинский городской округ", run="📤 Выгрузить")
    await _export(hq, "📋 Заявки", "CSV", run="📤 Выгрузить")
    entries = await _audit(runner)
    assert [(e.details["territory_id"], e.details["since"]) for e in entries] == [
        (ids["yurga"], "2026-11-30T17:00:00+00:00"),  # 01.12 00:00 in Novokuznetsk
        (ids["tayga"], "2026-11-30T21:00:00+00:00"),  # 01.12 00:00 in Moscow
        (None, "2026-11-30T17:00:00+00:00"),  # two zones: the HQ's
    ]


async def test_territory_coordinator_in_kazakh(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    ids = await _seed(runner)
    coordinator = await _tayga_coordinator(emulator, runner, ids)

    await coordinator.send_text("/export")
    [menu] = await coordinator.wait_messages(1)
    assert menu.body.startswith("📤 Экспорттау")
    data = await _export(coordinator, "📋 Өтінімдер", "Осы жыл", run="📤 Экспорттау")
    book = load_workbook(io.BytesIO(data))
    sheet = book[book.sheetnames[0]]
    assert sheet["A1"].value == "№" and sheet["B1"].value == "Құрылған уақыты"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == 3
    assert {row[5] for row in values} == {"Тайга қалалық округі"}
    by_person = {row[12]: row for row in values}
    assert set(by_person) == {"Серік Ахметов", "Мария Сидорова"}
    # The Yurga volunteer who helped in Tayga is not named to Tayga's coordinator.
    helped = by_person["Серік Ахметов"]
    assert helped[4] == "орындалды" and helped[15] is None and helped[16] is None
    text = repr(values)
    for other in ("Анна Иванова", "Пётр Серебров", "Ольга Смирнова", "+79130008002", "yurga"):
        assert other not in text
    assert any(row[15] == "Айгүл Тайгинская" for row in values)

    # Hours as CSV: Tayga's request and event; the Yurga volunteer's hours are there, unnamed.
    data = await _export(coordinator, "⏱ Еріктілер сағаты", "CSV", "Осы жыл", run="📤 Экспорттау")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:4] == ["Күні", "Ерікті", "Еріктінің телефон нөмірі", "DOBRO.RF ID"]
    rows = sorted((r[5], r[1], r[8]) for r in table[1:])
    assert rows == [
        ("іс-шара", "", "2,5"), ("іс-шара", "Айгүл Тайгинская", "3"), ("өтінім", "", "3"),
    ]  # fmt: skip
    assert "Пётр" not in data.decode("utf-8-sig")

    # Without personal columns: none of them in the file.
    data = await _export(
        coordinator, "📋 Өтінімдер", "Осы жыл", "👤 Дербес деректермен: иә", run="📤 Экспорттау"
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert "Кімге көмек" not in header and "Телефон нөмірі" not in header and len(header) == 12

    # A forged button naming Yurga exports Tayga's rows only; a forged status is stale.
    coordinator.mark_read()
    forged = ExportCb(k="r", t=ids["yurga"], p="year", go=True).pack()
    answer = await coordinator.press_data(forged)
    assert answer is None or not answer.show_alert, answer
    [document] = await coordinator.wait_messages(1, timeout=30)
    sheet = load_workbook(io.BytesIO(_file(coordinator, document))).active
    assert sheet is not None and sheet.max_row == 4
    assert {sheet.cell(r, 6).value for r in range(2, 5)} == {"Тайга қалалық округі"}
    answer = await coordinator.press_data(ExportCb(k="r", s="bogus", go=True).pack())
    assert answer is not None and answer.show_alert

    entries = await _audit(runner)
    assert [(e.actor_id, e.details["kind"], e.details["rows"]) for e in entries] == [
        (TAYGA_COORDINATOR, "requests", 3), (TAYGA_COORDINATOR, "hours", 3),
        (TAYGA_COORDINATOR, "requests", 3), (TAYGA_COORDINATOR, "requests", 3),
    ]  # fmt: skip
    assert entries[0].scope == "tayga" and entries[2].details["personal"] is False
    assert entries[3].details["territory_id"] is None  # Yurga was not theirs: all of theirs


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[report_chart.Panel]]]:
    """Every chart drawn: its title and panels (the labels passed in)."""
    drawn: list[tuple[str, list[report_chart.Panel]]] = []
    original = report_chart.render

    def render(title: str, panels: list[report_chart.Panel]) -> bytes:
        drawn.append((title, list(panels)))
        return original(title, panels)

    monkeypatch.setattr(report_chart, "render", render)
    return drawn


async def _report(person: Person, period: str) -> tuple[str, bytes]:
    await person.send_text("/report")
    await person.wait_messages(1)
    person.mark_read()
    await person.press(period)
    [photo] = await person.wait_messages(1, timeout=30)
    await _settled()
    assert photo.photo is not None
    stored = person.state.files.get(photo.photo[-1]["file_id"])
    assert stored is not None
    return person.messages[-2].body, stored.data


async def test_statistics_with_chart(
    emulator: Emulator, start_bot: StartBot, charts: list[tuple[str, Any]]
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    ids = await _seed(runner)
    coordinator = await _tayga_coordinator(emulator, runner, ids)

    text, png = await _report(hq, "Этот месяц")
    assert text.startswith("📊 Статистика: 01.12.2026 – 31.12.2026")
    for line in (
        "Заявок: 6", "Ждут волонтёра: 1", "Просрочены: 1",
        "Медиана до отклика волонтёра: 0:45 (ч:мин)", "Медиана до выполнения: 3:00 (ч:мин)",
        "Активных волонтёров: 3", "Часы по заявкам: 6,5; на мероприятиях: 2 (мероприятий: 1)",
        "Оценок: 3, средняя: 4", "Продукты: 2", "Лекарства: 2", "Доставка угля: 1",
        "выполнена: 3", "ищем волонтёра: 1", "Юргинский городской округ: 3",
        "Тайгинский городской округ: 3",
    ):  # fmt: skip
        assert line in text, line
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    size = image_size(png)
    assert size is not None and size[0] == 1080 and 500 < size[1] < 2000
    title, panels = charts[-1]
    assert title == "Заявки: 01.12.2026 – 31.12.2026"
    assert [p.title for p in panels] == ["По видам помощи", "По статусам", "По территориям"]

    text, png = await _report(coordinator, "Осы жыл")
    assert text.startswith("📊 Статистика (кезең: 01.01.2026 – 31.12.2026)")
    for line in (
        "👁 Тек сіздің аумақтарыңыз.", "Өтінімдер: 3", "Белсенді еріктілер: 2",
        "Өтінімдер бойынша сағат: 3; іс-шараларда: 5,5 (іс-шаралар: 1)", "Азық-түлік: 1",
        "Көлікпен апару немесе сүйемелдеу: 1",
    ):  # fmt: skip
        assert line in text, line
    assert "Аумақтар бойынша" not in text  # one territory: no breakdown
    size = image_size(png)
    assert size is not None and size[0] == 1080
    title, panels = charts[-1]
    assert title == "Өтінімдер: 01.01.2026 – 31.12.2026"
    assert [p.title for p in panels] == ["Көмек түрлері бойынша", "Мәртебелер бойынша"]
    labels = {label for p in panels for label, _ in p.bars}
    assert {"Азық-түлік", "Дәрі-дәрмек", "орындалды", "ерікті тағайындалды"} <= labels
    assert any(ch in "".join(labels) for ch in "әғқңөұүһі")

    # Custom dates: a bad answer is asked again, then November's figures.
    await coordinator.send_text("/report")
    await coordinator.wait_messages(1)
    coordinator.mark_read()
    await coordinator.press("📅 Өз күндерім")
    [ask] = await coordinator.wait_messages(1)
    assert ask.body.startswith("Кезеңнің бірінші")
    coordinator.mark_read()
    await coordinator.send_text("30.11.2026 01.11.2026")
    [bad] = await coordinator.wait_messages(1)
    assert bad.body.startswith("Күндерді түсінбедім")
    coordinator.mark_read()
    await coordinator.send_text("01.11.2026 30.11.2026")
    [counting] = await coordinator.wait_messages(1, timeout=30)
    assert counting.body == "⏳ Есептеп жатырмын…"
    counted = await _edited(coordinator, "📊 Статистика (кезең: 01.11.2026 – 30.11.2026)")
    await _settled()
    assert "Өтінімдер: 0" in counted.body and "(іс-шаралар: 1)" in counted.body
    assert counted.photo is None  # no requests: no chart


async def test_statistics_quote_names_and_refuse_extreme_dates(
    emulator: Emulator, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A territory named with «<» and «&» shows as written (the message is HTML); dates of
    year 9999 are asked again (they overflowed the bounds); dates sent while an export runs
    are kept: sent again once it is done, they are counted (review of issue 20)."""
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    ids = await _seed(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        tayga = await s.get(Territory, ids["tayga"])
        assert tayga is not None
        tayga.name_ru = "Тайга <b>& Ко</b>"
        await s.commit()

    text, _png = await _report(hq, "Этот месяц")
    assert "Тайга <b>& Ко</b>: 3" in text

    await hq.send_text("/report")
    await hq.wait_messages(1)
    hq.mark_read()
    await hq.press("📅 Свои даты")
    await hq.wait_messages(1)
    hq.mark_read()
    for dates in ("01.01.9999 31.12.9999", "01.01.0001 02.01.0001"):
        await hq.send_text(dates)
        [bad] = await hq.wait_messages(1)
        assert bad.body.startswith("Не понял даты"), bad.body
        hq.mark_read()

    monkeypatch.setattr("handlers.coordinator.reports.busy", lambda user_id: True)
    await hq.send_text("01.11.2026 30.11.2026")
    [wait] = await hq.wait_messages(1)
    assert wait.body.startswith("Ваша предыдущая выгрузка или отчёт ещё готовится")
    hq.mark_read()
    monkeypatch.undo()
    await hq.send_text("01.11.2026 30.11.2026")  # still asked for: no need to press again
    [counting] = await hq.wait_messages(1, timeout=30)
    assert counting.body == "⏳ Считаю…", counting.body
    counted = await _edited(hq, "📊 Статистика: 01.11.2026 – 30.11.2026")
    await _settled()
    assert "Заявок: 2" in counted.body


def _sheet_rows(sheet: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def test_yearly_report_matches_the_database(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "ru")
    ids = await _seed(runner)
    names = {ids["yurga"]: "Юргинский городской округ", ids["tayga"]: "Тайгинский городской округ"}

    await hq.send_text("/report")
    await hq.wait_messages(1)
    hq.mark_read()
    await hq.press("📑 Годовой отчёт 2026")
    [document] = await hq.wait_messages(1, timeout=30)
    assert document.caption == "📑 Годовой отчёт за 2026 год"
    book = load_workbook(io.BytesIO(_file(hq, document)))
    assert book.sheetnames == [
        "Заявки", "Получили помощь", "Волонтёры по возрасту", "Часы", "Мероприятия"
    ]  # fmt: skip
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1] if c.value)
        last = list(sheet.iter_rows())[-1]
        assert last[0].value == "Итого" and last[0].font.bold

    # The database's own answer, the year in Novokuznetsk (UTC+7).
    since, until = _at("2025-12-31 17:00"), _at("2026-12-31 17:00")
    assert runner.app is not None
    async with runner.app.sessionmaker() as s:
        in_year = (HelpRequest.created_at >= since, HelpRequest.created_at < until)
        by_kind = Counter(
            {
                (t, k): n
                for t, k, n in await s.execute(
                    select(HelpRequest.territory_id, HelpRequest.kind, func.count())
                    .where(*in_year)
                    .group_by(HelpRequest.territory_id, HelpRequest.kind)
                )
            }
        )
        done = (
            await s.execute(
                select(
                    HelpRequest.territory_id, HelpRequest.person_phone, HelpRequest.hours,
                    HelpRequest.volunteer_id,
                ).where(*in_year, HelpRequest.status == "done")
            )
        ).all()  # fmt: skip
        event_hours = {
            row[0]: row[1]
            for row in await s.execute(
                select(VolunteerEvent.territory_id, func.sum(EventAttendance.hours))
                .join(EventAttendance, EventAttendance.event_id == VolunteerEvent.id)
                .where(
                    VolunteerEvent.status == "done",
                    VolunteerEvent.starts_at >= since,
                    VolunteerEvent.starts_at < until,
                )
                .group_by(VolunteerEvent.territory_id)
            )
        }

    requests = _sheet_rows(book["Заявки"])
    assert requests[0][:3] == ["Территория", "Продукты", "Лекарства"]
    assert requests[0][-2:] == ["Всего", "Выполнено"] or requests[0][-2:] == ["Итого", "Выполнено"]
    kinds = ["groceries", "medicine", "utilities", "coal", "snow", "ride", "household", "other"]
    for row in requests[1:-1]:
        tid = next(t for t, name in names.items() if name == row[0])
        assert row[1:9] == [by_kind[(tid, k)] for k in kinds], row
        assert row[9] == sum(by_kind[(tid, k)] for k in kinds)
        assert row[10] == sum(1 for d in done if d.territory_id == tid)
    assert requests[-1][9] == sum(by_kind.values()) == 9
    assert requests[-1][10] == len(done) == 5

    people = _sheet_rows(book["Получили помощь"])
    per_territory: dict[int, set[int]] = defaultdict(set)
    for d in done:
        per_territory[d.territory_id].add(person_key(d.person_phone, None, None, None))
    assert {r[0]: r[1] for r in people[1:-1]} == {
        names[t]: len(keys) for t, keys in per_territory.items()
    }
    assert people[-1][1] == len(set().union(*per_territory.values())) == 3  # Анна, Борис, Серік

    ages = {r[0]: r[1:] for r in _sheet_rows(book["Волонтёры по возрасту"])[1:]}
    assert ages["55+, «Серебряный волонтёр»"] == [1, 2, 7, 1]  # Пётр: 2 tasks, 4.5 + 2.5 h
    assert ages["18–34 года"] == [1, 3, 6, 1]  # Ольга: 3 tasks, 4 h + 2 h at the event
    assert ages["35–54 года"] == [1, 0, 3, 1]  # Айгүл: the event only
    assert ages["до 18 лет"] == [0, 0, 0, 0]  # pending: not counted
    assert ages["Итого"] == [3, 5, 16, 3]

    hours = {r[0]: r[1:] for r in _sheet_rows(book["Часы"])[1:]}
    for tid, name in names.items():
        from_requests = sum(d.hours or 0 for d in done if d.territory_id == tid)
        assert hours[name] == [
            from_requests,
            event_hours.get(tid),
            from_requests + event_hours[tid],
        ]
    assert hours["Итого"] == [8.5, 7.5, 16]

    events = _sheet_rows(book["Мероприятия"])
    assert [r[1] for r in events[1:-1]] == ["Субботник в Тайге", "Акция «Тёплый дом»"]
    assert events[1][0] == datetime(2026, 11, 28, 10, 0) and book["Мероприятия"]["A2"].is_date
    assert events[-1][1] == 2 and events[-1][3:] == [3, 7.5]

    [entry] = await _audit(runner)
    assert entry.target == "export:yearly" and entry.details["year"] == 2026
