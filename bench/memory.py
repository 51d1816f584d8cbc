"""Memory benchmark (issue 15): the bot's idle RSS next to a bare aiogram bot's, same run.

Importing aiogram's types alone costs ~150 MB of RSS here, so an absolute figure says little;
what the bot adds to a bare aiogram bot is the target.

Each process runs alone against its own Bot API emulator (bot.sandbox.Emulator in this
process): started, awaited until it polls, then one person sends /start and gets the answer
(so the code paths of an update are loaded), then left idle for SETTLE seconds (the bot's
scheduler ticks every 0.5 s meanwhile, SCHEDULER_TICK_SECONDS=0.5, so its jobs have run),
then its RSS (psutil ``memory_info().rss``) is sampled SAMPLES times over a second: the
median is its idle RSS. Its peak RSS from start to the end of sampling is reported too.

- bare: bench/echo_bot.py, an aiogram Dispatcher with one message handler, polling (it
  imports aiogram and nothing of the bot's but ``bot.runtime.run_main``); measured first and
  again last, the mean of both counts.
- bot: ``python -m bot run`` exactly as in production (no benchmark code inside), on a
  SQLite file migrated beforehand, as a restarted bot finds it (the Kuzbass territories
  loaded at start).
- bot with 100,000 pending reminders: the same over a SQLite file holding 100,000 reminders
  due in 30 days (bench/reminders.py ``pending_reminders_db``).

Targets: bot - bare <= 40 MB; bot with 100,000 pending reminders - bare <= 60 MB.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.reminders import pending_reminders_db
from bot.sandbox import Emulator

TOKEN = "123456:sandbox-token"
ROOT = Path(__file__).resolve().parents[1]
PENDING = 100_000
SETTLE = 3.0
SAMPLES = 10
WAIT = 60.0
IDLE_TARGET_MB = 40.0
REMINDERS_TARGET_MB = 60.0
MB = 2**20


async def _idle_rss(module: str, workdir: Path, database_url: str | None) -> dict[str, Any]:
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        LOG_LEVEL="WARNING",
        SCHEDULER_TICK_SECONDS="0.5",
        TERRITORIES="kuzbass",
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    args = ["-m", module] if module != "bot" else ["-m", "bot", "run"]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    watched = psutil.Process(process.pid)
    peak = 0

    async def sample_peak() -> None:
        nonlocal peak
        while process.returncode is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.Error:
                return
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample_peak())
    try:
        deadline = time.monotonic() + WAIT
        while not any(c.method.lower() == "getupdates" for c in emulator.calls):
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{module} did not start")
            await asyncio.sleep(0.01)
        ready = time.perf_counter() - started
        person = emulator.user(600_001, first_name="Анна", language_code="ru")
        await person.send_text("/start")
        await person.wait_messages(1, timeout=WAIT)
        await asyncio.sleep(SETTLE)
        samples = []
        for _ in range(SAMPLES):
            samples.append(watched.memory_info().rss)
            await asyncio.sleep(1.0 / SAMPLES)
    finally:
        if process.returncode is None:
            process.terminate()
        _, stderr = await process.communicate()
        sampler.cancel()
        await emulator.stop()
    errors = [line for line in stderr.decode(errors="replace").splitlines() if "Error" in line]
    return {
        "idle_rss_mb": round(statistics.median(samples) / MB, 1),
        "peak_rss_mb": round(peak / MB, 1),
        "ready_s": round(ready, 2),
        **({"errors": errors[:5]} if errors else {}),
    }


async def run() -> dict[str, Any]:
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        bare_first = await _idle_rss("bench.echo_bot", workdir, None)
        fresh = workdir / "fresh"
        fresh.mkdir()
        bot = await _idle_rss("bot", fresh, await pending_reminders_db(fresh, 0))
        loaded = workdir / "reminders"
        loaded.mkdir()
        url = await pending_reminders_db(loaded, PENDING)
        with_reminders = await _idle_rss("bot", loaded, url)
        bare_last = await _idle_rss("bench.echo_bot", workdir, None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    bare = (bare_first["idle_rss_mb"] + bare_last["idle_rss_mb"]) / 2
    bare_peak = max(bare_first["peak_rss_mb"], bare_last["peak_rss_mb"])
    added = bot["idle_rss_mb"] - bare
    added_reminders = with_reminders["idle_rss_mb"] - bare
    return {
        "bare_aiogram_bot": {"first": bare_first, "last": bare_last, "idle_rss_mb": round(bare, 1)},
        "bot": bot,
        "bot_with_pending_reminders": {"pending_reminders": PENDING, **with_reminders},
        "bot_adds_mb": round(added, 1),
        "bot_adds_mb_target": IDLE_TARGET_MB,
        "bot_with_reminders_adds_mb": round(added_reminders, 1),
        "bot_with_reminders_adds_mb_target": REMINDERS_TARGET_MB,
        "peak_bot_with_reminders_adds_mb": round(with_reminders["peak_rss_mb"] - bare_peak, 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "meets_targets": added <= IDLE_TARGET_MB and added_reminders <= REMINDERS_TARGET_MB,
    }
