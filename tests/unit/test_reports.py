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
    assert parse_dates("01.11.2026 30.11.2026", 2027) == (date(2026, 11, 1), date(2026, 11, 30))
    assert parse_dates("с 1.11.2026 по 3/11/2026", 2027) == (date(2026, 11, 1), date(2026, 11, 3))
    assert parse_dates("30.11.2026 01.11.2026", 2027) is None  # the wrong way round
    assert parse_dates("31.02.2026 01.03.2026", 2027) is None  # no such day
    assert parse_dates("01.01.2020 01.01.2026", 2027) is None  # more than three years
    assert parse_dates("01.11.2026", 2027) is None
    assert parse_dates("вчера", 2027) is None


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
    xlsx.add_sheet("b", "Д'ругая", ["x", "y", "z"])
    xlsx.write([("b", [1]), ("missing", [2])])  # an unknown key goes to the first sheet
    xlsx.write_row("b", ["<a & b>", " x\x01", True])
    path = tmp_path / "out.xlsx"
    xlsx.close(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    sheet = book["Таблица"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C4"
    assert sheet["A1"].font.bold and sheet["A3"].font.bold and not sheet["A2"].font.bold
    assert sheet["C2"].is_date and sheet["B3"].value == 1.5
    assert sheet.column_dimensions["A"].width > 29
    assert book["Д'ругая"]["A2"].value == 1 and sheet["A4"].value == 2
    assert [c.value for c in book["Д'ругая"][3]] == ["<a & b>", " x", True]

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


async def test_statistics_and_yearly_figures_on_both_databases(database_url: str) -> None:
    """The e2e dataset (tests/e2e/test_reports.py) counted by the services themselves, on
    SQLite and PostgreSQL: the same figures."""
    from bot.services import reports
    from bot.services.territories import load_from_file
    from models import Territory
    from models.db import create_sessionmaker
    from tests.e2e.test_reports import seed

    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            await load_from_file(session, "kuzbass", now)
            await session.commit()
            found = (await session.execute(select(Territory.code, Territory.id))).all()
            ids = {code: tid for code, tid in found}
        await seed(sessions, ids, now)
        pair = [ids["tayga"], ids["yurga"]]
        async with sessions() as session:
            since, until = ex.period_bounds(ex.Period.MONTH, now, ZONE)
            stats = await reports.collect(session, pair, since, until, now)
        assert (stats.total, stats.untaken, stats.overdue, stats.active_volunteers) == (6, 1, 1, 3)
        assert stats.take_median_s == 45 * 60 and stats.close_median_s == 3 * 3600
        assert stats.by_kind == {"groceries": 2, "medicine": 2, "coal": 1, "ride": 1}
        assert stats.by_territory == {ids["yurga"]: 3, ids["tayga"]: 3}
        assert (stats.request_hours, stats.event_hours, stats.events_held) == (6.5, 2.0, 1)
        assert stats.rating_avg == 4.0

        async with sessions() as session:
            places = list(
                (await session.scalars(select(Territory).where(Territory.id.in_(pair)))).all()
            )
            year = await reports.yearly(session, places, 2026, ZONE, "ru", lambda e: e.title or "—")
        assert sum(sum(c.values()) for c in year.requests.values()) == 9
        assert year.people_total == 3 and year.people == {ids["yurga"]: 2, ids["tayga"]: 1}
        assert (year.ages["55plus"].involved, year.ages["55plus"].tasks) == (1, 2)
        assert year.ages["55plus"].hours == 7.0 and year.ages["under18"].registered == 0
        assert [e.title for e in year.events] == ["Субботник в Тайге", "Акция «Тёплый дом»"]
    finally:
        await engine.dispose()


async def test_background_work_shows_progress_and_stops_with_its_watcher(
    monkeypatch: Any,
) -> None:
    import asyncio

    from handlers.coordinator import background

    monkeypatch.setattr(background, "EDIT_SECONDS", 0.01)
    monkeypatch.setattr(background, "EDIT_ROWS", 100)
    rows = [0]
    edits: list[int] = []

    async def work() -> str:
        for _ in range(5):
            rows[0] += 100
            await asyncio.sleep(0.03)
        return "done"

    async def edit(n: int) -> None:
        edits.append(n)

    assert await background.watch(asyncio.ensure_future(work()), lambda: rows[0], edit) == "done"
    assert edits and edits == sorted(edits) and all(n % 100 == 0 for n in edits)

    # The watcher cancelled (shutdown): the work is cancelled too.
    stalled = asyncio.ensure_future(asyncio.sleep(60))
    watcher = asyncio.ensure_future(background.watch(stalled, lambda: 0, edit))
    await asyncio.sleep(0.02)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    assert stalled.cancelled()


async def test_a_finished_export_is_removed_when_its_watcher_is_cancelled(
    monkeypatch: Any, tmp_path: Path
) -> None:
    """Shutdown cancels the job while a progress edit is slow and the work has just finished:
    the file of personal data it wrote is removed all the same (review of issue 20)."""
    import asyncio

    from handlers.coordinator import background

    monkeypatch.setattr(background, "EDIT_SECONDS", 0.01)
    monkeypatch.setattr(background, "EDIT_ROWS", 0)
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "x.xlsx").write_text("personal")

    async def work() -> ex.Result:
        await asyncio.sleep(0.05)
        return ex.Result(path=directory / "x.xlsx", rows=1, directory=directory)

    async def slow_edit(rows: int) -> None:
        await asyncio.sleep(0.3)

    done = asyncio.ensure_future(work())
    watcher = asyncio.ensure_future(background.watch(done, lambda: 1, slow_edit))
    await asyncio.sleep(0.15)  # the work is done, the watcher inside the edit
    assert done.done() and directory.exists()
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    assert not directory.exists()

    # discard: only a finished work's result, and a result without cleanup is left alone.
    background.discard(None)
    background.discard(asyncio.ensure_future(asyncio.sleep(0, result="text")))
    failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    failed.set_exception(ValueError())
    background.discard(failed)
    failed.exception()


def test_the_period_zone_is_the_chosen_territorys() -> None:
    """Not the first territory by name: the chosen one's; several zones → the HQ's."""
    from models import Territory

    a = Territory(id=1, code="a", name_ru="А", name_kk="А", timezone="Asia/Almaty")
    b = Territory(id=2, code="b", name_ru="Б", name_kk="Б", timezone="Asia/Aqtobe")
    c = Territory(id=3, code="c", name_ru="В", name_kk="В", timezone="Asia/Aqtobe")
    hq = "Asia/Novokuznetsk"
    assert ex.scope_zone([a, b, c], hq, 2) == ZoneInfo("Asia/Aqtobe")
    assert ex.scope_zone([a, b, c], hq, 1) == ZoneInfo("Asia/Almaty")
    assert ex.scope_zone([a, b, c], hq) == ZoneInfo(hq)  # all, zones differ: the HQ's
    assert ex.scope_zone([b, c], hq) == ZoneInfo("Asia/Aqtobe")  # all in one zone
    assert ex.scope_zone([a, b], hq, 99) == ZoneInfo(hq)  # not in scope: as for all
    assert ex.scope_zone([], hq) == ZoneInfo(hq)


def test_custom_dates_of_extreme_years_are_refused() -> None:
    """Years 2000..next year only: 9999 (or 0001) made the bounds overflow."""
    assert parse_dates("01.01.9999 31.12.9999", 2027) is None
    assert parse_dates("01.01.0001 02.01.0001", 2027) is None
    assert parse_dates("31.12.1999 02.01.2000", 2027) is None
    assert parse_dates("01.01.2000 02.01.2000", 2027) == (date(2000, 1, 1), date(2000, 1, 2))
    assert parse_dates("01.12.2027 31.12.2027", 2027) == (date(2027, 12, 1), date(2027, 12, 31))
    assert parse_dates("01.12.2027 01.01.2028", 2027) is None


def _strict_parts(path: Path) -> list[str]:
    """Every part of the zip parsed as XML (strictly: a bad character fails it)."""
    import xml.etree.ElementTree as ET
    import zipfile

    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            ET.fromstring(book.read(name))
        return book.namelist()


def test_writer_mends_what_excel_refuses(tmp_path: Path, monkeypatch: Any) -> None:
    """Control characters in sheet names, a «'» left at the end by the cut, NaN and
    infinities, a text over 32,767 characters, Decimal and bool, and a sheet over the row
    limit (going on in «Name (2)»): opened by openpyxl, every part strict XML."""
    import math
    from decimal import Decimal

    from bot.services import spreadsheets
    from bot.services.spreadsheets import TEXT_MAX, sheet_names

    names = sheet_names(["Юрга\x01\x0b\x1f", "A" * 30 + "'B", "History", "'цитата'"], "-")
    assert names == ["Юрга", "A" * 30, "History (2)", "цитата"]

    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 4)  # the header and three rows a sheet
    xlsx = XlsxWriter(["Текст", "Число", "Флаг"], names[:2], ["a", "b"], [20, 10, 8])
    rows: list[tuple[str | None, list[Any]]] = [
        ("a", ["L" * 40_000, math.nan, True]),
        ("a", ["😀" * 20_000, math.inf, False]),
        ("a", ["x\x02y", -math.inf, None]),
        ("a", ["4", Decimal("1.25"), None]),
        ("a", ["5", Decimal("NaN"), None]),
        ("b", ["b1", Decimal("10"), None]),
    ]
    xlsx.write(rows)
    xlsx.write_row("a", ["Итого", 3, None], bold=True)
    path = tmp_path / "mended.xlsx"
    xlsx.close(path)
    parts = _strict_parts(path)
    assert "xl/worksheets/sheet3.xml" in parts
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["Юрга", "A" * 30, "Юрга (2)"]
    first = [[c.value for c in row] for row in book["Юрга"].iter_rows()]
    assert first[0] == ["Текст", "Число", "Флаг"]
    assert len(first) == 4 and first[1][0] == "L" * TEXT_MAX
    assert len(first[2][0].encode("utf-16-le")) <= 2 * TEXT_MAX  # Excel counts UTF-16 units
    assert [r[1:] for r in first[1:]] == [[None, True], [None, False], [None, None]]
    assert first[3][0] == "xy"
    more = [[c.value for c in row] for row in book["Юрга (2)"].iter_rows()]
    assert more == [["Текст", "Число", "Флаг"], ["4", 1.25, None], ["5", None, None],
                    ["Итого", 3, None]]  # fmt: skip
    assert book["Юрга (2)"]["A4"].font.bold and book["Юрга (2)"]["A1"].font.bold
    assert book["Юрга (2)"].freeze_panes == "A2"
    assert [c.value for c in book["A" * 30][2]] == ["b1", 10, None]
