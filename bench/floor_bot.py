"""The replay floor: a bare aiogram 3 bot that makes, for each update, the Bot API calls the real
bot made for it, and nothing else (bench/requests.py).

The script comes from the real bot's own run: bench/bot_process.py tags each Bot API call with
the update it serves (the handler's calls, and the outbox worker's sends of the rows that
update's handler inserted), the emulator logs the calls with their parameters, and
``build_script`` turns that log into one entry per update, in the order the driver sent them:
the handler's calls in order, and the outbox's calls, each with the number of handler calls
made before the worker started it.

For update n after the script is loaded, this bot:
- makes the handler's calls in order, each awaited, with the recorded parameters (same method,
  same text, keyboard, parse mode: the same payload); ``chat_id`` stays (the floor's chats
  have the same user ids on its own token); a ``message_id`` is the floor's own message that
  the real one maps to (a message this bot sent for the same recorded send), else the pressed
  message when the update is a press in that chat, else the floor's newest message in that
  chat; ``callback_query_id`` is the floor's own callback query;
- starts each outbox call once the handler has made as many calls as the real handler had
  when the real worker started it, as a task, without awaiting it: one call in flight per
  chat (in order), at most DELIVERY_CONCURRENCY (16) at once, as the outbox worker does.
A Bot API error is ignored (the real bot got the same answer, or handled it).

No database, no FSM storage, no middlewares, no logic. Control: a text "/load <path>" from
CONTROL_USER loads a script and answers "loaded"; before any script (and past its end), a
text is answered with "ok" and a press with an empty answer, like the echo bot. Polls
TELEGRAM_API_URL with BOT_TOKEN (updates handled as tasks, as ``python -m bot`` does), under
the bot's own runtime: the loop through ``bot.runtime.run_main``, its GC settings through
``settle_memory`` once started, and aiogram's response models kept as the bot keeps them
(``bot.telegram.keep_response_models``). Run as
``python -m bench.floor_bot``; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

CONTROL_USER = 1
TAG = "bench"
# Parameters that travel as JSON strings in a form body.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "caption_entities",
        "reply_parameters",
        "scope",
        "commands",
        "menu_button",
        "media",
        "message_ids",
        "allowed_updates",
    }
)
INT_PARAMS = frozenset({"chat_id", "message_id", "from_chat_id", "user_id"})


class LoggedCall(Protocol):
    """What the emulator logs of a call (bot.sandbox.Call)."""

    bot_id: int
    method: str
    params: dict[str, Any]
    result: Any


# --- the script ---------------------------------------------------------------------------
def replay_params(params: dict[str, Any]) -> dict[str, Any] | None:
    """The call's parameters as aiogram takes them; None for a call with a file upload."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == TAG:
            continue
        if isinstance(value, str) and value.startswith("<file "):
            return None
        if key in JSON_PARAMS and isinstance(value, str):
            value = json.loads(value)
        elif key in INT_PARAMS and isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        out[key] = value
    return out


def _result_id(result: Any) -> int | None:
    if isinstance(result, dict):
        message_id = result.get("message_id")
        return int(message_id) if isinstance(message_id, int) else None
    return None


@dataclass
class ScriptStats:
    handler_calls: int = 0
    outbox_calls: int = 0
    untagged: int = 0  # no update behind them (start-up, scheduler, heartbeat-free sends)
    other_updates: int = 0  # tagged with an update not in this round
    uploads_skipped: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


def build_script(
    calls: Iterable[LoggedCall], bot_id: int, update_ids: list[int]
) -> tuple[dict[str, Any], ScriptStats]:
    """One entry per update of ``update_ids`` (in that order): {"handler": [call...],
    "outbox": [call...]}; a call is {"method", "params", "result_id", "after"}."""
    index = {update_id: n for n, update_id in enumerate(update_ids)}
    entries: list[dict[str, list[dict[str, Any]]]] = [
        {"handler": [], "outbox": []} for _ in update_ids
    ]
    stats = ScriptStats()
    for call in calls:
        if call.bot_id != bot_id or call.method.lower() == "getupdates":
            continue
        tag = call.params.get(TAG)
        if not isinstance(tag, str) or len(tag) < 2 or tag[0] not in "uo":
            stats.untagged += 1
            continue
        n = index.get(int(tag[1:]))
        if n is None:
            stats.other_updates += 1
            continue
        params = replay_params(call.params)
        if params is None:
            stats.uploads_skipped += 1
            continue
        entry = entries[n]
        item = {
            "method": call.method,
            "params": params,
            "result_id": _result_id(call.result),
            "after": len(entry["handler"]),
        }
        if tag[0] == "u":
            entry["handler"].append(item)
            stats.handler_calls += 1
        else:
            entry["outbox"].append(item)
            stats.outbox_calls += 1
        stats.by_method[call.method] = stats.by_method.get(call.method, 0) + 1
    return {"updates": entries}, stats


# --- the bot --------------------------------------------------------------------------------
def _method_classes() -> dict[str, type[Any]]:
    import aiogram.methods
    from aiogram.methods.base import TelegramMethod

    found: dict[str, type[Any]] = {}
    for value in vars(aiogram.methods).values():
        if inspect.isclass(value) and issubclass(value, TelegramMethod):
            api_method = getattr(value, "__api_method__", None)
            if isinstance(api_method, str):
                found[api_method.lower()] = value
    return found


class Floor:
    """The replaying side: script, message map, the outbox's concurrency."""

    def __init__(self, concurrency: int) -> None:
        self.methods = _method_classes()
        self.entries: list[dict[str, list[dict[str, Any]]]] = []
        self.base = 0  # update id of the script's first update
        self.concurrency = concurrency
        self.slots = asyncio.Semaphore(concurrency)
        self.chat_locks: dict[int, asyncio.Lock] = {}
        self.mapped: dict[tuple[int, int], int] = {}  # (chat, real message id) -> ours
        self.newest: dict[int, int] = {}  # chat -> our newest message id
        self.tasks: set[asyncio.Task[None]] = set()

    def load(self, path: str, next_update_id: int) -> int:
        with open(path, encoding="utf-8") as file:
            self.entries = json.load(file)["updates"]
        self.base = next_update_id
        self.mapped.clear()
        return len(self.entries)

    def entry(self, update_id: int) -> dict[str, list[dict[str, Any]]] | None:
        n = update_id - self.base
        return self.entries[n] if self.entries and 0 <= n < len(self.entries) else None

    def _target(self, chat_id: Any, real_id: int, pressed: tuple[int, int] | None) -> int | None:
        if isinstance(chat_id, int):
            ours = self.mapped.get((chat_id, real_id))
            if ours is not None:
                return ours
            if pressed is not None and pressed[0] == chat_id:
                return pressed[1]
            return self.newest.get(chat_id)
        return None

    async def call(
        self, bot: Any, item: dict[str, Any], query_id: str | None, pressed: tuple[int, int] | None
    ) -> None:
        from aiogram.exceptions import TelegramAPIError
        from aiogram.types import Message

        cls = self.methods.get(item["method"].lower())
        if cls is None:
            return
        params = dict(item["params"])
        chat_id = params.get("chat_id")
        if "message_id" in params:
            target = self._target(chat_id, params["message_id"], pressed)
            if target is None:
                return
            params["message_id"] = target
        if "callback_query_id" in params:
            if query_id is None:
                return
            params["callback_query_id"] = query_id
        try:
            result = await bot(cls(**params))
        except TelegramAPIError:
            return
        if isinstance(result, Message):
            if not item["method"].lower().startswith("edit"):
                self.newest[result.chat.id] = result.message_id
            real = item.get("result_id")
            if real is not None:
                self.mapped[(result.chat.id, real)] = result.message_id

    async def outbox_call(self, bot: Any, item: dict[str, Any]) -> None:
        chat_id = item["params"].get("chat_id")
        lock = self.chat_locks.setdefault(
            chat_id if isinstance(chat_id, int) else 0, asyncio.Lock()
        )
        async with lock, self.slots:
            await self.call(bot, item, None, None)

    def start_outbox(self, bot: Any, items: list[dict[str, Any]]) -> None:
        for item in items:
            task = asyncio.create_task(self.outbox_call(bot, item))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def replay(
        self,
        bot: Any,
        entry: dict[str, list[dict[str, Any]]],
        query_id: str | None,
        pressed: tuple[int, int] | None,
    ) -> None:
        outbox = entry["outbox"]
        started = 0
        handler = entry["handler"]
        for done in range(len(handler) + 1):
            ready = started
            while ready < len(outbox) and outbox[ready]["after"] <= done:
                ready += 1
            if ready > started:
                self.start_outbox(bot, outbox[started:ready])
                started = ready
            if done < len(handler):
                await self.call(bot, handler[done], query_id, pressed)
        if started < len(outbox):
            self.start_outbox(bot, outbox[started:])


async def main() -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message, Update

    from bot.runtime import settle_memory
    from bot.telegram import keep_response_models

    keep_response_models()  # the same aiogram-level cache the bot keeps (bot/telegram.py)
    floor = Floor(int(os.environ.get("DELIVERY_CONCURRENCY", "16")))
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(token=os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    async def on_message(message: Message, event_update: Update) -> None:
        text = message.text or ""
        if message.chat.id == CONTROL_USER and text.startswith("/load "):
            count = floor.load(text.removeprefix("/load ").strip(), event_update.update_id + 1)
            await message.answer(f"loaded {count}")
            return
        entry = floor.entry(event_update.update_id)
        if entry is None:
            sent = await message.answer("ok")
            floor.newest[sent.chat.id] = sent.message_id
            return
        await floor.replay(bot, entry, None, None)

    async def on_press(query: CallbackQuery, event_update: Update) -> None:
        entry = floor.entry(event_update.update_id)
        if entry is None:
            await query.answer()
            return
        message = query.message
        pressed = (message.chat.id, message.message_id) if message is not None else None
        await floor.replay(bot, entry, query.id, pressed)

    dispatcher.message.register(on_message)
    dispatcher.callback_query.register(on_press)
    settle_memory()  # the bot's own GC settings once started, as python -m bot does
    await dispatcher.start_polling(bot, handle_as_tasks=True, handle_signals=True)


if __name__ == "__main__":
    from bot.runtime import run_main

    run_main(main())
