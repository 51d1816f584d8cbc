"""Transport-level behaviour: tokens, method names, body encodings, getMe."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNotFound, TelegramUnauthorizedError
from aiogram.methods import TelegramMethod

from bot.sandbox import Emulator

from .conftest import TOKEN, close_bot, make_bot


async def test_get_me_derives_id_from_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot is True
    assert me.username == "sandbox_bot"
    assert me.can_join_groups is True


async def test_configurable_names_and_several_tokens() -> None:
    emu = Emulator(tokens=[TOKEN, "777:other"], username="helper_bot", first_name="Helper")
    await emu.start()
    try:
        first, second = make_bot(emu), make_bot(emu, "777:other")
        me = await first.get_me()
        assert (me.username, me.first_name) == ("helper_bot", "Helper")
        assert (await second.get_me()).id == 777
        await close_bot(first)
        await close_bot(second)
    finally:
        await emu.stop()


async def test_wrong_token_is_unauthorized(emu: Emulator) -> None:
    stranger = make_bot(emu, "999:not-a-valid-token")
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await stranger.get_me()
    await close_bot(stranger)


class _NoSuchMethod(TelegramMethod[bool]):
    __returning__ = bool
    __api_method__ = "sendTelepathy"


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(_NoSuchMethod())


async def test_raw_http_shapes(emu: Emulator) -> None:
    base = f"{emu.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        # method names are case-insensitive; GET with a query works too
        async with http.get(f"{base}/GETME") as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["id"] == 123456
        async with http.post(f"{emu.base_url}/bot999:nope/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.post(f"{emu.base_url}/botgarbage/getMe") as resp:
            assert resp.status == 404


async def test_json_and_urlencoded_bodies(emu: Emulator) -> None:
    alice = emu.user(1001, first_name="Alice")
    await alice.send_text("/start")
    base = f"{emu.base_url}/bot{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/sendMessage", json={"chat_id": 1001, "text": "json", "reply_markup": markup}
        ) as resp:
            body = await resp.json()
            assert body["ok"] is True
            assert body["result"]["reply_markup"] == markup
        form = {"chat_id": "1001", "text": "form", "reply_markup": '{"inline_keyboard": []}'}
        async with http.post(f"{base}/sendMessage", data=form) as resp:
            body = await resp.json()
            assert body["result"]["text"] == "form"
        async with http.post(
            f"{base}/sendMessage", data={"chat_id": "1001", "text": "x", "reply_markup": "{nope"}
        ) as resp:
            assert resp.status == 400
            assert (await resp.json())["description"] == (
                "Bad Request: can't parse reply keyboard markup JSON object"
            )
    assert [m.text for m in alice.messages] == ["/start", "json", "form"]
