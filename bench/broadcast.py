"""Broadcast benchmark (issue 20): a broadcast to 10,000 people through the emulator.

- The HQ's broadcast (half the people read Russian, half Kazakh) is created as the form's
  confirm does (``broadcasts.create``); the ``broadcasts`` job enqueues it in chunks (the
  longest chunk transaction is reported: the single SQLite connection is never held long)
  and edits the author's progress message; the real delivery worker sends it to the emulator
  at ``DELIVERY_RATE``.
- The target: the broadcast completes at ≥ 95 % of the configured rate (people sent / the
  time from the first to the last send), with 0 lost and 0 duplicated (each person's chat in
  the emulator holds the message exactly once).
- Meanwhile a personal message is enqueued every few seconds (NORMAL priority, as a push):
  how long each waited until Telegram had it, against the broadcast's whole duration.

Run alone with ``BENCH_ONLY=broadcast make bench`` (``BENCH_QUICK=1``: 1,000 people).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.clock import SystemClock
from bot.sandbox import Emulator
from bot.services import broadcasts
from bot.services.broadcasts import Audience
from bot.services.outbox import OutgoingMessage, Text, enqueue
from bot.services.timing import QuietHours
from models import Broadcast, OutboxMessage, OutboxStatus, Priority, User, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import broadcasts as job

TOKEN = "123456:sandbox-token"
QUICK = os.environ.get("BENCH_QUICK") == "1"
PEOPLE = 1_000 if QUICK else 10_000
RATE = 25.0  # DELIVERY_RATE's default
AUTHOR = 9_000_000
FIRST = 6_000_000
TEXTS = {"ru": "Завтра субботник в 10:00", "kk": "Ертең сағат 10:00-де сенбілік"}
PERSONAL_EVERY_S = 5.0
HQ = ZoneInfo("Asia/Novokuznetsk")


async def _world(url: str) -> Any:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    now = SystemClock().now()
    people = [
        {
            "id": FIRST + n,
            "first_name": f"P{n}",
            "language_code": "kk" if n % 2 else "ru",
            "blocked_bot": False,
            "created_at": now,
            "updated_at": now,
            "last_seen_at": now,
        }
        for n in range(PEOPLE)
    ]
    async with sessions() as session:
        for start in range(0, len(people), 5_000):
            await session.execute(insert(User), people[start : start + 5_000])
        await session.commit()
    return sessions


async def measure(workdir: Path) -> dict[str, Any]:
    from bot.app import build_delivery
    from bot.config import Settings
    from bot.i18n import Translator

    url = f"sqlite+aiosqlite:///{workdir}/broadcast.sqlite3"
    sessions = await _world(url)
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    for n in range(PEOPLE):
        emulator.user(FIRST + n, started=True)
    emulator.user(AUTHOR, started=True)
    clock = SystemClock()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=url,
        delivery_rate=RATE,
    )
    worker = build_delivery(settings, sessions, Translator("ru"), clock)
    quiet = QuietHours.parse("off")  # the rate is measured, not the night
    chunk_s: list[float] = []
    personal_wait_s: list[float] = []
    try:
        async with sessions() as session:
            broadcast, _ = await broadcasts.create(
                session, author_id=AUTHOR, audience=Audience(), texts=TEXTS,
                photo_file_id=None, urgent=False, rate=RATE, now=clock.now(), form_token="bench",
            )  # fmt: skip
            await session.commit()
        worker.start()
        started = time.perf_counter()
        # The job's chunks, timed one by one (as the job runs them).
        while True:
            t0 = time.perf_counter()
            async with sessions() as session:
                current = await session.get(Broadcast, broadcast.id)
                assert current is not None
                looked = await broadcasts.enqueue_chunk(
                    session, current, clock.now(), quiet=quiet, default_locale="ru",
                    default_zone=HQ,
                )  # fmt: skip
                await session.commit()
            chunk_s.append(time.perf_counter() - t0)
            if not looked:
                break
        enqueue_s = time.perf_counter() - started
        personal: dict[str, float] = {}
        next_personal = time.perf_counter() + 1.0
        deadline = time.perf_counter() + PEOPLE / RATE * 2 + 60
        while time.perf_counter() < deadline:
            result = await job.tick(
                clock.now(), sessionmaker=sessions, quiet=quiet, default_locale="ru",
                default_zone=HQ,
            )  # fmt: skip
            if broadcast.id in result.finished:
                break
            if time.perf_counter() >= next_personal and len(personal) < 40:
                key = f"bench-push:{len(personal)}"
                async with sessions() as session:
                    await enqueue(
                        session,
                        chat_id=FIRST + PEOPLE - 1 - len(personal),
                        message=OutgoingMessage(Text(literal="Задача рядом с вами")),
                        key=key,
                        now=clock.now(),
                        priority=Priority.NORMAL,
                    )
                    await session.commit()
                personal[key] = time.perf_counter()
                next_personal += PERSONAL_EVERY_S
            await asyncio.sleep(job.INTERVAL_SECONDS)  # as the scheduler runs it
        finished_s = time.perf_counter() - started
        async with sessions() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.subject == broadcasts.subject(broadcast.id))
                        .group_by(OutboxMessage.status)
                    )
                ).all()
            )
            sent_at = (
                await session.execute(
                    select(func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at)).where(
                        OutboxMessage.subject == broadcasts.subject(broadcast.id)
                    )
                )
            ).one()
            # Each personal message: from its enqueueing until Telegram had it.
            for created, sent in (
                await session.execute(
                    select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
                        OutboxMessage.idempotency_key.in_(list(personal)),
                        OutboxMessage.sent_at.is_not(None),
                    )
                )
            ).all():
                personal_wait_s.append((sent - created).total_seconds())
            done = await session.get(Broadcast, broadcast.id)
            assert done is not None
            progress_edits = done.progress_edits
    finally:
        await worker.stop()
        await worker.bot.session.close()
    per_chat: Counter[int] = Counter()
    texts = set(TEXTS.values())
    for call in emulator.calls:
        if (
            call.ok
            and call.method.lower() == "sendmessage"
            and call.chat_id is not None
            and str(call.params.get("text")) in texts
        ):
            per_chat[call.chat_id] += 1
    edits = sum(
        1 for c in emulator.calls_to(AUTHOR) if c.ok and c.method.lower() == "editmessagetext"
    )
    await emulator.stop()
    await sessions.kw["bind"].dispose()
    lost = sum(1 for n in range(PEOPLE) if per_chat[FIRST + n] == 0)
    duplicated = sum(count - 1 for count in per_chat.values() if count > 1)
    strangers = sum(1 for chat in per_chat if not FIRST <= chat < FIRST + PEOPLE)
    first, last = sent_at
    sending_s = (last - first).total_seconds() if first and last else 0.0
    rate = (PEOPLE - 1) / sending_s if sending_s else 0.0
    personal_wait_s.sort()
    return {
        "people": PEOPLE,
        "configured_rate_per_s": RATE,
        "enqueue_s": round(enqueue_s, 2),
        "enqueue_chunks": len(chunk_s) - 1,
        "longest_chunk_transaction_ms": round(max(chunk_s) * 1000, 1),
        "sending_s": round(sending_s, 1),
        "measured_rate_per_s": round(rate, 2),
        "rate_ratio": round(rate / RATE, 3),
        "until_final_report_s": round(finished_s, 1),
        "statuses": statuses,
        "lost": lost,
        "duplicated": duplicated,
        "sent_to_others": strangers,
        "progress_edits": progress_edits,
        "progress_edits_seen_by_author": edits,
        "personal_messages": len(personal_wait_s),
        "personal_wait_max_s": round(personal_wait_s[-1], 2) if personal_wait_s else None,
        "personal_wait_p50_s": (
            round(personal_wait_s[len(personal_wait_s) // 2], 2) if personal_wait_s else None
        ),
        "meets_target": rate >= 0.95 * RATE
        and lost == 0
        and duplicated == 0
        and strangers == 0
        and statuses.get(OutboxStatus.SENT) == PEOPLE,
    }


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        return await measure(Path(folder))


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2, ensure_ascii=False))
