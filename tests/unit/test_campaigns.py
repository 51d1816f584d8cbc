"""Campaigns, domain side: what a coordinator types (rounds, window, retry), who works a
campaign, the card's counts in two grouped statements, opting in and out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import campaign_calls, campaigns, volunteers
from bot.services.campaigns import JoinResult, NewCampaign
from bot.services.territories import load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Profile, Roles, touch_user
from models import (
    AlertStatus,
    CampaignAlert,
    CampaignContact,
    CampaignPerson,
    CampaignStatus,
    OutboxMessage,
    Territory,
    Volunteer,
    VolunteerMode,
    migrate,
)
from models.db import create_engine, create_sessionmaker

COORDINATOR = 800


def JOIN(campaign_id: int) -> str:
    return f"cmj:{campaign_id}:1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0, 7, 21", [0, 7, 21]),
        ("0 7 21", [0, 7, 21]),
        ("0;3", [0, 3]),
        ("0", [0]),
        ("0, 365", [0, 365]),
        ("1, 7", None),  # the first round is the first call
        ("0, 7, 7", None),
        ("0, 21, 7", None),
        ("0, 366", None),
        ("0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10", None),  # 11 rounds
        ("0, -7", None),
        ("0, семь", None),
        ("", None),
        ("0, ٣", None),
    ],
)
def test_rounds(text: str, expected: list[int] | None) -> None:
    assert campaigns.parse_rounds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00-19:00", (600, 1140)),
        ("10:00 – 19:30", (600, 1170)),
        ("9-18", (540, 1080)),
        ("08.30-12.00", (510, 720)),
        ("10:00-24:00", (600, 1440)),
        ("19:00-10:00", None),
        ("10:00-10:30", None),  # shorter than an hour
        ("25:00-26:00", None),
        ("10:61-19:00", None),
        ("с утра", None),
        ("", None),
    ],
)
def test_window(text: str, expected: tuple[int, int] | None) -> None:
    assert campaigns.parse_window(text) == expected
    if expected:
        assert campaigns.format_window(*expected)[:5] == text.strip()[:5].replace(".", ":") or (
            text[0] != "0" and len(text.split("-")[0]) < 5
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", 90),
        ("15", 15),
        ("90 мин", 90),
        ("2 ч", 120),
        ("2ч", 120),
        ("2 сағ", 120),
        ("3 дня", 4320),
        ("1 күн", 1440),
        ("1 д", 1440),
        ("14", None),
        ("4 дня", None),
        ("2 недели", None),
        ("два часа", None),
        ("", None),
    ],
)
def test_retry(text: str, expected: int | None) -> None:
    assert campaigns.parse_retry(text) == expected


def test_attempts() -> None:
    assert [campaigns.parse_attempts(t) for t in ("1", "10", "0", "11", "x", " 3 ")] == [
        1,
        10,
        None,
        None,
        None,
        3,
    ]


@pytest.fixture
async def world(
    database_url: str,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    ids: dict[str, int] = {}
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        for code in ("yurga", "belovo"):
            territory = await session.scalar(select(Territory).where(Territory.code == code))
            assert territory is not None
            ids[code] = territory.id
        await touch_user(session, Profile(COORDINATOR, "Анна"), clock.now(), wrote_to_bot=True)
        for user_id, skills, where in [
            (901, ("calls",), "yurga"),
            (902, ("calls", "medic"), "yurga"),
            (903, ("delivery",), "yurga"),
            (904, ("calls",), "belovo"),
            (905, ("calls",), "yurga"),  # paused
        ]:
            await touch_user(
                session, Profile(user_id, f"Волонтёр{user_id}"), clock.now(), wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов",
                phone="+79031234567",
                territory_id=ids[where],
                skills=skills,
                age_group="18-34",
                availability=("weekends",),
                dobro_id=None,
            )
            volunteer = await volunteers.submit(session, user_id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=1, reason=None, now=clock.now()
            )
            ids[str(user_id)] = volunteer.id
        paused = await session.get(Volunteer, ids["905"])
        assert paused is not None
        paused.paused_until = date(2027, 1, 1)
        await session.commit()
    yield sessions, ids, clock
    await engine.dispose()


def _new(ids: dict[str, int], token: str, mode: VolunteerMode, *where: str) -> NewCampaign:
    return NewCampaign(
        name=f"Кампания {token}",
        territory_ids=[ids[w] for w in where],
        rounds=[0, 7, 21],
        window=(600, 1140),
        attempts=3,
        retry_minutes=120,
        claim_minutes=30,
        visit_after=2,
        volunteers=mode,
        medic_ids=[902],
        form_token=token,
    )


async def test_who_works_a_campaign(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock],
) -> None:
    sessions, ids, clock = world
    async with sessions() as session:
        everyone = await campaigns.create(
            session,
            _new(ids, "a", VolunteerMode.ALL, "yurga"),
            actor_id=COORDINATOR,
            now=clock.now(),
        )
        chosen = await campaigns.create(
            session,
            _new(ids, "b", VolunteerMode.CHOSEN, "yurga", "belovo"),
            actor_id=COORDINATOR,
            now=clock.now(),
            join_data=JOIN,
        )
        closed = await campaigns.create(
            session,
            _new(ids, "c", VolunteerMode.ALL, "yurga"),
            actor_id=COORDINATOR,
            now=clock.now(),
        )
        assert await campaigns.set_status(
            session, closed.campaign.id, CampaignStatus.CLOSED, clock.now()
        )
        await session.commit()
        a, b = everyone.campaign.id, chosen.campaign.id
        assert everyone.campaign.claim_minutes == 30  # the form's choice, not the default 20
        # Only the minutes the form offers: a forged value makes nothing.
        with pytest.raises(ValueError):
            await campaigns.create(
                session,
                replace(_new(ids, "d", VolunteerMode.ALL, "yurga"), claim_minutes=7),
                actor_id=COORDINATOR,
                now=clock.now(),
            )
        # Invitations to every approved «calls» volunteer of the territories, once each.
        assert chosen.invited == [901, 902, 904, 905]
        again = await campaigns.create(
            session,
            _new(ids, "b", VolunteerMode.CHOSEN, "yurga"),
            actor_id=1,
            now=clock.now(),
            join_data=JOIN,
        )
        assert not again.created and again.campaign.id == b
        keys = (
            await session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.like(f"campaign:{b}:invite:%")
                )
            )
        ).all()
        assert len(keys) == 4

        async def of(user_id: int) -> list[int]:
            return await campaigns.campaigns_of_volunteer(session, user_id, now=clock.now())

        assert await of(901) == [a]
        assert await of(903) == []  # no «calls» skill
        assert await of(904) == []  # another territory, not opted in
        assert await of(905) == []  # paused
        assert await of(COORDINATOR) == []  # not a volunteer
        assert (await campaigns.set_joined(session, b, 904, True, clock.now()))[
            0
        ] == JoinResult.JOINED
        assert (await campaigns.set_joined(session, b, 904, True, clock.now()))[
            0
        ] == JoinResult.JOINED
        assert (await campaigns.set_joined(session, b, 903, True, clock.now()))[
            0
        ] == JoinResult.NOT_QUALIFIED
        assert (await campaigns.set_joined(session, a, 901, True, clock.now()))[
            0
        ] == JoinResult.NOT_QUALIFIED
        assert await of(904) == [b]
        assert await campaigns.set_status(session, b, CampaignStatus.PAUSED, clock.now())
        assert await of(904) == []  # paused campaigns are nobody's work
        assert not await campaigns.set_status(session, b, CampaignStatus.PAUSED, clock.now())
        assert await campaigns.set_status(session, b, CampaignStatus.ACTIVE, clock.now())
        assert (await campaigns.set_joined(session, b, 904, False, clock.now()))[
            0
        ] == JoinResult.LEFT
        assert await of(904) == []
        assert (await campaigns.set_joined(session, b, 904, True, clock.now()))[
            0
        ] == JoinResult.JOINED
        assert await of(904) == [b]
        assert await of(901) == [a]  # opted in to nothing: the «all» campaign only
        assert (await campaigns.set_joined(session, closed.campaign.id, 901, True, clock.now()))[
            0
        ] == JoinResult.CLOSED
        assert await campaigns.medics_of(session, b) == [902]
        # Scope: a coordinator of Belovo sees only the campaign with Belovo.
        belovo = Roles(is_coordinator=True, territory_ids=frozenset({ids["belovo"]}))
        items, more = await campaigns.page_in_scope(session, belovo, offset=0, limit=10)
        assert [item.id for item in items] == [b] and not more
        hq = Roles(is_coordinator=True, is_hq=True)
        items, more = await campaigns.page_in_scope(session, hq, offset=0, limit=2)
        assert [item.id for item in items] == [closed.campaign.id, b] and more
        candidates = await campaigns.medic_candidates(session, [ids["yurga"]], [COORDINATOR])
        assert [p.user_id for p in candidates] == [COORDINATOR, 902]


async def test_progress_counts(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock],
) -> None:
    sessions, ids, clock = world
    now = clock.now()
    async with sessions() as session:
        made = await campaigns.create(
            session, _new(ids, "p", VolunteerMode.ALL, "yurga"), actor_id=COORDINATOR, now=now
        )
        cid = made.campaign.id
        rows = [
            ("call", "queued", now - timedelta(hours=1)),
            ("call", "queued", now),
            ("call", "queued", now + timedelta(days=7)),
            ("call", "claimed", now - timedelta(hours=2)),
            ("call", "unreachable", None),
            ("call", "stopped", None),
            ("call", "done", None),
            ("visit", "queued", now - timedelta(hours=1)),
            ("visit", "stopped", None),
        ]
        people = []
        for n, (kind, status, due) in enumerate(rows):
            person = CampaignPerson(
                campaign_id=cid,
                territory_id=ids["yurga"],
                full_name=f"Человек {n}",
                phone="+79030000000",
                consent_on=date(2026, 11, 1),
                kind=kind,
                status=status,
                due_at=due,
                created_at=now,
                updated_at=now,
            )
            session.add(person)
            people.append(person)
        await session.flush()
        for person, outcome in [
            (people[2], "reached"),
            (people[2], "reached"),
            (people[6], "reached"),
            (people[4], "no_answer"),
        ]:
            session.add(
                CampaignContact(
                    campaign_id=cid,
                    person_id=person.id,
                    by_user_id=901,
                    kind="call",
                    round=0,
                    outcome=outcome,
                    answers={},
                    created_at=now,
                )
            )
        await session.flush()
        for status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
            session.add(
                CampaignAlert(
                    campaign_id=cid,
                    person_id=people[2].id,
                    reported_by=901,
                    status=status,
                    created_at=now,
                )
            )
        await session.commit()
        statements: list[object] = []
        real_execute = session.execute

        async def spy(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            statements.append(statement)
            return await real_execute(statement, *args, **kwargs)

        session.execute = spy  # type: ignore[method-assign]
        counts = await campaigns.progress(session, cid, now)
        assert len(statements) == 2
        assert counts == campaigns.Progress(
            total=9,
            due_now=2,
            planned=1,
            in_progress=1,
            reached=2,
            unreachable=1,
            stopped=2,
            visits=1,
            unwell_open=1,
        )


async def test_progress_reads_indexes_not_people_one_by_one(sqlite_url: str) -> None:
    """The counts read the worklist index for the people, the campaign's contacts once
    (never a lookup of contacts per person) and its alerts by their campaign index."""
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    captured: list[tuple[str, tuple[object, ...]]] = []
    try:
        async with sessions() as session:
            real_execute = session.execute

            async def spy(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
                compiled = statement.compile(
                    dialect=session.get_bind().dialect,
                    compile_kwargs={"render_postcompile": True},
                )
                names = compiled.positiontup or []
                values = tuple(str(compiled.params[name]) for name in names)
                captured.append((str(compiled), values))
                return await real_execute(statement, *args, **kwargs)

            session.execute = spy  # type: ignore[method-assign]
            await campaigns.progress(session, 1, FakeClock().now())
            # A read-only card: the people of some territories, along the same index.
            await campaigns.progress(session, 1, FakeClock().now(), [3, 5])
        plans = []
        async with engine.connect() as conn:
            for sql, params in captured:
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append(" | ".join(str(row[-1]) for row in rows))
        assert len(plans) == 4
        for grouped, single in (plans[:2], plans[2:]):
            assert "USING COVERING INDEX ix_campaign_people_worklist" in grouped, grouped
            assert "SCAN campaign_people" not in single and "SCAN campaign_contacts" not in single
            assert "COVERING INDEX ix_campaign_contacts_outcome" in single, single
            assert "ix_campaign_alerts" in single, single
    finally:
        await engine.dispose()


async def _region_id(session: AsyncSession) -> int:
    region = await session.scalar(select(Territory.id).where(Territory.code == "kuzbass"))
    assert region is not None
    return region


async def test_a_region_wide_campaign_reaches_its_municipalities(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock],
) -> None:
    """A campaign on the Kuzbass region: the volunteers of Yurga and Belovo work it, are
    invited to it, may opt in, and are told about the new people of their own territory."""
    sessions, ids, clock = world
    now = clock.now()
    async with sessions() as session:
        ids["kuzbass"] = await _region_id(session)
        region = await campaigns.create(
            session, _new(ids, "r", VolunteerMode.ALL, "kuzbass"), actor_id=1, now=now
        )
        yurga_only = await campaigns.create(
            session, _new(ids, "y", VolunteerMode.ALL, "yurga"), actor_id=1, now=now
        )
        chosen = await campaigns.create(
            session,
            _new(ids, "c", VolunteerMode.CHOSEN, "kuzbass"),
            actor_id=1,
            now=now,
            join_data=JOIN,
        )
        r, y, c = region.campaign.id, yurga_only.campaign.id, chosen.campaign.id
        # Invited: every «calls» volunteer under the region (not 903, no skill).
        assert chosen.invited == [901, 902, 904, 905]

        async def of(user_id: int) -> list[int]:
            return await campaigns.campaigns_of_volunteer(session, user_id, now=now)

        assert await of(901) == [r, y]
        assert await of(904) == [r]  # Belovo: the region's, not Yurga's
        assert await of(903) == []
        assert (await campaigns.set_joined(session, c, 904, True, now))[0] == JoinResult.JOINED
        assert await of(904) == [r, c]
        assert (await campaigns.set_joined(session, c, 903, True, now))[0] == (
            JoinResult.NOT_QUALIFIED
        )
        # Who works it where the new people live.
        assert await campaigns.workers_of(session, region.campaign, [ids["yurga"]]) == {
            901: ids["yurga"],
            902: ids["yurga"],
            905: ids["yurga"],
        }
        assert await campaigns.workers_of(session, chosen.campaign, [ids["belovo"]]) == {
            904: ids["belovo"]
        }
        assert await campaigns.workers_of(session, yurga_only.campaign, [ids["belovo"]]) == {}
        told = await campaigns.tell_workers_of_new_people(
            session,
            r,
            {ids["yurga"]: 3},
            import_id=7,
            next_call_data="call:next",
            now=now,
        )
        assert told == 3
        keys = (
            await session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.like(f"campaign:{r}:import:7:%")
                )
            )
        ).all()
        assert sorted(keys) == [f"campaign:{r}:import:7:{u}" for u in (901, 902, 905)]
        # The «all» campaign's card counts the volunteers under the region.
        shown = await campaigns.card(session, r, now)
        assert shown is not None and shown.volunteers == 4
        # The medics on duty may be those of the municipalities.
        candidates = await campaigns.medic_candidates(session, [ids["kuzbass"]], [COORDINATOR])
        assert [p.user_id for p in candidates] == [COORDINATOR, 902]


def _person(cid: int, territory_id: int, n: int, status: str, now: datetime) -> CampaignPerson:
    return CampaignPerson(
        campaign_id=cid,
        territory_id=territory_id,
        full_name=f"Человек{n} Петров",
        phone="+79030000000",
        consent_on=date(2026, 11, 1),
        kind="call",
        status=status,
        due_at=now - timedelta(minutes=1),
        claimed_by=901 if status == "claimed" else None,
        claim_until=now + timedelta(minutes=20) if status == "claimed" else None,
        created_at=now,
        updated_at=now,
    )


async def test_who_may_manage_and_what_others_see(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock],
) -> None:
    """Pause, resume, close: the HQ, the creator, a coordinator of every territory. Anyone
    else in scope sees counts of their own territories; a stranger nothing."""
    sessions, ids, clock = world
    now = clock.now()
    async with sessions() as session:
        ids["kuzbass"] = await _region_id(session)
        tayga = await session.scalar(select(Territory.id).where(Territory.code == "tayga"))
        assert tayga is not None
        both = await campaigns.create(
            session, _new(ids, "b", VolunteerMode.ALL, "yurga", "belovo"), actor_id=1, now=now
        )
        region = await campaigns.create(
            session, _new(ids, "r", VolunteerMode.ALL, "kuzbass"), actor_id=1, now=now
        )
        b, r = both.campaign.id, region.campaign.id
        for n, (where, status) in enumerate(
            [("yurga", "queued"), ("yurga", "claimed"), ("belovo", "queued"), ("belovo", "done")]
        ):
            session.add(_person(b, ids[where], n, status, now))
        await session.commit()
        hq = Roles(is_coordinator=True, is_hq=True)
        yurga = Roles(is_coordinator=True, territory_ids=frozenset({ids["yurga"]}))
        two = Roles(is_coordinator=True, territory_ids=frozenset({ids["yurga"], ids["belovo"]}))
        stranger = Roles(is_coordinator=True, territory_ids=frozenset({tayga}))
        assert await campaigns.access(session, b, hq, 5) == campaigns.Access(manage=True)
        assert await campaigns.access(session, b, two, 5) == campaigns.Access(manage=True)
        assert await campaigns.access(session, b, stranger, 1) == campaigns.Access(manage=True)
        assert await campaigns.access(session, b, stranger, 5) is None
        assert await campaigns.access(session, 999, hq, 5) is None
        seen = await campaigns.access(session, b, yurga, 5)
        assert seen == campaigns.Access(manage=False, territory_ids=frozenset({ids["yurga"]}))
        # A Yurga coordinator sees the region's campaign, read-only, with Yurga's counts.
        assert await campaigns.access(session, r, yurga, 5) == campaigns.Access(
            manage=False, territory_ids=frozenset({ids["yurga"]})
        )
        items, _more = await campaigns.page_in_scope(session, yurga, offset=0, limit=10)
        assert [item.id for item in items] == [r, b]
        # Tayga is under the region too: the region's campaign only.
        items, _more = await campaigns.page_in_scope(session, stranger, offset=0, limit=10)
        assert [item.id for item in items] == [r]
        items, _more = await campaigns.page_in_scope(
            session, stranger, offset=0, limit=10, user_id=1
        )
        assert [item.id for item in items] == [r, b]
        statements: list[object] = []
        real_execute = session.execute

        async def spy(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            statements.append(statement)
            return await real_execute(statement, *args, **kwargs)

        session.execute = spy  # type: ignore[method-assign]
        mine = await campaigns.progress(session, b, now, seen.territory_ids if seen else None)
        assert len(statements) == 2
        session.execute = real_execute  # type: ignore[method-assign]
        assert mine == campaigns.Progress(total=2, due_now=1, in_progress=1)
        whole = await campaigns.progress(session, b, now)
        assert (whole.total, whole.due_now, whole.in_progress, whole.reached) == (4, 2, 1, 1)
        shown = await campaigns.card(session, b, now, frozenset({ids["belovo"]}))
        assert shown is not None
        assert shown.progress == campaigns.Progress(total=2, due_now=1, reached=1)
        assert shown.volunteers == 1  # 904, the «calls» volunteer of Belovo


async def test_pause_and_close_end_the_claims(
    world: tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock],
) -> None:
    """Pausing puts every claimed person back in the queue and edits their call cards down
    (through the outbox) to «кампания на паузе»; closing the same with «закрыта»."""
    sessions, ids, clock = world
    now = clock.now()
    async with sessions() as session:
        made = await campaigns.create(
            session, _new(ids, "p", VolunteerMode.ALL, "yurga"), actor_id=1, now=now
        )
        cid = made.campaign.id
        people = [_person(cid, ids["yurga"], n, s, now) for n, s in enumerate(["claimed"] * 2)]
        people.append(_person(cid, ids["yurga"], 2, "queued", now))
        session.add_all(people)
        await session.flush()
        keys = [await campaign_calls.card_begin(session, p.id, 901, now) for p in people[:2]]
        assert all(keys)
        await session.commit()
        assert await campaigns.set_status(session, cid, CampaignStatus.PAUSED, now)
        await session.commit()
        rows = (
            await session.execute(
                select(CampaignPerson.status, CampaignPerson.claimed_by, CampaignPerson.claim_until)
                .where(CampaignPerson.campaign_id == cid)
                .order_by(CampaignPerson.id)
            )
        ).all()
        assert [tuple(row) for row in rows] == [("queued", None, None)] * 3
        hidden = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.like("cmpp:%:hidden"))
            )
        ).all()
        assert sorted(str(m.edit_key) for m in hidden) == sorted(str(k) for k in keys)
        assert {m.payload["text"]["args"]["outcome"] for m in hidden} == {"paused"}
        # Resumed, claimed again, closed: the card says so.
        assert await campaigns.set_status(session, cid, CampaignStatus.ACTIVE, now)
        again = _person(cid, ids["yurga"], 3, "claimed", now)
        session.add(again)
        await session.flush()
        key = await campaign_calls.card_begin(session, again.id, 901, now)
        assert await campaigns.set_status(session, cid, CampaignStatus.CLOSED, now)
        await session.commit()
        closed = await session.scalar(select(OutboxMessage).where(OutboxMessage.edit_key == key))
        assert closed is not None and closed.payload["text"]["args"]["outcome"] == "closed"
        status = await session.scalar(
            select(CampaignPerson.status).where(CampaignPerson.id == again.id)
        )
        assert status == "queued"


@pytest.mark.parametrize(
    ("window", "quiet", "lost"),
    [
        ((22 * 60 + 30, 23 * 60 + 30), "22:00-08:00", True),  # wholly inside
        ((21 * 60 + 30, 23 * 60 + 30), "22:00-08:00", True),  # mostly inside
        ((20 * 60 + 30, 23 * 60 + 50), "22:00-08:00", True),  # 90 of 200 min outside
        ((6 * 60, 9 * 60 + 30), "22:00-08:00", True),  # 90 min of 210 outside
        ((7 * 60, 10 * 60), "22:00-08:00", False),  # 2 of 3 hours outside
        ((600, 1140), "22:00-08:00", False),
        ((21 * 60, 23 * 60), "22:00-08:00", False),  # half: an hour outside
        ((0, 1440), "22:00-08:00", False),
        ((22 * 60 + 30, 23 * 60 + 30), "off", False),
        ((13 * 60, 15 * 60), "12:00-14:00", False),
        ((13 * 60, 14 * 60 + 30), "12:00-14:00", True),
    ],
)
def test_window_in_quiet_hours(window: tuple[int, int], quiet: str, lost: bool) -> None:
    assert campaigns.window_in_quiet(window, QuietHours.parse(quiet)) is lost
