"""Scheduler benchmark: a real bot process over 100,000 pending reminders.

Figures: start-to-ready (process start until it polls Telegram with the reminders job done
once), the time to enqueue a burst of 1,000 reminders due in the same second, and the
process's peak RSS. Targets (issue 6): ready <= 5 s, burst <= 2 s, RSS <= 200 MB.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select

from bot.sandbox import Emulator
from bot.services.outbox import OutgoingMessage, Text
from models import OutboxMessage, Priority, Reminder, ReminderState, migrate
from models.db import create_engine, create_sessionmaker

TOKEN = "123456:sandbox-token"
PENDING = 100_000
BURST = 1_000


def _rows(count: int, due: datetime, now: datetime, first_chat: int) -> list[dict[str, Any]]:
    message = OutgoingMessage(Text(literal="Повторный звонок")).to_payload()
    return [
        {
            "kind": "repeat_call",
            "chat_id": first_chat + n % 500,
            "message": message,
            "priority": int(Priority.URGENT),
            "due_at": due,
            "timezone": "Asia/Novokuznetsk",
            "state": ReminderState.PENDING.value,
            "occurrence": 0,
            "missed_count": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]


async def pending_reminders_db(workdir: Path, pending: int) -> str:
    """A migrated SQLite file in ``workdir`` with ``pending`` reminders due in 30 days; its URL
    (bench/memory.py uses it too)."""
    url = f"sqlite+aiosqlite:///{workdir}/bench.sqlite3"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        for chunk in range(0, pending, 10_000):
            await session.execute(
                insert(Reminder), _rows(10_000, now + timedelta(days=30), now, 1_000_000 + chunk)
            )
        await session.commit()
    await engine.dispose()
    return url


async def _measure(pending: int) -> tuple[float, float, int]:
    """(start-to-ready seconds, burst seconds, peak RSS bytes) over ``pending`` reminders."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    url = await pending_reminders_db(workdir, pending)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)

    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(port=0)
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=url,
        SCHEDULER_TICK_SECONDS="0.5",
        LOG_LEVEL="INFO",
    )
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    watched = psutil.Process(process.pid)
    peak_rss = 0

    async def sample_rss() -> None:
        nonlocal peak_rss
        while process.returncode is None:
            try:
                peak_rss = max(peak_rss, watched.memory_info().rss)
            except psutil.Error:
                return
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample_rss())
    try:
        while not any(c.method.lower() == "getupdates" for c in emulator.calls):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        ready = time.perf_counter() - started

        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        async with sessions() as session:
            await session.execute(insert(Reminder), _rows(BURST, due, datetime.now(UTC), 2_000_000))
            await session.commit()
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        due_clock = time.perf_counter()
        while True:
            async with sessions() as session:
                count = await session.scalar(
                    select(func.count()).where(OutboxMessage.idempotency_key.like("reminder:%"))
                )
            if (count or 0) >= BURST:
                break
            await asyncio.sleep(0.01)
        burst = time.perf_counter() - due_clock
        await asyncio.sleep(0.5)
    finally:
        process.terminate()
        await process.wait()
        sampler.cancel()
        await emulator.stop()
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    return ready, burst, peak_rss


async def run() -> dict[str, Any]:
    # The same process over an empty table first: the framework's own footprint (aiogram's
    # pydantic types alone take ~165 MB here) against what 100,000 reminders add to it.
    base_ready, base_burst, base_rss = await _measure(0)
    ready, burst, peak_rss = await _measure(PENDING)
    return {
        "baseline_start_to_ready_s": round(base_ready, 3),
        "baseline_burst_enqueued_s": round(base_burst, 3),
        "baseline_peak_rss_mb": round(base_rss / 2**20, 1),
        "pending_reminders": PENDING,
        "start_to_ready_s": round(ready, 3),
        "start_to_ready_target_s": 5.0,
        "burst_size": BURST,
        "burst_enqueued_s": round(burst, 3),
        "burst_target_s": 2.0,
        "peak_rss_mb": round(peak_rss / 2**20, 1),
        "peak_rss_target_mb": 200,
        "rss_added_by_pending_mb": round((peak_rss - base_rss) / 2**20, 1),
        "ready_ratio_vs_baseline": round(ready / base_ready, 2),
        "meets_targets": ready <= 5.0 and burst <= 2.0 and peak_rss <= 200 * 2**20,
    }
