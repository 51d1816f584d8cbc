"""Help requests benchmark (issue 9): the whole flow's update rate against a bare echo bot, and
the latency of "take" over 100,000 requests in SQLite.

1. Flow throughput ratio. The real bot runs as a separate process (``python -m bot``, as in
   production; the driver and the emulator live in this process) against the Bot API emulator,
   on a fresh SQLite file seeded before start with 20 approved volunteers of territory "yurga"
   with the skill "delivery". Each volunteer, and every citizen, sends /start once before any
   timing. Then, one request after another, a different citizen each time fills in the
   Russian form for an elderly neighbour exactly as tests/e2e/test_requests.py
   ``_fill_for_other_ru`` does and confirms; all 20 volunteers receive the push; one of them
   (a different one each request) presses "Взять", then "✅ Выполнено", sends a report, the
   hours "1" and "Пропустить". Every update is awaited the way the e2e tests await it (a press
   until its callback answer, a text until its replies). The clock stops when the last
   request's "done" has reached its citizen and every other volunteer's push shows "taken",
   so the outbox's work is inside the time. Flow rate = updates sent / wall seconds.

   Telegram's pacing is switched off for the measurement, so that it does not measure sleep:
   DELIVERY_PRIVATE_INTERVAL=0 (1 s per private chat otherwise) and the global pace, which
   the settings cap at Telegram's 30 messages/s, is lifted through bench/bot_process.py (the
   bot's own ``create_app`` with ``delivery_rate`` raised after validation). The emulator's
   limits are off (its default). DELIVERY_POLL_INTERVAL stays at its default: how soon the
   outbox worker sees a push is the bot's own behaviour, not Telegram's.

   Baseline: a bare aiogram echo bot (bench/echo_bot.py), also a separate process, polling the
   same emulator with a second token, driven in the same run by exactly the same sequence of
   updates (same senders, same texts, presses as callback queries), each awaited for its
   reply. ratio = flow rate / echo rate; target >= 0.7. Each is measured ROUNDS times,
   alternating, and the best round of each counts.

2. Take latency. A migrated SQLite file with 100,000 help requests (mostly done or cancelled,
   2,000 new in yurga, each offered to its 20 volunteers, with those pushes' sent outbox rows;
   the older ones with 5 offers and a notice each), 5,000 citizens and 200 volunteers. Then
   ``help_requests.take`` + commit of 500 distinct new requests (after 20 not counted), each
   in its own session as a handler does. Target: p95 <= 10 ms. The same over a 3,000-request
   file tells what the table size adds. Also timed, not a target: the whole Telegram path, a
   press of "Взять" until its callback answer (which the bot sends after the handler: checks,
   take, edit, details), with the bot process on the 100,000-request file.

Figures besides the targets say where the flow's time goes: in the updates' own replies, in
waiting for the pushes, in the outbox after the last reply; per-update latency of both bots;
Bot API calls per update. Profile the bot process with BENCH_PROFILE=<file> (cProfile).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import TaskCb
from bot.sandbox import Call, CallbackAnswer, Emulator, Person, StoredMessage
from bot.services import help_requests, volunteers
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import (
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestPush,
    RequestStatus,
    Territory,
    User,
    Volunteer,
    migrate,
)
from models.db import create_engine, create_sessionmaker

TOKEN = "123456:sandbox-token"
ECHO_TOKEN = "654321:echo-token"
ADMIN_ID = 9001
ROOT = Path(__file__).resolve().parents[1]

VOLUNTEERS = 20
FLOW_REQUESTS = 20
ROUNDS = 2
TERRITORY = "yurga"
RU_TERRITORY = "Юргинский городской округ"
VOLUNTEER_IDS = [710_000 + n for n in range(VOLUNTEERS)]
CITIZEN_BASE = 720_000
WAIT = 30.0
RATIO_TARGET = 0.7

TOTAL_REQUESTS = 100_000
NEW_REQUESTS = 2_000
TAKES = 500
TELEGRAM_TAKES = 80  # 4 per volunteer: one holds at most 5 open tasks
SMALL_DB = 3_000
TAKE_P95_TARGET_MS = 10.0

_NUMBER = re.compile(r"№\D{0,3}(\d+)")


# --- processes ----------------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@dataclass
class Spawned:
    process: asyncio.subprocess.Process
    log: Path  # its stderr

    async def stop(self) -> str:
        """SIGTERM, wait; what the process wrote to stderr (warnings, tracebacks)."""
        if self.process.returncode is None:
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)


async def _spawn(
    emulator: Emulator, token: str, module: str, workdir: Path, env: dict[str, str]
) -> Spawned:
    """Start ``python -m module`` and wait until it polls the emulator with ``token``."""
    bot_id = int(token.split(":")[0])
    log = workdir / f"{module}.{bot_id}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, cwd=workdir, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    spawned = Spawned(process, log)
    deadline = time.monotonic() + WAIT
    while not any(c.bot_id == bot_id and c.method.lower() == "getupdates" for c in emulator.calls):
        if process.returncode is not None or time.monotonic() > deadline:
            text = await spawned.stop()
            raise RuntimeError(f"{module} did not start: {text[-2000:]}")
        await asyncio.sleep(0.02)
    return spawned


def _bot_env(emulator: Emulator, url: str) -> dict[str, str]:
    return _env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=url,
        ADMIN_IDS=str(ADMIN_ID),
        TERRITORIES="kuzbass",
        LOG_LEVEL="WARNING",
        DELIVERY_PRIVATE_INTERVAL="0",
        BENCH_DELIVERY_RATE="1000000",
        **({"BENCH_PROFILE": os.environ["BENCH_PROFILE"]} if "BENCH_PROFILE" in os.environ else {}),
    )


# --- database -----------------------------------------------------------------------------
async def _prepare(url: str, now: datetime) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """A migrated database with the shipped Kuzbass territories."""
    engine = create_engine(url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await load_from_file(session, "kuzbass", now)
        await session.commit()
    return engine, sessions


async def _add_volunteers(
    session: AsyncSession, user_ids: Iterable[int], territory_id: int, now: datetime
) -> dict[int, int]:
    """Approved "delivery" volunteers (the sign-up form has its own tests); user -> id."""
    ids: dict[int, int] = {}
    for n, user_id in enumerate(user_ids):
        await touch_user(
            session, Profile(user_id, f"Вол{n}", language_code="ru"), now, wrote_to_bot=True
        )
        application = volunteers.Application(
            name=f"Вол{n} Иванов", phone="+79030000000", territory_id=territory_id,
            skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        record = await volunteers.submit(session, user_id, application, now)
        await volunteers.decide(
            session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
        )
        ids[user_id] = record.id
    return ids


async def _territory_id(session: AsyncSession, code: str) -> int:
    territory_id = await session.scalar(select(Territory.id).where(Territory.code == code))
    assert territory_id is not None, code
    return territory_id


# --- driving people -----------------------------------------------------------------------
def _number(text: str) -> int:
    found = _NUMBER.search(text)
    if found is None:
        raise AssertionError(f"no request number in {text!r}")
    return int(found.group(1))


async def _until(
    person: Person, test: Callable[[StoredMessage], bool], what: str, timeout: float = WAIT
) -> StoredMessage:
    """The newest bot message of the person's chat that passes ``test``, once there is one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    notifier = person.state.notifier
    while True:
        version = notifier.version
        for message in reversed(person.chat.bot_messages):
            if not message.deleted and test(message):
                return message
        remaining = deadline - loop.time()
        if remaining <= 0:
            last = [m.body[:60] for m in person.chat.bot_messages[-3:]]
            raise TimeoutError(f"{person!r}: no {what} within {timeout}s; last: {last}")
        await notifier.wait(version, remaining)


def _starts(prefix: str) -> Callable[[StoredMessage], bool]:
    return lambda message: message.body.startswith(prefix)


@dataclass(frozen=True, slots=True)
class Step:
    """One update as the echo baseline replays it."""

    sender: int
    kind: str  # "text" or "press"
    text: str = ""
    replies: int = 0
    label: str = ""
    seconds: float = 0.0  # until its replies (its answer) arrived


@dataclass
class Driver:
    """Sends updates like the e2e tests do, counting them and recording their sequence."""

    steps: list[Step] = field(default_factory=list)
    pushes: list[float] = field(default_factory=list)  # confirm answered -> all 20 pushed

    async def text(self, person: Person, text: str, replies: int = 1) -> list[StoredMessage]:
        started = time.perf_counter()
        await person.send_text(text)
        got = await person.wait_messages(replies, timeout=WAIT) if replies else []
        seconds = time.perf_counter() - started
        self.steps.append(Step(person.id, "text", text, replies, text, seconds))
        return got

    async def press(
        self, person: Person, label: str, message_id: int | None = None
    ) -> CallbackAnswer:
        started = time.perf_counter()
        answer = await person.press(label, timeout=WAIT, message_id=message_id)
        seconds = time.perf_counter() - started
        if answer is None:
            raise TimeoutError(f"{person!r}: {label!r} was not answered within {WAIT}s")
        self.steps.append(Step(person.id, "press", label=label, seconds=seconds))
        return answer


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _request(driver: Driver, citizen: Person) -> int:
    """tests/e2e/test_requests.py ``_fill_for_other_ru``, then confirm; the request's number."""
    await driver.text(citizen, "🆘 Попросить о помощи", 3)  # intro, reply keys, the kinds
    await driver.press(citizen, "Продукты")
    await driver.press(citizen, "Для другого человека")
    await driver.text(citizen, "Анна Петровна")
    await driver.text(citizen, "82")
    await driver.text(citizen, "8 913 123 45 67", 2)
    await driver.press(citizen, "Да")
    for _ in range(10):
        if RU_TERRITORY in _labels(citizen):
            break
        await driver.press(citizen, "Далее ▶️")
    await driver.press(citizen, RU_TERRITORY)
    await driver.text(citizen, "ул. Ленина, 5, кв. 12, подъезд 2")
    await driver.text(citizen, "Пропустить")
    await driver.text(citizen, "Хлеб, молоко, лекарства по рецепту", 2)
    await driver.press(citizen, "🚨 Сегодня")
    await driver.press(citizen, "Утром, 9–12")
    await driver.press(citizen, "✅ Даю согласие")
    citizen.mark_read()
    await driver.press(citizen, "✅ Подтвердить")
    [created] = await citizen.wait_messages(1, timeout=WAIT)
    if not created.body.startswith("✅ Заявка №"):
        raise AssertionError(f"confirm answered {created.body!r}")
    return _number(created.body)


async def _complete(driver: Driver, taker: Person, push: StoredMessage, number: int) -> None:
    taker.mark_read()
    answer = await driver.press(taker, "Взять", message_id=push.message_id)
    if not (answer.text or "").startswith("✅ Вы взяли"):
        raise AssertionError(f"take of № {number} answered {answer.text!r}")
    await taker.wait_messages(1, timeout=WAIT)  # the details
    taker.mark_read()
    await driver.press(taker, "✅ Выполнено")
    await taker.wait_messages(1, timeout=WAIT)
    await driver.text(taker, "Купил хлеб, молоко и лекарства")
    await driver.text(taker, "1")
    [done] = await driver.text(taker, "Пропустить")
    if not done.body.startswith(f"🎉 Спасибо! Задача № {number}"):
        raise AssertionError(f"done of № {number} answered {done.body!r}")


async def _one_flow(
    driver: Driver, citizen: Person, team: list[Person], taker: Person
) -> tuple[int, list[Person]]:
    number = await _request(driver, citizen)
    head = f"🆕 Задача № {number}:"
    started = time.perf_counter()
    pushes = await asyncio.gather(*(_until(p, _starts(head), f"push {number}") for p in team))
    driver.pushes.append(time.perf_counter() - started)
    await _complete(driver, taker, pushes[team.index(taker)], number)
    return number, [p for p in team if p is not taker]


@dataclass(frozen=True, slots=True)
class FlowRound:
    driver: Driver
    seconds: float  # wall, first update to the last outbox message seen
    drain: float  # of which: after the last update's reply, until the outbox's last message


async def _flow_round(team: list[Person], citizens: list[Person]) -> FlowRound:
    """The whole flow for each citizen in turn."""
    driver = Driver()
    started = time.perf_counter()
    finished: list[tuple[int, Person, list[Person]]] = []
    for n, citizen in enumerate(citizens):
        taker = team[n % len(team)]
        number, others = await _one_flow(driver, citizen, team, taker)
        finished.append((number, citizen, others))
    replied = time.perf_counter()
    # The outbox's part: the citizens hear "done", the others see their push taken.
    waits = []
    for number, citizen, others in finished:
        waits.append(_until(citizen, _starts(f"✅ Заявка № {number} выполнена"), "done"))
        taken = f"Задачу № {number} уже взял"
        waits += [_until(p, _starts(taken), f"taken edit {number}") for p in others]
    await asyncio.gather(*waits)
    ended = time.perf_counter()
    return FlowRound(driver, ended - started, ended - replied)


async def _echo_round(emulator: Emulator, steps: list[Step]) -> tuple[float, int]:
    """The same updates to the echo bot, each awaited for its reply; (wall seconds, the echo
    bot's Bot API calls meanwhile)."""
    people = {s.sender: emulator.user(s.sender, bot=ECHO_TOKEN) for s in steps}
    for person in people.values():  # something to press on
        if not person.chat.bot_messages:
            await person.send_text("/start")
            await person.wait_messages(1, timeout=WAIT)
    first = len(emulator.calls)
    started = time.perf_counter()
    for step in steps:
        person = people[step.sender]
        if step.kind == "press":
            if await person.press_data("x", timeout=WAIT) is None:
                raise TimeoutError("the echo bot did not answer a callback query")
        else:
            await person.send_text(step.text)
            await person.wait_messages(1, timeout=WAIT)
    seconds = time.perf_counter() - started
    return seconds, _api_calls(emulator.calls[first:], ECHO_TOKEN)


async def _start_people(emulator: Emulator, ids: Iterable[int], name: str) -> list[Person]:
    people = [emulator.user(i, first_name=f"{name}{i % 1000}", language_code="ru") for i in ids]
    for person in people:
        await person.send_text("/start")
    await asyncio.gather(*(p.wait_messages(1, timeout=WAIT) for p in people))
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    for person in people:
        person.mark_read()
    return people


async def measure_flow() -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-requests-flow-"))
    url = f"sqlite+aiosqlite:///{workdir}/flow.sqlite3"
    now = datetime.now(UTC)
    engine, sessions = await _prepare(url, now)
    async with sessions() as session:
        territory_id = await _territory_id(session, TERRITORY)
        await _add_volunteers(session, VOLUNTEER_IDS, territory_id, now)
        await session.commit()
    await engine.dispose()

    emulator = Emulator(tokens=[TOKEN, ECHO_TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    processes: list[Spawned] = []
    try:
        bot = await _spawn(emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url))
        processes.append(bot)
        echo_env = _env(BOT_TOKEN=ECHO_TOKEN, TELEGRAM_API_URL=emulator.base_url)
        echo = await _spawn(emulator, ECHO_TOKEN, "bench.echo_bot", workdir, echo_env)
        processes.append(echo)

        team = await _start_people(emulator, VOLUNTEER_IDS, "Вол")
        citizen_ids = [CITIZEN_BASE + n for n in range(1 + ROUNDS * FLOW_REQUESTS)]
        citizens = await _start_people(emulator, citizen_ids, "Мария")
        flows: list[FlowRound] = []
        echoes: list[float] = []
        flow_calls = echo_calls = 0  # of the last round
        cpus: list[tuple[float, float]] = []  # CPU seconds of the bot, the echo bot
        for index in range(ROUNDS + 1):  # the first (one request) warms both bots up
            group = (
                citizens[:1]
                if index == 0
                else citizens[1 + (index - 1) * FLOW_REQUESTS : 1 + index * FLOW_REQUESTS]
            )
            before, cpu = len(emulator.calls), bot.cpu_seconds()
            flow = await _flow_round(team, group)
            flow_cpu = bot.cpu_seconds() - cpu
            await emulator.wait_idle(quiet=0.3, timeout=WAIT)
            flow_calls = _api_calls(emulator.calls[before:], TOKEN)
            cpu = echo.cpu_seconds()
            echo_seconds, echo_calls = await _echo_round(emulator, flow.driver.steps)
            echo_cpu = echo.cpu_seconds() - cpu  # a little more than the timed part
            await emulator.wait_idle(quiet=0.3, timeout=WAIT)
            if index > 0:
                flows.append(flow)
                echoes.append(echo_seconds)
                cpus.append((flow_cpu, echo_cpu))
    finally:
        logs = [await p.stop() for p in processes]
        await emulator.stop()

    engine = create_engine(url)
    async with engine.connect() as connection:
        done = await connection.scalar(
            select(func.count(HelpRequest.id)).where(HelpRequest.status == RequestStatus.DONE)
        )
    await engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    best = min(flows, key=lambda f: f.seconds)
    steps = best.driver.steps
    updates = len(steps)
    echo_seconds = min(echoes)
    flow_rate = updates / best.seconds
    echo_rate = updates / echo_seconds
    in_updates = sum(s.seconds for s in steps)
    pushes = sum(best.driver.pushes)
    by_label: dict[str, list[float]] = {}
    for step in steps:
        by_label.setdefault(step.label, []).append(step.seconds)
    slowest = sorted(by_label.items(), key=lambda kv: -statistics.fmean(kv[1]))[:4]
    return {
        "requests_per_round": FLOW_REQUESTS,
        "volunteers": VOLUNTEERS,
        "updates_per_round": updates,
        "flow_rounds_s": [round(f.seconds, 3) for f in flows],
        "flow_updates_per_s": round(flow_rate, 1),
        "echo_rounds_s": [round(s, 3) for s in echoes],
        "echo_updates_per_s": round(echo_rate, 1),
        "flow_to_echo_ratio": round(flow_rate / echo_rate, 3),
        "flow_to_echo_ratio_target": RATIO_TARGET,
        # Where the best flow round's time went.
        "flow_s_per_request": round(best.seconds / FLOW_REQUESTS, 3),
        "flow_s_in_updates": round(in_updates, 3),
        "flow_s_waiting_for_pushes": round(pushes, 3),
        "flow_s_outbox_after_last_reply": round(best.drain, 3),
        "flow_update_ms": _percentiles([s.seconds for s in steps]),
        "echo_update_ms_mean": round(echo_seconds / updates * 1000, 2),
        # Bot API calls (not counting getUpdates) per update: the work behind each reply.
        "flow_api_calls_per_update": round(flow_calls / updates, 2),
        "echo_api_calls_per_update": round(echo_calls / updates, 2),
        # CPU of each bot process (all its threads) per update, over its rounds.
        "flow_bot_cpu_ms_per_update": round(
            sum(c for c, _ in cpus) / (updates * len(cpus)) * 1000, 2
        ),
        "echo_bot_cpu_ms_per_update": round(
            sum(c for _, c in cpus) / (updates * len(cpus)) * 1000, 2
        ),
        "push_wait_ms": _percentiles(best.driver.pushes),
        "slowest_updates_ms_mean": {
            label: round(statistics.fmean(times) * 1000, 1) for label, times in slowest
        },
        "requests_done_in_db": done,
        "bot_log": _log_lines(logs),
    }


def _api_calls(calls: list[Call], token: str) -> int:
    bot_id = int(token.split(":")[0])
    return sum(1 for c in calls if c.bot_id == bot_id and c.method.lower() != "getupdates")


def _log_lines(logs: list[str]) -> list[str]:
    """What the processes logged (LOG_LEVEL=WARNING), once each, without the shutdown notice."""
    seen: dict[str, None] = {}
    for log in logs:
        for line in log.splitlines():
            text = re.sub(r"^\d{4}-\d\d-\d\d \S+ ", "", line.strip())  # the timestamp
            if text and "SIGTERM" not in text:
                seen.setdefault(text[:300], None)
    return list(seen)[:20]


# --- take latency over 100,000 requests -------------------------------------------------------
HISTORY = (  # status, share of the requests that are not "new"
    (RequestStatus.DONE, 0.82),
    (RequestStatus.CANCELLED, 0.142),
    (RequestStatus.FAILED, 0.03),
    # In hand now: ~780, a few per volunteer outside yurga (one holds at most 5).
    (RequestStatus.TAKEN, 0.005),
    (RequestStatus.ON_WAY, 0.003),
)
KINDS = ("groceries", "medicine", "utilities", "coal", "snow", "household", "ride", "other")
CITIZENS = 5_000
OTHER_VOLUNTEERS = 180
HISTORY_PUSHES = 5  # offers kept per old request (the new ones: every yurga volunteer)
PUSH_PAYLOAD = {"text": {"key": "request-push", "args": {}, "literal": None}, "buttons": []}


@dataclass(frozen=True, slots=True)
class TakeDb:
    workdir: Path
    url: str
    yurga_volunteers: dict[int, int]  # user -> volunteer id, offered every new request
    new_ids: list[int]  # "new" requests of yurga, oldest first
    build_seconds: float


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _insert(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 20_000):
        await session.execute(insert(table), rows[start : start + 20_000])


async def build_take_db(total: int) -> TakeDb:
    """``total`` requests: the newest NEW_REQUESTS of them "new" in yurga and offered to its
    20 volunteers (pushes and their sent outbox rows), the rest history over every territory
    (HISTORY_PUSHES offers and a "done"/"taken" notice each)."""
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-requests-take-"))
    url = f"sqlite+aiosqlite:///{workdir}/take.sqlite3"
    now = datetime.now(UTC)
    engine, sessions = await _prepare(url, now)
    rng = random.Random(9)
    async with sessions() as session:
        yurga = await _territory_id(session, TERRITORY)
        territories = list((await session.scalars(select(Territory.id))).all())
        team = await _add_volunteers(session, VOLUNTEER_IDS, yurga, now)
        citizens = [730_000 + n for n in range(CITIZENS)]
        others = [740_000 + n for n in range(OTHER_VOLUNTEERS)]
        users = [
            {"id": uid, "first_name": f"Ч{uid}", "language_code": "ru", "blocked_bot": False,
             "created_at": now, "updated_at": now}
            for uid in citizens + others
        ]  # fmt: skip
        await _insert(session, User, users)
        await _insert(
            session,
            Volunteer,
            [
                {"user_id": uid, "status": "approved", "name": f"В{uid} Иванов",
                 "phone": "+79030000000", "territory_id": rng.choice(territories),
                 "skills": ["delivery"], "age_group": "35-54", "availability": ["evenings"],
                 "consent_at": now, "consent_version": "2026-11", "hours": 0.0,
                 "tasks_done": 0, "created_at": now, "updated_at": now}
                for uid in others
            ],
        )  # fmt: skip
        volunteer_ids = list((await session.scalars(select(Volunteer.id))).all())
        away = [v for v in volunteer_ids if v not in team.values()]
        old = total - NEW_REQUESTS
        statuses = (
            rng.choices([s for s, _ in HISTORY], weights=[w for _, w in HISTORY], k=old)
            + [RequestStatus.NEW] * NEW_REQUESTS
        )
        requests: list[dict[str, Any]] = []
        for n, status in enumerate(statuses):
            created = now - timedelta(minutes=(total - n) * 7)
            fresh = status == RequestStatus.NEW
            requests.append(
                {
                    "id": n + 1,
                    "requester_id": rng.choice(citizens),
                    "kind": "groceries" if fresh else rng.choice(KINDS),
                    "for_other": n % 3 == 0,
                    "person_name": "Анна Петровна",
                    "person_age": 82,
                    "person_phone": "+79131234567",
                    "self_isolation": False,
                    "territory_id": yurga if fresh else rng.choice(territories),
                    "address": "ул. Ленина, 5, кв. 12",
                    "details": "Хлеб, молоко, лекарства по рецепту",
                    "urgency": "today",
                    "time_window": "morning",
                    "status": status.value,
                    "push_round": 0,
                    "volunteer_id": _holder(status, volunteer_ids, away, n),
                    "door_code": f"{rng.randrange(10_000):04d}",
                    "hours": 1.5 if status == RequestStatus.DONE else None,
                    "form_token": f"{n:032x}",
                    "consent_at": created,
                    "consent_version": "2026-11",
                    "created_at": created,
                    "updated_at": created,
                }
            )
        await _insert(session, HelpRequest, requests)
        pushes: list[dict[str, Any]] = []
        outbox: list[dict[str, Any]] = []
        new_ids = [r["id"] for r in requests if r["status"] == RequestStatus.NEW]
        for request_id in new_ids:
            for user_id, volunteer_id in team.items():
                pushes.append(
                    {"request_id": request_id, "volunteer_id": volunteer_id, "push_round": 0,
                     "user_id": user_id, "declined": False, "created_at": now}
                )  # fmt: skip
                key = f"req:{request_id}:r0:push:{user_id}"
                outbox.append(_sent(key, user_id, now, telegram_message_id=request_id))
        for request in requests[:old]:
            for volunteer_id in rng.sample(volunteer_ids, HISTORY_PUSHES):
                pushes.append(
                    {"request_id": request["id"], "volunteer_id": volunteer_id,
                     "push_round": 0, "user_id": 0, "declined": False,
                     "created_at": request["created_at"]}
                )  # fmt: skip
            key = f"req:{request['id']}:request-{request['status']}:0"
            outbox.append(_sent(key, request["requester_id"], request["created_at"]))
        await _insert(session, RequestPush, pushes)
        await _insert(session, OutboxMessage, outbox)
        await session.commit()
    async with engine.connect() as connection:
        await connection.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return TakeDb(workdir, url, team, new_ids, time.perf_counter() - started)


def _holder(status: RequestStatus, everyone: list[int], away: list[int], n: int) -> int | None:
    """Who took an old request: anyone for a closed one, a volunteer outside yurga (in turn,
    so nobody holds more than a few) for one still in hand."""
    if status in (RequestStatus.NEW, RequestStatus.CANCELLED):
        return None
    if status in (RequestStatus.TAKEN, RequestStatus.ON_WAY):
        return away[n % len(away)]
    return everyone[n % len(everyone)]


def _sent(
    key: str, chat_id: int, when: datetime, telegram_message_id: int | None = None
) -> dict[str, Any]:
    return {
        "idempotency_key": key, "chat_id": chat_id, "priority": 1, "payload": PUSH_PAYLOAD,
        "edit_key": None, "personal": False, "status": OutboxStatus.SENT.value, "attempts": 1,
        "not_before": when, "next_attempt_at": when, "telegram_message_id": telegram_message_id,
        "created_at": when, "sent_at": when,
    }  # fmt: skip


async def measure_takes(db: TakeDb, takes: int) -> dict[str, Any]:
    """take + commit of ``takes`` distinct new requests, each in its own session (after 20
    not counted); each by the next of the 20 volunteers, as if they pressed in turn."""
    engine = create_engine(db.url)
    sessions = create_sessionmaker(engine)
    team = list(db.yurga_volunteers.values())
    samples: list[float] = []
    try:
        for n, request_id in enumerate(db.new_ids[: 20 + takes]):
            async with sessions() as session:
                volunteer = await session.get(Volunteer, team[n % len(team)])
                assert volunteer is not None
                started = time.perf_counter()
                result = await help_requests.take(session, request_id, volunteer, datetime.now(UTC))
                await session.commit()
                seconds = time.perf_counter() - started
            if result is None or not result.won:
                raise AssertionError(f"take of {request_id} lost")
            if n >= 20:
                samples.append(seconds)
    finally:
        await engine.dispose()
    return {"count": len(samples), **_percentiles(samples)}


async def measure_telegram_takes(db: TakeDb, first: int, count: int) -> dict[str, Any]:
    """A press of "Взять" until its callback answer, through the emulator, the bot process on
    the same database (the answer comes after the handler: take, edit, details sent)."""
    workdir = db.workdir
    # The earlier takes are done and what they queued (the "taken" edits, the requesters'
    # notices) delivered: the bot starts with an empty queue, and the volunteers with no task
    # in hand (a volunteer holds a few at most).
    engine = create_engine(db.url)
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENT.value)
        )
        await connection.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(db.new_ids[:first]))
            .values(status=RequestStatus.DONE.value, hours=1.0)
        )
    await engine.dispose()
    emulator = Emulator(tokens=[TOKEN])
    await emulator.start(host="127.0.0.1", port=0)
    latencies: list[float] = []
    process: Spawned | None = None
    try:
        process = await _spawn(
            emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, db.url)
        )
        team = await _start_people(emulator, list(db.yurga_volunteers), "Вол")
        ids = db.new_ids[first : first + count]
        for n, request_id in enumerate(ids):
            person = team[n % len(team)]
            data = TaskCb(id=request_id, action="take").pack()
            started = time.perf_counter()
            answer = await person.press_data(data, timeout=WAIT)
            latencies.append(time.perf_counter() - started)
            if answer is None or not (answer.text or "").startswith("✅ Вы взяли"):
                raise AssertionError(f"take of {request_id}: {answer}")
    finally:
        log = await process.stop() if process is not None else ""
        await emulator.stop()
    counted = latencies[5:]  # the first presses warm the bot up
    return {"count": len(counted), **_percentiles(counted), "bot_log": _log_lines([log])}


async def measure_take_latency() -> dict[str, Any]:
    # The same takes over a small table first: what the 100,000 rows add, if anything.
    small_db = await build_take_db(SMALL_DB)
    small = await measure_takes(small_db, TAKES)
    shutil.rmtree(small_db.workdir, ignore_errors=True)
    db = await build_take_db(TOTAL_REQUESTS)
    try:
        take = await measure_takes(db, TAKES)
        telegram = await measure_telegram_takes(db, 20 + TAKES, TELEGRAM_TAKES)
    finally:
        shutil.rmtree(db.workdir, ignore_errors=True)
    return {
        "requests_in_db": TOTAL_REQUESTS,
        "build_s": round(db.build_seconds, 1),
        "take_commit": take,
        "take_commit_p95_target_ms": TAKE_P95_TARGET_MS,
        f"take_commit_with_{SMALL_DB}_requests": small,
        "take_telegram_press": telegram,
    }


async def run() -> dict[str, Any]:
    flow = await measure_flow()
    take = await measure_take_latency()
    p95 = take["take_commit"]["p95_ms"]
    return {
        "flow": flow,
        "take": take,
        "meets_targets": flow["flow_to_echo_ratio"] >= RATIO_TARGET and p95 <= TAKE_P95_TARGET_MS,
    }
