"""``python -m bot``: run the bot (default), the sandbox, or the migrations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import SANDBOX_TOKEN, ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.runtime import run_main, settle_memory

if TYPE_CHECKING:
    from bot.app import App

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
    commands.add_parser(
        "webhook",
        help="serve Telegram webhooks (WEBHOOK_SECRET, WEBHOOK_URL; replicas behind a balancer)",
    )
    migrate = commands.add_parser("migrate", help="apply database migrations and exit")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    commands.add_parser(
        "demo-data",
        help="add demo territories, people, volunteers, requests and a campaign (idempotent)",
    )
    territories = commands.add_parser("territories", help="load the HQ's territories")
    territories.add_argument("action", choices=["load"], help="load: add or update from a file")
    territories.add_argument("file", help="kuzbass, kazakhstan, or the path of a CSV file")
    return parser


class StartupError(Exception):
    """Start-up cannot go on; the message says why in one line."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


async def _start_app(settings: Settings) -> App:
    """Open the database and reach Telegram, or fail with one clear line."""
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import create_app
    from bot.services.territories import TerritoryFileError

    try:
        app = await create_app(settings)
    except TerritoryFileError as exc:
        raise StartupError(
            f"TERRITORIES={settings.territories}: " + "; ".join(exc.errors)
        ) from None
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"cannot open the database (DATABASE_URL): {_first_line(exc)}") from None
    try:
        me = await app.bot.get_me()
    except TelegramUnauthorizedError:
        await app.close()
        raise StartupError("Telegram rejected BOT_TOKEN (Unauthorized)") from None
    except (TelegramAPIError, OSError, TimeoutError) as exc:
        await app.close()
        where = settings.telegram_api_url or "https://api.telegram.org"
        raise StartupError(f"cannot reach the Bot API at {where}: {_first_line(exc)}") from None
    logger.info("bot @%s started (database: %s)", me.username, app.engine.url.get_backend_name())
    settle_memory()
    return app


async def _run(settings: Settings) -> None:
    app = await _start_app(settings)
    await app.run_polling()


async def _run_webhook(settings: Settings) -> None:
    if not settings.webhook_secret:
        raise StartupError(
            "WEBHOOK_SECRET is required for webhook mode (16-256 of A-Z a-z 0-9 _ -)"
        )
    from bot import webhook

    app = await _start_app(settings)
    await webhook.run(app)


async def _migrate(settings: Settings, revision: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from models import migrate
    from models.db import create_engine

    engine = create_engine(settings.database_url, sqlite_thread=settings.sqlite_thread)
    try:
        await migrate.upgrade(engine, revision)
        print(f"database at revision {await migrate.current_revision(engine)}", flush=True)
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(
            f"cannot migrate the database (DATABASE_URL): {_first_line(exc)}"
        ) from None
    finally:
        await engine.dispose()


async def _load_territories(settings: Settings, name: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.clock import SystemClock
    from bot.services.territories import TerritoryFileError, load_from_file
    from models import migrate
    from models.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, sqlite_thread=settings.sqlite_thread)
    try:
        await migrate.upgrade_if_needed(engine)
        async with create_sessionmaker(engine)() as session:
            report = await load_from_file(session, name, SystemClock().now())
            await session.commit()
    except TerritoryFileError as exc:
        raise StartupError(f"{name}: nothing loaded:\n" + "\n".join(exc.errors)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"cannot load territories: {_first_line(exc)}") from None
    finally:
        await engine.dispose()
    print(report.summary(), flush=True)


async def _demo_data(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import demo_data
    from bot.clock import SystemClock
    from bot.services.territories import TerritoryFileError
    from models import migrate
    from models.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, sqlite_thread=settings.sqlite_thread)
    try:
        await migrate.upgrade_if_needed(engine)
        report = await demo_data.seed(
            create_sessionmaker(engine),
            now=SystemClock().now(),
            admin_ids=settings.admin_ids or [SANDBOX_ADMIN_ID],
            default_locale=settings.default_locale,
            territories_file=settings.territories,
        )
    except TerritoryFileError as exc:
        raise StartupError("; ".join(exc.errors)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"cannot write the demo data: {_first_line(exc)}") from None
    finally:
        await engine.dispose()
    print("\n".join(report) or "demo data: everything was there already", flush=True)


async def _sandbox(host: str | None, port: int | None) -> None:
    from sqlalchemy.engine import make_url

    from bot import sandbox_setup
    from bot.sandbox import Emulator

    settings = load_settings(
        bot_token=SANDBOX_TOKEN,
        telegram_api_url="http://placeholder",
        database_url=os.environ.get("DATABASE_URL", SANDBOX_DATABASE_URL),
    )
    if not settings.admin_ids:
        settings = settings.model_copy(update={"admin_ids": [SANDBOX_ADMIN_ID]})
    if not settings.territories:  # something to sign up for, out of the box
        settings = settings.model_copy(update={"territories": "kuzbass"})
    # People and chats are kept next to the database; the first start gets demo data.
    state_file = sandbox_setup.state_file_for(settings.database_url)
    emulator = Emulator(tokens=[SANDBOX_TOKEN], state_file=state_file)
    await emulator.start(
        host=host or settings.sandbox_host, port=port if port is not None else settings.sandbox_port
    )
    sandbox_setup.add_admins(emulator, settings.admin_ids, settings.default_locale)
    settings = settings.model_copy(update={"telegram_api_url": emulator.base_url})
    try:
        app = await _start_app(settings)
        for line in await sandbox_setup.prepare(emulator, app, demo=not emulator.restored):
            print(f"demo data: {line}", flush=True)
        database = make_url(settings.database_url).render_as_string(hide_password=True)
        print(f"Sandbox chat: {emulator.base_url}/", flush=True)
        print(
            f"Coordinators (ADMIN_IDS): {', '.join(map(str, settings.admin_ids))}; "
            f"database: {database}; people and chats: {state_file}",
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
            run_main(_sandbox(args.host, args.port))
            return 0
        if command == "territories":
            settings = load_settings(bot_token=os.environ.get("BOT_TOKEN") or SANDBOX_TOKEN)
            setup_logging(settings.log_level)
            asyncio.run(_load_territories(settings, args.file))
            return 0
        if command == "demo-data":
            settings = load_settings(
                bot_token=os.environ.get("BOT_TOKEN") or SANDBOX_TOKEN,
                database_url=os.environ.get("DATABASE_URL", SANDBOX_DATABASE_URL),
            )
            setup_logging(settings.log_level)
            asyncio.run(_demo_data(settings))
            return 0
        if command == "migrate":
            # Migrations need the database only, not a token.
            settings = load_settings(bot_token=os.environ.get("BOT_TOKEN") or SANDBOX_TOKEN)
            setup_logging(settings.log_level)
            asyncio.run(_migrate(settings, args.revision))
            return 0
        settings = load_settings()
        setup_logging(settings.log_level)
        run_main(_run_webhook(settings) if command == "webhook" else _run(settings))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        doing = {
            "territories": "Cannot load territories",
            "migrate": "Cannot migrate",
            "demo-data": "Cannot add demo data",
        }
        print(f"{doing.get(command, 'Cannot start')}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(cli())
