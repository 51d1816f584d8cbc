"""Door-to-door visits («подомовые обходы») of a vaccination follow-up campaign: people without
a phone, or moved here after unreachable rounds (by a coordinator or by ``visit_after``), are
handed out as a small route of nearby addresses to a volunteer (and a partner). No aiogram.

- Routes: «🚪 Взять маршрут обхода» takes up to ``ROUTE_SIZE`` queued visit people of the
  volunteer's territory in one campaign: the oldest due person, then the same house, the same
  street, then the rest of the territory in address order (``street_key``/``build_route``).
  Each person is claimed by one conditional UPDATE (``status = 'queued'``); the ones lost to a
  race are skipped. The people get ``route_id`` and a claim of ``ROUTE_HOURS``. Only inside
  the call window outside quiet hours (visits happen in daytime, as calls do), and the calls'
  day rule: nobody else is handed a person someone contacted today. One open route per
  volunteer (as its owner or partner): asking again shows it again.
- Outcomes at the door: reached (the calls' script), not at home (with the note left),
  refused, moved, died; ``plan_visit`` applies the calls' ``plan`` and keeps the person a
  visit. When nobody of the route is left to visit, the route is done and both are told.
- Claims lapsing: the calls' job (``campaign_calls.lapse_due``) puts every lapsed claim back
  in the queue, visits included; ``close_lapsed`` (the same job) then closes routes nobody
  holds anymore and hides their cards.
- Privacy: each person's card (name, address, birth year, phone) is recorded before it is
  sent to the volunteer or partner and edited down to the first name and the outcome when
  the person's visit ends (an outcome, or the route closing).
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services import campaign_calls, campaigns
from bot.services.campaign_calls import Plan, Recorded, Rules, Where, Worker
from bot.services.outbox import (
    PURGED,
    Button,
    Outgoing,
    OutgoingMessage,
    Text,
    enqueue_many,
)
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from models import (
    Campaign,
    CampaignContact,
    CampaignPerson,
    CampaignRoute,
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

ROUTE_SIZE = 5
ROUTE_HOURS = 6  # a route takes longer than a call: its claim lasts this long
CANDIDATES = 500  # due visit people of one campaign and territory read to build a route
CLAIM_TRIES = 3
OPEN, DONE, LAPSED = "open", "done", "lapsed"
CARD_OUTCOMES = (Outcome.REACHED, Outcome.NOT_HOME, Outcome.REFUSED, Outcome.MOVED, Outcome.DIED)
DIRECT_OUTCOMES = frozenset({Outcome.REFUSED, Outcome.MOVED, Outcome.DIED})


# --- nearby addresses -------------------------------------------------------------------------
# Street types (dropped from the key), places, and units whose number follows them.
_STREET_TYPES = frozenset(
    "ул улица пр пр-т пр-кт просп проспект пер переулок б-р бульвар бул пл площадь ш шоссе "  # noqa: SIM905
    "наб набережная проезд пр-д туп тупик мкр мкр-н микрорайон кв-л квартал аллея "
    "көш көше көшесі даңғ даңғыл даңғылы шағынаудан ша".split()
)
_PLACE_TYPES = frozenset("г город гор пгт пос п поселок с село рп обл р-н".split())  # noqa: SIM905
_HOUSE_UNITS = frozenset({"д", "дом", "үй"})
_OTHER_UNITS = frozenset(
    "кв квартира к корп корпус стр строение под подъезд эт этаж оф офис пәтер".split()  # noqa: SIM905
)
_UNITS = _HOUSE_UNITS | _OTHER_UNITS
_ORDINAL = re.compile(r"^\d+-?(?:я|й|ая|ый|ой|ий|го|е|ші|шы|інші|ыншы)$")
_GLUED = re.compile(r"^(д|дом|кв|к|корп|стр)(\d[\w/-]*)$")
_TOKEN = re.compile(r"[\w/-]+")


def _has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def _part(tokens: list[str]) -> tuple[list[str], bool, str]:
    """One comma-separated part: its name words, whether it names a street type, and the
    house number found in it ("" if none)."""
    words: list[str] = []
    typed = False
    house = ""
    i = 0
    while i < len(tokens):
        token = tokens[i].strip("-/")
        following = tokens[i + 1].strip("-/") if i + 1 < len(tokens) else ""
        i += 1
        if not token:
            continue
        glued = _GLUED.match(token)
        if glued:
            if glued.group(1) in _HOUSE_UNITS and not house:
                house = glued.group(2)
            continue
        if token in _STREET_TYPES:
            typed = True
        elif token in _PLACE_TYPES:
            pass
        elif token in _UNITS:
            if _has_digit(following):
                if token in _HOUSE_UNITS and not house:
                    house = following
                i += 1
        elif not _has_digit(token):
            words.append(token)
        elif _ORDINAL.match(token) or (
            following and not _has_digit(following) and following not in _UNITS
        ):
            words.append(token)  # «50 лет Октября», «1-я Линия»
        elif not house:
            house = token if "/" in token else token.split("-")[0]
    return words, typed, house


def address_key(address: str | None) -> tuple[str, str]:
    """(street, house) of an address, for grouping nearby people: lowercase, «ё» as «е»,
    without street types («ул.», «пр-т»), places («г.»), flats and other units («кв. 12»).
    The street is the part naming a street type; else the part with the house number (or the
    nearest part with words before it); else the last part with words.
    «г. Юрга, ул. Ленина, д. 5, кв. 12», «Юрга, Ленина 5-12» → ("ленина", "5");
    no address → ("", "")."""
    if not address:
        return "", ""
    text = address.lower().replace("ё", "е").replace(".", " ")
    parts = [_part(_TOKEN.findall(chunk)) for chunk in re.split(r"[,;]", text)]
    house = next((h for _w, _t, h in parts if h), "")
    typed = [w for words, is_typed, _h in parts if is_typed for w in words]
    if typed:
        return " ".join(typed), house
    named = [(n, words) for n, (words, _t, _h) in enumerate(parts) if words]
    if not named:
        return "", house
    at = next((n for n, (_w, _t, h) in enumerate(parts) if h), len(parts))
    before = [words for n, words in named if n <= at]
    return " ".join(before[-1] if before else named[-1][1]), house


def street_key(address: str | None) -> str:
    return address_key(address)[0]


def _house_order(house: str) -> tuple[int, str]:
    digits = re.match(r"\d+", house)
    return (int(digits.group()) if digits else 10**9, house)


@dataclass(frozen=True, slots=True)
class Stop:
    """A due visit: what building a route needs of a person."""

    id: int
    address: str | None
    due_at: datetime


def build_route(due: Sequence[Stop], size: int = ROUTE_SIZE) -> list[Stop]:
    """The route's order: the oldest due person first, then the same street and house, the
    same street (by house number), then the rest in address order (no address last).
    ``due`` may be longer than ``size``; the whole order is returned (the claim skips the
    people lost to a race and stops at ``size``)."""
    if not due:
        return []
    anchor = min(due, key=lambda s: (s.due_at, s.id))
    street, house = address_key(anchor.address)

    def rank(stop: Stop) -> tuple[Any, ...]:
        s, h = address_key(stop.address)
        if stop.id == anchor.id:
            group = 0
        elif street and s == street:
            group = 1 if h == house else 2
        else:
            group = 3
        return (group, not s, s, _house_order(h), stop.due_at, stop.id)

    return sorted(due, key=rank)


# --- scheduling -------------------------------------------------------------------------------
def plan_visit(
    rules: Rules,
    where: Where,
    outcome: str,
    now: datetime,
    tz: Any,
    quiet: QuietHours,
    *,
    vaccinated: bool | None = None,
    planned_on: date | None = None,
) -> Plan:
    """The calls' ``plan`` for a visit: «not at home» is retried as «no answer» (the round's
    last attempt failing leaves the person unreachable for the coordinator, never a visit
    again), and the person stays a visit."""
    if outcome == Outcome.NOT_HOME:
        moved = campaign_calls.plan(
            replace(rules, visit_after=None), where, Outcome.NO_ANSWER, now, tz, quiet
        )
    else:
        moved = campaign_calls.plan(
            rules, where, outcome, now, tz, quiet, vaccinated=vaccinated, planned_on=planned_on
        )
    return replace(moved, kind=WorkKind.VISIT)


# --- the route --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RoutePerson:
    person: CampaignPerson
    pending: bool  # still to visit on this route
    outcome: str | None  # recorded on this route


@dataclass(frozen=True, slots=True)
class RouteView:
    route: CampaignRoute
    campaign: Campaign
    people: list[RoutePerson]
    again: bool = False

    @property
    def pending(self) -> list[RoutePerson]:
        return [p for p in self.people if p.pending]


@dataclass(frozen=True, slots=True)
class NoRoute:
    reason: str  # "none": nobody due; "hours": outside the call window or quiet hours


def _in_route(route: CampaignRoute, user_id: int) -> bool:
    return user_id in (route.volunteer_id, route.partner_id)


async def open_route_of(session: AsyncSession, user_id: int) -> CampaignRoute | None:
    """The volunteer's open route, as its owner or partner."""
    return await session.scalar(
        select(CampaignRoute)
        .where(
            CampaignRoute.status == OPEN,
            or_(CampaignRoute.volunteer_id == user_id, CampaignRoute.partner_id == user_id),
        )
        .order_by(CampaignRoute.id)
        .limit(1)
    )


async def view(session: AsyncSession, route: CampaignRoute) -> RouteView:
    """The route's people in route order (by id of their claim) with what was recorded."""
    campaign = await session.get(Campaign, route.campaign_id)
    assert campaign is not None
    people = (
        await session.scalars(
            select(CampaignPerson)
            .where(CampaignPerson.route_id == route.id)
            .order_by(CampaignPerson.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    outcomes: dict[int, str] = {}
    if people:
        rows = await session.execute(
            select(CampaignContact.person_id, CampaignContact.outcome)
            .where(
                CampaignContact.person_id.in_([p.id for p in people]),
                CampaignContact.kind == WorkKind.VISIT,
                CampaignContact.created_at >= route.created_at,
            )
            .order_by(CampaignContact.created_at, CampaignContact.id)
        )
        outcomes = {row.person_id: row.outcome for row in rows}
    order = {pid: n for n, pid in enumerate(route_order(people))}
    listed = [
        RoutePerson(
            person=p,
            pending=p.status == PersonStatus.CLAIMED and p.claimed_by == route.volunteer_id,
            outcome=outcomes.get(p.id),
        )
        for p in people
    ]
    listed.sort(key=lambda rp: order[rp.person.id])
    return RouteView(route, campaign, listed)


def route_order(people: Sequence[CampaignPerson]) -> list[int]:
    """The walking order of a route's people: address order (street, house), stable while
    outcomes move their due moments."""

    def rank(person: CampaignPerson) -> tuple[Any, ...]:
        street, house = address_key(person.address)
        return (not street, street, _house_order(house), person.id)

    return [p.id for p in sorted(people, key=rank)]


def _free_today(today: date, user_id: int) -> Any:
    """The calls' day rule: nobody else contacted the person today."""
    return or_(
        CampaignPerson.last_contact_on.is_(None),
        CampaignPerson.last_contact_on != today,
        CampaignPerson.last_contact_by == user_id,
    )


def _due_visits(
    campaign_id: int, territory_id: int, now: datetime, today: date, user_id: int
) -> Any:
    open_routes = select(CampaignRoute.id).where(CampaignRoute.status == OPEN)
    return select(CampaignPerson.id, CampaignPerson.address, CampaignPerson.due_at).where(
        CampaignPerson.campaign_id == campaign_id,
        CampaignPerson.territory_id == territory_id,
        CampaignPerson.kind == WorkKind.VISIT,
        CampaignPerson.status == PersonStatus.QUEUED,
        CampaignPerson.due_at <= now,
        _free_today(today, user_id),
        # A person not at home stays on their open route's list until it ends.
        or_(CampaignPerson.route_id.is_(None), CampaignPerson.route_id.not_in(open_routes)),
    )


async def claim_route(
    session: AsyncSession, who: Worker, now: datetime, quiet: QuietHours
) -> RouteView | NoRoute:
    """The volunteer's open route (shown again), or a new one of nearby due visits."""
    held = await open_route_of(session, who.user_id)
    if held is not None:
        shown = await _refresh(session, held, now)
        if shown is not None:
            return replace(shown, again=True)
    rows = await session.scalars(
        select(Campaign).where(
            Campaign.id.in_(who.campaign_ids), Campaign.status == CampaignStatus.ACTIVE
        )
    )
    active = rows.all()
    open_now = {c.id: c for c in active if campaign_calls.callable_now(now, who.tz, c, quiet)}
    today = now.astimezone(who.tz).date()
    for _ in range(CLAIM_TRIES if open_now else 0):
        anchors: list[tuple[datetime, int, int]] = []
        for cid in open_now:
            row = (
                await session.execute(
                    _due_visits(cid, who.territory_id, now, today, who.user_id)
                    .order_by(CampaignPerson.due_at, CampaignPerson.id)
                    .limit(1)
                )
            ).first()
            if row is not None:
                anchors.append((row.due_at, row.id, cid))
        if not anchors:
            break
        _due, _first, cid = min(anchors)
        due = [
            Stop(row.id, row.address, row.due_at)
            for row in await session.execute(
                _due_visits(cid, who.territory_id, now, today, who.user_id)
                .order_by(CampaignPerson.due_at, CampaignPerson.id)
                .limit(CANDIDATES)
            )
        ]
        route = CampaignRoute(
            campaign_id=cid,
            territory_id=who.territory_id,
            volunteer_id=who.user_id,
            status=OPEN,
            created_at=now,
        )
        session.add(route)
        await session.flush()
        won = 0
        for stop in build_route(due):
            if won >= ROUTE_SIZE:
                break
            got = await session.scalar(
                update(CampaignPerson)
                .where(
                    CampaignPerson.id == stop.id,
                    CampaignPerson.status == PersonStatus.QUEUED,
                    # as the lookup: an outcome recorded since may have moved them on
                    CampaignPerson.due_at <= now,
                    _free_today(today, who.user_id),
                )
                .values(
                    status=PersonStatus.CLAIMED,
                    claimed_by=who.user_id,
                    claim_until=now + timedelta(hours=ROUTE_HOURS),
                    route_id=route.id,
                    updated_at=now,
                )
                .returning(CampaignPerson.id)
                .execution_options(synchronize_session=False)
            )
            won += got is not None
        if won:
            return await view(session, route)
        await session.delete(route)  # every person lost to a race: look again
        await session.flush()
    if active and not open_now:
        return NoRoute("hours")
    return NoRoute("none")


async def _refresh(session: AsyncSession, route: CampaignRoute, now: datetime) -> RouteView | None:
    """An open route as it stands, its lapsed claims put back first; None when that closed
    it."""
    lapsed = (
        await session.scalars(
            select(CampaignPerson.id).where(
                CampaignPerson.route_id == route.id,
                CampaignPerson.status == PersonStatus.CLAIMED,
                CampaignPerson.claim_until < now,
            )
        )
    ).all()
    for person_id in lapsed:
        await campaign_calls.lapse(session, person_id, now)
    shown = await view(session, route)
    if shown.pending:
        return shown
    await close(session, route.id, now)
    return None


async def route_for(
    session: AsyncSession, route_id: int, user_id: int, now: datetime
) -> RouteView | None:
    """The route as its volunteer or partner sees it while open; None otherwise."""
    route = await session.get(CampaignRoute, route_id, populate_existing=True)
    if route is None or route.status != OPEN or not _in_route(route, user_id):
        return None
    return await _refresh(session, route, now)


async def close(session: AsyncSession, route_id: int, now: datetime) -> bool:
    """Close an open route nobody is left on: done when everyone got an outcome on it,
    lapsed otherwise; every card of its people is hidden, the volunteer and the partner are
    told. Once (a conditional UPDATE)."""
    route = await session.get(CampaignRoute, route_id, populate_existing=True)
    if route is None or route.status != OPEN:
        return False
    shown = await view(session, route)
    if shown.pending:
        return False
    status = DONE if all(p.outcome for p in shown.people) else LAPSED
    changed = await session.scalar(
        update(CampaignRoute)
        .where(CampaignRoute.id == route_id, CampaignRoute.status == OPEN)
        .values(status=status, done_at=now)
        .returning(CampaignRoute.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        return False
    for rp in shown.people:
        await hide_cards(session, rp.person.id, now, outcome=rp.outcome or "lapsed")
    reached = sum(p.outcome == Outcome.REACHED for p in shown.people)
    not_home = sum(p.outcome == Outcome.NOT_HOME for p in shown.people)
    message = OutgoingMessage(
        Text(
            key="visit-route-closed",
            args={
                "id": route_id,
                "status": status,
                "count": len(shown.people),
                "reached": reached,
                "not_home": not_home,
            },
        )
    )
    await enqueue_many(
        session,
        [
            Outgoing(chat_id=uid, message=message, key=f"cmpr:{route_id}:closed:{uid}")
            for uid in (route.volunteer_id, route.partner_id)
            if uid is not None
        ],
        now,
    )
    return True


async def close_lapsed(session: AsyncSession, now: datetime, *, limit: int = 200) -> int:
    """Open routes nobody holds a person of anymore (their claims lapsed and went back to the
    queue): closed, their cards hidden. The scheduler's job, after the calls' lapsing; the
    caller commits."""
    held = exists().where(
        CampaignPerson.route_id == CampaignRoute.id, CampaignPerson.status == PersonStatus.CLAIMED
    )
    ids = (
        await session.scalars(
            select(CampaignRoute.id)
            .where(CampaignRoute.status == OPEN, ~held)
            .order_by(CampaignRoute.id)
            .limit(limit)
        )
    ).all()
    count = 0
    for route_id in ids:
        count += await close(session, route_id, now)
    return count


# --- outcomes at the door ---------------------------------------------------------------------
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
    note: str | None = None,
) -> Recorded | None:
    """An outcome at the door, by the route's volunteer or partner: the contact (kind
    "visit", with the note left) is stored, the person moves on (``plan_visit``), their card
    is hidden, and the route closes when nobody is left on it. None: not (or no longer)
    theirs. A form's second confirm finds the contact made; a claim that lapsed meanwhile
    but nobody took since is accepted (the visit happened)."""
    if form_token is not None:
        existing = await session.scalar(
            select(CampaignContact).where(CampaignContact.form_token == form_token)
        )
        if existing is not None:
            person = await session.get(CampaignPerson, existing.person_id)
            assert person is not None
            return Recorded(existing, person, None)
    person = await session.get(CampaignPerson, person_id, populate_existing=True)
    if person is None or person.kind != WorkKind.VISIT or person.route_id is None:
        return None
    route = await session.get(CampaignRoute, person.route_id, populate_existing=True)
    if route is None or not _in_route(route, user_id):
        return None
    mine = (
        route.status == OPEN
        and person.status == PersonStatus.CLAIMED
        and person.claimed_by == route.volunteer_id
    )
    lapsed_free = (  # the route lapsed during the form
        form_token is not None
        and route.status != OPEN
        and person.status == PersonStatus.QUEUED
        and person.round == round_seen
    )
    if lapsed_free:
        # ...and nobody of the pair recorded this door since the route began: the partner's
        # «нет дома» that ended the route must not be counted twice.
        recorded = await session.scalar(
            select(CampaignContact.id)
            .where(
                CampaignContact.person_id == person.id,
                CampaignContact.round == person.round,
                CampaignContact.created_at >= route.created_at,
            )
            .limit(1)
        )
        lapsed_free = recorded is None
    if not (mine or lapsed_free):
        return None
    campaign = await session.get(Campaign, person.campaign_id)
    assert campaign is not None
    zone = await session.scalar(
        select(Territory.timezone).where(Territory.id == person.territory_id)
    )
    tz = ZoneInfo(zone or "UTC")
    answers = dict(answers or {})
    planned = answers.get("planned_on")
    moved = plan_visit(
        Rules.of(campaign),
        Where.of(person),
        outcome,
        now,
        tz,
        quiet,
        vaccinated=answers.get("vaccinated"),
        planned_on=date.fromisoformat(planned) if planned else None,
    )
    contact = await campaign_calls.store_outcome(
        session,
        person,
        moved,
        CampaignPerson.route_id == route.id,
        kind=WorkKind.VISIT,
        outcome=outcome,
        user_id=user_id,
        answers=answers,
        note=note,
        form_token=form_token,
        now=now,
    )
    if contact is None:
        return None
    await hide_cards(session, person.id, now, outcome=outcome)
    if route.status == OPEN:
        await close(session, route.id, now)
    return Recorded(contact, person, moved)


async def held_on_route(
    session: AsyncSession, person_id: int, user_id: int
) -> tuple[CampaignPerson, CampaignRoute] | None:
    """The person and their open route when they are still to visit on it and ``user_id`` is
    its volunteer or partner (before a form at the door opens)."""
    person = await session.get(CampaignPerson, person_id, populate_existing=True)
    if person is None or person.status != PersonStatus.CLAIMED or person.route_id is None:
        return None
    route = await session.get(CampaignRoute, person.route_id, populate_existing=True)
    if (
        route is None
        or route.status != OPEN
        or not _in_route(route, user_id)
        or person.claimed_by != route.volunteer_id
    ):
        return None
    return person, route


async def volunteer_names(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Volunteer.user_id, Volunteer.name).where(Volunteer.user_id.in_(list(user_ids)))
    )
    return {row.user_id: row.name for row in rows}


# --- a pair -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Partner:
    user_id: int
    name: str


async def partner_candidates(session: AsyncSession, route: CampaignRoute) -> list[Partner]:
    """Other volunteers who work the route's campaign in its territory, by name."""
    campaign = await session.get(Campaign, route.campaign_id)
    if campaign is None:
        return []
    workers = await campaigns.workers_of(session, campaign, [route.territory_id])
    ids = [uid for uid in workers if uid != route.volunteer_id]
    if not ids:
        return []
    rows = await session.execute(
        select(Volunteer.user_id, Volunteer.name).where(
            Volunteer.user_id.in_(ids), Volunteer.status == VolunteerStatus.APPROVED
        )
    )
    people = [Partner(row.user_id, row.name) for row in rows]
    return sorted(people, key=lambda p: (p.name.lower(), p.user_id))


async def set_partner(
    session: AsyncSession,
    route_id: int,
    user_id: int,
    partner_id: int,
    now: datetime,
    *,
    show_data: str,
) -> CampaignRoute | None:
    """The route's volunteer pairs with another volunteer of the campaign and territory, who
    is told through the outbox with the «open the route» button (``show_data``); None when
    not allowed (not the owner, the route closed, not a candidate, a partner already)."""
    route = await session.get(CampaignRoute, route_id, populate_existing=True)
    if route is None or route.status != OPEN or route.volunteer_id != user_id:
        return None
    if route.partner_id is not None:
        return route if route.partner_id == partner_id else None
    if partner_id not in {p.user_id for p in await partner_candidates(session, route)}:
        return None
    busy = await open_route_of(session, partner_id)
    if busy is not None:
        return None
    other = aliased(CampaignRoute)
    changed = await session.scalar(
        update(CampaignRoute)
        .where(
            CampaignRoute.id == route_id,
            CampaignRoute.status == OPEN,
            CampaignRoute.partner_id.is_(None),
            # the partner took or joined no other route meanwhile
            ~exists().where(
                other.status == OPEN,
                other.id != route_id,
                (other.volunteer_id == partner_id) | (other.partner_id == partner_id),
            ),
        )
        .values(partner_id=partner_id)
        .returning(CampaignRoute.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        return None
    name = await session.scalar(select(Volunteer.name).where(Volunteer.user_id == user_id))
    count = await session.scalar(
        select(func.count(CampaignPerson.id)).where(CampaignPerson.route_id == route_id)
    )
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=partner_id,
                message=OutgoingMessage(
                    Text(
                        key="visit-partner-added",
                        args={"name": name or "?", "id": route_id, "count": count or 0},
                    ),
                    buttons=[[Button(Text(key="btn-visit-show"), callback_data=show_data)]],
                ),
                key=f"cmpr:{route_id}:partner:{partner_id}",
                priority=Priority.URGENT,
            )
        ],
        now,
    )
    await session.refresh(route)
    return route


# --- the coordinator: unreachable by phone → visits --------------------------------------------
def _unreachable(campaign_id: int) -> Any:
    return and_(
        CampaignPerson.campaign_id == campaign_id,
        CampaignPerson.kind == WorkKind.CALL,
        CampaignPerson.status == PersonStatus.UNREACHABLE,
    )


async def unreachable_count(session: AsyncSession, campaign_id: int) -> int:
    count = await session.scalar(
        select(func.count(CampaignPerson.id)).where(_unreachable(campaign_id))
    )
    return int(count or 0)


async def unreachable_by_territory(session: AsyncSession, campaign_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(CampaignPerson.territory_id, func.count(CampaignPerson.id))
        .where(_unreachable(campaign_id))
        .group_by(CampaignPerson.territory_id)
    )
    return {territory_id: int(count) for territory_id, count in rows.all()}


async def tell_workers_of_visits(
    session: AsyncSession,
    campaign_id: int,
    by_territory: dict[int, int],
    *,
    key: str,
    take_data: str,
    now: datetime,
) -> int:
    """After a coordinator's move: each volunteer of the campaign whose territory got visits
    is told how many, with «🚪 Взять маршрут обхода» (``take_data``), through the outbox,
    once per ``key``. Returns how many were told."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.ACTIVE or not by_territory:
        return 0
    workers = await campaigns.workers_of(session, campaign, list(by_territory))
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=user_id,
                message=OutgoingMessage(
                    Text(
                        key="visits-new-people",
                        args={
                            "name": html.escape(campaign.name, quote=False),
                            "count": by_territory.get(territory_id, 0),
                        },
                    ),
                    buttons=[[Button(Text(key="btn-visit-take"), callback_data=take_data)]],
                ),
                key=f"campaign:{campaign_id}:visits:{key}:{user_id}",
            )
            for user_id, territory_id in sorted(workers.items())
            if by_territory.get(territory_id)
        ],
        now,
    )
    return len(workers)


async def move_unreachable(session: AsyncSession, campaign_id: int, now: datetime) -> int:
    """Every person of the campaign unreachable by phone becomes a door-to-door visit, due
    now with fresh attempts of the same round. Returns how many moved."""
    result = await session.execute(
        update(CampaignPerson)
        .where(_unreachable(campaign_id))
        .values(
            kind=WorkKind.VISIT,
            status=PersonStatus.QUEUED,
            attempts=0,
            due_at=now,
            route_id=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the cards: recorded before they are sent, hidden when the visit ends ----------------------
def _prefix(person_id: int) -> str:
    return f"cmpv:{person_id}:card:"


async def card_begin(
    session: AsyncSession, person_id: int, user_id: int, now: datetime
) -> str | None:
    """Record that a person's card is about to be sent to the route's volunteer or partner;
    None when the person is no longer on their open route (nothing may be sent). Shown and
    failed sends are noted with ``campaign_calls.card_shown``/``card_not_sent``."""
    if await held_on_route(session, person_id, user_id) is None:
        return None
    key = f"{_prefix(person_id)}{user_id}:{uuid.uuid4().hex[:12]}"
    await session.execute(
        insert_ignore(
            session,
            OutboxMessage,
            {
                "idempotency_key": key,
                "subject": f"cmpv:{person_id}",
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


async def hide_cards(session: AsyncSession, person_id: int, now: datetime, *, outcome: str) -> int:
    """Edit every visit card of the person down to the first name and ``outcome`` (through
    the outbox: edited, else deleted, else reported); a card is hidden once."""
    rows = (
        await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.chat_id).where(
                OutboxMessage.subject == f"cmpv:{person_id}",
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
            key="visit-card-hidden",
            args={"name": campaign_calls.first_name(full_name or ""), "outcome": outcome},
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
