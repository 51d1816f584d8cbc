"""Logging: one line per event; aiogram's own per-update lines are turned down to avoid twins."""

from __future__ import annotations

import logging


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Its per-run lines every few seconds would drown the bot's own.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Database drivers log statements with their parameters at DEBUG: names, phones and
    # addresses of the people helped. Never, whatever LOG_LEVEL says.
    for name in ("aiosqlite", "sqlalchemy.engine", "asyncpg"):
        logging.getLogger(name).setLevel(logging.WARNING)
