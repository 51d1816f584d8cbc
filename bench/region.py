"""Region benchmark (issue 23): a big region's two years of data against a small database with
the same people, every user-facing action through the real bot, on SQLite and PostgreSQL.

Built (bench/region_data.py, bench/region_build.py), reproducibly from a seeded generator,
with bulk inserts that follow the models (migrated to 0012 first, filled, then migrated to
the code's head, as a deployed database would be):

* the big database: 100,000 citizens; 10,000 approved volunteers (plus ~1,200 pending,
  rejected, left, blocked records) spread over the 34 Kuzbass territories by population
  (bot/data has no population: approximate census figures are in bench/region_data.py, so
  Kemerovo has ~2,100 of them, ~1,700 fitting a groceries request); 1,010,000 requests over
  two years, the newest 2,000 open (new, taken, on the way), each searching one offered to
  every fitting volunteer of its territory; 2.0 M push records; 5.6 M outbox rows (pushes,
  "taken"/"closed" edits, the requester's notices, details and their hidings, application
  cards, audit notices, reminders sent; keys and ``subject`` as the services write them);
  500,000 audit entries; 100,000 pending reminders; coordinators per territory. Sizes:
  BENCH_REGION_<CITIZENS|VOLUNTEERS|REQUESTS|OPEN|PUSHES|OUTBOX|AUDIT|REMINDERS>, all scaled
  by BENCH_REGION_SCALE (PostgreSQL: BENCH_REGION_PG_SCALE, default the same).
  Cached between runs in BENCH_REGION_CACHE (default .bench-cache/region, git-ignored), keyed
  by the sizes, the generator and the migration head (the file at 0012 is kept, so a new head
  costs only its migrations, timed); each run works on a copy. Built anew after 20 days
  (reminders fall due 45 days after the build).
* the small database: the same core only, same ids: the HQ coordinator (ADMIN_IDS), 30
  volunteers of Kemerovo (the team), 35 volunteers and 35 citizens who will erase their data
  (each citizen with 20 requests in Kemerovo: done, cancelled, failed, with their pushes,
  outbox rows, audit entries; the volunteers with done tasks, application cards, audit
  entries, half of them paused with their resume reminder), 35 citizens who will make
  requests, one bystander; and so that the HQ's lists show the same full pages in both
  databases, 6 pending applications and 12 open requests (taken, on the way) of the
  city (before, the small database's /applications and /requests answered "nothing here"
  while the big one's rendered a page: the ratio compared different work).

Measured, for each database, with the bot as a separate process (bench/bot_process.py, as in
production: Telegram's pace at its default, so the outbox drains at 25 messages/s; quiet
hours off, so a run measures the same work at any hour; the flood throttle off, because one
person repeats each action) against the Bot
API emulator, every person having sent /start first (warm cache), each action WARMUP times
uncounted, then REPEATS (28) times counted, one after another, p50/p95/max of:

  /start (a citizen; the HQ coordinator), «📋 Мои заявки», /tasks (a team volunteer),
  /applications, /volunteers, /audit, /requests, /delivery, /stats, /scheduler (HQ), each until
  its replies arrived (their number counted on the first, uncounted run); /forget of a citizen
  with 20 requests and of a volunteer (the «Да, удалить» press until "Готово: ваши
  персональные данные удалены" shows, and until the button's answer); confirm of a groceries
  request for another person in Kemerovo (the form filled as tests/e2e/test_requests.py does,
  each step waiting for the next question; timed from «✅ Подтвердить» until "✅ Заявка № N";
  each requester confirms two; the audience pushed is counted); take of the first of them by
  a volunteer it was pushed to, of the team when one was (the «Взять» press until its answer;
  the "taken" edits it wrote are counted); cancel of the second by its requester (until the
  answer). In that order: the confirms come last, because before offers went out in waves
  each pushed ~1,700 people on the big database and the outbox then sent for an hour at
  Telegram's pace, which later actions would share (take and cancel work on the requests
  confirmed, fewer when confirm stopped on its time budget).

Then each action STALL (5) more times while a bystander sends /start again and again: the
largest latency of the bystander's updates that overlap an action is "other_max_ms", and the
bot's own logged time of the bystander's updates is set beside it; "bystander_all" is every
update of the bystander's, between the actions too (forms being filled, the bot's own jobs).

Targets (issue 23): every action p95 <= 50 ms and <= 2x the small database's; erasure of a
citizen with 20 requests <= 200 ms (its button answered well within Telegram's 15 s); nobody
else's update delayed by more than 100 ms (bystander's latency during an action minus its
idle p50). PostgreSQL (BENCH_REGION_PG_URL, default postgresql+asyncpg://postgres@127.0.0.1:
5432/test; databases bench_region* made and dropped) is skipped with a note when unreachable;
BENCH_REGION_PG=0 / BENCH_REGION_SQLITE=0 leave one out; BENCH_REGION_ACTIONS=a,b runs some.
An action stops repeating after BENCH_REGION_BUDGET_S (240) seconds with at least 5 samples.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.region_build import pg_admin, pg_big, pg_drop, pg_small, pg_url, sqlite_big, sqlite_small
from bench.region_data import CITY, Cast, Sizes
from bench.requests import (
    ADMIN_ID,
    TOKEN,
    Spawned,
    _bot_env,
    _labels,
    _number,
    _spawn,
    _start_people,
    _until,
)
from bot.keyboards.callbacks import MyRequestCb, ProfileCb, TaskCb
from bot.sandbox import Emulator, Person, StoredMessage
from models import OutboxMessage, RequestPush
from models.db import create_engine

WAIT = 120.0  # an erasure before the fixes takes tens of seconds
CITY_RU = "Кемеровский городской округ"
CONFIRM = "✅ Подтвердить"
FORGET_DONE = "Готово: ваши персональные данные удалены"
P95_TARGET_MS = 50.0
RATIO_TARGET = 2.0
ERASURE_TARGET_MS = 200.0
DELAY_TARGET_MS = 100.0
ANSWER_LIMIT_MS = 15_000.0
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True, slots=True)
class Config:
    sizes: Sizes
    pg_sizes: Sizes
    warmup: int = 2
    repeats: int = 28
    stall: int = 5
    budget_s: float = 240.0
    sqlite: bool = True
    pg: bool = True
    pg_url: str = PG_DEFAULT
    actions: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls) -> Config:
        base = Sizes(
            **{
                name: _env_int(f"BENCH_REGION_{name.upper()}", getattr(Sizes(), name))
                for name in Sizes.__slots__
            }
        )
        scale = float(os.environ.get("BENCH_REGION_SCALE", "1"))
        pg_scale = float(os.environ.get("BENCH_REGION_PG_SCALE", str(scale)))
        return cls(
            sizes=base.scaled(scale) if scale != 1 else base,
            pg_sizes=base.scaled(pg_scale) if pg_scale != 1 else base,
            warmup=_env_int("BENCH_REGION_WARMUP", 2),
            repeats=_env_int("BENCH_REGION_REPEATS", 28),
            stall=_env_int("BENCH_REGION_STALL", 5),
            budget_s=float(os.environ.get("BENCH_REGION_BUDGET_S", "240")),
            sqlite=os.environ.get("BENCH_REGION_SQLITE", "1") != "0",
            pg=os.environ.get("BENCH_REGION_PG", "1") != "0",
            pg_url=os.environ.get("BENCH_REGION_PG_URL", PG_DEFAULT),
            actions=frozenset(
                a for a in os.environ.get("BENCH_REGION_ACTIONS", "").split(",") if a
            ),
        )

    @property
    def cast(self) -> Cast:
        return Cast(subjects=self.warmup + self.repeats + self.stall, admin=ADMIN_ID)


# --- timing -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sample:
    start: float
    end: float  # what the action is timed by
    answer: float | None = None  # a press: when its callback answer came (forget)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def last(self) -> float:
        return max(self.end, self.answer or self.end)


def _ms(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)
    if len(ordered) == 1:
        p50 = p95 = ordered[0]
    else:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        p50, p95 = cuts[49], cuts[94]
    return {
        "n": len(ordered),
        "p50_ms": round(p50 * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


class Bystander:
    """Someone else: /start, the reply, again, while an action runs."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.pings: list[tuple[float, float]] = []
        self.every: list[float] = []  # every ping's latency, in or out of an action's time
        self._running = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._running = True
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while self._running:
            await self._ping()

    async def _ping(self) -> None:
        self.person.mark_read()
        started = time.perf_counter()
        await self.person.send_text("/start")
        await self.person.wait_messages(1, timeout=WAIT)
        self.pings.append((started, time.perf_counter()))
        self.every.append(time.perf_counter() - started)
        await asyncio.sleep(0.03)

    async def stop(self) -> None:
        """After the ping in flight (a reply arriving later would be taken for the next)."""
        self._running = False
        if self._task is not None:
            await self._task

    async def idle(self, count: int) -> list[float]:
        """``count`` pings with nothing else going on (but the bot's own jobs)."""
        self.pings = []
        self._running = True
        for _ in range(count):
            await self._ping()
        self._running = False
        return [end - start for start, end in self.pings]

    def during(self, windows: list[tuple[float, float]]) -> list[float]:
        return [
            end - start
            for start, end in self.pings
            if any(start < w_end and end > w_start for w_start, w_end in windows)
        ]


@dataclass
class Run:
    """One database's bot, its people, and what the actions left for the next ones."""

    config: Config
    cast: Cast
    emulator: Emulator
    people: dict[int, Person]
    bystander: Bystander
    url: str = ""
    replies: dict[str, int] = field(default_factory=dict)
    first: dict[int, int] = field(default_factory=dict)  # requester index -> request to take
    second: dict[int, int] = field(default_factory=dict)  # -> request to cancel
    takes: dict[int, int] = field(default_factory=dict)  # volunteer -> tasks taken
    _engine: AsyncEngine | None = None

    def person(self, user_id: int) -> Person:
        return self.people[user_id]

    async def offered(self, request_id: int) -> int:
        """A volunteer the request was pushed to (a team member when one was): only they
        may take it, and a big territory is offered in waves, so maybe nobody of the team.
        Read from the database (not timed), since a push reaches its chat at Telegram's pace."""
        if self._engine is None:
            self._engine = create_engine(self.url)
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(RequestPush.user_id).where(
                    RequestPush.request_id == request_id, RequestPush.declined.is_(False)
                )
            )
            offered = sorted(row[0] for row in rows)
        if not offered:
            raise AssertionError(f"request {request_id} was offered to nobody")
        # Whoever has taken fewest so far: a volunteer holds at most 5 open tasks.
        team = [user for user in offered if user in self.cast.team]
        chosen = min(team or offered, key=lambda user: (self.takes.get(user, 0), user))
        self.takes[chosen] = self.takes.get(chosen, 0) + 1
        return chosen

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


ActionFn = Callable[[Run, int], Awaitable[list[Sample]]]


async def _replies_after(person: Person, quiet: float = 0.7) -> int:
    """Further messages until none comes for ``quiet`` seconds."""
    extra = 0
    while True:
        try:
            await person.wait_messages(1, timeout=quiet)
        except TimeoutError:
            return extra
        extra += 1


def _text_action(name: str, text: str, who: Callable[[Run, int], int]) -> ActionFn:
    async def act(run: Run, index: int) -> list[Sample]:
        person = run.person(who(run, index))
        person.mark_read()
        started = time.perf_counter()
        await person.send_text(text)
        count = run.replies.get(name)
        if count is None:  # the first (uncounted) time: how many replies it gets
            await person.wait_messages(1, timeout=WAIT)
            ended = time.perf_counter()
            run.replies[name] = 1 + await _replies_after(person)
            return [Sample(started, ended)]
        await person.wait_messages(count, timeout=WAIT)
        return [Sample(started, time.perf_counter())]

    return act


def _admin(run: Run, index: int) -> int:
    return run.cast.admin


def _citizen(run: Run, index: int) -> int:
    return run.cast.leaving_citizens[index % run.cast.subjects]


def _helper(run: Run, index: int) -> int:
    return run.cast.team[index % run.cast.team_size]


def _newest(person: Person) -> int:
    return max((m.message_id for m in person.chat.bot_messages), default=0)


def _showing(label: str) -> Callable[[StoredMessage], bool]:
    return lambda message: any(label in row for row in message.buttons)


async def _step(
    person: Person, answer: str, press: bool, until: Callable[[StoredMessage], bool] | None
) -> None:
    """Answer one question (type it, or press its button) and wait for the next question: a
    message after it (that passes ``until``, when given). Waiting for the question rather
    than counting messages keeps this working while the form's wording and layout change."""
    newest = _newest(person)
    if press:
        if await person.press(answer, timeout=WAIT) is None:
            raise AssertionError(f"{answer!r} was not answered")
    else:
        await person.send_text(answer)
    test = until or (lambda message: True)
    await _until(person, lambda m: m.message_id > newest and test(m), f"after {answer!r}", WAIT)


async def _fill_and_confirm(person: Person, territory: str) -> tuple[int, Sample]:
    """The help form for an elderly neighbour, as tests/e2e/test_requests.py fills it, in
    ``territory``; then «✅ Подтвердить», timed until "✅ Заявка № N". The request's number."""
    await _step(person, "🆘 Попросить о помощи", False, _showing("Продукты"))
    await _step(person, "Продукты", True, _showing("Для другого человека"))
    await _step(person, "Для другого человека", True, None)
    await _step(person, "Анна Петровна", False, None)
    await _step(person, "82", False, None)
    await _step(person, "8 913 123 45 67", False, _showing("Да"))
    await _step(person, "Да", True, _showing("Далее ▶️"))
    for _ in range(10):
        if territory in _labels(person):
            break
        await person.press("Далее ▶️", timeout=WAIT)
    await _step(person, territory, True, None)
    await _step(person, "ул. Ленина, 5, кв. 12, подъезд 2", False, None)
    await _step(person, "Пропустить", False, None)
    await _step(person, "Хлеб, молоко, лекарства по рецепту", False, _showing("🚨 Сегодня"))
    await _step(person, "🚨 Сегодня", True, _showing("Утром, 9–12"))
    await _step(person, "Утром, 9–12", True, _showing("✅ Даю согласие"))
    await _step(person, "✅ Даю согласие", True, _showing(CONFIRM))
    newest = _newest(person)

    def created(message: StoredMessage) -> bool:
        return message.message_id > newest and message.body.startswith("✅ Заявка №")

    started = time.perf_counter()
    seen = asyncio.create_task(_until(person, created, "created", WAIT))
    await person.press(CONFIRM, timeout=WAIT)
    message = await seen
    sample = Sample(started, time.perf_counter())
    return _number(message.body), sample


async def _confirm(run: Run, index: int) -> list[Sample]:
    """Two requests by requester ``index``: the first for "take", the second for "cancel"."""
    person = run.person(run.cast.requesters[index])
    samples = []
    for store in (run.first, run.second):
        store[index], sample = await _fill_and_confirm(person, CITY_RU)
        samples.append(sample)
    return samples


async def _take(run: Run, index: int) -> list[Sample]:
    request_id = run.first[index]
    user_id = await run.offered(request_id)
    person = run.people.get(user_id)
    if person is None:  # a volunteer of the bulk: opens the bot first (not timed)
        person = run.people[user_id] = run.emulator.user(user_id, language_code="ru")
        await person.send_text("/start")
        await person.wait_messages(1, timeout=WAIT)
    started = time.perf_counter()
    answer = await person.press_data(TaskCb(id=request_id, action="take").pack(), timeout=WAIT)
    ended = time.perf_counter()
    if answer is None or not (answer.text or "").startswith("✅"):  # in their language
        raise AssertionError(f"take of {request_id}: {answer}")
    return [Sample(started, ended)]


async def _cancel(run: Run, index: int) -> list[Sample]:
    request_id = run.second[index]
    person = run.person(run.cast.requesters[index])
    data = MyRequestCb(id=request_id, action="cancel_yes").pack()
    started = time.perf_counter()
    answer = await person.press_data(data, timeout=WAIT)
    ended = time.perf_counter()
    if answer is None:
        raise AssertionError(f"cancel of {request_id} not answered")
    await _until(person, lambda m: m.body.startswith(f"Заявка № {request_id} отменена"), "cancel")
    return [Sample(started, ended)]


def _forget(who: Callable[[Cast], list[int]]) -> ActionFn:
    async def act(run: Run, index: int) -> list[Sample]:
        person = run.person(who(run.cast)[index])
        person.mark_read()
        await person.send_text("/forget")
        await person.wait_messages(1, timeout=WAIT)
        answered: list[float] = []

        async def press() -> None:
            await person.press_data(ProfileCb(action="forget_yes").pack(), timeout=WAIT)
            answered.append(time.perf_counter())

        started = time.perf_counter()
        pressing = asyncio.create_task(press())
        await _until(person, lambda m: m.body.startswith(FORGET_DONE), "forget done", WAIT)
        done = time.perf_counter()
        await pressing
        return [Sample(started, done, answered[0] if answered else started + WAIT)]

    return act


ACTIONS: dict[str, ActionFn] = {
    "start": _text_action("start", "/start", _citizen),
    "start_hq": _text_action("start_hq", "/start", _admin),
    "my_requests": _text_action("my_requests", "📋 Мои заявки", _citizen),
    "tasks": _text_action("tasks", "/tasks", _helper),
    "applications": _text_action("applications", "/applications", _admin),
    "volunteers": _text_action("volunteers", "/volunteers", _admin),
    "audit": _text_action("audit", "/audit", _admin),
    "requests": _text_action("requests", "/requests", _admin),
    "delivery": _text_action("delivery", "/delivery", _admin),
    "stats": _text_action("stats", "/stats", _admin),
    "scheduler": _text_action("scheduler", "/scheduler", _admin),
    # Before the confirms: each of those pushes ~1,700 people on the big database, and the
    # outbox then sends for an hour at Telegram's pace, which every later action would share.
    "forget_citizen": _forget(lambda cast: cast.leaving_citizens),
    "forget_volunteer": _forget(lambda cast: cast.leaving_volunteers),
    "confirm": _confirm,
    "take": _take,
    "cancel": _cancel,
}
NEEDS = {"take": "confirm", "cancel": "confirm"}


async def _measure(run: Run, name: str) -> dict[str, Any]:
    act, config = ACTIONS[name], run.config
    errors: list[str] = []

    async def attempt(index: int) -> list[Sample]:
        try:
            return await act(run, index)
        except (TimeoutError, AssertionError, LookupError) as exc:
            errors.append(f"#{index}: {type(exc).__name__}: {str(exc)[:200]}")
            return []

    # The people (or requests) this action works on: warm-up, timed, with the bystander.
    if name in NEEDS:  # the requests confirmed, when confirm stopped early on its budget
        available = sorted(run.first)
    else:
        available = list(range(config.warmup + config.repeats + config.stall))
    stall = config.stall if len(available) > config.warmup + config.stall else 0
    warm, middle = available[: config.warmup], available[config.warmup : len(available) - stall]
    for index in warm:
        await attempt(index)
    timed: list[Sample] = []
    began = time.perf_counter()
    stopped_early = False
    for index in middle:
        timed += await attempt(index)
        if len(errors) >= 3:
            break
        if time.perf_counter() - began > config.budget_s and len(timed) >= 5:
            stopped_early = True
            break
    windows: list[tuple[float, float]] = []
    run.bystander.pings = []
    run.bystander.start()
    try:
        for index in available[len(available) - stall :] if stall else []:
            if len(errors) >= 3:
                break
            windows += [(s.start, s.last) for s in await attempt(index)]
    finally:
        await run.bystander.stop()
    result: dict[str, Any] = {**_ms([s.seconds for s in timed])}
    if any(s.answer is not None for s in timed):
        result["answer"] = _ms([(s.answer or s.end) - s.start for s in timed])
    if stopped_early:
        result["stopped_after_budget_s"] = config.budget_s
    others = run.bystander.during(windows)
    result["other_max_ms"] = round(max(others) * 1000, 1) if others else None
    result["other_pings"] = len(others)
    if errors:
        result["errors"] = errors[:5]
    return result


# --- one database ------------------------------------------------------------------------------
_LOGGED = re.compile(r"update=\S+ kind=\S+ user=(\d+) outcome=\S+ ms=(\d+)")


async def measure_database(config: Config, url: str, workdir: Path) -> dict[str, Any]:
    """Start the bot on ``url``, bring everyone in, run the actions; the figures."""
    cast = config.cast
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    env = _bot_env(emulator, url)
    for production_pace in ("BENCH_DELIVERY_RATE", "DELIVERY_PRIVATE_INTERVAL"):
        env.pop(production_pace, None)
    env.update(THROTTLE_BURST="off", LOG_LEVEL="INFO", BENCH_INSTRUMENT="0")
    bot: Spawned | None = None
    run: Run | None = None
    results: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        bot = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, env)
        results["start_to_polling_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        people = await _start_people(emulator, cast.everyone(), "Житель")
        results["everyone_started_s"] = round(time.perf_counter() - started, 2)
        bystander = Bystander(emulator.user(cast.bystander))
        run = Run(config, cast, emulator, {p.id: p for p in people}, bystander, url)
        idle = await bystander.idle(30)
        results["bystander_idle"] = _ms(idle)
        actions: dict[str, Any] = {}
        for name in ACTIONS:
            wanted = not config.actions or name in config.actions
            if not wanted and name not in {NEEDS.get(a) for a in config.actions}:
                continue
            print(f"  {name} ...", flush=True)
            actions[name] = await _measure(run, name)
        results["actions"] = actions
        # Between the actions too (a form being filled, the bot's own jobs and deliveries).
        results["bystander_all"] = _ms(bystander.every)
        results["replies_per_action"] = run.replies
        results["bot_rss_mb"] = round(_rss(bot) / 2**20, 1)
    finally:
        log = await bot.stop() if bot is not None else ""
        await emulator.stop()
        if run is not None:
            await run.close()
    results["bot_log"] = _summarise_log(log, cast.bystander)
    if run is not None and "confirm" in results.get("actions", {}):
        results["audience"] = await _audience(url, run)
    return results


def _rss(bot: Spawned) -> int:
    import psutil

    return int(psutil.Process(bot.process.pid).memory_info().rss)


def _summarise_log(log: str, bystander: int) -> dict[str, Any]:
    logged = [int(m[2]) for m in _LOGGED.finditer(log) if int(m[1]) == bystander]
    warnings = [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line]
    seen: dict[str, int] = {}
    for line in warnings:
        text = re.sub(r"^\S+ \S+ ", "", line)
        text = re.sub(r"\d+", "N", text)[:160]
        seen[text] = seen.get(text, 0) + 1
    purged = sum(int(m[1]) for m in re.finditer(r"outbox retention: (\d+)", log))
    raised = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception)\b.*)$", log, re.MULTILINE)
    return {
        "bystander_logged_max_ms": max(logged) if logged else None,
        "outbox_rows_purged_by_retention": purged,
        "warnings": len(warnings),
        "job_runs_skipped": sum(1 for line in warnings if "maximum number of running" in line),
        "kinds": dict(sorted(seen.items(), key=lambda kv: -kv[1])[:8]),
        "exceptions": sorted({line[:200] for line in raised})[:5],
    }


async def _audience(url: str, run: Run) -> dict[str, Any]:
    """Who the confirmed requests were pushed to, and the "taken" edits a take wrote."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            pushed = [
                int(
                    await connection.scalar(
                        select(func.count()).where(RequestPush.request_id == request_id)
                    )
                    or 0
                )
                for request_id in [*run.first.values(), *run.second.values()]
            ]
            taken = [
                int(
                    await connection.scalar(
                        select(func.count()).where(
                            OutboxMessage.subject == f"req:{request_id}",
                            OutboxMessage.idempotency_key.contains(":taken:"),
                        )
                    )
                    or 0
                )
                for request_id in run.first.values()
            ]
    finally:
        await engine.dispose()
    return {
        "pushes_per_confirmed_request_median": statistics.median(pushed) if pushed else None,
        "taken_edits_per_take_median": statistics.median(taken) if taken else None,
    }


# --- comparison ------------------------------------------------------------------------------
def compare(small: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    idle = big.get("bystander_idle", {}).get("p50_ms", 0.0)
    table: dict[str, Any] = {}
    ok = True
    for name, figures in big.get("actions", {}).items():
        base = small.get("actions", {}).get(name, {})
        p95, base_p95 = figures.get("p95_ms"), base.get("p95_ms")
        row: dict[str, Any] = {
            "small_p50_ms": base.get("p50_ms"),
            "small_p95_ms": base_p95,
            "big_p50_ms": figures.get("p50_ms"),
            "big_p95_ms": p95,
            "ratio_p95": round(p95 / base_p95, 2) if p95 and base_p95 else None,
        }
        if name == "forget_citizen":
            row["target_p95_ms"] = ERASURE_TARGET_MS
            answer = figures.get("answer", {}).get("max_ms")
            row["big_answer_max_ms"] = answer
            meets = p95 is not None and p95 <= ERASURE_TARGET_MS
            meets = meets and answer is not None and answer < ANSWER_LIMIT_MS
        else:
            row["target_p95_ms"] = P95_TARGET_MS
            row["target_ratio"] = RATIO_TARGET
            meets = p95 is not None and p95 <= P95_TARGET_MS
            meets = meets and row["ratio_p95"] is not None and row["ratio_p95"] <= RATIO_TARGET
        other = figures.get("other_max_ms")
        row["other_max_ms"] = other
        row["other_delayed_ms"] = round(other - idle, 1) if other is not None else None
        row["other_delay_target_ms"] = DELAY_TARGET_MS
        stall_ok = row["other_delayed_ms"] is not None and row["other_delayed_ms"] <= 100
        row["meets"] = bool(meets and stall_ok and "errors" not in figures)
        ok = ok and row["meets"]
        table[name] = row
    return {"actions": table, "meets_targets": ok}


async def _sqlite(config: Config) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-region-"))
    try:
        small_path = workdir / "small.sqlite3"
        small_db = await sqlite_small(config.cast, small_path)
        print("sqlite: small database built; measuring", flush=True)
        small = await measure_database(config, f"sqlite+aiosqlite:///{small_path}", workdir)
        print("sqlite: big database ...", flush=True)
        big_path = workdir / "big.sqlite3"
        big_db = await sqlite_big(config.cast, config.sizes, big_path)
        print(f"sqlite: big database ready ({big_db['this_run']}); measuring", flush=True)
        big = await measure_database(config, f"sqlite+aiosqlite:///{big_path}", workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "big_db": big_db,
        "small_db": small_db,
        "big": big,
        "small": small,
        **compare(small, big),
    }


async def _pg(config: Config) -> dict[str, Any]:
    try:
        admin = await pg_admin(config.pg_url)
        await admin.close()
    except (OSError, Exception) as exc:  # asyncpg raises its own errors too
        return {"skipped": f"PostgreSQL unreachable at {config.pg_url}: {exc}"}
    workdir = Path(tempfile.mkdtemp(prefix="bench-region-pg-"))
    small_name, big_name = "bench_region_small", "bench_region"
    try:
        small_db = await pg_small(config.cast, config.pg_url, small_name)
        print("postgresql: small database built; measuring", flush=True)
        small = await measure_database(config, pg_url(config.pg_url, small_name), workdir)
        print("postgresql: big database ...", flush=True)
        big_db = await pg_big(config.cast, config.pg_sizes, config.pg_url, big_name)
        print(f"postgresql: big database ready ({big_db['this_run']}); measuring", flush=True)
        big = await measure_database(config, pg_url(config.pg_url, big_name), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        admin = await pg_admin(config.pg_url)
        try:
            await pg_drop(admin, small_name)
            await pg_drop(admin, big_name)
        finally:
            await admin.close()
    return {
        "sizes": config.pg_sizes.as_dict(),
        "big_db": big_db,
        "small_db": small_db,
        "big": big,
        "small": small,
        **compare(small, big),
    }


async def run() -> dict[str, Any]:
    config = Config.from_env()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "sizes": config.sizes.as_dict(),
        "city": CITY,
        "repeats": {
            "warmup": config.warmup,
            "timed": config.repeats,
            "with_bystander": config.stall,
        },
        "targets": {
            "p95_ms": P95_TARGET_MS,
            "ratio_to_small_p95": RATIO_TARGET,
            "erasure_of_citizen_with_20_requests_p95_ms": ERASURE_TARGET_MS,
            "other_person_delayed_ms": DELAY_TARGET_MS,
        },
    }
    verdicts = []
    if config.sqlite:
        report["sqlite"] = await _sqlite(config)
        verdicts.append(report["sqlite"]["meets_targets"])
    if config.pg:
        report["postgresql"] = await _pg(config)
        if "meets_targets" in report["postgresql"]:
            verdicts.append(report["postgresql"]["meets_targets"])
    report["wall_s"] = round(time.perf_counter() - started)
    report["meets_targets"] = bool(verdicts) and all(verdicts)
    return report


def _table(report: dict[str, Any]) -> str:
    lines = []
    for backend in ("sqlite", "postgresql"):
        section = report.get(backend)
        if not section or "actions" not in section:
            continue
        lines.append(f"{backend}: small p50/p95 | big p50/p95 (ratio) | other max ms")
        for name, row in section["actions"].items():
            lines.append(
                f"  {name:17} {row['small_p50_ms']}/{row['small_p95_ms']} | "
                f"{row['big_p50_ms']}/{row['big_p95_ms']} ({row['ratio_p95']}) | "
                f"{row['other_max_ms']} {'ok' if row['meets'] else 'MISSED'}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    result = asyncio.run(run())
    out = os.environ.get("BENCH_REGION_OUT")
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    print(_table(result))
    print(text if not out else f"wrote {out}")
    sys.exit(0)
