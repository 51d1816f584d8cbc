"""The help-request flow through 1 and then 2 webhook replicas on PostgreSQL and Redis, in
the same run (issue 22; ``BENCH_ONLY=replicas``).

The real bot (``python -m bot webhook``, each replica its own process) behind the small
balancer (bot/sandbox/balancer.py), the emulator posting the updates. ``LANES`` citizens at a
time each go through the whole flow (the form, a push to the team, take, done) so the
replicas have work in parallel. Reported per setup: flows and updates per second, the p50/p95
of the time from sending an update to its answer (what a person waits), each replica's CPU
seconds and share of the updates, and the emulator-and-driver process's own CPU. The
machine's cores are reported too: with fewer cores than processes the throughput ratio says
how the cores were shared, not whether the replicas serialise; the CPU accounting says that
(each replica busy; PostgreSQL lock waits sampled during the 2-replica run).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.requests import (
    TOKEN,
    Driver,
    _add_volunteers,
    _bot_env,
    _one_flow,
    _pg_server_url,
    _prepare,
    _start_people,
    _territory_id,
)
from bot.cluster import spawn
from bot.sandbox import Emulator
from bot.sandbox.balancer import Balancer

LANES = int(os.environ.get("BENCH_REPLICA_LANES", "6"))  # citizens in flight at once
FLOWS_PER_LANE = int(os.environ.get("BENCH_REPLICA_FLOWS", "4"))
TEAM = 10
TEAM_BASE, CITIZEN_BASE = 620_000, 630_000
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return round(ordered[index] * 1000, 1)


async def _reset_pg(url: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def _lock_waits(url: str, stop: asyncio.Event, samples: list[int]) -> None:
    """Sessions waiting on a lock, sampled every 50 ms while the load runs."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            while not stop.is_set():
                waiting = await connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                )
                samples.append(int(waiting or 0))
                await connection.commit()
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def _setup(replicas: int, workdir: Path) -> dict[str, Any]:
    url = _pg_server_url()
    await _reset_pg(url)
    engine, sessions = await _prepare(url, datetime.now(UTC))
    async with sessions() as session:
        territory = await _territory_id(session, "yurga")
        await _add_volunteers(
            session, range(TEAM_BASE, TEAM_BASE + TEAM), territory, datetime.now(UTC)
        )
        await session.commit()
    await engine.dispose()
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    ports = [19_200 + n for n in range(replicas)]
    balancer = Balancer([f"http://127.0.0.1:{p}" for p in ports], health_interval=0.5)
    balancer_url = await balancer.start()
    secret = secrets.token_urlsafe(24)
    processes = []
    for n, port in enumerate(ports):
        env = _bot_env(emulator, url)
        env.update(
            REDIS_URL=REDIS_URL, WEBHOOK_URL=balancer_url, WEBHOOK_SECRET=secret,
            WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port), THROTTLE_BURST="off",
            QUIET_HOURS="off",
        )  # fmt: skip
        processes.append(await spawn(["webhook"], env, workdir / f"replica-{replicas}-{n}.log"))
    deadline = time.monotonic() + 120
    while len(balancer.ready) < replicas or emulator.bots[TOKEN].webhook is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the replicas did not become ready")
        await asyncio.sleep(0.1)
    return {
        "url": url,
        "emulator": emulator,
        "balancer": balancer,
        "processes": processes,
    }


async def _measure(replicas: int, workdir: Path) -> dict[str, Any]:
    setup = await _setup(replicas, workdir)
    emulator: Emulator = setup["emulator"]
    balancer: Balancer = setup["balancer"]
    processes = setup["processes"]
    try:
        team = await _start_people(emulator, range(TEAM_BASE, TEAM_BASE + TEAM), "Вол")
        citizens = await _start_people(
            emulator, range(CITIZEN_BASE, CITIZEN_BASE + LANES * FLOWS_PER_LANE), "Мария"
        )
        # Their language chosen: the prompt's buttons leave the chat (the flow reads the
        # newest message's buttons).
        for person in [*team, *citizens]:
            await person.press("Русский")
        await emulator.wait_idle(quiet=0.5, timeout=60)
        for person in [*team, *citizens]:
            person.mark_read()
        # A warm-up flow: connections, caches, the first import of every module.
        warm = Driver()
        await _one_flow(warm, citizens[-1], team, team[0])
        cpu_before = [psutil.Process(p.pid).cpu_times() for p in processes]
        me_before = psutil.Process().cpu_times()
        counts_before = dict(balancer.counts)
        stop, waits = asyncio.Event(), list[int]()
        sampler = asyncio.create_task(_lock_waits(setup["url"], stop, waits))
        drivers = [Driver() for _ in range(LANES)]
        lanes = [citizens[lane::LANES][:FLOWS_PER_LANE] for lane in range(LANES)]

        async def lane(n: int) -> None:
            for k, citizen in enumerate(lanes[n]):
                if citizen is citizens[-1]:
                    continue
                taker = team[(n + k * LANES) % TEAM]
                await _one_flow(drivers[n], citizen, team, taker)

        started = time.perf_counter()
        await asyncio.gather(*(lane(n) for n in range(LANES)))
        seconds = time.perf_counter() - started
        stop.set()
        await sampler
        cpu = [
            round(
                (a.user + a.system) - (b.user + b.system), 2
            )
            for a, b in zip(
                [psutil.Process(p.pid).cpu_times() for p in processes], cpu_before, strict=True
            )
        ]  # fmt: skip
        me_after = psutil.Process().cpu_times()
        steps = [s for d in drivers for s in d.steps]
        flows = sum(len(lane_) for lane_ in lanes) - 1
        served = {u: balancer.counts[u] - counts_before.get(u, 0) for u in balancer.counts}
        return {
            "replicas": replicas,
            "flows": flows,
            "updates": len(steps),
            "seconds": round(seconds, 2),
            "flows_per_second": round(flows / seconds, 3),
            "updates_per_second": round(len(steps) / seconds, 1),
            "answer_ms_p50": _percentile([s.seconds for s in steps], 0.5),
            "answer_ms_p95": _percentile([s.seconds for s in steps], 0.95),
            "replica_cpu_seconds": cpu,
            "replica_cpu_share_of_wall": [round(c / seconds, 2) for c in cpu],
            "updates_per_replica": list(served.values()),
            "emulator_and_driver_cpu_seconds": round(
                (me_after.user + me_after.system) - (me_before.user + me_before.system), 2
            ),
            "pg_lock_waiting_sessions_max": max(waits, default=0),
            "pg_lock_waiting_samples_nonzero": sum(1 for w in waits if w),
            "pg_lock_samples": len(waits),
        }
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), 60)
        await balancer.stop()
        await emulator.stop()


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
        workdir = Path(folder)
        one = await _measure(1, workdir)
        two = await _measure(2, workdir)
    cores = os.cpu_count() or 1
    return {
        "cores": cores,
        "processes_under_load": "emulator+driver, balancer (one process) and the replicas",
        "one_replica": one,
        "two_replicas": two,
        "throughput_ratio": round(two["flows_per_second"] / one["flows_per_second"], 2),
        "target_ratio": 1.7,
        "target_applies": cores >= 4,
        "note": (
            "with fewer than 4 cores the replicas, PostgreSQL, Redis and the emulator share "
            "the same cores: read the CPU accounting (each replica's share of the wall, lock "
            "waits) rather than the ratio"
        ),
    }
