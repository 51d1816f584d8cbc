"""The dispatch index (bot/dispatch_index.py) passes a handler over only when one of its own
filters would have said no, and routes every update to the handler aiogram would choose."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.dispatch_index import (
    ButtonLabel,
    CommandText,
    StateIn,
    index_routers,
    key_of,
    need_of,
)
from bot.filters import Button
from bot.forms.engine import InForm
from bot.i18n import Translator
from handlers import get_routers

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PERSON = User(id=7, is_bot=False, first_name="Анна")
CHAT = Chat(id=7, type="private")
TEXTS = [
    "Здравствуйте",
    "/start",
    "  /help me",
    "/start@other_bot x",
    "/help@hq_bot",
    "",
    "!",
    "\u2003/tasks",
    # reply-keyboard labels, as pressed and as typed
    "ℹ️ Справка",
    "ℹ Анықтама",
    "  СПРАВКА ",
    "🆘 Попросить о помощи",
    "попросить  о помощи",
    "Справка" + " " * 60,
    "Справка?",
]
TRANSLATOR = Translator("ru")


def _bot() -> Bot:
    """A bot that knows its own name (a command with a mention asks for it) and never
    calls Telegram."""
    bot = Bot("42:TEST")
    bot._me = User(id=42, is_bot=True, first_name="HQ", username="hq_bot")
    return bot


def _message(text: str | None, caption: str | None = None) -> Message:
    return Message(message_id=1, date=NOW, chat=CHAT, from_user=PERSON, text=text, caption=caption)


def _press(data: str | None) -> CallbackQuery:
    return CallbackQuery(
        id="1", from_user=PERSON, chat_instance="c", data=data, message=_message("card")
    )


async def _verdict(check: Any, event: TelegramObject, raw_state: str | None, bot: Bot) -> Any:
    if isinstance(check, Button):
        return await check(event, translator=TRANSLATOR)  # type: ignore[arg-type]
    if isinstance(check, Command):
        return await check(event, bot)  # type: ignore[arg-type]
    if isinstance(check, CallbackQueryFilter):
        return await check(event)  # type: ignore[arg-type]
    if isinstance(check, State):
        return check(event, raw_state=raw_state)
    return await check(event, raw_state=raw_state)


def test_every_need_of_the_real_handlers_is_implied_by_its_filter() -> None:
    """For every filter of the bot's own handlers that yields a need, over many states,
    texts and button data: whenever the need says «cannot match», the filter says no."""
    dispatcher = Dispatcher()
    dispatcher.include_routers(*get_routers())
    trees = index_routers(dispatcher, translator=TRANSLATOR)
    prefixes = trees["message"].prefixes
    buttons = sorted(trees["callback_query"].prefixes.buttons)
    assert prefixes.commands == {"/"} and len(buttons) > 30

    states: set[str | None] = {None, "Unknown:state"}
    checks: dict[str, list[Any]] = {"message": [], "callback_query": []}
    for router in dispatcher.chain_tail:
        for update_type, found in checks.items():
            for handler in router.observers[update_type].handlers:
                for item in handler.filters or ():
                    need = need_of(item.callback, TRANSLATOR)
                    if need is None:
                        continue
                    # The filter as written: an app built earlier in this process may have
                    # wrapped the singleton routers' filters (bot/inline_filters.py).
                    found.append((inspect.unwrap(item.callback), need))
                    if isinstance(need, StateIn):
                        states.update(need.states)
                        states.update(f"{prefix}step" for prefix in need.prefixes)
    assert len(checks["message"]) > 100 and len(checks["callback_query"]) > 100
    assert any(isinstance(need, CommandText) for _, need in checks["message"])
    assert sum(isinstance(need, ButtonLabel) for _, need in checks["message"]) > 20
    assert {"справка", "ℹ анықтама", "попросить о помощи"} <= prefixes.labels

    events: dict[str, list[TelegramObject]] = {
        "message": [*(_message(text) for text in TEXTS), _message(None, caption="/start")],
        "callback_query": [
            *(_press(data) for data in (None, "nothing:1", "")),
            *(_press(f"{prefix}:1:2") for prefix in buttons),
            *(_press(prefix) for prefix in buttons[:10]),
        ],
    }
    bot = _bot()

    async def scan() -> int:
        refuted = 0
        for update_type, found in checks.items():
            for (check, need), event, raw_state in itertools.product(
                found, events[update_type], states
            ):
                key = key_of(event, {"raw_state": raw_state}, prefixes_for[update_type])
                if not need.holds(key):
                    verdict = await _verdict(check, event, raw_state, bot)
                    assert not verdict, (check, need, event, raw_state)
                    refuted += 1
        return refuted

    prefixes_for = {name: tree.prefixes for name, tree in trees.items()}
    assert asyncio.run(scan()) > 10_000


# --- the same routing with and without the index --------------------------------------------
class Signup(StatesGroup):
    name = State()
    phone = State()


class Take(CallbackData, prefix="tk"):
    request: int


class Done(CallbackData, prefix="dn"):
    request: int


class FakeForm:
    code = "rq"


def _tree(seen: list[str]) -> tuple[Dispatcher, list[Router]]:
    """A small tree shaped like the bot's: root filters with data, states, a form, commands,
    buttons, a router with an outer middleware, catch-alls last."""
    dispatcher = Dispatcher()
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")

    def named(name: str) -> Callable[..., Awaitable[str]]:
        async def handler(event: TelegramObject) -> str:
            return name

        return handler

    common = Router(name="common")
    common.message(CommandStart())(named("start"))
    common.message(Command("help"))(named("help"))
    common.message(F.text == "Меню")(named("menu"))
    common.message(Button("btn-help"))(named("help-button"))
    common.message(Button("btn-help", "btn-ask-help"), StateFilter(None))(named("ask-button"))
    signup = Router(name="signup")
    signup.message(Command("cancel"), StateFilter(Signup))(named("cancel-signup"))
    signup.message(StateFilter("*"), Command("stop"))(named("stop-in-any-state"))
    signup.message(Signup.name, F.text)(named("signup-name"))
    signup.message(StateFilter(Signup.phone), F.contact)(named("signup-contact"))
    signup.message(StateFilter(Signup.phone))(named("signup-phone-other"))
    form = Router(name="form")
    form.message(InForm(FakeForm()), F.text)(named("form-answer"))  # type: ignore[arg-type]
    form.callback_query(InForm(FakeForm()))(named("form-press"))  # type: ignore[arg-type]
    tasks = Router(name="tasks")
    tasks.callback_query(Take.filter(F.request > 5))(named("take-big"))
    tasks.callback_query(Take.filter())(named("take"))
    tasks.callback_query(Done.filter(), StateFilter(None))(named("done"))
    watched = Router(name="watched")

    async def outer(handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        seen.append("outer")
        return await handler(event, data)

    watched.message.outer_middleware(outer)
    watched.message(StateFilter("Never:state"))(named("never"))
    fallback = Router(name="fallback")
    fallback.message(StateFilter("*"), Command("start"))(named("start-any-state"))
    fallback.message(F.text)(named("unknown-text"))
    fallback.message()(named("anything"))
    fallback.callback_query()(named("stale-button"))
    private.include_routers(common, signup, form, tasks, watched, fallback)
    dispatcher.include_router(private)
    return dispatcher, [private, common, signup, form, tasks, watched, fallback]


BOT = _bot()


async def _route(
    dispatcher: Dispatcher, update_type: str, event: TelegramObject, state: Any
) -> Any:
    return await dispatcher.propagate_event(
        update_type=update_type, event=event, raw_state=state, bot=BOT, translator=TRANSLATOR
    )


def test_routing_with_the_index_is_routing_without_it() -> None:
    seen_plain: list[str] = []
    seen_indexed: list[str] = []
    plain, _ = _tree(seen_plain)
    indexed, _ = _tree(seen_indexed)
    index_routers(indexed, translator=TRANSLATOR)
    states = [None, Signup.name.state, Signup.phone.state, "rq:what", "rq:summary", "Other:x"]
    events: list[tuple[str, TelegramObject]] = [("message", _message(t)) for t in TEXTS]
    events += [("message", _message(text)) for text in ("Меню", "/cancel", "/stop")]
    events += [("message", _message(None, caption="/help"))]
    events += [
        ("callback_query", _press(data))
        for data in (None, "", "tk:3", "tk:9", "tk:x", "tk", "dn:1", "zz:1", "rq:1")
    ]

    async def both() -> int:
        compared = 0
        for (update_type, event), state in itertools.product(events, states):
            expected = await _route(plain, update_type, event, state)
            got = await _route(indexed, update_type, event, state)
            assert got == expected, (update_type, event, state)
            assert seen_indexed == seen_plain  # the outer middleware saw the same updates
            compared += 1
        return compared

    assert asyncio.run(both()) == len(events) * len(states)
    assert "outer" in seen_plain


def test_a_second_app_indexes_the_same_routers_afresh() -> None:
    """Module routers are singletons that each app takes over (handlers/get_routers): the
    second index must know the second app's routers, not keep the first's."""
    first, routers = _tree([])
    index_routers(first)
    private = routers[0]
    first.sub_routers.remove(private)
    private._parent_router = None
    feature = Router(name="feature")

    async def feature_handler(event: TelegramObject) -> str:
        return "feature"

    feature.message(Command("feature"))(feature_handler)
    private.sub_routers.insert(0, feature)
    feature._parent_router = private
    second = Dispatcher()
    second.include_router(private)
    index_routers(second)

    async def route() -> Any:
        return await _route(second, "message", _message("/feature"), None)

    assert asyncio.run(route()) == "feature"
    assert asyncio.run(_route(second, "message", _message("/nothing"), "Zz:z")) == "unknown-text"
    assert asyncio.run(_route(second, "edited_message", _message("x"), None)) is UNHANDLED


def test_the_real_routers_keep_their_needs_in_a_second_app() -> None:
    """The first app wraps the singleton routers' filters (bot/inline_filters.py); a second
    app in the process (the e2e tests restart the bot) must read the same needs through the
    wrappers, or it would ask every command and state handler again."""
    from bot.inline_filters import inline_sync_filters

    def needs() -> list[tuple[str, int]]:
        dispatcher = Dispatcher()
        dispatcher.include_routers(*get_routers())
        trees = index_routers(dispatcher)
        inline_sync_filters(dispatcher)
        return [
            (type(need).__name__, 1)
            for tree in trees.values()
            for index in tree.observers.values()
            for _, found in index.needs
            for need in found
        ]

    first, second = needs(), needs()
    assert len(first) > 250 and sorted(first) == sorted(second)
