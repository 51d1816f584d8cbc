"""Help requests, the domain side.

A request is offered to the approved, unpaused volunteers of its territory whose skills fit;
exactly one takes it (a conditional UPDATE); everyone offered it sees it taken; the requester
hears of every step. Messages go through the outbox in each recipient's language.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import details, request_history, volunteers
from bot.services import escalation_rules as rules
from bot.services.outbox import (
    Button,
    Outgoing,
    OutgoingMessage,
    Text,
    enqueue,
    enqueue_many,
)
from bot.services.sql import insert_ignore
from bot.services.users import locale_of, locales_of
from models import (
    EventKind,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Priority,
    RequestKind,
    RequestPush,
    RequestStatus,
    Territory,
    Volunteer,
    VolunteerStatus,
)

CONSENT_VERSION = "2026-11"


def quote_html(text: str) -> str:
    """Escape a value for the HTML parse mode (what aiogram's html.quote does)."""
    return escape(text, quote=False)


# What a volunteer must be able to do for each kind of request (None: anyone).
KIND_SKILLS: dict[str, str | None] = {
    RequestKind.GROCERIES: "delivery",
    RequestKind.MEDICINE: "delivery",
    RequestKind.UTILITIES: "utilities",
    RequestKind.COAL: "coal",
    RequestKind.SNOW: "household",
    RequestKind.HOUSEHOLD: "household",
    RequestKind.RIDE: "driving",
    RequestKind.OTHER: None,
}
OPEN = (RequestStatus.NEW, RequestStatus.TAKEN, RequestStatus.ON_WAY)
DECLINE_REASON_MAX = 300  # request_pushes.reason


@dataclass(frozen=True, slots=True)
class Draft:
    kind: str
    for_other: bool
    person_name: str
    territory_id: int
    address: str
    details: str
    urgency: str
    requester_id: int | None = None
    entered_by: int | None = None
    caller_phone: str | None = None
    person_age: int | None = None
    person_phone: str | None = None
    self_isolation: bool | None = None
    lat: float | None = None
    lon: float | None = None
    planned_on: date | None = None
    time_window: str | None = None
    form_token: str | None = None
    consent_at: datetime | None = None  # when consent was given (the form's step); else now
    details_file_id: str | None = None  # a voice note or photo given with the details
    details_file_kind: str | None = None


async def by_form_token(session: AsyncSession, token: str | None) -> HelpRequest | None:
    if token is None:
        return None
    return await session.scalar(select(HelpRequest).where(HelpRequest.form_token == token))


async def create(session: AsyncSession, draft: Draft, now: datetime) -> HelpRequest:
    """A new request. The caller looks up ``by_form_token`` first: a double tap on "Confirm"
    finds the request already made (and the unique ``form_token`` refuses a second one).
    Its window's end and its first escalation step are set from the territory's local time; a
    «today» request raised in quiet hours is held for the morning (offer_or_escalate alerts
    the coordinators on duty)."""
    territory = await session.get(Territory, draft.territory_id)
    tz = ZoneInfo(territory.timezone if territory is not None else "UTC")
    policy = rules.policy_of(session)
    hold = rules.quiet_hold(draft.urgency, now, tz, policy)
    start = hold or now
    request = HelpRequest(
        form_token=draft.form_token,
        requester_id=draft.requester_id,
        entered_by=draft.entered_by,
        caller_phone=draft.caller_phone,
        kind=draft.kind,
        for_other=draft.for_other,
        person_name=draft.person_name,
        person_age=draft.person_age,
        person_phone=draft.person_phone,
        self_isolation=draft.self_isolation,
        territory_id=draft.territory_id,
        address=draft.address,
        lat=draft.lat,
        lon=draft.lon,
        details=draft.details,
        details_file_id=draft.details_file_id,
        details_file_kind=draft.details_file_kind,
        urgency=draft.urgency,
        planned_on=draft.planned_on,
        time_window=draft.time_window,
        status=RequestStatus.NEW,
        push_round=0,
        audience=wave_size(session),  # the first wave (see offer)
        hold_until=hold,
        escalate_at=hold or rules.first_step_at(draft.urgency, draft.planned_on, now, tz, policy),
        due_at=rules.due_at(draft.urgency, draft.planned_on, draft.time_window, start, tz),
        door_code=f"{secrets.randbelow(10_000):04d}",
        consent_at=draft.consent_at or now,
        consent_version=CONSENT_VERSION,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    await request_history.record(
        session,
        request.id,
        EventKind.CREATED,
        now,
        actor_id=draft.requester_id or draft.entered_by,
        urgency=draft.urgency,
        hotline=draft.entered_by is not None,
    )
    return request


# --- who is offered a request: waves --------------------------------------------------------
# A request is not pushed to every fitting volunteer of a city at once (1,700 people woken for
# one bag of groceries, and 70 s of sending before the last of them sees it). Each round goes
# first to the OFFER_WAVE_SIZE least busy: fewest open tasks, then the least recently pushed
# (never pushed first), then the longest-standing. While nobody takes it, the audience
# doubles at ``widen_at`` (the waiting-requests job calls ``widen``), until everyone who fits
# has it: then ``audience`` becomes None and the request behaves as before waves, anyone who
# becomes available later is offered it at once. A territory with at most that many fitting
# volunteers never sees a second wave. A round begins at ``create``, ``cannot`` and
# ``reoffer``; ``audience`` None on a row (older than waves, or written by hand) means everyone.
WAVE_SIZE_INFO = "offer_wave_size"  # Session.info key: the app puts OFFER_WAVE_SIZE there
DEFAULT_WAVE_SIZE = 20
WIDEN_URGENT = timedelta(minutes=10)  # a request for today
WIDEN_LATER = timedelta(minutes=30)
PUSH_ROWS_PER_INSERT = 500  # 6 values a row: well under SQLite's and asyncpg's limits
NEVER = datetime.min.replace(tzinfo=UTC)  # sorts a volunteer never pushed before everyone


def wave_size(session: AsyncSession) -> int:
    """The first wave of a round (OFFER_WAVE_SIZE: the app configures its sessions with it)."""
    return int(session.info.get(WAVE_SIZE_INFO, DEFAULT_WAVE_SIZE))


def _widen_after(request: HelpRequest) -> timedelta:
    return WIDEN_URGENT if request.urgency == "today" else WIDEN_LATER


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int  # volunteer id
    user_id: int
    last_pushed_at: datetime | None = None


async def _candidates(
    session: AsyncSession, territory_id: int, skill: str | None, today: date
) -> list[Candidate]:
    """Approved, unpaused volunteers of a territory with ``skill``: ids only, not whole rows
    (a city has 1,700 of them)."""
    rows = await session.execute(
        select(Volunteer.id, Volunteer.user_id, Volunteer.skills, Volunteer.last_pushed_at).where(
            Volunteer.territory_id == territory_id,
            Volunteer.status == VolunteerStatus.APPROVED,
            or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= today),
        )
    )
    return [
        Candidate(volunteer_id, user_id, last_pushed_at)
        for volunteer_id, user_id, skills, last_pushed_at in rows.all()
        if skill is None or skill in (skills or ())
    ]


async def least_busy_first(
    session: AsyncSession, territory_id: int, candidates: list[Candidate]
) -> list[Candidate]:
    """``candidates`` (of one territory) ordered for a wave: fewest open tasks, then the least
    recently pushed (never pushed first: a newcomer, or someone passed over so far), then the
    longest-standing volunteer. One grouped query, from an index (the open tasks of the
    territory); when each was last pushed came with the candidates (kept by a trigger, see
    migration 0030), so a city's day of pushes (95,000 in a region's data) is not counted."""
    loads = dict(
        (
            await session.execute(
                select(HelpRequest.volunteer_id, func.count())
                .where(
                    HelpRequest.territory_id == territory_id,
                    HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
                )
                .group_by(HelpRequest.volunteer_id)
            )
        ).all()
    )
    return sorted(
        candidates,
        key=lambda c: (
            loads.get(c.id, 0),
            c.last_pushed_at is not None,
            c.last_pushed_at or NEVER,
            c.id,
        ),
    )


async def offer(
    session: AsyncSession,
    request: HelpRequest,
    now: datetime,
    *,
    take_data: str,
    default_locale: str,
    only: Collection[int] | None = None,
) -> list[int]:
    """Push the request to fitting volunteers of its territory not yet offered it in this
    round and who have not declined it (of ``only``, volunteer ids, when given), as many as
    the round's audience still has room for, the least busy first; returns their user ids.
    ``take_data`` is the packed callback data of the "Take" button. No name, phone or
    address is in a push.

    Safe to run at once with a take, a close or another offer of the same request (the
    scheduler's net, a hook, a second replica): the request is re-read under a conditional
    UPDATE (a request no longer searching gets no push with a live button; on PostgreSQL it
    also holds the row, so two offers count the room one after the other), and a push row
    that already exists is not pushed again."""
    state = (
        await session.execute(
            update(HelpRequest)
            .where(
                HelpRequest.id == request.id,
                HelpRequest.status == RequestStatus.NEW,
                # held for the morning (a «today» request raised in quiet hours)
                or_(HelpRequest.hold_until.is_(None), HelpRequest.hold_until <= now),
            )
            .values(updated_at=HelpRequest.updated_at)
            .returning(HelpRequest.push_round, HelpRequest.audience, HelpRequest.widen_at)
        )
    ).first()
    if state is None:
        return []
    push_round, audience, widen_at = state
    territory = await session.get(Territory, request.territory_id)
    assert territory is not None
    today = now.astimezone(ZoneInfo(territory.timezone)).date()
    pushes = (
        await session.execute(
            select(RequestPush.volunteer_id, RequestPush.push_round, RequestPush.declined).where(
                RequestPush.request_id == request.id
            )
        )
    ).all()
    declined = {volunteer_id for volunteer_id, _round, no in pushes if no}
    offered = {volunteer_id for volunteer_id, round_, _no in pushes if round_ == push_round}
    room = None if audience is None else audience - len(offered)
    if room is not None and room <= 0:
        return []
    eligible = [
        candidate
        for candidate in await _candidates(
            session, request.territory_id, KIND_SKILLS.get(request.kind), today
        )
        if candidate.id not in declined
        and candidate.id not in offered
        and candidate.user_id != request.requester_id  # nobody is offered their own request
        and (only is None or candidate.id in only)
    ]
    if not eligible:
        return []
    chosen = eligible
    if room is not None and len(eligible) > room:
        ranked = await least_busy_first(session, request.territory_id, eligible)
        chosen = ranked[:room]
        if widen_at is None:  # the others wait for the next wave
            await _set_wave(session, request.id, widen_at=now + _widen_after(request))
    elif room is not None and only is None:
        # Everyone who fits has it now: no more waves, later volunteers get it at once.
        await _set_wave(session, request.id, audience=None, widen_at=None)
    inserted = await _insert_pushes(session, request.id, push_round, chosen, now)
    chosen = [candidate for candidate in chosen if candidate.id in inserted]
    if chosen:
        await request_history.record(
            session, request.id, EventKind.OFFERED, now, round=push_round, volunteers=len(chosen)
        )
    locales = await locales_of(session, [c.user_id for c in chosen], default_locale)
    priority = _push_priority(request)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=candidate.user_id,
                message=OutgoingMessage(
                    Text(
                        key="request-push",
                        args={
                            "id": request.id,
                            "kind": request.kind,
                            "territory": quote_html(territory.name(locales[candidate.user_id])),
                            **when_args(request),
                        },
                    ),
                    buttons=[[Button(Text(key="btn-take-task"), callback_data=take_data)]],
                    locale=locales[candidate.user_id],
                ),
                key=_push_key(request.id, push_round, candidate.user_id),
                priority=priority,
            )
            for candidate in chosen
        ],
        now,
    )
    return [candidate.user_id for candidate in chosen]


_UNSET: Any = object()


async def _set_wave(
    session: AsyncSession,
    request_id: int,
    *,
    audience: int | None = _UNSET,
    widen_at: datetime | None = _UNSET,
) -> None:
    values: dict[str, Any] = {}
    if audience is not _UNSET:
        values["audience"] = audience
    if widen_at is not _UNSET:
        values["widen_at"] = widen_at
    await session.execute(update(HelpRequest).where(HelpRequest.id == request_id).values(**values))


async def _insert_pushes(
    session: AsyncSession,
    request_id: int,
    push_round: int,
    chosen: list[Candidate],
    now: datetime,
) -> set[int]:
    """The push rows, in multi-row INSERTs; returns the volunteer ids this call inserted
    (a concurrent offer that chose the same people inserted theirs and pushes them itself).
    In volunteer id order: each row's trigger writes its volunteer's ``last_pushed_at``, and
    two offers at once on PostgreSQL lock those rows in one order, so neither deadlocks."""
    chosen = sorted(chosen, key=lambda candidate: candidate.id)
    inserted: set[int] = set()
    for start in range(0, len(chosen), PUSH_ROWS_PER_INSERT):
        rows = [
            {
                "request_id": request_id,
                "volunteer_id": candidate.id,
                "push_round": push_round,
                "user_id": candidate.user_id,
                "declined": False,
                "created_at": now,
            }
            for candidate in chosen[start : start + PUSH_ROWS_PER_INSERT]
        ]
        inserted.update(
            (
                await session.scalars(
                    insert_ignore(session, RequestPush)
                    .values(rows)
                    .returning(RequestPush.volunteer_id)
                )
            ).all()
        )
    return inserted


async def widen_due(session: AsyncSession, now: datetime, *, limit: int = 50) -> list[int]:
    """Searching requests whose wave is due to widen, the longest waiting first."""
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(HelpRequest.status == RequestStatus.NEW, HelpRequest.widen_at <= now)
        .order_by(HelpRequest.widen_at, HelpRequest.id)
        .limit(limit)
    )
    return list(rows.all())


async def widen(
    session: AsyncSession,
    request_id: int,
    now: datetime,
    *,
    take_data: str,
    default_locale: str,
) -> list[int]:
    """Nobody took the request within its wave: the audience doubles and the next least busy
    are pushed (one conditional UPDATE: a widening that ran already, a take or a close in
    between make this one do nothing). Returns the user ids pushed."""
    widened = await session.scalar(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status == RequestStatus.NEW,
            HelpRequest.widen_at <= now,
            HelpRequest.audience.is_not(None),
        )
        .values(audience=HelpRequest.audience * 2, widen_at=None)
        .returning(HelpRequest.audience)
    )
    if widened is None:
        return []
    await request_history.record(session, request_id, EventKind.WIDENED, now, audience=widened)
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    assert request is not None
    return await offer(session, request, now, take_data=take_data, default_locale=default_locale)


def _push_key(request_id: int, push_round: int, user_id: int) -> str:
    return f"req:{request_id}:r{push_round}:push:{user_id}"


def _push_key_column() -> ColumnElement[str]:
    """``_push_key`` of a push row, in SQL (the same on SQLite and PostgreSQL)."""
    return (
        literal("req:", String)
        + cast(RequestPush.request_id, String)
        + literal(":r", String)
        + cast(RequestPush.push_round, String)
        + literal(":push:", String)
        + cast(RequestPush.user_id, String)
    )


LIVE_PUSH = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)


@dataclass(frozen=True, slots=True)
class LivePush:
    """A push someone holds (or is about to): its row exists, its message was sent or is on
    its way, not withdrawn, failed, blocked or deleted by retention."""

    user_id: int
    push_round: int
    priority: int
    not_before: datetime

    def edit(
        self,
        request_id: int,
        what: str,
        message: OutgoingMessage,
        *,
        at_most: Priority = Priority.URGENT,
    ) -> Outgoing:
        """The edit of this push: never more urgent than ``at_most`` nor than the push, never
        due before it, so it can never overtake it (and needs no lookup of it)."""
        return _push_edit(
            request_id,
            self.push_round,
            self.user_id,
            what,
            message,
            priority=Priority(max(self.priority, int(at_most))),
            not_before=self.not_before,
        )


async def live_pushes(
    session: AsyncSession,
    request_id: int,
    *,
    user_ids: Collection[int] | None = None,
    before_round: int | None = None,
) -> list[LivePush]:
    """The undeclined pushes of a request whose message is live: the ones a "taken", "closed"
    or "renewed" edit may go to. One query: the push rows (by the primary key) joined to
    their outbox rows (by the unique key)."""
    conditions: list[ColumnElement[bool]] = [
        RequestPush.request_id == request_id,
        RequestPush.declined.is_(False),
    ]
    if user_ids is not None:
        conditions.append(RequestPush.user_id.in_(user_ids))
    if before_round is not None:
        conditions.append(RequestPush.push_round < before_round)
    rows = await session.execute(
        select(
            RequestPush.user_id,
            RequestPush.push_round,
            OutboxMessage.priority,
            OutboxMessage.not_before,
        )
        .join(
            OutboxMessage,
            and_(
                OutboxMessage.idempotency_key == _push_key_column(),
                OutboxMessage.status.in_(LIVE_PUSH),
            ),
        )
        .where(*conditions)
    )
    return [LivePush(*row) for row in rows.all()]


def _push_edit(
    request_id: int,
    push_round: int,
    user_id: int,
    what: str,
    message: OutgoingMessage,
    **options: Any,
) -> Outgoing:
    """An edit of the push ``user_id`` got in ``push_round`` ("taken", "closed", "renewed"):
    one per push and kind, whoever enqueues it."""
    return Outgoing(
        chat_id=user_id,
        message=message,
        key=f"req:{request_id}:r{push_round}:{what}:{user_id}",
        edit_key=_push_key(request_id, push_round, user_id),
        **options,
    )


def when_args(request: HelpRequest) -> dict[str, str]:
    """Urgency, planned date and time window as message arguments (the texts choose the words:
    a window is a preset code or the requester's own words, escaped)."""
    return {
        "urgency": request.urgency,
        "planned": request.planned_on.strftime("%d.%m.%Y") if request.planned_on else "-",
        "window": quote_html(request.time_window or "any"),
    }


async def offer_or_escalate(
    session: AsyncSession,
    request: HelpRequest,
    now: datetime,
    *,
    take_data: str,
    default_locale: str,
    admin_ids: Collection[int],
) -> list[int]:
    """Offer the request; when nobody fits, the territory's coordinators and the HQ hear of it,
    so no request is left without an owner. The note names no person. A request held for the
    morning goes to the coordinators on duty instead (bot/services/escalation.py)."""
    if request.hold_until is not None and request.hold_until > now:
        from bot.services import escalation  # it builds on this module

        await escalation.held_for_morning(
            session, request, now, default_locale=default_locale, admin_ids=admin_ids
        )
        return []
    offered = await offer(session, request, now, take_data=take_data, default_locale=default_locale)
    if offered:
        return offered
    territory = await session.get(Territory, request.territory_id)
    for coordinator_id in await volunteers.coordinators_of(
        session, request.territory_id, admin_ids
    ):
        locale = await locale_of(session, coordinator_id, default_locale)
        await enqueue(
            session,
            chat_id=coordinator_id,
            message=OutgoingMessage(
                Text(
                    key="coord-request-unmatched",
                    args={
                        "id": request.id,
                        "kind": request.kind,
                        "territory": quote_html(territory.name(locale) if territory else "?"),
                    },
                ),
                locale=locale,
            ),
            key=f"req:{request.id}:r{request.push_round}:unmatched:{coordinator_id}",
            now=now,
        )
    return []


async def was_offered(session: AsyncSession, request_id: int, volunteer_id: int) -> bool:
    """Only a volunteer the request was pushed to (and who has not declined it) may take it:
    a forged button from elsewhere must not open a stranger's address."""
    declined = await session.scalar(
        select(RequestPush.declined)
        .where(RequestPush.request_id == request_id, RequestPush.volunteer_id == volunteer_id)
        .order_by(RequestPush.push_round.desc())
        .limit(1)
    )
    return declined is False


@dataclass(frozen=True, slots=True)
class TakeResult:
    won: bool
    request: HelpRequest


async def take(
    session: AsyncSession, request_id: int, volunteer: Volunteer, now: datetime
) -> TakeResult | None:
    """However many press at once, one conditional UPDATE lets exactly one win. The winner's
    fellow volunteers see the push edited to "taken"; the requester is told who is coming.
    Three statements for the winner (the update, who was offered it, one insert of every
    message): it is the hot path of a crowd pressing at once."""
    won = (
        await session.scalars(
            update(HelpRequest)
            .where(HelpRequest.id == request_id, HelpRequest.status == RequestStatus.NEW)
            .values(
                status=RequestStatus.TAKEN,
                volunteer_id=volunteer.id,
                taken_at=now,
                updated_at=now,
                **taken_values(session, now),
            )
            .returning(HelpRequest),
            execution_options={"populate_existing": True},
        )
    ).first()
    if won is None:
        request = await session.get(HelpRequest, request_id, populate_existing=True)
        return None if request is None else TakeResult(False, request)
    await request_history.record(
        session, won.id, EventKind.TAKEN, now, actor_id=volunteer.user_id, volunteer_id=volunteer.id
    )
    await _taken(session, won, volunteer, now)
    return TakeResult(True, won)


async def _taken(
    session: AsyncSession, request: HelpRequest, volunteer: Volunteer, now: datetime
) -> None:
    """After the conditional update that gave ``volunteer`` the request: everyone else offered
    it sees it taken, the requester hears who is coming."""
    # Every live push of every round (a coordinator's "offer again" leaves the earlier push of
    # someone not offered it again live); a round's edits already made are not made twice.
    taken = OutgoingMessage(Text(key="request-taken-by-other", args={"id": request.id}))
    messages = [
        push.edit(request.id, "taken", taken)
        for push in await live_pushes(session, request.id)
        if push.user_id != volunteer.user_id
    ]
    told = _requester_message(
        request,
        "request-taken",
        {"name": quote_html(volunteer.name.split()[0]), "code": request.door_code},
    )
    await enqueue_many(
        session, [*messages, *([told] if told else [])], now, look_up_originals=False
    )


def taken_values(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """What a take, an assignment or a replacement sets besides the holder: no more circles;
    the reminder is due at the window's end, and never sooner than the time to answer it."""
    soonest = now + rules.policy_of(session).answer
    return {
        "escalate_at": None,
        "hold_until": None,
        "remind_state": rules.NOT_ASKED,
        "remind_at": case(
            (HelpRequest.due_at > soonest, HelpRequest.due_at),
            else_=literal(soonest, HelpRequest.due_at.type),
        ),
    }


def _push_priority(request: HelpRequest) -> Priority:
    return Priority.URGENT if request.urgency == "today" else Priority.NORMAL


def _requester_message(
    request: HelpRequest, key: str, args: dict[str, str | int], *, stars: bool = False
) -> Outgoing | None:
    """``stars``: the message carries the rating stars, so rating takes one tap."""
    if request.requester_id is None:  # a hotline caller: the operator's list shows it
        return None
    return Outgoing(
        chat_id=request.requester_id,
        message=OutgoingMessage(
            Text(key=key, args={"id": request.id, **args}),
            stars_for=request.id if stars else None,
        ),
        key=f"req:{request.id}:{key}:{request.push_round}",
        priority=Priority.URGENT,
        personal=True,  # names a volunteer, a code or a coordinator's reason
    )


async def _tell_requester(
    session: AsyncSession,
    request: HelpRequest,
    key: str,
    now: datetime,
    args: dict[str, str | int],
    *,
    stars: bool = False,
) -> None:
    told = _requester_message(request, key, args, stars=stars)
    if told is not None:
        await enqueue_many(session, [told], now, look_up_originals=False)


async def on_my_way(
    session: AsyncSession, request: HelpRequest, volunteer: Volunteer, now: datetime
) -> bool:
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request.id,
            HelpRequest.volunteer_id == volunteer.id,
            HelpRequest.status == RequestStatus.TAKEN,
        )
        .values(status=RequestStatus.ON_WAY, updated_at=now)
        .returning(HelpRequest.id)
    )
    if result.scalar() is None:
        return False
    await request_history.record(
        session, request.id, EventKind.ON_WAY, now, actor_id=volunteer.user_id
    )
    await _tell_requester(session, request, "request-on-way", now, {})
    return True


async def complete(
    session: AsyncSession,
    request: HelpRequest,
    volunteer: Volunteer,
    *,
    hours: float,
    report: str,
    now: datetime,
    receipt_file_id: str | None = None,
) -> bool:
    """Done: the hours go to the volunteer's record, the requester is told."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request.id,
            HelpRequest.volunteer_id == volunteer.id,
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
        )
        .values(
            status=RequestStatus.DONE,
            hours=hours,
            report=report,
            receipt_file_id=receipt_file_id,
            done_at=now,
            updated_at=now,
        )
        .returning(HelpRequest.id)
    )
    if result.scalar() is None:
        return False
    await request_history.record(
        session, request.id, EventKind.DONE, now, actor_id=volunteer.user_id, hours=hours
    )
    await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer.id)
        .values(hours=Volunteer.hours + hours, tasks_done=Volunteer.tasks_done + 1, updated_at=now)
    )
    # The task is over: its cards keep only what the volunteer's own record needs.
    done_on = await volunteers.local_today(session, request.territory_id, now)
    await details.hide(
        session,
        request.id,
        now,
        user_id=volunteer.user_id,
        text=Text(
            key="task-details-done",
            args={
                "id": request.id,
                "kind": request.kind,
                "date": done_on.strftime("%d.%m.%Y"),
                "hours": hours,
            },
        ),
    )
    await _tell_requester(session, request, "request-done", now, {}, stars=True)
    return True


async def cannot(
    session: AsyncSession,
    request: HelpRequest,
    volunteer: Volunteer,
    *,
    reason: str,
    now: datetime,
    take_data: str,
    default_locale: str,
    admin_ids: Collection[int],
) -> bool:
    """The volunteer cannot do it: back to "new", offered again, never to them (or, when
    nobody else fits, to the coordinators). The reason stays for the coordinators' card."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request.id,
            HelpRequest.volunteer_id == volunteer.id,
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
        )
        .values(
            status=RequestStatus.NEW,
            volunteer_id=None,
            taken_at=None,
            push_round=HelpRequest.push_round + 1,
            audience=wave_size(session),  # a new round starts with a first wave again
            widen_at=None,
            # the circles start again from the territory
            circle=rules.TERRITORY,
            escalate_at=now + rules.policy_of(session).step(request.urgency),
            remind_state=rules.NOT_ASKED,
            remind_at=None,
            updated_at=now,
        )
        .returning(HelpRequest.id)
    )
    if result.scalar() is None:
        return False
    await request_history.record(
        session,
        request.id,
        EventKind.CANNOT,
        now,
        actor_id=volunteer.user_id,
        volunteer_id=volunteer.id,
        reason=reason,
    )
    await session.execute(
        update(RequestPush)
        .where(RequestPush.request_id == request.id, RequestPush.volunteer_id == volunteer.id)
        .values(declined=True, reason=reason[:DECLINE_REASON_MAX])
    )
    await details.hide(session, request.id, now, user_id=volunteer.user_id)
    await session.refresh(request)
    await _tell_requester(session, request, "request-searching-again", now, {})
    await offer_or_escalate(
        session,
        request,
        now,
        take_data=take_data,
        default_locale=default_locale,
        admin_ids=admin_ids,
    )
    return True


async def release_tasks(
    session: AsyncSession,
    volunteer: Volunteer,
    *,
    reason: str,
    now: datetime,
    take_data: Callable[[int], str],
    default_locale: str,
    admin_ids: Collection[int],
) -> int:
    """A volunteer who leaves, is blocked or erases their data hands their open tasks back:
    each is offered to the others (and its requester told). Returns how many."""
    open_tasks = await open_tasks_of(session, volunteer.id)
    for task in open_tasks:
        await cannot(
            session,
            task,
            volunteer,
            reason=reason,
            now=now,
            take_data=take_data(task.id),
            default_locale=default_locale,
            admin_ids=admin_ids,
        )
    return len(open_tasks)


async def declines_of(session: AsyncSession, request_id: int) -> list[tuple[int, str | None]]:
    """(volunteer id, reason) of everyone who said they cannot do this request."""
    rows = await session.execute(
        select(RequestPush.volunteer_id, RequestPush.reason)
        .where(RequestPush.request_id == request_id, RequestPush.declined.is_(True))
        .distinct()
    )
    return [(row[0], row[1]) for row in rows.all()]


async def _close(
    session: AsyncSession,
    request_id: int,
    status: RequestStatus,
    now: datetime,
    *,
    requester_id: int | None = None,
    reason: str | None = None,
) -> HelpRequest | None:
    """Close an open request (only its requester's, when ``requester_id`` is given); everyone
    still holding its push or the task sees it closed. None: it was not open."""
    conditions = [HelpRequest.id == request_id, HelpRequest.status.in_(OPEN)]
    if requester_id is not None:
        conditions.append(HelpRequest.requester_id == requester_id)
    result = await session.execute(
        update(HelpRequest)
        .where(*conditions)
        .values(status=status, close_reason=reason, updated_at=now)
        .returning(HelpRequest.volunteer_id)
    )
    row = result.first()
    if row is None:
        return None
    await request_history.record(
        session,
        request_id,
        EventKind.FAILED if status == RequestStatus.FAILED else EventKind.CANCELLED,
        now,
        actor_id=requester_id,
        reason=reason,
    )
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    assert request is not None
    if row[0] is not None:
        volunteer = await session.get(Volunteer, row[0])
        if volunteer is not None:
            await enqueue(
                session,
                chat_id=volunteer.user_id,
                message=OutgoingMessage(Text(key="request-cancelled", args={"id": request.id})),
                key=f"req:{request.id}:closed:task",
                now=now,
                priority=Priority.URGENT,
            )
            await details.hide(session, request.id, now, user_id=volunteer.user_id)
    else:  # still searching: the offers no longer stand
        closed = OutgoingMessage(Text(key="request-push-closed", args={"id": request.id}))
        await enqueue_many(
            session,
            [
                push.edit(request.id, "closed", closed, at_most=Priority.NORMAL)
                for push in await live_pushes(session, request.id)
            ],
            now,
            look_up_originals=False,
        )
    return request


async def cancel(
    session: AsyncSession, request: HelpRequest, requester_id: int, now: datetime
) -> bool:
    """The requester cancels an open request; a volunteer who took it is told."""
    closed = await _close(
        session, request.id, RequestStatus.CANCELLED, now, requester_id=requester_id
    )
    return closed is not None


async def fail(session: AsyncSession, request_id: int, reason: str, now: datetime) -> bool:
    """A coordinator closes a request that could not be helped; the requester learns why."""
    request = await _close(session, request_id, RequestStatus.FAILED, now, reason=reason)
    if request is None:
        return False
    await _tell_requester(session, request, "request-failed", now, {"reason": quote_html(reason)})
    return True


async def rate(
    session: AsyncSession, request_id: int, requester_id: int, rating: int, now: datetime
) -> bool:
    """The requester rates a done request once; the volunteer receives the thanks at once (a
    comment, if any, follows with ``add_comment``)."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.requester_id == requester_id,
            HelpRequest.status == RequestStatus.DONE,
            HelpRequest.rating.is_(None),
        )
        .values(rating=rating, updated_at=now)
        .returning(HelpRequest.volunteer_id)
    )
    row = result.first()
    if row is None:
        return False
    await _tell_volunteer(
        session,
        row[0],
        Text(
            key="request-thanks",
            args={"id": request_id, "stars": "★" * rating + "☆" * (5 - rating)},
        ),
        f"req:{request_id}:thanks",
        now,
    )
    return True


async def add_comment(
    session: AsyncSession, request_id: int, requester_id: int, comment: str, now: datetime
) -> bool:
    """Words of thanks after the rating, once; they reach the volunteer."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.requester_id == requester_id,
            HelpRequest.rating.is_not(None),
            HelpRequest.rating_comment.is_(None),
        )
        .values(rating_comment=comment, updated_at=now)
        .returning(HelpRequest.volunteer_id)
    )
    row = result.first()
    if row is None:
        return False
    await _tell_volunteer(
        session,
        row[0],
        Text(key="request-thanks-comment", args={"id": request_id, "comment": quote_html(comment)}),
        f"req:{request_id}:thanks-comment",
        now,
    )
    return True


async def _tell_volunteer(
    session: AsyncSession, volunteer_id: int | None, text: Text, key: str, now: datetime
) -> None:
    volunteer = await session.get(Volunteer, volunteer_id) if volunteer_id is not None else None
    if volunteer is None:
        return
    await enqueue(
        session,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(text),
        key=key,
        now=now,
        personal=True,
    )


async def requests_of(
    session: AsyncSession, requester_id: int, *, limit: int = 20
) -> list[HelpRequest]:
    rows = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.requester_id == requester_id)
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def open_tasks_of(session: AsyncSession, volunteer_id: int) -> list[HelpRequest]:
    """The tasks a volunteer holds now, oldest first."""
    rows = await session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.volunteer_id == volunteer_id,
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
        )
        .order_by(HelpRequest.taken_at, HelpRequest.id)
    )
    return list(rows.all())


async def tasks_of(
    session: AsyncSession, volunteer_id: int, *, done_limit: int = 10
) -> tuple[list[HelpRequest], list[HelpRequest]]:
    """A volunteer's open tasks (oldest first) and latest done ones."""
    done_rows = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.volunteer_id == volunteer_id, HelpRequest.status == RequestStatus.DONE)
        .order_by(HelpRequest.done_at.desc(), HelpRequest.id.desc())
        .limit(done_limit)
    )
    return await open_tasks_of(session, volunteer_id), list(done_rows.all())


ERASED = "—"


async def erase_request(session: AsyncSession, request_id: int, now: datetime) -> bool:
    """The bounded part of erasing a request, on the person's demand: an open request is
    cancelled first (whoever holds the task or its offer is told), so nobody goes to an
    address that is no longer there; then the personal data of the person helped (and the
    requester's words about them) go, its details messages are hidden and the decline
    reasons dropped. Kind, territory, dates, status, hours and rating stay for the reports.

    What was written about the request elsewhere grows with its pushes (outbox payloads,
    audit details): bot.services.erasure purges it next, in batches. Idempotent. False: no
    such request."""
    return bool(await erase_requests(session, [request_id], now))


async def erase_requests(
    session: AsyncSession, request_ids: Collection[int], now: datetime
) -> list[int]:
    """``erase_request`` for several requests at once (a person's, a group at a time): a
    statement for each part over all of them, not one per request; returns those that
    exist."""
    still_open = (
        await session.scalars(
            select(HelpRequest.id)
            .where(HelpRequest.id.in_(request_ids), HelpRequest.status.in_(OPEN))
            .order_by(HelpRequest.id)
        )
    ).all()
    for request_id in still_open:
        await _close(session, request_id, RequestStatus.CANCELLED, now)
    erased = sorted(
        (
            await session.scalars(
                update(HelpRequest)
                .where(HelpRequest.id.in_(request_ids))
                .values(
                    person_name=ERASED,
                    person_phone=None,
                    person_age=None,
                    self_isolation=None,  # health data
                    caller_phone=None,
                    address=ERASED,
                    lat=None,
                    lon=None,
                    details=ERASED,
                    details_file_id=None,
                    details_file_kind=None,
                    report=None,
                    receipt_file_id=None,
                    rating_comment=None,
                    close_reason=None,
                    updated_at=now,
                )
                .returning(HelpRequest.id)
            )
        ).all()
    )
    if not erased:
        return []
    await details.hide_all(session, erased, now)
    await request_history.scrub(session, *erased)
    await session.execute(  # only the rows that hold a reason: the push rows are many
        update(RequestPush)
        .where(RequestPush.request_id.in_(erased), RequestPush.reason.is_not(None))
        .values(reason=None)
    )
    return erased


# --- nobody left out: unattended requests, offering again, assigning -----------------------------
def _unattended_condition() -> ColumnElement[bool]:
    """A searching request that nobody has been offered in its current round: no volunteer
    fitted when it was offered, so only a coordinator (or a volunteer who comes later) can
    help."""
    return and_(
        HelpRequest.status == RequestStatus.NEW,
        ~exists().where(
            RequestPush.request_id == HelpRequest.id,
            RequestPush.push_round == HelpRequest.push_round,
        ),
    )


async def unattended_ids(session: AsyncSession, request_ids: Collection[int]) -> set[int]:
    """Which of these requests are unattended."""
    if not request_ids:
        return set()
    rows = await session.scalars(
        select(HelpRequest.id).where(HelpRequest.id.in_(request_ids), _unattended_condition())
    )
    return set(rows.all())


async def count_unattended(session: AsyncSession, territory_ids: frozenset[int] | None) -> int:
    """Unattended requests in a coordinator's territories (None: every territory)."""
    conditions = [_unattended_condition()]
    if territory_ids is not None:
        conditions.append(HelpRequest.territory_id.in_(territory_ids))
    return await session.scalar(select(func.count(HelpRequest.id)).where(*conditions)) or 0


async def offer_waiting(
    session: AsyncSession,
    now: datetime,
    *,
    take_data: Callable[[int], str],
    default_locale: str,
    volunteer_id: int | None = None,
) -> int:
    """Offer searching requests to fitting volunteers who were not offered them yet: someone
    approved, back from a pause, unblocked or with new skills since the request was made.
    Only the pairs that can still fit are looked at (one query), so it is cheap to run often
    (the scheduler) and right after such a change (``volunteer_id``): a request whose wave is
    full is left to its widening. Returns pushes sent."""
    pushed_this_round = (
        select(func.count())
        .select_from(RequestPush)
        .where(
            RequestPush.request_id == HelpRequest.id,
            RequestPush.push_round == HelpRequest.push_round,
        )
        .correlate(HelpRequest)
        .scalar_subquery()
    )
    pairs = select(HelpRequest.id, Volunteer.id, Volunteer.skills, HelpRequest.kind).where(
        HelpRequest.status == RequestStatus.NEW,
        or_(HelpRequest.audience.is_(None), pushed_this_round < HelpRequest.audience),
        Volunteer.territory_id == HelpRequest.territory_id,
        Volunteer.status == VolunteerStatus.APPROVED,
        # Paused ones only when the pause may have ended in some time zone (offer() checks
        # the territory's own date): a long pause is not looked at again every minute.
        or_(
            Volunteer.paused_until.is_(None),
            Volunteer.paused_until <= (now + timedelta(days=1)).date(),
        ),
        or_(HelpRequest.requester_id.is_(None), Volunteer.user_id != HelpRequest.requester_id),
        ~exists().where(
            RequestPush.request_id == HelpRequest.id,
            RequestPush.volunteer_id == Volunteer.id,
            or_(RequestPush.push_round == HelpRequest.push_round, RequestPush.declined.is_(True)),
        ),
    )
    if volunteer_id is not None:
        pairs = pairs.where(Volunteer.id == volunteer_id)
    fitting: dict[int, set[int]] = {}
    for request_id, candidate_id, skills, kind in (await session.execute(pairs)).all():
        skill = KIND_SKILLS.get(kind)
        if skill is None or skill in (skills or ()):
            fitting.setdefault(request_id, set()).add(candidate_id)
    sent = 0
    for request_id, candidates in sorted(fitting.items()):
        request = await session.get(HelpRequest, request_id)
        if request is None:
            continue
        # offer() checks the pause in the territory's time zone and the round once more.
        sent += len(
            await offer(
                session,
                request,
                now,
                take_data=take_data(request_id),
                default_locale=default_locale,
                only=candidates,
            )
        )
    return sent


async def reoffer(
    session: AsyncSession,
    request_id: int,
    seen_round: int,
    now: datetime,
    *,
    take_data: str,
    default_locale: str,
    actor_id: int | None = None,
) -> list[int] | None:
    """A coordinator offers a searching request again: a new round, whose first wave goes to
    the least busy fitting volunteers who have not declined it (the ones pushed lately come
    last, so it reaches new people; in a small territory it is everyone), and the earlier
    push of whoever gets it again says so. ``seen_round`` is the
    round the coordinator's card showed, so a double press or two coordinators at once make
    one new round, not a flood of pushes. Returns the user ids pushed (empty: nobody fits);
    None: the request is no longer searching, or was offered again meanwhile."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status == RequestStatus.NEW,
            HelpRequest.push_round == seen_round,
        )
        .values(
            push_round=HelpRequest.push_round + 1,
            audience=wave_size(session),  # a new round starts with a first wave again
            widen_at=None,
            hold_until=None,  # a coordinator's choice, even at night
            updated_at=now,
        )
        .returning(HelpRequest.push_round)
    )
    new_round = result.scalar()
    if new_round is None:
        return None
    await request_history.record(
        session, request_id, EventKind.REOFFERED, now, actor_id=actor_id, round=new_round
    )
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    assert request is not None
    offered = await offer(session, request, now, take_data=take_data, default_locale=default_locale)
    # Whoever was not offered it again keeps their earlier push: it still works, and the
    # "taken" or "closed" edit reaches it like any live push.
    earlier = (
        await live_pushes(session, request_id, user_ids=offered, before_round=request.push_round)
        if offered
        else []
    )
    renewed = OutgoingMessage(Text(key="request-push-renewed", args={"id": request_id}))
    await enqueue_many(
        session,
        [push.edit(request_id, "renewed", renewed, at_most=Priority.NORMAL) for push in earlier],
        now,
        look_up_originals=False,
    )
    return offered


async def assignable(
    session: AsyncSession, request: HelpRequest, today: date
) -> list[tuple[Volunteer, int]]:
    """Volunteers a coordinator may assign a request to: approved and unpaused in its
    territory, not its requester and not among those who said they cannot; fitting skills
    first, then fewer open tasks, then name. Each with their open tasks count."""
    declined = set(
        (
            await session.scalars(
                select(RequestPush.volunteer_id).where(
                    RequestPush.request_id == request.id, RequestPush.declined.is_(True)
                )
            )
        ).all()
    )
    everyone = await volunteers.available_in(session, request.territory_id, None, today)
    chosen = [v for v in everyone if v.id not in declined and v.user_id != request.requester_id]
    loads = dict(
        (
            await session.execute(
                select(HelpRequest.volunteer_id, func.count(HelpRequest.id))
                .where(
                    HelpRequest.volunteer_id.in_([v.id for v in chosen]),
                    HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
                )
                .group_by(HelpRequest.volunteer_id)
            )
        ).all()
    )
    skill = KIND_SKILLS.get(request.kind)
    chosen.sort(
        key=lambda v: (skill is not None and skill not in v.skills, loads.get(v.id, 0), v.name)
    )
    return [(v, int(loads.get(v.id, 0))) for v in chosen]


async def assign(
    session: AsyncSession,
    request_id: int,
    volunteer: Volunteer,
    now: datetime,
    *,
    open_data: str,
    default_locale: str,
    actor_id: int | None = None,
) -> HelpRequest | None:
    """A coordinator gives a searching request to a chosen volunteer (the same conditional
    UPDATE as "Take": if a volunteer took it meanwhile, nothing changes). The volunteer is
    told, with a button that opens the details (recorded like any details message); everyone
    offered it sees it taken; the requester hears who is coming. None: no longer searching."""
    won = (
        await session.scalars(
            update(HelpRequest)
            .where(HelpRequest.id == request_id, HelpRequest.status == RequestStatus.NEW)
            .values(
                status=RequestStatus.TAKEN,
                volunteer_id=volunteer.id,
                taken_at=now,
                updated_at=now,
                **taken_values(session, now),
            )
            .returning(HelpRequest),
            execution_options={"populate_existing": True},
        )
    ).first()
    if won is None:
        return None
    await request_history.record(
        session, won.id, EventKind.ASSIGNED, now, actor_id=actor_id, volunteer_id=volunteer.id
    )
    # A push row of their own, so "cannot" later marks them as declined like anyone else.
    await session.execute(
        insert_ignore(
            session,
            RequestPush,
            {
                "request_id": won.id,
                "volunteer_id": volunteer.id,
                "push_round": won.push_round,
                "user_id": volunteer.user_id,
                "declined": False,
                "created_at": now,
            },
        )
    )
    await _taken(session, won, volunteer, now)
    territory = await session.get(Territory, won.territory_id)
    locale = await locale_of(session, volunteer.user_id, default_locale)
    await enqueue(
        session,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(
            Text(
                key="task-assigned",
                args={
                    "id": won.id,
                    "kind": won.kind,
                    "territory": quote_html(territory.name(locale) if territory else "?"),
                    **when_args(won),
                },
            ),
            buttons=[[Button(Text(key="btn-open-assigned", args={"id": won.id}), open_data)]],
            locale=locale,
        ),
        key=f"req:{won.id}:r{won.push_round}:assigned:{volunteer.user_id}",
        now=now,
        priority=Priority.URGENT,
    )
    return won
