"""Exports, statistics and the yearly report (issue 20), the pure parts and the query plans:
periods in the territory's calendar, custom dates, who counts as one person helped, the
shared writers (bold totals, decimal commas, formulas quoted), and every chunk query walking
one index range on SQLite (EXPLAIN QUERY PLAN: no table scan, no sort)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.services import exports as ex
from bot.services.reports import person_key
from bot.services.spreadsheets import CsvWriter, XlsxWriter, csv_value
from handlers.coordinator.reports import parse_dates
from models import EventAttendance, HelpRequest, Volunteer, VolunteerEvent, migrate
from models.db import create_engine

ZONE = ZoneInfo("Asia/Novokuznetsk")


def test_periods_in_the_local_calendar() -> None:
    today = date(2026, 1, 14)  # a Wednesday
    assert ex.period_days(ex.Period.WEEK, today) == (date(2026, 1, 12), date(2026, 1, 19))
    assert ex.period_days(ex.Period.MONTH, today) == (date(2026, 1, 1), date(2026, 2, 1))
    assert ex.period_days(ex.Period.LAST_MONTH, today) == (date(2025, 12, 1), date(2026, 1, 1))
    assert ex.period_days(ex.Period.YEAR, today) == (date(2026, 1, 1), date(2027, 1, 1))
    assert ex.period_days(ex.Period.LAST_YEAR, today) == (date(2025, 1, 1), date(2026, 1, 1))
    assert ex.period_days(ex.Period.ALL, today) == (None, None)
    assert ex.period_days(ex.Period.MONTH, date(2026, 12, 31)) == (
        date(2026, 12, 1), date(2027, 1, 1)
    )  # fmt: skip
    # 00:30 on 1 January in Novokuznetsk is still 31 December in UTC: it is this year.
    now = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    since, until = ex.period_bounds(ex.Period.YEAR, now, ZONE)
    assert since == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert until == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def test_custom_dates() -> None:
    assert parse_dates("01.11.2026 30.11.2026") == (date(2026, 11, 1), date(2026, 11, 30))
    assert parse_dates("с 1.11.2026 по 3/11/2026") == (date(2026, 11, 1), date(2026, 11, 3))
    assert parse_dates("30.11.2026 01.11.2026") is None  # the wrong way round
    assert parse_dates("31.02.2026 01.03.2026") is None  # no such day
    assert parse_dates("01.01.2020 01.01.2026") is None  # more than three years
    assert parse_dates("01.11.2026") is None
    assert parse_dates("вчера") is None


def test_one_person_helped_however_the_phone_is_written() -> None:
    assert person_key("+79031110001", None, 5, "Анна") == person_key(
        "+7 (903) 111-00-01", None, None, "Анна Иванова"
    )
    assert person_key("89031110001", None, None, None) == person_key("+79031110001", None, 1, "")
    assert person_key(None, "+79031110001", None, None) == person_key("+79031110001", None, 2, "")
    assert person_key(None, None, 7, "Анна ") == person_key(None, None, 7, "анна")
    assert person_key(None, None, 7, "Анна") != person_key(None, None, 8, "Анна")


def test_writers(tmp_path: Path) -> None:
    xlsx = XlsxWriter([], [], [])
    xlsx.add_sheet("a", "Таблица", ["Аумақ", "Сағат", "Күні"], [30, 10, 17])
    xlsx.write_row("a", ["Юрга", 1.5, datetime(2026, 12, 1, 10, 0)])
    xlsx.write_row("a", ["Итого", 1.5, None], bold=True)
    xlsx.add_sheet("b", "Другая", ["x"])
    xlsx.write([("b", [1]), ("missing", [2])])  # an unknown key goes to the first sheet
    path = tmp_path / "out.xlsx"
    xlsx.close(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    sheet = book["Таблица"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C4"
    assert sheet["A1"].font.bold and sheet["A3"].font.bold and not sheet["A2"].font.bold
    assert sheet["C2"].is_date and sheet["B3"].value == 1.5
    assert sheet.column_dimensions["A"].width > 29
    assert book["Другая"]["A2"].value == 1 and sheet["A4"].value == 2

    assert csv_value(1.5) == "1,5" and csv_value(2.0) == "2" and csv_value(3) == 3
    assert csv_value("=1+1") == "'=1+1" and csv_value("+79031110001") == "+79031110001"
    assert csv_value(date(2026, 12, 1)) == "01.12.2026" and csv_value(None) == ""
    out = tmp_path / "out.csv"
    writer = CsvWriter(["Сағат"], {None: out})
    writer.write([(None, [2.5])])
    writer.close()
    assert out.read_bytes() == "\ufeffСағат\r\n2,5\r\n".encode()


async def _plan(engine: Any, statement: Any) -> str:
    compiled = statement.compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    values = tuple(
        params[name].isoformat() if isinstance(params[name], datetime) else params[name]
        for name in compiled.positiontup
    )
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)).all()
    return " | ".join(str(row[-1]) for row in rows)


async def test_chunk_queries_walk_one_index_range_on_sqlite(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        await migrate.upgrade(engine)
        requests = await _plan(
            engine,
            ex.keyset_query(
                [HelpRequest.kind, HelpRequest.status, HelpRequest.taken_at, HelpRequest.hours],
                HelpRequest.id,
                HelpRequest.created_at,
                [HelpRequest.territory_id == 5, HelpRequest.status == "done"],
                at,
                10,
                at,
            ),
        )
        assert "ix_help_requests_territory_status" in requests, requests
        assert "SCAN" not in requests and "TEMP B-TREE" not in requests, requests
        volunteers = await _plan(
            engine,
            ex.keyset_query(
                [Volunteer.name, Volunteer.age_group],
                Volunteer.id,
                Volunteer.created_at,
                [Volunteer.territory_id == 5, Volunteer.status == "approved"],
                at,
                10,
                at,
            ),
        )
        assert "ix_volunteers_territory_status" in volunteers, volunteers
        assert "SCAN" not in volunteers and "TEMP B-TREE" not in volunteers, volunteers
        events = await _plan(
            engine,
            select(VolunteerEvent.id)
            .where(
                VolunteerEvent.status == "done",
                VolunteerEvent.starts_at >= at,
                VolunteerEvent.starts_at < at,
                VolunteerEvent.territory_id.in_([1, 2]),
            )
            .order_by(VolunteerEvent.starts_at, VolunteerEvent.id)
            .limit(200),
        )
        assert "ix_volunteer_events_status_starts_at" in events and "SCAN" not in events, events
        attendance = await _plan(
            engine,
            select(EventAttendance.user_id, EventAttendance.hours).where(
                EventAttendance.event_id == 3
            ),
        )
        # The unique (event, user) constraint: SQLite's own index for it.
        assert "USING INDEX" in attendance and "(event_id=?)" in attendance, attendance
        assert "SCAN" not in attendance, attendance
        by_id = await _plan(engine, select(Volunteer.name).where(Volunteer.id.in_([1, 2, 3])))
        assert "SCAN" not in by_id, by_id
    finally:
        await engine.dispose()
