"""Webhook delivery: secret header, ordering, retries, conflicts and replies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from bot.sandbox import Emulator


@dataclass
class Receiver:
    url: str = ""
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    reply: dict[str, Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    hits: int = 0
    event: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def handle(request: web.Request) -> web.Response:
        state.hits += 1
        status = state.statuses.pop(0) if state.statuses else 200
        if status != 200:
            return web.Response(status=status, text="nope")
        state.received.append(await request.json())
        state.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        state.event.set()
        if state.reply is not None:
            return web.json_response(state.reply)
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


async def wait_for(predicate: Any, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


async def test_delivery_with_secret_and_conflict(
    emu: Emulator, bot: Bot, receiver: Receiver
) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send_text("queued before the webhook")
    assert await bot.set_webhook(receiver.url, secret_token="s3cr3t_-") is True
    await alice.send_text("/start")
    await wait_for(lambda: len(receiver.received) == 2)
    texts = [u["message"]["text"] for u in receiver.received]
    assert texts == ["queued before the webhook", "/start"]
    assert receiver.secrets == ["s3cr3t_-", "s3cr3t_-"]
    with pytest.raises(TelegramConflictError) as caught:
        await bot.get_updates()
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == []


async def test_retry_on_errors(emu: Emulator, bot: Bot, receiver: Receiver) -> None:
    receiver.statuses = [500, 502]
    alice = emu.user(1001, first_name="Alice")
    await bot.set_webhook(receiver.url)
    await alice.send_text("eventually")
    await wait_for(lambda: len(receiver.received) == 1)
    assert receiver.hits == 3
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    assert info.last_error_date is not None


async def test_webhook_reply_runs_a_method(emu: Emulator, bot: Bot, receiver: Receiver) -> None:
    alice = emu.user(1001, first_name="Alice")
    receiver.reply = {"method": "sendMessage", "chat_id": 1001, "text": "from the reply"}
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    await alice.send_text("/start")
    (message,) = await alice.wait_messages(1, timeout=2)
    assert message.text == "from the reply"


async def test_drop_pending_and_bad_urls(emu: Emulator, bot: Bot, receiver: Receiver) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send_text("old")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramBadRequest, match="bad webhook"):
        await bot.set_webhook("ftp://example.org/hook")
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook(receiver.url, secret_token="no spaces")
    emu.settings.strict_webhook_urls = True
    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook(receiver.url)


async def test_webhook_payload_is_plain_update_json(
    emu: Emulator, bot: Bot, receiver: Receiver
) -> None:
    alice = emu.user(1001, first_name="Alice", language_code="ru")
    await bot.set_webhook(receiver.url)
    await alice.send_text("hi")
    await wait_for(lambda: bool(receiver.received))
    update = receiver.received[0]
    assert set(update) == {"update_id", "message"}
    assert update["message"]["from"]["language_code"] == "ru"
    json.dumps(update)  # serialisable as-is
