"""Runs every benchmark and writes bench/results.json.

Targets are compared as figures measured in the same run, never asserted in unit tests.
Features add their benchmarks to BENCHMARKS as they land.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    broadcast,
    campaigns,
    escalation,
    exports,
    memory,
    region,
    reminders,
    replicas,
    requests,
    tips,
)
from bench import console as request_console

Benchmark = Callable[[], Awaitable[dict[str, Any]]]

BENCHMARKS: dict[str, Benchmark] = {
    "scheduler_reminders": reminders.run,
    "help_requests": requests.run,
    "bot_memory": memory.run,
    "region": region.run,
    "campaigns": campaigns.run,
    "tips": tips.run,
    "broadcast": broadcast.run,
    "escalation": escalation.run,
    "console": request_console.run,
    "replicas": replicas.run,
    "exports": exports.run,
}

RESULTS = Path(__file__).with_name("results.json")
# BENCH_ONLY=name[,name]: run only those; the others keep their figures in results.json.
ONLY = frozenset(name for name in os.environ.get("BENCH_ONLY", "").split(",") if name)


async def _run_all() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, benchmark in BENCHMARKS.items():
        if ONLY and name not in ONLY:
            continue
        print(f"running {name} ...", flush=True)
        results[name] = await benchmark()
    return results


def main() -> int:
    results = asyncio.run(_run_all())
    if ONLY and RESULTS.exists():
        results = {**json.loads(RESULTS.read_text(encoding="utf-8"))["benchmarks"], **results}
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "benchmarks": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not results:
        print("no benchmarks exist yet; wrote an empty report to", RESULTS)
    else:
        print("wrote", RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
