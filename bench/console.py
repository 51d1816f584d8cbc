"""The coordinators' request console (issue 19): its first page with 10,000 open requests.

A migrated SQLite file with the Kuzbass territories holds OPEN_REQUESTS open requests (every
kind, urgency and territory, a third offered to someone) and CLOSED_REQUESTS closed ones.
Timed: what /requests runs for its first page (bot/services/console.page and the unattended
count), PAGES times after 20 not counted, for the HQ (every territory) and for a territory
coordinator; and, not a target, the filters screen's counts and a filtered page.
Target: the first page's p95 < 50 ms. The query plans are kept in the results.
Run alone with ``BENCH_ONLY=console make bench``.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite

from bot.services import console, help_requests, volunteers
from bot.services.console import Filters
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import HelpRequest, RequestKind, RequestPush, Territory, migrate
from models.db import create_engine, create_sessionmaker

QUICK = os.environ.get("BENCH_QUICK") == "1"
OPEN_REQUESTS = 10_000
CLOSED_REQUESTS = 5_000 if QUICK else 40_000
PAGES = 50 if QUICK else 300
TARGET_P95_MS = 50.0
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _p(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _timed(run: Callable[[], Awaitable[Any]], times: int) -> list[float]:
    samples = []
    for n in range(times + 20):
        started = time.perf_counter()
        await run()
        if n >= 20:
            samples.append(time.perf_counter() - started)
    return samples


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'console.sqlite3'}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        sessions = create_sessionmaker(engine)
        rng = random.Random(19)
        kinds = [k.value for k in RequestKind]
        async with sessions() as session:
            await load_from_file(session, "kuzbass", NOW)
            territories = list((await session.scalars(select(Territory.id))).all())
            rows = []
            for n in range(OPEN_REQUESTS + CLOSED_REQUESTS):
                created = NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 365))
                is_open = n < OPEN_REQUESTS
                rows.append(
                    {
                        "kind": rng.choice(kinds), "for_other": True, "person_name": "Анна",
                        "territory_id": rng.choice(territories), "address": "ул. Ленина, 5",
                        "details": "Хлеб", "urgency": rng.choice(("today", "soon", "planned")),
                        "status": rng.choice(("new", "new", "taken", "on_way"))
                        if is_open
                        else rng.choice(("done", "done", "cancelled", "failed")),
                        "push_round": 0, "door_code": "1234", "consent_at": created,
                        "consent_version": "2026-11", "created_at": created,
                        "updated_at": created,
                        "due_at": created + timedelta(days=1) if n % 5 == 0 else None,
                    }
                )  # fmt: skip
            for start in range(0, len(rows), 5_000):
                await session.execute(insert(HelpRequest), rows[start : start + 5_000])
            # A third of the open ones were offered to someone (not unattended).
            await touch_user(session, Profile(1, "Пётр"), NOW, wrote_to_bot=True)
            volunteer = await volunteers.submit(
                session, 1,
                volunteers.Application(
                    name="Пётр Иванов", phone="+79030000000", territory_id=territories[0],
                    skills=("delivery",), age_group="18-34", availability=("weekends",),
                    dobro_id=None,
                ),
                NOW,
            )  # fmt: skip
            pushes = [
                {
                    "request_id": request_id, "volunteer_id": volunteer.id, "push_round": 0,
                    "user_id": 1, "declined": False, "created_at": NOW,
                }
                for request_id in range(1, OPEN_REQUESTS + 1, 3)
            ]  # fmt: skip
            await session.execute(insert(RequestPush), pushes)
            await session.commit()
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()

        captured: list[str] = []
        results: dict[str, Any] = {
            "open_requests": OPEN_REQUESTS,
            "closed_requests": CLOSED_REQUESTS,
            "pages": PAGES,
            "target_p95_ms": TARGET_P95_MS,
        }
        one_territory = frozenset({territories[0], territories[1]})
        async with sessions() as session:

            async def first_page(scope: frozenset[int] | None) -> None:
                await console.page(session, scope, Filters(), NOW, offset=0, limit=10)
                await help_requests.count_unattended(session, scope)

            hq = await _timed(lambda: first_page(None), PAGES)
            local = await _timed(lambda: first_page(one_territory), PAGES)
            counts = await _timed(lambda: console.counts(session, None, Filters(), NOW), 30)
            filtered = await _timed(
                lambda: console.page(
                    session,
                    None,
                    Filters(urgency="today", unattended=True),
                    NOW,
                    offset=0,
                    limit=10,
                ),
                PAGES,
            )

            real = session.scalars

            async def spy(statement: Any, *args: Any, **kwargs: Any) -> Any:
                captured.append(
                    str(
                        statement.compile(
                            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
                        )
                    )
                )
                return await real(statement, *args, **kwargs)

            session.scalars = spy  # type: ignore[method-assign]
            await console.page(session, None, Filters(), NOW, offset=0, limit=10)
        plans = []
        async with engine.connect() as conn:
            for sql in captured:
                found = await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                plans.append(" | ".join(str(row[-1]) for row in found.all()))
        await engine.dispose()
    results["first_page_hq"] = _p(hq)
    results["first_page_territory"] = _p(local)
    results["filters_counts"] = _p(counts)
    results["filtered_page"] = _p(filtered)
    results["page_plan"] = plans
    results["target_met"] = (
        max(results["first_page_hq"]["p95_ms"], results["first_page_territory"]["p95_ms"])
        < TARGET_P95_MS
    )
    return results
