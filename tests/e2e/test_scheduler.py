"""Reminders through the real app: fired by tick() under a fake clock, delivered by the worker,
visible to coordinators; and a real process killed mid-firing loses and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import FakeClock, SystemClock
from bot.sandbox import Emulator
from bot.services import reminders
from bot.services.outbox import OutgoingMessage, Text
from bot.services.timing import QuietHours
from models import OutboxMessage, Priority, Reminder, ReminderState, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import reminders as reminders_job
from tests.e2e.conftest import ADMIN_ID, TOKEN, BotRunner, StartBot

# 10:00 in Kuzbass.
MORNING = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


async def _tick(runner: BotRunner) -> reminders.FireResult:
    assert runner.app is not None
    return await reminders_job.tick(
        runner.app.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        max_lateness=timedelta(hours=3),
        quiet=QuietHours(),
    )


async def test_reminder_reaches_the_person_on_time_in_their_language(
    emulator: Emulator, start_bot: StartBot
) -> None:
    clock = FakeClock(MORNING)
    runner = await start_bot(clock=clock, overrides={"scheduler_tick_seconds": 3600})
    person = emulator.user(9101, first_name="Гүлмира", language_code="kk")
    await person.send_text("/start")
    await person.wait_messages(2)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await reminders.create_reminder(
            session,
            chat_id=person.id,
            message=OutgoingMessage(Text(key="language-changed")),
            due_at=MORNING + timedelta(hours=2),
            timezone="Asia/Novokuznetsk",
            now=clock.now(),
        )
        await session.commit()

    assert await _tick(runner) == reminders.FireResult(0, 0)
    clock.advance(timedelta(hours=2))
    assert await _tick(runner) == reminders.FireResult(1, 0)
    [reminded] = await person.wait_messages(1, timeout=10)
    assert reminded.body.startswith("Дайын")

    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await admin.send_text("/scheduler")
    [status] = await admin.wait_messages(1)
    assert "Напоминаний в ожидании: 0" in status.body
    assert "Напоминания: следующий запуск" in status.body


async def test_missed_reminders_are_listed_for_coordinators(
    emulator: Emulator, start_bot: StartBot
) -> None:
    clock = FakeClock(MORNING)
    runner = await start_bot(clock=clock, overrides={"scheduler_tick_seconds": 3600})
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        old = await reminders.create_reminder(
            session,
            chat_id=1,
            message=OutgoingMessage(Text(literal="x")),
            due_at=MORNING - timedelta(days=1),
            timezone="Asia/Almaty",
            now=clock.now(),
            kind="repeat_call",
        )
        await session.commit()
    # The job also runs once at start-up (catch-up), so this tick may find it already done.
    await _tick(runner)
    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="kk")
    await admin.send_text("/scheduler")
    [status] = await admin.wait_messages(1)
    assert "Бот істемей тұрғанда өткізіліп кеткені: 1" in status.body
    assert f"№ {old.id} · repeat_call" in status.body


async def test_sigkill_mid_firing_enqueues_every_reminder_once(
    emulator: Emulator, tmp_path: Path, database_url: str
) -> None:
    total = 1000
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    people = [emulator.user(9200 + n, first_name=f"Н{n}", language_code="ru") for n in range(20)]
    for person in people:
        await person.send_text("/start")
    start = SystemClock().now() + timedelta(seconds=2)
    async with sessions() as session:
        for n in range(total):  # due one after another over ~5 seconds
            await reminders.create_reminder(
                session,
                chat_id=people[n % len(people)].id,
                message=OutgoingMessage(Text(literal=f"rem {n}")),
                due_at=start + timedelta(milliseconds=5 * n),
                timezone="Asia/Novokuznetsk",
                now=SystemClock().now(),
                priority=Priority.URGENT,  # quiet hours must not hold them, whatever the hour
            )
        await session.commit()

    async def enqueued() -> int:
        async with sessions() as session:
            count = await session.scalar(
                select(func.count()).where(OutboxMessage.idempotency_key.like("reminder:%"))
            )
            return int(count or 0)

    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=database_url,
        ADMIN_IDS=str(ADMIN_ID),
        SCHEDULER_TICK_SECONDS="0.2",
        LOG_LEVEL="WARNING",
    )

    log = tmp_path / "bot.log"

    async def spawn() -> asyncio.subprocess.Process:
        # stderr to a file: an undrained pipe fills up, and wait() on a killed bot then hangs
        with log.open("ab") as stderr:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip

    first = await spawn()
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while await enqueued() < 300:
            assert asyncio.get_running_loop().time() < deadline, "reminders never fired"
            await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    at_kill = await enqueued()

    second = await spawn()
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while await enqueued() < total:
            assert asyncio.get_running_loop().time() < deadline, f"stuck at {await enqueued()}"
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    assert second.returncode == 0, log.read_text(errors="replace")[-2000:]

    async with sessions() as session:
        keys = list(
            (
                await session.scalars(
                    select(OutboxMessage.idempotency_key).where(
                        OutboxMessage.idempotency_key.like("reminder:%")
                    )
                )
            ).all()
        )
        states = set((await session.scalars(select(Reminder.state))).all())
    name = engine.dialect.name
    print(f"\n[{name}] enqueued before kill: {at_kill}/{total}; after restart: {len(keys)}")
    assert 0 < at_kill < total, "the kill did not land mid-firing"
    assert len(keys) == len(set(keys)) == total
    assert states == {ReminderState.DONE}
    await engine.dispose()
