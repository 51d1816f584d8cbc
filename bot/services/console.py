"""The coordinators' request console: a filtered, paged list (most urgent first, then the
longest waiting), counts per filter, a request's history, and what a coordinator does to a
request beyond the minimal assign / offer-again (bot/services/help_requests.py): reassign a
taken one, cancel with a reason, an internal note, finding a volunteer by name or phone.

Every query is bounded by the coordinator's territories (None: the HQ, every territory).
The first page is one count and one top-N query over the open requests (10,000 of them stay
well under 50 ms on SQLite: bench/console.py)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import details, request_history
from bot.services.help_requests import OPEN, _close, _tell_requester, quote_html, when_args
from bot.services.outbox import Button, OutgoingMessage, Text, enqueue
from bot.services.sql import insert_ignore
from bot.services.users import locale_of
from models import (
    HelpRequest,
    Priority,
    RequestKind,
    RequestPush,
    RequestStatus,
    Territory,
    Volunteer,
)

# Filter values travel in callback data as small indexes into these tuples (64-byte cap).
STATUSES = ("open", "new", "taken", "on_way", "done", "cancelled", "failed", "all")
KINDS = tuple(k.value for k in RequestKind)
URGENCIES = ("today", "soon", "planned")
NOTE_MAX = 500
REASON_MAX = 300  # close_reason's column
SILENT_AFTER = timedelta(days=14)  # an approved volunteer with no step this long is silent

_STATUS_SETS: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN),
    "all": (),
    **{s: (s,) for s in STATUSES if s not in ("open", "all")},
}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the list shows; the defaults: every open request of the coordinator's scope."""

    status: str = "open"
    kind: str | None = None
    territory_id: int | None = None
    urgency: str | None = None
    overdue: bool = False
    unattended: bool = False
    series: bool = False  # occurrences of a recurring series (models/series.py)

    def but(self, **changes: Any) -> Filters:
        return replace(self, **changes)


def urgency_rank() -> ColumnElement[int]:
    """today 0, soon 1, anything else (planned) 2: the list's first order."""
    return case((HelpRequest.urgency == "today", 0), (HelpRequest.urgency == "soon", 1), else_=2)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open and past its window: marked by the escalation sweep (``overdue``), or its
    ``due_at`` already passed before the sweep came by."""
    return and_(
        HelpRequest.status.in_(OPEN),
        or_(
            HelpRequest.overdue.is_(True),
            and_(HelpRequest.due_at.is_not(None), HelpRequest.due_at < now),
        ),
    )


def unattended_condition() -> ColumnElement[bool]:
    """Searching, and offered to nobody in its current round (help_requests' definition)."""
    return and_(
        HelpRequest.status == RequestStatus.NEW,
        ~exists().where(
            RequestPush.request_id == HelpRequest.id,
            RequestPush.push_round == HelpRequest.push_round,
        ),
    )


def _conditions(
    scope: Collection[int] | None, filters: Filters, now: datetime, *, skip: str = ""
) -> list[ColumnElement[bool]]:
    """``skip``: leave one filter out (its own counts are counted under the others)."""
    conditions: list[ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(HelpRequest.territory_id.in_(sorted(scope)))
    statuses = _STATUS_SETS.get(filters.status, tuple(OPEN))
    if statuses and skip != "status":
        conditions.append(HelpRequest.status.in_(statuses))
    if filters.kind and skip != "kind":
        conditions.append(HelpRequest.kind == filters.kind)
    if filters.territory_id is not None and skip != "territory":
        conditions.append(HelpRequest.territory_id == filters.territory_id)
    if filters.urgency and skip != "urgency":
        conditions.append(HelpRequest.urgency == filters.urgency)
    if filters.overdue and skip != "overdue":
        conditions.append(overdue_condition(now))
    if filters.unattended and skip != "unattended":
        conditions.append(unattended_condition())
    if filters.series and skip != "series":
        conditions.append(HelpRequest.series_id.is_not(None))
    return conditions


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[HelpRequest]
    total: int
    has_more: bool
    unattended: set[int]  # ids among ``rows``
    overdue: set[int]


def _ordered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.status in ("open", "new", "taken", "on_way"):
        return query.order_by(urgency_rank(), HelpRequest.created_at, HelpRequest.id)
    return query.order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())  # history


async def page(
    session: AsyncSession,
    scope: Collection[int] | None,
    filters: Filters,
    now: datetime,
    *,
    offset: int,
    limit: int,
) -> Page:
    """Open requests most urgent first, then the longest waiting; closed ones newest first."""
    conditions = _conditions(scope, filters, now)
    total = await session.scalar(select(func.count(HelpRequest.id)).where(*conditions)) or 0
    rows = list(
        (
            await session.scalars(
                _ordered(select(HelpRequest).where(*conditions), filters)
                .offset(offset)
                .limit(limit)
            )
        ).all()
    )
    ids = [r.id for r in rows]
    unattended: set[int] = set()
    overdue: set[int] = set()
    if ids:
        marks = await session.execute(
            select(HelpRequest.id, unattended_condition(), overdue_condition(now)).where(
                HelpRequest.id.in_(ids)
            )
        )
        for request_id, is_unattended, is_overdue in marks.all():
            if is_unattended:
                unattended.add(request_id)
            if is_overdue:
                overdue.add(request_id)
    return Page(rows, total, offset + limit < total, unattended, overdue)


@dataclass(frozen=True, slots=True)
class Counts:
    """How many requests each filter value would show, under the other filters chosen."""

    statuses: dict[str, int]
    kinds: dict[str, int]
    urgencies: dict[str, int]
    territories: dict[int, int]
    overdue: int
    unattended: int
    series: int


async def _grouped(
    session: AsyncSession, column: Any, conditions: list[ColumnElement[bool]]
) -> dict[Any, int]:
    rows = await session.execute(
        select(column, func.count(HelpRequest.id)).where(*conditions).group_by(column)
    )
    return {key: int(count) for key, count in rows.all()}


async def counts(
    session: AsyncSession, scope: Collection[int] | None, filters: Filters, now: datetime
) -> Counts:
    by_status = await _grouped(
        session, HelpRequest.status, _conditions(scope, filters, now, skip="status")
    )
    statuses = {
        s: sum(by_status.get(x, 0) for x in _STATUS_SETS[s]) for s in STATUSES if s != "all"
    }
    statuses["all"] = sum(by_status.values())
    one = select(func.count(HelpRequest.id))
    return Counts(
        statuses=statuses,
        kinds=await _grouped(
            session, HelpRequest.kind, _conditions(scope, filters, now, skip="kind")
        ),
        urgencies=await _grouped(
            session, HelpRequest.urgency, _conditions(scope, filters, now, skip="urgency")
        ),
        territories=await _grouped(
            session, HelpRequest.territory_id, _conditions(scope, filters, now, skip="territory")
        ),
        overdue=await session.scalar(
            one.where(*_conditions(scope, filters, now, skip="overdue"), overdue_condition(now))
        )
        or 0,
        unattended=await session.scalar(
            one.where(*_conditions(scope, filters, now, skip="unattended"), unattended_condition())
        )
        or 0,
        series=await session.scalar(
            one.where(
                *_conditions(scope, filters, now, skip="series"),
                HelpRequest.series_id.is_not(None),
            )
        )
        or 0,
    )


# --- the card's history ----------------------------------------------------------------------
async def offered_count(session: AsyncSession, request_id: int) -> int:
    """How many volunteers were offered the request, over every round."""
    return (
        await session.scalar(
            select(func.count(func.distinct(RequestPush.volunteer_id))).where(
                RequestPush.request_id == request_id
            )
        )
        or 0
    )


async def history(session: AsyncSession, request_id: int) -> list[request_history.Event]:
    return await request_history.history(session, request_id)


async def add_note(
    session: AsyncSession, request_id: int, text: str, actor_id: int, now: datetime
) -> None:
    """An internal note: coordinators read it on the card; nobody else is told."""
    await request_history.record(session, request_id, "note", now, actor_id=actor_id, text=text)


# --- finding a volunteer ---------------------------------------------------------------------
_DIGITS = re.compile(r"\D+")


def matches(volunteer: Volunteer, query: str) -> bool:
    """A name containing the words typed (any order, any case), or a phone ending or
    containing the digits typed (at least 3)."""
    digits = _DIGITS.sub("", query)
    if len(digits) >= 3 and digits in _DIGITS.sub("", volunteer.phone):
        return True
    words = query.casefold().replace("ё", "е").split()
    name = volunteer.name.casefold().replace("ё", "е")
    return bool(words) and all(word in name for word in words)


async def last_activity(
    session: AsyncSession, volunteer_ids: Collection[int]
) -> dict[int, datetime]:
    """The last step each volunteer made that the bot knows of: a task taken or finished, or
    their profile changed (approval, a pause)."""
    if not volunteer_ids:
        return {}
    found: dict[int, datetime] = {}
    rows = await session.execute(
        select(
            HelpRequest.volunteer_id,
            func.max(HelpRequest.taken_at),
            func.max(HelpRequest.done_at),
        )
        .where(HelpRequest.volunteer_id.in_(sorted(volunteer_ids)))
        .group_by(HelpRequest.volunteer_id)
    )
    for volunteer_id, taken, done in rows.all():
        moments = [m for m in (taken, done) if m is not None]
        if moments and volunteer_id is not None:
            found[volunteer_id] = max(moments)
    profiles = await session.execute(
        select(Volunteer.id, Volunteer.updated_at).where(Volunteer.id.in_(sorted(volunteer_ids)))
    )
    for volunteer_id, updated in profiles.all():
        if updated is not None and (volunteer_id not in found or found[volunteer_id] < updated):
            found[volunteer_id] = updated
    return found


# --- reassigning, cancelling -----------------------------------------------------------------
async def reassign(
    session: AsyncSession,
    request_id: int,
    volunteer: Volunteer,
    now: datetime,
    *,
    actor_id: int,
    open_data: str,
    default_locale: str,
) -> HelpRequest | None:
    """Give a taken (or on the way) request to another volunteer: one conditional UPDATE
    against the holder the coordinator saw, so a volunteer finishing it meanwhile wins. The
    former holder is told and loses the details; the new one is told like an assignment, the
    requester hears who is coming now. None: no longer held by someone else."""
    held = (
        await session.execute(
            select(HelpRequest.volunteer_id).where(
                HelpRequest.id == request_id,
                HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
            )
        )
    ).first()
    if held is None or held[0] is None or held[0] == volunteer.id:
        return None
    former_id = held[0]
    won = (
        await session.scalars(
            update(HelpRequest)
            .where(
                HelpRequest.id == request_id,
                HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
                HelpRequest.volunteer_id == former_id,
            )
            .values(
                status=RequestStatus.TAKEN, volunteer_id=volunteer.id, taken_at=now, updated_at=now
            )
            .returning(HelpRequest),
            execution_options={"populate_existing": True},
        )
    ).first()
    if won is None:
        return None
    stamp = int(now.timestamp())
    former = await session.get(Volunteer, former_id)
    if former is not None:
        await enqueue(
            session,
            chat_id=former.user_id,
            message=OutgoingMessage(Text(key="console-task-reassigned", args={"id": won.id})),
            key=f"req:{won.id}:reassigned-from:{former.user_id}:{stamp}",
            now=now,
            priority=Priority.URGENT,
        )
        await details.hide(session, won.id, now, user_id=former.user_id)
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
        key=f"req:{won.id}:reassigned-to:{volunteer.user_id}:{stamp}",
        now=now,
        priority=Priority.URGENT,
    )
    if won.requester_id is not None:
        await enqueue(
            session,
            chat_id=won.requester_id,
            message=OutgoingMessage(
                Text(
                    key="request-taken",
                    args={
                        "id": won.id,
                        "name": quote_html(volunteer.name.split()[0]),
                        "code": won.door_code,
                    },
                )
            ),
            key=f"req:{won.id}:reassigned-requester:{volunteer.user_id}:{stamp}",
            now=now,
            priority=Priority.URGENT,
            personal=True,
        )
    await request_history.record(
        session, won.id, "reassigned", now, actor_id=actor_id, volunteer=volunteer.id,
        former=former_id,
    )  # fmt: skip
    return won


async def cancel(
    session: AsyncSession, request_id: int, reason: str, actor_id: int, now: datetime
) -> bool:
    """A coordinator cancels an open request with a reason the requester reads; a volunteer
    holding it is told, live offers are closed (help_requests._close)."""
    request = await _close(session, request_id, RequestStatus.CANCELLED, now, reason=reason)
    if request is None:
        return False
    await _tell_requester(
        session, request, "console-request-cancelled-by-hq", now, {"reason": quote_html(reason)}
    )
    # help_requests._close wrote the "cancelled" step (the audit log names the coordinator).
    return True


# --- asking a volunteer to accept, with a time limit -------------------------------------------
async def ask(
    session: AsyncSession,
    request_id: int,
    volunteer: Volunteer,
    now: datetime,
    *,
    minutes: int,
    actor_id: int,
    take_data: str,
    decline_data: str,
    default_locale: str,
) -> datetime | None:
    """A coordinator asks one volunteer to take a searching request within ``minutes`` (the
    HQ's ASSIGN_ACCEPT_MINUTES). Meanwhile nobody else is offered it; «Беру» is the ordinary
    take, «Не смогу» or the time running out hands it to every fitting volunteer (the
    exclusive-offer mechanism of recurring series: ``series_accept_until``, released by the
    series job). Returns the deadline; None: no longer searching, or another exclusive offer
    is running."""
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    if request is None or request.status != RequestStatus.NEW:
        return None
    window = timedelta(minutes=minutes)
    until = now + window
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status == RequestStatus.NEW,
            HelpRequest.series_accept_until.is_(None),
        )
        .values(
            audience=1,
            widen_at=None,
            series_accept_until=until,
            escalate_at=max(request.escalate_at or now, now) + window,
            updated_at=now,
        )
        .returning(HelpRequest.push_round)
    )
    push_round = result.scalar()
    if push_round is None:
        return None
    await session.execute(
        insert_ignore(
            session,
            RequestPush,
            {
                "request_id": request_id,
                "volunteer_id": volunteer.id,
                "push_round": push_round,
                "user_id": volunteer.user_id,
                "declined": False,
                "created_at": now,
            },
        )
    )
    territory = await session.get(Territory, request.territory_id)
    locale = await locale_of(session, volunteer.user_id, default_locale)
    zone = ZoneInfo(territory.timezone) if territory else UTC
    message = OutgoingMessage(
        Text(
            key="console-ask-accept",
            args={
                "id": request_id,
                "kind": request.kind,
                "territory": quote_html(territory.name(locale) if territory else "?"),
                "until": until.astimezone(zone).strftime("%H:%M"),
                **when_args(request),
            },
        ),
        buttons=[
            [
                Button(Text(key="btn-series-take"), take_data),
                Button(Text(key="btn-series-decline"), decline_data),
            ]
        ],
        locale=locale,
    )
    # The push's own key, so the "taken" / "closed" edits reach it like any push; if they
    # were pushed in this round already, a key of its own.
    if not await enqueue(
        session,
        chat_id=volunteer.user_id,
        message=message,
        key=f"req:{request_id}:r{push_round}:push:{volunteer.user_id}",
        now=now,
        priority=Priority.URGENT,
    ):
        await enqueue(
            session,
            chat_id=volunteer.user_id,
            message=message,
            key=f"req:{request_id}:r{push_round}:ask:{volunteer.user_id}:{int(now.timestamp())}",
            now=now,
            priority=Priority.URGENT,
        )
    await request_history.record(
        session, request_id, "asked", now, actor_id=actor_id, volunteer_id=volunteer.id
    )
    return until
