"""The coordinators' request console: filters and their counts, urgency-then-age order, a
territory coordinator's scope, reassigning a taken request, internal notes in the history,
the first page's query plans, and the daily summary at each coordinator's local time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import console, coordinators, daily_summary, help_requests, volunteers
from bot.services.console import Filters
from bot.services.territories import load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import (
    HelpRequest,
    OutboxMessage,
    RequestPush,
    RequestSeries,
    RequestStatus,
    Territory,
    Volunteer,
    migrate,
)
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import daily_summary as daily_summary_job

REQUESTER = 900
START = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    yurga: int
    kemerovo: int
    almaty: int
    volunteers: dict[int, int]  # user id -> volunteer id


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await load_from_file(session, "kuzbass", START)
        codes = {
            t.code: t.id
            for t in (await session.scalars(select(Territory))).all()
            if t.code in ("yurga", "kemerovo", "tayga")
        }
        # A second time zone: a territory of this test's own, five hours west of UTC+7.
        almaty = await session.get(Territory, codes["tayga"])
        assert almaty is not None
        almaty.timezone = "Asia/Almaty"
        codes["almaty"] = almaty.id
        await touch_user(session, Profile(REQUESTER, "Мария"), START, wrote_to_bot=True)
        ids = {}
        for user_id, name, phone in [
            (901, "Пётр Сидоров", "+79031110001"),
            (902, "Иван Петров", "+79032220002"),
        ]:
            await touch_user(session, Profile(user_id, name.split()[0]), START, wrote_to_bot=True)
            application = volunteers.Application(
                name=name, phone=phone, territory_id=codes["yurga"], skills=("delivery",),
                age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, START)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=1, reason=None, now=START
            )
            ids[user_id] = record.id
        await session.commit()
    yield World(sessions, codes["yurga"], codes["kemerovo"], codes["almaty"], ids)
    await engine.dispose()


async def _request(
    session: AsyncSession,
    territory_id: int,
    now: datetime,
    *,
    urgency: str = "today",
    kind: str = "groceries",
) -> HelpRequest:
    return await help_requests.create(
        session,
        help_requests.Draft(
            kind=kind,
            for_other=True,
            person_name="Анна Петровна",
            territory_id=territory_id,
            address="ул. Ленина, 5",
            details="Хлеб",
            urgency=urgency,
            requester_id=REQUESTER,
            person_phone="+79039998877",
        ),
        now,
    )


async def test_filters_counts_order_and_scope(world: World) -> None:
    clock = FakeClock(START)
    async with world.sessions() as session:
        made: dict[str, int] = {}
        for name, territory, urgency, kind in [
            ("old_planned", world.yurga, "planned", "groceries"),
            ("old_soon", world.yurga, "soon", "medicine"),
            ("old_today", world.kemerovo, "today", "groceries"),
            ("new_today", world.yurga, "today", "coal"),
            ("done", world.yurga, "today", "groceries"),
        ]:
            clock.advance(timedelta(minutes=5))
            made[name] = (
                await _request(session, territory, clock.now(), urgency=urgency, kind=kind)
            ).id
        done = await session.get(HelpRequest, made["done"])
        assert done is not None
        done.status = RequestStatus.DONE
        # Offered to someone: not unattended; the rest were offered to nobody.
        session.add(
            RequestPush(
                request_id=made["old_today"], volunteer_id=world.volunteers[901], push_round=0,
                user_id=901, declined=False, created_at=clock.now(),
            )
        )  # fmt: skip
        # An occurrence of a recurring series (models/series.py).
        series = RequestSeries(
            requester_id=REQUESTER, created_by=REQUESTER, template_request_id=made["old_planned"],
            territory_id=world.yurga, kind="groceries", rule="weekly mon 10:00",
            created_at=clock.now(), updated_at=clock.now(),
        )  # fmt: skip
        session.add(series)
        await session.flush()
        recurring = await session.get(HelpRequest, made["old_planned"])
        assert recurring is not None
        recurring.series_id = series.id
        overdue = await session.get(HelpRequest, made["old_soon"])
        assert overdue is not None
        overdue.due_at = clock.now() - timedelta(minutes=1)  # its window passed
        await session.commit()

        now = clock.now()
        first = await console.page(session, None, Filters(), now, offset=0, limit=10)
        # Most urgent first, then the longest waiting; closed ones not among the open.
        assert [r.id for r in first.rows] == [
            made["old_today"], made["new_today"], made["old_soon"], made["old_planned"]
        ]  # fmt: skip
        assert first.total == 4 and not first.has_more
        assert first.overdue == {made["old_soon"]}
        assert first.unattended == {made["old_planned"], made["old_soon"], made["new_today"]}
        paged = await console.page(session, None, Filters(), now, offset=1, limit=2)
        assert [r.id for r in paged.rows] == [made["new_today"], made["old_soon"]]
        assert paged.has_more

        # Each filter, alone and together.
        async def ids(filters: Filters, scope: frozenset[int] | None = None) -> list[int]:
            return [
                r.id
                for r in (await console.page(session, scope, filters, now, offset=0, limit=10)).rows
            ]

        assert await ids(Filters(kind="groceries")) == [made["old_today"], made["old_planned"]]
        assert await ids(Filters(urgency="today")) == [made["old_today"], made["new_today"]]
        assert await ids(Filters(overdue=True)) == [made["old_soon"]]
        assert await ids(Filters(unattended=True, urgency="today")) == [made["new_today"]]
        assert await ids(Filters(territory_id=world.kemerovo)) == [made["old_today"]]
        assert await ids(Filters(status="done")) == [made["done"]]
        assert await ids(Filters(series=True)) == [made["old_planned"]]
        assert len(await ids(Filters(status="all"))) == 5
        # A territory coordinator sees only their territories, whatever the filter asks.
        yurga_only = frozenset({world.yurga})
        assert made["old_today"] not in await ids(Filters(), yurga_only)
        assert await ids(Filters(territory_id=world.kemerovo), yurga_only) == []

        counts = await console.counts(session, None, Filters(kind="groceries"), now)
        assert counts.statuses["open"] == 2 and counts.statuses["done"] == 1
        assert counts.statuses["all"] == 3
        # A filter's own counts are under the other filters only (kinds ignore the kind).
        assert counts.kinds == {"groceries": 2, "medicine": 1, "coal": 1}
        assert counts.urgencies == {"today": 1, "planned": 1}
        assert counts.territories == {world.yurga: 1, world.kemerovo: 1}
        assert (counts.overdue, counts.unattended, counts.series) == (0, 1, 1)


async def test_the_first_page_reads_indexes(sqlite_url: str) -> None:
    """No full scan of the table without an index (a search on the status index)."""
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    captured: list[str] = []
    try:
        async with sessions() as session:
            real_execute, real_scalar, real_scalars = (
                session.execute,
                session.scalar,
                session.scalars,
            )

            def spy(real: Any) -> Any:
                async def run(statement: Any, *args: Any, **kwargs: Any) -> Any:
                    compiled = statement.compile(
                        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
                    )
                    captured.append(str(compiled))
                    return await real(statement, *args, **kwargs)

                return run

            session.execute = spy(real_execute)  # type: ignore[method-assign]
            session.scalar = spy(real_scalar)  # type: ignore[method-assign]
            session.scalars = spy(real_scalars)  # type: ignore[method-assign]
            await console.page(session, None, Filters(), START, offset=0, limit=10)
        async with engine.connect() as conn:
            for sql in captured[:2]:  # the count and the page
                plan = " ".join(
                    str(row[-1]) for row in await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                )
                assert "USING" in plan and "INDEX" in plan, plan
                assert "SCAN help_requests\n" not in plan
    finally:
        await engine.dispose()


async def test_reassign_a_taken_request_and_notes_in_its_history(world: World) -> None:
    clock = FakeClock(START)
    async with world.sessions() as session:
        request = await _request(session, world.yurga, clock.now())
        petr = await session.get(Volunteer, world.volunteers[901])
        ivan = await session.get(Volunteer, world.volunteers[902])
        assert petr is not None and ivan is not None
        assert await help_requests.assign(
            session, request.id, petr, clock.now(), open_data="tk:1:open", default_locale="ru"
        )
        await session.commit()
        clock.advance(timedelta(minutes=30))
        moved = await console.reassign(
            session, request.id, ivan, clock.now(), actor_id=77, open_data="o", default_locale="ru"
        )
        assert moved is not None and moved.volunteer_id == ivan.id
        assert moved.status == RequestStatus.TAKEN
        # Reassigning to the one who holds it, or a closed request: nothing happens.
        assert (
            await console.reassign(
                session,
                request.id,
                ivan,
                clock.now(),
                actor_id=77,
                open_data="o",
                default_locale="ru",
            )
            is None
        )
        await console.add_note(session, request.id, "Позвонить внучке", 77, clock.now())
        await session.commit()
        keys = {m.idempotency_key: m for m in (await session.scalars(select(OutboxMessage))).all()}
        stamp = int(clock.now().timestamp())
        assert keys[f"req:{request.id}:reassigned-from:901:{stamp}"].payload["text"]["key"] == (
            "console-task-reassigned"
        )
        assert keys[f"req:{request.id}:reassigned-to:902:{stamp}"].payload["text"]["key"] == (
            "task-assigned"
        )
        steps = await console.history(session, request.id)
        kinds = [e.kind for e in steps]
        assert kinds[-2:] == ["reassigned", "note"]
        assert steps[-1].details == {"text": "Позвонить внучке"} and steps[-1].actor_id == 77
        # Cancelled by the HQ with a reason the requester reads.
        assert await console.cancel(session, request.id, "Дубль заявки", 77, clock.now())
        assert not await console.cancel(session, request.id, "ещё раз", 77, clock.now())
        await session.commit()
        told = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == REQUESTER)
            .order_by(OutboxMessage.id.desc())
        )
        assert told is not None
        assert told.payload["text"]["key"] == "console-request-cancelled-by-hq"


async def test_find_a_volunteer_by_name_or_phone(world: World) -> None:
    async with world.sessions() as session:
        petr = await session.get(Volunteer, world.volunteers[901])
        assert petr is not None
        assert console.matches(petr, "пётр")
        assert console.matches(petr, "сидоров петр")  # any order, ё as е
        assert console.matches(petr, "110001")
        assert console.matches(petr, "+7 903 111")
        assert not console.matches(petr, "Иван")
        assert not console.matches(petr, "12")  # too few digits to mean a phone
        seen = await console.last_activity(session, [petr.id])
        assert seen[petr.id] == START


async def _summaries(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("dsum:%"))
        )
        return {m.chat_id: m for m in rows.all()}


async def test_daily_summary_at_each_coordinators_local_time(world: World) -> None:
    """08:00 in Novokuznetsk (UTC+7) is 01:00 UTC; in Almaty (UTC+5) 03:00 UTC; the HQ's
    own zone (Moscow here, UTC+3) 05:00 UTC. Each gets one summary a local day."""
    kuz, kaz, hq = 7001, 7002, 7003
    async with world.sessions() as session:
        for user_id, name in [(kuz, "Юрга"), (kaz, "Алматы"), (hq, "Штаб")]:
            await touch_user(session, Profile(user_id, name), START, wrote_to_bot=True)
        await coordinators.appoint(
            session, user_id=kuz, territory_ids=[world.yurga], hq=False, actor_id=1, now=START
        )
        await coordinators.appoint(
            session, user_id=kaz, territory_ids=[world.almaty], hq=False, actor_id=1, now=START
        )
        # Yesterday (local) one request done in Yurga, and two open ones made today.
        done = await _request(session, world.yurga, START - timedelta(hours=10))
        done.status, done.done_at = RequestStatus.DONE, START - timedelta(hours=8)
        await _request(session, world.yurga, START - timedelta(hours=1))
        await _request(session, world.almaty, START - timedelta(hours=1), urgency="planned")
        await session.commit()

    async def tick(now: datetime, at: time = time(8, 0)) -> list[int]:
        return await daily_summary_job.tick(
            now, sessionmaker=world.sessions, at=at, quiet=QuietHours(),
            hq_zone=ZoneInfo("Europe/Moscow"), admin_ids=[hq], default_locale="ru",
        )  # fmt: skip

    assert await tick(START + timedelta(minutes=59)) == []  # 07:59 in Yurga
    assert await tick(START + timedelta(hours=1)) == [kuz]
    assert await tick(START + timedelta(hours=1, minutes=5)) == []  # once a day
    assert await tick(START + timedelta(hours=2, minutes=59)) == []  # 07:59 in Almaty
    assert await tick(START + timedelta(hours=3)) == [kaz]
    assert await tick(START + timedelta(hours=5)) == [hq]
    sent = await _summaries(world.sessions)
    yurga_args = sent[kuz].payload["text"]["args"]
    assert sent[kuz].payload["text"]["key"] == "console-daily-summary"
    assert yurga_args["date"] == "05.12.2026"
    # new: made in the 24 hours before (both of Yurga's); done: on the local yesterday
    assert (yurga_args["open"], yurga_args["new"], yurga_args["done"]) == (1, 2, 1)
    assert yurga_args["unattended"] == 1
    almaty_args = sent[kaz].payload["text"]["args"]
    assert (almaty_args["open"], almaty_args["done"]) == (1, 0)  # only their territory
    assert sent[hq].payload["text"]["args"]["open"] == 2  # the HQ sees every territory
    # The next local day, again once.
    assert await tick(START + timedelta(days=1, hours=1)) == [kuz]
    assert await tick(START + timedelta(days=1, hours=1)) == []


async def test_daily_summary_waits_for_the_quiet_hours_to_end(world: World) -> None:
    kuz = 7001
    async with world.sessions() as session:
        await touch_user(session, Profile(kuz, "Юрга"), START, wrote_to_bot=True)
        await coordinators.appoint(
            session, user_id=kuz, territory_ids=[world.yurga], hq=False, actor_id=1, now=START
        )
        await session.commit()
    quiet = QuietHours(time(22, 0), time(8, 0))

    async def tick(now: datetime) -> list[int]:
        return await daily_summary_job.tick(
            now, sessionmaker=world.sessions, at=time(7, 0), quiet=quiet,
            hq_zone=ZoneInfo("Europe/Moscow"), admin_ids=[], default_locale="ru",
        )  # fmt: skip

    assert await tick(START) == []  # 07:00 in Yurga: still quiet
    assert await tick(START + timedelta(minutes=59)) == []
    assert await tick(START + timedelta(hours=1)) == [kuz]  # 08:00: the quiet hours end
    assert daily_summary.key_of(kuz, "2026-12-05") in {
        m.idempotency_key for m in (await _summaries(world.sessions)).values()
    }


def test_a_summary_time_inside_the_quiet_hours_comes_the_next_morning() -> None:
    zone = ZoneInfo("Asia/Almaty")  # UTC+5
    quiet = QuietHours(time(22, 0), time(8, 0))

    def due(hour: int, minute: int = 0, day: int = 6) -> str | None:
        now = datetime(2026, 12, day, hour, minute, tzinfo=zone)
        found = daily_summary.due_day(now, zone, time(23, 0), quiet)
        return found.isoformat() if found else None

    assert due(23, 30, day=5) == "2026-12-04"  # 23:00 is quiet: the 5th's waits (the 4th's key)
    assert due(7, 59) is None
    assert due(8, 0) == "2026-12-05"  # the 5th's summary, at the end of the quiet hours
    assert due(21, 0) == "2026-12-05"  # still the 5th's (sent once: its key)
    # Quiet hours off: at its time; more than 16 hours late (the bot was down): skipped.
    off = QuietHours.parse("off")
    assert daily_summary.due_day(datetime(2026, 12, 6, 23, 0, tzinfo=zone), zone, time(23, 0), off)
    late = datetime(2026, 12, 6, 7, 30, tzinfo=zone)
    assert daily_summary.due_day(late, zone, time(8, 0), off) is None


async def test_ask_to_accept_then_everyone_on_timeout(world: World) -> None:
    """ASSIGN_ACCEPT_MINUTES: one volunteer is asked; a second ask waits for the first; when
    the time is up the series job hands the request to every fitting volunteer."""
    from scheduler.jobs import series as series_job

    clock = FakeClock(START + timedelta(hours=3))  # 10:00 in Yurga: no quiet hours
    async with world.sessions() as session:
        request = await _request(session, world.yurga, clock.now())
        await session.commit()
        ivan = await session.get(Volunteer, world.volunteers[902])
        petr = await session.get(Volunteer, world.volunteers[901])
        assert ivan is not None and petr is not None
        kwargs: dict[str, Any] = {
            "minutes": 30, "actor_id": 77, "take_data": "tk", "decline_data": "srs:no",
            "default_locale": "ru",
        }  # fmt: skip
        until = await console.ask(session, request.id, ivan, clock.now(), **kwargs)
        assert until == clock.now() + timedelta(minutes=30)
        assert await console.ask(session, request.id, petr, clock.now(), **kwargs) is None
        await session.commit()
        asked = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.chat_id == 902,
                OutboxMessage.payload["text"]["key"].as_string() == "console-ask-accept",
            )
        )
        assert asked is not None and asked.payload["text"]["args"]["until"] == "10:30"
        assert [e.kind for e in await console.history(session, request.id)][-1] == "asked"
        round_before = request.push_round
    clock.advance(timedelta(minutes=31))
    ticked = await series_job.tick(clock.now(), sessionmaker=world.sessions, default_locale="ru")
    assert ticked is not None
    async with world.sessions() as session:
        released = await session.get(HelpRequest, request.id)
        assert released is not None
        assert released.series_accept_until is None and released.push_round == round_before + 1
        pushed = set(
            (
                await session.scalars(
                    select(RequestPush.user_id).where(
                        RequestPush.request_id == request.id,
                        RequestPush.push_round == released.push_round,
                    )
                )
            ).all()
        )
        assert 901 in pushed  # Petr, not asked before, is offered it now
