"""Door-to-door visits: the street key of an address, a route of nearby addresses (the same
house first, the same street, then the rest), the atomic route claim (two volunteers at once
never share a person), «not at home» retried as a visit, a route ending, a partner, a lapsed
route, and the coordinator moving the unreachable by phone to visits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import campaign_calls as cc
from bot.services import campaign_visits as cv
from bot.services import volunteers
from bot.services.campaign_visits import Stop, address_key, build_route, street_key
from bot.services.territories import load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import (
    Campaign,
    CampaignContact,
    CampaignPerson,
    CampaignRoute,
    CampaignTerritory,
    OutboxMessage,
    Outcome,
    PersonStatus,
    Territory,
    WorkKind,
    migrate,
)
from models.db import create_engine, create_sessionmaker

QUIET = QuietHours()
T0 = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 11:00 in Yurga


# --- addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "street", "house"),
    [
        ("г. Юрга, ул. Ленина, д. 5, кв. 12", "ленина", "5"),
        ("Юрга, Ленина 5-12", "ленина", "5"),
        ("ул Ленина д5 кв 3", "ленина", "5"),
        ("УЛ. ЛЕНИНА 5 КВ 7", "ленина", "5"),
        ("ул.Ленина,д.5", "ленина", "5"),
        ("ул. 50 лет Октября, 7", "50 лет октября", "7"),
        ("1-я Линия, 4", "1-я линия", "4"),
        ("пр-т Победы, 10/2", "победы", "10/2"),
        ("ул. Тёплая, 3", "теплая", "3"),
        ("Абай көшесі, 12 үй", "абай", "12"),
        ("", "", ""),
        (None, "", ""),
    ],
)
def test_the_street_key_drops_types_houses_and_flats(
    address: str | None, street: str, house: str
) -> None:
    assert address_key(address) == (street, house)
    assert street_key(address) == street


def _stop(n: int, address: str | None, minutes: int) -> Stop:
    return Stop(n, address, T0 - timedelta(minutes=minutes))


def test_a_route_starts_at_the_oldest_due_then_its_house_its_street_and_the_rest() -> None:
    due = [
        _stop(1, "ул. Мира, 3", 50),
        _stop(2, "ул. Ленина, д. 5, кв. 2", 100),  # the oldest: the route starts here
        _stop(3, "ул. Ленина, 9", 40),
        _stop(4, "Юрга, Ленина 5-7", 30),  # the same house
        _stop(5, None, 60),  # no address: last
        _stop(6, "ул. Ленина, 1", 20),
        _stop(7, "ул. Гагарина, 2", 10),
    ]
    assert [s.id for s in build_route(due)] == [2, 4, 6, 3, 7, 1, 5]
    assert build_route([]) == []


# --- the world ----------------------------------------------------------------------------------
World = tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]]
ADDRESSES = [
    "ул. Ленина, 5, кв. 1",
    "ул. Мира, 3",
    "ул. Ленина, 5, кв. 9",
    "ул. Ленина, 11",
    "ул. Садовая, 2",
    "ул. Мира, 8",
    "ул. Ленина, 7",
    "ул. Садовая, 4",
]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock(T0)
    ids: dict[str, int] = {}
    now = clock.now()
    async with sessions() as session:
        await load_from_file(session, "kuzbass", now)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        ids["yurga"] = yurga.id
        for user_id in (801, 802, 803):
            await touch_user(session, Profile(user_id, f"В{user_id}"), now, wrote_to_bot=True)
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=yurga.id,
                skills=("calls",), age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=1, reason=None, now=now
            )
        campaign = Campaign(
            name="Обход", status="active", rounds=[0, 7], window_start=600,
            window_end=1140, attempts=2, retry_minutes=120, visit_after=None,
            claim_minutes=20, volunteers="all", created_by=1, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        ids["campaign"] = campaign.id
        session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=yurga.id))
        for n, address in enumerate(ADDRESSES):
            person = CampaignPerson(
                campaign_id=campaign.id, territory_id=yurga.id,
                full_name=f"Петрова Анна{n} Ивановна", phone=None, birth_year=1950,
                address=address, consent_on=date(2026, 11, 1), kind="visit", status="queued",
                due_at=now - timedelta(minutes=100 - n), created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(person)
            await session.flush()
            ids[f"p{n}"] = person.id
        for n in range(3):  # unreachable by phone
            session.add(
                CampaignPerson(
                    campaign_id=campaign.id,
                    territory_id=yurga.id,
                    full_name=f"Сидоров Иван{n}",
                    phone=f"+7913000010{n}",
                    birth_year=1950,
                    consent_on=date(2026, 11, 1),
                    kind="call",
                    status="unreachable" if n < 2 else "queued",
                    due_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()
    yield sessions, clock, ids
    await engine.dispose()


async def _claim(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, user_id: int) -> Any:
    async with sessions() as session:
        who = await cc.worker(session, user_id, clock.now())
        assert who is not None
        got = await cv.claim_route(session, who, clock.now(), QUIET)
        await session.commit()
        return got


async def test_two_volunteers_take_routes_at_once_without_overlap(world: World) -> None:
    sessions, clock, ids = world
    first, second = await asyncio.gather(_claim(sessions, clock, 801), _claim(sessions, clock, 802))
    assert isinstance(first, cv.RouteView) and isinstance(second, cv.RouteView)
    mine = {rp.person.id for rp in first.people}
    theirs = {rp.person.id for rp in second.people}
    assert not mine & theirs and len(mine) + len(theirs) == len(ADDRESSES)
    assert max(len(mine), len(theirs)) == cv.ROUTE_SIZE
    # The first route (the oldest due person's): Lenina 5 twice, then Lenina, then the rest.
    owner = first if ids["p0"] in mine else second
    assert {ids["p0"], ids["p2"], ids["p3"], ids["p6"]} <= {rp.person.id for rp in owner.people}
    # A second press shows the same route again.
    again = await _claim(sessions, clock, 801)
    assert isinstance(again, cv.RouteView) and again.again
    assert {rp.person.id for rp in again.people} == mine
    # A third volunteer finds nothing due.
    assert await _claim(sessions, clock, 803) == cv.NoRoute("none")
    async with sessions() as session:
        claimed = (
            await session.execute(
                select(CampaignPerson.route_id, CampaignPerson.claim_until).where(
                    CampaignPerson.status == "claimed"
                )
            )
        ).all()
    assert len(claimed) == len(ADDRESSES)
    assert {row.claim_until for row in claimed} == {T0 + timedelta(hours=cv.ROUTE_HOURS)}


async def test_the_route_takes_the_oldest_house_then_the_street(world: World) -> None:
    sessions, clock, ids = world
    got = await _claim(sessions, clock, 801)
    assert isinstance(got, cv.RouteView)
    # The oldest (Lenina 5 flat 1), its house (flat 9), the street (7, 11), then Mira 3.
    assert {rp.person.id for rp in got.people} == {
        ids["p0"], ids["p2"], ids["p6"], ids["p3"], ids["p1"]
    }  # fmt: skip
    shown = [rp.person.address for rp in got.people]  # in address order for walking
    assert shown == [
        "ул. Ленина, 5, кв. 1", "ул. Ленина, 5, кв. 9", "ул. Ленина, 7", "ул. Ленина, 11",
        "ул. Мира, 3",
    ]  # fmt: skip


async def test_outcomes_at_the_door_end_the_route_and_hide_its_cards(world: World) -> None:
    sessions, clock, _ids = world
    got = await _claim(sessions, clock, 801)
    assert isinstance(got, cv.RouteView)
    route_id = got.route.id
    people = [rp.person.id for rp in got.people]
    now = clock.now()
    async with sessions() as session:
        # The partner: another volunteer of the campaign and territory.
        route = await session.get(CampaignRoute, route_id)
        assert route is not None
        assert [p.user_id for p in await cv.partner_candidates(session, route)] == [802, 803]
        assert await cv.set_partner(session, route_id, 802, 803, now, show_data="x") is None
        paired = await cv.set_partner(session, route_id, 801, 802, now, show_data="x")
        assert paired is not None and paired.partner_id == 802
        assert await cv.card_begin(session, people[0], 802, now) is not None
        assert await cv.card_begin(session, people[0], 803, now) is None
        # Not at home, with the note: retried in two hours, still a visit.
        done = await cv.record(
            session, people[0], 802, Outcome.NOT_HOME, now, QUIET, note="записка в ящике"
        )
        assert done is not None
        assert (done.person.status, done.person.kind, done.person.attempts) == (
            PersonStatus.QUEUED, WorkKind.VISIT, 1
        )  # fmt: skip
        assert done.person.due_at == now + timedelta(hours=2)
        assert done.contact.note == "записка в ящике" and done.contact.kind == "visit"
        assert await cv.record(session, people[0], 801, Outcome.REFUSED, now, QUIET) is None
        # The pair at one door: the second form finds the person recorded already.
        twice = await cv.record(
            session, people[0], 801, Outcome.NOT_HOME, now, QUIET, note="ещё",
            form_token="n" * 32, round_seen=0,
        )  # fmt: skip
        assert twice is None
        # Reached, vaccinated: the next round, still a visit.
        done = await cv.record(
            session, people[1], 801, Outcome.REACHED, now, QUIET,
            answers={"vaccinated": True, "feeling": "well"}, form_token="v" * 32, round_seen=0,
        )  # fmt: skip
        assert done is not None
        assert (done.person.round, done.person.kind) == (1, WorkKind.VISIT)
        for pid, outcome in zip(people[2:4], (Outcome.REFUSED, Outcome.MOVED), strict=True):
            assert await cv.record(session, pid, 801, outcome, now, QUIET) is not None
            assert (await session.get(CampaignRoute, route_id)).status == cv.OPEN  # type: ignore[union-attr]
        await session.commit()
    async with sessions() as session:
        last = await cv.record(session, people[4], 801, Outcome.NOT_HOME, now, QUIET, note="x")
        assert last is not None
        await session.commit()
    async with sessions() as session:
        route = await session.get(CampaignRoute, route_id)
        assert route is not None and (route.status, route.done_at) == (cv.DONE, now)
        closed = (
            await session.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.idempotency_key.like(f"cmpr:{route_id}:closed:%")
                )
            )
        ).all()
        assert sorted(closed) == [801, 802]
        hidden = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.edit_key.like(f"cmpv:{people[0]}:card:%"))
        )
        assert hidden is not None and hidden.payload["text"]["args"]["outcome"] == "not_home"
        contacts = (await session.scalars(select(CampaignContact))).all()
        assert len(contacts) == 5 and {c.by_user_id for c in contacts} == {801, 802}
    # Not at home: due again in two hours, for whoever knocked today (the calls' day rule).
    clock.advance(timedelta(hours=2))
    other = await _claim(sessions, clock, 803)
    assert isinstance(other, cv.RouteView)
    assert people[0] not in {rp.person.id for rp in other.people}
    same = await _claim(sessions, clock, 802)
    assert isinstance(same, cv.RouteView) and [rp.person.id for rp in same.people] == [people[0]]


async def test_a_lapsed_route_goes_back_to_the_queue(world: World) -> None:
    sessions, clock, _ids = world
    got = await _claim(sessions, clock, 801)
    assert isinstance(got, cv.RouteView)
    clock.advance(timedelta(hours=cv.ROUTE_HOURS, minutes=1))
    async with sessions() as session:
        assert await cc.lapse_due(session, clock.now()) == cv.ROUTE_SIZE
        assert await cv.close_lapsed(session, clock.now()) == 1
        await session.commit()
    async with sessions() as session:
        route = await session.get(CampaignRoute, got.route.id)
        assert route is not None and route.status == cv.LAPSED
        queued = await session.scalars(
            select(CampaignPerson.status).where(CampaignPerson.route_id == got.route.id)
        )
        assert set(queued.all()) == {"queued"}
    # The calls' worklist never hands out a visit, nor shows a route as a held call.
    async with sessions() as session:
        who = await cc.worker(session, 801, clock.now())
        assert who is not None
        assert await cc.held_by(session, 801) is None


async def test_the_coordinator_moves_the_unreachable_to_visits(world: World) -> None:
    sessions, clock, ids = world
    async with sessions() as session:
        assert await cv.unreachable_count(session, ids["campaign"]) == 2
        by_territory = await cv.unreachable_by_territory(session, ids["campaign"])
        assert by_territory == {ids["yurga"]: 2}
        assert await cv.move_unreachable(session, ids["campaign"], clock.now()) == 2
        told = await cv.tell_workers_of_visits(
            session, ids["campaign"], by_territory, key="1", take_data="t", now=clock.now()
        )
        again = await cv.tell_workers_of_visits(
            session, ids["campaign"], by_territory, key="1", take_data="t", now=clock.now()
        )
        assert told == again == 3
        notices = await session.scalars(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.idempotency_key.like(f"campaign:{ids['campaign']}:visits:1:%")
            )
        )
        assert sorted(notices.all()) == [801, 802, 803]  # once each
        assert await cv.move_unreachable(session, ids["campaign"], clock.now()) == 0
        await session.commit()
    async with sessions() as session:
        moved = (
            await session.scalars(
                select(CampaignPerson).where(CampaignPerson.full_name.like("Сидоров%"))
            )
        ).all()
    kinds = sorted((p.kind, p.status) for p in moved)
    assert kinds == [("call", "queued"), ("visit", "queued"), ("visit", "queued")]
    assert all(p.due_at == clock.now() for p in moved if p.kind == "visit")


async def test_visits_only_in_the_daytime(world: World) -> None:
    sessions, clock, _ids = world
    clock.set(datetime(2026, 12, 5, 13, 0, tzinfo=UTC))  # 20:00 in Yurga
    assert await _claim(sessions, clock, 801) == cv.NoRoute("hours")
