"""Importing people into a vaccination follow-up campaign from a CSV or XLSX file.

The whole file is read and every row validated first (``parse``, CPU-bound: run it in a
thread); a file that cannot be read at all raises ``ImportFileError`` and nothing is written.
Then ``write`` stores the new people and fills empty fields of the merged ones in short
transactions of ``CHUNK`` rows, each its own session and commit, so other writers are not
blocked, tied to a ``campaign_imports`` record: ``running`` until the last chunk, then ``done``
with the counts. A process that dies mid-write leaves the record ``running`` with the people
of the chunks already committed (they carry its ``import_id``); ``sweep_interrupted`` (at start
and every few minutes) marks it failed and tells the coordinator through the outbox. Every
other end of an import (done, failed, refused) sends its notice through the outbox in the
transaction that ends the record, so a crash loses no outcome. One import per campaign runs at
a time: the record is opened before the file is read, and a partial unique index refuses a
second one.

To tell a dead runner from a live one exactly with several processes on one database, the
record would need a column its runner touches every chunk (as erasures have); until then a
running record older than ``STALE_AFTER`` counts as dead there.

Columns (header names in Russian or Kazakh, case, spaces and punctuation ignored, any order):
full name, phone, birth year or age, territory, consent date (required); address,
Telegram username and clinic (optional; exports go one per clinic). A territory is matched
by its code or its Russian or Kazakh name and must be one of the campaign's territories or
lie under one (a district of a region); for a territory coordinator also inside their own
territories. The person is stored under the territory the row names.

Duplicates: the same phone with the same name (case, spaces and «ё» ignored) or the same
birth year is one person, within the file and against the campaign's people: the later row
is counted as merged and fills the earlier one's empty fields. Different people sharing a
phone stay apart. Rows without a phone are door-to-door visits (an address is then needed);
two of them are one person when name and address match.

Nothing here imports aiogram; no phone number or name is ever logged.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import html
import io
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from time import time as time_now
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import audit, campaigns
from bot.services.cleaning import ascii_digits, clean_text
from bot.services.outbox import Attachment, OutgoingMessage, Text, enqueue
from bot.services.users import Roles
from bot.services.volunteers import normalize_phone
from models import (
    Campaign,
    CampaignImport,
    CampaignPerson,
    CampaignStatus,
    CampaignTerritory,
    Territory,
)
from models.campaign import PersonStatus, WorkKind

MAX_BYTES = 20 * 1024 * 1024  # also what the Bot API lets a bot download
MAX_ROWS = 200_000
CHUNK = 1000
MIN_AGE, MAX_AGE = 18, 120
NAME_MAX = 200  # campaign_people.full_name
ADDRESS_MAX = 300  # campaign_people.address
CLINIC_MAX = 200  # campaign_people.clinic (a longer one is cut)


class Col(StrEnum):
    NAME = "name"
    PHONE = "phone"
    BIRTH_YEAR = "birth-year"
    AGE = "age"
    TERRITORY = "territory"
    ADDRESS = "address"
    CONSENT = "consent"
    USERNAME = "username"
    CLINIC = "clinic"


# Header names recognised in either language (compared after ``_header_key``). The template's
# headers (locale keys cimp-col-*) are among them: a unit test holds them together.
ALIASES: dict[Col, tuple[str, ...]] = {
    Col.NAME: ("ФИО", "Ф.И.О.", "Фамилия имя отчество", "Аты-жөні", "Аты жөні", "Full name"),
    Col.PHONE: ("Телефон", "Номер телефона", "Телефон нөмірі", "Phone"),
    Col.BIRTH_YEAR: ("Год рождения", "Туған жылы", "Birth year"),
    Col.AGE: ("Возраст", "Жасы", "Age"),
    Col.TERRITORY: ("Территория", "Аумақ", "Муниципалитет", "Territory"),
    Col.ADDRESS: ("Адрес", "Мекенжай", "Address"),
    Col.CONSENT: ("Дата согласия", "Келісім күні", "Consent date"),
    Col.USERNAME: (
        "Telegram",
        "Username",
        "Telegram username",
        "Telegram аккаунты",
        "Ник в Telegram",
    ),
    Col.CLINIC: ("Поликлиника", "Емхана", "Медицинская организация", "Clinic"),
}
REQUIRED = (Col.NAME, Col.PHONE, Col.TERRITORY, Col.CONSENT)
# The order of the template's columns.
TEMPLATE_COLUMNS = (
    Col.NAME,
    Col.PHONE,
    Col.BIRTH_YEAR,
    Col.TERRITORY,
    Col.ADDRESS,
    Col.CONSENT,
    Col.USERNAME,
)


class FileProblem(StrEnum):
    TOO_BIG = "too-big"
    TOO_MANY_ROWS = "too-many-rows"
    NOT_TABLE = "not-table"  # neither CSV text nor XLSX
    OLD_XLS = "old-xls"  # Excel 97-2003: save as XLSX or CSV
    BAD_XLSX = "bad-xlsx"
    UNDECODABLE = "undecodable"
    EMPTY = "empty"
    MISSING_COLUMNS = "missing-columns"


class ImportFileError(Exception):
    """The file cannot be imported at all: nothing is written."""

    def __init__(self, problem: FileProblem, missing: Sequence[Col] = ()) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.missing = tuple(missing)


class Reason(StrEnum):
    """Why a row was rejected (locale keys cimp-reason-*)."""

    NAME = "name"
    PHONE = "phone"
    NO_CONTACT = "no-contact"  # neither a phone nor an address
    BIRTH_YEAR = "birth-year"  # missing, unreadable or an age outside 18..120
    TERRITORY_UNKNOWN = "territory-unknown"
    TERRITORY_OUTSIDE = "territory-outside"  # known, not the campaign's
    TERRITORY_NOT_YOURS = "territory-not-yours"  # the campaign's, not the coordinator's
    CONSENT_MISSING = "consent-missing"
    CONSENT_BAD = "consent-bad"
    CONSENT_FUTURE = "consent-future"
    ADDRESS = "address"  # too long


class Refusal(StrEnum):
    NOT_FOUND = "not-found"
    CLOSED = "closed"
    OUT_OF_SCOPE = "out-of-scope"


@dataclass(slots=True)
class Row:
    line: int
    full_name: str
    phone: str | None
    birth_year: int
    territory_id: int
    consent_on: date
    address: str | None
    username: str | None
    clinic: str | None = None  # the clinic (optional column): each gets its own export


@dataclass(slots=True)
class Existing:
    """A person already in the campaign, as far as merging needs."""

    id: int
    phone: str | None
    full_name: str
    birth_year: int | None
    address: str | None
    username: str | None


@dataclass(slots=True)
class Reject:
    line: int
    cells: list[str]
    reason: Reason


@dataclass
class Context:
    """What validating a campaign's file needs, loaded before the thread starts."""

    campaign_id: int
    territories: dict[str, int]  # normalised code and names -> id
    zones: dict[int, str]  # territory id -> time zone
    in_campaign: frozenset[int]  # the campaign's territories and everything under them
    allowed: frozenset[int]  # of those, the ones the coordinator may act in
    now: datetime
    existing: list[Existing] = field(default_factory=list)


@dataclass
class Parsed:
    header: list[str]
    rows: int = 0  # data rows read (blank rows skipped)
    new: list[Row] = field(default_factory=list)
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # existing id -> fills
    merged: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[Reason]:
        return Counter(reject.reason for reject in self.rejects)


class Progress:
    """Read by the event loop while the thread parses or the writer writes."""

    def __init__(self) -> None:
        self.read = 0
        self.written = 0


@dataclass(frozen=True, slots=True)
class Result:
    import_id: int
    rows: int
    accepted: int
    merged: int
    rejected: int


# --- who may import where ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Target:
    campaign_id: int
    name: str
    territory_ids: tuple[int, ...]


def _closure(roots: Collection[int], parents: dict[int, int | None]) -> set[int]:
    """``roots`` and every territory under one of them."""
    found = set(roots)
    for territory_id in parents:
        seen: set[int] = set()
        current: int | None = territory_id
        while current is not None and current not in seen:
            if current in found:
                found.add(territory_id)
                break
            seen.add(current)
            current = parents.get(current)
    return found


async def _parents(session: AsyncSession) -> dict[int, int | None]:
    rows = await session.execute(select(Territory.id, Territory.parent_id))
    return {territory_id: parent for territory_id, parent in rows.all()}


async def _allowed(
    session: AsyncSession, territory_ids: Collection[int], roles: Roles
) -> tuple[set[int], set[int]]:
    """The campaign's territories with everything under them, and of those the ones this
    coordinator acts in (``Roles.can_act_in``, as every coordinator check)."""
    in_campaign = _closure(territory_ids, await _parents(session))
    return in_campaign, {t for t in in_campaign if roles.can_act_in(t)}


async def target(
    session: AsyncSession, campaign_id: int, roles: Roles, *, for_import: bool = True
) -> Target | Refusal:
    """The campaign, if this coordinator may import into it: it exists, is not closed (only
    for an import; a template is fine) and some of its territories are theirs (HQ: any)."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return Refusal.NOT_FOUND
    territory_ids = tuple(
        (
            await session.scalars(
                select(CampaignTerritory.territory_id)
                .where(CampaignTerritory.campaign_id == campaign_id)
                .order_by(CampaignTerritory.territory_id)
            )
        ).all()
    )
    if not roles.is_hq:
        _, allowed = await _allowed(session, territory_ids, roles)
        if not allowed:
            return Refusal.OUT_OF_SCOPE
    if for_import and campaign.status == CampaignStatus.CLOSED:
        return Refusal.CLOSED
    return Target(campaign.id, campaign.name, territory_ids)


async def load_context(
    session: AsyncSession, campaign_id: int, roles: Roles, now: datetime
) -> Context:
    territory_ids = (
        await session.scalars(
            select(CampaignTerritory.territory_id).where(
                CampaignTerritory.campaign_id == campaign_id
            )
        )
    ).all()
    in_campaign, allowed = await _allowed(session, territory_ids, roles)
    names: dict[str, int] = {}
    zones: dict[int, str] = {}
    for territory in await session.scalars(select(Territory)):
        zones[territory.id] = territory.timezone
        for value in (territory.code, territory.name_ru, territory.name_kk):
            names.setdefault(_name_key(value), territory.id)
    existing = [
        Existing(*row)
        for row in (
            await session.execute(
                select(
                    CampaignPerson.id,
                    CampaignPerson.phone,
                    CampaignPerson.full_name,
                    CampaignPerson.birth_year,
                    CampaignPerson.address,
                    CampaignPerson.username,
                ).where(CampaignPerson.campaign_id == campaign_id)
            )
        ).all()
    ]
    return Context(
        campaign_id=campaign_id,
        territories=names,
        zones=zones,
        in_campaign=frozenset(in_campaign),
        allowed=frozenset(allowed),
        now=now,
        existing=existing,
    )


# --- reading the file -------------------------------------------------------------------
_NOT_WORD = re.compile(r"[^\w]+")


# Characters clean_text changes beyond spaces: blank-looking letters and combining marks.
_SLOW_CHARS = re.compile(
    "[\u115f\u1160\u3164\uffa0\u2800\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff"
    "\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def _clean(value: str) -> str:
    """``clean_text``, with a fast path for the usual cell (printable, NFC, nothing odd):
    a file of 100,000 rows has some 700,000 of them."""
    if (
        value.isprintable()
        and not _SLOW_CHARS.search(value)
        and unicodedata.is_normalized("NFC", value)
    ):
        return " ".join(value.split())
    return clean_text(value)


def _header_key(value: str) -> str:
    text = _clean(value).casefold().replace("ё", "е")
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


_HEADERS = {_header_key(alias): col for col, aliases in ALIASES.items() for alias in aliases}


def _name_key(value: str) -> str:
    """Names compared for merging and territory matching: case, «ё», punctuation, spaces."""
    return _header_key(value)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y") if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(data: bytes) -> Iterator[list[Any]]:
    """The file's rows as lists of cells (XLSX: typed values; CSV: strings)."""
    if data.startswith(b"PK\x03\x04"):
        yield from _xlsx_rows(data)
        return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(FileProblem.OLD_XLS)
    encoding = _encoding(data)
    head = data[:65536].decode(encoding, errors="ignore")
    first = next((line for line in head.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first.count) if first else ","
    # Decoded as it is read: a file of 100,000 rows is never a second time in memory as text.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    hint = first.strip().lower()
    if hint.startswith("sep=") and len(hint) == 5:  # Excel's «sep=;» line names the delimiter
        delimiter = first.strip()[4]
        for line in iter(text.readline, ""):  # past blank lines and the «sep=» line
            if line.strip():
                break
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(FileProblem.NOT_TABLE) from exc


def _encoding(data: bytes) -> str:
    """UTF-16 with its BOM (Excel's «Unicode text»), else UTF-8 (BOM or not), else
    Windows-1251; checked over the whole file, a megabyte at a time."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data[:65536]:
        raise ImportFileError(FileProblem.NOT_TABLE)
    else:
        candidates = ("utf-8-sig", "cp1251")
    view = memoryview(data)
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), 1 << 20):
                decoder.decode(view[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(FileProblem.UNDECODABLE)


_PLAIN = (str, int, float, date, type(None))  # hashable cell values; others become text


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # only when an XLSX comes: it is a big import

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip or XML, or a zip that is no workbook
        raise ImportFileError(FileProblem.BAD_XLSX) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(FileProblem.EMPTY)
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [v if isinstance(v, _PLAIN) else str(v) for v in values]
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(FileProblem.BAD_XLSX) from exc
    finally:
        workbook.close()


# --- validating a row -------------------------------------------------------------------
_LETTER = re.compile(r"[^\W\d_]")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Excel serial day numbers between 1954 and 2064, for a date cell not formatted as a date.
_SERIAL = (20000, 60000)


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL[0] <= value <= _SERIAL[1]:
            from openpyxl.utils.datetime import from_excel

            moment = from_excel(value)
            return moment.date() if isinstance(moment, datetime) else None
        return None
    text = ascii_digits(_clean(str(value))).split(" ")[0].split("T")[0]
    match = _DMY.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        match = _YMD.match(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = ascii_digits(_clean(str(value)))
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _phone(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _clean(str(value))
    return normalize_phone(ascii_digits(text)) if text else None


def _birth_year(year_cell: Any, age_cell: Any, this_year: int) -> int | None:
    year: int | None = None
    if not _blank(year_cell):
        day = None if isinstance(year_cell, int | float) else _date(year_cell)
        year = day.year if day is not None else _integer(year_cell)
    elif not _blank(age_cell):
        age = _integer(age_cell)
        year = this_year - age if age is not None else None
    if year is None or not MIN_AGE <= this_year - year <= MAX_AGE:
        return None
    return year


def _username(value: Any) -> str | None:
    text = _clean(_cell_text(value))
    for prefix in ("https://", "http://", "t.me/", "@"):
        text = text.removeprefix(prefix)
    text = text.removeprefix("t.me/")
    return text if _USERNAME.match(text) else None


def _consent(value: Any) -> date | Reason:
    if _blank(value):
        return Reason.CONSENT_MISSING
    consent = _date(value)
    if consent is None or consent.year < 1900:
        return Reason.CONSENT_BAD
    return consent


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not _clean(value))


def _bounded(value: Any, low: int, high: int) -> str | None:
    text = _clean(_cell_text(value))
    return text if text and low <= len(text) <= high else None


class _Validator:
    def __init__(self, ctx: Context, columns: dict[Col, int]) -> None:
        self.ctx = ctx
        self.columns = columns
        self.today: dict[str, date] = {}
        # Territories, dates and years repeat down a file: each distinct cell is read once.
        self.territory_of: dict[Any, int | None] = {}
        self.consent_of: dict[Any, date | Reason] = {}
        self.year_of: dict[tuple[Any, Any, int], int | None] = {}

    def _get(self, cells: list[Any], col: Col) -> Any:
        index = self.columns.get(col)
        return cells[index] if index is not None and index < len(cells) else None

    def _today(self, territory_id: int) -> date:
        zone = self.ctx.zones.get(territory_id, "UTC")
        if zone not in self.today:
            self.today[zone] = self.ctx.now.astimezone(ZoneInfo(zone)).date()
        return self.today[zone]

    def row(self, line: int, cells: list[Any]) -> Row | Reason:
        name = _bounded(self._get(cells, Col.NAME), 2, NAME_MAX)
        if name is None or not _LETTER.search(name):
            return Reason.NAME
        phone_cell = self._get(cells, Col.PHONE)
        phone = None
        if not _blank(phone_cell):
            phone = _phone(phone_cell)
            if phone is None:
                return Reason.PHONE
        address_cell = self._get(cells, Col.ADDRESS)
        address = None
        if not _blank(address_cell):
            address = _bounded(address_cell, 1, ADDRESS_MAX)
            if address is None:
                return Reason.ADDRESS
        if phone is None and address is None:
            return Reason.NO_CONTACT
        territory_cell = self._get(cells, Col.TERRITORY)
        if territory_cell in self.territory_of:
            territory_id = self.territory_of[territory_cell]
        else:
            territory_id = self.ctx.territories.get(_name_key(_cell_text(territory_cell)))
            self.territory_of[territory_cell] = territory_id
        if territory_id is None:
            return Reason.TERRITORY_UNKNOWN
        if territory_id not in self.ctx.in_campaign:
            return Reason.TERRITORY_OUTSIDE
        if territory_id not in self.ctx.allowed:
            return Reason.TERRITORY_NOT_YOURS
        today = self._today(territory_id)
        key = (self._get(cells, Col.BIRTH_YEAR), self._get(cells, Col.AGE), today.year)
        if key in self.year_of:
            birth_year = self.year_of[key]
        else:
            birth_year = self.year_of[key] = _birth_year(*key)
        if birth_year is None:
            return Reason.BIRTH_YEAR
        consent_cell = self._get(cells, Col.CONSENT)
        consent = self.consent_of.get(consent_cell)
        if consent is None:
            consent = self.consent_of[consent_cell] = _consent(consent_cell)
        if isinstance(consent, Reason):
            return consent
        if consent > today:
            return Reason.CONSENT_FUTURE
        username_cell = self._get(cells, Col.USERNAME)
        # A username that is no Telegram username is dropped; the person is still called.
        username = None if _blank(username_cell) else _username(username_cell)
        clinic_cell = self._get(cells, Col.CLINIC)
        clinic = None if _blank(clinic_cell) else _clean(_cell_text(clinic_cell))[:CLINIC_MAX]
        return Row(
            line, name, phone, birth_year, territory_id, consent, address, username, clinic or None
        )


def _columns(header: list[Any]) -> dict[Col, int]:
    columns: dict[Col, int] = {}
    for index, cell in enumerate(header):
        col = _HEADERS.get(_header_key(_cell_text(cell)))
        if col is not None:
            columns.setdefault(col, index)
    missing = [col for col in REQUIRED if col not in columns]
    if Col.BIRTH_YEAR not in columns and Col.AGE not in columns:
        missing.append(Col.BIRTH_YEAR)
    missing.sort(key=TEMPLATE_COLUMNS.index)
    if missing:
        raise ImportFileError(FileProblem.MISSING_COLUMNS, missing)
    return columns


def parse(data: bytes, ctx: Context, progress: Progress | None = None) -> Parsed:
    """Read and validate the whole file, and merge duplicates; CPU-bound: run in a thread.
    Raises ``ImportFileError`` when the file as a whole cannot be imported."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(FileProblem.TOO_BIG)
    if not data.strip():
        raise ImportFileError(FileProblem.EMPTY)
    rows = _rows(data)
    del data
    header: list[Any] | None = None
    line = 0
    for cells in rows:
        line += 1
        if not all(_blank(cell) for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFileError(FileProblem.EMPTY)
    validator = _Validator(ctx, _columns(header))
    parsed = Parsed(header=[clean_text(_cell_text(cell)) for cell in header])
    merger = _Merger(ctx.existing, parsed)
    width = len(header)
    for cells in rows:
        line += 1
        if all(_blank(cell) for cell in cells):
            continue
        parsed.rows += 1
        if parsed.rows > MAX_ROWS:
            raise ImportFileError(FileProblem.TOO_MANY_ROWS)
        if progress is not None:
            progress.read = parsed.rows
        result = validator.row(line, cells)
        if isinstance(result, Reason):
            kept = [_cell_text(cell) for cell in cells[: max(width, 1)]]
            parsed.rejects.append(Reject(line, kept, result))
        else:
            merger.add(result)
    return parsed


# --- merging duplicates -----------------------------------------------------------------
_FILLED = ("birth_year", "address", "username")


class _Merger:
    """One person: the same phone with the same name or the same birth year; without a
    phone, the same name and address."""

    def __init__(self, existing: list[Existing], parsed: Parsed) -> None:
        self.parsed = parsed
        self.by_phone: dict[str, list[Row | Existing]] = {}
        self.by_address: dict[tuple[str, str], Row | Existing] = {}
        for person in existing:
            self._index(person)

    def _index(self, person: Row | Existing) -> None:
        if person.phone is not None:
            self.by_phone.setdefault(person.phone, []).append(person)
        elif person.address is not None:
            key = (_name_key(person.full_name), _name_key(person.address))
            self.by_address.setdefault(key, person)

    def _same(self, known: Row | Existing, row: Row) -> bool:
        if known.birth_year is not None and known.birth_year == row.birth_year:
            return True
        return _name_key(known.full_name) == _name_key(row.full_name)

    def add(self, row: Row) -> None:
        match: Row | Existing | None = None
        if row.phone is not None:
            match = next((k for k in self.by_phone.get(row.phone, ()) if self._same(k, row)), None)
        elif row.address is not None:
            match = self.by_address.get((_name_key(row.full_name), _name_key(row.address)))
        if match is None:
            self.parsed.new.append(row)
            self._index(row)
            return
        self.parsed.merged += 1
        for name in _FILLED:
            value = getattr(row, name)
            if value is not None and getattr(match, name) is None:
                setattr(match, name, value)
                if isinstance(match, Existing):
                    self.parsed.updates.setdefault(match.id, {})[name] = value


# --- writing ----------------------------------------------------------------------------
# The record's statuses. «running» is held by one import per campaign at a time (the partial
# unique index uq_campaign_imports_running); every end leaves it: done, failed (an error, or
# a process that died: ``sweep_interrupted``) or refused (a file that cannot be read).
RUNNING, DONE, FAILED, REFUSED = "running", "done", "failed", "refused"

# The rejected rows' file waits on disk for the outbox to send it (an outbox message carries
# a file by its path), so it survives a restart between the result and its delivery. It holds
# names and phones: only the bot's user may read it, and it is removed after REJECTED_KEEP.
REJECTED_DIR = Path(tempfile.gettempdir()) / "mutual-aid-bot-imports"
REJECTED_KEEP = timedelta(days=2)

# This process's running imports (their records' ids): a sweep leaves them alone.
LIVE: set[int] = set()
# Imports left running by a process that died are swept at start and every SWEEP_SECONDS.
# With SQLite the bot is one process, so every running record not in LIVE is dead; with
# several processes on one database (PostgreSQL replicas) another may be writing it, so only
# records older than STALE_AFTER are taken (an import of 100,000 rows takes well under a
# minute; a column the runner touches would tell it exactly: see the module's notes).
SWEEP_SECONDS = 300
STALE_AFTER = timedelta(minutes=30)


def _key(import_id: int, what: str) -> str:
    """Outbox idempotency keys: one result, file, failure or refusal notice per import."""
    return f"cimp:{import_id}:{what}"


async def open_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    campaign_id: int,
    user_id: int,
    file_name: str,
    file_unique_id: str,
    now: datetime,
) -> int | None:
    """The import's record, ``running``, in a transaction of its own, before the file is
    read; None when another import into this campaign is running (the unique index). The id
    is in ``LIVE`` from before the commit (no sweep takes it for a dead one's): the caller
    discards it when the import ends."""
    async with sessionmaker() as session:
        record = CampaignImport(
            campaign_id=campaign_id,
            by_user_id=user_id,
            file_name=clean_text(file_name)[:200] or "-",
            file_unique_id=file_unique_id[:64],
            status=RUNNING,
            created_at=now,
        )
        session.add(record)
        try:
            await session.flush()
            import_id = record.id
            LIVE.add(import_id)
            try:
                await session.commit()
            except BaseException:
                LIVE.discard(import_id)
                raise
        except IntegrityError:
            await session.rollback()
            return None
        return import_id


async def import_running(session: AsyncSession, campaign_id: int) -> bool:
    """A quick answer for the coordinator; ``open_import`` is what decides."""
    found = await session.scalar(
        select(CampaignImport.id)
        .where(CampaignImport.campaign_id == campaign_id, CampaignImport.status == RUNNING)
        .limit(1)
    )
    return found is not None


def store_rejected(data: bytes) -> str:
    """The rejected rows' file on disk, for the outbox to send; its path. Blocking: run it
    in a thread. Old files are removed on the way."""
    REJECTED_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    drop_old_rejected()
    fd, path = tempfile.mkstemp(prefix="rejected-", suffix=".csv", dir=REJECTED_DIR)
    with os.fdopen(fd, "wb") as out:  # mkstemp: readable by the bot's user only
        out.write(data)
    return path


def drop_old_rejected(keep: timedelta = REJECTED_KEEP) -> int:
    """Remove rejected rows' files older than ``keep`` (file times are the machine's: this
    is housekeeping, not the bot's clock). Returns how many."""
    if not REJECTED_DIR.is_dir():
        return 0
    limit = time_now() - keep.total_seconds()
    removed = 0
    for path in REJECTED_DIR.glob("rejected-*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:  # removed meanwhile by another process
            continue
    return removed


@dataclass(frozen=True, slots=True)
class Report:
    """What the coordinator gets when the import is done, through the outbox in the
    transaction that marks it done: the result, and the rejected rows' file if any."""

    chat_id: int
    result: OutgoingMessage
    rejected_path: str | None = None
    rejected_name: str = "rejected.csv"
    rejected_caption: Text | None = None
    locale: str | None = None


async def write_people(
    sessionmaker: async_sessionmaker[AsyncSession],
    parsed: Parsed,
    *,
    campaign_id: int,
    import_id: int,
    now: datetime,
    progress: Progress | None = None,
) -> Result:
    """Store the parsed file in chunks of ``CHUNK`` rows, each its own transaction: the new
    people, then the empty fields of the merged ones filled."""
    for start in range(0, len(parsed.new), CHUNK):
        chunk = parsed.new[start : start + CHUNK]
        async with sessionmaker() as session:
            await session.execute(
                insert(CampaignPerson),
                [
                    {
                        "campaign_id": campaign_id,
                        "territory_id": row.territory_id,
                        "full_name": row.full_name,
                        "phone": row.phone,
                        "birth_year": row.birth_year,
                        "address": row.address,
                        "consent_on": row.consent_on,
                        "username": row.username,
                        "clinic": row.clinic,
                        "kind": WorkKind.CALL if row.phone else WorkKind.VISIT,
                        "status": PersonStatus.QUEUED,
                        "round": 0,
                        "attempts": 0,
                        "unreachable_rounds": 0,
                        "due_at": now,  # the first round is due at once
                        "import_id": import_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in chunk
                ],
            )
            await session.commit()
        if progress is not None:
            progress.written = start + len(chunk)
        await asyncio.sleep(0)  # others' updates between chunks (SQLite runs on this thread)
    # Merged people: one executemany by primary key per chunk (SQLAlchemy's bulk UPDATE),
    # not a statement per person. Every row of one statement sets the same columns: the
    # people are grouped by which empty fields the file fills.
    updates = list(parsed.updates.items())
    for start in range(0, len(updates), CHUNK):
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for person_id, values in updates[start : start + CHUNK]:
            groups.setdefault(tuple(sorted(values)), []).append(
                {"id": person_id, **values, "updated_at": now}
            )
        async with sessionmaker() as session:
            for params in groups.values():
                await session.execute(update(CampaignPerson), params)
            await session.commit()
        await asyncio.sleep(0)
    return Result(
        import_id=import_id,
        rows=parsed.rows,
        accepted=len(parsed.new),
        merged=parsed.merged,
        rejected=len(parsed.rejects),
    )


async def finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    parsed: Parsed,
    result: Result,
    *,
    campaign_id: int,
    user_id: int,
    roles: Roles,
    now: datetime,
    next_call_data: str | None = None,
    report: Report | None = None,
) -> bool:
    """Mark the import done with its counts and an audit entry, in one transaction, which
    also enqueues the coordinator's ``report`` (once per import) and tells the campaign's
    volunteers how many new people they have to call (with the «Следующий звонок» button's
    ``next_call_data``). False: the record was no longer running (a start-up sweep of another
    process took it for dead); nothing is sent then."""
    import_id = result.import_id
    async with sessionmaker() as session:
        marked = await session.execute(
            update(CampaignImport)
            .where(CampaignImport.id == import_id, CampaignImport.status == RUNNING)
            .values(
                status=DONE,
                rows=result.rows,
                accepted=result.accepted,
                merged=result.merged,
                rejected=result.rejected,
                finished_at=now,
            )
        )
        if not getattr(marked, "rowcount", 0):
            return False
        await audit.record(
            session,
            actor_id=user_id,
            action="campaign_import",
            now=now,
            roles=roles,
            target=f"campaign:{campaign_id}",
            details={
                "import_id": import_id,
                "rows": result.rows,
                "accepted": result.accepted,
                "merged": result.merged,
                "rejected": result.rejected,
                "reasons": {reason.value: n for reason, n in sorted(parsed.reasons.items())},
            },
        )
        if report is not None:
            await enqueue(
                session,
                chat_id=report.chat_id,
                message=report.result,
                key=_key(import_id, "result"),
                now=now,
            )
            if report.rejected_path is not None and report.rejected_caption is not None:
                await enqueue(
                    session,
                    chat_id=report.chat_id,
                    message=OutgoingMessage(
                        text=report.rejected_caption,
                        locale=report.locale,
                        attachment=Attachment(
                            kind="document",
                            path=report.rejected_path,
                            filename=report.rejected_name,
                        ),
                    ),
                    key=_key(import_id, "rejected"),
                    now=now,
                    personal=True,
                )
        if next_call_data is not None:
            to_call = Counter(row.territory_id for row in parsed.new if row.phone)
            await campaigns.tell_workers_of_new_people(
                session,
                campaign_id,
                to_call,
                import_id=import_id,
                next_call_data=next_call_data,
                now=now,
            )
        await session.commit()
    return True


async def write(
    sessionmaker: async_sessionmaker[AsyncSession],
    parsed: Parsed,
    *,
    campaign_id: int,
    import_id: int,
    user_id: int,
    roles: Roles,
    now: datetime,
    progress: Progress | None = None,
    next_call_data: str | None = None,
    report: Report | None = None,
) -> Result:
    """``write_people``, then ``finish``."""
    result = await write_people(
        sessionmaker,
        parsed,
        campaign_id=campaign_id,
        import_id=import_id,
        now=now,
        progress=progress,
    )
    await finish(
        sessionmaker,
        parsed,
        result,
        campaign_id=campaign_id,
        user_id=user_id,
        roles=roles,
        now=now,
        next_call_data=next_call_data,
        report=report,
    )
    return result


async def mark_failed(
    sessionmaker: async_sessionmaker[AsyncSession],
    import_id: int,
    *,
    chat_id: int | None = None,
    message: OutgoingMessage | None = None,
    now: datetime | None = None,
) -> bool:
    """An import whose task raised: the people of its committed chunks stay, tied to it.
    The coordinator's ``message`` goes through the outbox in the same transaction."""
    async with sessionmaker() as session:
        values: dict[str, Any] = {"status": FAILED}
        if now is not None:
            values["finished_at"] = now
        marked = await session.execute(
            update(CampaignImport)
            .where(CampaignImport.id == import_id, CampaignImport.status == RUNNING)
            .values(**values)
        )
        done = bool(getattr(marked, "rowcount", 0))
        if done and chat_id is not None and message is not None and now is not None:
            await enqueue(
                session, chat_id=chat_id, message=message, key=_key(import_id, "failed"), now=now
            )
        await session.commit()
    return done


async def record_refused(
    session: AsyncSession,
    *,
    campaign_id: int,
    user_id: int,
    roles: Roles,
    problem: FileProblem,
    now: datetime,
) -> None:
    """A file that could not be read: nothing imported, the attempt on record."""
    await audit.record(
        session,
        actor_id=user_id,
        action="campaign_import_refused",
        now=now,
        roles=roles,
        target=f"campaign:{campaign_id}",
        details={"problem": problem.value},
    )


async def refused(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    campaign_id: int,
    user_id: int,
    roles: Roles,
    problem: FileProblem,
    now: datetime,
    import_id: int | None = None,
    message: OutgoingMessage | None = None,
) -> None:
    """``record_refused`` in a transaction of its own (a background import), which also
    ends the import's record (``refused``) and enqueues the coordinator's ``message``."""
    async with sessionmaker() as session:
        marked = True
        if import_id is not None:
            result = await session.execute(
                update(CampaignImport)
                .where(CampaignImport.id == import_id, CampaignImport.status == RUNNING)
                .values(status=REFUSED, finished_at=now)
            )
            marked = bool(getattr(result, "rowcount", 0))
        await record_refused(
            session,
            campaign_id=campaign_id,
            user_id=user_id,
            roles=roles,
            problem=problem,
            now=now,
        )
        if marked and import_id is not None and message is not None:
            await enqueue(
                session, chat_id=user_id, message=message, key=_key(import_id, "refused"), now=now
            )
        await session.commit()


async def sweep_interrupted(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    exclude: Collection[int] | None = None,
    several_processes: bool | None = None,
) -> int:
    """At start-up and now and then: imports left ``running`` by a process that died or was
    stopped mid-way become ``failed``, each in its own transaction with a notice to its
    coordinator through the outbox: how many people were already saved, and that sending the
    file again merges them. Returns how many. ``exclude``: this process's own, still running
    (default ``LIVE``). ``several_processes`` (default: the database is not SQLite): only
    records older than ``STALE_AFTER`` are taken, another process may be writing a newer
    one."""
    exclude = LIVE if exclude is None else exclude
    if several_processes is None:
        several_processes = sessionmaker.kw["bind"].dialect.name != "sqlite"
    query = (
        select(CampaignImport.id, CampaignImport.by_user_id, Campaign.name)
        .join(Campaign, Campaign.id == CampaignImport.campaign_id)
        .where(CampaignImport.status == RUNNING)
        .order_by(CampaignImport.id)
    )
    if several_processes:
        query = query.where(CampaignImport.created_at < now - STALE_AFTER)
    async with sessionmaker() as session:
        left = (await session.execute(query)).all()
    swept = 0
    for import_id, user_id, name in left:
        if import_id in exclude:
            continue
        async with sessionmaker() as session:
            saved = (
                await session.scalar(
                    select(func.count(CampaignPerson.id)).where(
                        CampaignPerson.import_id == import_id
                    )
                )
            ) or 0
            marked = await session.execute(
                update(CampaignImport)
                .where(CampaignImport.id == import_id, CampaignImport.status == RUNNING)
                .values(status=FAILED, accepted=saved, finished_at=now)
            )
            if not getattr(marked, "rowcount", 0):  # finished meanwhile
                continue
            await enqueue(
                session,
                chat_id=user_id,
                message=OutgoingMessage(
                    text=Text(
                        key="cimp-interrupted",
                        args={"name": html.escape(name, quote=False), "saved": saved},
                    )
                ),
                key=_key(import_id, "interrupted"),
                now=now,
            )
            await session.commit()
        swept += 1
    await asyncio.to_thread(drop_old_rejected)
    return swept


# --- files for the coordinator ----------------------------------------------------------
def _csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    """CSV as Excel opens it in Russian and Kazakh settings: UTF-8 with BOM, semicolons."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def rejected_csv(parsed: Parsed, reason_column: str, reason_text: Callable[[Reason], str]) -> bytes:
    """The rejected rows as they came, with the reason in the last column."""
    width = len(parsed.header)

    def rows() -> Iterator[list[str]]:
        yield [*parsed.header, reason_column]
        for reject in parsed.rejects:
            cells = [*reject.cells, *[""] * (width - len(reject.cells))][:width]
            yield [*cells, reason_text(reject.reason)]

    return _csv_bytes(rows())


def template_csv(headers: Sequence[str], example: Sequence[str]) -> bytes:
    return _csv_bytes([list(headers), list(example)])


def template_xlsx(headers: Sequence[str], example: Sequence[Any]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    sheet.append(list(example))
    for index, value in enumerate(example, start=1):
        cell = sheet.cell(row=2, column=index)
        if isinstance(value, date):
            cell.number_format = "DD.MM.YYYY"
        else:
            cell.number_format = "@"  # text: Excel keeps the phone's «+» and leading zeros
        sheet.column_dimensions[cell.column_letter].width = max(
            14, len(str(headers[index - 1])) + 4
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
