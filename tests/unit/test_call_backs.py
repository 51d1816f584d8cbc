"""Call-back requests, domain side: one open per person however many confirms, pushed to every
coordinator, closed or linked exactly once, erased by /forget."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.keyboards.call_backs import push_buttons
from bot.services import call_backs, coordinators, help_requests
from bot.services.territories import load_from_file
from bot.services.users import Profile, Roles, touch_user
from models import AuditEntry, CallbackRequest, OutboxMessage, OutboxStatus, Territory, migrate
from models.db import create_engine, create_sessionmaker

CITIZEN = 900
ADMIN = 1
LOCAL = 2  # a territory coordinator
CLOCK = FakeClock()
TZ = ZoneInfo("Asia/Novokuznetsk")

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    made = create_sessionmaker(engine)
    async with made() as session:
        await load_from_file(session, "kuzbass", CLOCK.now())
        for user_id in (CITIZEN, ADMIN, LOCAL):
            await touch_user(session, Profile(user_id, "Имя"), CLOCK.now(), wrote_to_bot=True)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        await coordinators.appoint(
            session, user_id=LOCAL, territory_ids=[yurga.id], hq=False, actor_id=ADMIN,
            now=CLOCK.now(),
        )  # fmt: skip
        await session.commit()
    yield made
    await engine.dispose()


async def _ask(sessions: Sessions, phone: str = "+79131234567") -> call_backs.Asked:
    async with sessions() as session:
        asked = await call_backs.ask(
            session, CITIZEN, phone, CLOCK.now(), admin_ids=[ADMIN], tz=TZ, buttons=push_buttons
        )
        await session.commit()
        return asked


async def _outbox(sessions: Sessions) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.scalars(select(OutboxMessage))).all()}


async def test_one_open_request_however_many_confirms(sessions: Sessions) -> None:
    first, second = await asyncio.gather(_ask(sessions), _ask(sessions))
    assert sorted([first.new, second.new]) == [False, True]
    assert first.callback.id == second.callback.id
    async with sessions() as session:
        rows = (await session.scalars(select(CallbackRequest))).all()
    assert [(r.user_id, r.status, r.pushed_to) for r in rows] == [(CITIZEN, "open", [ADMIN, LOCAL])]
    pushes = await _outbox(sessions)
    assert sorted(pushes) == [f"cb:1:push:{ADMIN}", f"cb:1:push:{LOCAL}"]
    push = pushes[f"cb:1:push:{ADMIN}"]
    assert push.personal
    assert push.payload["text"]["args"] == {
        "id": 1,
        "phone": "+7 913 123-45-67",
        "when": "05.12.2026 16:00",
    }


async def test_closed_once_and_the_pushes_hidden(sessions: Sessions) -> None:
    await _ask(sessions)
    async with sessions() as session:
        closed = await call_backs.close(session, 1, LOCAL, CLOCK.now(), Roles(is_coordinator=True))
        again = await call_backs.close(session, 1, ADMIN, CLOCK.now(), Roles(is_hq=True))
        await session.commit()
    assert closed is not None and closed.status == "done" and closed.handled_by == LOCAL
    assert again is None
    rows = await _outbox(sessions)
    for target in (ADMIN, LOCAL):
        edit = rows[f"cb:1:settled:{target}"]
        assert edit.edit_key == f"cb:1:push:{target}" and edit.payload["hide"] is True
    async with sessions() as session:
        audit = (await session.scalars(select(AuditEntry.action))).all()
    assert list(audit) == ["callback_closed"]


async def test_link_to_request(sessions: Sessions) -> None:
    await _ask(sessions)
    async with sessions() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        draft = help_requests.Draft(
            kind="groceries", for_other=False, person_name="Анна", territory_id=yurga.id,
            address="ул. Ленина, 5", details="Хлеб", urgency="today", requester_id=None,
            entered_by=ADMIN, caller_phone="+79131234567",
        )  # fmt: skip
        request = await help_requests.create(session, draft, CLOCK.now())
        filling = await call_backs.start_filling(session, 1, ADMIN, CLOCK.now())
        assert filling is not None and filling.status == "open"
        assert await call_backs.link_to_request(session, 1, request.id, ADMIN, CLOCK.now())
        assert not await call_backs.link_to_request(session, 1, request.id, ADMIN, CLOCK.now())
        await session.commit()
        row = await session.get(CallbackRequest, 1)
        assert row is not None
        assert (row.status, row.request_id, row.handled_by) == ("done", request.id, ADMIN)
        assert await call_backs.start_filling(session, 1, LOCAL, CLOCK.now()) is None


async def test_forget_erases_the_phone_and_withdraws_unsent_pushes(sessions: Sessions) -> None:
    await _ask(sessions)
    async with sessions() as session:
        await call_backs.forget(session, CITIZEN, CLOCK.now())
        await session.commit()
        row = await session.get(CallbackRequest, 1)
        assert row is not None and (row.phone, row.status) == ("", "cancelled")
    rows = await _outbox(sessions)
    assert f"cb:1:push:{ADMIN}" not in rows  # never sent: gone with the number
    assert rows[f"cb:1:settled:{ADMIN}"].payload["text"]["key"] == "cb-push-withdrawn"
    assert all("913" not in str(r.payload) for r in rows.values())
    assert all(r.status == OutboxStatus.PENDING for r in rows.values())
    # Erased, so a new request may be made later.
    assert (await _ask(sessions, "+79137654321")).new
