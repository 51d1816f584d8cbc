"""The volunteers' worklist of a vaccination follow-up campaign: «Следующий звонок» claims the
next due person, an outcome moves them on, the scheduling of the next attempt or round.
No aiogram here.

Reading of the issue's day rule ("a person never gets two calls on the same day from two
volunteers"): every recorded attempt sets ``last_contact_on`` (the person's local day) and
``last_contact_by``; that day nobody else is handed the person. The same volunteer may try
again after ``retry_minutes`` inside the call window (the issue's "retried after the interval
inside the call window"); when they do not, the retry waits for the next day and anyone. Every
next moment after a conversation is at least the next local day.

Scheduling (``plan``):
- no answer / busy: attempts + 1 in the round; due again after ``retry_minutes``, moved into
  the next opening of the call window outside quiet hours (person's territory's local time);
  the last of ``attempts`` failing ends an unreachable round: with ``visit_after`` set, a new
  series of attempts starts the next day until ``visit_after`` such rounds, then the person
  becomes a door-to-door visit (kind "visit", queued); without it the person is
  ``unreachable`` at once (the coordinator decides: move to visits, or let them be);
- wrong number, refused, moved, died: ``stopped``, no further rounds;
- reached, vaccinated: ``vaccinated_on`` = the local day unless known; round k+1 due on
  vaccinated_on + rounds[k+1] days at the window's start (never before tomorrow); no further
  round: ``done``;
- reached, not vaccinated: the same round again the day after the planned date, or, without a
  date, in ``NO_DATE_DAYS`` (7) days, at the window's start.

Claims ("Claims" rule of DESIGN): one conditional UPDATE (``status = 'queued'``) of the oldest
due row, looked up per open campaign along the worklist index, retried a few times on a lost
race; the same statements on SQLite and PostgreSQL. The call window and quiet
hours are checked in Python for the volunteer's territory before it.

The card (the person's phone and address) is recorded before it is sent, like help-request
details (bot/services/details.py), and edited down to the first name and the outcome through
the outbox when the claim ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import campaigns
from bot.services.outbox import PURGED, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from models import (
    Campaign,
    CampaignContact,
    CampaignPerson,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    PersonStatus,
    Priority,
    Territory,
    Volunteer,
    VolunteerStatus,
    WorkKind,
)
from models.campaign import RETRIED_OUTCOMES, STOPPING_OUTCOMES

NO_DATE_DAYS = 7  # not vaccinated, no planned date: the same round again in a week
CLAIM_TRIES = 5  # a lost race is tried again this many times
# A conversation's script may take a while with an older person: the claim lasts this long
# from «Дозвонился» (the campaign's own minutes when longer), so nobody else calls meanwhile.
SCRIPT_MINUTES = 120
RETRIED = RETRIED_OUTCOMES  # no answer, busy, not at home: tried again
STOPPING = STOPPING_OUTCOMES  # wrong number, refused, moved, died: no further rounds
CARD_OUTCOMES = (
    Outcome.REACHED,
    Outcome.NO_ANSWER,
    Outcome.BUSY,
    Outcome.WRONG_NUMBER,
    Outcome.REFUSED,
    Outcome.MOVED,
    Outcome.DIED,
)


# --- time: the call window in the person's local time ----------------------------------------
def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    clock = time(23, 59, 59) if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def next_opening(
    moment: datetime, tz: ZoneInfo, start: int, end: int, quiet: QuietHours
) -> datetime | None:
    """The earliest moment at or after ``moment`` inside the call window [start, end) (minutes
    of the local day) and outside quiet hours; None when there is none (a window wholly
    inside quiet hours)."""
    candidate = moment
    for _ in range(16):
        local = candidate.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        if minutes < start:
            candidate = _at(local.date(), start, tz)
            continue
        if minutes >= end:
            candidate = _at(local.date() + timedelta(days=1), start, tz)
            continue
        if quiet.contains(local.time().replace(tzinfo=None)):
            candidate = quiet.defer(candidate, tz)
            continue
        return candidate
    return None


def window_start_on(
    day: date, tz: ZoneInfo, start: int, end: int, quiet: QuietHours
) -> datetime | None:
    """The first callable moment of a local day (or after it)."""
    return next_opening(_at(day, start, tz), tz, start, end, quiet)


def callable_now(now: datetime, tz: ZoneInfo, campaign: Campaign, quiet: QuietHours) -> bool:
    return next_opening(now, tz, campaign.window_start, campaign.window_end, quiet) == now


# --- scheduling: where an outcome moves a person ---------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    """A person's place in the worklist after an outcome (the columns it sets)."""

    status: str
    kind: str
    round: int
    attempts: int
    unreachable_rounds: int
    due_at: datetime | None
    last_contact_on: date | None
    vaccinated_on: date | None
    planned_on: date | None


@dataclass(frozen=True, slots=True)
class Rules:
    """What scheduling needs of a campaign (a plain copy: unit tests build it directly)."""

    rounds: Sequence[int]
    window_start: int
    window_end: int
    attempts: int
    retry_minutes: int
    visit_after: int | None

    @classmethod
    def of(cls, campaign: Campaign) -> Rules:
        return cls(
            rounds=list(campaign.rounds),
            window_start=campaign.window_start,
            window_end=campaign.window_end,
            attempts=campaign.attempts,
            retry_minutes=campaign.retry_minutes,
            visit_after=campaign.visit_after,
        )


@dataclass(frozen=True, slots=True)
class Where:
    """A person's place before the outcome."""

    round: int
    attempts: int
    unreachable_rounds: int
    last_contact_on: date | None
    vaccinated_on: date | None
    planned_on: date | None

    @classmethod
    def of(cls, person: CampaignPerson) -> Where:
        return cls(
            round=person.round,
            attempts=person.attempts,
            unreachable_rounds=person.unreachable_rounds,
            last_contact_on=person.last_contact_on,
            vaccinated_on=person.vaccinated_on,
            planned_on=person.planned_on,
        )


def plan(
    rules: Rules,
    where: Where,
    outcome: str,
    now: datetime,
    tz: ZoneInfo,
    quiet: QuietHours,
    *,
    vaccinated: bool | None = None,
    planned_on: date | None = None,
) -> Plan:
    """Where ``outcome`` (with the script's answers when reached) moves a person."""
    today = now.astimezone(tz).date()
    base = Plan(
        status=PersonStatus.QUEUED,
        kind=WorkKind.CALL,
        round=where.round,
        attempts=where.attempts,
        unreachable_rounds=where.unreachable_rounds,
        due_at=None,
        last_contact_on=where.last_contact_on,
        vaccinated_on=where.vaccinated_on,
        planned_on=where.planned_on,
    )

    def opening(day: date) -> datetime | None:
        return window_start_on(day, tz, rules.window_start, rules.window_end, quiet)

    if outcome in STOPPING:
        return replace(base, status=PersonStatus.STOPPED)
    if outcome in RETRIED:
        tried = replace(base, last_contact_on=today)
        attempts = where.attempts + 1
        if attempts < rules.attempts:
            due = next_opening(
                now + timedelta(minutes=rules.retry_minutes),
                tz,
                rules.window_start,
                rules.window_end,
                quiet,
            )
            return replace(tried, attempts=attempts, due_at=due)
        failed = where.unreachable_rounds + 1
        if rules.visit_after is not None and failed >= rules.visit_after:
            return replace(
                tried, kind=WorkKind.VISIT, attempts=0, unreachable_rounds=failed, due_at=now
            )
        if rules.visit_after is not None:  # another series of attempts, from tomorrow
            return replace(
                tried,
                attempts=0,
                unreachable_rounds=failed,
                due_at=opening(today + timedelta(days=1)),
            )
        return replace(tried, status=PersonStatus.UNREACHABLE, attempts=attempts,
                       unreachable_rounds=failed)  # fmt: skip
    if outcome != Outcome.REACHED:
        raise ValueError(f"unknown outcome {outcome!r}")
    reached = replace(base, attempts=0, last_contact_on=today)
    tomorrow = today + timedelta(days=1)
    if vaccinated:
        on = where.vaccinated_on or today
        following = where.round + 1
        if following >= len(rules.rounds):
            return replace(reached, status=PersonStatus.DONE, vaccinated_on=on, planned_on=None)
        day = max(on + timedelta(days=rules.rounds[following]), tomorrow)
        return replace(
            reached, round=following, vaccinated_on=on, planned_on=None, due_at=opening(day)
        )
    if planned_on is not None:
        day = max(planned_on + timedelta(days=1), tomorrow)
    else:
        day = today + timedelta(days=NO_DATE_DAYS)
    return replace(reached, planned_on=planned_on, due_at=opening(day))


# --- who works which campaign ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Worker:
    user_id: int
    volunteer_id: int
    name: str
    territory_id: int
    tz: ZoneInfo
    campaign_ids: list[int]


async def worker(session: AsyncSession, user_id: int, now: datetime) -> Worker | None:
    """The volunteer and the campaigns they work; None when they work none."""
    campaign_ids = await campaigns.campaigns_of_volunteer(session, user_id, now=now)
    if not campaign_ids:
        return None
    row = (
        await session.execute(
            select(Volunteer.id, Volunteer.name, Volunteer.territory_id, Territory.timezone)
            .join(Territory, Territory.id == Volunteer.territory_id)
            .where(Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED)
        )
    ).first()
    if row is None:
        return None
    return Worker(user_id, row[0], row[1], row[2], ZoneInfo(row[3]), campaign_ids)


# --- the claim --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Claim:
    person: CampaignPerson
    campaign: Campaign
    again: bool  # the volunteer already held it: shown again


@dataclass(frozen=True, slots=True)
class NothingDue:
    next_due: datetime | None  # when someone becomes due (window and quiet hours applied)


async def held_by(session: AsyncSession, user_id: int) -> CampaignPerson | None:
    return await session.scalar(
        select(CampaignPerson)
        .where(
            CampaignPerson.claimed_by == user_id,
            CampaignPerson.status == PersonStatus.CLAIMED,
            CampaignPerson.kind == WorkKind.CALL,  # a route of visits is not a call
        )
        .limit(1)
    )


async def claim_next(
    session: AsyncSession, who: Worker, now: datetime, quiet: QuietHours
) -> Claim | NothingDue:
    """The volunteer's claim: the one they hold (shown again), or the oldest due person of
    their campaigns in their territory, claimed atomically."""
    held = await held_by(session, who.user_id)
    if held is not None:
        held_until = held.claim_until
        if held_until is not None and held_until > now:
            campaign = await session.get(Campaign, held.campaign_id)
            assert campaign is not None
            return Claim(held, campaign, again=True)
        await lapse(session, held.id, now)  # lapsed, the job not there yet
    rows = await session.scalars(
        select(Campaign).where(
            Campaign.id.in_(who.campaign_ids), Campaign.status == CampaignStatus.ACTIVE
        )
    )
    all_campaigns = {c.id: c for c in rows.all()}
    open_now = {cid: c for cid, c in all_campaigns.items() if callable_now(now, who.tz, c, quiet)}
    today = now.astimezone(who.tz).date()
    for _ in range(CLAIM_TRIES if open_now else 0):
        # The oldest due person of each open campaign (each a walk of the worklist index in
        # due order, no sort), the oldest of them taken by one conditional UPDATE; a lost race
        # (someone took that one first) looks again.
        found: list[tuple[datetime, int, int]] = []
        for cid in open_now:
            row = (
                await session.execute(_oldest_due(cid, who.territory_id, now, today, who.user_id))
            ).first()
            if row is not None:
                found.append((row[1], row[0], cid))
        if not found:
            break
        _due, target, cid = min(found)
        person_id = await session.scalar(
            update(CampaignPerson)
            .where(
                CampaignPerson.id == target,
                CampaignPerson.status == PersonStatus.QUEUED,
                # as the lookup: still due and not someone else's today (an outcome recorded
                # between the lookup and here moved the person on)
                CampaignPerson.due_at <= now,
                _free_today(today, who.user_id),
            )
            .values(
                status=PersonStatus.CLAIMED,
                claimed_by=who.user_id,
                claim_until=now + timedelta(minutes=open_now[cid].claim_minutes),
                updated_at=now,
            )
            .returning(CampaignPerson.id)
            .execution_options(synchronize_session=False)
        )
        if person_id is not None:
            person = await session.get(CampaignPerson, person_id, populate_existing=True)
            assert person is not None
            return Claim(person, open_now[cid], again=False)
    return NothingDue(await _next_due(session, who, all_campaigns, now, quiet))


def _free_today(today: date, user_id: int) -> Any:
    """Nobody else contacted the person today (the day rule)."""
    return (
        CampaignPerson.last_contact_on.is_(None)
        | (CampaignPerson.last_contact_on != today)
        | (CampaignPerson.last_contact_by == user_id)
    )


def _oldest_due(
    campaign_id: int, territory_id: int, now: datetime, today: date, user_id: int
) -> Any:
    return (
        select(CampaignPerson.id, CampaignPerson.due_at)
        .where(
            CampaignPerson.campaign_id == campaign_id,
            CampaignPerson.kind == WorkKind.CALL,
            CampaignPerson.status == PersonStatus.QUEUED,
            CampaignPerson.due_at <= now,
            CampaignPerson.territory_id == territory_id,
            CampaignPerson.phone.is_not(None),
            _free_today(today, user_id),
        )
        .order_by(CampaignPerson.due_at, CampaignPerson.id)
        .limit(1)
    )


async def _next_due(
    session: AsyncSession,
    who: Worker,
    all_campaigns: dict[int, Campaign],
    now: datetime,
    quiet: QuietHours,
) -> datetime | None:
    best: datetime | None = None
    for cid, campaign in all_campaigns.items():
        due = await session.scalar(
            select(CampaignPerson.due_at)
            .where(
                CampaignPerson.campaign_id == cid,
                CampaignPerson.kind == WorkKind.CALL,
                CampaignPerson.status == PersonStatus.QUEUED,
                CampaignPerson.territory_id == who.territory_id,
                CampaignPerson.phone.is_not(None),
            )
            .order_by(CampaignPerson.due_at)
            .limit(1)
        )
        if due is None:
            continue
        moment = next_opening(
            max(due, now), who.tz, campaign.window_start, campaign.window_end, quiet
        )
        if moment is not None and (best is None or moment < best):
            best = moment
    return best


async def extend(session: AsyncSession, person_id: int, user_id: int, now: datetime) -> bool:
    """«Дозвонился»: the claim lasts while the script is filled in (``SCRIPT_MINUTES``)."""
    person = await session.get(CampaignPerson, person_id)
    if person is None or person.status != PersonStatus.CLAIMED or person.claimed_by != user_id:
        return False
    campaign = await session.get(Campaign, person.campaign_id)
    minutes = max(campaign.claim_minutes if campaign else 0, SCRIPT_MINUTES)
    done = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person_id,
            CampaignPerson.status == PersonStatus.CLAIMED,
            CampaignPerson.claimed_by == user_id,
        )
        .values(claim_until=now + timedelta(minutes=minutes), updated_at=now)
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    return done is not None


async def release(session: AsyncSession, person_id: int, user_id: int, now: datetime) -> bool:
    """«Вернуть в список»: back to the queue as it was (due at once, attempts unchanged)."""
    done = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person_id,
            CampaignPerson.status == PersonStatus.CLAIMED,
            CampaignPerson.claimed_by == user_id,
        )
        .values(status=PersonStatus.QUEUED, claimed_by=None, claim_until=None, updated_at=now)
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    if done is None:
        return False
    await hide_cards(session, person_id, now, outcome="released")
    return True


async def lapse(session: AsyncSession, person_id: int, now: datetime) -> bool:
    """A claim past ``claim_until``: back to the queue due now, attempts unchanged, the card
    edited down."""
    done = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person_id,
            CampaignPerson.status == PersonStatus.CLAIMED,
            CampaignPerson.claim_until < now,
        )
        .values(
            status=PersonStatus.QUEUED,
            claimed_by=None,
            claim_until=None,
            due_at=now,
            updated_at=now,
        )
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    if done is None:
        return False
    await hide_cards(session, person_id, now, outcome="lapsed")
    return True


async def lapse_due(session: AsyncSession, now: datetime, *, limit: int = 200) -> int:
    """Every lapsed claim (the scheduler's job); the caller commits."""
    ids = (
        await session.scalars(
            select(CampaignPerson.id)
            .where(CampaignPerson.status == PersonStatus.CLAIMED, CampaignPerson.claim_until < now)
            .order_by(CampaignPerson.claim_until)
            .limit(limit)
        )
    ).all()
    count = 0
    for person_id in ids:
        count += await lapse(session, person_id, now)
    return count


# --- outcomes ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Recorded:
    contact: CampaignContact
    person: CampaignPerson
    plan: Plan | None  # None: recorded before (a double tap)


async def _zone(session: AsyncSession, territory_id: int) -> ZoneInfo:
    zone = await session.scalar(select(Territory.timezone).where(Territory.id == territory_id))
    return ZoneInfo(zone) if zone else ZoneInfo("UTC")


async def record(
    session: AsyncSession,
    person_id: int,
    user_id: int,
    outcome: str,
    now: datetime,
    quiet: QuietHours,
    *,
    answers: dict[str, Any] | None = None,
    form_token: str | None = None,
    round_seen: int | None = None,
) -> Recorded | None:
    """An outcome of the volunteer's claimed person: the contact is stored and the person
    moves on (``plan``); the card is edited down. None: not (or no longer) theirs. With a
    ``form_token`` (the script), a second confirm finds the contact already made; a claim
    that lapsed meanwhile but nobody else took is accepted (the conversation happened)."""
    if form_token is not None:
        existing = await session.scalar(
            select(CampaignContact).where(CampaignContact.form_token == form_token)
        )
        if existing is not None:
            person = await session.get(CampaignPerson, existing.person_id)
            assert person is not None
            return Recorded(existing, person, None)
    person = await session.get(CampaignPerson, person_id, populate_existing=True)
    if person is None:
        return None
    mine = person.status == PersonStatus.CLAIMED and person.claimed_by == user_id
    lapsed_free = (
        form_token is not None
        and person.status == PersonStatus.QUEUED
        and person.round == round_seen
        and person.kind == WorkKind.CALL
    )
    if not (mine or lapsed_free):
        return None
    campaign = await session.get(Campaign, person.campaign_id)
    assert campaign is not None
    tz = await _zone(session, person.territory_id)
    answers = dict(answers or {})
    planned = answers.get("planned_on")
    moved = plan(
        Rules.of(campaign),
        Where.of(person),
        outcome,
        now,
        tz,
        quiet,
        vaccinated=answers.get("vaccinated"),
        planned_on=date.fromisoformat(planned) if planned else None,
    )
    contact = await store_outcome(
        session,
        person,
        moved,
        CampaignPerson.claimed_by.is_(None)
        if person.claimed_by is None
        else CampaignPerson.claimed_by == person.claimed_by,
        kind=WorkKind.CALL,
        outcome=outcome,
        user_id=user_id,
        answers=answers,
        form_token=form_token,
        now=now,
    )
    if contact is None:
        return None
    await hide_cards(session, person.id, now, outcome=outcome)
    return Recorded(contact, person, moved)


async def store_outcome(
    session: AsyncSession,
    person: CampaignPerson,
    moved: Plan,
    still_held: Any,
    *,
    kind: str,
    outcome: str,
    user_id: int,
    answers: dict[str, Any],
    now: datetime,
    form_token: str | None = None,
    note: str | None = None,
    status_ok: Any = None,
) -> CampaignContact | None:
    """A call's or a visit's outcome: the person moves to ``moved`` if nobody moved them
    since they were read (same status and round, and ``still_held``: the claim or the route
    as read), and the contact is stored; None when someone did. ``status_ok``: the statuses
    accepted instead of the one read (a self-survey also takes a hold that lapsed meanwhile)."""
    changed = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person.id,
            CampaignPerson.status == person.status if status_ok is None else status_ok,
            CampaignPerson.round == person.round,
            still_held,
        )
        .values(
            status=moved.status,
            kind=moved.kind,
            round=moved.round,
            attempts=moved.attempts,
            unreachable_rounds=moved.unreachable_rounds,
            due_at=moved.due_at,
            last_contact_on=moved.last_contact_on,
            last_contact_by=user_id,
            vaccinated_on=moved.vaccinated_on,
            planned_on=moved.planned_on,
            last_outcome=outcome,
            claimed_by=None,
            claim_until=None,
            updated_at=now,
        )
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        return None
    contact = await add_contact(
        session, person, kind=kind, outcome=outcome, user_id=user_id, answers=answers,
        now=now, form_token=form_token, note=note,
    )  # fmt: skip
    await session.refresh(person)
    return contact


async def add_contact(
    session: AsyncSession,
    person: CampaignPerson,
    *,
    kind: str,
    outcome: str,
    user_id: int,
    answers: dict[str, Any],
    now: datetime,
    form_token: str | None = None,
    note: str | None = None,
    round_no: int | None = None,
) -> CampaignContact:
    """The contact's row alone (``store_outcome`` moves the person too); ``round_no``: the
    round it answers when not the person's current one."""
    contact = CampaignContact(
        campaign_id=person.campaign_id,
        person_id=person.id,
        by_user_id=user_id,
        kind=kind,
        round=person.round if round_no is None else round_no,
        outcome=outcome,
        answers=answers,
        note=note,
        form_token=form_token,
        created_at=now,
    )
    session.add(contact)
    await session.flush()
    return contact


async def history(session: AsyncSession, person_id: int, limit: int = 5) -> list[CampaignContact]:
    """The person's last contacts, newest first (the card's "before")."""
    rows = await session.scalars(
        select(CampaignContact)
        .where(CampaignContact.person_id == person_id)
        .order_by(CampaignContact.created_at.desc(), CampaignContact.id.desc())
        .limit(limit)
    )
    return list(rows.all())


def first_name(full_name: str) -> str:
    """«Иванова Мария Петровна» → «Мария» (surname, name, patronymic); a single word as is."""
    words = full_name.split()
    if not words:
        return "?"
    return words[1] if len(words) >= 2 else words[0]


# --- the card: recorded before it is sent, hidden when the claim ends ------------------------
def _prefix(person_id: int) -> str:
    return f"cmpp:{person_id}:card:"


async def card_begin(
    session: AsyncSession, person_id: int, user_id: int, now: datetime
) -> str | None:
    """Record that a card is about to be sent; None when the person is no longer this
    volunteer's claim (nothing may be sent). The caller commits before sending."""
    still = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person_id,
            CampaignPerson.status == PersonStatus.CLAIMED,
            CampaignPerson.claimed_by == user_id,
        )
        .values(updated_at=CampaignPerson.updated_at)
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    if still is None:
        return None
    key = f"{_prefix(person_id)}{user_id}:{uuid.uuid4().hex[:12]}"
    await session.execute(
        insert_ignore(
            session,
            OutboxMessage,
            {
                "idempotency_key": key,
                "subject": f"cmpp:{person_id}",
                "chat_id": user_id,
                "priority": int(Priority.URGENT),
                "payload": PURGED,
                "edit_key": None,
                "personal": True,
                "status": OutboxStatus.SENT.value,
                "attempts": 1,
                "not_before": now,
                "next_attempt_at": now,
                "telegram_message_id": None,
                "created_at": now,
                "sent_at": now,
            },
        )
    )
    return key


async def card_shown(session: AsyncSession, key: str, telegram_message_id: int) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key)
        .values(telegram_message_id=telegram_message_id)
    )


async def card_not_sent(session: AsyncSession, key: str, reason: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key)
        .values(status=OutboxStatus.FAILED.value, last_error=reason[:500])
    )


async def hide_cards(session: AsyncSession, person_id: int, now: datetime, *, outcome: str) -> int:
    """Edit every card of the person down to the first name and ``outcome`` (through the
    outbox: edited, else deleted, else reported); a card is hidden once."""
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.chat_id).where(
                OutboxMessage.subject == f"cmpp:{person_id}",
                OutboxMessage.idempotency_key.like(f"{_prefix(person_id)}%"),
                OutboxMessage.edit_key.is_(None),
                OutboxMessage.status == OutboxStatus.SENT,
            )
        )
    ).all()
    if not rows:
        return 0
    full_name = await session.scalar(
        select(CampaignPerson.full_name).where(CampaignPerson.id == person_id)
    )
    message = OutgoingMessage(
        Text(
            key="call-card-hidden",
            args={"name": first_name(full_name or ""), "outcome": outcome},
        ),
        hide=True,
    )
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=chat_id,
                message=message,
                key=f"{key}:hidden",
                edit_key=key,
                priority=Priority.URGENT,
            )
            for key, chat_id in rows
        ],
        now,
    )
    return len(rows)
