"""Vaccination follow-up campaigns: the coordinator's side (create, list, progress, pause,
close) and who works them (volunteers, medics on duty). No aiogram here.

The worklist asks two things of this module, with stable signatures:

- ``campaigns_of_volunteer(session, user_id, *, now)``: the ACTIVE campaigns a person works
  (``now``: the injected clock's time, for their pause in their territory's time zone);
- ``medics_of(session, campaign_id)``: the user ids of the campaign's medics on duty.

Territories nest (Kuzbass: the region, then 34 municipalities; Kazakhstan: flat): a campaign
on a territory covers everything under it. A volunteer works a campaign when their territory
or one of its ancestors is the campaign's; a person imported anywhere under the campaign's
territories is stored under their own territory.
"""

from __future__ import annotations

import enum
import html
import itertools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from bot.services.users import Roles
from models import (
    AlertStatus,
    Campaign,
    CampaignAlert,
    CampaignContact,
    CampaignLink,
    CampaignMedic,
    CampaignPerson,
    CampaignStatus,
    CampaignTerritory,
    CampaignVolunteer,
    Coordinator,
    CoordinatorTerritory,
    Outcome,
    PersonStatus,
    Priority,
    Territory,
    User,
    Volunteer,
    VolunteerMode,
    VolunteerStatus,
    WorkKind,
)

CALLS_SKILL = "calls"
MEDIC_SKILL = "medic"
MAX_ROUNDS = 10
MAX_ROUND_DAY = 365
MIN_RETRY = 15  # minutes
MAX_RETRY = 3 * 24 * 60
MAX_ATTEMPTS = 10
VISIT_AFTER_CHOICES = (1, 2, 3)
# How long a volunteer may hold a person's card without a result before it lapses.
CLAIM_MINUTES_CHOICES = (10, 20, 30, 60)


# --- parsing what a coordinator types ------------------------------------------------------
def parse_rounds(text: str | None) -> list[int] | None:
    """«0, 7, 21» → [0, 7, 21]: days after vaccination, the first 0, strictly ascending, at
    most ``MAX_ROUNDS``, each ≤ ``MAX_ROUND_DAY``; None when it is not that."""
    if not text:
        return None
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if not parts or len(parts) > MAX_ROUNDS:
        return None
    if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
        return None
    days = [int(part) for part in parts]
    if days[0] != 0 or days[-1] > MAX_ROUND_DAY:
        return None
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        return None
    return days


_TIME = r"(\d{1,2})(?:[:.](\d{2}))?"
_WINDOW = re.compile(rf"^\s*{_TIME}\s*[-–—]\s*{_TIME}\s*$")


def parse_window(text: str | None) -> tuple[int, int] | None:
    """«10:00-19:00» (or «10-19», «10.00–19.00») → (600, 1140): minutes after midnight, the
    start before the end, at least an hour long; None when it is not that."""
    if not text or len(text) > 40:
        return None
    match = _WINDOW.match(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(group) if group else 0 for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end - start < 60:
        return None
    return start, end


def format_window(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def window_in_quiet(window: tuple[int, int], quiet: QuietHours) -> bool:
    """Whether a call window lies wholly or mostly inside the deployment's quiet hours
    (nobody is handed out then, so its people would wait for ever): less than an hour of it
    outside them, or more of it inside than outside."""
    start, end = window
    inside = sum(quiet.contains(time(minute // 60, minute % 60)) for minute in range(start, end))
    outside = (end - start) - inside
    return outside < 60 or inside > outside


def format_quiet(quiet: QuietHours) -> str:
    return f"{quiet.start:%H:%M}–{quiet.end:%H:%M}"


# Units a coordinator may type after the number, in ru and kk (and short Latin).
_UNITS = {
    "": 1,
    "m": 1,
    "min": 1,
    "м": 1,
    "мин": 1,
    "минут": 1,
    "минуты": 1,
    "минута": 1,
    "минуттан": 1,
    "минут.": 1,
    "h": 60,
    "ч": 60,
    "час": 60,
    "часа": 60,
    "часов": 60,
    "сағ": 60,
    "сағат": 60,
    "d": 1440,
    "д": 1440,
    "дн": 1440,
    "день": 1440,
    "дня": 1440,
    "дней": 1440,
    "күн": 1440,
}
_RETRY = re.compile(r"^\s*(\d{1,4})\s*([^\d\s]*)\s*$")


def parse_retry(text: str | None) -> int | None:
    """«90», «90 мин», «2 ч», «2 сағ», «1 день» → minutes, between 15 minutes and 3 days;
    None when it is not that."""
    if not text or len(text) > 30:
        return None
    match = _RETRY.match(text.lower())
    if match is None:
        return None
    unit = _UNITS.get(match.group(2).rstrip("."))
    if unit is None:
        return None
    minutes = int(match.group(1)) * unit
    return minutes if MIN_RETRY <= minutes <= MAX_RETRY else None


def parse_attempts(text: str | None) -> int | None:
    """Attempts per round: 1..10."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 2:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ATTEMPTS else None


# --- territories nest --------------------------------------------------------------------
def _self_and_ancestors(territory_id: Any) -> Any:
    """A recursive CTE (column ``id``) of the territory and every territory above it along
    ``territories.parent_id``; UNION, so a broken cycle ends."""
    chain = (
        select(Territory.id, Territory.parent_id)
        .where(Territory.id == territory_id)
        .cte("territory_chain", recursive=True)
    )
    parent = select(Territory.id, Territory.parent_id).join(
        chain, Territory.id == chain.c.parent_id
    )
    return chain.union(parent)


async def _parents(session: AsyncSession) -> dict[int, int | None]:
    rows = await session.execute(select(Territory.id, Territory.parent_id))
    return {territory_id: parent for territory_id, parent in rows.all()}


def _ancestors(territory_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """The territory and every territory above it."""
    found: list[int] = []
    current: int | None = territory_id
    while current is not None and current not in found:
        found.append(current)
        current = parents.get(current)
    return found


def _under(roots: Collection[int], parents: Mapping[int, int | None]) -> set[int]:
    """``roots`` and every territory under one of them."""
    wanted = set(roots)
    return wanted | {t for t in parents if wanted.intersection(_ancestors(t, parents))}


async def territories_under(session: AsyncSession, roots: Collection[int]) -> set[int]:
    """``roots`` and every territory under one of them (a campaign's reach)."""
    if not roots:
        return set()
    return _under(roots, await _parents(session))


# --- who works a campaign ------------------------------------------------------------------
async def campaigns_of_volunteer(
    session: AsyncSession, user_id: int, *, now: datetime | None = None
) -> list[int]:
    """Ids of the ACTIVE campaigns this person works, ascending: they are an approved
    volunteer, not paused today (in their territory's time zone), whose territory or one of
    its ancestors is one of the campaign's (a Yurga volunteer works a campaign on the Kuzbass
    region); and the campaign takes all «calls» volunteers and they have that skill,
    or they opted in (an open ``campaign_volunteers`` row). Empty for anyone else.
    ``now``: the injected clock's time (pass ``clock.now()``; the wall clock otherwise)."""
    volunteer = await session.scalar(
        select(Volunteer).where(
            Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED
        )
    )
    if volunteer is None:
        return []
    if volunteer.paused_until is not None:
        zone = await session.scalar(
            select(Territory.timezone).where(Territory.id == volunteer.territory_id)
        )
        today = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone) if zone else UTC).date()
        if volunteer.paused_until > today:
            return []
    opted_in = (
        select(CampaignVolunteer.campaign_id)
        .where(CampaignVolunteer.user_id == user_id, CampaignVolunteer.left_at.is_(None))
        .scalar_subquery()
    )
    mode: ColumnElement[bool] = Campaign.id.in_(opted_in)
    if CALLS_SKILL in (volunteer.skills or []):
        mode = or_(Campaign.volunteers == VolunteerMode.ALL, mode)
    chain = _self_and_ancestors(volunteer.territory_id)
    rows = await session.scalars(
        select(Campaign.id)
        .join(CampaignTerritory, CampaignTerritory.campaign_id == Campaign.id)
        .where(
            CampaignTerritory.territory_id.in_(select(chain.c.id)),
            Campaign.status == CampaignStatus.ACTIVE,
            mode,
        )
        .order_by(Campaign.id)
    )
    return list(dict.fromkeys(rows.all()))


async def medics_of(session: AsyncSession, campaign_id: int) -> list[int]:
    """User ids of the campaign's medics on duty (volunteer medics or coordinators),
    ascending; whether they blocked the bot since is the outbox's business."""
    rows = await session.scalars(
        select(CampaignMedic.user_id)
        .where(CampaignMedic.campaign_id == campaign_id)
        .order_by(CampaignMedic.user_id)
    )
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    name: str


async def medic_candidates(
    session: AsyncSession, territory_ids: Collection[int], extra_ids: Collection[int] = ()
) -> list[Person]:
    """Who may be on duty for a campaign of these territories: approved volunteers with the
    «medic» skill there or under them, the coordinators of those territories (and under them)
    and of the HQ, and ``extra_ids`` (the creating coordinator, ADMIN_IDS); only people who
    started the bot and did not block it. Volunteers named by their volunteer name, the rest
    by first name."""
    territory_ids = await territories_under(session, territory_ids)
    medics = (
        await session.execute(
            select(Volunteer.user_id, Volunteer.name, Volunteer.skills).where(
                Volunteer.status == VolunteerStatus.APPROVED,
                Volunteer.territory_id.in_(territory_ids),
            )
        )
    ).all()
    names = {row.user_id: row.name for row in medics if MEDIC_SKILL in (row.skills or [])}
    coordinators = await session.scalars(
        select(Coordinator.user_id)
        .outerjoin(CoordinatorTerritory, CoordinatorTerritory.user_id == Coordinator.user_id)
        .where(
            or_(Coordinator.is_hq.is_(True), CoordinatorTerritory.territory_id.in_(territory_ids))
        )
    )
    wanted = set(names) | set(coordinators.all()) | set(extra_ids)
    if not wanted:
        return []
    users = await session.execute(
        select(User.id, User.first_name).where(User.id.in_(wanted), User.blocked_bot.is_(False))
    )
    people = [Person(row.id, names.get(row.id) or row.first_name) for row in users.all()]
    return sorted(people, key=lambda person: (person.name.lower(), person.user_id))


async def calls_volunteers(session: AsyncSession, territory_ids: Collection[int]) -> list[int]:
    """User ids of approved volunteers with the «calls» skill in these territories or under
    them (a campaign on the Kuzbass region: its municipalities' volunteers)."""
    reach = await territories_under(session, territory_ids)
    if not reach:
        return []
    rows = await session.execute(
        select(Volunteer.user_id, Volunteer.skills).where(
            Volunteer.status == VolunteerStatus.APPROVED,
            Volunteer.territory_id.in_(reach),
        )
    )
    return sorted({row.user_id for row in rows.all() if CALLS_SKILL in (row.skills or [])})


async def workers_of(
    session: AsyncSession, campaign: Campaign, territory_ids: Collection[int]
) -> dict[int, int]:
    """The people who work ``campaign`` in these territories (where its people live): user
    id -> their territory. The rule of ``campaigns_of_volunteer``: the volunteer's territory
    is one of the campaign's or under one (approved «calls» volunteers for a campaign of
    all, the opted-in for one of chosen)."""
    reach = await territories_under(session, await territory_ids_of(session, campaign.id))
    wanted = reach.intersection(territory_ids)
    if not wanted:
        return {}
    query = select(Volunteer.user_id, Volunteer.territory_id, Volunteer.skills).where(
        Volunteer.status == VolunteerStatus.APPROVED, Volunteer.territory_id.in_(wanted)
    )
    if campaign.volunteers == VolunteerMode.CHOSEN:
        query = query.join(
            CampaignVolunteer,
            and_(
                CampaignVolunteer.user_id == Volunteer.user_id,
                CampaignVolunteer.campaign_id == campaign.id,
                CampaignVolunteer.left_at.is_(None),
            ),
        )
    rows = (await session.execute(query)).all()
    return {
        row.user_id: row.territory_id
        for row in rows
        if campaign.volunteers == VolunteerMode.CHOSEN or CALLS_SKILL in (row.skills or [])
    }


async def tell_workers_of_new_people(
    session: AsyncSession,
    campaign_id: int,
    new_by_territory: Mapping[int, int],
    *,
    import_id: int,
    next_call_data: str,
    now: datetime,
) -> int:
    """After an import: each volunteer of the campaign whose territory got new people to call
    is told how many, with the «Следующий звонок» button (``next_call_data``), through the
    outbox, once per import. Returns how many were told."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.ACTIVE or not new_by_territory:
        return 0
    workers = await workers_of(session, campaign, list(new_by_territory))
    name = html.escape(campaign.name, quote=False)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key="campaign-new-people",
                        args={"name": name, "count": new_by_territory[territory_id]},
                    ),
                    buttons=[[Button(Text(key="btn-next-call"), callback_data=next_call_data)]],
                ),
                key=f"campaign:{campaign_id}:import:{import_id}:{user_id}",
                priority=Priority.NORMAL,
            )
            for user_id, territory_id in sorted(workers.items())
        ],
        now,
    )
    return len(workers)


# --- creating ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NewCampaign:
    name: str
    territory_ids: Sequence[int]
    rounds: Sequence[int]
    window: tuple[int, int]
    attempts: int
    retry_minutes: int
    claim_minutes: int  # one of CLAIM_MINUTES_CHOICES
    visit_after: int | None
    volunteers: VolunteerMode
    medic_ids: Sequence[int]
    form_token: str


@dataclass(frozen=True, slots=True)
class Created:
    campaign: Campaign
    created: bool  # False: this form was confirmed before (a double tap)
    invited: list[int] = field(default_factory=list)


async def by_token(session: AsyncSession, token: str) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.form_token == token))


async def create(
    session: AsyncSession,
    new: NewCampaign,
    *,
    actor_id: int,
    now: datetime,
    join_data: Callable[[int], str] | None = None,
) -> Created:
    """The campaign with its territories and medics, in the caller's transaction; the same
    ``form_token`` again returns the one already made. A campaign of chosen volunteers
    invites every approved «calls» volunteer of its territories through the outbox (one
    message per campaign and volunteer); ``join_data(campaign_id)``: the packed callback data
    of its «Участвую» button (required then)."""
    if new.claim_minutes not in CLAIM_MINUTES_CHOICES:
        raise ValueError(f"claim minutes not one of {CLAIM_MINUTES_CHOICES}")
    existing = await by_token(session, new.form_token)
    if existing is not None:
        return Created(existing, False)
    campaign = Campaign(
        name=new.name,
        status=CampaignStatus.ACTIVE,
        rounds=list(new.rounds),
        window_start=new.window[0],
        window_end=new.window[1],
        attempts=new.attempts,
        retry_minutes=new.retry_minutes,
        claim_minutes=new.claim_minutes,
        visit_after=new.visit_after,
        volunteers=new.volunteers,
        created_by=actor_id,
        form_token=new.form_token,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    territory_ids = sorted(set(new.territory_ids))
    session.add_all(
        CampaignTerritory(campaign_id=campaign.id, territory_id=t) for t in territory_ids
    )
    session.add_all(CampaignMedic(campaign_id=campaign.id, user_id=u) for u in set(new.medic_ids))
    await session.flush()
    invited: list[int] = []
    if new.volunteers == VolunteerMode.CHOSEN:
        if join_data is None:
            raise ValueError("a campaign of chosen volunteers needs the join button's data")
        invited = await calls_volunteers(session, territory_ids)
        data = join_data(campaign.id)
        await enqueue_many(
            session,
            [
                Outgoing(
                    chat_id=user_id,
                    message=OutgoingMessage(
                        Text(
                            key="campaign-invite", args={"name": html.escape(new.name, quote=False)}
                        ),
                        buttons=[
                            [
                                Button(
                                    Text(key="btn-campaign-join"),
                                    callback_data=data,
                                )
                            ]
                        ],
                    ),
                    key=invite_key(campaign.id, user_id),
                    priority=Priority.NORMAL,
                )
                for user_id in invited
            ],
            now,
        )
    return Created(campaign, True, invited)


def invite_key(campaign_id: int, user_id: int) -> str:
    """The outbox idempotency key of a campaign's invitation to one volunteer."""
    return f"campaign:{campaign_id}:invite:{user_id}"


# --- the coordinator's list and card -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Access:
    """What a coordinator may do with a campaign. ``manage``: pause, resume, close (the HQ,
    its creator, a coordinator of every one of its territories); otherwise a read-only card
    whose counts cover ``territory_ids`` only (theirs, within the campaign's reach)."""

    manage: bool
    territory_ids: frozenset[int] | None = None  # None: the whole campaign


def _related(mine: Collection[int], parents: Mapping[int, int | None]) -> set[int]:
    """Territories whose reach overlaps the coordinator's: theirs, above and under them."""
    above = {t for own in mine for t in _ancestors(own, parents)}
    return above | _under(mine, parents)


async def access(
    session: AsyncSession, campaign_id: int, roles: Roles, user_id: int
) -> Access | None:
    """None when the campaign is gone or none of its reach is the coordinator's (a forged
    button learns nothing about it)."""
    row = (
        await session.execute(select(Campaign.created_by).where(Campaign.id == campaign_id))
    ).first()
    territory_ids = await territory_ids_of(session, campaign_id)
    if row is None or not territory_ids:
        return None
    if roles.is_hq or row.created_by == user_id or all(roles.can_act_in(t) for t in territory_ids):
        return Access(manage=True)
    if not roles.territory_ids:
        return None
    parents = await _parents(session)
    reach = _under(territory_ids, parents)
    own = frozenset(reach & _under(roles.territory_ids, parents))
    return Access(manage=False, territory_ids=own) if own else None


async def territory_ids_of(session: AsyncSession, campaign_id: int) -> list[int]:
    rows = await session.scalars(
        select(CampaignTerritory.territory_id)
        .where(CampaignTerritory.campaign_id == campaign_id)
        .order_by(CampaignTerritory.territory_id)
    )
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class ListItem:
    id: int
    name: str
    status: str


async def page_in_scope(
    session: AsyncSession,
    roles: Roles,
    *,
    offset: int,
    limit: int,
    user_id: int | None = None,
) -> tuple[list[ListItem], bool]:
    """Campaigns the coordinator sees (``access`` is not None), newest first: one page and
    whether another follows. ``user_id``: the coordinator, who sees what they created."""
    query = select(Campaign.id, Campaign.name, Campaign.status)
    if not roles.is_hq:
        related = (
            _related(roles.territory_ids, await _parents(session)) if roles.territory_ids else set()
        )
        mine = (
            select(CampaignTerritory.campaign_id)
            .where(CampaignTerritory.territory_id.in_(related))
            .scalar_subquery()
        )
        seen: ColumnElement[bool] = Campaign.id.in_(mine)
        if user_id is not None:
            seen = or_(seen, Campaign.created_by == user_id)
        query = query.where(seen)
    rows = (
        await session.execute(
            query.order_by(Campaign.created_at.desc(), Campaign.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    ).all()
    items = [ListItem(row.id, row.name, row.status) for row in rows[:limit]]
    return items, len(rows) > limit


@dataclass(frozen=True, slots=True)
class Progress:
    total: int = 0
    due_now: int = 0  # calls queued and due
    planned: int = 0  # calls queued for later
    in_progress: int = 0  # claimed
    reached: int = 0  # at least one reached contact, or done
    unreachable: int = 0
    stopped: int = 0
    visits: int = 0  # door-to-door, not done nor stopped
    unwell_open: int = 0


async def progress(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    territory_ids: Collection[int] | None = None,
) -> Progress:
    """The campaign's counts in two statements: the people grouped by kind, status and
    whether due (the worklist index covers it), and one row of the reached people (a union
    of the campaign's reached contacts and its done people) with the open alerts.
    ``territory_ids``: only the people of these territories (a read-only card); None: all."""
    due = case((CampaignPerson.due_at <= now, 1), else_=0)
    people: list[ColumnElement[bool]] = [CampaignPerson.campaign_id == campaign_id]
    if territory_ids is not None:
        people.append(CampaignPerson.territory_id.in_(sorted(territory_ids)))
    grouped = (
        await session.execute(
            select(CampaignPerson.kind, CampaignPerson.status, due, func.count())
            .where(*people)
            .group_by(CampaignPerson.kind, CampaignPerson.status, due)
        )
    ).all()
    counts = {
        "total": 0,
        "due_now": 0,
        "planned": 0,
        "in_progress": 0,
        "unreachable": 0,
        "stopped": 0,
        "visits": 0,
    }
    for kind, status, is_due, count in grouped:
        counts["total"] += count
        if status in (PersonStatus.CLAIMED, PersonStatus.SURVEY):
            counts["in_progress"] += count
        elif status == PersonStatus.UNREACHABLE:
            counts["unreachable"] += count
        elif status == PersonStatus.STOPPED:
            counts["stopped"] += count
        if kind == WorkKind.VISIT:
            if status not in (PersonStatus.DONE, PersonStatus.STOPPED):
                counts["visits"] += count
        elif status == PersonStatus.QUEUED:
            counts["due_now" if is_due else "planned"] += count
    contacts: list[ColumnElement[bool]] = [
        CampaignContact.campaign_id == campaign_id,
        CampaignContact.outcome == Outcome.REACHED,
    ]
    open_alerts: list[ColumnElement[bool]] = [
        CampaignAlert.campaign_id == campaign_id,
        CampaignAlert.status == AlertStatus.OPEN,
    ]
    if territory_ids is not None:
        theirs = select(CampaignPerson.id).where(*people)
        contacts.append(CampaignContact.person_id.in_(theirs))
        open_alerts.append(CampaignAlert.person_id.in_(theirs))
    reached_people = union(
        select(CampaignContact.person_id).where(*contacts),
        select(CampaignPerson.id).where(*people, CampaignPerson.status == PersonStatus.DONE),
    ).subquery()
    reached = select(func.count()).select_from(reached_people).scalar_subquery()
    alerts = (
        select(func.count()).select_from(CampaignAlert).where(and_(*open_alerts)).scalar_subquery()
    )
    row = (await session.execute(select(reached, alerts))).one()
    return Progress(**counts, reached=int(row[0] or 0), unwell_open=int(row[1] or 0))


@dataclass(frozen=True, slots=True)
class Card:
    campaign: Campaign
    territories: list[Territory]
    medics: list[Person]
    volunteers: int  # opted in (chosen), or «calls» volunteers of the territories (all)
    progress: Progress


async def card(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    territory_ids: Collection[int] | None = None,
) -> Card | None:
    """The campaign's settings and counts; ``territory_ids`` (a read-only card): the
    volunteers and the progress of these territories only."""
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        return None
    territories = list(
        (
            await session.scalars(
                select(Territory)
                .join(CampaignTerritory, CampaignTerritory.territory_id == Territory.id)
                .where(CampaignTerritory.campaign_id == campaign_id)
                .order_by(Territory.name_ru)
            )
        ).all()
    )
    medic_rows = await session.execute(
        select(User.id, User.first_name, Volunteer.name)
        .join(CampaignMedic, CampaignMedic.user_id == User.id)
        .outerjoin(
            Volunteer,
            and_(Volunteer.user_id == User.id, Volunteer.status == VolunteerStatus.APPROVED),
        )
        .where(CampaignMedic.campaign_id == campaign_id)
        .order_by(User.id)
    )
    medics = [Person(row[0], row[2] or row[1]) for row in medic_rows.all()]
    if campaign.volunteers == VolunteerMode.CHOSEN:
        opted_in = (
            select(func.count())
            .select_from(CampaignVolunteer)
            .where(
                CampaignVolunteer.campaign_id == campaign_id,
                CampaignVolunteer.left_at.is_(None),
            )
        )
        if territory_ids is not None:
            opted_in = opted_in.join(
                Volunteer,
                and_(
                    Volunteer.user_id == CampaignVolunteer.user_id,
                    Volunteer.status == VolunteerStatus.APPROVED,
                    Volunteer.territory_id.in_(sorted(territory_ids)),
                ),
            )
        volunteers = await session.scalar(opted_in) or 0
    else:
        where = [t.id for t in territories] if territory_ids is None else territory_ids
        volunteers = len(await calls_volunteers(session, where))
    return Card(
        campaign,
        territories,
        medics,
        volunteers,
        await progress(session, campaign_id, now, territory_ids),
    )


async def status_of(session: AsyncSession, campaign_id: int) -> str | None:
    return await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))


async def name_of(session: AsyncSession, campaign_id: int) -> str | None:
    return await session.scalar(select(Campaign.name).where(Campaign.id == campaign_id))


async def set_status(
    session: AsyncSession, campaign_id: int, status: CampaignStatus, now: datetime
) -> bool:
    """Pause (active → paused), resume (paused → active) or close (either → closed, for
    good); False when the campaign is not in a state that allows it (a stale button).
    Pausing or closing ends every claim: the people go back to the queue as they were and
    their cards are edited down to the first name and «кампания приостановлена / закрыта»
    (through the outbox, in the caller's transaction)."""
    allowed = {
        CampaignStatus.PAUSED: (CampaignStatus.ACTIVE,),
        CampaignStatus.ACTIVE: (CampaignStatus.PAUSED,),
        CampaignStatus.CLOSED: (CampaignStatus.ACTIVE, CampaignStatus.PAUSED),
    }[status]
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None or campaign.status not in allowed:
        return False
    campaign.status = status
    campaign.updated_at = now
    await session.flush()
    if status != CampaignStatus.ACTIVE:
        await release_claims(session, campaign_id, status, now)
    return True


async def release_claims(
    session: AsyncSession, campaign_id: int, status: CampaignStatus, now: datetime
) -> int:
    """Every claimed person of the campaign back to the queue (claim cleared, due moment and
    attempts kept) in one UPDATE; each one's cards hidden with the campaign's new status as
    the outcome («paused» / «closed»). Returns how many were released."""
    # Imported here: the worklist modules import this one.
    from bot.services import campaign_calls, campaign_visits

    # The bot's holds: their moment is offered in the bot again when the campaign resumes.
    await session.execute(
        update(CampaignLink)
        .where(
            CampaignLink.person_id.in_(
                select(CampaignPerson.id).where(
                    CampaignPerson.campaign_id == campaign_id,
                    CampaignPerson.status == PersonStatus.SURVEY,
                )
            )
        )
        .values(offered_due=None, remind_at=None)
        .execution_options(synchronize_session=False)
    )
    released = (
        await session.execute(
            update(CampaignPerson)
            .where(
                CampaignPerson.campaign_id == campaign_id,
                # a volunteer's claim, or the bot waiting for a person's own answers
                CampaignPerson.status.in_((PersonStatus.CLAIMED, PersonStatus.SURVEY)),
            )
            .values(status=PersonStatus.QUEUED, claimed_by=None, claim_until=None, updated_at=now)
            .returning(CampaignPerson.id, CampaignPerson.kind)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for person_id, kind in sorted(released):
        if kind == WorkKind.VISIT:
            # The open route itself is closed by the calls' job (nobody holds a person of it).
            await campaign_visits.hide_cards(session, person_id, now, outcome=str(status))
        else:
            await campaign_calls.hide_cards(session, person_id, now, outcome=str(status))
    return len(released)


# --- a volunteer opting in -----------------------------------------------------------------
class JoinResult(enum.StrEnum):
    JOINED = "joined"
    LEFT = "left"
    CLOSED = "closed"  # the campaign is closed (or gone)
    NOT_QUALIFIED = "not_qualified"  # no longer an approved «calls» volunteer there


async def set_joined(
    session: AsyncSession, campaign_id: int, user_id: int, join: bool, now: datetime
) -> tuple[JoinResult, Campaign | None]:
    """Opt in to (or step out of) a campaign of chosen volunteers; idempotent both ways.
    Joining needs an open campaign and an approved «calls» volunteer of its territories."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return JoinResult.CLOSED, None
    if not join:
        await session.execute(
            update(CampaignVolunteer)
            .where(
                CampaignVolunteer.campaign_id == campaign_id,
                CampaignVolunteer.user_id == user_id,
                CampaignVolunteer.left_at.is_(None),
            )
            .values(left_at=now)
        )
        return JoinResult.LEFT, campaign
    if campaign.status == CampaignStatus.CLOSED:
        return JoinResult.CLOSED, campaign
    if campaign.volunteers != VolunteerMode.CHOSEN or not await _qualifies(
        session, campaign_id, user_id
    ):
        return JoinResult.NOT_QUALIFIED, campaign
    await session.execute(
        insert_ignore(
            session,
            CampaignVolunteer,
            {"campaign_id": campaign_id, "user_id": user_id, "joined_at": now, "left_at": None},
        )
    )
    await session.execute(
        update(CampaignVolunteer)
        .where(
            CampaignVolunteer.campaign_id == campaign_id,
            CampaignVolunteer.user_id == user_id,
            CampaignVolunteer.left_at.is_not(None),
        )
        .values(left_at=None, joined_at=now)
    )
    return JoinResult.JOINED, campaign


async def _qualifies(session: AsyncSession, campaign_id: int, user_id: int) -> bool:
    """An approved volunteer with the «calls» skill in one of the campaign's territories or
    under one."""
    volunteer = (
        await session.execute(
            select(Volunteer.territory_id, Volunteer.skills).where(
                Volunteer.user_id == user_id, Volunteer.status == VolunteerStatus.APPROVED
            )
        )
    ).first()
    if volunteer is None or CALLS_SKILL not in (volunteer.skills or []):
        return False
    chain = _self_and_ancestors(volunteer.territory_id)
    found = await session.scalar(
        select(CampaignTerritory.territory_id)
        .where(
            CampaignTerritory.campaign_id == campaign_id,
            CampaignTerritory.territory_id.in_(select(chain.c.id)),
        )
        .limit(1)
    )
    return found is not None
