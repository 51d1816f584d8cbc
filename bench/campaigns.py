"""Vaccination follow-up campaigns (issue 16): a big import, and «Следующий звонок».

1. Import of CAMPAIGN_ROWS (100,000) people through the bot. The bot process (``python -m
   bot``'s application, bench/bot_process.py, not instrumented) runs on a migrated SQLite file
   with the Kuzbass territories and one campaign over all of them. An HQ coordinator sends
   ``/import <id>`` and a 100,000-row CSV (UTF-8, semicolons, as Excel writes it) as a
   document; timed from the document sent until the result message. Meanwhile the bot's RSS
   is sampled every 50 ms, and a bystander sends /help every 0.5 s and times each answer.
   Targets: import <= 30 s; the bot's RSS peak during the import <= 100 MB above its RSS just
   before; every answer to the bystander within 1 s.

2. The claim. On the same file, now holding the 100,000 people, CLAIM_VOLUNTEERS approved
   «calls» volunteers spread over the territories with the most people claim the next due
   person the way the handler does (``campaign_calls.worker`` + ``claim_next`` + commit, one
   session each), CLAIMS times after 20 not counted; each claim's outcome («не отвечает») is
   recorded untimed, so every claim takes a new person. Target: p95 <= 10 ms. Also timed, not
   a target: the Telegram path, a press of «Следующий звонок» until the card arrives.

3. The export (``measure_export``). The imported people spread over EXPORT_CLINICS clinics; the
   HQ coordinator presses «📤 Выгрузка» on the campaign and «📤 Выгрузить» (XLSX, everyone):
   timed from the press until the document arrives, the bot's RSS sampled as for the import,
   a bystander's /help timed meanwhile. Targets: <= 10 s, <= 150 MB above the RSS before,
   every answer to the bystander within 1 s.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.requests import ADMIN_ID, TOKEN, WAIT, _bot_env, _percentiles, _prepare, _spawn
from bot.keyboards.callbacks import CallCb, CampaignCb, CampaignExportCb
from bot.sandbox import Emulator
from bot.sandbox.people import Person
from bot.services import campaign_calls, volunteers
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import (
    Campaign,
    CampaignPerson,
    CampaignStatus,
    CampaignTerritory,
    Territory,
    VolunteerMode,
)

QUICK = os.environ.get("BENCH_QUICK") == "1"  # for iterating: 5,000 rows, 50 claims
CAMPAIGN_ROWS = 5_000 if QUICK else 100_000
IMPORT_TARGET_S = 30.0
IMPORT_RSS_TARGET_MB = 100.0
BYSTANDER_TARGET_S = 1.0
CLAIMS = 50 if QUICK else 500
CLAIM_VOLUNTEERS = 50
CLAIM_P95_TARGET_MS = 10.0
TELEGRAM_CLAIMS = 60
EXPORT_TARGET_S = 10.0
EXPORT_RSS_TARGET_MB = 150.0
EXPORT_CLINICS = 8
QUIET = QuietHours.parse("off")
FIRST_NAMES = ("Анна", "Мария", "Валентина", "Галина", "Нина", "Иван", "Пётр", "Николай")
LAST_NAMES = ("Петрова", "Иванова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Лебедева")


def _csv(territory_names: list[str], rows: int) -> bytes:
    """As Excel writes a Russian sheet as CSV: semicolons, dd.mm.yyyy dates."""
    rng = random.Random(16)
    lines = ["ФИО;Телефон;Год рождения;Территория;Адрес;Дата согласия;Telegram"]
    for n in range(rows):
        name = f"{rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)} Ивановна {n}"
        phone = f"+7913{n:07d}"
        year = rng.randint(1930, 1965)
        territory = territory_names[n % len(territory_names)]
        address = f"ул. Ленина, д. {n % 200 + 1}, кв. {n % 90 + 1}" if n % 3 else ""
        lines.append(f"{name};{phone};{year};{territory};{address};01.11.2026;")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


async def _campaign(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[int, list[str]]:
    """One campaign over every municipality (territories without districts), calls all day."""
    async with sessions() as session:
        parents = set(
            (
                await session.scalars(
                    select(Territory.parent_id).where(Territory.parent_id.is_not(None))
                )
            ).all()
        )
        leaves = [
            t
            for t in (await session.scalars(select(Territory).order_by(Territory.id))).all()
            if t.id not in parents
        ]
        campaign = Campaign(
            name="Бенчмарк", status=CampaignStatus.ACTIVE, rounds=[0, 7, 21], window_start=0,
            window_end=24 * 60, attempts=3, retry_minutes=60, visit_after=None, claim_minutes=20,
            volunteers=VolunteerMode.ALL, created_by=ADMIN_ID, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        session.add_all(
            CampaignTerritory(campaign_id=campaign.id, territory_id=t.id) for t in leaves
        )
        await session.commit()
        return campaign.id, [t.name_ru for t in leaves]


async def _wait_text(person: Person, prefix: str, timeout: float) -> float:
    """Seconds until a bot message starting with ``prefix`` is in the chat."""
    started = time.perf_counter()
    notifier = person.state.notifier
    while not any(m.from_bot and m.body.startswith(prefix) for m in person.messages):
        left = timeout - (time.perf_counter() - started)
        if left <= 0:
            raise TimeoutError(f"no message starting {prefix!r} within {timeout} s")
        await notifier.wait(notifier.version, left)
    return time.perf_counter() - started


async def _answered(person: Person, text: str) -> float:
    before = len([m for m in person.messages if m.from_bot])
    started = time.perf_counter()
    await person.send_text(text)
    notifier = person.state.notifier
    while len([m for m in person.messages if m.from_bot]) <= before:
        left = WAIT - (time.perf_counter() - started)
        if left <= 0:
            raise TimeoutError(f"no answer to {text!r}")
        await notifier.wait(notifier.version, left)
    return time.perf_counter() - started


async def measure_import(
    emulator: Emulator, url: str, workdir: Path, campaign_id: int, data: bytes
) -> dict[str, Any]:
    process = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url))
    watched = psutil.Process(process.process.pid)
    try:
        admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
        bystander = emulator.user(990_001, first_name="Прохожий", language_code="ru")
        await _answered(admin, "/start")
        await _answered(bystander, "/start")
        for _ in range(5):  # warm up the bystander's path
            await _answered(bystander, "/help")
        await asyncio.sleep(1.0)
        rss_before = watched.memory_info().rss
        await _answered(admin, f"/import {campaign_id}")
        peak = rss_before
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, watched.memory_info().rss)
                await asyncio.sleep(0.05)

        latencies: list[float] = []

        async def bystand() -> None:
            while not done.is_set():
                latencies.append(await _answered(bystander, "/help"))
                await asyncio.sleep(0.5)

        tasks = [asyncio.create_task(sample()), asyncio.create_task(bystand())]
        started = time.perf_counter()
        await admin.send_document(data, filename="people.csv", mime_type="text/csv")
        seconds = await _wait_text(admin, "✅ Загрузка в кампанию", 600)
        seconds = time.perf_counter() - started
        done.set()
        await asyncio.gather(*tasks)
        result = next(
            m.body for m in admin.messages if m.from_bot and m.body.startswith("✅ Загрузка")
        )
    finally:
        log = await process.stop()
    mb = 1024 * 1024
    return {
        "rows": CAMPAIGN_ROWS,
        "file_mb": round(len(data) / mb, 1),
        "import_s": round(seconds, 2),
        "import_target_s": IMPORT_TARGET_S,
        "rss_before_mb": round(rss_before / mb, 1),
        "rss_peak_mb": round(peak / mb, 1),
        "rss_added_mb": round((peak - rss_before) / mb, 1),
        "rss_added_target_mb": IMPORT_RSS_TARGET_MB,
        "bystander_answers": len(latencies),
        "bystander": _percentiles(latencies) if len(latencies) >= 2 else {},
        "bystander_max_s": round(max(latencies, default=0.0), 3),
        "bystander_target_s": BYSTANDER_TARGET_S,
        "result": result.splitlines()[1:],
        "bot_log_lines": [line for line in log.splitlines() if line.strip()][-10:],
    }


async def _claim_volunteers(
    sessions: async_sessionmaker[AsyncSession], campaign_id: int, now: datetime
) -> list[int]:
    """CLAIM_VOLUNTEERS approved «calls» volunteers over the territories with most people."""
    async with sessions() as session:
        busiest = (
            await session.execute(
                select(CampaignPerson.territory_id, func.count())
                .where(CampaignPerson.campaign_id == campaign_id)
                .group_by(CampaignPerson.territory_id)
                .order_by(func.count().desc())
                .limit(10)
            )
        ).all()
        users: list[int] = []
        for n in range(CLAIM_VOLUNTEERS):
            user_id = 700_000 + n
            territory_id = busiest[n % len(busiest)][0]
            await touch_user(
                session, Profile(user_id, f"Звон{n}", language_code="ru"), now, wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Звон{n} Петров", phone="+79030000000", territory_id=territory_id,
                skills=("calls",), age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
            users.append(user_id)
        await session.commit()
    return users


async def measure_claims(
    sessions: async_sessionmaker[AsyncSession], users: list[int]
) -> dict[str, Any]:
    samples: list[float] = []
    for n in range(20 + CLAIMS):
        user_id = users[n % len(users)]
        now = datetime.now(UTC)
        async with sessions() as session:
            started = time.perf_counter()
            who = await campaign_calls.worker(session, user_id, now)
            assert who is not None, "the volunteer works no campaign"
            got = await campaign_calls.claim_next(session, who, now, QUIET)
            await session.commit()
            seconds = time.perf_counter() - started
            if not isinstance(got, campaign_calls.Claim):
                raise AssertionError(f"claim {n}: nothing due")
            recorded = await campaign_calls.record(
                session, got.person.id, user_id, "no_answer", now, QUIET
            )
            assert recorded is not None
            await session.commit()
        if n >= 20:
            samples.append(seconds)
    return {"count": len(samples), **_percentiles(samples)}


async def measure_telegram_claims(
    emulator: Emulator, url: str, workdir: Path, users: list[int]
) -> dict[str, Any]:
    """A press of «Следующий звонок» (inline) until the card is in the chat."""
    process = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url))
    latencies: list[float] = []
    try:
        people = [
            emulator.user(u, first_name=f"Звон{n}", language_code="ru") for n, u in enumerate(users)
        ]
        for person in people:
            await _answered(person, "/start")
        for n in range(5 + TELEGRAM_CLAIMS):
            person = people[n % len(people)]
            before = len([m for m in person.messages if m.from_bot])
            started = time.perf_counter()
            await person.press_data(CallCb(action="next").pack(), timeout=WAIT)
            notifier = person.state.notifier
            while len([m for m in person.messages if m.from_bot]) <= before:
                left = WAIT - (time.perf_counter() - started)
                if left <= 0:
                    raise TimeoutError("no card")
                await notifier.wait(notifier.version, left)
            if n >= 5:
                latencies.append(time.perf_counter() - started)
            # «Не отвечает», so the next press takes someone new
            card = [m for m in person.messages if m.from_bot][-1]
            await person.press_data(
                CallCb(action="out", id=_person_id(card), value="no_answer").pack(),
                message_id=card.message_id,
                timeout=WAIT,
            )
    finally:
        await process.stop()
    return {"count": len(latencies), **_percentiles(latencies)}


def _person_id(card: Any) -> int:
    markup = card.reply_markup or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith("cl:out:"):
                return CallCb.unpack(data).id
    raise AssertionError(f"no outcome buttons on {card.body[:80]!r}")


async def while_watching(
    watched: psutil.Process,
    bystander: Person,
    person: Person,
    act: Callable[[], Awaitable[object]],
    arrived: Callable[[], bool],
) -> dict[str, Any]:
    """Time ``act`` until ``arrived()`` (checked as ``person``'s chat changes), sampling the
    bot's RSS every 50 ms and timing a bystander's /help every 0.5 s meanwhile."""
    await asyncio.sleep(1.0)
    rss_before = watched.memory_info().rss
    peak = rss_before
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, watched.memory_info().rss)
            await asyncio.sleep(0.05)

    latencies: list[float] = []

    async def bystand() -> None:
        while not done.is_set():
            latencies.append(await _answered(bystander, "/help"))
            await asyncio.sleep(0.5)

    tasks = [asyncio.create_task(sample()), asyncio.create_task(bystand())]
    started = time.perf_counter()
    try:
        await act()
        notifier = person.state.notifier
        while not arrived():
            left = 600 - (time.perf_counter() - started)
            if left <= 0:
                raise TimeoutError("nothing arrived")
            await notifier.wait(notifier.version, left)
        seconds = time.perf_counter() - started
    finally:
        done.set()
        await asyncio.gather(*tasks)
    mb = 1024 * 1024
    return {
        "seconds": round(seconds, 2),
        "rss_before_mb": round(rss_before / mb, 1),
        "rss_peak_mb": round(peak / mb, 1),
        "rss_added_mb": round((peak - rss_before) / mb, 1),
        "bystander_answers": len(latencies),
        "bystander": _percentiles(latencies) if len(latencies) >= 2 else {},
        "bystander_max_s": round(max(latencies, default=0.0), 3),
        "bystander_target_s": BYSTANDER_TARGET_S,
    }


async def measure_export(
    emulator: Emulator,
    url: str,
    workdir: Path,
    sessions: async_sessionmaker[AsyncSession],
    campaign_id: int,
) -> dict[str, Any]:
    """XLSX export of the campaign's people through the bot (see the module's docstring)."""
    async with sessions() as session:
        for n in range(EXPORT_CLINICS):
            await session.execute(
                update(CampaignPerson)
                .where(
                    CampaignPerson.campaign_id == campaign_id,
                    CampaignPerson.id % EXPORT_CLINICS == n,
                )
                .values(clinic=f"Поликлиника №{n + 1}")
            )
        await session.commit()
    process = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url))
    watched = psutil.Process(process.process.pid)
    try:
        admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
        bystander = emulator.user(990_002, first_name="Прохожий", language_code="ru")
        await _answered(admin, "/start")
        await _answered(bystander, "/start")
        for _ in range(5):
            await _answered(bystander, "/help")
        await _answered(admin, "/campaigns")
        await admin.press_data(CampaignCb(action="export", id=campaign_id).pack(), timeout=WAIT)

        async def press() -> None:
            await admin.press_data(CampaignExportCb(id=campaign_id, go=True).pack(), timeout=WAIT)

        figures = await while_watching(
            watched,
            bystander,
            admin,
            press,
            lambda: any(m.from_bot and m.document for m in admin.messages),
        )
        document = next(m.document for m in admin.messages if m.from_bot and m.document)
        stored = admin.state.files.get(document["file_id"])
        size = len(stored.data) if stored is not None else 0
    finally:
        log = await process.stop()
    mb = 1024 * 1024
    return {
        "rows": CAMPAIGN_ROWS,
        "clinics": EXPORT_CLINICS,
        "file_mb": round(size / mb, 1),
        "export_s": figures.pop("seconds"),
        "export_target_s": EXPORT_TARGET_S,
        **figures,
        "rss_added_target_mb": EXPORT_RSS_TARGET_MB,
        "bot_log_lines": [line for line in log.splitlines() if line.strip()][-10:],
    }


async def run() -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-campaigns-"))
    url = f"sqlite+aiosqlite:///{workdir}/campaigns.sqlite3"
    now = datetime.now(UTC)
    engine, sessions = await _prepare(url, now)
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    try:
        campaign_id, names = await _campaign(sessions, now)
        data = _csv(names, CAMPAIGN_ROWS)
        imported = await measure_import(emulator, url, workdir, campaign_id, data)
        users = await _claim_volunteers(sessions, campaign_id, now)
        claims = await measure_claims(sessions, users)
        telegram = await measure_telegram_claims(emulator, url, workdir, users)
        exported = await measure_export(emulator, url, workdir, sessions, campaign_id)
        async with sessions() as session:
            people = await session.scalar(select(func.count()).select_from(CampaignPerson))
    finally:
        await emulator.stop()
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    checks = [
        imported["import_s"] <= IMPORT_TARGET_S,
        imported["rss_added_mb"] <= IMPORT_RSS_TARGET_MB,
        imported["bystander_max_s"] <= BYSTANDER_TARGET_S,
        claims["p95_ms"] <= CLAIM_P95_TARGET_MS,
        exported["export_s"] <= EXPORT_TARGET_S,
        exported["rss_added_mb"] <= EXPORT_RSS_TARGET_MB,
        exported["bystander_max_s"] <= BYSTANDER_TARGET_S,
    ]
    return {
        "import": imported,
        "people_in_db": people,
        "claim": claims,
        "claim_p95_target_ms": CLAIM_P95_TARGET_MS,
        "claim_telegram_press": telegram,
        "export": exported,
        "targets_met": all(checks),
        "quick": QUICK,
    }
