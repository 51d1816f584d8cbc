"""Bot API calls go as one JSON body (bot.telegram.TolerantSession); uploads as multipart."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import BanChatMember, SendDocument, SendMessage
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.telegram import SentMessage, TolerantSession, shared_markup

TOKEN = "42:json-token"
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": 10, "type": "private"}, "text": "Сәлем"}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []  # method, content type, body

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.requests.append((method, request.content_type, await request.read()))
        result: Any = MESSAGE if method.lower() != "banchatmember" else True
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Recorder, Bot]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", recorder.handle)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    api = TelegramAPIServer.from_base(str(test_server.make_url("")).rstrip("/"))
    bot = Bot(
        TOKEN,
        session=TolerantSession(api=api),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    try:
        yield recorder, bot
    finally:
        await bot.session.close()
        await test_server.close()


async def test_a_message_with_a_keyboard_is_one_json_body(server: tuple[Recorder, Bot]) -> None:
    recorder, bot = server
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Взять", callback_data="take:1")]]
    )
    sent = await bot(SendMessage(chat_id=10, text="Задача № 1", reply_markup=markup))
    assert sent.message_id == 7 and sent.text == "Сәлем"  # the answer parsed as before
    [(method, content_type, body)] = recorder.requests
    assert (method, content_type) == ("sendMessage", "application/json")
    assert "Задача".encode() in body  # UTF-8, not escaped
    assert json.loads(body) == {
        "chat_id": 10,
        "text": "Задача № 1",
        "parse_mode": "HTML",  # the bot's default, resolved
        "reply_markup": {"inline_keyboard": [[{"text": "Взять", "callback_data": "take:1"}]]},
    }


async def test_values_are_those_the_form_would_carry(server: tuple[Recorder, Bot]) -> None:
    """Falsy values other than None and "" are sent (a form sent them as "false", "0");
    dates go as Unix timestamps."""
    recorder, bot = server
    until = datetime(2026, 12, 1, tzinfo=UTC)
    await bot(BanChatMember(chat_id=10, user_id=0, until_date=until, revoke_messages=False))
    await bot(SendMessage(chat_id=10, text="x", disable_notification=False, parse_mode=None))
    ban, message = (json.loads(body) for _, _, body in recorder.requests)
    assert ban == {
        "chat_id": 10,
        "user_id": 0,
        "until_date": str(int(until.timestamp())),
        "revoke_messages": False,
    }
    assert message == {"chat_id": 10, "text": "x", "disable_notification": False}


async def test_an_upload_goes_as_multipart(server: tuple[Recorder, Bot]) -> None:
    recorder, bot = server
    document = BufferedInputFile("Имя;Телефон\n".encode(), filename="export.csv")
    await bot(SendDocument(chat_id=10, document=document, caption="Выгрузка"))
    [(method, content_type, body)] = recorder.requests
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert b'filename="export.csv"' in body and "Выгрузка".encode() in body


async def test_a_network_error_is_aiograms_own() -> None:
    api = TelegramAPIServer.from_base("http://127.0.0.1:9")  # nothing listens there
    bot = Bot(TOKEN, session=TolerantSession(api=api))
    try:
        with pytest.raises(TelegramNetworkError):
            await bot(SendMessage(chat_id=10, text="x"))
    finally:
        await bot.session.close()


async def test_a_lone_surrogate_goes_escaped_as_aiogram_sends_it(
    server: tuple[Recorder, Bot],
) -> None:
    """Never raised here: Telegram answers what it thinks of it."""
    recorder, bot = server
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Да \udc80", callback_data="y")]]
    )
    await bot(SendMessage(chat_id=10, text="Вопрос", reply_markup=markup))
    [(_, _, body)] = recorder.requests
    assert b"\\udc80" in body and "Вопрос".encode() in body
    button = json.loads(body)["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Да \udc80"


async def test_the_delivery_session_keeps_only_what_it_reads_of_a_sent_message(
    server: tuple[Recorder, Bot],
) -> None:
    _, bot = server
    lean = Bot(TOKEN, session=TolerantSession(api=bot.session.api, lean_messages=True))
    try:
        sent = await lean(SendMessage(chat_id=10, text="x"))
        assert sent == SentMessage(7)  # type: ignore[comparison-overlap]
        # An answer that is no message is checked as aiogram checks it.
        assert await lean(BanChatMember(chat_id=10, user_id=1)) is True
    finally:
        await lean.session.close()


async def test_the_delivery_session_still_raises_telegrams_errors() -> None:
    async def refuse(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        return web.json_response(body, status=400)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", refuse)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    api = TelegramAPIServer.from_base(str(test_server.make_url("")).rstrip("/"))
    lean = Bot(TOKEN, session=TolerantSession(api=api, lean_messages=True))
    try:
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await lean(SendMessage(chat_id=10, text="x"))
    finally:
        await lean.session.close()
        await test_server.close()


async def test_a_shared_keyboard_goes_as_any_other_prepared_once(
    server: tuple[Recorder, Bot], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, bot = server

    def menu() -> ReplyKeyboardMarkup:
        rows = [[KeyboardButton(text="🆘 Попросить о помощи")], [KeyboardButton(text="🌐 Тіл")]]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)

    shared = shared_markup(menu())
    await bot(SendMessage(chat_id=10, text="Меню", reply_markup=menu()))  # not shared
    prepared: list[Any] = []
    prepare = TolerantSession.prepare_value

    def counted(self: TolerantSession, value: Any, *args: Any, **kwargs: Any) -> Any:
        if value is shared:
            prepared.append(value)
        return prepare(self, value, *args, **kwargs)

    monkeypatch.setattr(TolerantSession, "prepare_value", counted)
    for _ in range(3):
        await bot(SendMessage(chat_id=10, text="Меню", reply_markup=shared))
    bodies = [json.loads(body) for _, _, body in recorder.requests]
    assert bodies[1:] == [bodies[0]] * 3
    assert bodies[0]["reply_markup"]["keyboard"][1] == [{"text": "🌐 Тіл"}]
    assert len(prepared) == 1
