"""The Emulator: one aiohttp server speaking the Bot API, plus the people's side API."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from .botstate import BotState, Call
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError
from .limits import FailRule, FaultConfig, FaultInjector, LimitConfig, RateLimiter
from .methods import ApiSettings, BotApi, Described
from .page import setup_page
from .params import Params
from .people import DEFAULT_LOCATION, Group, Person
from .persist import StateKeeper
from .user_api import setup_user_api
from .webhook import WebhookSender
from .world import Chat, UserProfile, now

JSON = dict[str, Any]
log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
DEFAULT_TOKEN = "123456:sandbox-token"
MAX_REQUEST_SIZE = 60 * 1024 * 1024


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class Emulator:
    """A local Telegram Bot API for tests and the sandbox chat page.

    Every token is a separate bot (its own chats, updates and commands); people are
    shared. The people's API (`user`, `group`, ...) talks to the first token's bot
    unless `bot=` names another token.
    """

    def __init__(
        self,
        tokens: Sequence[str] = (DEFAULT_TOKEN,),
        *,
        username: str = "sandbox_bot",
        first_name: str = "Sandbox Bot",
        limits: bool | LimitConfig = False,
        faults: FaultConfig | None = None,
        callback_query_ttl: float = 15.0,
        strict_webhook_urls: bool = False,
        webhook_retry_base: float = 0.5,
        webhook_retry_max: float = 30.0,
        first_update_id: int = 100_000_001,
        state_file: str | Path | None = None,
        default_location: tuple[float, float] = DEFAULT_LOCATION,
    ) -> None:
        if isinstance(tokens, str):
            tokens = [tokens]
        if not tokens:
            raise ValueError("at least one bot token is needed")
        for token in tokens:
            if not TOKEN_RE.match(token):
                raise ValueError(f"not a bot token: {token!r} (expected '<bot_id>:<secret>')")
        self.profiles: dict[int, UserProfile] = {}
        self.bots: dict[str, BotState] = {}
        for index, token in enumerate(tokens):
            suffix = "" if index == 0 else f"_{index + 1}"
            self.bots[token] = BotState(
                token=token,
                username=username if index == 0 else f"{username.removesuffix('_bot')}{suffix}_bot",
                first_name=first_name,
                profiles=self.profiles,
                first_update_id=first_update_id,
            )
        self.settings = ApiSettings(
            callback_query_ttl=callback_query_ttl, strict_webhook_urls=strict_webhook_urls
        )
        self.limits = RateLimiter(
            enabled=limits is not False,
            config=limits if isinstance(limits, LimitConfig) else None,
        )
        self.faults = FaultInjector(enabled=faults is not None, config=faults or FaultConfig())
        self.webhooks = WebhookSender(
            self._execute_webhook_reply, retry_base=webhook_retry_base, retry_max=webhook_retry_max
        )
        self.apis = {t: BotApi(s, self.webhooks, self.settings) for t, s in self.bots.items()}
        self._people: dict[tuple[str, int], Person] = {}
        self._groups: dict[tuple[str, int], Group] = {}
        self._calls: list[Call] = []
        self._inflight = 0
        self._runner: web.AppRunner | None = None
        # Where a new person "is" (the location button's default) and, for the page's
        # location picker, named places (the bot's territories in `python -m bot sandbox`).
        self.default_location = default_location
        self.places: Callable[[], Awaitable[list[JSON]]] | None = None
        # What each person is to the bot (user id -> "volunteer: delivery", ...), for the page.
        self.roles: Callable[[], Awaitable[dict[int, str]]] | None = None
        # With a state file, people and chats survive a restart (see persist.py).
        self.keeper = StateKeeper(self, state_file) if state_file is not None else None
        self.restored = False
        self.host = "127.0.0.1"
        self.port = 0
        self.app = self._make_app()

    # --- lifecycle --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def token(self) -> str:
        return next(iter(self.bots))

    @property
    def default_bot(self) -> BotState:
        return next(iter(self.bots.values()))

    def api_base(self, token: str | None = None) -> str:
        return f"{self.base_url}/bot{token or self.token}/"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; port 0 picks a free port. Returns base_url."""
        if self.keeper is not None and self._runner is None:
            self.restored = self.keeper.load()
            self.keeper.start()
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self.host = host
        self.port = int(address[1])
        return self.base_url

    async def stop(self) -> None:
        if self.keeper is not None:
            await self.keeper.stop()
        await self.webhooks.close()
        for state in self.bots.values():
            state.updates.close()
            for pending in state.callbacks.values():
                if pending.answer is not None and not pending.answer.done():
                    pending.answer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- people -----------------------------------------------------------------------
    def _bot(self, bot: str | None) -> BotState:
        if bot is None:
            return self.default_bot
        if bot in self.bots:
            return self.bots[bot]
        for state in self.bots.values():
            if str(state.id) == str(bot):
                return state
        raise KeyError(f"unknown bot {bot!r}")

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        phone: str | None = None,
        bot: str | None = None,
        started: bool = False,
    ) -> Person:
        """Get or create a person (same id -> same object; given fields update it).
        ``started``: as if they had opened the bot before, so the bot may write first
        (the HQ coordinators of ADMIN_IDS and the demo people of the sandbox)."""
        profile = self.profiles.get(user_id)
        if profile is None:
            profile = UserProfile(user_id, first_name or f"User {user_id}")
            self.profiles[user_id] = profile
        if first_name is not None:
            profile.first_name = first_name
        if last_name is not None:
            profile.last_name = last_name
        if username is not None:
            profile.username = username
        if language_code is not None:
            profile.language_code = language_code
        state = self._bot(bot)
        key = (state.token, user_id)
        person = self._people.get(key)
        if person is None:
            person = Person(state, profile, phone=phone, calls=lambda: self._calls)
            person.location = self.default_location
            self._people[key] = person
            state.changed()
        elif phone is not None:
            person.phone = phone
        if started and not person.chat.started:
            person.chat.started = True
            state.seen_users.add(user_id)
            state.changed()
        return person

    def people(self, bot: str | None = None) -> list[Person]:
        state = self._bot(bot)
        return [p for (token, _), p in self._people.items() if token == state.token]

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        members: Iterable[Person] = (),
        admins: Iterable[Person] = (),
        *,
        bot: str | None = None,
    ) -> Group:
        """Get or create a group with the bot in it (Telegram sends my_chat_member)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        state = self._bot(bot)
        key = (state.token, chat_id)
        existing = self._groups.get(key)
        chat = state.chats.get(chat_id)
        if chat is None:
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            chat = Chat(id=chat_id, type=kind, title=title)
            state.chats[chat_id] = chat
        chat.title = title
        for person in admins:
            chat.members[person.id] = "administrator"
        for person in members:
            chat.members.setdefault(person.id, "member")
        if existing is not None:
            return existing
        group = Group(state, chat)
        self._groups[key] = group
        adder = next(iter(chat.members), None)
        if adder is not None:
            state.seen_users.update(chat.members)
            bot_user = state.user_api()
            state.updates.push(
                "my_chat_member",
                {
                    "chat": chat.to_api(),
                    "from": self.profiles[adder].to_api(),
                    "date": now(),
                    "old_chat_member": {"status": "left", "user": bot_user},
                    "new_chat_member": {"status": "member", "user": bot_user},
                },
            )
        state.changed()
        return group

    # --- observation ------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every Bot API call the bot(s) made, oldest first."""
        return list(self._calls)

    def calls_to(self, chat_id: int, method: str | None = None) -> list[Call]:
        wanted = method.lower() if method else None
        return [
            c
            for c in self._calls
            if c.chat_id == chat_id and (wanted is None or c.method.lower() == wanted)
        ]

    async def wait_idle(self, quiet: float = 0.2, timeout: float = 5.0) -> None:
        """Wait until every update is fetched and no bot call happened for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            unfetched = sum(
                len(s.updates.pending) for s in self.bots.values() if not s.updates.all_fetched
            )
            idle_for = time.monotonic() - max(s.last_activity for s in self.bots.values())
            if not unfetched and self._inflight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"sandbox not idle after {timeout}s: {unfetched} update(s) not fetched, "
                    f"{self._inflight} call(s) in flight, last activity {idle_for:.2f}s ago"
                )
            await asyncio.sleep(min(0.02, max(quiet / 4, 0.005)))

    # --- switches ---------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> None:
        """Age every message by ``seconds`` (Telegram's 48 h edit and delete window)."""
        self.settings.clock_shift += seconds

    def set_limits(self, enabled: bool, config: LimitConfig | None = None) -> None:
        self.limits.configure(enabled, config)

    def set_faults(self, enabled: bool, config: FaultConfig | None = None) -> None:
        self.faults.configure(enabled, config)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        *,
        chat_id: int | None = None,
        code: int = 502,
        retry_after: int = 1,
        description: str | None = None,
        after_running: bool = False,
    ) -> FailRule:
        return self.faults.fail_next(
            method,
            count,
            chat_id=chat_id,
            code=code,
            retry_after=retry_after,
            description=description,
            after_running=after_running,
        )

    # --- Bot API ----------------------------------------------------------------------
    async def dispatch(self, state: BotState, method: str, params: Params) -> tuple[int, JSON]:
        """Run one Bot API call (with faults, limits and logging) -> (HTTP status, body)."""
        api = self.apis[state.token]
        lower = method.lower()
        handler = api.handlers.get(lower)
        chat_id = _int_or_none(params.get_str("chat_id"))
        call = Call(
            seq=len(self._calls) + 1,
            bot_id=state.id,
            method=method,
            params=params.to_log(),
            time=time.time(),
            chat_id=chat_id,
        )
        self._calls.append(call)
        polling = lower == "getupdates"
        if not polling:
            self._inflight += 1
        started = time.monotonic()
        status = 200
        body: JSON
        try:
            if handler is None:
                raise NOT_FOUND
            error, delay = self.faults.check(lower, chat_id)
            if delay:
                await asyncio.sleep(delay)
            if error is not None:
                raise error
            self.limits.check(state.id, lower, chat_id)
            result = await handler(params)
            lost = self.faults.lost_answer(lower, chat_id)
            if lost is not None:
                raise lost
            body = {"ok": True}
            if isinstance(result, Described):
                body["result"] = result.result
                body["description"] = result.description
                result = result.result
            else:
                body["result"] = result
            call.result = result
        except ApiError as exc:
            status, body = exc.code, exc.to_json()
            call.ok, call.error_code, call.description = False, exc.code, exc.description
        except Exception:  # an emulator bug must not look like a Telegram answer
            log.exception("sandbox failed on %s", method)
            status = 500
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            call.ok, call.error_code, call.description = False, 500, body["description"]
        finally:
            call.duration = time.monotonic() - started
            if not polling:
                self._inflight -= 1
                state.touch()
        if not polling:
            state.changed()
        return status, body

    async def _execute_webhook_reply(self, state: BotState, method: str, payload: JSON) -> None:
        await self.dispatch(state, method, Params(payload, {}))

    async def _handle_bot_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info.get("method", "")
        if not TOKEN_RE.match(token):
            return web.json_response(NOT_FOUND.to_json(), status=404)
        state = self.bots.get(token)
        if state is None:
            return web.json_response(UNAUTHORIZED.to_json(), status=401)
        try:
            params = await Params.from_request(request)
        except ApiError as exc:
            return web.json_response(exc.to_json(), status=exc.code)
        status, body = await self.dispatch(state, method, params)
        return web.json_response(body, status=status, dumps=_dumps)

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response(NOT_FOUND.to_json(), status=404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        state = self.bots.get(request.match_info["token"])
        if state is None:
            return web.json_response(UNAUTHORIZED.to_json(), status=401)
        stored = state.files.by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(NOT_FOUND.to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_route("*", "/bot{token}/", self._handle_not_found)
        app.router.add_route("*", "/bot{token}", self._handle_not_found)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        setup_user_api(app, self)
        setup_page(app)
        return app


async def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    tokens: Sequence[str] = (DEFAULT_TOKEN,),
    **options: Any,
) -> Emulator:
    """Create and start an emulator (for `python -m bot sandbox` and the CLI)."""
    emulator = Emulator(tokens, **options)
    await emulator.start(host=host, port=port)
    return emulator
