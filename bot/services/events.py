"""The volunteer calendar (issue 18): events, sign-ups with a waiting list, reminders and
attendance. No aiogram here: buttons arrive as packed callback data from the caller.

Concurrency: every change to an event's sign-ups (sign up, cancel, attendance) begins with an
UPDATE of the event's row. On PostgreSQL that row lock serialises them per event; on SQLite
the first write takes the database's write lock. Then ``slots_taken`` moves only with
``WHERE slots_taken < slots`` (the last slot goes to exactly one person; the others land on the
waiting list in the order they came), and a cancellation hands its slot to the first waiting
person in the same transaction, so a slot is never free while someone waits.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.data.action_days import BY_CODE, ActionDay
from bot.services.campaigns import territories_under
from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from bot.services.users import Roles, locales_of
from models import (
    EventAttendance,
    EventSignup,
    EventStatus,
    Priority,
    SignupStatus,
    Territory,
    Volunteer,
    VolunteerEvent,
    VolunteerStatus,
)

MAX_SLOTS = 500
DURATIONS = (1, 2, 3, 4, 6, 8)  # hours an event lasts: what attendance adds
DAY_BEFORE = timedelta(hours=24)
SOON_BEFORE = timedelta(hours=2)
ButtonData = Callable[[str, int], str]  # (action, event id) -> packed callback data


# --- parsing and formatting ----------------------------------------------------------------
_WHEN = re.compile(r"\s*(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?[\s,]+(\d{1,2})[:.](\d{2})\s*")


def parse_when(text: str | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    """«05.12.2026 10:00» (or without the year: the next such date) in the territory's local
    time, as UTC; None when unreadable or not in the future (within a year and a half)."""
    if not text:
        return None
    m = _WHEN.fullmatch(text)
    if m is None:
        return None
    day, month, hour, minute = (int(m.group(i)) for i in (1, 2, 4, 5))
    today = now.astimezone(zone)
    years = [int(m.group(3))] if m.group(3) else [today.year, today.year + 1]
    for year in years:
        try:
            moment = datetime(year, month, day, hour, minute, tzinfo=zone)
        except ValueError:
            return None
        if now < moment <= now + timedelta(days=550):
            return moment.astimezone(now.tzinfo)
    return None


def format_when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def suggested_date(day: ActionDay, today: date) -> date:
    """The next date of a day of action: its own date, or the first Saturday of its month."""
    for year in (today.year, today.year + 1):
        if day.day is not None:
            found = date(year, day.month, day.day)
        else:
            first = date(year, day.month, 1)
            found = first + timedelta(days=(5 - first.weekday()) % 7)
        if found > today:
            return found
    raise AssertionError("unreachable: next year's date is always ahead")


def parse_slots(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit() or len(text.strip()) > 4:
        return None
    slots = int(text.strip())
    return slots if 1 <= slots <= MAX_SLOTS else None


def title_of(event: VolunteerEvent, locale: str) -> str:
    """The title in the reader's language: a day of action's own, else the coordinator's."""
    day = BY_CODE.get(event.template or "")
    if day is not None:
        return day.title(locale)
    return event.title or "—"


# --- creating and inviting -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NewEvent:
    template: str | None
    title: str | None
    starts_at: datetime
    duration_hours: float
    place: str
    territory_id: int
    slots: int
    kinds: Sequence[str]
    form_token: str


@dataclass(frozen=True, slots=True)
class Created:
    event: VolunteerEvent
    created: bool  # False: this form was confirmed before (a double tap)
    invited: list[int] = field(default_factory=list)


async def territory_name(session: AsyncSession, territory_id: int, locale: str) -> str:
    territory = await session.get(Territory, territory_id)
    return territory.name(locale) if territory else "—"


async def zone_of_territory(session: AsyncSession, territory_id: int) -> ZoneInfo:
    name = await session.scalar(select(Territory.timezone).where(Territory.id == territory_id))
    return ZoneInfo(name or "UTC")


SILVER = "silver"  # «Серебряные волонтёры»: a kind of its own, by age (55+), not a skill
SILVER_AGE = "55plus"


def kinds_of(skills: Collection[str] | None, age_group: str | None) -> frozenset[str]:
    """The kinds a volunteer counts as: their skills, and «silver» at 55+."""
    return frozenset(skills or []) | ({SILVER} if age_group == SILVER_AGE else set())


def wants(event: VolunteerEvent, kinds: frozenset[str]) -> bool:
    wanted = set(event.kinds or [])
    return not wanted or bool(wanted & kinds)


async def matching_volunteers(session: AsyncSession, event: VolunteerEvent) -> list[int]:
    """User ids of the approved volunteers the event wants: of its territory or one under it,
    of one of its kinds (any kind when it names none)."""
    reach = await territories_under(session, [event.territory_id])
    rows = await session.execute(
        select(Volunteer.user_id, Volunteer.skills, Volunteer.age_group)
        .where(Volunteer.status == VolunteerStatus.APPROVED, Volunteer.territory_id.in_(reach))
        .order_by(Volunteer.user_id)
    )
    return [user_id for user_id, skills, age in rows.all() if wants(event, kinds_of(skills, age))]


@dataclass(frozen=True, slots=True)
class _Reach:
    """An approved volunteer's kinds and their territory with every one above it: an event
    wants them when its territory is one of these and one of its kinds is theirs."""

    kinds: frozenset[str]
    territories: frozenset[int]

    def wanted_by(self, event: VolunteerEvent) -> bool:
        return event.territory_id in self.territories and wants(event, self.kinds)


async def _reach(session: AsyncSession, user_id: int) -> _Reach | None:
    volunteer = await session.scalar(
        select(Volunteer).where(
            Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED
        )
    )
    if volunteer is None:
        return None
    rows = await session.execute(select(Territory.id, Territory.parent_id))
    parents: dict[int, int | None] = {row[0]: row[1] for row in rows.all()}
    chain: list[int] = []
    current: int | None = volunteer.territory_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return _Reach(kinds_of(volunteer.skills, volunteer.age_group), frozenset(chain))


async def eligible(session: AsyncSession, event: VolunteerEvent, user_id: int) -> bool:
    reach = await _reach(session, user_id)
    return reach is not None and reach.wanted_by(event)


async def _details(
    session: AsyncSession, event: VolunteerEvent, locale: str, zone: ZoneInfo | None = None
) -> dict[str, str | int]:
    zone = zone or await zone_of_territory(session, event.territory_id)
    territory = await session.get(Territory, event.territory_id)
    return {
        "title": html.escape(title_of(event, locale), quote=False),
        "when": format_when(event.starts_at, zone),
        "place": html.escape(event.place, quote=False),
        "territory": html.escape(territory.name(locale) if territory else "—", quote=False),
        "free": max(event.slots - event.slots_taken, 0),
        "slots": event.slots,
    }


async def create(
    session: AsyncSession,
    new: NewEvent,
    *,
    actor_id: int,
    now: datetime,
    data: ButtonData,
    default_locale: str,
    quiet: QuietHours | None = None,
) -> Created:
    """The event, in the caller's transaction; the same ``form_token`` again returns the one
    already made. Every matching volunteer is invited through the outbox (once per event and
    volunteer), in their language, with a «Записаться» button; an event set up late at night
    invites in the morning (``quiet``: the deployment's quiet hours, in the territory's
    time)."""
    existing = await session.scalar(
        select(VolunteerEvent).where(VolunteerEvent.form_token == new.form_token)
    )
    if existing is not None:
        return Created(existing, False)
    if not 1 <= new.slots <= MAX_SLOTS:
        raise ValueError("slots out of range")
    event = VolunteerEvent(
        template=new.template if new.template in BY_CODE else None,
        title=new.title,
        starts_at=new.starts_at,
        duration_hours=new.duration_hours,
        place=new.place,
        territory_id=new.territory_id,
        slots=new.slots,
        slots_taken=0,
        kinds=sorted(set(new.kinds)),
        status=EventStatus.OPEN,
        created_by=actor_id,
        form_token=new.form_token,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    await session.flush()
    invited = [u for u in await matching_volunteers(session, event) if u != actor_id]
    locales = await locales_of(session, invited, default_locale)
    zone = await zone_of_territory(session, event.territory_id)
    by_locale = {loc: await _details(session, event, loc, zone) for loc in set(locales.values())}
    not_before = quiet.defer(now, zone) if quiet is not None else None
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(key="evt-invite", args=by_locale[locales[user_id]]),
                    buttons=[
                        [Button(Text(key="btn-evt-join"), callback_data=data("join", event.id))]
                    ],
                    locale=locales[user_id],
                ),
                key=f"evt:{event.id}:invite:{user_id}",
                priority=Priority.NORMAL,
                not_before=not_before,
            )
            for user_id in invited
        ],
        now,
    )
    return Created(event, True, invited)


# --- signing up and cancelling -------------------------------------------------------------
class Outcome(enum.StrEnum):
    GOING = "going"  # got a slot
    WAITING = "waiting"  # on the waiting list
    ALREADY_GOING = "already_going"
    ALREADY_WAITING = "already_waiting"
    CLOSED = "closed"  # cancelled, over or started
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True, slots=True)
class SignupResult:
    outcome: Outcome
    event: VolunteerEvent | None
    position: int = 0  # on the waiting list, 1-based


async def _lock_open(session: AsyncSession, event_id: int, now: datetime) -> bool:
    """Lock the event's row (see the module's note); False when it is not open for sign-ups
    any more (cancelled, done, or already started)."""
    locked = await session.execute(
        update(VolunteerEvent)
        .where(
            VolunteerEvent.id == event_id,
            VolunteerEvent.status == EventStatus.OPEN,
            VolunteerEvent.starts_at > now,
        )
        .values(updated_at=now)
        .returning(VolunteerEvent.id)
    )
    return locked.first() is not None


async def _position(session: AsyncSession, signup: EventSignup) -> int:
    ahead = await session.scalar(
        select(func.count(EventSignup.id)).where(
            EventSignup.event_id == signup.event_id,
            EventSignup.status == SignupStatus.WAITING,
            (EventSignup.since < signup.since)
            | ((EventSignup.since == signup.since) & (EventSignup.id < signup.id)),
        )
    )
    return int(ahead or 0) + 1


async def sign_up(
    session: AsyncSession, event_id: int, user_id: int, now: datetime
) -> SignupResult:
    """Take a slot, or a place on the waiting list when they are gone. A second press says
    where the person already stands."""
    event = await session.get(VolunteerEvent, event_id)
    if event is None:
        return SignupResult(Outcome.CLOSED, None)
    if not await eligible(session, event, user_id):
        return SignupResult(Outcome.NOT_ELIGIBLE, event)
    if not await _lock_open(session, event_id, now):
        return SignupResult(Outcome.CLOSED, event)
    await session.execute(
        insert_ignore(
            session,
            EventSignup,
            {
                "event_id": event_id,
                "user_id": user_id,
                "status": SignupStatus.CANCELLED.value,
                "since": now,
                "present": False,
                "created_at": now,
            },
        )
    )
    signup = await session.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    assert signup is not None
    if signup.status == SignupStatus.GOING:
        return SignupResult(Outcome.ALREADY_GOING, event)
    if signup.status == SignupStatus.WAITING:
        return SignupResult(Outcome.ALREADY_WAITING, event, await _position(session, signup))
    took = await session.execute(
        update(VolunteerEvent)
        .where(VolunteerEvent.id == event_id, VolunteerEvent.slots_taken < VolunteerEvent.slots)
        .values(slots_taken=VolunteerEvent.slots_taken + 1)
        .returning(VolunteerEvent.id)
    )
    status = SignupStatus.GOING if took.first() is not None else SignupStatus.WAITING
    await session.execute(
        update(EventSignup)
        .where(EventSignup.id == signup.id)
        .values(
            status=status, since=now, present=False, reminded_day_at=None, reminded_soon_at=None
        )
    )
    await session.refresh(signup)
    await session.refresh(event)
    if status == SignupStatus.GOING:
        return SignupResult(Outcome.GOING, event)
    return SignupResult(Outcome.WAITING, event, await _position(session, signup))


@dataclass(frozen=True, slots=True)
class CancelResult:
    was: str | None  # the status left (going/waiting), None: nothing to cancel
    promoted: int | None = None  # the user id who got the slot


async def cancel(
    session: AsyncSession,
    event_id: int,
    user_id: int,
    now: datetime,
    *,
    data: ButtonData,
    default_locale: str,
) -> CancelResult:
    """Leave the event or its waiting list. A freed slot goes at once to the first on the
    waiting list (told through the outbox); with nobody waiting it is free again."""
    if not await _lock_open(session, event_id, now):
        return CancelResult(None)
    signup = await session.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if signup is None or signup.status == SignupStatus.CANCELLED:
        return CancelResult(None)
    was = signup.status
    await session.execute(
        update(EventSignup)
        .where(EventSignup.id == signup.id)
        .values(status=SignupStatus.CANCELLED, since=now, present=False)
    )
    if was != SignupStatus.GOING:
        return CancelResult(was)
    first = await session.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.status == SignupStatus.WAITING)
        .order_by(EventSignup.since, EventSignup.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if first is None:
        await session.execute(
            update(VolunteerEvent)
            .where(VolunteerEvent.id == event_id, VolunteerEvent.slots_taken > 0)
            .values(slots_taken=VolunteerEvent.slots_taken - 1)
        )
        return CancelResult(was)
    await session.execute(
        update(EventSignup)
        .where(EventSignup.id == first.id)
        .values(status=SignupStatus.GOING, since=now, reminded_day_at=None, reminded_soon_at=None)
    )
    event = await session.get(VolunteerEvent, event_id)
    assert event is not None
    locale = (await locales_of(session, [first.user_id], default_locale))[first.user_id]
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=first.user_id,
                message=OutgoingMessage(
                    Text(key="evt-promoted", args=await _details(session, event, locale)),
                    buttons=[
                        [Button(Text(key="btn-evt-cancel"), callback_data=data("leave", event_id))]
                    ],
                    locale=locale,
                ),
                key=f"evt:{event_id}:up:{first.id}:{int(now.timestamp())}",
                priority=Priority.NORMAL,
            )
        ],
        now,
    )
    return CancelResult(was, first.user_id)


async def release_all(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    *,
    data: ButtonData,
    default_locale: str,
) -> int:
    """A volunteer who leaves or erases their data gives up every sign-up to an event still
    ahead (the first waiting person of each gets the slot); returns how many."""
    event_ids = (
        await session.scalars(
            select(EventSignup.event_id)
            .join(VolunteerEvent, VolunteerEvent.id == EventSignup.event_id)
            .where(
                EventSignup.user_id == user_id,
                EventSignup.status.in_((SignupStatus.GOING, SignupStatus.WAITING)),
                VolunteerEvent.status == EventStatus.OPEN,
                VolunteerEvent.starts_at > now,
            )
            .order_by(EventSignup.event_id)
        )
    ).all()
    released = 0
    for event_id in event_ids:
        result = await cancel(
            session, event_id, user_id, now, data=data, default_locale=default_locale
        )
        released += result.was is not None
    return released


# --- what a volunteer sees -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mine:
    event: VolunteerEvent
    status: str | None  # their sign-up's, None: not signed up
    position: int = 0


async def upcoming_for(
    session: AsyncSession, user_id: int, now: datetime, *, limit: int = 10
) -> list[Mine]:
    """Open events still ahead that want this volunteer or hold their sign-up, soonest
    first."""
    events = (
        await session.scalars(
            select(VolunteerEvent)
            .where(VolunteerEvent.status == EventStatus.OPEN, VolunteerEvent.starts_at > now)
            .order_by(VolunteerEvent.starts_at, VolunteerEvent.id)
            .limit(200)
        )
    ).all()
    signups = {
        s.event_id: s
        for s in (
            await session.scalars(
                select(EventSignup).where(
                    EventSignup.user_id == user_id,
                    EventSignup.event_id.in_([e.id for e in events]),
                )
            )
        ).all()
    }
    reach = await _reach(session, user_id)
    found: list[Mine] = []
    for event in events:
        signup = signups.get(event.id)
        status = signup.status if signup and signup.status != SignupStatus.CANCELLED else None
        if status is None and (reach is None or not reach.wanted_by(event)):
            continue
        position = await _position(session, signup) if signup and status == "waiting" else 0
        found.append(Mine(event, status, position))
        if len(found) >= limit:
            break
    return found


async def mine(session: AsyncSession, event_id: int, user_id: int) -> Mine | None:
    """One event as its volunteer sees it; None when it is not theirs to see."""
    event = await session.get(VolunteerEvent, event_id)
    if event is None:
        return None
    signup = await session.scalar(
        select(EventSignup).where(EventSignup.event_id == event_id, EventSignup.user_id == user_id)
    )
    status = signup.status if signup and signup.status != SignupStatus.CANCELLED else None
    if status is None and not await eligible(session, event, user_id):
        return None
    position = await _position(session, signup) if signup and status == "waiting" else 0
    return Mine(event, status, position)


async def details(
    session: AsyncSession, event: VolunteerEvent, locale: str
) -> dict[str, str | int]:
    return await _details(session, event, locale)


# --- the coordinator's side ----------------------------------------------------------------
async def in_scope(session: AsyncSession, event_id: int, roles: Roles) -> VolunteerEvent | None:
    """The event when it is in the coordinator's territories (or under one); HQ: any."""
    event = await session.get(VolunteerEvent, event_id)
    if event is None:
        return None
    if roles.is_hq:
        return event
    if event.territory_id in await territories_under(session, roles.territory_ids):
        return event
    return None


async def list_in_scope(
    session: AsyncSession, roles: Roles, now: datetime, *, limit: int = 20
) -> list[VolunteerEvent]:
    """The coordinator's events by date: up to 10 of the last 30 days (attendance to mark,
    or marked), then up to ``limit`` ahead; called-off ones are left out."""
    query = select(VolunteerEvent).where(VolunteerEvent.status != EventStatus.CANCELLED)
    if not roles.is_hq:
        reach = await territories_under(session, roles.territory_ids)
        query = query.where(VolunteerEvent.territory_id.in_(reach))
    past = await session.scalars(
        query.where(
            VolunteerEvent.starts_at > now - timedelta(days=30), VolunteerEvent.starts_at <= now
        )
        .order_by(VolunteerEvent.starts_at.desc(), VolunteerEvent.id.desc())
        .limit(10)
    )
    ahead = await session.scalars(
        query.where(VolunteerEvent.starts_at > now)
        .order_by(VolunteerEvent.starts_at, VolunteerEvent.id)
        .limit(limit)
    )
    return [*reversed(past.all()), *ahead.all()]


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    name: str
    present: bool


@dataclass(frozen=True, slots=True)
class Roster:
    going: list[Person]
    waiting: list[Person]
    attended: list[tuple[Person, float]]


async def roster(session: AsyncSession, event_id: int) -> Roster:
    """Who holds a slot (in the order they signed up), who waits (in the list's order), and
    once attendance is marked who came with their hours."""
    rows = await session.execute(
        select(EventSignup.user_id, EventSignup.status, EventSignup.present, Volunteer.name)
        .join(
            Volunteer,
            (Volunteer.user_id == EventSignup.user_id)
            & Volunteer.status.in_(("approved", "blocked", "pending")),
            isouter=True,
        )
        .where(
            EventSignup.event_id == event_id,
            EventSignup.status.in_((SignupStatus.GOING, SignupStatus.WAITING)),
        )
        .order_by(EventSignup.since, EventSignup.id)
    )
    going: list[Person] = []
    waiting: list[Person] = []
    for user_id, status, present, name in rows.all():
        person = Person(user_id, name or str(user_id), bool(present))
        (going if status == SignupStatus.GOING else waiting).append(person)
    came = await session.execute(
        select(EventAttendance.user_id, EventAttendance.hours, Volunteer.name)
        .join(
            Volunteer,
            (Volunteer.user_id == EventAttendance.user_id)
            & Volunteer.status.in_(("approved", "blocked", "pending")),
            isouter=True,
        )
        .where(EventAttendance.event_id == event_id)
        .order_by(EventAttendance.id)
    )
    attended = [(Person(u, n or str(u), True), float(h)) for u, h, n in came.all()]
    return Roster(going, waiting, attended)


async def toggle_present(session: AsyncSession, event_id: int, user_id: int, now: datetime) -> bool:
    """Tick or untick one who holds a slot, while attendance is not yet confirmed."""
    event = await session.get(VolunteerEvent, event_id)
    if event is None or event.status != EventStatus.OPEN or event.starts_at > now:
        return False
    result = await session.execute(
        update(EventSignup)
        .where(
            EventSignup.event_id == event_id,
            EventSignup.user_id == user_id,
            EventSignup.status == SignupStatus.GOING,
        )
        .values(present=~EventSignup.present)
    )
    return bool(getattr(result, "rowcount", 0))


async def confirm_attendance(
    session: AsyncSession,
    event_id: int,
    *,
    actor_id: int,
    now: datetime,
    default_locale: str,
) -> list[int] | None:
    """Close the event: each ticked volunteer gets the event's hours on their record (an
    attendance row, once) and a thank-you through the outbox. None when the event has not
    started or its attendance was confirmed before (a double tap)."""
    closed = await session.execute(
        update(VolunteerEvent)
        .where(
            VolunteerEvent.id == event_id,
            VolunteerEvent.status == EventStatus.OPEN,
            VolunteerEvent.starts_at <= now,
        )
        .values(status=EventStatus.DONE, attendance_at=now, attendance_by=actor_id, updated_at=now)
        .returning(VolunteerEvent.duration_hours)
    )
    row = closed.first()
    if row is None:
        return None
    hours = float(row[0])
    present = list(
        (
            await session.scalars(
                select(EventSignup.user_id)
                .where(
                    EventSignup.event_id == event_id,
                    EventSignup.status == SignupStatus.GOING,
                    EventSignup.present.is_(True),
                )
                .order_by(EventSignup.user_id)
            )
        ).all()
    )
    if not present:
        return []
    await session.execute(
        insert_ignore(session, EventAttendance),
        [
            {
                "event_id": event_id,
                "user_id": user_id,
                "hours": hours,
                "marked_by": actor_id,
                "marked_at": now,
            }
            for user_id in present
        ],
    )
    await session.execute(
        update(Volunteer)
        .where(Volunteer.user_id.in_(present), Volunteer.status == VolunteerStatus.APPROVED)
        .values(hours=Volunteer.hours + hours, updated_at=now)
    )
    event = await session.get(VolunteerEvent, event_id)
    assert event is not None
    locales = await locales_of(session, present, default_locale)
    items = []
    for user_id in present:
        args = await _details(session, event, locales[user_id])
        items.append(
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(key="evt-thanks", args={**args, "hours": hours_text(hours)}),
                    locale=locales[user_id],
                ),
                key=f"evt:{event_id}:thanks:{user_id}",
            )
        )
    await enqueue_many(session, items, now)
    return present


def hours_text(hours: float) -> str:
    return str(int(hours)) if float(hours).is_integer() else f"{hours:.1f}"


async def hours_of(session: AsyncSession, user_id: int) -> float:
    """The hours the calendar's events gave this person."""
    total = await session.scalar(
        select(func.coalesce(func.sum(EventAttendance.hours), 0.0)).where(
            EventAttendance.user_id == user_id
        )
    )
    return float(total or 0.0)


async def cancel_event(
    session: AsyncSession,
    event_id: int,
    *,
    now: datetime,
    data: ButtonData,
    default_locale: str,
) -> bool:
    """The coordinator calls an event off: everyone signed up or waiting is told."""
    del data  # the notice carries no buttons
    result = await session.execute(
        update(VolunteerEvent)
        .where(VolunteerEvent.id == event_id, VolunteerEvent.status == EventStatus.OPEN)
        .values(status=EventStatus.CANCELLED, updated_at=now)
    )
    if not getattr(result, "rowcount", 0):
        return False
    people = list(
        (
            await session.scalars(
                select(EventSignup.user_id).where(
                    EventSignup.event_id == event_id,
                    EventSignup.status.in_((SignupStatus.GOING, SignupStatus.WAITING)),
                )
            )
        ).all()
    )
    event = await session.get(VolunteerEvent, event_id)
    assert event is not None
    locales = await locales_of(session, people, default_locale)
    items = [
        Outgoing(
            chat_id=user_id,
            message=OutgoingMessage(
                Text(key="evt-called-off", args=await _details(session, event, locales[user_id])),
                locale=locales[user_id],
            ),
            key=f"evt:{event_id}:off:{user_id}",
        )
        for user_id in people
    ]
    await enqueue_many(session, items, now)
    return True


# --- reminders -----------------------------------------------------------------------------
def reminder_moments(
    starts_at: datetime, zone: ZoneInfo, quiet: QuietHours
) -> tuple[datetime | None, datetime]:
    """When the day-before and the two-hour reminders are due.

    The day-before one is a notice for planning: falling in the quiet hours (an event at
    23:00 or 07:00) it waits for their end, and is dropped when that is already within two
    hours of the start (the other reminder covers it). The two-hour one is not deferred: it
    is for the person on their way (an event at 08:00 reminds at 06:00, when they are
    getting up to go; after the quiet hours it would come after the start), and it goes only
    to those who signed up for that very hour."""
    soon = starts_at - SOON_BEFORE
    day: datetime | None = quiet.defer(starts_at - DAY_BEFORE, zone)
    if day is not None and day >= soon:
        day = None
    return day, soon


@dataclass(frozen=True, slots=True)
class Reminded:
    day: int = 0
    soon: int = 0


async def remind_due(
    session: AsyncSession,
    now: datetime,
    *,
    quiet: QuietHours,
    data: ButtonData,
    default_locale: str,
) -> Reminded:
    """Enqueue the reminders now due, in the caller's transaction: each sign-up's row is
    claimed (``reminded_*_at``) by a conditional UPDATE and its message has an idempotency
    key of the event, the kind and the person, so a job run twice, two processes or a
    restart send each reminder once. A person who signed up after a reminder's moment does
    not get it (they have just seen the event); nothing is sent once the event has begun."""
    events = (
        await session.scalars(
            select(VolunteerEvent).where(
                VolunteerEvent.status == EventStatus.OPEN,
                VolunteerEvent.starts_at > now,
                VolunteerEvent.starts_at <= now + DAY_BEFORE,
            )
        )
    ).all()
    day_count = soon_count = 0
    for event in events:
        zone = await zone_of_territory(session, event.territory_id)
        day_at, soon_at = reminder_moments(event.starts_at, zone, quiet)
        for kind, due, column in (
            ("soon", soon_at, EventSignup.reminded_soon_at),
            ("day", day_at, EventSignup.reminded_day_at),
        ):
            if due is None or now < due:
                continue
            if kind == "day" and now >= soon_at:
                continue  # the two-hour one is due: one reminder, not two at once
            claimed = await session.execute(
                update(EventSignup)
                .where(
                    EventSignup.event_id == event.id,
                    EventSignup.status == SignupStatus.GOING,
                    column.is_(None),
                    EventSignup.since <= due,
                )
                .values({column.key: now})
                .returning(EventSignup.user_id)
            )
            users = [row[0] for row in claimed.all()]
            if kind == "soon":  # the day-before one is not sent after this one
                await session.execute(
                    update(EventSignup)
                    .where(
                        EventSignup.event_id == event.id,
                        EventSignup.user_id.in_(users),
                        EventSignup.reminded_day_at.is_(None),
                    )
                    .values(reminded_day_at=now)
                )
            if not users:
                continue
            locales = await locales_of(session, users, default_locale)
            items = []
            for user_id in users:
                args = await _details(session, event, locales[user_id], zone)
                items.append(
                    Outgoing(
                        chat_id=user_id,
                        message=OutgoingMessage(
                            Text(key=f"evt-remind-{kind}", args=args),
                            buttons=[
                                [
                                    Button(
                                        Text(key="btn-evt-cancel"),
                                        callback_data=data("leave", event.id),
                                    )
                                ]
                            ],
                            locale=locales[user_id],
                        ),
                        key=f"evt:{event.id}:{kind}:{user_id}",
                    )
                )
            await enqueue_many(session, items, now)
            if kind == "day":
                day_count += len(users)
            else:
                soon_count += len(users)
    return Reminded(day_count, soon_count)


def kinds_label(kinds: Collection[str], label: Callable[[str], str], everyone: str) -> str:
    return ", ".join(label(k) for k in kinds) if kinds else everyone
