"""A request reaches a big territory in waves (issue 23): the least busy fitting volunteers
first, more while nobody takes it, everyone in the end; a small territory gets it at once as
before; "taken" edits go only to pushes that are live; push rows go in one INSERT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import help_requests, volunteers
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import (
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestPush,
    RequestStatus,
    Territory,
    Volunteer,
    migrate,
)
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import waiting_requests

REQUESTER = 900
PEOPLE = list(range(1001, 1009))  # eight fitting volunteers, registered in this order
TAKE = "tk:1"


class World:
    def __init__(self, engine: AsyncEngine, territory_id: int, ids: dict[int, int]) -> None:
        self.engine = engine
        self.territory_id = territory_id
        self.ids = ids  # user id -> volunteer id
        self.clock = FakeClock()

    def sessions(self, wave: int) -> async_sessionmaker[AsyncSession]:
        maker = create_sessionmaker(self.engine)
        maker.configure(info={help_requests.WAVE_SIZE_INFO: wave})  # as the app does
        return maker

    async def new_request(self, wave: int, urgency: str = "today") -> int:
        async with self.sessions(wave)() as session:
            request = await help_requests.create(
                session, _draft(self.territory_id, urgency), self.clock.now()
            )
            await help_requests.offer(
                session, request, self.clock.now(), take_data=TAKE, default_locale="ru"
            )
            await session.commit()
            return request.id

    async def pushed(self, request_id: int, push_round: int = 0) -> list[int]:
        async with self.sessions(1)() as session:
            rows = await session.scalars(
                select(RequestPush.user_id).where(
                    RequestPush.request_id == request_id, RequestPush.push_round == push_round
                )
            )
            return sorted(rows.all())

    async def request(self, request_id: int) -> HelpRequest:
        async with self.sessions(1)() as session:
            request = await session.get(HelpRequest, request_id)
            assert request is not None
            return request

    async def tick(self, wave: int) -> int:
        return await waiting_requests.tick(
            self.clock.now(),
            sessionmaker=self.sessions(wave),
            take_data=lambda _id: TAKE,
            default_locale="ru",
        )


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async for built in _world(database_url):
        yield built


@pytest.fixture
async def pg_world(pg_url: str) -> AsyncIterator[World]:
    """The same, on PostgreSQL only: for what only concurrent writers can show."""
    async for built in _world(pg_url):
        yield built


async def _world(url: str) -> AsyncIterator[World]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    clock = FakeClock()
    ids: dict[int, int] = {}
    async with create_sessionmaker(engine)() as session:
        await load_from_file(session, "kuzbass", clock.now())
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        await touch_user(session, Profile(REQUESTER, "Мария"), clock.now(), wrote_to_bot=True)
        for user_id in PEOPLE:
            ids[user_id] = await _volunteer(session, user_id, yurga.id, clock)
        await session.commit()
    try:
        yield World(engine, yurga.id, ids)
    finally:
        await engine.dispose()


async def _volunteer(
    session: AsyncSession, user_id: int, territory_id: int, clock: FakeClock
) -> int:
    await touch_user(session, Profile(user_id, f"Вол{user_id}"), clock.now(), wrote_to_bot=True)
    application = volunteers.Application(
        name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=territory_id,
        skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
    )  # fmt: skip
    volunteer = await volunteers.submit(session, user_id, application, clock.now())
    await volunteers.decide(
        session, volunteer.id, approve=True, actor_id=1, reason=None, now=clock.now()
    )
    return volunteer.id


def _draft(territory_id: int, urgency: str = "today") -> help_requests.Draft:
    return help_requests.Draft(
        kind="groceries", for_other=True, person_name="Анна Петровна", territory_id=territory_id,
        address="ул. Ленина, 5", details="Хлеб", urgency=urgency, requester_id=REQUESTER,
    )  # fmt: skip


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


async def test_a_small_territory_gets_it_at_once_and_later_volunteers_too(world: World) -> None:
    with statements(world.engine) as seen:
        request_id = await world.new_request(wave=20)
    assert await world.pushed(request_id) == PEOPLE
    # Every push row in one INSERT, every push message in one more.
    assert len([s for s in seen if s.startswith("INSERT INTO request_pushes")]) == 1
    assert len([s for s in seen if s.startswith("INSERT INTO outbox")]) == 1
    request = await world.request(request_id)
    assert (request.audience, request.widen_at) == (None, None)  # no waves: everyone has it
    async with world.sessions(20)() as session:  # someone approved later gets it at once
        newcomer = await _volunteer(session, 1009, world.territory_id, world.clock)
        await session.commit()
    assert await world.tick(wave=20) == 1
    assert 1009 in await world.pushed(request_id)
    assert newcomer


async def test_a_big_territory_gets_the_least_busy_first(world: World) -> None:
    async with world.sessions(3)() as session:
        # 1001 holds a task; 1002 and 1003 were pushed another request an hour ago, 1004 a
        # day and a half ago: the least recently pushed come first, never pushed before all.
        other = await help_requests.create(session, _draft(world.territory_id), world.clock.now())
        await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == other.id)
            .values(status=RequestStatus.TAKEN, volunteer_id=world.ids[1001])
        )
        for user_id, ago in (
            (1002, timedelta(hours=1)),
            (1003, timedelta(hours=1)),
            (1004, timedelta(hours=36)),
        ):
            session.add(
                RequestPush(
                    request_id=other.id, volunteer_id=world.ids[user_id], push_round=0,
                    user_id=user_id, declined=False, created_at=world.clock.now() - ago,
                )
            )  # fmt: skip
        await session.commit()
    request_id = await world.new_request(wave=3)
    assert await world.pushed(request_id) == [1005, 1006, 1007]
    request = await world.request(request_id)
    assert request.audience == 3
    assert request.widen_at == world.clock.now() + help_requests.WIDEN_URGENT
    # The next wave: 1008 (never pushed), 1004 (36 hours ago), 1002 (an hour ago, before 1003
    # by standing); 1001, with a task, waits longest.
    world.clock.advance(help_requests.WIDEN_URGENT)
    assert await world.tick(wave=3) == 3
    assert await world.pushed(request_id) == [1002, 1004, 1005, 1006, 1007, 1008]
    async with world.sessions(3)() as session:  # the trigger keeps the newest push's time
        pushed_at = dict(
            (await session.execute(select(Volunteer.user_id, Volunteer.last_pushed_at))).all()
        )
    assert pushed_at[1003] == world.clock.now() - help_requests.WIDEN_URGENT - timedelta(hours=1)
    assert pushed_at[1002] == pushed_at[1008] == world.clock.now()
    assert pushed_at[1005] == world.clock.now() - help_requests.WIDEN_URGENT
    assert pushed_at[1001] is None


async def test_the_wave_widens_while_nobody_takes_it_until_everyone_has_it(
    world: World,
) -> None:
    request_id = await world.new_request(wave=3, urgency="3days")
    assert await world.pushed(request_id) == [1001, 1002, 1003]
    world.clock.advance(help_requests.WIDEN_LATER - timedelta(seconds=1))
    assert await world.tick(wave=3) == 0  # not yet
    world.clock.advance(timedelta(seconds=1))
    assert await world.tick(wave=3) == 3  # the audience doubles: three more
    assert await world.pushed(request_id) == PEOPLE[:6]
    request = await world.request(request_id)
    assert request.audience == 6 and request.widen_at is not None
    world.clock.advance(help_requests.WIDEN_LATER)
    assert await world.tick(wave=3) == 2  # the last two: everyone has it, waves end
    assert await world.pushed(request_id) == PEOPLE
    request = await world.request(request_id)
    assert (request.audience, request.widen_at) == (None, None)
    world.clock.advance(help_requests.WIDEN_LATER)
    assert await world.tick(wave=3) == 0


async def test_a_full_wave_waits_for_its_widening_and_a_taken_one_never_widens(
    world: World,
) -> None:
    request_id = await world.new_request(wave=3)
    async with world.sessions(3)() as session:  # someone new: the wave is full, they wait
        await _volunteer(session, 1009, world.territory_id, world.clock)
        await session.commit()
    assert await world.tick(wave=3) == 0
    async with world.sessions(3)() as session:
        taker = await session.get(Volunteer, world.ids[1002])
        assert taker is not None
        await help_requests.take(session, request_id, taker, world.clock.now())
        await session.commit()
    world.clock.advance(timedelta(hours=1))
    assert await world.tick(wave=3) == 0
    assert await world.pushed(request_id) == [1001, 1002, 1003]


async def test_taken_edits_go_only_to_live_pushes(world: World) -> None:
    request_id = await world.new_request(wave=3)
    async with world.sessions(3)() as session:
        # 1001's push could not be delivered (blocked the bot); 1003's is sent.
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == f"req:{request_id}:r0:push:1001")
            .values(status=OutboxStatus.BLOCKED)
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == f"req:{request_id}:r0:push:1003")
            .values(status=OutboxStatus.SENT)
        )
        taker = await session.get(Volunteer, world.ids[1002])
        assert taker is not None
        await help_requests.take(session, request_id, taker, world.clock.now())
        await session.commit()
        edits = (
            await session.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.subject == f"req:{request_id}",
                    OutboxMessage.idempotency_key.like("%:taken:%"),
                )
            )
        ).all()
    assert edits == [1003]  # not the blocked push, not the taker, nobody never pushed


async def test_a_new_round_starts_again_with_a_first_wave(world: World) -> None:
    request_id = await world.new_request(wave=3)
    async with world.sessions(3)() as session:
        taker = await session.get(Volunteer, world.ids[1001])
        request = await session.get(HelpRequest, request_id)
        assert taker is not None and request is not None
        await help_requests.take(session, request_id, taker, world.clock.now())
        await help_requests.cannot(
            session, request, taker, reason="заболел", now=world.clock.now(), take_data=TAKE,
            default_locale="ru", admin_ids=[1],
        )  # fmt: skip
        await session.commit()
    # Round 1: three again, never the one who could not; those pushed in round 0 come last.
    assert await world.pushed(request_id, push_round=1) == [1004, 1005, 1006]
    request = await world.request(request_id)
    assert (request.push_round, request.audience) == (1, 3)


async def test_an_offer_never_waits_for_a_volunteer_changed_in_another_transaction(
    pg_world: World,
) -> None:
    """A push writes its volunteer's last_pushed_at, but never waits for that row: blocking a
    volunteer (or /forget) changes their row and then offers their task to others in the same
    transaction, while another request may be offered to them at that moment. On PostgreSQL
    the push insert used to wait for that row, and the other transaction's offer for a row the
    first one had locked: a deadlock. Now the held row keeps its time. (SQLite has one writer
    at a time: nothing to wait for there.)"""
    world = pg_world
    async with world.sessions(20)() as session:
        first = await help_requests.create(session, _draft(world.territory_id), world.clock.now())
        second = await help_requests.create(session, _draft(world.territory_id), world.clock.now())
        await session.commit()
    blocking, offering = world.sessions(20)(), world.sessions(20)()
    try:
        await blocking.execute(  # the volunteer's row, first in this transaction
            update(Volunteer)
            .where(Volunteer.id == world.ids[1008])
            .values(updated_at=world.clock.now())
        )
        request = await offering.get(HelpRequest, second.id)
        assert request is not None
        pushed = await asyncio.wait_for(
            help_requests.offer(
                offering, request, world.clock.now(), take_data=TAKE, default_locale="ru"
            ),
            timeout=10,
        )
        assert sorted(pushed) == PEOPLE  # 1008 too: only its time stays as it was
        handed_back = await blocking.get(HelpRequest, first.id)
        assert handed_back is not None
        assert await asyncio.wait_for(
            help_requests.offer(
                blocking, handed_back, world.clock.now(), take_data=TAKE,
                default_locale="ru", only={world.ids[1001]},
            ),
            timeout=10,
        ) == [1001]  # fmt: skip
        await blocking.commit()
        await offering.commit()
    finally:
        await blocking.close()
        await offering.close()
