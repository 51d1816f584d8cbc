"""Safety library benchmark (issue 18): a seasonal tip to 100,000 subscribers across time zones.

- enqueue: 100,000 seasonal subscribers in 12 zones of Russia and Kazakhstan, half ru, half
  kk; the scheduler's tick enqueues the season's round (target ≤ 10 s), once: a second tick
  adds nothing; every zone's messages wait until its quiet hours end (checked per zone, in
  SQL, against QuietHours.defer); each row holds the person's language.
- delivery: a smaller round (SEND_PEOPLE subscribers in two zones, one of them in its quiet
  hours) sent by the real delivery worker to the emulator at DELIVERY_RATE: the measured rate
  and that the quiet zone got nothing until the clock passed its morning.

On SQLite always; on PostgreSQL too when BENCH_DATABASE_URL / TEST_DATABASE_URL reaches one.
Run alone with ``BENCH_ONLY=tips make bench``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.clock import FakeClock
from bot.sandbox import Emulator
from bot.services import safety
from bot.services.timing import QuietHours
from models import OutboxMessage, OutboxStatus, TipSubscription, User, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import tips as job

TOKEN = "123456:sandbox-token"
SUBSCRIBERS = 5_000 if os.environ.get("BENCH_QUICK") else 100_000
TARGET_S = 10.0
SEND_PEOPLE = 200
RATE = 25.0
HQ = ZoneInfo("Asia/Novokuznetsk")
QUIET = QuietHours()
ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
    "Asia/Omsk", "Asia/Novokuznetsk", "Asia/Irkutsk", "Asia/Vladivostok",
    "Asia/Kamchatka", "Asia/Almaty", "Asia/Oral", "Asia/Aqtau",
)  # fmt: skip
# 1 March, 10:30 in the HQ: spring's first ice round; 06:30 in Moscow, 05:30 in Kaliningrad
# (quiet), 15:30 in Kamchatka.
ROUND_AT = datetime(2027, 3, 1, 10, 30, tzinfo=HQ).astimezone(UTC)
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _world(
    url: str, people: int, zones: tuple[str, ...], first_id: int = 1_000_000
) -> async_sessionmaker[AsyncSession]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    now = ROUND_AT - timedelta(days=30)
    async with sessions() as session:
        await safety.load_tips(session, now)
        await session.commit()
    chunk = 10_000
    for start in range(0, people, chunk):
        ids = range(first_id + start, first_id + min(people, start + chunk))
        async with sessions() as session:
            await session.execute(
                insert(User),
                [
                    {
                        "id": i,
                        "first_name": f"P{i}",
                        "language_code": "kk" if (i // 12) % 2 else "ru",
                        "blocked_bot": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            await session.execute(
                insert(TipSubscription),
                [
                    {
                        "user_id": i,
                        "timezone": zones[i % len(zones)],
                        "seasonal": True,
                        "weekly_count": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            await session.commit()
    return sessions


async def _tick(sessions: async_sessionmaker[AsyncSession], now: datetime) -> job.TickResult:
    return await job.tick(now, sessionmaker=sessions, quiet=QUIET, default_locale="ru", hq_zone=HQ)


async def _quiet_hours_honoured(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[int, list[str]]:
    """Zones whose every message waits exactly until ``QUIET.defer(ROUND_AT, zone)``."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(
                    TipSubscription.timezone,
                    func.min(OutboxMessage.not_before),
                    func.max(OutboxMessage.not_before),
                    func.count(),
                )
                .join(OutboxMessage, OutboxMessage.chat_id == TipSubscription.user_id)
                .group_by(TipSubscription.timezone)
            )
        ).all()
    good, bad = 0, []
    for zone, first, last, _count in rows:
        expected = QUIET.defer(ROUND_AT, ZoneInfo(zone))
        if first == last == expected:
            good += 1
        else:
            bad.append(zone)
    return good, bad


async def _languages(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        rows = (
            await session.scalars(select(OutboxMessage.payload).where(OutboxMessage.id % 50 == 0))
        ).all()
    counts: dict[str, int] = {}
    for payload in rows:
        counts[str(payload.get("locale"))] = counts.get(str(payload.get("locale")), 0) + 1
    return counts


async def measure_enqueue(url: str) -> dict[str, Any]:
    sessions = await _world(url, SUBSCRIBERS, ZONES)
    started = time.perf_counter()
    first = await _tick(sessions, ROUND_AT)
    enqueue_s = time.perf_counter() - started
    started = time.perf_counter()
    again = await _tick(sessions, ROUND_AT + timedelta(minutes=1))
    rerun_s = time.perf_counter() - started
    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
    good, bad = await _quiet_hours_honoured(sessions)
    languages = await _languages(sessions)
    await sessions.kw["bind"].dispose()
    return {
        "subscribers": SUBSCRIBERS,
        "zones": len(ZONES),
        "enqueue_s": round(enqueue_s, 2),
        "enqueue_target_s": TARGET_S,
        "enqueued": first.rounds[0].enqueued if first.rounds else 0,
        "outbox_rows": total,
        "second_tick_rounds": len(again.rounds),
        "second_tick_s": round(rerun_s, 3),
        "zones_quiet_hours_honoured": good,
        "zones_quiet_hours_wrong": bad,
        "languages_in_sample": languages,
        "meets_target": enqueue_s <= TARGET_S and total == SUBSCRIBERS and not bad,
    }


async def measure_delivery(workdir: Path) -> dict[str, Any]:
    """The real worker over a round to SEND_PEOPLE people: half in Novokuznetsk (daytime),
    half in Moscow (06:30, quiet until 08:00)."""
    from bot.app import build_delivery
    from bot.config import Settings
    from bot.i18n import Translator

    url = f"sqlite+aiosqlite:///{workdir}/send.sqlite3"
    first_id = 5_000_000
    sessions = await _world(url, SEND_PEOPLE, ("Asia/Novokuznetsk", "Europe/Moscow"), first_id)
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    for i in range(first_id, first_id + SEND_PEOPLE):
        emulator.user(i, started=True)
    clock = FakeClock(ROUND_AT)
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=url,
        delivery_rate=RATE,
    )
    worker = build_delivery(settings, sessions, Translator("ru"), clock)
    try:
        await _tick(sessions, ROUND_AT)
        started = time.perf_counter()
        worker.start()
        day_zone = SEND_PEOPLE // 2
        await _wait_sent(sessions, day_zone)
        elapsed = time.perf_counter() - started
        daytime_sent = await _sent(sessions)
        await asyncio.sleep(1.0)  # nothing else is due: the quiet zone waits
        during_quiet = await _sent(sessions) - daytime_sent
        clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=ZoneInfo("Europe/Moscow")).astimezone(UTC))
        worker.wake()
        await _wait_sent(sessions, SEND_PEOPLE)
        total = await _sent(sessions)
    finally:
        await worker.stop()
        await worker.bot.session.close()
        await emulator.stop()
        await sessions.kw["bind"].dispose()
    rate = daytime_sent / elapsed if elapsed else 0.0
    return {
        "people": SEND_PEOPLE,
        "configured_rate_per_s": RATE,
        "daytime_zone_sent": daytime_sent,
        "daytime_zone_s": round(elapsed, 2),
        "measured_rate_per_s": round(rate, 1),
        "sent_in_quiet_hours": during_quiet,
        "sent_after_morning": total - daytime_sent,
        "meets_target": rate <= RATE * 1.1 and during_quiet == 0 and total == SEND_PEOPLE,
    }


async def _wait_sent(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    deadline = time.perf_counter() + 120
    while True:
        if await _sent(sessions) >= count or time.perf_counter() > deadline:
            return
        await asyncio.sleep(0.05)


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.SENT)
            )
            or 0
        )


def _pg_server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", DEFAULT_PG_URL
    )


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(_pg_server_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def _on_postgresql() -> dict[str, Any]:
    """The enqueue on a database of its own (never the tests' one), dropped afterwards."""
    name = f"bench_tips_{os.getpid()}"
    try:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        await _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no server: SQLite's figures stand alone
        return {"skipped": f"PostgreSQL not usable: {type(exc).__name__}"}
    try:
        url = make_url(_pg_server_url()).set(database=name).render_as_string(False)
        return await measure_enqueue(url)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-tips-") as folder:
        workdir = Path(folder)
        results: dict[str, Any] = {
            "sqlite": await measure_enqueue(f"sqlite+aiosqlite:///{workdir}/tips.sqlite3")
        }
        results["postgresql"] = await _on_postgresql()
        results["delivery"] = await measure_delivery(workdir)
    results["meets_targets"] = all(
        part.get("meets_target", True) for part in results.values() if isinstance(part, dict)
    )
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2, ensure_ascii=False))
