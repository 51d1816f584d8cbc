"""Standing care for a senior (issue 19; Kazakhstan's roadmap, item 12: a social worker and two
volunteers for each lonely senior).

A coordinator forms a team for a person who is not a user of the bot (models/care.py): a
social worker (a coordinator or a volunteer in that role) and two volunteers. Its members see
the person's card while they are members (each card message is recorded like a task's
details, bot/services/details.py, and hidden when the member leaves, the team ends or the
person's data is erased). The team shares a recurring schedule of visits or calls: the rule
and its next occurrence are the recurring help's (bot/services/series.py, timing.RepeatRule),
in the territory's time zone.

``tick`` makes each occurrence once (unique team + local day) ``REMIND_AHEAD`` before its
time, assigned to the team's volunteers in turn, and reminds that member through the outbox
(after the quiet hours). A visit not recorded by the end of its day (21:00 local, or
``MISSED_AFTER`` past its time when later) is marked missed and escalated like an unfinished
task (bot/services/escalation.py): the member is asked «still doing it / cannot»; no answer
within REMINDER_ANSWER_MINUTES (or «cannot»), the territory's coordinators are alerted with a
one-tap hand-over to another member or a replacement of the member. Every step is one
conditional UPDATE on the state it expects, so two replicas never do one twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import details, volunteers
from bot.services import escalation_rules as rules
from bot.services.help_requests import ERASED, quote_html

__all__ = ["ERASED"]  # the mark of an erased person, as on requests
from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.series import first_at
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours, RepeatRule
from bot.services.users import locales_of
from models import (
    CareMember,
    CareTeam,
    CareVisit,
    Coordinator,
    CoordinatorTerritory,
    MemberRole,
    Priority,
    TeamStatus,
    Territory,
    User,
    VisitStatus,
)

VISIT, CALL = "visit", "call"
KINDS = (VISIT, CALL)
# A recorded visit's outcome: all fine / needs help (the coordinators are told) / nobody at
# home / the person refused.
FINE, NEEDS_HELP, NOT_HOME, REFUSED = "fine", "help", "not_home", "refused"
OUTCOMES = (FINE, NEEDS_HELP, NOT_HOME, REFUSED)
# Seats of a team.
SEATS = {MemberRole.SOCIAL_WORKER: 1, MemberRole.VOLUNTEER: 2}

REMIND_AHEAD = timedelta(hours=2)  # an occurrence is made (and its member reminded) this early
MISSED_AFTER = timedelta(hours=2)  # a visit later than the day's end is missed this long after
HANDED_OVER_FOR = timedelta(hours=24)  # a visit handed to another member: their time for it
# an occurrence made later than this (the bot was down) is made missed at once: escalated, on
# the card
MAX_LATENESS = timedelta(hours=12)
DUE_PER_TICK = 100
TEAMS_PAGE = 20  # /teams, a page at a time
# ``CareVisit.escalation``
NOT_ASKED, ASKED, ALERTED, STILL = 0, 1, 2, 3
OPEN_VISITS = (VisitStatus.PLANNED, VisitStatus.MISSED)


class CareError(ValueError):
    """An action the team's state does not allow (the handler answers in words)."""


@dataclass(frozen=True, slots=True)
class Links:
    """Packed callback data of the buttons care messages carry (the app's come from
    bot/keyboards/care.py; these defaults only serve unit tests)."""

    open_team: Callable[[int], str] = lambda team_id: f"ct:my:{team_id}:0:0:0"
    record: Callable[[int], str] = lambda visit_id: f"ct:rec:{visit_id}:0:0:0"
    still: Callable[[int], str] = lambda visit_id: f"ct:still:{visit_id}:0:0:0"
    cannot: Callable[[int], str] = lambda visit_id: f"ct:cannot:{visit_id}:0:0:0"
    hand_over: Callable[[int, int, int], str] = lambda visit_id, member_id, former_id: (
        f"ct:ra:{visit_id}:{member_id}:{former_id}:0"
    )
    replace_list: Callable[[int, int], str] = lambda team_id, former_id: (
        f"ct:rl:{team_id}:0:{former_id}:0"
    )
    coordinator_card: Callable[[int], str] = lambda team_id: f"ct:open:{team_id}:0:0:0"


LINKS_INFO = "care_links"


def links_of(session: AsyncSession) -> Links:
    links = session.info.get(LINKS_INFO)
    return links if isinstance(links, Links) else Links()


async def zone(session: AsyncSession, territory_id: int) -> ZoneInfo:
    territory = await session.get(Territory, territory_id)
    return ZoneInfo(territory.timezone) if territory is not None else ZoneInfo("UTC")


# --- the team ----------------------------------------------------------------------------------
async def by_form_token(session: AsyncSession, token: str | None) -> CareTeam | None:
    if token is None:
        return None
    return await session.scalar(select(CareTeam).where(CareTeam.form_token == token))


async def create_team(
    session: AsyncSession,
    *,
    person_name: str,
    person_phone: str | None,
    address: str,
    notes: str | None,
    territory_id: int,
    actor_id: int,
    now: datetime,
    form_token: str | None = None,
) -> CareTeam:
    team = CareTeam(
        person_name=person_name,
        person_phone=person_phone,
        address=address,
        notes=notes,
        territory_id=territory_id,
        status=TeamStatus.ACTIVE,
        rule=None,
        visit_kind=VISIT,
        next_at=None,
        created_by=actor_id,
        form_token=form_token,
        created_at=now,
        updated_at=now,
    )
    session.add(team)
    await session.flush()
    return team


def _in_scope(territory_ids: frozenset[int] | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CareTeam.status == TeamStatus.ACTIVE]
    if territory_ids is not None:
        conditions.append(CareTeam.territory_id.in_(territory_ids))
    return conditions


async def teams_in_scope(
    session: AsyncSession,
    territory_ids: frozenset[int] | None,
    *,
    offset: int = 0,
    limit: int = TEAMS_PAGE,
) -> list[CareTeam]:
    """A page of the active teams of these territories (None: every one), newest first."""
    rows = await session.scalars(
        select(CareTeam)
        .where(*_in_scope(territory_ids))
        .order_by(CareTeam.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    )
    return list(rows.all())


async def count_in_scope(session: AsyncSession, territory_ids: frozenset[int] | None) -> int:
    total = await session.scalar(select(func.count(CareTeam.id)).where(*_in_scope(territory_ids)))
    return int(total or 0)


async def members(session: AsyncSession, team_id: int) -> list[CareMember]:
    """The team's current members: the social worker first, then by joining."""
    rows = await session.scalars(
        select(CareMember)
        .where(CareMember.team_id == team_id, CareMember.left_at.is_(None))
        .order_by(CareMember.role.desc(), CareMember.id)  # social_worker > volunteer
    )
    return list(rows.all())


async def membership(session: AsyncSession, team_id: int, user_id: int) -> CareMember | None:
    """This person's current membership of an active team: the one right to its card."""
    return await session.scalar(
        select(CareMember)
        .join(CareTeam, CareTeam.id == CareMember.team_id)
        .where(
            CareMember.team_id == team_id,
            CareMember.user_id == user_id,
            CareMember.left_at.is_(None),
            CareTeam.status == TeamStatus.ACTIVE,
        )
    )


async def teams_of(session: AsyncSession, user_id: int) -> list[CareTeam]:
    """Active teams this person is a member of now."""
    rows = await session.scalars(
        select(CareTeam)
        .join(CareMember, CareMember.team_id == CareTeam.id)
        .where(
            CareMember.user_id == user_id,
            CareMember.left_at.is_(None),
            CareTeam.status == TeamStatus.ACTIVE,
        )
        .order_by(CareTeam.id)
    )
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class Candidate:
    user_id: int
    name: str


async def candidates(
    session: AsyncSession, team: CareTeam, role: str, today: date
) -> list[Candidate]:
    """Who may join in ``role``: approved volunteers of the territory who are not paused and
    not in the team already; a social worker may also be a coordinator of the territory."""
    taken = {m.user_id for m in await members(session, team.id)}
    found = [
        Candidate(v.user_id, v.name)
        for v in await volunteers.available_in(session, team.territory_id, None, today)
        if v.user_id not in taken
    ]
    if role == MemberRole.SOCIAL_WORKER:
        rows = await session.execute(
            select(User.id, User.first_name, User.last_name)
            .join(Coordinator, Coordinator.user_id == User.id)
            .outerjoin(CoordinatorTerritory, CoordinatorTerritory.user_id == User.id)
            .where(
                or_(
                    Coordinator.is_hq.is_(True),
                    CoordinatorTerritory.territory_id == team.territory_id,
                )
            )
        )
        seen = {c.user_id for c in found} | taken
        for user_id, first, last in rows.all():
            if user_id not in seen:
                seen.add(user_id)
                found.append(Candidate(user_id, " ".join(p for p in (first, last) if p)))
    return sorted(found, key=lambda c: (c.name.lower(), c.user_id))


async def free_seats(session: AsyncSession, team_id: int, role: str) -> int:
    taken = await session.scalar(
        select(func.count(CareMember.id)).where(
            CareMember.team_id == team_id, CareMember.role == role, CareMember.left_at.is_(None)
        )
    )
    return SEATS.get(MemberRole(role), 0) - int(taken or 0)


async def add_member(
    session: AsyncSession, team: CareTeam, candidate: Candidate, role: str, now: datetime
) -> CareMember:
    """A member joins (a free seat of that role, not a member already); they are told and
    their card opens from the message's button."""
    # The team's row first: a second coordinator filling the last seat at once waits here for
    # this transaction (PostgreSQL's row lock; SQLite has one writer), then counts this member.
    locked = await session.scalar(
        update(CareTeam)
        .where(CareTeam.id == team.id, CareTeam.status == TeamStatus.ACTIVE)
        .values(updated_at=now)
        .returning(CareTeam.id),
        execution_options={"synchronize_session": False},
    )
    if locked is None:
        raise CareError("ended")
    if await free_seats(session, team.id, role) <= 0:
        raise CareError("full")
    member = await _join(session, team.id, candidate, role, now)
    if member is None:
        raise CareError("member")
    await _tell_joined(session, team, member, now)
    return member


async def _join(
    session: AsyncSession, team_id: int, candidate: Candidate, role: str, now: datetime
) -> CareMember | None:
    """The membership row; None: they are a member already (the partial unique index)."""
    added = await session.execute(
        insert_ignore(
            session,
            CareMember,
            {
                "team_id": team_id,
                "user_id": candidate.user_id,
                "name": candidate.name[:100],
                "role": str(role),
                "joined_at": now,
                "left_at": None,
            },
        )
    )
    if not getattr(added, "rowcount", 0):
        return None
    return await session.scalar(
        select(CareMember).where(
            CareMember.team_id == team_id,
            CareMember.user_id == candidate.user_id,
            CareMember.left_at.is_(None),
        )
    )


async def _tell_joined(
    session: AsyncSession, team: CareTeam, member: CareMember, now: datetime
) -> None:
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=member.user_id,
                message=OutgoingMessage(
                    Text(key="care-member-added", args={"team": team.id, "role": member.role}),
                    buttons=[
                        [
                            Button(
                                Text(key="btn-care-open", args={"team": team.id}),
                                links_of(session).open_team(team.id),
                            )
                        ]
                    ],
                ),
                key=f"care:{team.id}:joined:{member.id}",
                priority=Priority.URGENT,
            )
        ],
        now,
    )


async def replace_member(
    session: AsyncSession, team: CareTeam, former_id: int, candidate: Candidate, now: datetime
) -> CareMember | None:
    """A member who leaves is replaced: the former one's seat and open visits go to the new
    one, the former one's card messages are hidden and they are told. One conditional UPDATE
    on the former membership: a second tap replaces nobody twice. None: already gone."""
    former = await session.get(CareMember, former_id, populate_existing=True)
    if team.status != TeamStatus.ACTIVE or former is None or former.left_at is not None:
        return None
    if await membership(session, team.id, candidate.user_id) is not None:
        raise CareError("member")
    left = await session.scalar(
        update(CareMember)
        .where(
            CareMember.id == former_id,
            CareMember.team_id == team.id,
            CareMember.left_at.is_(None),
        )
        .values(left_at=now)
        .returning(CareMember.user_id),
        execution_options={"synchronize_session": False},
    )
    if left is None:
        return None
    await session.refresh(former)
    member = await _join(session, team.id, candidate, former.role, now)
    if member is None:  # joined meanwhile by another tap: the former one stays
        await session.execute(
            update(CareMember)
            .where(CareMember.id == former_id)
            .values(left_at=None)
            .execution_options(synchronize_session=False)
        )
        raise CareError("member")
    await session.execute(
        update(CareVisit)
        .where(CareVisit.member_id == former_id, CareVisit.status.in_(OPEN_VISITS))
        .values(
            member_id=member.id,
            status=VisitStatus.PLANNED,
            escalation=NOT_ASKED,
            step_at=now + HANDED_OVER_FOR,
        )
        .execution_options(synchronize_session=False)
    )
    await hide_cards(session, team.id, now, user_id=left)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=left,
                message=OutgoingMessage(Text(key="care-member-removed", args={"team": team.id})),
                key=f"care:{team.id}:left:{former_id}",
                priority=Priority.URGENT,
            )
        ],
        now,
    )
    await _tell_joined(session, team, member, now)
    return member


async def set_schedule(
    session: AsyncSession, team: CareTeam, *, rule: str, at: time, kind: str, now: datetime
) -> datetime:
    """The team's recurring schedule (a series rule, bot/services/series.rule_text); returns
    its first occurrence."""
    if kind not in KINDS:
        raise CareError(f"unknown kind {kind!r}")
    parsed = RepeatRule.parse(rule)
    tz = await zone(session, team.territory_id)
    following = first_at(parsed, at, now, tz)
    team.rule, team.visit_kind, team.next_at, team.updated_at = parsed.text, kind, following, now
    await session.flush()
    return following


def upcoming(team: CareTeam, tz: ZoneInfo, count: int = 3) -> list[datetime]:
    """The schedule's next occurrences, local time."""
    if team.rule is None or team.next_at is None:
        return []
    rule, moments, moment = RepeatRule.parse(team.rule), [], team.next_at
    for _ in range(count):
        moments.append(moment.astimezone(tz))
        moment = rule.next_after(moment, moment, tz)
    return moments


async def end_team(session: AsyncSession, team_id: int, now: datetime) -> bool:
    """No more visits; the members' cards are hidden and they are told."""
    ended = await session.scalar(
        update(CareTeam)
        .where(CareTeam.id == team_id, CareTeam.status == TeamStatus.ACTIVE)
        .values(status=TeamStatus.ENDED, next_at=None, updated_at=now)
        .returning(CareTeam.id),
        execution_options={"synchronize_session": False},
    )
    if ended is None:
        return False
    await session.execute(
        update(CareVisit)
        .where(CareVisit.team_id == team_id, CareVisit.status.in_(OPEN_VISITS))
        .values(step_at=None)
        .execution_options(synchronize_session=False)
    )
    current = await members(session, team_id)
    await hide_cards(session, team_id, now)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=m.user_id,
                message=OutgoingMessage(Text(key="care-team-ended", args={"team": team_id})),
                key=f"care:{team_id}:ended:{m.user_id}",
            )
            for m in current
        ],
        now,
    )
    return True


# --- the person's card: recorded, hidden when access ends ----------------------------------------
def _card_prefix(team_id: int) -> str:
    return f"care:{team_id}:card:"


async def card_begin(
    session: AsyncSession, team_id: int, user_id: int, now: datetime
) -> str | None:
    """Record that the person's card is about to be sent to a member (the caller commits
    before sending, details.shown adds the message id); None: not a member (nothing sent)."""
    if await membership(session, team_id, user_id) is None:
        return None
    key = f"{_card_prefix(team_id)}{user_id}:{uuid.uuid4().hex[:12]}"
    await details.record(session, key, f"care:{team_id}", user_id, now)
    return key


async def hide_cards(
    session: AsyncSession, team_id: int, now: datetime, *, user_id: int | None = None
) -> int:
    """Hide the person's card in one member's chat (or every chat)."""
    return await details.hide_recorded(
        session,
        f"care:{team_id}",
        _card_prefix(team_id),
        now,
        user_id=user_id,
        text=Text(key="care-card-hidden", args={"team": team_id}),
    )


async def withdraw(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    *,
    admin_ids: Collection[int] = (),
    team_id: int | None = None,
    erase_name: bool = False,
) -> int:
    """A member leaves a team (their own «leave», or every team: they stop volunteering, are
    blocked, or erase their data (``erase_name``)). Their cards are hidden, their open visits
    go to the next member in turn (reminded), and the team's coordinators are told, with the
    team's card where the free seat is filled. Returns how many teams they left."""
    conditions = [CareMember.user_id == user_id, CareMember.left_at.is_(None)]
    if team_id is not None:
        conditions.append(CareMember.team_id == team_id)
    rows = (
        await session.execute(
            update(CareMember)
            .where(*conditions)
            .values(left_at=now)
            .returning(CareMember.id, CareMember.team_id, CareMember.name),
            execution_options={"synchronize_session": False},
        )
    ).all()
    for member_id, left_team, name in rows:
        await hide_cards(session, left_team, now, user_id=user_id)
        team = await session.get(CareTeam, left_team)
        if team is None or team.status != TeamStatus.ACTIVE:
            continue
        following = await _next_member(session, left_team)
        open_ids = list(
            (
                await session.scalars(
                    select(CareVisit.id).where(
                        CareVisit.member_id == member_id, CareVisit.status.in_(OPEN_VISITS)
                    )
                )
            ).all()
        )
        if open_ids:
            await session.execute(
                update(CareVisit)
                .where(CareVisit.id.in_(open_ids))
                .values(
                    member_id=following.id if following else None,
                    status=VisitStatus.PLANNED,
                    escalation=NOT_ASKED,
                    step_at=now + HANDED_OVER_FOR,
                )
                .execution_options(synchronize_session=False)
            )
            if following is not None:
                tz = await zone(session, team.territory_id)
                for visit_id in open_ids:
                    visit = await session.get(CareVisit, visit_id, populate_existing=True)
                    assert visit is not None
                    await _remind(session, team, visit, following, now, tz)
        await tell_coordinators(
            session,
            team,
            Text(
                key="care-coord-member-left",
                args={"team": team.id, "name": quote_html(ERASED if erase_name else name)},
            ),
            f"care:{team.id}:member-left:{member_id}",
            now,
            admin_ids=admin_ids,
        )
    if erase_name:
        await session.execute(
            update(CareMember)
            .where(CareMember.user_id == user_id)
            .values(name=ERASED)
            .execution_options(synchronize_session=False)
        )
    return len(rows)


async def erase_person(session: AsyncSession, team_id: int, now: datetime) -> None:
    """The person's data goes: the card's fields, what visits' outcomes said about them, every
    member's card message; the team ends (bot/services/erasure.py runs this as a step and
    then purges the outbox and the audit entries about ``care:<id>``)."""
    await end_team(session, team_id, now)
    await hide_cards(session, team_id, now)
    await session.execute(
        update(CareTeam)
        .where(CareTeam.id == team_id)
        .values(
            person_name=ERASED,
            person_phone=None,
            address=ERASED,
            notes=None,
            status=TeamStatus.ENDED,
            next_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(CareVisit)
        .where(CareVisit.team_id == team_id)
        .values(outcome_text=None, step_at=None)
        .execution_options(synchronize_session=False)
    )


# --- the schedule: occurrences -------------------------------------------------------------------
def _missed_at(moment: datetime, tz: ZoneInfo) -> datetime:
    """When an unrecorded visit counts as missed: the end of its day (21:00 local), or
    MISSED_AFTER past its time when that is later."""
    return max(rules.window_end(moment.astimezone(tz).date(), None, tz), moment + MISSED_AFTER)


async def due_teams(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(CareTeam.id)
        .where(CareTeam.status == TeamStatus.ACTIVE, CareTeam.next_at <= now + REMIND_AHEAD)
        .order_by(CareTeam.next_at, CareTeam.id)
        .limit(DUE_PER_TICK)
    )
    return list(rows.all())


async def _next_member(session: AsyncSession, team_id: int) -> CareMember | None:
    """The volunteers take turns (after the latest visit's member); no volunteer: the
    social worker."""
    current = await members(session, team_id)
    if not current:
        return None
    in_turn = [m for m in current if m.role == MemberRole.VOLUNTEER] or current
    latest = await session.scalar(
        select(CareVisit.member_id)
        .where(CareVisit.team_id == team_id, CareVisit.member_id.is_not(None))
        .order_by(CareVisit.due_on.desc(), CareVisit.id.desc())
        .limit(1)
    )
    ids = [m.id for m in in_turn]
    if latest in ids:
        return in_turn[(ids.index(latest) + 1) % len(in_turn)]
    return in_turn[0]


async def occur(session: AsyncSession, team_id: int, now: datetime) -> str:
    """One due occurrence: "created", "missed" (the bot was down too long) or "none"."""
    team = await session.get(CareTeam, team_id, populate_existing=True)
    if team is None or team.status != TeamStatus.ACTIVE or team.next_at is None or not team.rule:
        return "none"
    if team.next_at > now + REMIND_AHEAD:  # another runner made the due one meanwhile
        return "none"
    tz = await zone(session, team.territory_id)
    moment = team.next_at
    following = RepeatRule.parse(team.rule).next_after(moment, max(moment, now), tz)
    claimed = await session.execute(
        update(CareTeam)
        .where(
            CareTeam.id == team_id,
            CareTeam.next_at == moment,
            CareTeam.status == TeamStatus.ACTIVE,
        )
        .values(next_at=following, updated_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        return "none"
    too_late = now - moment > MAX_LATENESS
    member = await _next_member(session, team_id)
    day = moment.astimezone(tz).date()
    made = await session.execute(
        insert_ignore(
            session,
            CareVisit,
            {
                "team_id": team_id,
                "due_at": moment,
                "due_on": day,
                "kind": team.visit_kind,
                "member_id": member.id if member else None,
                "status": (VisitStatus.MISSED if too_late else VisitStatus.PLANNED).value,
                "escalation": NOT_ASKED,
                # too late to remind: the next step (the member asked, the coordinators
                # alerted) comes at once
                "step_at": now if too_late else _missed_at(moment, tz),
                "created_at": now,
            },
        )
    )
    if not getattr(made, "rowcount", 0):
        return "none"
    if too_late:
        return "missed"
    visit = await session.scalar(
        select(CareVisit).where(CareVisit.team_id == team_id, CareVisit.due_on == day)
    )
    assert visit is not None
    if member is not None:
        await _remind(session, team, visit, member, now, tz)
    return "created"


async def _remind(
    session: AsyncSession,
    team: CareTeam,
    visit: CareVisit,
    member: CareMember,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """The member's reminder: no personal data in it (the card opens from its button)."""
    links = links_of(session)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=member.user_id,
                message=OutgoingMessage(
                    Text(
                        key="care-visit-reminder",
                        args={
                            "team": team.id,
                            "kind": visit.kind,
                            "when": visit.due_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
                        },
                    ),
                    buttons=[
                        [
                            Button(
                                Text(key="btn-care-open", args={"team": team.id}),
                                links.open_team(team.id),
                            )
                        ],
                        [
                            Button(
                                Text(key="btn-care-record", args={"kind": visit.kind}),
                                links.record(visit.id),
                            )
                        ],
                    ],
                ),
                key=f"care:{team.id}:visit:{visit.id}:remind:{member.id}",
                not_before=rules.policy_of(session).quiet.defer(now, tz),
            )
        ],
        now,
    )


# --- a visit not recorded in time ----------------------------------------------------------------
async def due_steps(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(CareVisit.id)
        .where(CareVisit.status.in_(OPEN_VISITS), CareVisit.step_at <= now)
        .order_by(CareVisit.step_at, CareVisit.id)
        .limit(DUE_PER_TICK)
    )
    return list(rows.all())


async def step(
    session: AsyncSession,
    visit_id: int,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> str | None:
    """The next escalation step of a visit whose ``step_at`` came: "missed" (marked, the
    member asked «still doing it / cannot») or "alerted" (the coordinators)."""
    visit = await session.get(CareVisit, visit_id, populate_existing=True)
    if visit is None or visit.status not in OPEN_VISITS or visit.step_at is None:
        return None
    team = await session.get(CareTeam, visit.team_id)
    if team is None or team.status != TeamStatus.ACTIVE:
        return None
    guard = [
        CareVisit.id == visit_id,
        CareVisit.status == visit.status,
        CareVisit.escalation == visit.escalation,
        CareVisit.step_at <= now,
    ]
    tz = await zone(session, team.territory_id)
    member = await session.get(CareMember, visit.member_id) if visit.member_id else None
    if visit.escalation == NOT_ASKED and member is not None and member.left_at is None:
        policy = rules.policy_of(session)
        ask_at = policy.quiet.defer(now, tz)
        if not await _claim(
            session,
            guard,
            status=VisitStatus.MISSED,
            escalation=ASKED,
            # no answer: the coordinators hear of it, though not in the night
            step_at=policy.quiet.defer(ask_at + policy.answer, tz),
        ):
            return None
        links = links_of(session)
        minutes = int(policy.answer.total_seconds() // 60)
        await enqueue_many(
            session,
            [
                Outgoing(
                    chat_id=member.user_id,
                    message=OutgoingMessage(
                        Text(
                            key="care-missed-ask",
                            args={
                                "team": team.id,
                                "kind": visit.kind,
                                "date": visit.due_on.strftime("%d.%m.%Y"),
                                "minutes": minutes,
                            },
                        ),
                        buttons=[
                            [
                                Button(Text(key="btn-care-still"), links.still(visit.id)),
                                Button(Text(key="btn-care-cannot"), links.cannot(visit.id)),
                            ]
                        ],
                    ),
                    key=f"care:{team.id}:visit:{visit.id}:ask:{member.id}",
                    priority=Priority.URGENT,
                    not_before=ask_at,
                )
            ],
            now,
        )
        return "missed"
    if visit.escalation in (NOT_ASKED, ASKED, STILL):  # no answer, or «still» and not recorded
        if not await _claim(
            session, guard, status=VisitStatus.MISSED, escalation=ALERTED, step_at=None
        ):
            return None
        await alert(
            session,
            team,
            visit,
            member,
            now,
            default_locale=default_locale,
            admin_ids=admin_ids,
            # not in the night (a visit with no member is alerted at its day's end)
            not_before=rules.policy_of(session).quiet.defer(now, tz),
        )
        return "alerted"
    return None


async def _claim(
    session: AsyncSession, guard: Sequence[ColumnElement[bool]], **values: object
) -> bool:
    won = await session.scalar(
        update(CareVisit).where(*guard).values(**values).returning(CareVisit.id),
        execution_options={"synchronize_session": False},
    )
    return won is not None


async def tell_coordinators(
    session: AsyncSession,
    team: CareTeam,
    text: Text,
    key: str,
    now: datetime,
    *,
    admin_ids: Collection[int],
    personal: bool = False,
) -> list[int]:
    """The team's territory's coordinators (and the HQ) hear of it, with the team's card a tap
    away; ``personal``: the text says something about the person (purged after delivery)."""
    recipients = await volunteers.coordinators_of(session, team.territory_id, admin_ids)
    card = Button(
        Text(key="btn-care-team", args={"team": team.id}),
        links_of(session).coordinator_card(team.id),
    )
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=chat_id,
                message=OutgoingMessage(text, buttons=[[card]]),
                key=f"{key}:{chat_id}",
                priority=Priority.URGENT,
                personal=personal,
            )
            for chat_id in recipients
        ],
        now,
    )
    return recipients


async def alert(
    session: AsyncSession,
    team: CareTeam,
    visit: CareVisit,
    member: CareMember | None,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
    not_before: datetime | None = None,
) -> list[int]:
    """The territory's coordinators hear of a missed visit: one tap hands it to another
    member, or opens the list to replace the member."""
    links = links_of(session)
    others = [m for m in await members(session, team.id) if member is None or m.id != member.id]
    former_id = member.id if member is not None else 0
    buttons = [
        [
            Button(
                Text(key="btn-care-hand-over", args={"name": quote_html(m.name)}),
                links.hand_over(visit.id, m.id, former_id),
            )
        ]
        for m in others
    ]
    if member is not None:
        buttons.append(
            [
                Button(
                    Text(key="btn-care-replace", args={"name": quote_html(member.name)}),
                    links.replace_list(team.id, member.id),
                )
            ]
        )
    recipients = await volunteers.coordinators_of(session, team.territory_id, admin_ids)
    locales = await locales_of(session, recipients, default_locale)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key="care-coord-missed",
                        args={
                            "team": team.id,
                            "kind": visit.kind,
                            "date": visit.due_on.strftime("%d.%m.%Y"),
                            "member": quote_html(member.name) if member else "-",
                        },
                    ),
                    buttons=buttons,
                    locale=locales[user_id],
                ),
                key=f"care:{team.id}:visit:{visit.id}:alert:{int(now.timestamp())}:{user_id}",
                priority=Priority.URGENT,
                not_before=not_before,
            )
            for user_id in recipients
        ],
        now,
    )
    return recipients


def still_until(now: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """A visit answered «still doing it» and not recorded by then alerts the coordinators: the
    end of the next day (21:00 local), not in the quiet hours."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return quiet.defer(rules.window_end(tomorrow, None, tz), tz)


async def still_doing(session: AsyncSession, visit_id: int, user_id: int, now: datetime) -> bool:
    """The member answers: still doing it (they will record it; not recorded by the end of
    the next day, the coordinators are alerted). False: not theirs or not asked (an old
    button)."""
    visit = await session.get(CareVisit, visit_id)
    if visit is None or visit.member_id is None:
        return False
    member = await session.get(CareMember, visit.member_id)
    if member is None or member.user_id != user_id or member.left_at is not None:
        return False
    team = await session.get(CareTeam, visit.team_id)
    if team is None or team.status != TeamStatus.ACTIVE:
        return False
    tz = await zone(session, team.territory_id)
    return await _claim(
        session,
        [
            CareVisit.id == visit_id,
            CareVisit.member_id == member.id,
            CareVisit.status.in_(OPEN_VISITS),
            CareVisit.escalation.in_((ASKED, ALERTED)),
        ],
        escalation=STILL,
        step_at=still_until(now, tz, rules.policy_of(session).quiet),
    )


async def cannot(
    session: AsyncSession,
    visit_id: int,
    user_id: int,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> bool:
    """The member cannot do it: the coordinators are alerted now."""
    visit = await session.get(CareVisit, visit_id)
    if visit is None or visit.member_id is None:
        return False
    member = await session.get(CareMember, visit.member_id)
    if member is None or member.user_id != user_id or member.left_at is not None:
        return False
    if not await _claim(
        session,
        [
            CareVisit.id == visit_id,
            CareVisit.member_id == member.id,
            CareVisit.status.in_(OPEN_VISITS),
            CareVisit.escalation.in_((NOT_ASKED, ASKED, STILL)),
        ],
        status=VisitStatus.MISSED,
        escalation=ALERTED,
        step_at=None,
    ):
        return False
    team = await session.get(CareTeam, visit.team_id)
    assert team is not None
    await alert(
        session, team, visit, member, now, default_locale=default_locale, admin_ids=admin_ids
    )
    return True


async def hand_over(
    session: AsyncSession, visit_id: int, member_id: int, former_id: int, now: datetime
) -> CareVisit | None:
    """A coordinator hands a missed visit to another current member of its team (one
    conditional UPDATE on the member their alert named); the new member is reminded. None:
    recorded meanwhile, or handed over already."""
    visit = await session.get(CareVisit, visit_id)
    member = await session.get(CareMember, member_id)
    team = await session.get(CareTeam, visit.team_id) if visit is not None else None
    if (
        visit is None
        or team is None
        or team.status != TeamStatus.ACTIVE  # ended meanwhile: nobody is reminded
        or member is None
        or member.team_id != visit.team_id
        or member.left_at is not None
        or member.id == former_id
    ):
        return None
    former_guard = CareVisit.member_id == former_id if former_id else CareVisit.member_id.is_(None)
    if not await _claim(
        session,
        [CareVisit.id == visit_id, former_guard, CareVisit.status.in_(OPEN_VISITS)],
        member_id=member.id,
        status=VisitStatus.PLANNED,
        escalation=NOT_ASKED,
        step_at=now + HANDED_OVER_FOR,
    ):
        return None
    handed = await session.get(CareVisit, visit_id, populate_existing=True)
    assert handed is not None
    await _remind(session, team, handed, member, now, await zone(session, team.territory_id))
    return handed


# --- recording a visit ---------------------------------------------------------------------------
async def open_visits(session: AsyncSession, team_id: int, now: datetime) -> list[CareVisit]:
    """Visits of the team made and not yet recorded (the next one is made REMIND_AHEAD
    before its time)."""
    rows = await session.scalars(
        select(CareVisit)
        .where(CareVisit.team_id == team_id, CareVisit.status.in_(OPEN_VISITS))
        .order_by(CareVisit.due_at, CareVisit.id)
        .limit(10)
    )
    return list(rows.all())


async def recent_visits(session: AsyncSession, team_id: int, limit: int = 5) -> list[CareVisit]:
    rows = await session.scalars(
        select(CareVisit)
        .where(CareVisit.team_id == team_id)
        .order_by(CareVisit.due_at.desc(), CareVisit.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def visit_of_member(
    session: AsyncSession, visit_id: int, user_id: int
) -> tuple[CareVisit, CareMember] | None:
    """An open visit of a team this person is a member of now (any member may record it)."""
    visit = await session.get(CareVisit, visit_id)
    if visit is None or visit.status not in OPEN_VISITS:
        return None
    member = await membership(session, visit.team_id, user_id)
    return (visit, member) if member is not None else None


async def record(
    session: AsyncSession,
    visit_id: int,
    user_id: int,
    outcome: str,
    note: str | None,
    now: datetime,
    *,
    default_locale: str,
    admin_ids: Collection[int],
) -> CareVisit | None:
    """A member records a visit with its outcome; «needs help» alerts the territory's
    coordinators with what the member wrote. None: not theirs to record, or recorded."""
    if outcome not in OUTCOMES:
        raise CareError(f"unknown outcome {outcome!r}")
    found = await visit_of_member(session, visit_id, user_id)
    if found is None:
        return None
    visit, member = found
    if not await _claim(
        session,
        [CareVisit.id == visit_id, CareVisit.status.in_(OPEN_VISITS)],
        status=VisitStatus.DONE,
        outcome=outcome,
        outcome_text=note,
        recorded_by=user_id,
        recorded_at=now,
        step_at=None,
    ):
        return None
    recorded = await session.get(CareVisit, visit_id, populate_existing=True)
    assert recorded is not None
    visit = recorded
    if outcome == NEEDS_HELP:
        team = await session.get(CareTeam, visit.team_id)
        assert team is not None
        await tell_coordinators(
            session,
            team,
            Text(
                key="care-coord-needs-help",
                args={
                    "team": team.id,
                    "member": quote_html(member.name),
                    "kind": visit.kind,
                    "date": visit.due_on.strftime("%d.%m.%Y"),
                    "note": quote_html(note or "-"),
                },
            ),
            f"care:{team.id}:visit:{visit.id}:help",
            now,
            admin_ids=admin_ids,
            personal=True,
        )
    return visit


def was_late(visit: CareVisit, tz: ZoneInfo) -> bool:
    """Recorded after it was missed (asked about, or on a later day: handed over, replaced)."""
    if visit.status != VisitStatus.DONE:
        return False
    later_day = (
        visit.recorded_at is not None and visit.recorded_at.astimezone(tz).date() > visit.due_on
    )
    return visit.escalation != NOT_ASKED or later_day


def local_moment(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")
