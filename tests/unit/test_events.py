"""The volunteer calendar, domain side: dates typed in local time, the days of action's next
date, reminder moments and quiet hours; on SQLite and PostgreSQL: five volunteers racing for
three slots (three in, two waiting in order), a cancellation promoting the first waiting one,
reminders enqueued once however often the job runs, attendance adding hours once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.data.action_days import ACTION_DAYS, BY_CODE
from bot.services import events, volunteers
from bot.services.events import NewEvent, Outcome
from bot.services.territories import load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Profile, Roles, touch_user
from models import (
    EventAttendance,
    EventSignup,
    OutboxMessage,
    Territory,
    Volunteer,
    VolunteerEvent,
    migrate,
)
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import events as event_job

NOVOKUZNETSK = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
COORDINATOR = 700
PEOPLE = (701, 702, 703, 704, 705)
QUIET = QuietHours()  # 22:00-08:00


def data(action: str, event_id: int) -> str:
    return f"ev:{action}:{event_id}"


def test_when_is_read_in_the_territorys_time() -> None:
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Novokuznetsk
    moment = events.parse_when("05.12.2026 10:00", NOVOKUZNETSK, now)
    assert moment == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert events.format_when(moment, NOVOKUZNETSK) == "05.12.2026 10:00"
    # Without the year: the next such date; in the past or unreadable: None.
    assert events.parse_when("5.12 9:30", NOVOKUZNETSK, now) == datetime(
        2026, 12, 5, 2, 30, tzinfo=UTC
    )
    assert events.parse_when("30.11 10:00", NOVOKUZNETSK, now) == datetime(
        2027, 11, 30, 3, 0, tzinfo=UTC
    )
    for bad in ("01.12.2026 09:00", "31.02.2027 10:00", "завтра", "", "05.12.2026 25:00"):
        assert events.parse_when(bad, NOVOKUZNETSK, now) is None
    assert events.parse_slots("3") == 3 and events.parse_slots("0") is None
    assert events.parse_slots("501") is None and events.parse_slots("три") is None


def test_days_of_action_are_data_in_both_languages() -> None:
    assert {d.month for d in ACTION_DAYS} == {4, 5, 6, 8, 9, 12}
    assert all(d.title_ru and d.title_kk and d.title_ru != d.title_kk for d in ACTION_DAYS)
    day = BY_CODE["volunteer_day"]
    assert events.suggested_date(day, date(2026, 11, 30)) == date(2026, 12, 5)
    assert events.suggested_date(day, date(2026, 12, 5)) == date(2027, 12, 5)
    # A month's day of action: its first Saturday.
    assert events.suggested_date(BY_CODE["cleanup"], date(2026, 11, 30)) == date(2027, 9, 4)
    assert day.title("kk") == "Халықаралық еріктілер күні"


def test_reminder_moments_and_quiet_hours() -> None:
    local = datetime(2026, 12, 5, 8, 0, tzinfo=NOVOKUZNETSK)
    day, soon = events.reminder_moments(local.astimezone(UTC), NOVOKUZNETSK, QUIET)
    # 08:00 the day before is outside the quiet hours; the 2-hour one at 06:00 is not deferred.
    assert day is not None and day.astimezone(NOVOKUZNETSK).strftime("%d %H:%M") == "04 08:00"
    assert soon.astimezone(NOVOKUZNETSK).strftime("%d %H:%M") == "05 06:00"
    late = datetime(2026, 12, 5, 23, 0, tzinfo=NOVOKUZNETSK)
    day, soon = events.reminder_moments(late.astimezone(UTC), NOVOKUZNETSK, QUIET)
    # 23:00 the day before is quiet: it waits for 08:00.
    assert day is not None and day.astimezone(NOVOKUZNETSK).strftime("%d %H:%M") == "05 08:00"
    early = datetime(2026, 12, 5, 9, 0, tzinfo=NOVOKUZNETSK)
    day, soon = events.reminder_moments(early.astimezone(UTC), NOVOKUZNETSK, QUIET)
    assert day is not None and day.astimezone(NOVOKUZNETSK).strftime("%d %H:%M") == "04 09:00"


World = tuple[async_sessionmaker[AsyncSession], int, FakeClock]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        yurga = await session.scalar(select(Territory.id).where(Territory.code == "yurga"))
        assert yurga is not None
        await touch_user(session, Profile(COORDINATOR, "Анна"), clock.now(), wrote_to_bot=True)
        for user_id in PEOPLE:
            code = "kk" if user_id % 2 else "ru"
            await touch_user(
                session,
                Profile(user_id, f"В{user_id}", language_code=code),
                clock.now(),
                wrote_to_bot=True,
            )
            application = volunteers.Application(
                name=f"Волонтёр {user_id}", phone="+79031234567", territory_id=yurga,
                skills=("delivery",), age_group="18-34", availability=("weekends",),
                dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, user_id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=COORDINATOR, reason=None,
                now=clock.now(),
            )  # fmt: skip
        await session.commit()
    try:
        yield sessions, yurga, clock
    finally:
        await engine.dispose()


async def _event(world: World, *, slots: int = 3, at: datetime | None = None) -> int:
    sessions, yurga, clock = world
    starts = at or datetime(2026, 12, 5, 10, 0, tzinfo=NOVOKUZNETSK).astimezone(UTC)
    async with sessions() as session:
        made = await events.create(
            session,
            NewEvent(
                template="volunteer_day", title=None, starts_at=starts, duration_hours=3,
                place="Дом культуры", territory_id=yurga, slots=slots, kinds=["delivery"],
                form_token="t-1",
            ),
            actor_id=COORDINATOR, now=clock.now(), data=data, default_locale="ru",
        )  # fmt: skip
        again = await events.create(
            session,
            NewEvent(
                template=None, title="x", starts_at=starts, duration_hours=1, place="y",
                territory_id=yurga, slots=1, kinds=[], form_token="t-1",
            ),
            actor_id=COORDINATOR, now=clock.now(), data=data, default_locale="ru",
        )  # fmt: skip
        assert made.created and not again.created and again.event.id == made.event.id
        assert made.invited == list(PEOPLE)
        await session.commit()
        return made.event.id


async def _sign_up(world: World, event_id: int, user_id: int) -> Outcome:
    sessions, _yurga, clock = world
    async with sessions() as session:
        result = await events.sign_up(session, event_id, user_id, clock.now())
        await session.commit()
        return result.outcome


async def test_five_race_for_three_slots_and_a_cancellation_moves_the_list(
    world: World,
) -> None:
    sessions, _yurga, clock = world
    event_id = await _event(world)
    async with sessions() as session:
        invites = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.payload).where(
                    OutboxMessage.idempotency_key.like(f"evt:{event_id}:invite:%")
                )
            )
        ).all()
    assert sorted(chat for chat, _p in invites) == list(PEOPLE)
    by_chat = {chat: payload for chat, payload in invites}
    assert by_chat[701]["text"]["args"]["title"] == "Халықаралық еріктілер күні"
    assert by_chat[702]["text"]["args"]["title"] == "Международный день добровольцев"
    assert by_chat[702]["text"]["args"]["when"] == "05.12.2026 10:00"

    outcomes = await asyncio.gather(*(_sign_up(world, event_id, u) for u in PEOPLE))
    assert sorted(outcomes).count(Outcome.GOING) == 3
    assert sorted(outcomes).count(Outcome.WAITING) == 2
    async with sessions() as session:
        event = await session.get(VolunteerEvent, event_id)
        assert event is not None and event.slots_taken == 3
        roster = await events.roster(session, event_id)
    assert len(roster.going) == 3 and len(roster.waiting) == 2
    first_waiting, second_waiting = (p.user_id for p in roster.waiting)
    # A second press says where one stands and takes nothing.
    assert await _sign_up(world, event_id, roster.going[0].user_id) == Outcome.ALREADY_GOING
    assert await _sign_up(world, event_id, second_waiting) == Outcome.ALREADY_WAITING

    leaving = roster.going[1].user_id
    clock.advance(timedelta(minutes=5))
    async with sessions() as session:
        result = await events.cancel(
            session, event_id, leaving, clock.now(), data=data, default_locale="ru"
        )
        await session.commit()
    assert result.was == "going" and result.promoted == first_waiting
    async with sessions() as session:
        roster = await events.roster(session, event_id)
        event = await session.get(VolunteerEvent, event_id)
        promoted = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.chat_id == first_waiting,
                OutboxMessage.idempotency_key.like(f"evt:{event_id}:up:%"),
            )
        )
    assert event is not None and event.slots_taken == 3
    assert first_waiting in {p.user_id for p in roster.going}
    assert [p.user_id for p in roster.waiting] == [second_waiting]
    assert promoted == 1
    # The last waiting one leaves the list: nothing moves; then a holder leaves: a free slot.
    async with sessions() as session:
        out = await events.cancel(
            session, event_id, second_waiting, clock.now(), data=data, default_locale="ru"
        )
        out2 = await events.cancel(
            session, event_id, first_waiting, clock.now(), data=data, default_locale="ru"
        )
        await session.commit()
    assert out.was == "waiting" and out.promoted is None
    assert out2.was == "going" and out2.promoted is None
    async with sessions() as session:
        event = await session.get(VolunteerEvent, event_id)
        assert event is not None and event.slots_taken == 2
    # Signing up again after cancelling takes the free slot.
    assert await _sign_up(world, event_id, leaving) == Outcome.GOING


async def test_reminders_once_at_local_moments_and_attendance_to_hours(world: World) -> None:
    sessions, _yurga, clock = world
    event_id = await _event(world, slots=2)
    for user_id in (701, 702, 703):
        await _sign_up(world, event_id, user_id)

    async def tick() -> events.Reminded:
        return await event_job.tick(
            clock.now(), sessionmaker=sessions, quiet=QUIET, default_locale="ru"
        )

    start = datetime(2026, 12, 5, 10, 0, tzinfo=NOVOKUZNETSK)
    clock.set((start - timedelta(hours=24, minutes=1)).astimezone(UTC))
    assert await tick() == events.Reminded(0, 0)
    clock.set((start - timedelta(hours=24)).astimezone(UTC))
    assert await tick() == events.Reminded(2, 0)
    assert await tick() == events.Reminded(0, 0)  # twice: nothing more
    clock.set((start - timedelta(hours=2)).astimezone(UTC))
    assert await tick() == events.Reminded(0, 2)
    assert await tick() == events.Reminded(0, 0)
    async with sessions() as session:
        keys = sorted(
            (
                await session.scalars(
                    select(OutboxMessage.idempotency_key).where(
                        OutboxMessage.idempotency_key.like(f"evt:{event_id}:day:%")
                        | OutboxMessage.idempotency_key.like(f"evt:{event_id}:soon:%")
                    )
                )
            ).all()
        )
    assert keys == [
        f"evt:{event_id}:day:701", f"evt:{event_id}:day:702",
        f"evt:{event_id}:soon:701", f"evt:{event_id}:soon:702",
    ]  # fmt: skip

    # Attendance: not before the start; then ticks, confirm (once), hours on the record.
    async with sessions() as session:
        assert not await events.toggle_present(session, event_id, 701, clock.now())
        assert (
            await events.confirm_attendance(
                session, event_id, actor_id=COORDINATOR, now=clock.now(), default_locale="ru"
            )
            is None
        )
    clock.set((start + timedelta(hours=3)).astimezone(UTC))
    async with sessions() as session:
        assert await events.toggle_present(session, event_id, 701, clock.now())
        assert await events.toggle_present(session, event_id, 702, clock.now())
        assert await events.toggle_present(session, event_id, 702, clock.now())  # untick
        assert not await events.toggle_present(session, event_id, 703, clock.now())  # waiting
        came = await events.confirm_attendance(
            session, event_id, actor_id=COORDINATOR, now=clock.now(), default_locale="ru"
        )
        again = await events.confirm_attendance(
            session, event_id, actor_id=COORDINATOR, now=clock.now(), default_locale="ru"
        )
        await session.commit()
    assert came == [701] and again is None
    async with sessions() as session:
        hours = dict((await session.execute(select(Volunteer.user_id, Volunteer.hours))).all())
        assert hours[701] == 3 and hours[702] == 0
        assert await events.hours_of(session, 701) == 3
        assert await session.scalar(select(func.count(EventAttendance.id))) == 1
        assert await session.scalar(select(func.count(EventSignup.id))) == 3


async def test_leaving_or_forgetting_gives_the_places_to_the_waiting_list(world: World) -> None:
    sessions, _yurga, clock = world
    event_id = await _event(world, slots=1)
    assert await _sign_up(world, event_id, 701) == Outcome.GOING
    assert await _sign_up(world, event_id, 702) == Outcome.WAITING
    async with sessions() as session:
        released = await events.release_all(
            session, 701, clock.now(), data=data, default_locale="ru"
        )
        await session.commit()
    assert released == 1
    async with sessions() as session:
        roster = await events.roster(session, event_id)
        assert [p.user_id for p in roster.going] == [702] and roster.waiting == []
        nothing = await events.release_all(
            session, 701, clock.now(), data=data, default_locale="ru"
        )
    assert nothing == 0


async def test_sign_ups_and_cancellations_racing_keep_the_count_true(world: World) -> None:
    """Everyone presses at once, then those in cancel while the others press again: the
    counter always equals the holders, and no slot stays free while someone waits."""
    sessions, _yurga, clock = world
    event_id = await _event(world, slots=2)
    await asyncio.gather(*(_sign_up(world, event_id, u) for u in PEOPLE))

    async def cancel(user_id: int) -> None:
        async with sessions() as session:
            await events.cancel(
                session, event_id, user_id, clock.now(), data=data, default_locale="ru"
            )
            await session.commit()

    async with sessions() as session:
        holders = [p.user_id for p in (await events.roster(session, event_id)).going]
    await asyncio.gather(
        *(cancel(u) for u in holders), *(_sign_up(world, event_id, u) for u in PEOPLE)
    )
    async with sessions() as session:
        event = await session.get(VolunteerEvent, event_id)
        roster = await events.roster(session, event_id)
    assert event is not None
    assert event.slots_taken == len(roster.going) <= 2
    assert len(roster.going) == 2 or not roster.waiting
    listed = [p.user_id for p in roster.going + roster.waiting]
    assert len(listed) == len(set(listed)) >= len(PEOPLE) - len(holders)


async def test_the_coordinators_list_keeps_to_their_territories(world: World) -> None:
    sessions, yurga, clock = world
    soon = await _event(world)
    async with sessions() as session:
        belovo = await session.scalar(select(Territory.id).where(Territory.code == "belovo"))
        assert belovo is not None
        later = await events.create(
            session,
            NewEvent(
                template=None, title="Субботник", starts_at=clock.now() + timedelta(days=9),
                duration_hours=2, place="Парк", territory_id=belovo, slots=5, kinds=[],
                form_token="t-2",
            ),
            actor_id=COORDINATOR, now=clock.now(), data=data, default_locale="ru",
        )  # fmt: skip
        assert later.invited == []  # nobody in Belovo
        await session.commit()
        hq = Roles(is_coordinator=True, is_hq=True)
        mine = Roles(is_coordinator=True, territory_ids=frozenset({yurga}))
        assert [e.id for e in await events.list_in_scope(session, hq, clock.now())] == [
            soon,
            later.event.id,
        ]
        assert [e.id for e in await events.list_in_scope(session, mine, clock.now())] == [soon]
        assert await events.in_scope(session, later.event.id, mine) is None
        # Past the start the Yurga event stays listed (attendance to mark), first.
        after = clock.now() + timedelta(days=5)
        assert [e.id for e in await events.list_in_scope(session, hq, after)] == [
            soon,
            later.event.id,
        ]
        assert events.title_of(later.event, "kk") == "Субботник"


def test_attendance_comes_a_page_at_a_time() -> None:
    from bot.keyboards.events import ATTENDANCE_PAGE, attendance

    people = [events.Person(1000 + n, f"В{n}", n % 2 == 0) for n in range(45)]
    middle = attendance(lambda key, **kw: key, 7, people, page=1).inline_keyboard
    ticks = [row[0].text for row in middle if row[0].text.startswith(("✅", "▫️"))]
    assert len(ticks) == ATTENDANCE_PAGE and ticks[0] == "✅ В20"
    assert [b.text for b in middle[-3]] == ["btn-prev", "btn-next"]
    assert sum(len(row) for row in middle) <= 100  # Telegram's cap on a message's buttons
    last = attendance(lambda key, **kw: key, 7, people, page=9).inline_keyboard
    assert [b.text for b in last[-3]] == ["btn-prev"] and last[0][0].text == "✅ В40"


async def test_silver_volunteers_are_a_kind_by_age(world: World) -> None:
    sessions, yurga, clock = world
    async with sessions() as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.user_id == 703))
        assert volunteer is not None
        volunteer.age_group = "55plus"
        made = await events.create(
            session,
            NewEvent(
                template="warmth", title=None, starts_at=clock.now() + timedelta(days=3),
                duration_hours=2, place="Центр", territory_id=yurga, slots=5,
                kinds=[events.SILVER], form_token="t-silver",
            ),
            actor_id=COORDINATOR, now=clock.now(), data=data, default_locale="ru",
        )  # fmt: skip
        assert made.invited == [703]
        assert await events.eligible(session, made.event, 703)
        assert not await events.eligible(session, made.event, 701)
        await session.commit()
    assert await _sign_up(world, made.event.id, 701) == Outcome.NOT_ELIGIBLE


async def test_an_event_set_up_at_night_invites_in_the_morning(world: World) -> None:
    sessions, yurga, clock = world
    clock.set(datetime(2026, 12, 1, 23, 30, tzinfo=NOVOKUZNETSK).astimezone(UTC))
    async with sessions() as session:
        made = await events.create(
            session,
            NewEvent(
                template="cleanup", title=None, starts_at=clock.now() + timedelta(days=3),
                duration_hours=2, place="Парк", territory_id=yurga, slots=5, kinds=[],
                form_token="t-night",
            ),
            actor_id=COORDINATOR, now=clock.now(), data=data, default_locale="ru", quiet=QUIET,
        )  # fmt: skip
        await session.commit()
        due = set(
            (
                await session.scalars(
                    select(OutboxMessage.not_before).where(
                        OutboxMessage.idempotency_key.like(f"evt:{made.event.id}:invite:%")
                    )
                )
            ).all()
        )
    assert due == {datetime(2026, 12, 2, 8, 0, tzinfo=NOVOKUZNETSK).astimezone(UTC)}
