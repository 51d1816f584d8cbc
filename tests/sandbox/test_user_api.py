"""The HTTP people's API, the chat page and the CLI."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.sandbox import Emulator

from .conftest import drain


async def call(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    async with http.request(method, url, **kwargs) as resp:
        body = await resp.json()
        assert resp.status == 200, body
        assert body["ok"] is True
        return body["result"]


async def test_people_and_conversation_over_http(emu: Emulator, bot: Bot) -> None:
    api = f"{emu.base_url}/sandbox/api"
    async with aiohttp.ClientSession() as http:
        person = await call(
            http, "POST", f"{api}/people",
            json={"id": 1001, "first_name": "Алия", "language_code": "kk"},
        )  # fmt: skip
        assert person["id"] == 1001 and person["started"] is False
        auto = await call(http, "POST", f"{api}/people", json={"first_name": "Auto"})
        assert auto["id"] == 1002 and auto["language_code"] == "ru"
        people = await call(http, "GET", f"{api}/people")
        assert [p["id"] for p in people] == [1001, 1002]

        await call(http, "POST", f"{api}/people/1001/text", json={"text": "/start"})
        (update,) = await drain(bot)
        assert update.message is not None and update.message.text == "/start"

        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]]
        )
        await bot.send_message(1001, "<b>Вопрос</b>", parse_mode="HTML", reply_markup=keyboard)
        await bot.send_message(
            1001,
            "menu",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Контакт", request_contact=True)]]
            ),
        )
        conv = await call(http, "GET", f"{api}/people/1001/conversation")
        assert [m["text"] for m in conv["messages"]] == ["/start", "Вопрос", "menu"]
        assert conv["messages"][1]["entities"][0]["type"] == "bold"
        assert conv["messages"][1]["inline_keyboard"][0][0]["text"] == "Да"
        assert conv["reply_keyboard"]["rows"][0][0]["request_contact"] is True

        # long poll returns when something changes
        version = conv["version"]
        waiter = asyncio.create_task(
            call(http, "GET", f"{api}/people/1001/conversation?since={version}&wait=5")
        )
        await asyncio.sleep(0.05)
        await bot.edit_message_text(text="Вопрос?", chat_id=1001, message_id=2)
        changed = await asyncio.wait_for(waiter, 2)
        assert changed["messages"][1]["text"] == "Вопрос?" and changed["messages"][1]["edited"]

        press = asyncio.create_task(
            call(http, "POST", f"{api}/people/1001/press", json={"data": "yes", "timeout": 2})
        )
        await asyncio.sleep(0.05)
        (cb,) = await drain(bot)
        assert cb.callback_query is not None
        await bot.answer_callback_query(cb.callback_query.id, text="Принято")
        assert (await press)["answer"]["text"] == "Принято"

        await call(http, "POST", f"{api}/people/1001/tap", json={"label": "Контакт"})
        await call(http, "POST", f"{api}/people/1001/contact", json={"own": False, "phone": "+7"})
        await call(
            http, "POST", f"{api}/people/1001/location", json={"latitude": 1.5, "longitude": 2.5}
        )
        form = aiohttp.FormData()
        form.add_field("file", b"hello file", filename="note.txt", content_type="text/plain")
        form.add_field("caption", "see")
        await call(http, "POST", f"{api}/people/1001/document", data=form)
        tapped, other, located, document = await drain(bot)
        assert tapped.message is not None and tapped.message.contact is not None
        assert other.message is not None and other.message.contact is not None
        assert located.message is not None and located.message.location is not None
        assert document.message is not None and document.message.document is not None
        assert document.message.caption == "see"

        sent = await bot.send_document(1001, document.message.document.file_id)
        assert sent.document is not None
        async with http.get(f"{api}/files/{sent.document.file_id}") as resp:
            assert await resp.read() == b"hello file"

        await call(http, "POST", f"{api}/people/1001/block")
        blocked = await drain(bot)
        assert blocked[0].my_chat_member is not None
        person = (await call(http, "GET", f"{api}/people/1001"))["person"]
        assert person["blocked"] is True
        await call(http, "POST", f"{api}/people/1001/unblock")

        calls = await call(http, "GET", f"{api}/calls?method=sendMessage")
        assert [c["params"]["text"] for c in calls][:1] == ["<b>Вопрос</b>"]

        async with http.post(f"{api}/people/999/text", json={"text": "x"}) as resp:
            assert resp.status == 404


async def test_switches_over_http(emu: Emulator, bot: Bot) -> None:
    api = f"{emu.base_url}/sandbox/api"
    alice = emu.user(1001, first_name="A")
    await alice.send_text("/start")
    async with aiohttp.ClientSession() as http:
        settings = await call(http, "GET", f"{api}/settings")
        assert settings["limits"]["enabled"] is False and settings["faults"]["enabled"] is False
        await call(
            http, "POST", f"{api}/settings", json={"limits": {"enabled": True, "private_burst": 1}}
        )
        assert emu.limits.enabled and emu.limits.config.private_burst == 1
        await call(http, "POST", f"{api}/settings", json={"limits": {"enabled": False}})
        await call(
            http,
            "POST",
            f"{api}/settings",
            json={"faults": {"enabled": True, "p_5xx": 0.5, "methods": ["sendMessage"]}},
        )
        assert emu.faults.enabled and emu.faults.config.methods == frozenset({"sendmessage"})
        await call(http, "POST", f"{api}/settings", json={"faults": {"enabled": False}})
        rule = await call(
            http,
            "POST",
            f"{api}/faults/fail_next",
            json={"method": "sendMessage", "count": 1, "code": 503},
        )
        assert rule["code"] == 503
    from aiogram.exceptions import TelegramServerError

    try:
        await bot.send_message(1001, "x")
        raise AssertionError("the injected 503 did not happen")
    except TelegramServerError as exc:
        assert exc.message == "Service Unavailable"


async def test_page_and_assets_are_served(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
        assert "/static/app.js" in page and "/static/style.css" in page
        for name, ctype in (("app.js", "application/javascript"), ("style.css", "text/css")):
            async with http.get(f"{emu.base_url}/static/{name}") as resp:
                assert resp.status == 200 and resp.content_type == ctype
                assert len(await resp.read()) > 500
        async with http.get(f"{emu.base_url}/static/secret.py") as resp:
            assert resp.status == 404
        info = await call(http, "GET", f"{emu.base_url}/sandbox/api/info")
        assert info["bots"][0]["username"] == "sandbox_bot"


async def test_cli_prints_address_and_serves() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sandbox", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert line.startswith("Sandbox chat: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        await proc.wait()
