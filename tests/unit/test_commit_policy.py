"""One commit policy (bot/transactions.py): handlers never commit; a transaction held across
a Bot API call is caught by the guard on every Bot the app builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import text

from bot import transactions
from bot.app import build_bot
from bot.config import Settings
from bot.transactions import NoTransactionAcrossCallMiddleware, TransactionAcrossCallError
from models.db import create_engine, create_sessionmaker

ROOT = Path(__file__).resolve().parents[2]
COMMIT = re.compile(r"\.commit\(\)")


def test_no_handler_commits() -> None:
    offenders = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if COMMIT.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    # What must outlive the update's rollback goes through transactions.apart.
    assert offenders == [], offenders


async def _call(middleware: NoTransactionAcrossCallMiddleware) -> object:
    async def make_request(_bot: object, _method: object) -> str:
        return "sent"

    method = SendMessage(chat_id=1, text="x")
    result: object = await middleware(make_request, None, method)  # type: ignore[arg-type]
    return result


async def test_a_transaction_held_across_a_call_is_caught(sqlite_url: str) -> None:
    transactions.install()
    middleware = NoTransactionAcrossCallMiddleware()
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            with pytest.raises(TransactionAcrossCallError, match="SendMessage"):
                await _call(middleware)
            await session.commit()
            assert await _call(middleware) == "sent"
    finally:
        await engine.dispose()


def test_every_bot_the_app_builds_has_the_guard() -> None:
    settings = Settings(bot_token="123456:abc")
    for for_replies in (True, False):
        bot = build_bot(settings, for_replies=for_replies)
        kinds = [type(m) for m in bot.session.middleware._middlewares]
        assert NoTransactionAcrossCallMiddleware in kinds
