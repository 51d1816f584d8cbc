"""Exporting a campaign's people for medical organisations (XLSX or CSV).

One row per person of the campaign within the coordinator's scope (``campaigns.access``: a
read-only coordinator sees their territories only), optionally narrowed to one territory, a
period and a status. Period: only contacts made within ``[since, until)`` count, and people
without one are left out. Status (``StatusFilter``), computed per row from the person and
their latest reached contact:

- ``all``; ``reached``: any answer of the script; ``vaccinated`` (unwell included);
  ``planning``: reached, not vaccinated yet (reason, planned date); ``unwell``: vaccinated
  and feeling unwell; ``refused``: the person refused (stopped); ``unreachable``: the round's
  attempts ran out; ``stopped``: no further calls (refused, wrong number, moved, died).

Columns: name, birth year, phone, territory (in the coordinator's language), address,
clinic, status, last outcome, last contact, attempts, then the latest reached contact's
answers with its time (vaccinated, feeling, unwell note, reason, planned date). Times are the
territory's naive local time (real datetimes in XLSX).

People are read in chunks of ``CHUNK`` by id (keyset pagination), their contacts per chunk;
the file is written to temporary files in a thread chunk by chunk by the shared streaming
writers of bot/services/spreadsheets.py (openpyxl's write-only mode was ~4 times too slow for
100,000 rows), so memory stays bounded and the event loop is never held long. When the people carry
a clinic, each clinic gets its own sheet (XLSX) or file (CSV, up to ``MAX_CSV_FILES``; more
clinics: one file). Nothing here imports aiogram; no phone or name is logged.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import audit
from bot.services.spreadsheets import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHEET_NAME_MAX,
    CsvWriter,
    XlsxWriter,
    csv_value,
    file_name,
    sheet_names,
)
from bot.services.users import Roles
from models import CampaignContact, CampaignPerson, Territory
from models.campaign import Outcome, PersonStatus

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "SHEET_NAME_MAX",
    "CsvWriter",
    "XlsxWriter",
    "sheet_names",
]

CHUNK = 2000
MAX_CSV_FILES = 10


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class StatusFilter(StrEnum):
    """The status filter (locale keys cexp-status-*)."""

    ALL = "all"
    REACHED = "reached"
    VACCINATED = "vaccinated"
    PLANNING = "planning"
    UNWELL = "unwell"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    STOPPED = "stopped"


class RowStatus(StrEnum):
    """One row's status (locale keys cexp-row-*)."""

    VACCINATED = "vaccinated"
    UNWELL = "unwell"
    PLANNING = "planning"
    REFUSED = "refused"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"
    WAITING = "waiting"  # not reached yet, still in the worklist


_MATCHES: dict[StatusFilter, frozenset[RowStatus]] = {
    StatusFilter.ALL: frozenset(RowStatus),
    StatusFilter.REACHED: frozenset({RowStatus.VACCINATED, RowStatus.UNWELL, RowStatus.PLANNING}),
    StatusFilter.VACCINATED: frozenset({RowStatus.VACCINATED, RowStatus.UNWELL}),
    StatusFilter.PLANNING: frozenset({RowStatus.PLANNING}),
    StatusFilter.UNWELL: frozenset({RowStatus.UNWELL}),
    StatusFilter.REFUSED: frozenset({RowStatus.REFUSED}),
    StatusFilter.UNREACHABLE: frozenset({RowStatus.UNREACHABLE}),
    StatusFilter.STOPPED: frozenset({RowStatus.STOPPED, RowStatus.REFUSED}),
}


class Column(StrEnum):
    """The file's columns in order (locale keys cexp-col-*)."""

    NAME = "name"
    BIRTH_YEAR = "birth-year"
    PHONE = "phone"
    TERRITORY = "territory"
    ADDRESS = "address"
    CLINIC = "clinic"
    STATUS = "status"
    LAST_OUTCOME = "last-outcome"
    LAST_CONTACT = "last-contact"
    ATTEMPTS = "attempts"
    VACCINATED = "vaccinated"
    VACCINATED_AT = "vaccinated-at"
    FEELING = "feeling"
    FEELING_AT = "feeling-at"
    UNWELL_NOTE = "unwell-note"
    REASON = "reason"
    REASON_AT = "reason-at"
    PLANNED_ON = "planned-on"


COLUMNS = tuple(Column)
WIDTHS: dict[Column, int] = {
    Column.NAME: 32,
    Column.BIRTH_YEAR: 8,
    Column.PHONE: 16,
    Column.TERRITORY: 22,
    Column.ADDRESS: 36,
    Column.CLINIC: 24,
    Column.STATUS: 18,
    Column.LAST_OUTCOME: 18,
    Column.LAST_CONTACT: 17,
    Column.ATTEMPTS: 8,
    Column.VACCINATED: 10,
    Column.VACCINATED_AT: 17,
    Column.FEELING: 16,
    Column.FEELING_AT: 17,
    Column.UNWELL_NOTE: 30,
    Column.REASON: 24,
    Column.REASON_AT: 17,
    Column.PLANNED_ON: 12,
}
_DATETIMES = frozenset(
    {Column.LAST_CONTACT, Column.VACCINATED_AT, Column.FEELING_AT, Column.REASON_AT}
)
_DATES = frozenset({Column.PLANNED_ON})


@dataclass(frozen=True, slots=True)
class Filters:
    status: StatusFilter = StatusFilter.ALL
    territory_id: int | None = None  # None: every territory in scope
    since: datetime | None = None  # contacts' created_at, UTC
    until: datetime | None = None

    def details(self) -> dict[str, Any]:
        """For the audit log."""
        return {
            "status": self.status.value,
            "territory_id": self.territory_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class Labels:
    """Texts in the coordinator's language (rendered by the handler)."""

    headers: Sequence[str]
    row_status: Callable[[RowStatus], str]
    outcome: Callable[[str], str]
    yes: str
    no: str
    feeling: Callable[[str], str]
    reason: Callable[[str], str]
    no_clinic: str
    sheet: str  # the only sheet's name when nobody carries a clinic


@dataclass(slots=True)
class Progress:
    rows: int = 0


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: Path
    name: str  # the clinic (or "" for the only file)


@dataclass(slots=True)
class Result:
    files: list[ExportFile] = field(default_factory=list)
    rows: int = 0
    directory: Path | None = None

    def cleanup(self) -> None:
        """Everything written, finished or not: the files hold personal data."""
        for item in self.files:
            item.path.unlink(missing_ok=True)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


# --- scope and choices -----------------------------------------------------------------------
async def territories_in_scope(
    session: AsyncSession, campaign_id: int, scope: Collection[int] | None
) -> list[Territory]:
    """The territories the campaign's people (within ``scope``; None: all) live in."""
    ids = select(CampaignPerson.territory_id).where(CampaignPerson.campaign_id == campaign_id)
    if scope is not None:
        ids = ids.where(CampaignPerson.territory_id.in_(sorted(scope)))
    rows = await session.scalars(
        select(Territory).where(Territory.id.in_(ids.distinct())).order_by(Territory.name_ru)
    )
    return list(rows.all())


def _people_filter(campaign_id: int, scope: Collection[int] | None, filters: Filters) -> list[Any]:
    where: list[Any] = [CampaignPerson.campaign_id == campaign_id]
    if scope is not None:
        where.append(CampaignPerson.territory_id.in_(sorted(scope)))
    if filters.territory_id is not None:
        where.append(CampaignPerson.territory_id == filters.territory_id)
    if filters.status == StatusFilter.UNREACHABLE:
        where.append(CampaignPerson.status == PersonStatus.UNREACHABLE)
    elif filters.status in (StatusFilter.STOPPED, StatusFilter.REFUSED):
        where.append(CampaignPerson.status == PersonStatus.STOPPED)
    return where


async def clinics(
    session: AsyncSession, campaign_id: int, scope: Collection[int] | None, filters: Filters
) -> list[str | None]:
    """The clinics of the people to export, sorted, None (no clinic) last; [] or [None]:
    nobody carries one."""
    rows = await session.scalars(
        select(CampaignPerson.clinic).where(*_people_filter(campaign_id, scope, filters)).distinct()
    )
    found = set(rows.all())
    named: list[str | None] = [*sorted((c for c in found if c), key=str.casefold)]
    return [*named, None] if None in found or "" in found else named


# --- rows --------------------------------------------------------------------------------------
def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _planned(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def row_status(
    person_status: str, last_outcome: str | None, answers: dict[str, Any] | None
) -> RowStatus:
    if person_status == PersonStatus.STOPPED:
        return RowStatus.REFUSED if last_outcome == Outcome.REFUSED else RowStatus.STOPPED
    if answers is not None:
        if answers.get("vaccinated") is True:
            return RowStatus.UNWELL if answers.get("feeling") == "unwell" else RowStatus.VACCINATED
        return RowStatus.PLANNING
    if person_status == PersonStatus.UNREACHABLE:
        return RowStatus.UNREACHABLE
    return RowStatus.WAITING


@dataclass(frozen=True, slots=True)
class _Place:
    name: str
    zone: ZoneInfo


async def _places(session: AsyncSession, locale: str) -> dict[int, _Place]:
    rows = await session.scalars(select(Territory))
    return {t.id: _Place(t.name(locale), ZoneInfo(t.timezone)) for t in rows.all()}


async def iter_rows(
    session: AsyncSession,
    campaign_id: int,
    scope: Collection[int] | None,
    filters: Filters,
    labels: Labels,
    locale: str,
) -> AsyncIterator[list[tuple[str | None, list[Any]]]]:
    """Chunks of (clinic, row values in ``COLUMNS`` order), people in id order."""
    places = await _places(session, locale)
    where = _people_filter(campaign_id, scope, filters)
    wanted = _MATCHES[filters.status]
    after = 0
    while True:
        people = (
            await session.execute(
                select(
                    CampaignPerson.id,
                    CampaignPerson.full_name,
                    CampaignPerson.birth_year,
                    CampaignPerson.phone,
                    CampaignPerson.territory_id,
                    CampaignPerson.address,
                    CampaignPerson.clinic,
                    CampaignPerson.status,
                    CampaignPerson.last_outcome,
                )
                .where(*where, CampaignPerson.id > after)
                .order_by(CampaignPerson.id)
                .limit(CHUNK)
            )
        ).all()
        if not people:
            return
        after = people[-1].id
        contact_where: list[Any] = [
            CampaignContact.campaign_id == campaign_id,
            CampaignContact.person_id.in_([p.id for p in people]),
        ]
        if filters.since is not None:
            contact_where.append(CampaignContact.created_at >= filters.since)
        if filters.until is not None:
            contact_where.append(CampaignContact.created_at < filters.until)
        contacts = (
            await session.execute(
                select(
                    CampaignContact.person_id,
                    CampaignContact.outcome,
                    CampaignContact.answers,
                    CampaignContact.created_at,
                )
                .where(*contact_where)
                .order_by(CampaignContact.person_id, CampaignContact.id)
            )
        ).all()
        # Give the connection back between chunks (SQLite has one for the whole bot):
        # the others' updates are served meanwhile. Only plain rows are kept.
        await session.rollback()
        attempts: dict[int, int] = {}
        last: dict[int, tuple[str, datetime]] = {}
        reached: dict[int, tuple[dict[str, Any], datetime]] = {}
        for c in contacts:
            attempts[c.person_id] = attempts.get(c.person_id, 0) + 1
            last[c.person_id] = (c.outcome, c.created_at)
            if c.outcome == Outcome.REACHED:
                reached[c.person_id] = (c.answers or {}, c.created_at)
        del contacts
        chunk: list[tuple[str | None, list[Any]]] = []
        period = filters.since is not None or filters.until is not None
        for p in people:
            if period and p.id not in attempts:
                continue
            got = reached.get(p.id)
            answers, answered_at = got if got else (None, None)
            status = row_status(p.status, p.last_outcome, answers)
            if status not in wanted:
                continue
            place = places.get(p.territory_id)
            zone = place.zone if place else ZoneInfo("UTC")
            outcome, contact_at = last.get(p.id, (p.last_outcome, None))
            at = _local(answered_at, zone)
            row: list[Any] = [
                p.full_name,
                p.birth_year,
                p.phone,
                place.name if place else "",
                p.address,
                p.clinic,
                labels.row_status(status),
                labels.outcome(outcome) if outcome else None,
                _local(contact_at, zone),
                attempts.get(p.id, 0),
            ]
            if answers is None:
                row.extend([None] * 8)
            else:
                yes = answers.get("vaccinated") is True
                feeling = answers.get("feeling")
                reason = answers.get("reason")
                if reason == "other" and answers.get("reason_other"):
                    reason_text = str(answers["reason_other"])
                elif reason:
                    reason_text = labels.reason(str(reason))
                else:
                    reason_text = None
                row.extend(
                    [
                        labels.yes if yes else labels.no,
                        at,
                        labels.feeling(str(feeling)) if feeling else None,
                        at if feeling else None,
                        answers.get("unwell_note"),
                        reason_text,
                        at if reason else None,
                        _planned(answers.get("planned_on")),
                    ]
                )
            chunk.append((p.clinic or None, row))
        yield chunk


# --- writers: moved to bot/services/spreadsheets.py (re-exported here for their users) ----
_file_name = file_name
_csv_value = csv_value


# --- the export ------------------------------------------------------------------------------
async def export(
    session: AsyncSession,
    *,
    campaign_id: int,
    scope: Collection[int] | None,
    filters: Filters,
    fmt: Format,
    labels: Labels,
    locale: str,
    base_name: str,
    progress: Progress | None = None,
) -> Result:
    """Write the export to temporary files (the caller sends them, then ``cleanup``)."""
    progress = progress or Progress()
    found = await clinics(session, campaign_id, scope, filters)
    await session.rollback()  # the connection is not held while the writer starts
    per_clinic = any(found)
    keys: list[str | None] = list(found) if per_clinic else [None]
    directory = Path(tempfile.mkdtemp(prefix="campaign-export-"))
    result = Result(directory=directory)
    try:
        if fmt == Format.XLSX:
            titles = sheet_names(keys, labels.no_clinic) if per_clinic else [labels.sheet]
            xlsx = await asyncio.to_thread(
                XlsxWriter, labels.headers, titles, keys, [WIDTHS[c] for c in COLUMNS]
            )
            try:
                async for chunk in iter_rows(session, campaign_id, scope, filters, labels, locale):
                    await asyncio.to_thread(xlsx.write, chunk)
                    progress.rows += len(chunk)
            except BaseException:
                xlsx.discard()
                raise
            path = directory / f"{base_name}.xlsx"
            await asyncio.to_thread(xlsx.close, path)
            result.files.append(ExportFile(path, ""))
        else:
            if not per_clinic or len(keys) > MAX_CSV_FILES:
                keys = [None]
            paths: dict[str | None, Path] = {}
            names: dict[str | None, str] = {}
            split = keys != [None]
            for n, key in enumerate(keys, start=1):
                suffix = f"-{n}-{_file_name(key or labels.no_clinic)}" if split else ""
                paths[key] = directory / f"{base_name}{suffix}.csv"
                names[key] = (key or labels.no_clinic) if split else ""
            writer = CsvWriter(labels.headers, paths)
            try:
                async for chunk in iter_rows(session, campaign_id, scope, filters, labels, locale):
                    await asyncio.to_thread(writer.write, chunk)
                    progress.rows += len(chunk)
            finally:
                writer.close()
            result.files.extend(ExportFile(paths[k], names[k]) for k in keys)
    except BaseException:
        result.cleanup()
        raise
    result.rows = progress.rows
    return result


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    campaign_id: int,
    user_id: int,
    roles: Roles,
    filters: Filters,
    fmt: Format,
    rows: int,
    now: datetime,
) -> None:
    """The export on the audit record (who, when, which filter, how many rows), in a
    transaction of its own: the export runs outside any update."""
    await audit.record_apart(
        sessionmaker,
        actor_id=user_id,
        action="campaign_export",
        now=now,
        roles=roles,
        target=f"campaign:{campaign_id}",
        details={**filters.details(), "format": fmt.value, "rows": rows},
    )
