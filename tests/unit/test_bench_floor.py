"""The replay floor's pure parts: the script from a tagged call log, and how it is replayed."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message

from bench.floor_bot import Floor, build_script, replay_params
from bench.instrument import Metered

BOT = 123456


@dataclass
class FakeCall:
    method: str
    params: dict[str, Any]
    result: Any = None
    bot_id: int = BOT


def test_the_script_groups_tagged_calls_by_update_in_order() -> None:
    markup = '{"inline_keyboard": [[{"text": "Взять", "callback_data": "t:1:take"}]]}'
    calls = [
        FakeCall("getUpdates", {}),
        FakeCall("sendMessage", {"chat_id": "5", "text": "a", "bench": "u11"}, {"message_id": 7}),
        FakeCall(
            "sendMessage",
            {"chat_id": "6", "text": "push", "reply_markup": markup, "bench": "o11"},
            {"message_id": 3},
        ),
        FakeCall("answerCallbackQuery", {"callback_query_id": "q", "bench": "u11"}, True),
        FakeCall("sendMessage", {"chat_id": "5", "text": "b", "bench": "u12"}),
        FakeCall("setMyCommands", {"commands": "[]"}),  # start-up: no update
        FakeCall("sendMessage", {"chat_id": "5", "text": "old", "bench": "u3"}),
        FakeCall("sendPhoto", {"chat_id": "5", "photo": "<file a.jpg 3 bytes>", "bench": "u12"}),
        FakeCall("sendMessage", {"chat_id": "5", "text": "x", "bench": "u11"}, bot_id=1),
    ]
    script, stats = build_script(calls, BOT, [11, 12])
    first, second = script["updates"]
    assert [c["method"] for c in first["handler"]] == ["sendMessage", "answerCallbackQuery"]
    assert first["handler"][0]["params"] == {"chat_id": 5, "text": "a"}
    assert first["handler"][0]["result_id"] == 7
    [push] = first["outbox"]
    assert push["after"] == 1  # the worker started it after the handler's first call
    assert push["params"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Взять"
    assert [c["params"]["text"] for c in second["handler"]] == ["b"]
    assert (stats.handler_calls, stats.outbox_calls) == (3, 1)
    assert (stats.untagged, stats.other_updates, stats.uploads_skipped) == (1, 1, 1)


def test_replay_params_keep_text_that_looks_like_json() -> None:
    assert replay_params({"text": "[1]", "chat_id": "-100"}) == {"text": "[1]", "chat_id": -100}


class FakeBot:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.next_id = 100

    async def __call__(self, method: Any) -> Any:
        await asyncio.sleep(0)
        fields = method.model_dump(exclude_none=True)
        self.calls.append((method.__api_method__, fields))
        if method.__api_method__ == "sendMessage":
            self.next_id += 1
            chat = Chat(id=fields["chat_id"], type="private")
            return Message(message_id=self.next_id, date=datetime.now(UTC), chat=chat)
        return True


@dataclass
class Item:
    method: str
    params: dict[str, Any]
    after: int = 0
    result_id: int | None = None
    data: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.data = {
            "method": self.method,
            "params": self.params,
            "after": self.after,
            "result_id": self.result_id,
        }


async def test_edits_and_answers_aim_at_the_floors_own_messages() -> None:
    floor = Floor(concurrency=2)
    bot = FakeBot()
    first = {
        "handler": [Item("sendMessage", {"chat_id": 5, "text": "push"}, result_id=40).data],
        "outbox": [],
    }
    await floor.replay(bot, first, None, None)
    second = {
        "handler": [
            Item("editMessageText", {"chat_id": 5, "message_id": 40, "text": "taken"}).data,
            Item("editMessageText", {"chat_id": 5, "message_id": 99, "text": "?"}).data,
            Item("answerCallbackQuery", {"callback_query_id": "real", "text": "ok"}).data,
        ],
        "outbox": [Item("sendMessage", {"chat_id": 6, "text": "notice"}, after=1).data],
    }
    await floor.replay(bot, second, "ours", (5, 77))
    await asyncio.gather(*floor.tasks)
    sent = [(name, fields.get("message_id"), fields.get("callback_query_id")) for name, fields
            in bot.calls]  # fmt: skip
    assert sent[0] == ("sendMessage", None, None)
    assert sent[1] == ("editMessageText", 101, None)  # the floor's copy of real message 40
    assert ("editMessageText", 77, None) in sent  # unknown: the pressed message
    assert ("answerCallbackQuery", None, "ours") in sent
    assert len(sent) == 5


async def test_the_outbox_keeps_one_call_in_flight_per_chat_in_order() -> None:
    floor = Floor(concurrency=16)
    bot = FakeBot()
    items = [Item("sendMessage", {"chat_id": 6, "text": str(n)}).data for n in range(5)]
    await floor.replay(bot, {"handler": [], "outbox": items}, None, None)
    await asyncio.gather(*floor.tasks)
    assert [fields["text"] for _, fields in bot.calls] == ["0", "1", "2", "3", "4"]


async def test_metered_counts_the_coroutines_cpu_and_passes_results_and_errors() -> None:
    account = [0.0]

    async def work() -> int:
        total = 0
        for n in range(3):
            total += sum(range(20_000))
            await asyncio.sleep(0.01 * n)
        return total

    assert await Metered(work(), account) == 3 * sum(range(20_000))
    assert 0 < account[0] < 0.5  # CPU only, on however busy a machine

    async def fails() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    try:
        await Metered(fails(), account)
    except ValueError as exc:
        assert str(exc) == "boom"
    else:
        raise AssertionError("the error was lost")

    task = asyncio.ensure_future(Metered(asyncio.sleep(10), account))
    await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
