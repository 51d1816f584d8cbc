"""Recurring help: occurrences made on schedule in the territory's time (once, however many
ticks run), the first offer to the previous volunteer alone (then everyone, on «Cannot» or
when its time is up), skip, pause, end, and the requester's erasure ending their series."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import erasure, help_requests, series, volunteers
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import (
    HelpRequest,
    OutboxMessage,
    RequestEvent,
    RequestSeries,
    SeriesStatus,
    Territory,
    Volunteer,
    migrate,
)
from models.db import create_engine, create_sessionmaker

REQUESTER = 950
YURGA = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
ADMINS = (1,)


def take_data(request_id: int) -> str:
    return f"tk:take:{request_id}"


def decline_data(request_id: int) -> str:
    return f"srq:no:{request_id}"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=YURGA).astimezone(UTC)


World = tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    # Tuesday 01.12.2026, 12:00 in Yurga
    clock = FakeClock(local(2026, 12, 1, 12))
    now = clock.now()
    ids: dict[str, int] = {}
    async with sessions() as session:
        await load_from_file(session, "kuzbass", now)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        ids["yurga"] = yurga.id
        await touch_user(session, Profile(REQUESTER, "Мария"), now, wrote_to_bot=True)
        for user_id in (951, 952, 953):
            await touch_user(session, Profile(user_id, f"В{user_id}"), now, wrote_to_bot=True)
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=yurga.id,
                skills=("coal", "delivery"), age_group="18-34", availability=("weekends",),
                dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=1, reason=None, now=now
            )
            ids[str(user_id)] = record.id
        template = await help_requests.create(
            session,
            help_requests.Draft(
                kind="coal",
                for_other=True,
                person_name="Анна Петровна",
                territory_id=yurga.id,
                address="ул. Ленина, 5",
                details="2 мешка угля",
                urgency="3days",
                requester_id=REQUESTER,
                person_phone="+79039998877",
            ),
            now,
        )
        volunteer = await session.get(Volunteer, ids["951"])
        assert volunteer is not None
        taken = await help_requests.take(session, template.id, volunteer, now)
        assert taken is not None and taken.won
        ids["template"] = template.id
        await session.commit()
    yield sessions, clock, ids
    await engine.dispose()


async def _tick(sessions: async_sessionmaker[AsyncSession], now: datetime) -> series.Ticked:
    async with sessions() as session:
        done = await series.tick(
            session,
            now,
            take_data=take_data,
            decline_data=decline_data,
            default_locale="ru",
            admin_ids=ADMINS,
        )
        await session.commit()
    return done


async def _start(world: World, rule: str, until: date | None = None) -> int:
    sessions, clock, ids = world
    async with sessions() as session:
        template = await session.get(HelpRequest, ids["template"])
        assert template is not None
        made = await series.start(
            session, template, rule=rule, at=time(10, 0), until=until,
            actor_id=REQUESTER, now=clock.now(),
        )  # fmt: skip
        await session.commit()
        return made.id


async def _occurrences(
    sessions: async_sessionmaker[AsyncSession], series_id: int
) -> list[HelpRequest]:
    async with sessions() as session:
        rows = await session.scalars(
            select(HelpRequest).where(HelpRequest.series_id == series_id).order_by(HelpRequest.id)
        )
        return list(rows.all())


async def _keys(sessions: async_sessionmaker[AsyncSession]) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.scalars(select(OutboxMessage))).all()}


def test_rules_from_the_forms_answers() -> None:
    assert series.rule_text("weekly", time(10, 0), days=["thu", "mon"]) == "weekly mon,thu 10:00"
    assert series.rule_text("every", time(9, 30), every=3) == "every 3d"
    assert series.rule_text("monthly", time(9, 0), day=31) == "monthly 31 09:00"
    with pytest.raises(series.SeriesError):
        series.rule_text("weekly", time(10, 0), days=[])
    with pytest.raises(series.SeriesError):
        series.rule_text("every", time(10, 0), every=0)


async def test_weekly_in_local_time_once_however_many_ticks(world: World) -> None:
    sessions, _clock, ids = world
    series_id = await _start(world, "weekly thu 10:00")
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None
        assert made.next_at == local(2026, 12, 3, 10)  # Thursday 10:00 in Yurga = 03:00 UTC
        assert made.last_volunteer_id == ids["951"]
    assert (await _tick(sessions, local(2026, 12, 3, 9, 59))).created == 0
    moment = local(2026, 12, 3, 10, 1)
    # Two replicas at once, then a late repeat: one occurrence.
    results = await asyncio.gather(_tick(sessions, moment), _tick(sessions, moment))
    assert sum(r.created for r in results) == 1
    assert (await _tick(sessions, moment)).created == 0
    [first] = await _occurrences(sessions, series_id)
    assert first.occurrence_on == date(2026, 12, 3)
    assert first.planned_on == date(2026, 12, 3)
    assert (first.kind, first.address, first.person_phone) == (
        "coal",
        "ул. Ленина, 5",
        "+79039998877",
    )
    assert first.series_accept_until == moment + timedelta(hours=4)
    keys = await _keys(sessions)
    push = keys[f"req:{first.id}:r0:push:951"]  # the previous volunteer alone
    assert push.payload["text"]["key"] == "series-first-offer"
    assert not any(
        k.startswith(f"req:{first.id}:r0:push:95") and k != f"req:{first.id}:r0:push:951"
        for k in keys
    )
    assert f"series:{series_id}:2026-12-03:created" in keys
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None and made.next_at == local(2026, 12, 10, 10)
        # the waiting-requests net pushes nobody else while the first offer stands
        sent = await help_requests.offer_waiting(
            session, moment + timedelta(minutes=5), take_data=take_data, default_locale="ru"
        )
        assert sent == 0
        kinds = list(
            (
                await session.scalars(
                    select(RequestEvent.kind).where(RequestEvent.request_id == first.id)
                )
            ).all()
        )
        assert series.EV_OCCURRENCE in kinds and series.EV_FIRST_OFFER in kinds


async def test_decline_then_everyone_and_the_taker_is_next_first(world: World) -> None:
    sessions, _clock, ids = world
    series_id = await _start(world, "weekly thu 10:00")
    await _tick(sessions, local(2026, 12, 3, 10, 1))
    [first] = await _occurrences(sessions, series_id)
    now = local(2026, 12, 3, 10, 30)
    async with sessions() as session:
        v951 = await session.get(Volunteer, ids["951"])
        assert v951 is not None
        assert await series.first_offer_of(session, first.id, v951.id) is not None
        assert await series.release(
            session, first.id, now, declined_by=v951, take_data=take_data(first.id),
            default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        # a double tap changes nothing
        assert not await series.release(
            session, first.id, now, declined_by=v951, take_data=take_data(first.id),
            default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        await session.commit()
    keys = await _keys(sessions)
    assert f"req:{first.id}:r1:push:952" in keys and f"req:{first.id}:r1:push:953" in keys
    assert f"req:{first.id}:r1:push:951" not in keys  # who declined is not asked again
    async with sessions() as session:
        v952 = await session.get(Volunteer, ids["952"])
        assert v952 is not None
        assert (await help_requests.take(session, first.id, v952, now)) is not None
        await session.commit()
    await _tick(sessions, local(2026, 12, 10, 10, 0))
    second = (await _occurrences(sessions, series_id))[-1]
    assert second.occurrence_on == date(2026, 12, 10)
    assert f"req:{second.id}:r0:push:952" in await _keys(sessions)


async def test_unanswered_first_offer_goes_to_everyone_when_its_time_is_up(world: World) -> None:
    sessions, _clock, _ids = world
    series_id = await _start(world, "every 2d")
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None and made.next_at == local(2026, 12, 2, 10)
    await _tick(sessions, local(2026, 12, 2, 10))
    [first] = await _occurrences(sessions, series_id)
    assert (await _tick(sessions, local(2026, 12, 2, 13, 59))).released == 0
    assert (await _tick(sessions, local(2026, 12, 2, 14, 0))).released == 1
    keys = await _keys(sessions)
    assert {f"req:{first.id}:r1:push:{u}" for u in (951, 952, 953)} <= set(keys)
    await _tick(sessions, local(2026, 12, 4, 10))
    assert [o.occurrence_on for o in await _occurrences(sessions, series_id)] == [
        date(2026, 12, 2), date(2026, 12, 4)
    ]  # fmt: skip


async def test_skip_pause_resume_end_and_until(world: World) -> None:
    sessions, clock, _ids = world
    series_id = await _start(world, "weekly thu 10:00", until=date(2026, 12, 17))
    now = clock.now()
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None
        seen = made.next_at
        assert await series.skip(session, series_id, seen, now) == date(2026, 12, 3)
        assert await series.skip(session, series_id, seen, now) is None  # a double tap
        await session.commit()
    assert (await _tick(sessions, local(2026, 12, 3, 10, 5))).created == 0
    async with sessions() as session:
        assert await series.pause(session, series_id, now)
        await session.commit()
    assert (await _tick(sessions, local(2026, 12, 10, 10, 5))).created == 0
    async with sessions() as session:
        assert await series.resume(session, series_id, local(2026, 12, 11, 9))
        made = await session.get(RequestSeries, series_id)
        assert made is not None and made.next_at == local(2026, 12, 17, 10)
        await session.commit()
    assert (await _tick(sessions, local(2026, 12, 17, 10, 5))).created == 1
    # past the until date: the series ends by itself and the requester hears it
    assert (await _tick(sessions, local(2026, 12, 24, 10, 5))).ended == 1
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None and made.status == SeriesStatus.ENDED
    assert f"series:{series_id}:finished" in await _keys(sessions)
    other = await _start(world, "monthly 31 10:00")
    async with sessions() as session:
        made = await session.get(RequestSeries, other)
        assert made is not None and made.next_at == local(2026, 12, 31, 10)
        assert await series.end(session, other, now)
        assert not await series.end(session, other, now)
        await session.commit()
    assert (await _tick(sessions, local(2027, 1, 1, 0))).created == 0


async def test_a_requesters_erasure_ends_their_series(world: World) -> None:
    sessions, clock, _ids = world
    series_id = await _start(world, "weekly mon,thu 10:00")
    async with sessions() as session:
        await erasure.begin(session, erasure.PERSON, REQUESTER, REQUESTER, clock.now())
        await session.commit()
    async with sessions() as session:
        made = await session.get(RequestSeries, series_id)
        assert made is not None and made.status == SeriesStatus.ENDED and made.next_at is None
        count = await session.scalar(select(func.count()).select_from(HelpRequest))
    assert (await _tick(sessions, local(2026, 12, 3, 10, 5))).created == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(HelpRequest)) == count


async def test_a_paused_previous_volunteer_is_passed_over_and_the_job_ticks(world: World) -> None:
    """The job's own tick (each series its own transaction): a previous volunteer on a pause
    is not offered it first; everyone fitting is, at once."""
    from scheduler.jobs import series as series_job

    sessions, _clock, ids = world
    series_id = await _start(world, "weekly thu 10:00")
    async with sessions() as session:
        volunteer = await session.get(Volunteer, ids["951"])
        assert volunteer is not None
        volunteer.paused_until = date(2026, 12, 31)
        await session.commit()
    done = await series_job.tick(
        local(2026, 12, 3, 10, 0), sessionmaker=sessions, default_locale="ru", admin_ids=ADMINS
    )
    assert (done.created, done.released) == (1, 0)
    [first] = await _occurrences(sessions, series_id)
    assert first.series_accept_until is None
    keys = await _keys(sessions)
    assert f"req:{first.id}:r0:push:952" in keys and f"req:{first.id}:r0:push:953" in keys
    assert f"req:{first.id}:r0:push:951" not in keys
