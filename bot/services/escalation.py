"""Nothing waits unseen: escalation of searching requests, reminders of taken ones, overdue.

A searching request nobody takes within its urgency's step (ESCALATE_*) reaches wider
circles, one step each time: the rest of its territory and the volunteers of the
neighbouring territories, then every volunteer of the HQ with the skill, then an alert to the
territory's coordinators with a one-tap «assign». A «today» request raised in quiet hours
goes to the coordinators on duty at once and reaches volunteers in the morning.

A taken request not on the way or done by the end of its window: the volunteer is asked
«still doing it / cannot»; no answer within REMINDER_ANSWER_MINUTES, the coordinators are
alerted and can replace the volunteer with one tap (the former one's details are hidden, the
new one gets them). A request still open when its window has passed is marked overdue.

Every step is one conditional UPDATE on the step it expects (safe when two replicas sweep at
once: one wins, the other changes nothing), recorded in the request's history and told to the
requester in plain words in their language. Messages go through the outbox."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import details, request_history, volunteers
from bot.services import escalation_rules as rules
from bot.services.help_requests import (
    KIND_SKILLS,
    OPEN,
    Candidate,
    _push_key,
    _push_priority,
    _requester_message,
    assignable,
    offer,
    quote_html,
    taken_values,
    when_args,
)
from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.users import locale_of, locales_of
from models import (
    EventKind,
    HelpRequest,
    Priority,
    RequestEvent,
    RequestPush,
    RequestStatus,
    Territory,
    TerritoryNeighbour,
    Volunteer,
    VolunteerStatus,
)

SWEEP_BATCH = 200  # requests a sweep steps at most; the rest at the next tick
# The whole HQ's circle pushes this many volunteers a transaction (the rest a minute later):
# a transaction that writes thousands of rows would hold SQLite's only writer.
HQ_PUSH_BATCH = 100


def _next_step(now: datetime, policy: rules.Policy) -> object:
    """``escalate_at`` of the next circle, by the row's own urgency (SQL)."""
    return case((HelpRequest.urgency == "today", now + policy.today), else_=now + policy.soon)


# --- what is due ---------------------------------------------------------------------------------
async def due_steps(session: AsyncSession, now: datetime, *, limit: int = SWEEP_BATCH) -> list[int]:
    """Searching requests whose next circle (or morning) is due, the longest waiting first."""
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(HelpRequest.status == RequestStatus.NEW, HelpRequest.escalate_at <= now)
        .order_by(HelpRequest.escalate_at, HelpRequest.id)
        .limit(limit)
    )
    return list(rows.all())


async def due_reminders(
    session: AsyncSession, now: datetime, *, limit: int = SWEEP_BATCH
) -> list[int]:
    """Taken (not on the way) requests whose reminder step is due."""
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(HelpRequest.status == RequestStatus.TAKEN, HelpRequest.remind_at <= now)
        .order_by(HelpRequest.remind_at, HelpRequest.id)
        .limit(limit)
    )
    return list(rows.all())


async def mark_overdue(session: AsyncSession, now: datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Open requests whose window has passed are marked overdue (one UPDATE for the batch,
    from the (status, due_at) index) and the step recorded on each. Returns how many."""
    due = (
        select(HelpRequest.id)
        .where(
            HelpRequest.status.in_(OPEN),
            HelpRequest.due_at <= now,
            HelpRequest.overdue.is_(False),
        )
        .order_by(HelpRequest.due_at)
        .limit(limit)
        .scalar_subquery()
    )
    marked = (
        await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(due), HelpRequest.overdue.is_(False))
            .values(overdue=True, updated_at=now)
            .returning(HelpRequest.id, HelpRequest.status, HelpRequest.volunteer_id),
            execution_options={"synchronize_session": False},
        )
    ).all()
    session.add_all(
        RequestEvent(
            request_id=request_id,
            at=now,
            kind=EventKind.OVERDUE,
            actor_id=None,
            details={"status": status, **({"volunteer_id": vol} if vol else {})},
        )
        for request_id, status, vol in marked
    )
    await session.flush()
    return len(marked)


# --- a searching request's circles --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # an EventKind: released, circle_neighbours, circle_hq, coordinators_alerted
    reached: int  # volunteers pushed, or coordinators alerted


async def step(
    session: AsyncSession,
    request_id: int,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> Step | None:
    """The next step of a searching request whose ``escalate_at`` has come; None: none was
    due (taken, closed, or another sweep did it)."""
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    if request is None or request.status != RequestStatus.NEW or request.escalate_at is None:
        return None
    policy = rules.policy_of(session)
    links = rules.links_of(session)
    due = [
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.NEW,
        HelpRequest.escalate_at <= now,
    ]
    if request.hold_until is not None:  # the morning came: volunteers of the territory
        won = await _claim(
            session,
            [*due, HelpRequest.hold_until.is_not(None)],
            hold_until=None,
            escalate_at=_next_step(now, policy),
        )
        if not won:
            return None
        released = await offer(
            session, request, now, take_data=links.take(request.id), default_locale=default_locale
        )
        await request_history.record(
            session, request.id, EventKind.RELEASED, now, volunteers=len(released)
        )
        return Step(EventKind.RELEASED, len(released))
    circle = request.circle
    guard = [*due, HelpRequest.hold_until.is_(None), HelpRequest.circle == circle]
    if circle in (rules.TERRITORY, rules.NEIGHBOURS, rules.HQ):
        # A wider circle due in the night wakes nobody (the outbox does not hold messages for
        # the morning by itself): it comes when the quiet hours end. A «today» request goes to
        # the coordinators on duty meanwhile.
        until = await _quiet_until(session, request, now)
        if until is not None:
            if not await _claim(session, guard, escalate_at=until):
                return None
            if request.urgency != "today":
                await request_history.record(
                    session, request.id, EventKind.HELD_QUIET, now, until=until.isoformat()
                )
                return Step(EventKind.HELD_QUIET, 0)
            alerted, _morning = await _alert_duty(
                session, request, now, until, default_locale, admin_ids
            )
            return Step(EventKind.HELD_QUIET, len(alerted))
    if circle == rules.TERRITORY:
        # The territory's waves end (everyone who fits has it) and the neighbours join.
        if not await _claim(
            session,
            guard,
            circle=rules.NEIGHBOURS,
            audience=None,
            widen_at=None,
            escalate_at=_next_step(now, policy),
        ):
            return None
        await session.refresh(request)
        await offer(
            session, request, now, take_data=links.take(request.id), default_locale=default_locale
        )
        neighbours = list(
            (
                await session.scalars(
                    select(TerritoryNeighbour.neighbour_id).where(
                        TerritoryNeighbour.territory_id == request.territory_id
                    )
                )
            ).all()
        )
        pushed, _more = await _push_wider(session, request, neighbours, now, default_locale)
        kind, told = EventKind.CIRCLE_NEIGHBOURS, "esc-requester-neighbours"
        extra = {"territories": len(neighbours)}
    elif circle == rules.NEIGHBOURS:
        if not await _claim(session, guard, circle=rules.HQ, escalate_at=_next_step(now, policy)):
            return None
        pushed, more = await _push_wider(
            session, request, None, now, default_locale, limit=HQ_PUSH_BATCH
        )
        if more:  # the rest of the HQ in the next transactions, a minute apart
            await _claim(session, [HelpRequest.id == request.id], escalate_at=now)
        kind, told = EventKind.CIRCLE_HQ, "esc-requester-hq"
        extra = {"more": more}
    elif circle == rules.HQ:
        if await _hq_left(session, request, now):
            # The HQ circle goes on: its next batch (the claim compares the moment read, so
            # two sweeps at once push it once).
            if not await _claim(
                session,
                [*guard, HelpRequest.escalate_at == request.escalate_at],
                escalate_at=_next_step(now, policy),
            ):
                return None
            pushed, more = await _push_wider(
                session, request, None, now, default_locale, limit=HQ_PUSH_BATCH
            )
            if more:
                await _claim(session, [HelpRequest.id == request.id], escalate_at=now)
            await request_history.record(
                session, request.id, EventKind.CIRCLE_HQ, now, volunteers=pushed, more=more
            )
            return Step(EventKind.CIRCLE_HQ, pushed)
        if not await _claim(session, guard, circle=rules.COORDINATORS, escalate_at=None):
            return None
        alerted = await _alert_coordinators(
            session,
            request,
            now,
            await volunteers.coordinators_of(session, request.territory_id, admin_ids),
            key="esc-coord-unassigned",
            default_locale=default_locale,
            buttons=[[("btn-esc-assign", links.assign(request.id))]],
            waited=int((now - request.created_at).total_seconds() // 60),
        )
        await request_history.record(
            session, request.id, EventKind.COORDINATORS_ALERTED, now, coordinators=alerted
        )
        await _tell(session, request, "esc-requester-coordinators", now)
        return Step(EventKind.COORDINATORS_ALERTED, len(alerted))
    else:
        return None
    await request_history.record(session, request.id, kind, now, volunteers=pushed, **extra)
    if pushed:
        await _tell(session, request, told, now)
    else:  # nobody more in this circle: the next one need not wait
        await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request.id, HelpRequest.circle == circle + 1)
            .values(escalate_at=now)
        )
    return Step(kind, pushed)


async def _claim(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], **values: object
) -> bool:
    claimed = await session.scalar(
        update(HelpRequest).where(*conditions).values(**values).returning(HelpRequest.id),
        execution_options={"synchronize_session": False},
    )
    return claimed is not None


async def _hq_left(session: AsyncSession, request: HelpRequest, now: datetime) -> bool:
    """Whether fitting volunteers of the HQ were not pushed this request yet (the HQ circle
    goes in batches of HQ_PUSH_BATCH, one transaction each)."""
    skill = KIND_SKILLS.get(request.kind)
    rows = await session.execute(
        select(Volunteer.skills).where(*_wider_conditions(request, None, now))
    )
    return any(skill is None or skill in (skills or ()) for (skills,) in rows.all())


def _wider_conditions(
    request: HelpRequest, territory_ids: list[int] | None, now: datetime
) -> list[ColumnElement[bool]]:
    conditions = [
        Volunteer.status == VolunteerStatus.APPROVED,
        or_(Volunteer.paused_until.is_(None), Volunteer.paused_until <= now.date()),
        ~select(RequestPush.volunteer_id)
        .where(
            RequestPush.request_id == request.id,
            RequestPush.volunteer_id == Volunteer.id,
            or_(RequestPush.push_round == request.push_round, RequestPush.declined.is_(True)),
        )
        .exists(),
    ]
    if territory_ids is not None:
        conditions.append(Volunteer.territory_id.in_(territory_ids))
    if request.requester_id is not None:
        conditions.append(Volunteer.user_id != request.requester_id)
    return conditions


async def _push_wider(
    session: AsyncSession,
    request: HelpRequest,
    territory_ids: list[int] | None,
    now: datetime,
    default_locale: str,
    *,
    limit: int | None = None,
) -> tuple[int, bool]:
    """Push a request to the fitting volunteers of ``territory_ids`` (None: the whole HQ)
    not offered it in this round and who have not declined it (at most ``limit``, the
    longest-standing first); the same push as in the territory, so «take», «taken» and
    «closed» work alike. Returns how many were pushed and whether more are left."""
    if territory_ids is not None and not territory_ids:
        return 0, False
    skill = KIND_SKILLS.get(request.kind)
    rows = await session.execute(
        select(Volunteer.id, Volunteer.user_id, Volunteer.skills, Volunteer.territory_id).where(
            *_wider_conditions(request, territory_ids, now)
        )
    )
    chosen = [
        Candidate(volunteer_id, user_id)
        for volunteer_id, user_id, skills, _territory in rows.all()
        if skill is None or skill in (skills or ())
    ]
    chosen.sort(key=lambda candidate: candidate.id)
    more = limit is not None and len(chosen) > limit
    chosen = chosen[:limit] if limit is not None else chosen
    if not chosen:
        return 0, False
    # One executemany (compiled once, cached), not a multi-row VALUES compiled per size: a
    # push row someone else inserted meanwhile (the territory's net) is left as it is, and its
    # message is one outbox row by its key whoever enqueues it.
    await session.execute(
        insert_ignore(session, RequestPush),
        [
            {
                "request_id": request.id,
                "volunteer_id": candidate.id,
                "push_round": request.push_round,
                "user_id": candidate.user_id,
                "declined": False,
                "created_at": now,
            }
            for candidate in chosen
        ],
    )
    territory = await session.get(Territory, request.territory_id)
    locales = await locales_of(session, [c.user_id for c in chosen], default_locale)
    take = rules.links_of(session).take(request.id)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=candidate.user_id,
                message=OutgoingMessage(
                    Text(
                        key="esc-push-wider",
                        args={
                            "id": request.id,
                            "kind": request.kind,
                            "territory": quote_html(
                                territory.name(locales[candidate.user_id]) if territory else "?"
                            ),
                            **when_args(request),
                        },
                    ),
                    buttons=[[Button(Text(key="btn-take-task"), callback_data=take)]],
                    locale=locales[candidate.user_id],
                ),
                key=_push_key(request.id, request.push_round, candidate.user_id),
                priority=_push_priority(request),
            )
            for candidate in chosen
        ],
        now,
    )
    return len(chosen), more


async def _alert_coordinators(
    session: AsyncSession,
    request: HelpRequest,
    now: datetime,
    coordinator_ids: Collection[int],
    *,
    key: str,
    default_locale: str,
    buttons: list[list[tuple[str, str]]],
    **args: str | int,
) -> list[int]:
    territory = await session.get(Territory, request.territory_id)
    recipients = sorted(set(coordinator_ids))
    locales = await locales_of(session, recipients, default_locale)
    stamp = int(now.timestamp())
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key=key,
                        args={
                            "id": request.id,
                            "kind": request.kind,
                            "territory": quote_html(
                                territory.name(locales[user_id]) if territory else "?"
                            ),
                            **args,
                        },
                    ),
                    buttons=[
                        [Button(Text(key=label, args=dict(args)), data) for label, data in row]
                        for row in buttons
                    ],
                    locale=locales[user_id],
                ),
                key=f"req:{request.id}:{key}:{stamp}:{user_id}",
                priority=Priority.URGENT,
            )
            for user_id in recipients
        ],
        now,
    )
    return recipients


async def _tell(
    session: AsyncSession, request: HelpRequest, key: str, now: datetime, **args: str | int
) -> None:
    """The requester hears the step in plain words (a hotline caller: the operator's list)."""
    told = _requester_message(request, key, dict(args))
    if told is not None:
        await enqueue_many(session, [told], now, look_up_originals=False)


# --- quiet hours -------------------------------------------------------------------------------
async def held_for_morning(
    session: AsyncSession,
    request: HelpRequest,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> list[int]:
    """A «today» request raised in quiet hours: the coordinators on duty now (DUTY_COORDINATORS;
    nobody on duty: the territory's coordinators and the HQ) have it at once with «assign»;
    volunteers see it when the quiet hours end. Returns who was alerted."""
    assert request.hold_until is not None
    alerted, morning = await _alert_duty(
        session, request, now, request.hold_until, default_locale, admin_ids
    )
    await _tell(session, request, "esc-requester-night", now, morning=morning)
    return alerted


async def _alert_duty(
    session: AsyncSession,
    request: HelpRequest,
    now: datetime,
    until: datetime,
    default_locale: str,
    admin_ids: Collection[int],
) -> tuple[list[int], str]:
    """The coordinators on duty hear of a «today» request volunteers will see at ``until``
    (the end of the quiet hours); recorded. Returns who, and ``until`` as local HH:MM."""
    territory = await session.get(Territory, request.territory_id)
    tz = ZoneInfo(territory.timezone) if territory is not None else ZoneInfo("UTC")
    on_duty = rules.policy_of(session).on_duty(now.astimezone(tz).time().replace(tzinfo=None))
    recipients = on_duty or await volunteers.coordinators_of(
        session, request.territory_id, admin_ids
    )
    morning = until.astimezone(tz).strftime("%H:%M")
    alerted = await _alert_coordinators(
        session,
        request,
        now,
        recipients,
        key="esc-duty-alert",
        default_locale=default_locale,
        buttons=[[("btn-esc-assign", rules.links_of(session).assign(request.id))]],
        morning=morning,
    )
    await request_history.record(
        session, request.id, EventKind.HELD_QUIET, now, until=until.isoformat()
    )
    await request_history.record(
        session,
        request.id,
        EventKind.DUTY_ALERTED,
        now,
        coordinators=alerted,
        on_duty=bool(on_duty),
    )
    return alerted, morning


async def _coordinators_now(
    session: AsyncSession, request: HelpRequest, now: datetime, admin_ids: Collection[int]
) -> list[int]:
    """Who is alerted about a request now: in quiet hours the coordinators on duty (when
    DUTY_COORDINATORS names any), else the territory's coordinators and the HQ."""
    territory = await session.get(Territory, request.territory_id)
    tz = ZoneInfo(territory.timezone) if territory is not None else ZoneInfo("UTC")
    local = now.astimezone(tz).time().replace(tzinfo=None)
    policy = rules.policy_of(session)
    if policy.quiet.contains(local):
        on_duty = policy.on_duty(local)
        if on_duty:
            return on_duty
    return await volunteers.coordinators_of(session, request.territory_id, admin_ids)


async def _quiet_until(
    session: AsyncSession, request: HelpRequest, now: datetime
) -> datetime | None:
    """The end of the quiet hours when ``now`` is inside them in the request's territory."""
    territory = await session.get(Territory, request.territory_id)
    tz = ZoneInfo(territory.timezone) if territory is not None else ZoneInfo("UTC")
    until = rules.policy_of(session).quiet.defer(now, tz)
    return until if until > now else None


# --- a taken request's reminder ----------------------------------------------------------------
async def remind(
    session: AsyncSession,
    request_id: int,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> str | None:
    """The next reminder step of a taken request whose ``remind_at`` has come: the volunteer
    is asked, or (no answer) the coordinators are alerted with a one-tap replacement. Returns
    the step's event kind; None: nothing was due."""
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    if request is None or request.status != RequestStatus.TAKEN or request.volunteer_id is None:
        return None
    policy, links = rules.policy_of(session), rules.links_of(session)
    guard = [
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.TAKEN,
        HelpRequest.volunteer_id == request.volunteer_id,
        HelpRequest.remind_at <= now,
        HelpRequest.remind_state == request.remind_state,
    ]
    volunteer = await session.get(Volunteer, request.volunteer_id)
    if volunteer is None:
        return None
    if request.remind_state == rules.NOT_ASKED:
        if not await _claim(
            session, guard, remind_state=rules.ASKED, remind_at=now + policy.answer
        ):
            return None
        locale = await locale_of(session, volunteer.user_id, default_locale)
        minutes = int(policy.answer.total_seconds() // 60)
        await enqueue_many(
            session,
            [
                Outgoing(
                    chat_id=volunteer.user_id,
                    message=OutgoingMessage(
                        Text(
                            key="esc-reminder",
                            args={"id": request.id, "kind": request.kind, "minutes": minutes},
                        ),
                        buttons=[
                            [
                                Button(Text(key="btn-esc-still"), links.still(request.id)),
                                Button(Text(key="btn-esc-cannot"), links.cannot(request.id)),
                            ]
                        ],
                        locale=locale,
                    ),
                    key=f"req:{request.id}:remind:{request.push_round}:{volunteer.user_id}",
                    priority=Priority.URGENT,
                )
            ],
            now,
        )
        await request_history.record(
            session, request.id, EventKind.REMINDER_SENT, now, volunteer_id=volunteer.id
        )
        return EventKind.REMINDER_SENT
    if request.remind_state == rules.ASKED:
        if not await _claim(session, guard, remind_state=rules.COORDINATOR_ALERTED, remind_at=None):
            return None
        today = await volunteers.local_today(session, request.territory_id, now)
        best = await replacements(session, request, today)
        buttons = [[("btn-esc-replace-list", links.replace_list(request.id, volunteer.id))]]
        args: dict[str, str | int] = {"volunteer": quote_html(volunteer.name)}
        if best:
            first = best[0][0]
            args["name"] = quote_html(first.name)
            buttons.insert(
                0, [("btn-esc-replace", links.replace(request.id, first.id, volunteer.id))]
            )
        alerted = await _alert_coordinators(
            session,
            request,
            now,
            await _coordinators_now(session, request, now, admin_ids),
            key="esc-coord-unanswered" if best else "esc-coord-unanswered-nobody",
            default_locale=default_locale,
            buttons=buttons,
            **args,
        )
        await request_history.record(
            session,
            request.id,
            EventKind.REMINDER_UNANSWERED,
            now,
            volunteer_id=volunteer.id,
            coordinators=alerted,
        )
        return EventKind.REMINDER_UNANSWERED
    return None


async def still_doing(
    session: AsyncSession, request_id: int, volunteer: Volunteer, now: datetime
) -> bool:
    """The volunteer answers the reminder: still doing it. No more reminders for this task.
    False: not their open task, or not asked (an old button)."""
    done = await session.scalar(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.volunteer_id == volunteer.id,
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
            HelpRequest.remind_state.in_((rules.ASKED, rules.COORDINATOR_ALERTED)),
        )
        .values(remind_state=rules.STILL_DOING, remind_at=None, updated_at=now)
        .returning(HelpRequest.id),
        execution_options={"synchronize_session": False},
    )
    if done is None:
        return False
    await request_history.record(
        session, request_id, EventKind.STILL_DOING, now, actor_id=volunteer.user_id
    )
    return True


async def replacements(
    session: AsyncSession, request: HelpRequest, today: date
) -> list[tuple[Volunteer, int]]:
    """Who may take over a held task, each with their open tasks: help_requests.assignable
    (the territory's available volunteers, fitting skills and the least busy first) without
    its holder."""
    return [
        (volunteer, tasks)
        for volunteer, tasks in await assignable(session, request, today)
        if volunteer.id != request.volunteer_id
    ]


async def replace(
    session: AsyncSession,
    request_id: int,
    former_id: int,
    volunteer: Volunteer,
    now: datetime,
    *,
    actor_id: int,
    default_locale: str,
) -> HelpRequest | None:
    """A coordinator hands a held task from ``former_id`` (the holder their alert named) to
    ``volunteer``: one conditional UPDATE on that holder, so a «done» meanwhile wins. The
    former holder is told, their details message is hidden and they are never offered it
    again; the new one gets it like an assignment (their details open from the button), the
    requester hears who is coming. None: no longer held by ``former_id``."""
    if former_id == volunteer.id:
        return None
    won = (
        await session.scalars(
            update(HelpRequest)
            .where(
                HelpRequest.id == request_id,
                HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
                HelpRequest.volunteer_id == former_id,
            )
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
    links = rules.links_of(session)
    stamp = int(now.timestamp())
    former = await session.get(Volunteer, former_id)
    messages: list[Outgoing] = []
    if former is not None:
        await session.execute(
            update(RequestPush)
            .where(RequestPush.request_id == won.id, RequestPush.volunteer_id == former.id)
            .values(declined=True)
        )
        await details.hide(session, won.id, now, user_id=former.user_id)
        messages.append(
            Outgoing(
                chat_id=former.user_id,
                message=OutgoingMessage(Text(key="esc-task-replaced", args={"id": won.id})),
                key=f"req:{won.id}:replaced-from:{former.user_id}:{stamp}",
                priority=Priority.URGENT,
            )
        )
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
    messages.append(
        Outgoing(
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
                buttons=[
                    [
                        Button(
                            Text(key="btn-open-assigned", args={"id": won.id}),
                            links.open_task(won.id),
                        )
                    ]
                ],
                locale=locale,
            ),
            key=f"req:{won.id}:replaced-to:{volunteer.user_id}:{stamp}",
            priority=Priority.URGENT,
        )
    )
    if won.requester_id is not None:
        messages.append(
            Outgoing(
                chat_id=won.requester_id,
                message=OutgoingMessage(
                    Text(
                        key="esc-requester-replaced",
                        args={
                            "id": won.id,
                            "name": quote_html(volunteer.name.split()[0]),
                            "code": won.door_code,
                        },
                    )
                ),
                key=f"req:{won.id}:replaced-requester:{volunteer.user_id}:{stamp}",
                priority=Priority.URGENT,
                personal=True,
            )
        )
    await enqueue_many(session, messages, now, look_up_originals=False)
    await request_history.record(
        session,
        won.id,
        EventKind.REASSIGNED,
        now,
        actor_id=actor_id,
        volunteer_id=volunteer.id,
        former_id=former_id,
    )
    return won


# --- the sweep --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Swept:
    steps: int
    reminders: int
    overdue: int


async def sweep_once(
    session: AsyncSession,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
    limit: int = SWEEP_BATCH,
) -> Swept:
    """One pass in one session (tests and the benchmark; the job commits each step apart)."""
    steps = reminders = 0
    for request_id in await due_steps(session, now, limit=limit):
        if await step(session, request_id, now, default_locale=default_locale, admin_ids=admin_ids):
            steps += 1
    for request_id in await due_reminders(session, now, limit=limit):
        if await remind(
            session, request_id, now, default_locale=default_locale, admin_ids=admin_ids
        ):
            reminders += 1
    overdue = await mark_overdue(session, now, limit=limit)
    return Swept(steps, reminders, overdue)
