"""Recurring help (issue 19): coal, snow, weekly groceries, a weekly call to a lonely senior.

A series is the template of a request that repeats (models/series.py): weekly on chosen days,
every N days or monthly (a ``timing.RepeatRule``, the reminders' rules), until a date or
open-ended. At each occurrence's moment, in the territory's time zone, ``tick`` makes it its
own help request (``series_id`` + ``occurrence_on`` unique: a tick run twice, or by two
replicas, makes it once) copied from the template request. It goes first to the volunteer of
the previous occurrence alone (a push with «Take» / «Cannot», ``series_accept_until``), then,
on their «Cannot» or when that time is up, to everyone fitting (``offer_or_escalate``).
The requester and the coordinators in scope pause, resume, skip the next occurrence or end
a series with one tap; a requester's erasure ends theirs. Everything the bot says on its own
goes through the outbox with an idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import help_requests, request_history
from bot.services.outbox import Button, OutgoingMessage, Text, enqueue
from bot.services.timing import WEEKDAYS, RepeatRule
from models import (
    HelpRequest,
    RequestPush,
    RequestSeries,
    RequestStatus,
    SeriesStatus,
    Territory,
    Volunteer,
    VolunteerStatus,
)

logger = logging.getLogger(__name__)

ACCEPT_INFO = "series_accept_hours"  # Session.info key: the app puts SERIES_ACCEPT_HOURS there
DEFAULT_ACCEPT_HOURS = 4.0
MAX_LATENESS = timedelta(hours=12)  # an occurrence later than this (the bot was down) is skipped
EVERY_DAYS_MAX = 60
DUE_PER_TICK = 100

# Kinds of repeat the set-up form offers.
WEEKLY, EVERY, MONTHLY = "weekly", "every", "monthly"

# The history of an occurrence (request_history): kinds of its own.
EV_OCCURRENCE = "series_occurrence"
EV_FIRST_OFFER = "series_first_offer"
EV_DECLINED = "series_declined"
EV_TIMEOUT = "series_timeout"


class SeriesError(ValueError):
    """A rule the form should not have let through."""


def accept_window(session: AsyncSession) -> timedelta:
    return timedelta(hours=float(session.info.get(ACCEPT_INFO, DEFAULT_ACCEPT_HOURS)))


def rule_text(
    repeat: str, at: time, *, days: Collection[str] = (), every: int = 0, day: int = 0
) -> str:
    """The RepeatRule text of a form's answers (validated by parsing it)."""
    clock = at.strftime("%H:%M")
    if repeat == WEEKLY:
        ordered = [d for d in WEEKDAYS if d in set(days)]
        if not ordered:
            raise SeriesError("no weekdays")
        text = f"weekly {','.join(ordered)} {clock}"
    elif repeat == EVERY:
        if not 1 <= every <= EVERY_DAYS_MAX:
            raise SeriesError("every N days out of range")
        text = f"every {every}d"
    elif repeat == MONTHLY:
        if not 1 <= day <= 31:
            raise SeriesError("day of month out of range")
        text = f"monthly {day} {clock}"
    else:
        raise SeriesError(f"unknown repeat {repeat!r}")
    return RepeatRule.parse(text).text


def rule_of_answers(answers: Mapping[str, Any]) -> tuple[str, time]:
    """The rule and the time of day a schedule form's answers describe (``repeat``, ``days``,
    ``every``, ``mday``, ``at``): recurring help and a care team's visits ask the same."""
    at = time.fromisoformat(answers["at"])
    rule = rule_text(
        answers["repeat"],
        at,
        days=answers.get("days") or (),
        every=int(answers.get("every") or 0),
        day=int(answers.get("mday") or 0),
    )
    return rule, at


def first_at(rule: RepeatRule, at: time, now: datetime, tz: ZoneInfo) -> datetime:
    """The first occurrence strictly after ``now``: the rule's own for days and weeks and
    months; for "every N days", the next ``at`` (local), from which the interval counts."""
    if rule.interval is None:
        return rule.next_after(now, now, tz)
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), at, tzinfo=tz).astimezone(UTC)
    if moment > now:
        return moment
    # tomorrow at ``at`` local (not 24 h on: a DST change would move the hour)
    return datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz).astimezone(UTC)


async def _zone(session: AsyncSession, territory_id: int) -> ZoneInfo:
    territory = await session.get(Territory, territory_id)
    return ZoneInfo(territory.timezone) if territory is not None else ZoneInfo("UTC")


async def by_form_token(session: AsyncSession, token: str | None) -> RequestSeries | None:
    if token is None:
        return None
    return await session.scalar(select(RequestSeries).where(RequestSeries.form_token == token))


async def of_request(session: AsyncSession, request_id: int) -> RequestSeries | None:
    """The live series a request began or belongs to, if any."""
    request = await session.get(HelpRequest, request_id)
    conditions = [RequestSeries.template_request_id == request_id]
    if request is not None and request.series_id is not None:
        conditions.append(RequestSeries.id == request.series_id)
    return await session.scalar(
        select(RequestSeries)
        .where(or_(*conditions), RequestSeries.status != SeriesStatus.ENDED)
        .order_by(RequestSeries.id.desc())
        .limit(1)
    )


async def start(
    session: AsyncSession,
    template: HelpRequest,
    *,
    rule: str,
    at: time,
    until: date | None,
    actor_id: int,
    now: datetime,
    form_token: str | None = None,
) -> RequestSeries:
    """A request starts repeating. Its volunteer (if one took it) is offered the first
    occurrence first."""
    parsed = RepeatRule.parse(rule)
    tz = await _zone(session, template.territory_id)
    series = RequestSeries(
        requester_id=template.requester_id,
        created_by=actor_id,
        template_request_id=template.id,
        territory_id=template.territory_id,
        kind=template.kind,
        rule=parsed.text,
        until=until,
        next_at=first_at(parsed, at, now, tz),
        status=SeriesStatus.ACTIVE,
        last_volunteer_id=template.volunteer_id
        if template.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY, RequestStatus.DONE)
        else None,
        occurrences=0,
        form_token=form_token,
        created_at=now,
        updated_at=now,
    )
    session.add(series)
    await session.flush()
    return series


async def series_of(session: AsyncSession, requester_id: int) -> list[RequestSeries]:
    """A requester's series that are not over, newest first."""
    rows = await session.scalars(
        select(RequestSeries)
        .where(
            RequestSeries.requester_id == requester_id,
            RequestSeries.status != SeriesStatus.ENDED,
        )
        .order_by(RequestSeries.id.desc())
        .limit(20)
    )
    return list(rows.all())


async def in_scope(
    session: AsyncSession, territory_ids: frozenset[int] | None, *, limit: int = 30
) -> list[RequestSeries]:
    """Series that are not over, of these territories (None: every one), newest first."""
    query = select(RequestSeries).where(RequestSeries.status != SeriesStatus.ENDED)
    if territory_ids is not None:
        query = query.where(RequestSeries.territory_id.in_(territory_ids))
    rows = await session.scalars(query.order_by(RequestSeries.id.desc()).limit(limit))
    return list(rows.all())


async def local_next(session: AsyncSession, series: RequestSeries) -> datetime | None:
    if series.next_at is None:
        return None
    return series.next_at.astimezone(await _zone(session, series.territory_id))


# --- one tap: pause, resume, skip, end --------------------------------------------------------
async def pause(session: AsyncSession, series_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(RequestSeries)
        .where(RequestSeries.id == series_id, RequestSeries.status == SeriesStatus.ACTIVE)
        .values(status=SeriesStatus.PAUSED, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def resume(session: AsyncSession, series_id: int, now: datetime) -> bool:
    """Back on: the next occurrence is the first one still ahead."""
    series = await session.get(RequestSeries, series_id, populate_existing=True)
    if series is None or series.status != SeriesStatus.PAUSED or series.next_at is None:
        return False
    tz = await _zone(session, series.territory_id)
    following = (
        RepeatRule.parse(series.rule).next_after(series.next_at, now, tz)
        if series.next_at <= now
        else series.next_at
    )
    result = await session.execute(
        update(RequestSeries)
        .where(RequestSeries.id == series_id, RequestSeries.status == SeriesStatus.PAUSED)
        .values(status=SeriesStatus.ACTIVE, next_at=following, updated_at=now)
    )
    await session.refresh(series)
    return bool(getattr(result, "rowcount", 0))


async def skip(
    session: AsyncSession, series_id: int, seen_next: datetime | None, now: datetime
) -> date | None:
    """The next occurrence will not be made; returns its local date. ``seen_next`` is the
    moment the card showed: a double tap skips one, not two. None: nothing to skip."""
    series = await session.get(RequestSeries, series_id, populate_existing=True)
    if (
        series is None
        or series.status == SeriesStatus.ENDED
        or series.next_at is None
        or (seen_next is not None and series.next_at != seen_next)
    ):
        return None
    tz = await _zone(session, series.territory_id)
    skipped = series.next_at
    following = RepeatRule.parse(series.rule).next_after(skipped, skipped, tz)
    result = await session.execute(
        update(RequestSeries)
        .where(RequestSeries.id == series_id, RequestSeries.next_at == skipped)
        .values(next_at=following, updated_at=now)
    )
    if not getattr(result, "rowcount", 0):
        return None
    await session.refresh(series)
    if series.until is not None and following.astimezone(tz).date() > series.until:
        await end(session, series_id, now)
    return skipped.astimezone(tz).date()


async def end(session: AsyncSession, series_id: int, now: datetime) -> bool:
    """No more occurrences (the ones already made stay as they are)."""
    result = await session.execute(
        update(RequestSeries)
        .where(RequestSeries.id == series_id, RequestSeries.status != SeriesStatus.ENDED)
        .values(status=SeriesStatus.ENDED, next_at=None, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def end_for_person(session: AsyncSession, user_id: int, now: datetime) -> int:
    """A requester erased their data: their series end."""
    result = await session.execute(
        update(RequestSeries)
        .where(RequestSeries.requester_id == user_id, RequestSeries.status != SeriesStatus.ENDED)
        .values(status=SeriesStatus.ENDED, next_at=None, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0))


async def end_for_request(session: AsyncSession, *request_ids: int, now: datetime) -> int:
    """A series' template request was erased: nothing is left to copy, the series ends."""
    result = await session.execute(
        update(RequestSeries)
        .where(
            RequestSeries.template_request_id.in_(request_ids),
            RequestSeries.status != SeriesStatus.ENDED,
        )
        .values(status=SeriesStatus.ENDED, next_at=None, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0))


# --- the occurrences ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ticked:
    created: int = 0
    released: int = 0
    ended: int = 0


async def tick(
    session: AsyncSession,
    now: datetime,
    *,
    take_data: Callable[[int], str],
    decline_data: Callable[[int], str],
    default_locale: str,
    admin_ids: Collection[int],
) -> Ticked:
    """Make the occurrences that are due and hand the unanswered first offers to everyone,
    in the caller's transaction."""
    created = ended = released = 0
    for series_id in await due_series(session, now):
        outcome = await occur(
            session,
            series_id,
            now,
            take_data=take_data,
            decline_data=decline_data,
            default_locale=default_locale,
            admin_ids=admin_ids,
        )
        created += outcome == "created"
        ended += outcome == "ended"
    for request_id in await expired_first_offers(session, now):
        if await release(
            session,
            request_id,
            now,
            declined_by=None,
            take_data=take_data(request_id),
            default_locale=default_locale,
            admin_ids=admin_ids,
        ):
            released += 1
    return Ticked(created, released, ended)


async def due_series(session: AsyncSession, now: datetime) -> list[int]:
    """Active series whose next occurrence is due, the longest due first."""
    rows = await session.scalars(
        select(RequestSeries.id)
        .where(RequestSeries.status == SeriesStatus.ACTIVE, RequestSeries.next_at <= now)
        .order_by(RequestSeries.next_at, RequestSeries.id)
        .limit(DUE_PER_TICK)
    )
    return list(rows.all())


async def expired_first_offers(session: AsyncSession, now: datetime) -> list[int]:
    """Occurrences still searching whose first offer's time is up."""
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(HelpRequest.series_accept_until <= now, HelpRequest.status == RequestStatus.NEW)
        .order_by(HelpRequest.series_accept_until, HelpRequest.id)
        .limit(DUE_PER_TICK)
    )
    return list(rows.all())


async def _previous_volunteer(session: AsyncSession, series: RequestSeries) -> int | None:
    """Who did the latest occurrence someone took (else the template's volunteer)."""
    latest = await session.scalar(
        select(HelpRequest.volunteer_id)
        .where(
            HelpRequest.series_id == series.id,
            HelpRequest.volunteer_id.is_not(None),
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY, RequestStatus.DONE)),
        )
        .order_by(HelpRequest.occurrence_on.desc(), HelpRequest.id.desc())
        .limit(1)
    )
    return latest if latest is not None else series.last_volunteer_id


async def occur(
    session: AsyncSession,
    series_id: int,
    now: datetime,
    *,
    take_data: Callable[[int], str],
    decline_data: Callable[[int], str],
    default_locale: str,
    admin_ids: Collection[int],
) -> str:
    """One due occurrence of a series: "created", "ended" (past its until, or its template
    was erased), "missed" (the bot was down too long) or "none" (someone else made it)."""
    series = await session.get(RequestSeries, series_id, populate_existing=True)
    if series is None or series.next_at is None or series.status != SeriesStatus.ACTIVE:
        return "none"
    tz = await _zone(session, series.territory_id)
    rule = RepeatRule.parse(series.rule)
    moment = series.next_at
    day = moment.astimezone(tz).date()
    following = rule.next_after(moment, now, tz)
    # The claim: whoever moves next_at on makes this occurrence (one winner among replicas).
    claimed = await session.execute(
        update(RequestSeries)
        .where(
            RequestSeries.id == series_id,
            RequestSeries.next_at == moment,
            RequestSeries.status == SeriesStatus.ACTIVE,
        )
        .values(next_at=following, updated_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        return "none"
    template = await session.get(HelpRequest, series.template_request_id)
    if (
        (series.until is not None and day > series.until)
        or template is None
        or template.person_name == help_requests.ERASED
    ):
        await end(session, series_id, now)
        if series.requester_id is not None:
            await enqueue(
                session,
                chat_id=series.requester_id,
                message=OutgoingMessage(Text(key="series-finished", args={"id": series.id})),
                key=f"series:{series.id}:finished",
                now=now,
            )
        return "ended"
    if now - moment > MAX_LATENESS:  # the bot was down: that one is gone, the next is set
        return "missed"
    exists = await session.scalar(
        select(HelpRequest.id).where(
            HelpRequest.series_id == series_id, HelpRequest.occurrence_on == day
        )
    )
    if exists is not None:
        return "none"
    previous = await _previous_volunteer(session, series)
    request = await help_requests.create(
        session,
        help_requests.Draft(
            kind=template.kind,
            for_other=template.for_other,
            person_name=template.person_name,
            territory_id=template.territory_id,
            address=template.address,
            details=template.details,
            urgency="planned",
            requester_id=series.requester_id,
            entered_by=template.entered_by,
            caller_phone=template.caller_phone,
            person_age=template.person_age,
            person_phone=template.person_phone,
            self_isolation=template.self_isolation,
            lat=template.lat,
            lon=template.lon,
            planned_on=day,
            time_window=template.time_window,
            consent_at=template.consent_at,
            details_file_id=template.details_file_id,
            details_file_kind=template.details_file_kind,
        ),
        now,
    )
    request.series_id = series_id
    request.occurrence_on = day
    series.occurrences += 1
    await session.flush()
    await request_history.record(
        session, request.id, EV_OCCURRENCE, now, series_id=series_id, day=day.isoformat()
    )
    if series.requester_id is not None:
        await enqueue(
            session,
            chat_id=series.requester_id,
            message=OutgoingMessage(
                Text(
                    key="series-occurrence-created",
                    args={"id": request.id, "date": day.strftime("%d.%m.%Y")},
                )
            ),
            key=f"series:{series_id}:{day.isoformat()}:created",
            now=now,
        )
    volunteer = await _available(session, previous, request, now)
    if volunteer is not None:
        await _first_offer(
            session,
            request,
            volunteer,
            now,
            take_data=take_data(request.id),
            decline_data=decline_data(request.id),
        )
    else:
        await help_requests.offer_or_escalate(
            session,
            request,
            now,
            take_data=take_data(request.id),
            default_locale=default_locale,
            admin_ids=admin_ids,
        )
    return "created"


async def _available(
    session: AsyncSession, volunteer_id: int | None, request: HelpRequest, now: datetime
) -> Volunteer | None:
    if volunteer_id is None:
        return None
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return None
    if volunteer.user_id == request.requester_id:
        return None
    tz = await _zone(session, request.territory_id)
    if volunteer.paused_until is not None and volunteer.paused_until > now.astimezone(tz).date():
        return None
    return volunteer


async def _first_offer(
    session: AsyncSession,
    request: HelpRequest,
    volunteer: Volunteer,
    now: datetime,
    *,
    take_data: str,
    decline_data: str,
) -> None:
    """The previous volunteer alone, until ``series_accept_until``: the round's audience is
    one (the waiting-requests net pushes nobody else) and the escalation waits for it."""
    until = now + accept_window(session)
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request.id)
        .values(
            audience=1,
            widen_at=None,
            series_accept_until=until,
            escalate_at=(request.escalate_at or now) + accept_window(session),
        )
    )
    session.add(
        RequestPush(
            request_id=request.id,
            volunteer_id=volunteer.id,
            push_round=request.push_round,
            user_id=volunteer.user_id,
            declined=False,
            created_at=now,
        )
    )
    await session.flush()
    tz = await _zone(session, request.territory_id)
    await request_history.record(
        session, request.id, EV_FIRST_OFFER, now, volunteer_id=volunteer.id
    )
    await enqueue(
        session,
        chat_id=volunteer.user_id,
        message=OutgoingMessage(
            Text(
                key="series-first-offer",
                args={
                    "id": request.id,
                    "kind": request.kind,
                    "date": (request.occurrence_on or now.date()).strftime("%d.%m.%Y"),
                    "until": until.astimezone(tz).strftime("%H:%M"),
                },
            ),
            buttons=[
                [
                    Button(Text(key="btn-series-take"), callback_data=take_data),
                    Button(Text(key="btn-series-decline"), callback_data=decline_data),
                ]
            ],
        ),
        # the push's own key: a "taken" or "closed" edit reaches it like any push
        key=help_requests._push_key(request.id, request.push_round, volunteer.user_id),
        now=now,
    )


async def release(
    session: AsyncSession,
    request_id: int,
    now: datetime,
    *,
    declined_by: Volunteer | None,
    take_data: str,
    default_locale: str,
    admin_ids: Collection[int],
) -> bool:
    """The first offer is over (declined, or its time is up): a new round for everyone
    fitting. One conditional UPDATE: a take, a second tick or a double tap in between make
    this one do nothing."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status == RequestStatus.NEW,
            HelpRequest.series_accept_until.is_not(None),
        )
        .values(
            series_accept_until=None,
            push_round=HelpRequest.push_round + 1,
            audience=help_requests.wave_size(session),
            widen_at=None,
            updated_at=now,
        )
        .returning(HelpRequest.id)
    )
    if result.scalar() is None:
        return False
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    assert request is not None
    if declined_by is not None:
        await session.execute(
            update(RequestPush)
            .where(RequestPush.request_id == request_id, RequestPush.volunteer_id == declined_by.id)
            .values(declined=True)
        )
        await request_history.record(
            session,
            request_id,
            EV_DECLINED,
            now,
            actor_id=declined_by.user_id,
            volunteer_id=declined_by.id,
        )
    else:
        await request_history.record(session, request_id, EV_TIMEOUT, now)
    await help_requests.offer_or_escalate(
        session,
        request,
        now,
        take_data=take_data,
        default_locale=default_locale,
        admin_ids=admin_ids,
    )
    return True


async def first_offer_of(
    session: AsyncSession, request_id: int, volunteer_id: int
) -> HelpRequest | None:
    """The occurrence whose first offer this volunteer holds, still unanswered."""
    request = await session.get(HelpRequest, request_id)
    if (
        request is None
        or request.status != RequestStatus.NEW
        or request.series_accept_until is None
    ):
        return None
    push = await session.get(RequestPush, (request_id, volunteer_id, request.push_round))
    return request if push is not None and not push.declined else None


async def tell_requester(
    session: AsyncSession, series: RequestSeries, what: str, actor_id: int, now: datetime
) -> None:
    """A coordinator paused, resumed, skipped or ended someone's series: they hear of it."""
    if series.requester_id is None or series.requester_id == actor_id:
        return
    await enqueue(
        session,
        chat_id=series.requester_id,
        message=OutgoingMessage(Text(key="series-changed", args={"id": series.id, "action": what})),
        key=f"series:{series.id}:{what}:{int(now.timestamp())}",
        now=now,
    )
