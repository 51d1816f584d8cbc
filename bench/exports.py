"""Exports and statistics (issue 20) on EXPORT_ROWS help requests.

The bot process (``python -m bot``'s application, bench/bot_process.py, not instrumented) runs
on a migrated SQLite file with the Kuzbass territories, VOLUNTEERS approved volunteers and
EXPORT_ROWS requests spread over the territories by a fixed random draw (every status, the
last 300 days, most done with hours and a rating), inserted in bulk.

1. The export: the HQ coordinator sends /export and presses «📤 Выгрузить» for requests,
   XLSX, all time, with personal columns (``ExportCb(k="r", p="all", go=True)``): timed from
   the press until the document arrives. Meanwhile the bot's RSS is sampled every 50 ms and a
   bystander sends /help every 0.5 s and times each answer. Targets: <= 10 s, <= 150 MB above
   the RSS just before, every answer to the bystander within 1 s. The file is opened with
   openpyxl (read-only) and its rows counted.
2. Not targets, the same way: the same export as CSV; /report «Этот год» until the chart
   arrives; the yearly report until its document arrives.
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from openpyxl import load_workbook
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.campaigns import BYSTANDER_TARGET_S, QUICK, _answered, while_watching
from bench.requests import (
    ADMIN_ID,
    TOKEN,
    WAIT,
    _add_volunteers,
    _bot_env,
    _prepare,
    _spawn,
)
from bot.keyboards.callbacks import ExportCb, ReportCb
from bot.sandbox import Emulator
from bot.sandbox.people import Person
from models import HelpRequest, Territory

EXPORT_ROWS = 5_000 if QUICK else 100_000
EXPORT_TARGET_S = 10.0
EXPORT_RSS_TARGET_MB = 150.0
VOLUNTEERS = 200
KINDS = ("groceries", "medicine", "utilities", "coal", "snow", "ride", "household", "other")
STATUSES = (("done", 70), ("cancelled", 10), ("failed", 5), ("taken", 8), ("new", 7))
NAMES = ("Петрова Анна", "Иванов Пётр", "Смирнова Галина", "Ахметов Серік", "Попова Нина")


async def _fill(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    rng = random.Random(20)
    async with sessions() as session:
        territories = list(
            (
                await session.scalars(select(Territory.id).where(Territory.parent_id.is_not(None)))
            ).all()
        )
        volunteer_ids = list(
            (
                await _add_volunteers(
                    session, range(800_000, 800_000 + VOLUNTEERS), territories[0], now
                )
            ).values()
        )
        await session.commit()
        statuses = [s for s, weight in STATUSES for _ in range(weight)]
        batch: list[dict[str, Any]] = []
        for n in range(EXPORT_ROWS):
            created = now - timedelta(minutes=rng.randint(60, 300 * 24 * 60))
            status = rng.choice(statuses)
            worked = status in ("done", "taken")
            taken = created + timedelta(minutes=rng.randint(5, 600)) if worked else None
            batch.append(
                {
                    "kind": rng.choice(KINDS), "for_other": bool(n % 2),
                    "person_name": f"{rng.choice(NAMES)} {n}", "person_phone": f"+7913{n:07d}",
                    "territory_id": rng.choice(territories),
                    "address": f"ул. Ленина, д. {n % 200 + 1}, кв. {n % 90 + 1}",
                    "details": "Продукты по списку", "urgency": rng.choice(("today", "soon")),
                    "status": status, "door_code": "1234",
                    "volunteer_id": rng.choice(volunteer_ids) if worked else None,
                    "taken_at": taken,
                    "done_at": created + timedelta(hours=rng.randint(1, 48))
                    if status == "done" else None,
                    "hours": rng.choice((0.5, 1.0, 1.5, 2.0, 3.0)) if status == "done" else None,
                    "rating": rng.randint(3, 5) if status == "done" and n % 3 else None,
                    "consent_at": created, "consent_version": "v1", "created_at": created,
                    "updated_at": created,
                }
            )  # fmt: skip
            if len(batch) == 10_000:
                await session.execute(insert(HelpRequest), batch)
                batch = []
        if batch:
            await session.execute(insert(HelpRequest), batch)
        await session.commit()


def _documents(person: Person) -> list[Any]:
    return [m.document for m in person.messages if m.from_bot and m.document]


def _photos(person: Person) -> int:
    return sum(1 for m in person.messages if m.from_bot and m.photo)


async def measure(emulator: Emulator, url: str, workdir: Path) -> dict[str, Any]:
    process = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url))
    watched = psutil.Process(process.process.pid)
    try:
        admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
        bystander = emulator.user(990_003, first_name="Прохожий", language_code="ru")
        await _answered(admin, "/start")
        await _answered(bystander, "/start")
        for _ in range(5):
            await _answered(bystander, "/help")

        async def export(fmt: str) -> None:
            await _answered(admin, "/export")
            await admin.press_data(ExportCb(k="r", f=fmt, p="all", go=True).pack(), timeout=WAIT)

        xlsx = await while_watching(
            watched, bystander, admin, lambda: export("x"), lambda: len(_documents(admin)) >= 1
        )
        stored = admin.state.files.get(_documents(admin)[0]["file_id"])
        data = stored.data if stored is not None else b""
        book = load_workbook(io.BytesIO(data), read_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows()) - 1
        book.close()
        xlsx.update({"file_mb": round(len(data) / 1024 / 1024, 1), "rows_in_file": rows})

        csv = await while_watching(
            watched, bystander, admin, lambda: export("c"), lambda: len(_documents(admin)) >= 2
        )

        async def report() -> None:
            await _answered(admin, "/report")
            await admin.press_data(ReportCb(a="p", p="year").pack(), timeout=WAIT)

        stats = await while_watching(watched, bystander, admin, report, lambda: _photos(admin) >= 1)
        text = next(
            (m.body for m in reversed(admin.messages) if m.from_bot and "Заявок:" in m.body), ""
        )
        stats["summary"] = text.splitlines()[2:5]

        async def yearly() -> None:
            await _answered(admin, "/report")
            year = datetime.now(UTC).year
            await admin.press_data(ReportCb(a="y", y=year).pack(), timeout=WAIT)

        year = await while_watching(
            watched, bystander, admin, yearly, lambda: len(_documents(admin)) >= 3
        )
    finally:
        log = await process.stop()
    return {
        "xlsx": xlsx,
        "csv": csv,
        "stats_this_year": stats,
        "yearly_report": year,
        "bot_log_lines": [line for line in log.splitlines() if line.strip()][-10:],
    }


async def run() -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    url = f"sqlite+aiosqlite:///{workdir}/exports.sqlite3"
    now = datetime.now(UTC)
    engine, sessions = await _prepare(url, now)
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    try:
        started = time.perf_counter()
        await _fill(sessions, now)
        fill_s = time.perf_counter() - started
        async with sessions() as session:
            total = await session.scalar(select(func.count()).select_from(HelpRequest))
        figures = await measure(emulator, url, workdir)
    finally:
        await emulator.stop()
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    xlsx = figures["xlsx"]
    checks = [
        xlsx["seconds"] <= EXPORT_TARGET_S,
        xlsx["rss_added_mb"] <= EXPORT_RSS_TARGET_MB,
        xlsx["bystander_max_s"] <= BYSTANDER_TARGET_S,
        xlsx["rows_in_file"] == total,
    ]
    return {
        "requests_in_db": total,
        "fill_s": round(fill_s, 1),
        **figures,
        "export_target_s": EXPORT_TARGET_S,
        "rss_added_target_mb": EXPORT_RSS_TARGET_MB,
        "bystander_target_s": BYSTANDER_TARGET_S,
        "targets_met": all(checks),
        "quick": QUICK,
    }
