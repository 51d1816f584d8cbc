"""``python -m bot``: run the bot (default), the sandbox, or the migrations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from bot.config import SANDBOX_TOKEN, ConfigError, Settings, load_settings
from bot.logs import setup_logging

logger = logging.getLogger("bot")

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///sandbox.sqlite3"
SANDBOX_ADMIN_ID = 1000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Telegram bot of a volunteer mutual-aid headquarters (ru/kk).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot against Telegram (the default)")
    sandbox = commands.add_parser(
        "sandbox", help="run the bot against the built-in Telegram emulator with a web chat"
    )
    sandbox.add_argument("--host", default=None, help="address of the chat page (SANDBOX_HOST)")
    sandbox.add_argument(
        "--port", type=int, default=None, help="port of the chat page (SANDBOX_PORT)"
    )
    migrate = commands.add_parser("migrate", help="apply database migrations and exit")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    return parser


async def _run(settings: Settings) -> None:
    from bot.app import create_app

    app = await create_app(settings)
    me = await app.bot.get_me()
    logger.info("bot @%s started (database: %s)", me.username, app.engine.url.get_backend_name())
    await app.run_polling()


async def _migrate(settings: Settings, revision: str) -> None:
    from models import migrate
    from models.db import create_engine

    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine, revision)
        logger.info("database at revision %s", await migrate.current_revision(engine))
    finally:
        await engine.dispose()


async def _sandbox(host: str | None, port: int | None) -> None:
    from bot.app import create_app
    from bot.sandbox import Emulator

    os.environ.setdefault("ADMIN_IDS", str(SANDBOX_ADMIN_ID))
    settings = load_settings(
        bot_token=SANDBOX_TOKEN,
        telegram_api_url="http://placeholder",
        database_url=os.environ.get("DATABASE_URL", SANDBOX_DATABASE_URL),
    )
    emulator = Emulator(tokens=[SANDBOX_TOKEN])
    await emulator.start(
        host=host or settings.sandbox_host, port=port if port is not None else settings.sandbox_port
    )
    settings = settings.model_copy(update={"telegram_api_url": emulator.base_url})
    try:
        app = await create_app(settings)
        print(f"Sandbox chat: {emulator.base_url}/", flush=True)
        print(
            f"Coordinators (ADMIN_IDS): {', '.join(map(str, settings.admin_ids))}; "
            f"database: {settings.database_url}",
            flush=True,
        )
        await app.run_polling()
    finally:
        await emulator.stop()


def cli(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "sandbox":
            setup_logging(os.environ.get("LOG_LEVEL", "INFO"))
            asyncio.run(_sandbox(args.host, args.port))
            return 0
        settings = load_settings()
        setup_logging(settings.log_level)
        if command == "migrate":
            asyncio.run(_migrate(settings, args.revision))
        else:
            asyncio.run(_run(settings))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(cli())
