"""Volunteer applications and profiles: sign-up, the coordinator's decision, who to notify."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import reminders
from bot.services.cleaning import NAME_MAX, clean_bounded, clean_text
from bot.services.outbox import OutgoingMessage, Text
from bot.services.users import Roles
from models import (
    Coordinator,
    CoordinatorTerritory,
    FsmRecord,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    ReminderState,
    Territory,
    User,
    Volunteer,
    VolunteerStatus,
)
from models.fsm import forget_cached_records
from models.volunteer import LIVE_STATUSES

SKILLS = (
    "delivery",
    "utilities",
    "coal",
    "household",
    "driving",
    "calls",
    "medic",
    "safety",
    "legal",
)
AGE_GROUPS = ("under18", "18-34", "35-54", "55plus")
AVAILABILITY = ("weekdays", "weekends", "evenings")
CONSENT_VERSION = "2026-11"
PHONE_REGIONS = ("RU", "KZ")
DOBRO_MAX = 200
_LETTER = re.compile(r"[^\W\d_]")


def clean_name(text: str | None) -> str | None:
    """A name of 1-100 characters with at least one letter, cleaned (no invisible
    characters, spaces folded); else None."""
    name = clean_text(text)
    if not name or len(name) > NAME_MAX or not _LETTER.search(name):
        return None
    return name


def normalize_phone(text: str | None) -> str | None:
    """A Russian or Kazakh number in E.164 (+79031234567), or None."""
    if not text or len(text) > 32:
        return None
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and (
            phonenumbers.region_code_for_number(number) in PHONE_REGIONS
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def format_phone(e164: str) -> str:
    """+7 903 123-45-67, as people write it."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


REASON_MAX = 500  # decision_reason's column


def clean_reason(text: str | None) -> str | None:
    """A coordinator's reason (reject, block, unblock): 1-500 characters, cleaned."""
    return clean_bounded(text, 1, REASON_MAX)


def clean_dobro(text: str | None) -> str | None:
    return clean_bounded(text, 1, DOBRO_MAX)


@dataclass(frozen=True, slots=True)
class Application:
    name: str
    phone: str
    territory_id: int
    skills: tuple[str, ...]
    age_group: str
    availability: tuple[str, ...]
    dobro_id: str | None


class AlreadyApplied(Exception):
    """The person has a live record already: pending, approved or blocked."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


async def live_record(session: AsyncSession, user_id: int) -> Volunteer | None:
    return await session.scalar(
        select(Volunteer).where(Volunteer.user_id == user_id, Volunteer.status.in_(LIVE_STATUSES))
    )


async def submit(
    session: AsyncSession,
    user_id: int,
    application: Application,
    now: datetime,
    *,
    consent_at: datetime | None = None,
) -> Volunteer:
    """Store an application; a second live one is refused by the unique index.
    ``consent_at``: when the person agreed (the form's consent step), else now."""
    existing = await live_record(session, user_id)
    if existing is not None:
        raise AlreadyApplied(existing.status)
    volunteer = Volunteer(
        user_id=user_id,
        status=VolunteerStatus.PENDING,
        name=application.name,
        phone=application.phone,
        territory_id=application.territory_id,
        skills=sorted(application.skills),
        age_group=application.age_group,
        availability=sorted(application.availability),
        dobro_id=application.dobro_id,
        consent_at=consent_at or now,
        consent_version=CONSENT_VERSION,
        hours=0.0,
        tasks_done=0,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(volunteer)
    except IntegrityError as exc:  # a double tap or two devices at once: the index decides
        text = str(exc.orig)
        if "uq_volunteers_live_user" in text or "volunteers.user_id" in text:
            raise AlreadyApplied(VolunteerStatus.PENDING) from None
        raise
    return volunteer


@dataclass(frozen=True, slots=True)
class Decision:
    volunteer: Volunteer
    decided_now: bool  # False: someone decided before; volunteer.decided_* say who and when


async def decide(
    session: AsyncSession,
    volunteer_id: int,
    *,
    approve: bool,
    actor_id: int,
    reason: str | None,
    now: datetime,
) -> Decision | None:
    """Approve or reject a pending application: exactly one coordinator's decision counts."""
    result = await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id, Volunteer.status == VolunteerStatus.PENDING)
        .values(
            status=VolunteerStatus.APPROVED if approve else VolunteerStatus.REJECTED,
            decided_by=actor_id,
            decided_at=now,
            decision_reason=reason,
            updated_at=now,
        )
        .returning(Volunteer.id)
    )
    decided_now = result.scalar() is not None
    volunteer = await session.get(Volunteer, volunteer_id, populate_existing=True)
    if volunteer is None:
        return None
    return Decision(volunteer=volunteer, decided_now=decided_now)


async def coordinators_of(
    session: AsyncSession, territory_id: int, admin_ids: Collection[int]
) -> list[int]:
    """Who decides on an application from this territory: its coordinators and the HQ."""
    rows = await session.scalars(
        select(Coordinator.user_id)
        .outerjoin(CoordinatorTerritory, CoordinatorTerritory.user_id == Coordinator.user_id)
        .where(or_(Coordinator.is_hq.is_(True), CoordinatorTerritory.territory_id == territory_id))
    )
    return sorted(set(admin_ids) | set(rows.all()))


async def pending_in_scope(
    session: AsyncSession, roles: Roles, *, offset: int, limit: int
) -> tuple[list[Volunteer], int]:
    """Pending applications a coordinator may decide on, oldest first."""
    conditions = [Volunteer.status == VolunteerStatus.PENDING]
    if not roles.is_hq:
        conditions.append(Volunteer.territory_id.in_(roles.territory_ids))
    total = await session.scalar(select(func.count()).select_from(Volunteer).where(*conditions))
    rows = await session.scalars(
        select(Volunteer)
        .where(*conditions)
        .order_by(Volunteer.created_at, Volunteer.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows.all()), total or 0


async def is_active_volunteer(session: AsyncSession, user_id: int) -> bool:
    return (
        await session.scalar(
            select(Volunteer.id).where(
                Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED
            )
        )
    ) is not None


# --- the volunteer's own profile ------------------------------------------------------------
async def profile_of(session: AsyncSession, user_id: int) -> Volunteer | None:
    """An approved or blocked volunteer record (a pending application is not a profile)."""
    return await session.scalar(
        select(Volunteer).where(
            Volunteer.user_id == user_id,
            Volunteer.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED)),
        )
    )


async def update_profile(
    session: AsyncSession, volunteer_id: int, user_id: int, changes: Application, now: datetime
) -> bool:
    """A volunteer edits their own approved profile; False if it is not theirs or not active."""
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.user_id != user_id:
        return False
    if volunteer.status != VolunteerStatus.APPROVED:
        return False
    # The territory is not edited here: moving is a new application, decided by the new
    # territory's coordinators.
    volunteer.name = changes.name
    volunteer.phone = changes.phone
    volunteer.skills = sorted(changes.skills)
    volunteer.age_group = changes.age_group
    volunteer.availability = sorted(changes.availability)
    volunteer.dobro_id = changes.dobro_id
    volunteer.updated_at = now
    await session.flush()
    return True


def is_paused(volunteer: Volunteer, today: date) -> bool:
    return volunteer.paused_until is not None and volunteer.paused_until > today


def _resume_subject(volunteer: Volunteer) -> str:
    return f"volunteer:{volunteer.id}:resume"


async def pause(
    session: AsyncSession, volunteer: Volunteer, until: date, timezone: str, now: datetime
) -> None:
    """No task pushes before ``until``; that morning a reminder says they are back."""
    volunteer.paused_until = until
    volunteer.updated_at = now
    await reminders.cancel_for_subject(session, _resume_subject(volunteer), now)
    await reminders.create_reminder(
        session,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(Text(key="volunteer-resumed")),
        due_at=datetime.combine(until, time(9, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC),
        timezone=timezone,
        now=now,
        kind="volunteer_resume",
        subject=_resume_subject(volunteer),
    )


async def resume(session: AsyncSession, volunteer: Volunteer, now: datetime) -> None:
    volunteer.paused_until = None
    volunteer.updated_at = now
    await reminders.cancel_for_subject(session, _resume_subject(volunteer), now)


async def leave(session: AsyncSession, volunteer: Volunteer, now: datetime) -> None:
    """They stay a citizen; hours and tasks stay counted on the record."""
    volunteer.status = VolunteerStatus.LEFT
    volunteer.paused_until = None
    volunteer.updated_at = now
    await reminders.cancel_for_subject(session, _resume_subject(volunteer), now)


async def available_in(
    session: AsyncSession, territory_id: int, skill: str | None, today: date
) -> list[Volunteer]:
    """Approved volunteers of a territory who are not paused (and have ``skill``): the ones
    task pushes go to."""
    rows = await session.scalars(
        select(Volunteer).where(
            Volunteer.territory_id == territory_id,
            Volunteer.status == VolunteerStatus.APPROVED,
            or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= today),
        )
    )
    return [v for v in rows.all() if skill is None or skill in v.skills]


# --- coordinators ---------------------------------------------------------------------------
async def volunteers_in_scope(
    session: AsyncSession, roles: Roles, *, offset: int, limit: int
) -> tuple[list[Volunteer], int]:
    """By name (ix_volunteers_name: a page of a region's 10,000 is read in order, not sorted);
    a territory coordinator's from their territories' index."""
    conditions = [Volunteer.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED))]
    if not roles.is_hq:
        conditions.append(Volunteer.territory_id.in_(roles.territory_ids))
    total = await session.scalar(select(func.count()).select_from(Volunteer).where(*conditions))
    page = select(Volunteer).where(*conditions).order_by(Volunteer.name, Volunteer.id)
    if roles.is_hq and session.get_bind().dialect.name == "sqlite":
        # Without statistics SQLite takes the status index and sorts every volunteer
        # (~5 ms for 10,000); SQLAlchemy renders no index hint for it, so the ids come first.
        ids = (await session.scalars(_HQ_PAGE_SQLITE, {"limit": limit, "offset": offset})).all()
        page = select(Volunteer).where(Volunteer.id.in_(ids)).order_by(Volunteer.name, Volunteer.id)
        offset = 0
    rows = await session.scalars(page.offset(offset).limit(limit))
    return list(rows.all()), total or 0


_HQ_PAGE_SQLITE = text(
    "SELECT id FROM volunteers INDEXED BY ix_volunteers_name"
    " WHERE status IN ('approved', 'blocked') ORDER BY name, id LIMIT :limit OFFSET :offset"
)


async def set_blocked(
    session: AsyncSession,
    volunteer: Volunteer,
    blocked: bool,
    reason: str | None,
    actor_id: int,
    now: datetime,
) -> bool:
    """Block an approved volunteer or unblock a blocked one, in one conditional UPDATE (two
    coordinators at once: one wins); False when it was already so. Blocking ends a pause."""
    want, was = (
        (VolunteerStatus.BLOCKED, VolunteerStatus.APPROVED)
        if blocked
        else (VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED)
    )
    values: dict[str, object] = {
        "status": want,
        "decision_reason": reason,
        "decided_by": actor_id,
        "decided_at": now,
        "updated_at": now,
    }
    if blocked:
        values["paused_until"] = None
    result = await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer.id, Volunteer.status == was)
        .values(**values)
        .returning(Volunteer.id)
    )
    changed = result.scalar() is not None
    if changed and blocked:
        await reminders.cancel_for_subject(session, _resume_subject(volunteer), now)
    await session.refresh(volunteer)
    return changed


# --- erasure ----------------------------------------------------------------------------------
ERASED = "—"


async def forget_person(session: AsyncSession, user_id: int, now: datetime) -> list[int]:
    """The bounded part of erasing a person: names, phone and profile fields are anonymised,
    form state, reminders and unsent messages to or about them are cleared; counts stay.
    Every lookup is by an indexed column (users and volunteers by id and user, the outbox by
    chat and by subject, reminders by chat and state). Idempotent.

    Returns the ids of their volunteer records: what was written about those (sent outbox
    rows "vol:ID", audit entries "volunteer:ID") grows without bound and is purged next by
    bot.services.erasure, in batches."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(first_name=ERASED, last_name=None, username=None, updated_at=now)
    )
    # Imported here: the campaigns' modules import this one.
    from bot.services import campaign_links

    await campaign_links.forget_user(session, user_id, now)
    records = list(
        (await session.scalars(select(Volunteer).where(Volunteer.user_id == user_id))).all()
    )
    for volunteer in records:
        volunteer.name = ERASED
        volunteer.phone = ""
        volunteer.dobro_id = None
        volunteer.decision_reason = None
        volunteer.paused_until = None
        if volunteer.status in (VolunteerStatus.PENDING, VolunteerStatus.APPROVED):
            volunteer.status = VolunteerStatus.LEFT
        volunteer.updated_at = now
    unsent = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == user_id,
            OutboxMessage.status.in_(unsent),
            # Hiding a stranger's data still in their chat (the tasks they handed back) stays.
            OutboxMessage.idempotency_key.not_like("%:details:%:hidden"),
        )
    )
    if records:  # queued for others about them (a coordinator's notice of their application)
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.subject.in_([f"vol:{v.id}" for v in records]),
                OutboxMessage.status.in_(unsent),
            )
        )
    await session.execute(
        update(Reminder)
        .where(Reminder.chat_id == user_id, Reminder.state == ReminderState.PENDING)
        .values(state=ReminderState.CANCELLED, updated_at=now)
    )
    # Form state is kept only while a form is open: a small table.
    await session.execute(
        delete(FsmRecord).where(FsmRecord.key.like(f"fsm:%:{user_id}:{user_id}%"))
    )
    forget_cached_records(session)
    await session.flush()
    return [volunteer.id for volunteer in records]


async def local_today(session: AsyncSession, territory_id: int | None, now: datetime) -> date:
    """The date in a territory's time zone (UTC when it is unknown): pauses end by it."""
    territory = await session.get(Territory, territory_id) if territory_id is not None else None
    zone = ZoneInfo(territory.timezone) if territory else UTC
    return now.astimezone(zone).date()
