"""Which handlers can possibly take an update, decided once per kind of update.

aiogram looks for a handler by walking every router in order and asking every handler's
filters, one awaited call each, until one says yes. With ~60 routers, ~190 message handlers
and ~150 button handlers, an unknown text or a press on a volunteer's «Взять» met dozens of
state, command and button-prefix filters that could never pass (issue 15: the routing was
the biggest single share of the bot's CPU on the plain case).

Most filters say no for a reason that is known before any filter runs:
- a form's and a state's handlers need the person to be in that state (``StateFilter``,
  a bare ``State``, the form engine's ``InForm``);
- a command's handler needs the text to start with the command prefix (``Command``);
- a button's handler needs the pressed button's data to start with its prefix
  (``CallbackData.filter()``);
- a reply-keyboard button's handler needs the text to be one of its labels (``Button``: the
  labels in every language, as bot/filters.py normalizes them).

So each handler gets its *needs*, read from those filters when the dispatcher is built, and
each update gets a *key*: its raw FSM state, whether its text starts with a command prefix,
its button data's prefix, and its text if that is some Button's label. The key is worked out
once per update and passed down in the update's data. Per key, each observer keeps the
handlers whose needs hold, in their order, and each router knows whether anything under it
can take the update at all; a router with nothing for the key is neither entered nor called
(aiogram would call each router in turn, copying the update's data for each call). The
remaining handlers' filters still run in full, exactly as aiogram runs them, so the handler
chosen is the one aiogram would choose: a handler is only passed over when one of its own
filters would have said no, and the filters passed over are pure checks. A router whose
observer has outer middlewares is always entered (they run whether or not a handler matches).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from inspect import isclass
from typing import Any, NamedTuple, cast

from aiogram import Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.state import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.filters import LABEL_MAX, Button, normalize_label
from bot.forms.engine import InForm
from bot.i18n import Translator

INDEXED = ("message", "callback_query")
# Keys are few (the states x a command flag, a button prefix or a reply-keyboard label that
# actually occur together), but a cache that only grows is still a leak: start over past this
# many entries. A tree's caches hold an entry per router and key (70 routers): this many keeps
# a few hundred keys (~2 MB at most).
CACHE_LIMIT = 16384
# Where the update's key waits in its data for the routers and observers below.
KEY_DATA = "dispatch_key"


class Key(NamedTuple):
    """What the needs look at, computed once per update and router."""

    raw_state: str | None
    command_prefix: str  # the text's first character if it is some command's prefix, else ""
    button_prefix: str  # a known button prefix the data starts with, else ""
    label: str = ""  # the text as a reply-keyboard label (normalized) if some Button knows it


# --- needs ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StateIn:
    states: frozenset[str | None]
    prefixes: tuple[str, ...] = ()  # InForm: any state of the form

    def holds(self, key: Key) -> bool:
        state = key.raw_state
        if state in self.states:
            return True
        return state is not None and state.startswith(self.prefixes)


@dataclass(frozen=True, slots=True)
class CommandText:
    prefixes: frozenset[str]

    def holds(self, key: Key) -> bool:
        return key.command_prefix in self.prefixes


@dataclass(frozen=True, slots=True)
class ButtonData:
    prefix: str

    def holds(self, key: Key) -> bool:
        return key.button_prefix == self.prefix


@dataclass(frozen=True, slots=True)
class ButtonLabel:
    forms: frozenset[str]

    def holds(self, key: Key) -> bool:
        return key.label in self.forms


Need = StateIn | CommandText | ButtonData | ButtonLabel
BUTTON_SEPARATOR = ":"


def _state_need(states: Iterable[Any]) -> StateIn | None:
    """What a StateFilter's states accept; None when it accepts any state."""
    names: set[str | None] = set()
    for allowed in states:
        if allowed == "*":
            return None
        if allowed is None or isinstance(allowed, str):
            names.add(allowed)
        elif isinstance(allowed, State):
            if allowed.state == "*":
                return None
            names.add(allowed.state)
        elif isinstance(allowed, StatesGroup):
            names.update(type(allowed).__all_states_names__)
        elif isclass(allowed) and issubclass(allowed, StatesGroup):
            names.update(allowed.__all_states_names__)
        else:
            return None  # a kind of state this index does not know: no need assumed
    return StateIn(frozenset(names))


def need_of(check: Any, translator: Translator | None = None) -> Need | None:
    """The need a filter implies, or None when it implies nothing this index can use
    (a Button's labels need the translator)."""
    check = inspect.unwrap(check)  # bot/inline_filters.py's wrappers keep the filter written
    if isinstance(check, Button):
        return ButtonLabel(frozenset(check.forms(translator))) if translator else None
    if isinstance(check, StateFilter):
        return _state_need(check.states)
    if isinstance(check, State):
        return _state_need([check])
    if isinstance(check, InForm):
        return StateIn(frozenset(), (check.prefix,))
    if isinstance(check, Command):
        return CommandText(frozenset(check.prefix))
    if isinstance(check, CallbackQueryFilter):
        data = check.callback_data
        if data.__separator__ != BUTTON_SEPARATOR:
            return None
        return ButtonData(data.__prefix__)
    return None


def needs_of(handler: HandlerObject, translator: Translator | None) -> tuple[Need, ...]:
    found = (need_of(item.callback, translator) for item in handler.filters or ())
    return tuple(need for need in found if need is not None)


# --- the index -----------------------------------------------------------------------------
class ObserverIndex:
    """One router's observer for one update type: its handlers that can take a key."""

    tree: TreeIndex  # set by the tree once every observer is indexed (it knows the prefixes)

    def __init__(self, observer: TelegramEventObserver, translator: Translator | None) -> None:
        self.observer = observer
        self.needs = [(handler, needs_of(handler, translator)) for handler in observer.handlers]
        self._cache: dict[Key, tuple[HandlerObject, ...]] = {}

    def candidates(self, key: Key) -> tuple[HandlerObject, ...]:
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            found = tuple(
                handler for handler, needs in self.needs if all(need.holds(key) for need in needs)
            )
            self._cache[key] = found
        return found

    async def trigger(self, event: TelegramObject, **kwargs: Any) -> Any:
        """aiogram's ``TelegramEventObserver.trigger`` over the candidates only."""
        observer = self.observer
        for handler in self.candidates(self.tree.key(event, kwargs)):
            kwargs["handler"] = handler
            result, data = await handler.check(event, **kwargs)
            if result:
                kwargs.update(data)
                try:
                    wrapped_inner = observer.outer_middleware.wrap_middlewares(
                        observer._resolve_middlewares(), handler.call
                    )
                    return await wrapped_inner(event, kwargs)
                except SkipHandler:
                    continue
        return UNHANDLED


@dataclass(frozen=True, slots=True)
class Prefixes:
    commands: frozenset[str]
    buttons: frozenset[str]
    labels: frozenset[str] = frozenset()  # every Button's label forms


def key_of(event: TelegramObject, data: dict[str, Any], prefixes: Prefixes) -> Key:
    command = button = label = ""
    if isinstance(event, Message):
        text = (event.text or event.caption or "").lstrip()
        if text and text[0] in prefixes.commands:
            command = text[0]
        if event.text is not None and len(event.text) <= LABEL_MAX and prefixes.labels:
            normal = normalize_label(event.text)
            if normal in prefixes.labels:
                label = normal
    elif isinstance(event, CallbackQuery) and event.data:
        head = event.data.split(BUTTON_SEPARATOR, 1)[0]
        if head in prefixes.buttons:
            button = head
    return Key(data.get("raw_state"), command, button, label)


class TreeIndex:
    """For one update type: every router's observer index, and per router whether anything
    at or under it can take a key."""

    def __init__(self, root: Router, update_type: str, translator: Translator | None) -> None:
        self.update_type = update_type
        self.observers: dict[int, ObserverIndex] = {}
        self._always: set[int] = set()  # routers entered whatever the key
        self._under: dict[int, list[Router]] = {}
        self._cache: dict[tuple[int, Key], bool] = {}
        self._children: dict[tuple[int, Key], tuple[Router, ...]] = {}
        commands: set[str] = set()
        buttons: set[str] = set()
        labels: set[str] = set()
        for router in root.chain_tail:
            observer = router.observers[update_type]
            index = ObserverIndex(observer, translator)
            index.tree = self
            self.observers[id(router)] = index
            self._under[id(router)] = list(router.chain_tail)
            if observer.outer_middleware:
                self._always.add(id(router))
            for _, needs in index.needs:
                for need in needs:
                    if isinstance(need, CommandText):
                        commands.update(need.prefixes)
                    elif isinstance(need, ButtonData):
                        buttons.add(need.prefix)
                    elif isinstance(need, ButtonLabel):
                        labels.update(need.forms)
        self.prefixes = Prefixes(frozenset(commands), frozenset(buttons), frozenset(labels))

    def key(self, event: TelegramObject, data: dict[str, Any]) -> Key:
        """The update's key: computed once, by the first indexed router it reaches, and
        passed down in the update's data (the state cannot change before a handler runs)."""
        key = data.get(KEY_DATA)
        if key is None:
            key = data[KEY_DATA] = key_of(event, data, self.prefixes)
        return cast(Key, key)

    def enters(self, router: Router, key: Key) -> bool:
        """Whether some handler at or under ``router`` can take ``key`` (or a middleware
        under it must see the update)."""
        cache_key = (id(router), key)
        found = self._cache.get(cache_key)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            found = any(
                id(sub) in self._always or self.observers[id(sub)].candidates(key)
                for sub in self._under[id(router)]
            )
            self._cache[cache_key] = found
        return found

    def children(self, router: Router, key: Key) -> tuple[Router, ...]:
        """The routers directly under ``router`` that ``enters`` lets in, in order."""
        cache_key = (id(router), key)
        found = self._children.get(cache_key)
        if found is None:
            if len(self._children) >= CACHE_LIMIT:
                self._children.clear()
            found = tuple(sub for sub in router.sub_routers if self.enters(sub, key))
            self._children[cache_key] = found
        return found


def _fast_propagate(router: Router, trees: dict[str, TreeIndex]) -> Callable[..., Any]:
    # The class's method, not the attribute: module routers are singletons, and a second app
    # in one process (tests) indexes them again; wrapping the first app's wrapper would keep
    # its stale index.
    original = partial(type(router).propagate_event, router)

    async def propagate_event(update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        tree = trees.get(update_type)
        if tree is None:
            return await original(update_type=update_type, event=event, **kwargs)
        key = tree.key(event, kwargs)
        if not tree.enters(router, key):
            return UNHANDLED
        observer = router.observers[update_type]
        if observer.outer_middleware:
            kwargs.pop(KEY_DATA)  # the middleware may change the data: keys made afresh below
            return await original(update_type=update_type, event=event, **kwargs)
        # What Router.propagate_event and _propagate_event do when there is no outer
        # middleware to wrap, but calling only the sub-routers that can take the key: aiogram
        # calls each of them, copying the update's data (some 40 entries) for every call.
        kwargs["event_router"] = router
        result, data = await observer.check_root_filters(event, **kwargs)
        if not result:
            return UNHANDLED
        kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:
            return UNHANDLED
        if response is not UNHANDLED:
            return response
        for sub in tree.children(router, key):
            response = await sub.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                break
        return response

    return propagate_event


def index_routers(
    root: Router, update_types: Iterable[str] = INDEXED, translator: Translator | None = None
) -> dict[str, TreeIndex]:
    """Index every router under ``root`` (not ``root`` itself: the dispatcher's own
    propagation of the raw update stays aiogram's). Call it once the routers are assembled
    and before their filters are wrapped (bot/inline_filters.py reads them as they are).
    With the translator, reply-keyboard buttons (``Button``) are indexed by their labels."""
    trees = {update_type: TreeIndex(root, update_type, translator) for update_type in update_types}
    for router in root.chain_tail:
        for update_type, tree in trees.items():
            observer = router.observers[update_type]
            # Instance attributes win over the class's methods: only these objects change.
            observer.trigger = tree.observers[id(router)].trigger  # type: ignore[method-assign]
        if router is not root:
            router.propagate_event = _fast_propagate(router, trees)  # type: ignore[method-assign]
    return trees
