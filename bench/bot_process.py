"""``python -m bot`` for the benchmarks: Telegram's global pace lifted, counters inside.

The settings cap DELIVERY_RATE at Telegram's 30 messages/s; the flow benchmark does not want
to measure that sleep (nor the per-chat one: DELIVERY_PRIVATE_INTERVAL=0 does that). This
reads the settings exactly as ``python -m bot`` does, then sets ``delivery_rate`` to
BENCH_DELIVERY_RATE (when given) after validation, and runs the bot's own application
through ``bot.runtime.run_main``, as ``python -m bot`` does.

Counters (bench/instrument.py: SQL statements, sessions, commits, rollbacks, round trips,
the outbox worker's CPU, each Bot API call tagged with the update it serves) are installed
from outside, before the application is built, when BENCH_STATS names a file; the bot's
code is not changed. On SIGUSR1 the process writes ``instrument.snapshot()`` as JSON to
BENCH_STATS (atomically, with a sequence number), so the driver takes deltas between rounds.
Without BENCH_STATS, or with BENCH_INSTRUMENT=0, nothing is installed (the take-latency
benchmark's process; what the counting costs, measured against it).
BENCH_PROFILE=<file>: run under cProfile and write its stats there on exit (SIGTERM).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import signal
from pathlib import Path

from bot.app import create_app
from bot.config import load_settings
from bot.logs import setup_logging
from bot.runtime import run_main, settle_memory

INSTRUMENT = bool(os.environ.get("BENCH_STATS")) and os.environ.get("BENCH_INSTRUMENT") != "0"
if INSTRUMENT:
    from bench import instrument

    instrument.install()


def _dump_stats(path: Path, sequence: list[int]) -> None:
    sequence[0] += 1
    data = {"seq": sequence[0], **instrument.snapshot()}
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(data), encoding="utf-8")
    os.replace(scratch, path)


async def main() -> None:
    settings = load_settings()
    rate = os.environ.get("BENCH_DELIVERY_RATE")
    if rate:
        settings = settings.model_copy(update={"delivery_rate": float(rate)})
    setup_logging(settings.log_level)
    app = await create_app(settings)
    if INSTRUMENT:
        instrument.tag_origin(app.dispatcher)
        instrument.tag_api_calls(app.bot.session, app.delivery.bot.session)
        stats = Path(os.environ["BENCH_STATS"])
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, _dump_stats, stats, [0])
    await app.bot.get_me()
    settle_memory()  # as python -m bot does once started
    await app.run_polling()


if __name__ == "__main__":
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:
        with cProfile.Profile() as profiler:
            run_main(main())
        profiler.dump_stats(profile_to)
    else:
        run_main(main())
