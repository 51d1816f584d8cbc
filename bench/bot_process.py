"""``python -m bot`` for the benchmarks, with Telegram's global pace lifted.

The settings cap DELIVERY_RATE at Telegram's 30 messages/s; the flow benchmark does not want
to measure that sleep (nor the per-chat one: DELIVERY_PRIVATE_INTERVAL=0 does that). This
reads the settings exactly as ``python -m bot`` does, then sets ``delivery_rate`` to
BENCH_DELIVERY_RATE (when given) after validation, and runs the bot's own application.
BENCH_PROFILE=<file>: run under cProfile and write its stats there on exit (SIGTERM).
"""

from __future__ import annotations

import cProfile
import os

from bot.app import create_app
from bot.config import load_settings
from bot.logs import setup_logging
from bot.runtime import run_main


async def main() -> None:
    settings = load_settings()
    rate = os.environ.get("BENCH_DELIVERY_RATE")
    if rate:
        settings = settings.model_copy(update={"delivery_rate": float(rate)})
    setup_logging(settings.log_level)
    app = await create_app(settings)
    await app.bot.get_me()
    await app.run_polling()


if __name__ == "__main__":
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:
        with cProfile.Profile() as profiler:
            run_main(main())
        profiler.dump_stats(profile_to)
    else:
        run_main(main())
