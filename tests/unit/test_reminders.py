"""Reminders fire once, on time, in local time, respecting quiet hours; late ones are missed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import reminders
from bot.services.outbox import OutgoingMessage, Text
from bot.services.timing import QuietHours
from models import OutboxMessage, Priority, Reminder, ReminderState, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import reminders as job

KUZBASS = "Asia/Novokuznetsk"
ALMATY = "Asia/Almaty"
LATENESS = timedelta(hours=3)
# 12:00 in Kuzbass (UTC+7) is 05:00 UTC; in Almaty (UTC+5) 10:00.
NOON_KUZBASS = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def add(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    due: datetime,
    *,
    chat_id: int = 1,
    timezone: str = KUZBASS,
    repeat: str | None = None,
    subject: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> int:
    async with sessions() as session:
        reminder = await reminders.create_reminder(
            session,
            chat_id=chat_id,
            message=OutgoingMessage(Text(literal="звонок")),
            due_at=due,
            timezone=timezone,
            now=clock.now(),
            repeat=repeat,
            subject=subject,
            priority=priority,
        )
        await session.commit()
        return reminder.id


async def tick(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> reminders.FireResult:
    return await job.tick(
        clock.now(), sessionmaker=sessions, max_lateness=LATENESS, quiet=QuietHours()
    )


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def reminder(sessions: async_sessionmaker[AsyncSession], rid: int) -> Reminder:
    async with sessions() as session:
        found = await session.get(Reminder, rid)
        assert found is not None
        return found


async def test_fires_when_due_and_only_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock(NOON_KUZBASS)
    rid = await add(sessions, clock, NOON_KUZBASS + timedelta(minutes=30))
    assert await tick(sessions, clock) == reminders.FireResult(0, 0)
    clock.advance(timedelta(minutes=30))
    assert await tick(sessions, clock) == reminders.FireResult(1, 0)
    assert await tick(sessions, clock) == reminders.FireResult(0, 0)
    [row] = await outbox_rows(sessions)
    assert row.idempotency_key == f"reminder:{rid}:0"
    assert row.not_before == clock.now()
    assert (await reminder(sessions, rid)).state == ReminderState.DONE


async def test_repeating_reminder_moves_to_its_next_local_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(NOON_KUZBASS)
    rid = await add(sessions, clock, NOON_KUZBASS, repeat="daily 12:00")
    await tick(sessions, clock)
    again = await reminder(sessions, rid)
    assert again.state == ReminderState.PENDING
    assert again.due_at == NOON_KUZBASS + timedelta(days=1)
    clock.advance(timedelta(days=1))
    await tick(sessions, clock)
    keys = [r.idempotency_key for r in await outbox_rows(sessions)]
    assert keys == [f"reminder:{rid}:0", f"reminder:{rid}:1"]


async def test_quiet_hours_hold_normal_messages_until_morning(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # 23:00 in Kuzbass is 21:00 in Almaty: quiet in one zone, not in the other.
    late = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    clock = FakeClock(late)
    await add(sessions, clock, late, chat_id=1, timezone=KUZBASS)
    await add(sessions, clock, late, chat_id=2, timezone=ALMATY)
    await add(sessions, clock, late, chat_id=3, timezone=KUZBASS, priority=Priority.URGENT)
    await tick(sessions, clock)
    not_before = {r.chat_id: r.not_before for r in await outbox_rows(sessions)}
    assert not_before[1] == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 08:00 Kuzbass
    assert not_before[2] == late
    assert not_before[3] == late  # urgent goes at once


async def test_after_downtime_recent_ones_fire_and_old_ones_are_missed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(NOON_KUZBASS)
    recent = await add(sessions, clock, NOON_KUZBASS - timedelta(hours=1))
    old = await add(sessions, clock, NOON_KUZBASS - timedelta(hours=5))
    # Daily at 12:00, last due two days ago: those two were missed, today's is on time.
    daily = await add(sessions, clock, NOON_KUZBASS - timedelta(days=2), repeat="daily 12:00")
    result = await tick(sessions, clock)
    assert result == reminders.FireResult(fired=2, missed=3)
    keys = {r.idempotency_key for r in await outbox_rows(sessions)}
    assert keys == {f"reminder:{recent}:0", f"reminder:{daily}:2"}
    assert (await reminder(sessions, old)).state == ReminderState.MISSED
    repeating = await reminder(sessions, daily)
    assert repeating.state == ReminderState.PENDING and repeating.missed_count == 2
    assert repeating.due_at == NOON_KUZBASS + timedelta(days=1)
    async with sessions() as session:
        status = await reminders.reminder_status(session)
    assert status.missed == 2 and status.pending == 1
    assert {m.id for m in status.recent_missed} == {old, daily}


async def test_catch_up_sends_the_latest_occurrence_still_on_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(NOON_KUZBASS)
    hourly = await add(
        sessions, clock, NOON_KUZBASS - timedelta(hours=5, minutes=10), repeat="every 1h"
    )
    result = await job.tick(
        clock.now(), sessionmaker=sessions, max_lateness=timedelta(minutes=30), quiet=QuietHours()
    )
    assert result == reminders.FireResult(fired=1, missed=5)
    again = await reminder(sessions, hourly)
    assert again.due_at == NOON_KUZBASS + timedelta(minutes=50)
    assert again.missed_count == 5


async def test_a_repeating_reminder_does_not_pile_up_overnight(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    evening = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 23:00 in Kuzbass
    clock = FakeClock(evening)
    rid = await add(sessions, clock, evening, repeat="every 1h")
    for _ in range(12):  # the scheduler ticks through the night
        await tick(sessions, clock)
        clock.advance(timedelta(hours=1))
    rows = await outbox_rows(sessions)
    morning = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 08:00 in Kuzbass
    assert [r.not_before for r in rows][:1] == [morning]
    assert sum(1 for r in rows if r.not_before == morning) == 1
    assert (await reminder(sessions, rid)).missed_count == 0


async def test_cancel_move_and_cancel_by_subject(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(NOON_KUZBASS)
    a = await add(sessions, clock, NOON_KUZBASS, subject="request:7")
    b = await add(sessions, clock, NOON_KUZBASS, subject="request:7", repeat="every 1h")
    c = await add(sessions, clock, NOON_KUZBASS)
    async with sessions() as session:
        assert await reminders.cancel_for_subject(session, "request:7", clock.now()) == 2
        assert await reminders.move_reminder(
            session, c, NOON_KUZBASS + timedelta(hours=2), clock.now()
        )
        await session.commit()
    assert await tick(sessions, clock) == reminders.FireResult(0, 0)
    assert (await reminder(sessions, a)).state == ReminderState.CANCELLED
    assert (await reminder(sessions, b)).state == ReminderState.CANCELLED
    clock.advance(timedelta(hours=2))
    assert (await tick(sessions, clock)).fired == 1


async def test_a_burst_is_fired_in_batches(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock(NOON_KUZBASS)
    async with sessions() as session:
        for n in range(1203):
            await reminders.create_reminder(
                session, chat_id=n, message=OutgoingMessage(Text(literal="x")),
                due_at=NOON_KUZBASS, timezone=KUZBASS, now=clock.now(),
            )  # fmt: skip
        await session.commit()
    assert (await tick(sessions, clock)).fired == 1203
    assert len({r.idempotency_key for r in await outbox_rows(sessions)}) == 1203
