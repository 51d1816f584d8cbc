"""Coordinators' exports (issue 20): requests, volunteers and hours as XLSX or CSV, filtered by
period, territory and status, within the coordinator's scope. No aiogram here.

Reading. Every query walks one index range in bounded chunks (keyset pagination, ``CHUNK``
rows each): requests and volunteers per territory and status on
``ix_help_requests_territory_status`` / ``ix_volunteers_territory_status`` (territory, status,
created_at), event attendance per event of the period (``ix_volunteer_events_status_starts_at``
then the attendance's unique (event, user) index). So a region with a million requests costs
each query at most a chunk's rows, and the session gives its connection back between chunks
(SQLite has one for the whole bot). Rows come ordered by territory, then status, then time.

Periods. A request (and its hours) counts in the period it was *created* in; a volunteer in
the period they applied in; an event's attendance in the period the event started in. Bounds
are UTC moments computed from the territory's local calendar (``period_bounds``).

Personal columns (names, phones, addresses, DOBRO.RF ids) are written only when the
coordinator asked for them, and only for people of the coordinator's own territories: rows
are scoped to those territories anyway, and a volunteer from another territory who helped in
one of them is named only to the HQ. Writing runs in a thread chunk by chunk on the shared
writers (bot/services/spreadsheets.py); times are the territory's naive local time.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.services import audit
from bot.services.spreadsheets import CsvWriter, XlsxWriter
from bot.services.users import Roles
from models import (
    EventAttendance,
    HelpRequest,
    Territory,
    Volunteer,
    VolunteerEvent,
)
from models.event import EventStatus
from models.help_request import RequestStatus
from models.volunteer import VolunteerStatus

CHUNK = 2000
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FOREVER = datetime(2200, 1, 1, tzinfo=UTC)


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class Kind(StrEnum):
    REQUESTS = "requests"
    VOLUNTEERS = "volunteers"
    HOURS = "hours"


class Period(StrEnum):
    """Periods a coordinator picks (locale keys rep-period-*)."""

    WEEK = "week"
    MONTH = "month"
    LAST_MONTH = "last_month"
    YEAR = "year"
    LAST_YEAR = "last_year"
    ALL = "all"


# Status filters per kind (locale keys exp-status-*): the statuses each one takes.
REQUEST_STATUSES: dict[str, tuple[str, ...]] = {
    "all": tuple(RequestStatus),
    "open": (RequestStatus.NEW,),
    "work": (RequestStatus.TAKEN, RequestStatus.ON_WAY),
    "done": (RequestStatus.DONE,),
    "cancelled": (RequestStatus.CANCELLED,),
    "failed": (RequestStatus.FAILED,),
}
VOLUNTEER_STATUSES: dict[str, tuple[str, ...]] = {
    "all": tuple(VolunteerStatus),
    "approved": (VolunteerStatus.APPROVED,),
    "pending": (VolunteerStatus.PENDING,),
    "inactive": (VolunteerStatus.LEFT, VolunteerStatus.REJECTED, VolunteerStatus.BLOCKED),
}
STATUSES: dict[Kind, dict[str, tuple[str, ...]]] = {
    Kind.REQUESTS: REQUEST_STATUSES,
    Kind.VOLUNTEERS: VOLUNTEER_STATUSES,
    Kind.HOURS: {"all": ()},
}

# Columns per kind in order (locale keys exp-col-*), their widths, and which are personal.
COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.REQUESTS: (
        "id", "created", "kind", "urgency", "status", "territory", "taken", "done",
        "take-hours", "hours", "rating", "overdue", "person", "phone", "address", "volunteer",
        "volunteer-phone",
    ),
    Kind.VOLUNTEERS: (
        "id", "name", "phone", "territory", "status", "age", "skills", "applied", "decided",
        "tasks", "hours", "dobro",
    ),
    Kind.HOURS: (
        "date", "volunteer", "volunteer-phone", "dobro", "volunteer-territory", "activity",
        "what", "territory", "hours", "ref",
    ),
}  # fmt: skip
PERSONAL = frozenset(
    {"person", "phone", "address", "volunteer", "volunteer-phone", "name", "dobro"}
)
WIDTHS: dict[str, int] = {
    "id": 9, "created": 17, "kind": 22, "urgency": 12, "status": 18, "territory": 26,
    "taken": 17, "done": 17, "take-hours": 12, "hours": 9, "rating": 8, "overdue": 10,
    "person": 28, "phone": 16, "address": 36, "volunteer": 28, "volunteer-phone": 16,
    "name": 28, "age": 16, "skills": 40, "applied": 17, "decided": 17, "tasks": 9,
    "dobro": 18, "date": 17, "volunteer-territory": 26, "activity": 14, "what": 30, "ref": 9,
}  # fmt: skip


def columns(kind: Kind, personal: bool) -> list[str]:
    return [c for c in COLUMNS[kind] if personal or c not in PERSONAL]


# --- periods -----------------------------------------------------------------------------------
def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period_days(period: Period, today: date) -> tuple[date | None, date | None]:
    """The period's first day and the day after its last (local calendar); None: unbounded."""
    if period == Period.WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=7)
    if period == Period.MONTH:
        return _month_start(today), _next_month(today)
    if period == Period.LAST_MONTH:
        first = _month_start(today)
        return _month_start(first - timedelta(days=1)), first
    if period == Period.YEAR:
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    if period == Period.LAST_YEAR:
        return date(today.year - 1, 1, 1), date(today.year, 1, 1)
    return None, None


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def period_bounds(
    period: Period, now: datetime, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds ``[since, until)`` of a period in ``zone``'s calendar."""
    first, after = period_days(period, now.astimezone(zone).date())
    return (
        day_start(first, zone) if first else None,
        day_start(after, zone) if after else None,
    )


# --- scope -------------------------------------------------------------------------------------
async def territories_of(session: AsyncSession, scope: Collection[int] | None) -> list[Territory]:
    """The territories in scope (None: all), by Russian name."""
    query = select(Territory).order_by(Territory.name_ru)
    if scope is not None:
        query = query.where(Territory.id.in_(sorted(scope)))
    return list((await session.scalars(query)).all())


def scope_zone(
    territories: Sequence[Territory], default: str, territory_id: int | None = None
) -> ZoneInfo:
    """The calendar a period is counted in: the chosen territory's zone; for several (or
    none chosen), their zone if they all share one, else the HQ's (``default``, the bot's
    DEFAULT_TIMEZONE). Not per territory: one period, one pair of bounds for every row."""
    chosen = [t for t in territories if territory_id in (None, t.id)] or list(territories)
    zones = {t.timezone for t in chosen}
    return ZoneInfo(zones.pop() if len(zones) == 1 else default)


# --- bounded reading ---------------------------------------------------------------------------
def keyset_query(
    columns: Sequence[Any],
    model_id: InstrumentedAttribute[int],
    created: InstrumentedAttribute[datetime],
    where: Sequence[Any],
    after_at: datetime,
    after_id: int,
    until: datetime,
) -> Select[Any]:
    """One chunk: the rows after (``after_at``, ``after_id``) before ``until``, in order."""
    return (
        select(*columns, created.label("_at"), model_id.label("_id"))
        .where(
            *where,
            created >= after_at,
            created < until,
            or_(created > after_at, model_id > after_id),
        )
        .order_by(created, model_id)
        .limit(CHUNK)
    )


async def keyset(
    session: AsyncSession,
    columns: Sequence[Any],
    *,
    model_id: InstrumentedAttribute[int],
    created: InstrumentedAttribute[datetime],
    where: Sequence[Any],
    since: datetime | None,
    until: datetime | None,
    release: bool = True,
) -> AsyncIterator[Sequence[Any]]:
    """Chunks of rows of one index range (equalities in ``where`` + ``created`` in
    ``[since, until)``) in (created, id) order; the session's transaction ends between chunks
    (``release``) so the connection is free meanwhile."""
    after_at, after_id = since or EPOCH, 0
    top = until or FOREVER
    while True:
        query = keyset_query(columns, model_id, created, where, after_at, after_id, top)
        # Core, not the ORM: plain rows, without the ORM's loading step for each.
        rows = (await (await session.connection()).execute(query)).all()
        if release:
            await session.rollback()
        if not rows:
            return
        yield rows
        if len(rows) < CHUNK:
            return
        after_at, after_id = rows[-1]._at, rows[-1]._id


async def iter_requests(
    session: AsyncSession,
    columns: Sequence[Any],
    territory_ids: Sequence[int],
    statuses: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    release: bool = True,
) -> AsyncIterator[Sequence[Any]]:
    """Requests created in ``[since, until)`` of these territories and statuses, in chunks."""
    for territory_id in territory_ids:
        for status in statuses:
            async for rows in keyset(
                session,
                columns,
                model_id=HelpRequest.id,
                created=HelpRequest.created_at,
                where=[HelpRequest.territory_id == territory_id, HelpRequest.status == status],
                since=since,
                until=until,
                release=release,
            ):
                yield rows


async def iter_attendance(
    session: AsyncSession,
    territory_ids: Collection[int] | None,
    since: datetime | None,
    until: datetime | None,
) -> AsyncIterator[tuple[VolunteerEvent, list[tuple[int, float]]]]:
    """Each event held (attendance marked) that started in ``[since, until)`` in these
    territories (None: all), with its attendance (user id, hours)."""
    after_at, after_id = since or EPOCH, 0
    top = until or FOREVER
    while True:
        query = (
            select(VolunteerEvent)
            .where(
                VolunteerEvent.status == EventStatus.DONE,
                VolunteerEvent.starts_at >= after_at,
                VolunteerEvent.starts_at < top,
                or_(VolunteerEvent.starts_at > after_at, VolunteerEvent.id > after_id),
            )
            .order_by(VolunteerEvent.starts_at, VolunteerEvent.id)
            .limit(CHUNK // 10)
        )
        if territory_ids is not None:
            query = query.where(VolunteerEvent.territory_id.in_(sorted(territory_ids)))
        events = list((await session.scalars(query)).all())
        for event in events:  # kept as they are while the caller's transactions come and go
            session.expunge(event)
        if not events:
            await session.rollback()
            return
        for event in events:
            rows = (
                await session.execute(
                    select(EventAttendance.user_id, EventAttendance.hours)
                    .where(EventAttendance.event_id == event.id)
                    .order_by(EventAttendance.user_id)
                )
            ).all()
            yield event, [(r.user_id, r.hours) for r in rows]
        await session.rollback()
        after_at, after_id = events[-1].starts_at, events[-1].id


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    phone: str
    territory_id: int
    dobro_id: str | None
    age_group: str


async def volunteers_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(
                Volunteer.id, Volunteer.name, Volunteer.phone, Volunteer.territory_id,
                Volunteer.dobro_id, Volunteer.age_group,
            ).where(Volunteer.id.in_(wanted[start : start + 500]))
        )  # fmt: skip
        for r in rows:
            found[r.id] = Person(r.name, r.phone, r.territory_id, r.dobro_id, r.age_group)
    return found


async def volunteers_by_user(
    session: AsyncSession, user_ids: Collection[int]
) -> dict[int, tuple[int, Person]]:
    """Each person's latest volunteer row: user id → (volunteer id, person)."""
    found: dict[int, tuple[int, Person]] = {}
    wanted = sorted(user_ids)
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(
                Volunteer.id, Volunteer.user_id, Volunteer.name, Volunteer.phone,
                Volunteer.territory_id, Volunteer.dobro_id, Volunteer.age_group,
            )
            .where(Volunteer.user_id.in_(wanted[start : start + 500]))
            .order_by(Volunteer.id)
        )  # fmt: skip
        for r in rows:
            person = Person(r.name, r.phone, r.territory_id, r.dobro_id, r.age_group)
            found[r.user_id] = (r.id, person)
    return found


# --- the export ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "all"
    territory_id: int | None = None  # None: every territory in scope
    since: datetime | None = None
    until: datetime | None = None
    personal: bool = True

    def details(self) -> dict[str, Any]:
        """For the audit log."""
        return {
            "status": self.status,
            "territory_id": self.territory_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "personal": self.personal,
        }


@dataclass(frozen=True, slots=True)
class Labels:
    """Texts in the coordinator's language (rendered by the handler)."""

    header: Callable[[str], str]  # column key → header
    kind: Callable[[str], str]
    urgency: Callable[[str], str]
    request_status: Callable[[str], str]
    volunteer_status: Callable[[str], str]
    age: Callable[[str], str]
    skill: Callable[[str], str]
    activity: Callable[[str], str]  # "request" or "event"
    event_title: Callable[[VolunteerEvent], str]
    yes: str
    no: str
    sheet: str


@dataclass(slots=True)
class Progress:
    rows: int = 0


@dataclass(slots=True)
class Result:
    path: Path | None = None
    rows: int = 0
    directory: Path | None = None

    def cleanup(self) -> None:
        """The file holds personal data: removed once sent (or on failure)."""
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class _Place:
    name: str
    zone: ZoneInfo


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """The territory's local time (the writers drop the zone)."""
    return moment.astimezone(zone) if moment is not None else None


class _Rows:
    """Builds one kind's rows; ``chosen`` are the territories whose rows are read, ``own``
    those whose people's personal columns may be filled (None: every one, the HQ)."""

    def __init__(
        self,
        session: AsyncSession,
        kind: Kind,
        filters: Filters,
        labels: Labels,
        places: dict[int, _Place],
        chosen: list[int],
        own: frozenset[int] | None,
        now: datetime,
    ) -> None:
        self.session, self.kind, self.filters, self.labels = session, kind, filters, labels
        self.places, self.chosen, self.own, self.now = places, chosen, own, now
        self.columns = columns(kind, filters.personal)

    def _mine(self, territory_id: int | None) -> bool:
        return self.own is None or territory_id in self.own

    def _place(self, territory_id: int | None) -> _Place:
        return self.places.get(territory_id or 0) or _Place("", ZoneInfo("UTC"))

    def _shape(self, values: dict[str, Any]) -> list[Any]:
        return [values.get(c) for c in self.columns]

    async def chunks(self) -> AsyncIterator[list[list[Any]]]:
        if self.kind == Kind.REQUESTS:
            async for chunk in self._requests(hours_only=False):
                yield chunk
        elif self.kind == Kind.VOLUNTEERS:
            async for chunk in self._volunteers():
                yield chunk
        else:
            async for chunk in self._requests(hours_only=True):
                yield chunk
            async for chunk in self._events():
                yield chunk

    async def _requests(self, *, hours_only: bool) -> AsyncIterator[list[list[Any]]]:
        r = HelpRequest
        cols = [
            r.id, r.kind, r.urgency, r.status, r.territory_id, r.taken_at, r.done_at, r.hours,
            r.rating, r.overdue, r.due_at, r.person_name, r.person_phone, r.caller_phone,
            r.address, r.volunteer_id,
        ]  # fmt: skip
        statuses = (RequestStatus.DONE,) if hours_only else REQUEST_STATUSES[self.filters.status]
        personal = self.filters.personal
        # The hot loop's names, looked up once (a region's export has 100,000s of rows).
        labels, now, open_now = self.labels, self.now, open_statuses()
        kind, urgency, status = labels.kind, labels.urgency, labels.request_status
        yes, no = labels.yes, labels.no
        everything = COLUMNS[Kind.REQUESTS]
        keep = [] if hours_only else [everything.index(c) for c in self.columns]
        async for rows in iter_requests(
            self.session, cols, self.chosen, statuses, self.filters.since, self.filters.until
        ):
            wanted = {row.volunteer_id for row in rows if row.volunteer_id is not None}
            people = await volunteers_by_id(self.session, wanted) if wanted else {}
            await self.session.rollback()
            chunk: list[list[Any]] = []
            for row in rows:
                (
                    rid,
                    rkind,
                    rurgency,
                    rstatus,
                    territory_id,
                    taken,
                    done,
                    hours,
                    rating,
                    marked,
                    due_at,
                    person,
                    phone,
                    caller,
                    address,
                    volunteer_id,
                    at,
                    _,
                ) = row
                if hours_only and not hours:
                    continue
                place = self._place(territory_id)
                volunteer = people.get(volunteer_id) if volunteer_id else None
                named = personal and volunteer is not None and self._mine(volunteer.territory_id)
                if hours_only:
                    chunk.append(
                        self._shape(
                            {
                                "date": _local(done or at, place.zone),
                                "volunteer": volunteer.name if named and volunteer else None,
                                "volunteer-phone": volunteer.phone if named and volunteer else None,
                                "dobro": volunteer.dobro_id if named and volunteer else None,
                                "volunteer-territory": (
                                    self._place(volunteer.territory_id).name if volunteer else None
                                ),
                                "activity": self.labels.activity("request"),
                                "what": kind(rkind),
                                "territory": place.name,
                                "hours": hours,
                                "ref": rid,
                            }
                        )
                    )
                    continue
                overdue = rstatus in open_now and (marked or (due_at is not None and due_at < now))
                zone = place.zone
                full = [
                    rid,
                    at.astimezone(zone),
                    kind(rkind),
                    urgency(rurgency),
                    status(rstatus),
                    place.name,
                    taken.astimezone(zone) if taken is not None else None,
                    done.astimezone(zone) if done is not None else None,
                    round((taken - at).total_seconds() / 3600, 2) if taken else None,
                    hours,
                    rating,
                    yes if overdue else no,
                    person,
                    phone or caller,
                    address,
                    volunteer.name if named and volunteer else None,
                    volunteer.phone if named and volunteer else None,
                ]
                chunk.append(full if personal else [full[i] for i in keep])
            yield chunk

    async def _volunteers(self) -> AsyncIterator[list[list[Any]]]:
        v = Volunteer
        cols = [
            v.id, v.name, v.phone, v.territory_id, v.status, v.age_group, v.skills,
            v.decided_at, v.tasks_done, v.hours, v.dobro_id,
        ]  # fmt: skip
        for territory_id in self.chosen:
            for status in VOLUNTEER_STATUSES[self.filters.status]:
                async for rows in keyset(
                    self.session,
                    cols,
                    model_id=Volunteer.id,
                    created=Volunteer.created_at,
                    where=[Volunteer.territory_id == territory_id, Volunteer.status == status],
                    since=self.filters.since,
                    until=self.filters.until,
                ):
                    place = self._place(territory_id)
                    yield [
                        self._shape(
                            {
                                "id": row.id,
                                "name": row.name,
                                "phone": row.phone,
                                "territory": place.name,
                                "status": self.labels.volunteer_status(row.status),
                                "age": self.labels.age(row.age_group),
                                "skills": ", ".join(self.labels.skill(s) for s in row.skills or []),
                                "applied": _local(row._at, place.zone),
                                "decided": _local(row.decided_at, place.zone),
                                "tasks": row.tasks_done,
                                "hours": row.hours,
                                "dobro": row.dobro_id,
                            }
                        )
                        for row in rows
                    ]

    async def _events(self) -> AsyncIterator[list[list[Any]]]:
        personal = self.filters.personal
        async for event, attendance in iter_attendance(
            self.session, self.chosen, self.filters.since, self.filters.until
        ):
            people = await volunteers_by_user(self.session, [u for u, _ in attendance])
            await self.session.rollback()
            place = self._place(event.territory_id)
            chunk: list[list[Any]] = []
            for user_id, hours in attendance:
                found = people.get(user_id)
                volunteer = found[1] if found else None
                named = personal and volunteer is not None and self._mine(volunteer.territory_id)
                chunk.append(
                    self._shape(
                        {
                            "date": _local(event.starts_at, place.zone),
                            "volunteer": volunteer.name if named and volunteer else None,
                            "volunteer-phone": volunteer.phone if named and volunteer else None,
                            "dobro": volunteer.dobro_id if named and volunteer else None,
                            "volunteer-territory": (
                                self._place(volunteer.territory_id).name if volunteer else None
                            ),
                            "activity": self.labels.activity("event"),
                            "what": self.labels.event_title(event),
                            "territory": place.name,
                            "hours": hours,
                            "ref": event.id,
                        }
                    )
                )
            yield chunk


async def export(
    session: AsyncSession,
    *,
    kind: Kind,
    scope: frozenset[int] | None,
    filters: Filters,
    fmt: Format,
    labels: Labels,
    locale: str,
    base_name: str,
    now: datetime,
    progress: Progress | None = None,
) -> Result:
    """Write the export to a temporary file (the caller sends it, then ``cleanup``)."""
    progress = progress or Progress()
    territories = await territories_of(session, scope)
    places = {t.id: _Place(t.name(locale), ZoneInfo(t.timezone)) for t in territories}
    everywhere = await territories_of(session, None) if scope is not None else territories
    names = {t.id: _Place(t.name(locale), ZoneInfo(t.timezone)) for t in everywhere}
    chosen = sorted(
        (t.id for t in territories if filters.territory_id in (None, t.id)),
        key=lambda tid: places[tid].name.casefold(),
    )
    await session.rollback()
    session.expunge_all()  # nothing left for each chunk's rollback to expire
    rows = _Rows(session, kind, filters, labels, {**names, **places}, chosen, scope, now)
    headers = [labels.header(c) for c in rows.columns]
    directory = Path(tempfile.mkdtemp(prefix="export-"))
    result = Result(directory=directory)
    try:
        if fmt == Format.XLSX:
            widths = [WIDTHS.get(c, 16) for c in rows.columns]
            xlsx = await asyncio.to_thread(XlsxWriter, headers, [labels.sheet], [None], widths)
            try:
                async for chunk in rows.chunks():
                    await asyncio.to_thread(xlsx.write, [(None, row) for row in chunk])
                    progress.rows += len(chunk)
            except BaseException:
                xlsx.discard()
                raise
            path = directory / f"{base_name}.xlsx"
            await asyncio.to_thread(xlsx.close, path)
        else:
            path = directory / f"{base_name}.csv"
            writer = CsvWriter(headers, {None: path})
            try:
                async for chunk in rows.chunks():
                    await asyncio.to_thread(writer.write, [(None, row) for row in chunk])
                    progress.rows += len(chunk)
            finally:
                writer.close()
    except BaseException:
        result.cleanup()
        raise
    result.path, result.rows = path, progress.rows
    return result


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    kind: Kind,
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
        action="export",
        now=now,
        roles=roles,
        target=f"export:{kind.value}",
        details={**filters.details(), "kind": kind.value, "format": fmt.value, "rows": rows},
    )


def open_statuses() -> tuple[str, ...]:
    return REQUEST_STATUSES["open"] + REQUEST_STATUSES["work"]


def is_overdue(status: str, overdue: bool, due_at: datetime | None, now: datetime) -> bool:
    return status in open_statuses() and (overdue or (due_at is not None and due_at < now))
