"""Recognition of volunteers (issue 20): a volunteer's record, the month's top volunteers of
each territory proposed for «Лучший доброволец», the award, and the hours for the DOBRO.RF
volunteer book. No aiogram here: handlers translate, this module counts.

What counts (the same everywhere, the README says it in words):

- **tasks**: help requests the person did (status ``done``), by the day they were done, with
  the hours they reported; a person's volunteer records are a history (they may leave and
  come back), so every record of theirs counts;
- **events**: calendar events where the coordinator marked them present, with the event's
  hours, by the day the event started;
- **hours** = the tasks' hours + the events' hours;
- **calls**: follow-up calls they made in campaigns (every call, whatever its outcome);
- **consultations**: medic consultations they took that are closed;
- **ratings**: the stars requesters gave their tasks and citizens their consultations;
- **thanks received**: a task rated 5 stars, or rated 4 stars with words (a comment: a
  comment under a low rating is a complaint, not thanks), and a consultation rated 5 stars;
  each task or consultation counts once;
- **score** (the month's top): ``10 × tasks + 2 × hours + 2 × Σ(stars − 3)`` over the month's
  tasks: a five-star rating adds 4, a one-star one takes 4. Ties go to more hours, then to
  more tasks, then to the earlier volunteer record. Nobody with a score of 0 or less is
  proposed.

Every query is bounded by an index: a person's tasks by ``(volunteer_id, status)``, their
events by ``event_attendance.user_id``, calls by ``(by_user_id, created_at)``,
consultations by ``(medic_id, status)``, a month's tasks by ``(status, done_at, …)`` and a
month's events by ``(status, starts_at)`` (tests/unit/test_recognition.py checks the plans).
"""

from __future__ import annotations

import asyncio
import html
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import audit
from bot.services.outbox import Button, OutgoingMessage, Text, enqueue, subject_of
from bot.services.sql import insert_ignore
from bot.services.users import Roles, locale_of
from models import (
    AwardProposal,
    CampaignContact,
    Consultation,
    ConsultationStatus,
    Coordinator,
    CoordinatorTerritory,
    EventAttendance,
    EventStatus,
    HelpRequest,
    OutboxMessage,
    Priority,
    RequestStatus,
    Territory,
    User,
    Volunteer,
    VolunteerAward,
    VolunteerEvent,
    VolunteerStatus,
)

TOP = 3  # volunteers proposed a territory a month
PROPOSE_AT = time(10, 0)  # local time on the 1st of the month
LATE_AT_MOST = timedelta(days=3)  # the bot was down longer: that month is not proposed
POINTS_TASK = 10
POINTS_HOUR = 2
POINTS_STAR = 2  # per star above (or below) three


# --- periods ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC; None: open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def where(self, column: Any) -> list[Any]:
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def month_period(first: date, zone: ZoneInfo) -> Period:
    """The calendar month starting on ``first``, in local time."""
    return Period(local_midnight(first, zone), local_midnight(next_month(first), zone))


def days_period(since: date, until: date, zone: ZoneInfo) -> Period:
    """From the local day ``since`` to the local day ``until``, both included."""
    return Period(local_midnight(since, zone), local_midnight(until + timedelta(days=1), zone))


def year_period(year: int, zone: ZoneInfo) -> Period:
    return Period(
        local_midnight(date(year, 1, 1), zone), local_midnight(date(year + 1, 1, 1), zone)
    )


# --- figures and the score -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Figures:
    tasks: int = 0
    task_hours: float = 0.0
    events: int = 0
    event_hours: float = 0.0
    calls: int = 0
    consultations: int = 0
    ratings: int = 0  # how many stars were given (tasks and consultations)
    stars: int = 0  # their sum
    thanks: int = 0

    @property
    def hours(self) -> float:
        return round(self.task_hours + self.event_hours, 2)

    @property
    def average(self) -> float | None:
        return round(self.stars / self.ratings, 1) if self.ratings else None


def score(tasks: int, hours: float, ratings: int, stars: int) -> float:
    """The month's score: 10 a task, 2 an hour, 2 a star above three (below: minus)."""
    return round(POINTS_TASK * tasks + POINTS_HOUR * hours + POINTS_STAR * (stars - 3 * ratings), 1)


def _done_of(volunteer_ids: Collection[int]) -> list[Any]:
    """One person's done tasks, found by their volunteer records (bounded by their history).
    The status is wrapped in an expression on purpose: otherwise SQLite, asked for a period,
    walks the HQ-wide (status, done_at) index through every task of that period instead."""
    return [
        HelpRequest.volunteer_id.in_(sorted(volunteer_ids)),
        func.coalesce(HelpRequest.status, "") == RequestStatus.DONE.value,
    ]


THANKS_WITH_WORDS_FROM = 4  # stars: below that, a comment is a complaint, not thanks


def _thanks_condition() -> Any:
    return or_(
        HelpRequest.rating == 5,
        and_(
            HelpRequest.rating >= THANKS_WITH_WORDS_FROM,
            HelpRequest.rating_comment.is_not(None),
            HelpRequest.rating_comment != "",
        ),
    )


async def forget(session: AsyncSession, user_id: int) -> None:
    """Erasure (/forget): the person's awards are no longer theirs (``user_id`` NULL, by its
    index). The rows stay: a territory's month was awarded, to a record now anonymised, and
    is not awarded again; a person who comes back starts without them."""
    await session.execute(
        update(VolunteerAward).where(VolunteerAward.user_id == user_id).values(user_id=None)
    )


async def volunteer_ids_of(session: AsyncSession, user_id: int) -> list[int]:
    """Every volunteer record of a person (indexed by user_id): their history counts."""
    return list(
        (await session.scalars(select(Volunteer.id).where(Volunteer.user_id == user_id))).all()
    )


async def figures(
    session: AsyncSession, user_id: int, period: Period, volunteer_ids: Sequence[int] | None = None
) -> Figures:
    """A person's figures in a period (or all time: ``Period()``)."""
    ids = (
        list(volunteer_ids)
        if volunteer_ids is not None
        else await volunteer_ids_of(session, user_id)
    )
    tasks = (0, 0.0, 0, 0, 0)
    if ids:
        row = (
            await session.execute(
                select(
                    func.count(HelpRequest.id),
                    func.coalesce(func.sum(HelpRequest.hours), 0.0),
                    func.count(HelpRequest.rating),
                    func.coalesce(func.sum(HelpRequest.rating), 0),
                    func.coalesce(func.sum(case((_thanks_condition(), 1), else_=0)), 0),
                ).where(
                    *_done_of(ids),
                    *period.where(HelpRequest.done_at),
                )
            )
        ).one()
        tasks = (int(row[0]), float(row[1]), int(row[2]), int(row[3]), int(row[4]))
    events = (
        await session.execute(
            select(
                func.count(EventAttendance.id), func.coalesce(func.sum(EventAttendance.hours), 0.0)
            )
            .join(VolunteerEvent, VolunteerEvent.id == EventAttendance.event_id)
            .where(EventAttendance.user_id == user_id, *period.where(VolunteerEvent.starts_at))
        )
    ).one()
    calls = await session.scalar(
        select(func.count(CampaignContact.id)).where(
            CampaignContact.by_user_id == user_id,
            CampaignContact.kind == "call",
            *period.where(CampaignContact.created_at),
        )
    )
    consult = (
        await session.execute(
            select(
                func.count(Consultation.id),
                func.count(Consultation.rating),
                func.coalesce(func.sum(Consultation.rating), 0),
                func.coalesce(func.sum(case((Consultation.rating == 5, 1), else_=0)), 0),
            ).where(
                Consultation.medic_id == user_id,
                Consultation.status == ConsultationStatus.CLOSED,
                *period.where(Consultation.closed_at),
            )
        )
    ).one()
    return Figures(
        tasks=tasks[0],
        task_hours=round(tasks[1], 2),
        events=int(events[0]),
        event_hours=round(float(events[1]), 2),
        calls=int(calls or 0),
        consultations=int(consult[0]),
        ratings=tasks[2] + int(consult[1]),
        stars=tasks[3] + int(consult[2]),
        thanks=tasks[4] + int(consult[3]),
    )


@dataclass(frozen=True, slots=True)
class AwardSeen:
    month: date
    territory_id: int


@dataclass(frozen=True, slots=True)
class Record:
    """A volunteer's record: the period's figures, all time's, and their awards."""

    volunteer: Volunteer
    zone: ZoneInfo
    period: Figures
    all_time: Figures
    awards: list[AwardSeen] = field(default_factory=list)
    since: datetime | None = None  # their first volunteer record


async def zone_of(session: AsyncSession, territory_id: int, default: ZoneInfo) -> ZoneInfo:
    name = await session.scalar(select(Territory.timezone).where(Territory.id == territory_id))
    try:
        return ZoneInfo(name) if name else default
    except (KeyError, ValueError):
        return default


async def book_zone(
    session: AsyncSession, territory_ids: Collection[int] | None, default: ZoneInfo
) -> ZoneInfo:
    """The one zone a DOBRO.RF book's period and dates are in: its territories' zone when
    they share one; otherwise (the HQ, territories in several zones) ``default``, the HQ's."""
    if not territory_ids:
        return default
    names = set(
        (
            await session.scalars(
                select(Territory.timezone).where(Territory.id.in_(sorted(territory_ids)))
            )
        ).all()
    )
    if len(names) != 1:
        return default
    try:
        return ZoneInfo(names.pop())
    except (KeyError, ValueError):
        return default


async def territory_names(
    session: AsyncSession, territory_ids: Collection[int], locale: str
) -> dict[int, str]:
    rows = await session.scalars(select(Territory).where(Territory.id.in_(sorted(territory_ids))))
    return {t.id: t.name(locale) for t in rows.all()}


async def volunteer_since(session: AsyncSession, user_id: int) -> datetime | None:
    """When the person first became a volunteer (their first approval)."""
    return await session.scalar(
        select(func.min(Volunteer.decided_at)).where(
            Volunteer.user_id == user_id,
            Volunteer.decided_at.is_not(None),
            Volunteer.status.in_(
                (VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED, VolunteerStatus.LEFT)
            ),
        )
    )


async def record_of(
    session: AsyncSession, volunteer: Volunteer, period: Period, default_zone: ZoneInfo
) -> Record:
    ids = await volunteer_ids_of(session, volunteer.user_id)
    since = await volunteer_since(session, volunteer.user_id)
    awards = (
        await session.execute(
            select(VolunteerAward.month, VolunteerAward.territory_id)
            .where(VolunteerAward.user_id == volunteer.user_id)
            .order_by(VolunteerAward.month.desc())
            .limit(24)
        )
    ).all()
    return Record(
        volunteer=volunteer,
        zone=await zone_of(session, volunteer.territory_id, default_zone),
        period=await figures(session, volunteer.user_id, period, ids),
        all_time=await figures(session, volunteer.user_id, Period(), ids),
        awards=[AwardSeen(month, territory) for month, territory in awards],
        since=since,
    )


# --- the month's top -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidate:
    volunteer_id: int
    user_id: int
    name: str
    territory_id: int
    tasks: int
    hours: float
    ratings: int
    stars: int

    @property
    def score(self) -> float:
        return score(self.tasks, self.hours, self.ratings, self.stars)

    @property
    def average(self) -> float | None:
        return round(self.stars / self.ratings, 1) if self.ratings else None

    def as_json(self) -> dict[str, Any]:
        return {
            "volunteer_id": self.volunteer_id,
            "score": self.score,
            "tasks": self.tasks,
            "hours": self.hours,
            "rating": self.average,
        }


def ranked(candidates: Collection[Candidate], top: int = TOP) -> list[Candidate]:
    """Best first by score, then hours, tasks, the earlier record; only scores above 0."""
    order = sorted(
        (c for c in candidates if c.score > 0),
        key=lambda c: (-c.score, -c.hours, -c.tasks, c.volunteer_id),
    )
    return order[:top]


async def month_top(
    session: AsyncSession, territory_ids: Collection[int], period: Period, top: int = TOP
) -> dict[int, list[Candidate]]:
    """The top volunteers of each territory (their own territory, approved) in a period."""
    if not territory_ids:
        return {}
    scope = sorted(territory_ids)
    totals: dict[int, dict[str, Any]] = {}
    volunteers = (
        await session.execute(
            select(Volunteer.id, Volunteer.user_id, Volunteer.name, Volunteer.territory_id).where(
                Volunteer.territory_id.in_(scope), Volunteer.status == VolunteerStatus.APPROVED
            )
        )
    ).all()
    by_id = {v.id: v for v in volunteers}
    by_user = {v.user_id: v.id for v in volunteers}
    if not by_id:
        return {}
    # The month's done tasks of everyone, from the (status, done_at, …) index alone; only the
    # scope's volunteers are kept (a region's month is tens of thousands of rows at most).
    tasks = await session.execute(
        select(
            HelpRequest.volunteer_id,
            func.count(),
            func.coalesce(func.sum(HelpRequest.hours), 0.0),
            func.count(HelpRequest.rating),
            func.coalesce(func.sum(HelpRequest.rating), 0),
        )
        .where(
            HelpRequest.status == RequestStatus.DONE,
            *period.where(HelpRequest.done_at),
            HelpRequest.volunteer_id.is_not(None),
        )
        .group_by(HelpRequest.volunteer_id)
    )
    for volunteer_id, count, hours, ratings, stars in tasks:
        if volunteer_id is not None and volunteer_id in by_id:
            totals[volunteer_id] = {
                "tasks": int(count),
                "hours": float(hours or 0.0),
                "ratings": int(ratings),
                "stars": int(stars or 0),
            }
    events = await session.execute(
        select(EventAttendance.user_id, func.coalesce(func.sum(EventAttendance.hours), 0.0))
        .join(VolunteerEvent, VolunteerEvent.id == EventAttendance.event_id)
        .where(VolunteerEvent.status == EventStatus.DONE, *period.where(VolunteerEvent.starts_at))
        .group_by(EventAttendance.user_id)
    )
    for user_id, hours in events:
        volunteer_id = by_user.get(user_id)
        if volunteer_id is not None:
            entry = totals.setdefault(
                volunteer_id, {"tasks": 0, "hours": 0.0, "ratings": 0, "stars": 0}
            )
            entry["hours"] += float(hours)
    found: dict[int, list[Candidate]] = {}
    for volunteer_id, entry in totals.items():
        v = by_id[volunteer_id]
        found.setdefault(v.territory_id, []).append(
            Candidate(
                volunteer_id=volunteer_id,
                user_id=v.user_id,
                name=v.name,
                territory_id=v.territory_id,
                tasks=entry["tasks"],
                hours=round(entry["hours"], 2),
                ratings=entry["ratings"],
                stars=entry["stars"],
            )
        )
    return {t: best for t, all_ in found.items() if (best := ranked(all_, top))}


def hours_text(hours: float) -> str:
    return str(int(hours)) if float(hours).is_integer() else f"{hours:.1f}"


def candidate_line(n: int, candidate: Candidate) -> str:
    """Language-neutral: «1. Name — 46 (✅ 3 · ⏱ 12 · ★ 4.7)»; the legend is in the text."""
    parts = [f"✅ {candidate.tasks}", f"⏱ {hours_text(candidate.hours)}"]
    if candidate.average is not None:
        parts.append(f"★ {candidate.average}")
    name = html.escape(candidate.name, quote=False)
    return f"{n}. {name} — {hours_text(candidate.score)} ({' · '.join(parts)})"


def proposal_key(proposal_id: int, user_id: int) -> str:
    return f"award:p{proposal_id}:to:{user_id}"


def due_month(now: datetime, zone: ZoneInfo) -> date | None:
    """The month to propose now in this zone: the previous one, from 10:00 on the 1st, for
    LATE_AT_MOST (a bot that was down catches up; a longer outage skips it)."""
    local = now.astimezone(zone)
    moment = datetime.combine(local.date().replace(day=1), PROPOSE_AT, tzinfo=zone)
    if moment <= now < moment + LATE_AT_MOST:
        return previous_month(local.date())
    return None


async def _territory_coordinators(
    session: AsyncSession, territory_id: int, admin_ids: Collection[int]
) -> list[int]:
    """The territory's own coordinators; none: the HQ's (appointed and ADMIN_IDS). Who
    blocked the bot is left out."""
    own = set(
        (
            await session.scalars(
                select(CoordinatorTerritory.user_id).where(
                    CoordinatorTerritory.territory_id == territory_id
                )
            )
        ).all()
    )
    if not own:
        own = set(
            (await session.scalars(select(Coordinator.user_id).where(Coordinator.is_hq))).all()
        ) | set(admin_ids)
    if not own:
        return []
    blocked = set(
        (
            await session.scalars(
                select(User.id).where(User.id.in_(sorted(own)), User.blocked_bot.is_(True))
            )
        ).all()
    )
    return sorted(own - blocked)


async def propose_due(
    session: AsyncSession,
    now: datetime,
    *,
    hq_zone: ZoneInfo,
    admin_ids: Collection[int],
    default_locale: str,
    award_data: Callable[[int, int], str],
) -> list[int]:
    """Propose the previous month's top to the coordinators of each territory whose time
    has come; once per territory and month (the proposal row's unique key). Returns the
    territories proposed now."""
    due: dict[tuple[str, date], list[Territory]] = {}
    for territory in (await session.scalars(select(Territory).order_by(Territory.id))).all():
        try:
            zone = ZoneInfo(territory.timezone)
        except (KeyError, ValueError):
            zone = hq_zone
        month = due_month(now, zone)
        if month is not None:
            due.setdefault((str(zone), month), []).append(territory)
    if not due:
        return []
    months = sorted({month for _, month in due})
    done = set(
        (
            await session.execute(
                select(AwardProposal.territory_id, AwardProposal.month).where(
                    AwardProposal.month.in_(months)
                )
            )
        ).all()
    )
    proposed = []
    for (zone_name, month), territories in due.items():
        waiting = [t for t in territories if (t.id, month) not in done]
        if not waiting:
            continue
        tops = await month_top(
            session, [t.id for t in waiting], month_period(month, ZoneInfo(zone_name))
        )
        for territory in waiting:
            best = tops.get(territory.id, [])
            # Ids and figures only: names stay in the volunteers' rows (erasure reaches them).
            candidates = [c.as_json() for c in best]
            inserted = await session.execute(
                insert_ignore(
                    session,
                    AwardProposal,
                    {
                        "territory_id": territory.id,
                        "month": month,
                        "candidates": candidates,
                        "created_at": now,
                    },
                )
            )
            if not getattr(inserted, "rowcount", 0):
                continue  # another replica proposed it meanwhile
            proposed.append(territory.id)
            if not candidates:
                continue
            proposal_id = await session.scalar(
                select(AwardProposal.id).where(
                    AwardProposal.territory_id == territory.id, AwardProposal.month == month
                )
            )
            assert proposal_id is not None
            for user_id in await _territory_coordinators(session, territory.id, admin_ids):
                locale = await locale_of(session, user_id, default_locale)
                await enqueue(
                    session,
                    chat_id=user_id,
                    message=OutgoingMessage(
                        Text(
                            key="rec-top-proposal",
                            args={
                                "territory": territory.name(locale),
                                "month": month.strftime("%m.%Y"),
                                "candidates": "\n".join(
                                    candidate_line(n, c) for n, c in enumerate(best, 1)
                                ),
                            },
                        ),
                        buttons=[
                            [
                                Button(
                                    Text(key="rec-btn-award", args={"name": c.name}),
                                    callback_data=award_data(proposal_id, c.volunteer_id),
                                )
                            ]
                            for c in best
                        ],
                        locale=locale,
                    ),
                    key=proposal_key(proposal_id, user_id),
                    now=now,
                    priority=Priority.NORMAL,
                    personal=True,  # volunteers' names: purged once delivered
                )
    return proposed


# --- the award -------------------------------------------------------------------------------
class AwardOutcome(StrEnum):
    AWARDED = "awarded"
    ALREADY = "already"  # this territory's month was awarded before (to whom: ``name``)
    GONE = "gone"  # no such proposal or candidate, out of the presser's scope


@dataclass(frozen=True, slots=True)
class AwardResult:
    outcome: AwardOutcome
    name: str = ""
    month: date | None = None
    territory_id: int | None = None
    award_id: int | None = None
    awarded_by: int | None = None


async def award(
    session: AsyncSession,
    proposal_id: int,
    volunteer_id: int,
    *,
    actor_id: int,
    roles: Roles,
    now: datetime,
    default_locale: str,
    hq_name: str,
) -> AwardResult:
    """«Лучший доброволец» from a proposal's button: one award a territory a month (the
    unique key; a double tap or a second coordinator gets ALREADY with the winner's name),
    audited, and the volunteer thanked once through the outbox."""
    proposal = await session.get(AwardProposal, proposal_id)
    if proposal is None or not roles.can_act_in(proposal.territory_id):
        return AwardResult(AwardOutcome.GONE)
    candidate = next(
        (c for c in proposal.candidates if int(c.get("volunteer_id", 0)) == volunteer_id), None
    )
    volunteer = await session.get(Volunteer, volunteer_id)
    # Who left (/forget included) or was blocked since the proposal is not awarded.
    if candidate is None or volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return AwardResult(AwardOutcome.GONE)
    inserted = await session.execute(
        insert_ignore(
            session,
            VolunteerAward,
            {
                "territory_id": proposal.territory_id,
                "month": proposal.month,
                "volunteer_id": volunteer.id,
                "user_id": volunteer.user_id,
                "awarded_by": actor_id,
                "created_at": now,
            },
        )
    )
    given = (
        await session.execute(
            select(VolunteerAward.id, VolunteerAward.awarded_by, Volunteer.name)
            .join(Volunteer, Volunteer.id == VolunteerAward.volunteer_id)
            .where(
                VolunteerAward.territory_id == proposal.territory_id,
                VolunteerAward.month == proposal.month,
            )
        )
    ).one()
    if not getattr(inserted, "rowcount", 0):
        return AwardResult(
            AwardOutcome.ALREADY,
            given.name,
            proposal.month,
            proposal.territory_id,
            given.id,
            given.awarded_by,
        )
    await audit.record(
        session,
        actor_id=actor_id,
        action="volunteer_award",
        now=now,
        roles=roles,
        target=f"volunteer:{volunteer.id}",
        details={
            "territory_id": proposal.territory_id,
            "month": proposal.month.isoformat(),
            "score": candidate.get("score"),
        },
    )
    territory = await session.get(Territory, proposal.territory_id)
    # The other coordinators' copies of the proposal lose their buttons and say who has it.
    copies = (
        await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.idempotency_key).where(
                OutboxMessage.subject == subject_of(proposal_key(proposal.id, 0))
            )
        )
    ).all()
    sent_to = {chat_id for chat_id, key in copies if key == proposal_key(proposal.id, chat_id)}
    for chat_id in sorted(sent_to - {actor_id}):
        reader = await locale_of(session, chat_id, default_locale)
        await enqueue(
            session,
            chat_id=chat_id,
            message=OutgoingMessage(
                Text(
                    key="rec-top-awarded",
                    args={
                        "territory": territory.name(reader) if territory else "—",
                        "month": proposal.month.strftime("%m.%Y"),
                        "name": html.escape(given.name, quote=False),
                    },
                ),
                locale=reader,
            ),
            key=f"award:p{proposal.id}:given:{chat_id}",
            edit_key=proposal_key(proposal.id, chat_id),
            now=now,
            personal=True,
        )
    locale = await locale_of(session, volunteer.user_id, default_locale)
    await enqueue(
        session,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(
            Text(
                key="rec-award-thanks",
                args={
                    "month": proposal.month.strftime("%m.%Y"),
                    "territory": territory.name(locale) if territory else "—",
                    "hq": hq_name,
                    "tasks": int(candidate.get("tasks", 0)),
                    "hours": hours_text(float(candidate.get("hours", 0))),
                },
            ),
            locale=locale,
        ),
        key=f"award:{given.id}:thanks",
        now=now,
        priority=Priority.NORMAL,
    )
    return AwardResult(
        AwardOutcome.AWARDED, given.name, proposal.month, proposal.territory_id, given.id, actor_id
    )


# --- hours for DOBRO.RF ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Activity:
    """One row of the volunteer book: a task done or an event attended."""

    moment: datetime  # UTC: when done, when the event started
    hours: float
    kind: str  # "task" or "event"
    ref_id: int  # the request's or the event's id
    what: str | None  # the request's kind; the event's template or None
    title: str | None  # the event's own title
    user_id: int
    volunteer_id: int
    name: str
    dobro_id: str | None
    territory_id: int


BATCH = 2000
EVENT_BATCH = 200
IN_LIMIT = 500  # a scope with more volunteers filters the period's tasks by a subquery
# The records whose work is in a book: an application pending or rejected did none (and a
# person rejected in one territory may be a volunteer in another: their rows are not its).
IN_BOOK = (VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED, VolunteerStatus.LEFT)


async def activities(
    session: AsyncSession,
    period: Period,
    *,
    territory_ids: Collection[int] | None = None,
    user_id: int | None = None,
) -> AsyncIterator[list[Activity]]:
    """The rows in batches, tasks first then events, each by time: a coordinator's
    (``territory_ids``; None: every territory) or one person's (``user_id``).

    Whose rows a territory's book has, so that no row is in two territories' books:
    - a task: in the book of its volunteer record's territory (approved, blocked or left
      since: an application pending or rejected did no task);
    - an event's attendance: in the book of the event's territory, whoever came (a
      volunteer of a territory under it included).
    The volunteer's name and DOBRO.RF id are their newest such record's (in the scope for a
    task; anywhere for an event)."""
    people = select(
        Volunteer.id, Volunteer.user_id, Volunteer.name, Volunteer.dobro_id, Volunteer.territory_id
    )
    scope = sorted(territory_ids) if territory_ids is not None else None
    in_scope: ColumnElement[bool] = Volunteer.status.in_(IN_BOOK)
    if scope is not None:
        in_scope = and_(in_scope, Volunteer.territory_id.in_(scope))
    if user_id is not None:
        people = people.where(Volunteer.user_id == user_id)
    else:
        people = people.where(in_scope)
    rows = (await session.execute(people.order_by(Volunteer.id))).all()
    if not rows and user_id is not None:
        return
    by_id = {r.id: r for r in rows}
    newest: dict[int, Any] = {}
    for r in rows:  # by id: the last one is the newest record of that person
        newest[r.user_id] = r
    # Tasks: the period's done ones by done_at (the index), kept for the scope's volunteers.
    task_where = [*period.where(HelpRequest.done_at)]
    if user_id is not None:
        task_where += _done_of(by_id)
    else:
        task_where.append(HelpRequest.status == RequestStatus.DONE)
        if len(by_id) <= IN_LIMIT:
            task_where.append(HelpRequest.volunteer_id.in_(sorted(by_id)))
        elif scope is not None:  # many: the same set, asked of the database (no long list)
            task_where.append(HelpRequest.volunteer_id.in_(select(Volunteer.id).where(in_scope)))
    after: tuple[datetime, int] | None = None
    while True:
        query = select(
            HelpRequest.id,
            HelpRequest.done_at,
            HelpRequest.hours,
            HelpRequest.kind,
            HelpRequest.volunteer_id,
        ).where(*task_where)
        if after is not None:
            query = query.where(
                or_(
                    HelpRequest.done_at > after[0],
                    and_(HelpRequest.done_at == after[0], HelpRequest.id > after[1]),
                )
            )
        done = (
            await session.execute(query.order_by(HelpRequest.done_at, HelpRequest.id).limit(BATCH))
        ).all()
        if not done:
            break
        last_done = done[-1].done_at
        assert last_done is not None
        after = (last_done, done[-1].id)
        out = []
        for task in done:
            v = by_id.get(task.volunteer_id) if task.volunteer_id is not None else None
            if v is None or task.done_at is None:
                continue
            person = newest[v.user_id]
            out.append(
                Activity(
                    moment=task.done_at,
                    hours=float(task.hours or 0.0),
                    kind="task",
                    ref_id=task.id,
                    what=task.kind,
                    title=None,
                    user_id=v.user_id,
                    volunteer_id=v.id,
                    name=person.name,
                    dobro_id=person.dobro_id,
                    territory_id=v.territory_id,
                )
            )
        if out:
            yield out
        if len(done) < BATCH:
            break
    # Events: the period's done events by start (the index), a batch at a time, then their
    # attendance rows (the unique (event_id, user_id) index).
    if user_id is not None:  # one person: their attendance rows (indexed by user)
        mine = (
            await session.execute(
                select(
                    EventAttendance.event_id,
                    EventAttendance.user_id,
                    EventAttendance.hours,
                    VolunteerEvent.starts_at,
                    VolunteerEvent.template,
                    VolunteerEvent.title,
                    VolunteerEvent.territory_id,
                )
                .join(VolunteerEvent, VolunteerEvent.id == EventAttendance.event_id)
                .where(
                    EventAttendance.user_id == user_id,
                    # Wrapped: the person's rows lead, not every event the HQ ever held.
                    func.coalesce(VolunteerEvent.status, "") == EventStatus.DONE.value,
                    *period.where(VolunteerEvent.starts_at),
                )
                .order_by(VolunteerEvent.starts_at, EventAttendance.event_id)
            )
        ).all()
        person = newest.get(user_id)
        if mine and person is not None:
            yield [
                Activity(
                    moment=a.starts_at,
                    hours=float(a.hours),
                    kind="event",
                    ref_id=a.event_id,
                    what=a.template,
                    title=a.title,
                    user_id=user_id,
                    volunteer_id=person.id,
                    name=person.name,
                    dobro_id=person.dobro_id,
                    territory_id=a.territory_id,
                )
                for a in mine
            ]
        return
    event_after: tuple[datetime, int] | None = None
    while True:
        events_query = select(
            VolunteerEvent.id,
            VolunteerEvent.territory_id,
            VolunteerEvent.starts_at,
            VolunteerEvent.template,
            VolunteerEvent.title,
        ).where(VolunteerEvent.status == EventStatus.DONE, *period.where(VolunteerEvent.starts_at))
        if scope is not None:  # the scope's own events (one territory each: one book each)
            events_query = events_query.where(VolunteerEvent.territory_id.in_(scope))
        if event_after is not None:
            events_query = events_query.where(
                or_(
                    VolunteerEvent.starts_at > event_after[0],
                    and_(
                        VolunteerEvent.starts_at == event_after[0],
                        VolunteerEvent.id > event_after[1],
                    ),
                )
            )
        held = (
            await session.execute(
                events_query.order_by(VolunteerEvent.starts_at, VolunteerEvent.id).limit(
                    EVENT_BATCH
                )
            )
        ).all()
        if not held:
            break
        event_after = (held[-1].starts_at, held[-1].id)
        by_event = {e.id: e for e in held}
        attendance = select(
            EventAttendance.event_id, EventAttendance.user_id, EventAttendance.hours
        ).where(EventAttendance.event_id.in_(sorted(by_event)))
        if user_id is not None:
            attendance = attendance.where(EventAttendance.user_id == user_id)
        came = (await session.execute(attendance)).all()
        # Who came from a territory under the event's: their newest record, wherever it is.
        strangers = sorted({a.user_id for a in came} - newest.keys())
        if strangers:
            for r in (
                await session.execute(
                    select(
                        Volunteer.id,
                        Volunteer.user_id,
                        Volunteer.name,
                        Volunteer.dobro_id,
                        Volunteer.territory_id,
                    )
                    .where(Volunteer.user_id.in_(strangers), Volunteer.status.in_(IN_BOOK))
                    .order_by(Volunteer.id)
                )
            ).all():
                newest[r.user_id] = r
        rows_out = []
        for a in sorted(
            came, key=lambda a: (by_event[a.event_id].starts_at, a.event_id, a.user_id)
        ):
            person = newest.get(a.user_id)
            if person is None:
                continue
            event = by_event[a.event_id]
            rows_out.append(
                Activity(
                    moment=event.starts_at,
                    hours=float(a.hours),
                    kind="event",
                    ref_id=event.id,
                    what=event.template,
                    title=event.title,
                    user_id=a.user_id,
                    volunteer_id=person.id,
                    name=person.name,
                    dobro_id=person.dobro_id,
                    territory_id=event.territory_id,
                )
            )
        if rows_out:
            yield rows_out
        if len(held) < EVENT_BATCH:
            break


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class BookLabels:
    """The header and how a row's activity reads, in the reader's language."""

    headers: Sequence[str]  # date, hours, organisation, activity, DOBRO.RF id, name
    activity: Callable[[Activity], str]
    organisation: str
    no_dobro: str


WIDTHS = (12, 8, 30, 44, 20, 30)


@dataclass
class Book:
    paths: dict[Format, Path]
    rows: int
    hours: float
    volunteers: int
    directory: Path

    def cleanup(self) -> None:
        import shutil

        shutil.rmtree(self.directory, ignore_errors=True)


async def hours_book(
    session: AsyncSession,
    period: Period,
    *,
    labels: BookLabels,
    zone: ZoneInfo,
    base_name: str,
    territory_ids: Collection[int] | None = None,
    user_id: int | None = None,
) -> Book:
    """The volunteer book's rows as XLSX and CSV (temporary files; the caller sends them and
    calls ``cleanup``): one row per activity, its date, hours, the organisation, what it was,
    the DOBRO.RF id and the name. Every date is in ``zone``, the zone the period's edges
    were drawn in (``book_zone``): a row near midnight is dated inside the period it was
    counted in. Files are written in a worker thread."""
    # Imported here: the spreadsheet writer loads only when a book is asked for.
    from bot.services.spreadsheets import CsvWriter, XlsxWriter

    directory = Path(tempfile.mkdtemp(prefix="dobro-"))
    paths = {fmt: directory / f"{base_name}.{fmt.value}" for fmt in Format}
    xlsx = await asyncio.to_thread(XlsxWriter, labels.headers, ["DOBRO.RF"], [None], WIDTHS)
    csv_writer = await asyncio.to_thread(CsvWriter, labels.headers, {None: paths[Format.CSV]})
    rows = 0
    hours = 0.0
    people: set[int] = set()
    try:
        async for batch in activities(
            session, period, territory_ids=territory_ids, user_id=user_id
        ):
            chunk: list[tuple[str | None, list[Any]]] = []
            for a in batch:
                local_day = a.moment.astimezone(zone).date()
                chunk.append(
                    (
                        None,
                        [
                            local_day,
                            a.hours,
                            labels.organisation,
                            labels.activity(a),
                            a.dobro_id or labels.no_dobro,
                            a.name,
                        ],
                    )
                )
                hours += a.hours
                people.add(a.user_id)
            rows += len(chunk)
            await asyncio.to_thread(xlsx.write, chunk)
            await asyncio.to_thread(csv_writer.write, chunk)
        await asyncio.to_thread(csv_writer.close)
        await asyncio.to_thread(xlsx.close, paths[Format.XLSX])
    except BaseException:
        xlsx.discard()
        csv_writer.close()
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Book(paths, rows, round(hours, 2), len(people), directory)


async def record_export(
    session: AsyncSession,
    *,
    actor_id: int,
    roles: Roles,
    now: datetime,
    period: Period,
    rows: int,
) -> None:
    """A coordinator's DOBRO.RF export in the audit log (names and DOBRO.RF ids left)."""
    await audit.record(
        session,
        actor_id=actor_id,
        action="dobro_export",
        now=now,
        roles=roles,
        target=None,
        details={
            "since": period.start.isoformat() if period.start else None,
            "until": period.end.isoformat() if period.end else None,
            "rows": rows,
        },
    )
