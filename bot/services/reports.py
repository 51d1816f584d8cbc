"""Statistics for a period and the yearly report (issue 20). No aiogram here.

Both read through the bounded chunks of bot/services/exports.py (one index range per
territory and status, ``CHUNK`` rows a query, the connection given back between chunks), so
a region with a million requests never holds the database for long; the caller runs them
after answering the button. A request counts in the period it was created in, an event's
attendance in the period the event started in.

``collect`` → ``Stats``: requests by kind, status and territory; median time to take and to
close; still untaken and overdue now; active volunteers (took a request of the period or
attended an event of it); hours of done requests and of events; ratings.

``yearly`` → ``Yearly`` and its XLSX (``write_yearly``): requests by kind and territory,
people helped (distinct persons: the phone of the person in need, else the requester and the
name), volunteers involved by age group («серебряные», 55+, among them), hours, events held;
a sheet per table, bold headers, a bold totals row.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import audit
from bot.services.exports import (
    iter_attendance,
    iter_requests,
    volunteers_by_id,
    volunteers_by_user,
)
from bot.services.spreadsheets import XlsxWriter, sheet_names
from bot.services.users import Roles
from bot.services.volunteers import AGE_GROUPS
from models import HelpRequest, Territory, Volunteer, VolunteerEvent
from models.help_request import RequestKind, RequestStatus
from models.volunteer import VolunteerStatus

ALL_STATUSES = tuple(RequestStatus)
KINDS = tuple(RequestKind)
WORKED = (RequestStatus.TAKEN, RequestStatus.ON_WAY, RequestStatus.DONE)
OPEN = (RequestStatus.NEW, RequestStatus.TAKEN, RequestStatus.ON_WAY)


# --- statistics for a period -------------------------------------------------------------------
@dataclass(slots=True)
class Stats:
    total: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_territory: Counter[int] = field(default_factory=Counter)
    take_median_s: float | None = None
    close_median_s: float | None = None
    untaken: int = 0
    overdue: int = 0
    active_volunteers: int = 0
    request_hours: float = 0.0
    event_hours: float = 0.0
    events_held: int = 0
    ratings: Counter[int] = field(default_factory=Counter)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_avg(self) -> float | None:
        if not self.rated:
            return None
        return sum(k * n for k, n in self.ratings.items()) / self.rated


async def collect(
    session: AsyncSession,
    territory_ids: Sequence[int],
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> Stats:
    r = HelpRequest
    stats = Stats()
    take: list[float] = []
    close: list[float] = []
    volunteer_ids: set[int] = set()
    cols = [
        r.territory_id, r.kind, r.status, r.taken_at, r.done_at, r.overdue, r.due_at, r.hours,
        r.rating, r.volunteer_id,
    ]  # fmt: skip
    async for rows in iter_requests(session, cols, territory_ids, ALL_STATUSES, since, until):
        for row in rows:
            stats.total += 1
            stats.by_kind[row.kind] += 1
            stats.by_status[row.status] += 1
            stats.by_territory[row.territory_id] += 1
            if row.taken_at is not None:
                take.append((row.taken_at - row._at).total_seconds())
            if row.status == RequestStatus.DONE:
                if row.done_at is not None:
                    close.append((row.done_at - row._at).total_seconds())
                stats.request_hours += row.hours or 0.0
            if row.status == RequestStatus.NEW:
                stats.untaken += 1
            if row.status in OPEN and (
                row.overdue or (row.due_at is not None and row.due_at < now)
            ):
                stats.overdue += 1
            if row.rating:
                stats.ratings[row.rating] += 1
            if row.volunteer_id is not None and row.status in WORKED:
                volunteer_ids.add(row.volunteer_id)
        await asyncio.sleep(0)
    stats.take_median_s = statistics.median(take) if take else None
    stats.close_median_s = statistics.median(close) if close else None
    users: set[int] = set()
    async for _event, attendance in iter_attendance(session, territory_ids, since, until):
        stats.events_held += 1
        for user_id, hours in attendance:
            users.add(user_id)
            stats.event_hours += hours
    for start in range(0, len(volunteer_ids), 500):
        chunk = sorted(volunteer_ids)[start : start + 500]
        users.update(
            (await session.scalars(select(Volunteer.user_id).where(Volunteer.id.in_(chunk)))).all()
        )
    await session.rollback()
    stats.active_volunteers = len(users)
    return stats


# --- the yearly report ------------------------------------------------------------------------
_DIGITS = re.compile(r"\D+")


def person_key(
    phone: str | None, caller_phone: str | None, requester_id: int | None, name: str | None
) -> int:
    """One person in need, however many requests: their phone (the last 10 digits), else the
    requester and the name. Hashed: a year of a region's people stays small in memory."""
    digits = _DIGITS.sub("", phone or "") or _DIGITS.sub("", caller_phone or "")
    if len(digits) >= 7:
        return hash(("p", digits[-10:]))
    return hash(("u", requester_id, (name or "").strip().casefold()))


@dataclass(slots=True)
class AgeRow:
    involved: int = 0
    tasks: int = 0
    hours: float = 0.0
    registered: int = 0


@dataclass(frozen=True, slots=True)
class EventRow:
    starts_at: datetime  # local, naive
    title: str
    territory_id: int
    participants: int
    hours: float


@dataclass(slots=True)
class Yearly:
    year: int
    territories: list[tuple[int, str]] = field(default_factory=list)  # id, name: those in scope
    requests: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    done: Counter[int] = field(default_factory=Counter)
    people: dict[int, int] = field(default_factory=dict)  # territory → distinct people helped
    people_total: int = 0
    ages: dict[str, AgeRow] = field(default_factory=lambda: {g: AgeRow() for g in AGE_GROUPS})
    request_hours: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    event_hours: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    events: list[EventRow] = field(default_factory=list)


async def yearly(
    session: AsyncSession,
    territories: Sequence[Territory],
    year: int,
    zone: ZoneInfo,
    locale: str,
    event_title: Callable[[VolunteerEvent], str],
) -> Yearly:
    """The year's figures in ``zone``'s calendar for these territories."""
    since = datetime(year, 1, 1, tzinfo=zone)
    until = datetime(year + 1, 1, 1, tzinfo=zone)
    report = Yearly(year=year, territories=[(t.id, t.name(locale)) for t in territories])
    zones = {t.id: ZoneInfo(t.timezone) for t in territories}
    ids = [t.id for t in territories]
    await session.rollback()
    r = HelpRequest
    people: dict[int, set[int]] = defaultdict(set)
    everyone: set[int] = set()
    tasks: Counter[int] = Counter()  # volunteer id → done requests
    volunteer_hours: defaultdict[int, float] = defaultdict(float)
    cols = [
        r.territory_id, r.kind, r.status, r.hours, r.volunteer_id, r.person_phone,
        r.caller_phone, r.requester_id, r.person_name,
    ]  # fmt: skip
    async for rows in iter_requests(session, cols, ids, ALL_STATUSES, since, until):
        for row in rows:
            report.requests[row.territory_id][row.kind] += 1
            if row.status != RequestStatus.DONE:
                continue
            report.done[row.territory_id] += 1
            key = person_key(row.person_phone, row.caller_phone, row.requester_id, row.person_name)
            people[row.territory_id].add(key)
            everyone.add(key)
            report.request_hours[row.territory_id] += row.hours or 0.0
            if row.volunteer_id is not None:
                tasks[row.volunteer_id] += 1
                volunteer_hours[row.volunteer_id] += row.hours or 0.0
        await asyncio.sleep(0)
    report.people = {tid: len(keys) for tid, keys in people.items()}
    report.people_total = len(everyone)
    del people, everyone

    attendee_hours: defaultdict[int, float] = defaultdict(float)  # user id → event hours
    async for event, attendance in iter_attendance(session, ids, since, until):
        hours = sum(h for _, h in attendance)
        report.event_hours[event.territory_id] += hours
        local = event.starts_at.astimezone(zones.get(event.territory_id, zone))
        report.events.append(
            EventRow(
                local.replace(tzinfo=None), event_title(event), event.territory_id,
                len(attendance), hours,
            )
        )  # fmt: skip
        for user_id, h in attendance:
            attendee_hours[user_id] += h

    # Volunteers involved, each once (by person), with their age group.
    by_volunteer = await volunteers_by_id(session, tasks.keys())
    by_user = await volunteers_by_user(session, attendee_hours.keys())
    user_of: dict[int, int] = {}
    if tasks:
        pairs = await session.execute(
            select(Volunteer.id, Volunteer.user_id).where(Volunteer.id.in_(sorted(tasks.keys())))
        )
        user_of = {row.id: row.user_id for row in pairs}
    involved: dict[int, tuple[str, int, float]] = {}  # user id → age group, tasks, hours
    for vid, done in tasks.items():
        person = by_volunteer.get(vid)
        who = user_of.get(vid)
        if person is None or who is None:
            continue
        group, n, h = involved.get(who, (person.age_group, 0, 0.0))
        involved[who] = (group, n + done, h + volunteer_hours[vid])
    for user_id, h in attendee_hours.items():
        found = by_user.get(user_id)
        if found is None:
            continue
        group, n, hours = involved.get(user_id, (found[1].age_group, 0, 0.0))
        involved[user_id] = (group, n, hours + h)
    for group, n, hours in involved.values():
        row = report.ages.setdefault(group, AgeRow())
        row.involved += 1
        row.tasks += n
        row.hours += hours
    for territory_id in ids:
        counts = await session.execute(
            select(Volunteer.age_group, func.count())
            .where(
                Volunteer.territory_id == territory_id,
                Volunteer.status == VolunteerStatus.APPROVED,
            )
            .group_by(Volunteer.age_group)
        )
        for row in counts:
            report.ages.setdefault(row[0], AgeRow()).registered += row[1]
    await session.rollback()
    return report


@dataclass(frozen=True, slots=True)
class YearlyLabels:
    """Texts in the coordinator's language."""

    sheets: Sequence[str]  # requests, people, volunteers, hours, events
    territory: str
    kind: Callable[[str], str]
    total: str
    done: str
    people: str
    age_group: str
    age: Callable[[str], str]
    involved: str
    tasks: str
    hours: str
    registered: str
    request_hours: str
    event_hours: str
    date: str
    event: str
    participants: str


def _round(value: float) -> float:
    return round(value, 2)


def write_yearly(report: Yearly, labels: YearlyLabels, path: Path) -> None:
    """The XLSX: a sheet per table, bold headers, a bold totals row (runs in a thread)."""
    names = sheet_names(list(labels.sheets), "-")
    xlsx = XlsxWriter([], [], [])
    try:
        # Requests by kind and territory.
        header = [labels.territory, *(labels.kind(k) for k in KINDS), labels.total, labels.done]
        xlsx.add_sheet("requests", names[0], header, [30, *([14] * len(KINDS)), 10, 12])
        totals: Counter[str] = Counter()
        for tid, name in report.territories:
            counts = report.requests.get(tid)
            if not counts:
                continue
            totals.update(counts)
            row = [name, *(counts[k] for k in KINDS), sum(counts.values()), report.done[tid]]
            xlsx.write_row("requests", row)
        xlsx.write_row(
            "requests",
            [labels.total, *(totals[k] for k in KINDS), sum(totals.values()),
             sum(report.done.values())],
            bold=True,
        )  # fmt: skip

        # People helped.
        xlsx.add_sheet(
            "people", names[1], [labels.territory, labels.people, labels.done], [30, 16, 16]
        )
        for tid, name in report.territories:
            if report.done[tid]:
                xlsx.write_row("people", [name, report.people.get(tid, 0), report.done[tid]])
        xlsx.write_row(
            "people", [labels.total, report.people_total, sum(report.done.values())], bold=True
        )

        # Volunteers by age group.
        header = [labels.age_group, labels.involved, labels.tasks, labels.hours, labels.registered]
        xlsx.add_sheet("ages", names[2], header, [34, 16, 14, 12, 16])
        for group, age in report.ages.items():
            xlsx.write_row(
                "ages", [labels.age(group), age.involved, age.tasks, _round(age.hours),
                         age.registered],
            )  # fmt: skip
        ages = list(report.ages.values())
        xlsx.write_row(
            "ages",
            [labels.total, sum(r.involved for r in ages), sum(r.tasks for r in ages),
             _round(sum(r.hours for r in ages)), sum(r.registered for r in ages)],
            bold=True,
        )  # fmt: skip

        # Hours.
        header = [labels.territory, labels.request_hours, labels.event_hours, labels.total]
        xlsx.add_sheet("hours", names[3], header, [30, 16, 16, 12])
        for tid, name in report.territories:
            a, b = report.request_hours[tid], report.event_hours[tid]
            if a or b:
                xlsx.write_row("hours", [name, _round(a), _round(b), _round(a + b)])
        a, b = sum(report.request_hours.values()), sum(report.event_hours.values())
        xlsx.write_row("hours", [labels.total, _round(a), _round(b), _round(a + b)], bold=True)

        # Events held.
        header = [labels.date, labels.event, labels.territory, labels.participants, labels.hours]
        xlsx.add_sheet("events", names[4], header, [17, 36, 30, 14, 12])
        places = dict(report.territories)
        for event in report.events:
            xlsx.write_row(
                "events",
                [event.starts_at, event.title, places.get(event.territory_id, ""),
                 event.participants, _round(event.hours)],
            )  # fmt: skip
        xlsx.write_row(
            "events",
            [labels.total, len(report.events), None,
             sum(e.participants for e in report.events),
             _round(sum(e.hours for e in report.events))],
            bold=True,
        )  # fmt: skip
    except BaseException:
        xlsx.discard()
        raise
    xlsx.close(path)


async def record_yearly(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    user_id: int,
    roles: Roles,
    year: int,
    now: datetime,
) -> None:
    """The yearly report on the audit record, in a transaction of its own (it runs outside
    any update)."""
    await audit.record_apart(
        sessionmaker,
        actor_id=user_id,
        action="export",
        now=now,
        roles=roles,
        target="export:yearly",
        details={"kind": "yearly", "year": year, "format": "xlsx"},
    )
