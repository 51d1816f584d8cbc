"""Territories: loaded from a data file, all or nothing; looked up for scope and pins.

The file is CSV (UTF-8) with the columns
``code,name_ru,name_kk,kind,parent,timezone,lat,lon,radius_km,neighbours``; lines starting
with ``#`` are comments; ``neighbours`` is a ``;``-separated list of codes.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, event, exists, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Base, Territory, TerritoryNeighbour

COLUMNS = (
    "code",
    "name_ru",
    "name_kk",
    "kind",
    "parent",
    "timezone",
    "lat",
    "lon",
    "radius_km",
    "neighbours",
)
KINDS = ("region", "city", "district", "settlement")
SHIPPED = ("kuzbass", "kazakhstan")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class TerritoryFileError(Exception):
    """The file cannot be loaded; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class TerritoryRow:
    code: str
    name_ru: str
    name_kk: str
    kind: str
    parent: str | None
    timezone: str
    lat: float
    lon: float
    radius_km: float
    neighbours: tuple[str, ...] = ()


@dataclass(slots=True)
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # missing from the file but holding data

    def summary(self) -> str:
        parts = [
            f"added {len(self.added)}",
            f"updated {len(self.updated)}",
            f"removed {len(self.removed)}",
        ]
        if self.kept:
            parts.append(f"kept (missing from the file, but holding data): {', '.join(self.kept)}")
        return "territories: " + ", ".join(parts)


async def load_from_file(session: AsyncSession, name: str, now: datetime) -> LoadReport:
    """Parse and load a territories file (all or nothing); the caller commits."""
    path = resolve_file(name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TerritoryFileError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise TerritoryFileError([f"{path} is not UTF-8 text"]) from None
    return await load_territories(session, parse_territories(text), now)


KAZAKHSTAN_ZONES = frozenset(
    {
        "Asia/Almaty",
        "Asia/Qostanay",
        "Asia/Aqtobe",
        "Asia/Aqtau",
        "Asia/Atyrau",
        "Asia/Oral",
        "Asia/Qyzylorda",
    }
)


def default_territories(timezone: str) -> str:
    """The shipped file a new deployment starts with: Kazakhstan's for a Kazakh time zone."""
    return "kazakhstan" if timezone in KAZAKHSTAN_ZONES else "kuzbass"


def resolve_file(name: str) -> Path:
    """``kuzbass`` or ``kazakhstan`` (shipped with the bot), or a path."""
    if name in SHIPPED:
        return Path(str(files("bot.data") / "territories" / f"{name}.csv"))
    return Path(name).expanduser()


def parse_territories(text: str) -> list[TerritoryRow]:
    """Every row, or TerritoryFileError listing every bad line."""
    lines = [
        (n, line)
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise TerritoryFileError(["the file has no header and no territories"])
    header_no, header = lines[0]
    columns = next(csv.reader([header]))
    if tuple(c.strip() for c in columns) != COLUMNS:
        raise TerritoryFileError([f"line {header_no}: the header must be {','.join(COLUMNS)}"])
    errors: list[str] = []
    rows: list[tuple[int, TerritoryRow]] = []
    seen: dict[str, int] = {}
    for number, line in lines[1:]:
        cells = next(csv.reader(io.StringIO(line)))
        row, problems = _row(cells)
        errors += [f"line {number}: {p}" for p in problems]
        if row is None:
            continue
        if row.code in seen:
            errors.append(f"line {number}: code {row.code!r} already used on line {seen[row.code]}")
            continue
        seen[row.code] = number
        rows.append((number, row))
    codes = {row.code for _, row in rows}
    for number, row in rows:
        if row.parent is not None and row.parent not in codes:
            errors.append(f"line {number}: parent {row.parent!r} is not in the file")
        for neighbour in row.neighbours:
            if neighbour == row.code:
                errors.append(f"line {number}: a territory cannot be its own neighbour")
            elif neighbour not in codes:
                errors.append(f"line {number}: neighbour {neighbour!r} is not in the file")
    errors += _cycles({row.code: row.parent for _, row in rows}, seen)
    if errors:
        raise TerritoryFileError(errors)
    if not rows:
        raise TerritoryFileError(["the file lists no territories"])
    return [row for _, row in rows]


def _row(cells: list[str]) -> tuple[TerritoryRow | None, list[str]]:
    if len(cells) != len(COLUMNS):
        return None, [f"expected {len(COLUMNS)} columns, found {len(cells)}"]
    code, name_ru, name_kk, kind, parent, timezone, lat, lon, radius, neighbours = (
        c.strip() for c in cells
    )
    problems: list[str] = []
    if not _CODE.match(code):
        problems.append(f"code {code!r} must be 2-64 lower-case latin letters, digits or '-'")
    for label, name in (("name_ru", name_ru), ("name_kk", name_kk)):
        if not name or len(name) > 200:
            problems.append(f"{label} must be 1-200 characters")
    if kind not in KINDS:
        problems.append(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone {timezone!r} is unknown (e.g. Asia/Novokuznetsk, Asia/Almaty)")
    numbers: dict[str, float] = {}
    for label, value, low, high in (
        ("lat", lat, -90, 90),
        ("lon", lon, -180, 180),
        ("radius_km", radius, 0.1, 5000),
    ):
        try:
            numbers[label] = float(value)
        except ValueError:
            problems.append(f"{label} {value!r} is not a number")
            continue
        if not low <= numbers[label] <= high:
            problems.append(f"{label} {value} is out of range {low}..{high}")
    if problems:
        return None, problems
    return (
        TerritoryRow(
            code=code,
            name_ru=name_ru,
            name_kk=name_kk,
            kind=kind,
            parent=parent or None,
            timezone=timezone,
            lat=numbers["lat"],
            lon=numbers["lon"],
            radius_km=numbers["radius_km"],
            neighbours=tuple(sorted({n.strip() for n in neighbours.split(";") if n.strip()})),
        ),
        [],
    )


def _cycles(parents: dict[str, str | None], lines: dict[str, int]) -> list[str]:
    errors = []
    for start in parents:
        seen, code = set(), parents[start]
        while code is not None and code in parents:
            if code == start:
                errors.append(f"line {lines[start]}: {start!r} is its own ancestor")
                break
            if code in seen:
                break
            seen.add(code)
            code = parents[code]
    return errors


async def load_territories(
    session: AsyncSession, rows: list[TerritoryRow], now: datetime
) -> LoadReport:
    """Upsert every territory by code, set parents and neighbours, and remove territories gone
    from the file unless they hold data. One transaction: the caller commits or rolls back."""
    report = LoadReport()
    session.info[_LOADING] = True  # the pickers' lists are forgotten when this commits
    existing = {t.code: t for t in (await session.scalars(select(Territory))).all()}
    for row in rows:
        territory = existing.get(row.code)
        values = {
            "name_ru": row.name_ru,
            "name_kk": row.name_kk,
            "kind": row.kind,
            "timezone": row.timezone,
            "lat": row.lat,
            "lon": row.lon,
            "radius_km": row.radius_km,
        }
        if territory is None:
            territory = Territory(code=row.code, created_at=now, updated_at=now, **values)
            session.add(territory)
            existing[row.code] = territory
            report.added.append(row.code)
        elif any(getattr(territory, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(territory, key, value)
            territory.updated_at = now
            report.updated.append(row.code)
    await session.flush()
    for row in rows:
        territory = existing[row.code]
        parent_id = existing[row.parent].id if row.parent else None
        if territory.parent_id != parent_id:
            territory.parent_id = parent_id
            if row.code not in report.added and row.code not in report.updated:
                report.updated.append(row.code)
    await session.execute(delete(TerritoryNeighbour))
    pairs = {
        tuple(sorted((existing[row.code].id, existing[n].id)))
        for row in rows
        for n in row.neighbours
    }
    for a, b in sorted(pairs):
        session.add_all(
            [
                TerritoryNeighbour(territory_id=a, neighbour_id=b),
                TerritoryNeighbour(territory_id=b, neighbour_id=a),
            ]
        )
    await session.flush()
    in_file = {row.code for row in rows}
    gone = {code: t for code, t in existing.items() if code not in in_file}
    progress = True
    while progress:  # children first: a parent holds data until its children are gone
        progress = False
        for code, territory in sorted(gone.items()):
            if not await _holds_data(session, territory.id):
                await session.delete(territory)
                await session.flush()
                report.removed.append(code)
                del gone[code]
                progress = True
    report.kept = sorted(gone)
    return report


async def _holds_data(session: AsyncSession, territory_id: int) -> bool:
    """Anything that points at the territory, found through the schema's foreign keys, so
    features that add territory columns are covered without touching this code."""
    for table in Base.metadata.sorted_tables:
        if table.name == TerritoryNeighbour.__tablename__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Territory.__tablename__:
                column = fk.parent
                if await session.scalar(select(exists().where(column == territory_id))):
                    return True
    return False


async def all_territories(session: AsyncSession) -> list[Territory]:
    return list(
        (await session.scalars(select(Territory).order_by(Territory.kind, Territory.name_ru))).all()
    )


@dataclass(frozen=True, slots=True)
class Option:
    """A territory as a picker lists it."""

    id: int
    name_ru: str
    name_kk: str
    parent_id: int | None

    def name(self, locale: str) -> str:
        return self.name_kk if locale == "kk" else self.name_ru


# How long a process keeps the pickers' list (seconds). A request form reads it about twelve
# times (a page per «Далее», each choice), and every read loaded all the territories (issue
# 15). They change only when a territory file is loaded: this process forgets the list when
# such a load commits, another process (a second replica, the CLI) within this time.
PICKER_TTL = 5.0
_LOADING = "territories_loading"  # Session.info: this session loads a territory file
_loads_committed = [0]  # territory loads this process committed: a kept list older is void
# engine -> (when read, the loads committed before the read, the list)
_picker_lists: weakref.WeakKeyDictionary[
    Engine | Connection, tuple[float, int, tuple[Option, ...]]
] = weakref.WeakKeyDictionary()
_PICKER = select(Territory.id, Territory.name_ru, Territory.name_kk, Territory.parent_id).order_by(
    Territory.kind, Territory.name_ru
)


async def picker_options(session: AsyncSession) -> tuple[Option, ...]:
    """Every territory (by kind, then name), as the pickers list them."""
    engine = session.get_bind()
    now, loads = time.monotonic(), _loads_committed[0]
    loading = session.info.get(_LOADING, False)  # what it has not committed is its own
    kept = _picker_lists.get(engine)
    if kept is not None and now - kept[0] < PICKER_TTL and kept[1] == loads and not loading:
        return kept[2]
    options = tuple(Option(*row) for row in (await session.execute(_PICKER)).all())
    if not loading:  # a load that commits during this read voids it (``loads`` is older)
        _picker_lists[engine] = (now, loads, options)
    return options


@event.listens_for(Session, "after_commit")
def _territories_committed(session: Session) -> None:
    if session.info.pop(_LOADING, False):
        _loads_committed[0] += 1


@event.listens_for(Session, "after_rollback")
def _territories_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback leaves the load
        session.info.pop(_LOADING, None)


async def options_under(session: AsyncSession, parent_id: int | None) -> list[Option]:
    """What a territory picker shows under ``parent_id``: its children by name; at the top, a
    single region opens straight into its districts."""
    territories = await picker_options(session)
    level = [t for t in territories if t.parent_id == parent_id]
    if parent_id is None and len(level) == 1:
        children = [t for t in territories if t.parent_id == level[0].id]
        if children:
            return sorted(children, key=lambda t: t.name_ru)
    return sorted(level, key=lambda t: t.name_ru)


async def by_codes(session: AsyncSession, codes: list[str]) -> list[Territory]:
    return list((await session.scalars(select(Territory).where(Territory.code.in_(codes)))).all())


async def by_ids(
    session: AsyncSession, ids: list[int] | set[int] | frozenset[int]
) -> list[Territory]:
    return list(
        (
            await session.scalars(
                select(Territory).where(Territory.id.in_(ids)).order_by(Territory.name_ru)
            )
        ).all()
    )


async def neighbours_of(session: AsyncSession, territory_id: int) -> list[Territory]:
    query = (
        select(Territory)
        .join(TerritoryNeighbour, TerritoryNeighbour.neighbour_id == Territory.id)
        .where(TerritoryNeighbour.territory_id == territory_id)
        .order_by(Territory.name_ru)
    )
    return list((await session.scalars(query)).all())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.pi / 180
    h = (
        math.sin((lat2 - lat1) * p / 2) ** 2
        + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(h))


def contains_point(territory: Territory, lat: float, lon: float) -> bool:
    """Whether a pin lies within the territory's radius of its centre."""
    return distance_km(territory.lat, territory.lon, lat, lon) <= territory.radius_km
