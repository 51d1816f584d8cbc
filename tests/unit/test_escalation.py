"""Escalation and reminders, domain side: a request's history, the circles beyond the
territory (neighbours, the whole HQ, the coordinators), quiet-hours «today» requests, the
reminder of a taken task, the coordinator's replacement, overdue marking. On SQLite and on
PostgreSQL (``database_url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from itertools import pairwise

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import help_requests, request_history, volunteers
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import HelpRequest, Territory, migrate
from models.db import create_engine, create_sessionmaker

REQUESTER = 900
COORDINATOR = 800
TAKE = "tk:1"

# user id -> (territory code, skills)
PEOPLE: dict[int, tuple[str, tuple[str, ...]]] = {
    901: ("yurga", ("delivery",)),
    902: ("yurga", ("coal",)),
    911: ("tayga", ("delivery",)),  # a neighbour of Yurga
    912: ("tayga", ("coal",)),
    921: ("mezhdurechensk", ("delivery",)),  # far away, same HQ
}

World = tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    ids: dict[str, int] = {}
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        for territory in (await session.scalars(select(Territory))).all():
            ids[territory.code] = territory.id
        await touch_user(session, Profile(REQUESTER, "Мария"), clock.now(), wrote_to_bot=True)
        for user_id, (code, skills) in PEOPLE.items():
            await touch_user(
                session, Profile(user_id, f"Волонтёр{user_id}"), clock.now(), wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=ids[code],
                skills=skills, age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, user_id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=1, reason=None, now=clock.now()
            )
            ids[str(user_id)] = volunteer.id
        await session.commit()
    yield sessions, ids, clock
    await engine.dispose()


def _draft(
    territory_id: int, urgency: str = "today", planned_on: date | None = None
) -> help_requests.Draft:
    return help_requests.Draft(
        kind="groceries", for_other=True, person_name="Анна Петровна", territory_id=territory_id,
        address="ул. Ленина, 5", details="Хлеб, молоко", urgency=urgency, requester_id=REQUESTER,
        person_phone="+79039998877", planned_on=planned_on,
    )  # fmt: skip


async def test_history_records_each_transition_and_erasure_scrubs_it(world: World) -> None:
    sessions, ids, clock = world
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        volunteer = await volunteers.live_record(session, 901)
        assert volunteer is not None
        result = await help_requests.take(session, request.id, volunteer, clock.now())
        assert result is not None and result.won
        await help_requests.on_my_way(session, request, volunteer, clock.now())
        await help_requests.cannot(
            session, request, volunteer, reason="заболел", now=clock.now(), take_data=TAKE,
            default_locale="ru", admin_ids=[],
        )  # fmt: skip
        await session.commit()
        request_id = request.id
    async with sessions() as session:
        events = await request_history.history(session, request_id)
        kinds = [event.kind for event in events]
        assert kinds[:5] == ["created", "offered", "taken", "on_way", "cannot"]
        assert events[4].details["reason"] == "заболел"
        assert events[2].actor_id == 901
        assert all(a.at <= b.at for a, b in pairwise(events))
        await help_requests.erase_request(session, request_id, clock.now())
        await session.commit()
    async with sessions() as session:
        events = await request_history.history(session, request_id)
        assert events[-1].kind == "cancelled"
        assert all(event.details == {} and event.actor_id is None for event in events)
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.person_name == help_requests.ERASED
