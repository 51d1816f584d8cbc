"""Help requests benchmark (issues 9 and 15): the whole flow against its replay floor, the bot's
CPU and database work per update, the plain case, on SQLite and PostgreSQL, and the latency of
"take" over 100,000 requests.

1. The flow. The real bot runs as a separate process (bench/bot_process.py: ``python -m bot``'s
   own application, with counters installed from outside, see bench/instrument.py) against
   the Bot API emulator (bot.sandbox.Emulator, in this process with the driver), on a fresh
   database seeded before start with 20 approved volunteers of territory "yurga" with the
   skill "delivery". Each volunteer and every citizen sends /start once before any timing.
   Then, one request after another, a different citizen each time fills in the Russian form
   for an elderly neighbour as tests/e2e/test_requests.py ``_fill_for_other_ru`` does and
   confirms; all 20 volunteers receive the push; one of them (a different one each request)
   presses "Взять", then "✅ Выполнено", sends a report, the hours "1" and "Пропустить".
   Every update is awaited the way the e2e tests await it (a press until its callback
   answer, a text until its replies, the confirm until the 20 pushes have arrived). A round
   is FLOW_REQUESTS requests (23 updates each); its clock stops when the last request's
   "done" has reached its citizen and every other volunteer's push shows "taken", so the
   outbox's work is inside the time. Flow rate = updates / wall seconds of the round.

   Telegram's pacing is off, so the benchmark does not measure sleep: DELIVERY_PRIVATE_INTERVAL=0
   and the global pace lifted (bench/bot_process.py raises ``delivery_rate`` after
   validation); the emulator's limits are off. DELIVERY_POLL_INTERVAL stays at its default.

2. The replay floor (bench/floor_bot.py), on a second token of the same emulator. During each
   flow round every Bot API call of the bot is tagged with the update it serves (the
   handler's calls, and the outbox worker's sends of the rows that update's handler
   inserted); from the emulator's call log the round's script is built: per update, the
   handler's calls in order and the outbox's calls with where in the handler's sequence the
   worker started them. The floor bot, a bare aiogram bot with no database and no logic,
   loads that script and, for each incoming update, makes the same calls (same methods and
   payloads; edits and answers aimed at its own messages and callback queries; the outbox's
   calls as concurrent tasks, one in flight per chat, at most 16 at once, as the worker
   does). It is driven by the same driver code with the same update sequence, awaited the
   same way (its messages read the same, so the same waits apply). ratio = flow rate / floor
   rate, per round; target >= 0.6. The bare echo bot (bench/echo_bot.py: one reply per
   update), driven by the same updates, is reported too.

3. Bot CPU per update, the headline: the bot process's CPU (psutil: user + system, all
   threads) over a round, from just before its first update until the emulator is idle after
   it, divided by its updates; target <= 5 ms. Also per update, from counters inside the bot
   process taken at the same two moments: SQL statements, sessions, commits, rollbacks
   (explicit ones and pool-reset rollbacks), round trips to aiosqlite's thread (and the
   SQLAlchemy adapter's driver awaits, which on PostgreSQL are asyncpg round trips),
   thread-pool hops, GC collections, the CPU of the main thread and of the other threads;
   the statements split by origin (update handling, outbox worker, other). The outbox:
   messages it sent (Bot API calls), its CPU per message (main-thread CPU inside its
   coroutines, which includes SQLite's work when it runs without a thread, plus the
   aiosqlite thread's CPU for its statements when it has one; bench/instrument.py), claims
   and empty claims per message. Every figure is the median over ROUNDS rounds (5; 3 on
   PostgreSQL), after a warm-up round of one request for each bot. The floor's and the
   echo bot's CPU per update are measured alike.

4. The plain case (bench/plain.py), same run, same emulator: an unknown text from a citizen
   who is not in a form, answered with a hint and the menu (one Bot API call), against the
   echo bot, the same texts awaited the same way; ratio of updates/s, target >= 0.6. Timed
   on a bot process without the counters (its own token and database, the same code and
   settings); the SQL per update from one more round on the flow's counted process.

5. The flow on PostgreSQL: the same rounds on a database created for the run on the server of
   BENCH_DATABASE_URL / TEST_DATABASE_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/
   test) and dropped after; the same figures over PG_ROUNDS rounds (3), reported without
   targets (issue 15). Skipped, with the reason in the results, when the server cannot be
   reached.

6. Take latency. A migrated SQLite file with 100,000 help requests (mostly done or cancelled,
   2,000 new in yurga, each offered to its 20 volunteers, with those pushes' sent outbox rows;
   the older ones with 5 offers and a notice each), 5,000 citizens and 200 volunteers. Then
   ``help_requests.take`` + commit of 500 distinct new requests (after 20 not counted), each
   in its own session as a handler does. Target: p95 <= 10 ms. The same over a 3,000-request
   file tells what the table size adds. Also timed, not a target: the whole Telegram path, a
   press of "Взять" until its callback answer, with the bot process on the 100,000-request
   file.

BENCH_QUICK=1: 2 rounds of 5 requests (for iterating; ``make bench`` uses the defaults).
BENCH_PARTS=sqlite,postgresql,take: the parts to run (default all). Profile the bot process
with BENCH_PROFILE=<file> (cProfile).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
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
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bench import plain
from bench.floor_bot import CONTROL_USER, build_script
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
FLOOR_TOKEN = "345678:floor-token"
ECHO_TOKEN = "654321:echo-token"
PLAIN_TOKEN = "765432:plain-token"  # the plain case's bot without counters
ADMIN_ID = 9001
ROOT = Path(__file__).resolve().parents[1]

QUICK = os.environ.get("BENCH_QUICK") == "1"
PARTS = frozenset(
    p.strip() for p in os.environ.get("BENCH_PARTS", "sqlite,postgresql,take").split(",")
)
VOLUNTEERS = 20
FLOW_REQUESTS = 5 if QUICK else 20
ROUNDS = 2 if QUICK else 5
PG_ROUNDS = 2 if QUICK else 3  # a PostgreSQL round takes about twice as long
PLAIN_UPDATES = 60 if QUICK else 200  # per round
TERRITORY = "yurga"
RU_TERRITORY = "Юргинский городской округ"
VOLUNTEER_IDS = [710_000 + n for n in range(VOLUNTEERS)]
CITIZEN_BASE = 720_000
PLAIN_SENDERS = [750_000 + n for n in range(20)]
WAIT = 30.0
FLOOR_RATIO_TARGET = 0.6
CPU_MS_TARGET = 5.0
PLAIN_RATIO_TARGET = 0.6
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

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
    stats_path: Path | None = None
    _stats_seq: int = 0

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

    def rss(self) -> int:
        return int(psutil.Process(self.process.pid).memory_info().rss)

    async def stats(self) -> dict[str, Any]:
        """The bot process's counters now (bench/bot_process.py writes them on SIGUSR1)."""
        assert self.stats_path is not None
        self._stats_seq += 1
        os.kill(self.process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                data: dict[str, Any] = json.loads(self.stats_path.read_text(encoding="utf-8"))
                if data.get("seq") == self._stats_seq:
                    return data
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the bot process wrote no counters")
            await asyncio.sleep(0.005)


async def _spawn(
    emulator: Emulator,
    token: str,
    module: str,
    workdir: Path,
    env: dict[str, str],
    stats_path: Path | None = None,
) -> Spawned:
    """Start ``python -m module`` and wait until it polls the emulator with ``token``."""
    bot_id = int(token.split(":")[0])
    log = workdir / f"{module}.{bot_id}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, cwd=workdir, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    spawned = Spawned(process, log, stats_path)
    deadline = time.monotonic() + WAIT
    while not any(c.bot_id == bot_id and c.method.lower() == "getupdates" for c in emulator.calls):
        if process.returncode is not None or time.monotonic() > deadline:
            log_text = await spawned.stop()
            raise RuntimeError(f"{module} did not start: {log_text[-2000:]}")
        await asyncio.sleep(0.02)
    return spawned


def _bot_env(emulator: Emulator, url: str, stats: Path | None = None) -> dict[str, str]:
    return _env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=url,
        ADMIN_IDS=str(ADMIN_ID),
        TERRITORIES="kuzbass",
        LOG_LEVEL="WARNING",
        DELIVERY_PRIVATE_INTERVAL="0",
        BENCH_DELIVERY_RATE="1000000",
        # Kuzbass's night would hold a «today» request until morning: a run measures the
        # same work at any hour.
        QUIET_HOURS="off",
        **({"BENCH_STATS": str(stats)} if stats is not None else {}),
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


def _pg_server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", DEFAULT_PG_URL
    )


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(_pg_server_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


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
    """One update as the baselines replay it."""

    sender: int
    kind: str  # "text" or "press"
    update_id: int
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
        update_id = person.state.updates.next_id
        started = time.perf_counter()
        await person.send_text(text)
        got = await person.wait_messages(replies, timeout=WAIT) if replies else []
        seconds = time.perf_counter() - started
        self.steps.append(Step(person.id, "text", update_id, text, replies, text, seconds))
        return got

    async def press(
        self, person: Person, label: str, message_id: int | None = None
    ) -> CallbackAnswer:
        update_id = person.state.updates.next_id
        started = time.perf_counter()
        answer = await person.press(label, timeout=WAIT, message_id=message_id)
        seconds = time.perf_counter() - started
        if answer is None:
            raise TimeoutError(f"{person!r}: {label!r} was not answered within {WAIT}s")
        self.steps.append(Step(person.id, "press", update_id, label=label, seconds=seconds))
        return answer


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _request(driver: Driver, citizen: Person) -> int:
    """tests/e2e/test_requests.py ``_fill_for_other_ru``, then confirm; the request's number."""
    await driver.text(citizen, "🆘 Попросить о помощи", 2)  # the intro, then the kinds
    await driver.press(citizen, "Продукты")
    await driver.press(citizen, "Для другого человека")
    await driver.text(citizen, "Анна Петровна")
    await driver.text(citizen, "82")
    await driver.text(citizen, "8 913 123 45 67")
    await driver.press(citizen, "Да")
    for _ in range(10):
        if RU_TERRITORY in _labels(citizen):
            break
        await driver.press(citizen, "Далее ▶️")
    await driver.press(citizen, RU_TERRITORY)
    await driver.text(citizen, "ул. Ленина, 5, кв. 12, подъезд 2")
    await driver.text(citizen, "Пропустить")
    await driver.text(citizen, "Хлеб, молоко, лекарства по рецепту")
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
    """The whole flow for each citizen in turn (the real bot, or the floor replaying it)."""
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


async def _echo_round(
    emulator: Emulator, steps: list[Step], cpu_seconds: Callable[[], float]
) -> tuple[float, int, float]:
    """The same updates to the echo bot, each awaited for its reply; (wall seconds, the echo
    bot's Bot API calls meanwhile, its CPU seconds until the emulator is idle after)."""
    people = {s.sender: emulator.user(s.sender, bot=ECHO_TOKEN) for s in steps}
    for person in people.values():  # something to press on
        if not person.chat.bot_messages:
            await person.send_text("/start")
            await person.wait_messages(1, timeout=WAIT)
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    first, cpu = len(emulator.calls), cpu_seconds()
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
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    return seconds, _api_calls(emulator.calls[first:], ECHO_TOKEN), cpu_seconds() - cpu


async def _start_people(
    emulator: Emulator, ids: Iterable[int], name: str, token: str = TOKEN
) -> list[Person]:
    people = [
        emulator.user(i, first_name=f"{name}{i % 1000}", language_code="ru", bot=token) for i in ids
    ]
    for person in people:
        await person.send_text("/start")
    await asyncio.gather(*(p.wait_messages(1, timeout=WAIT) for p in people))
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    for person in people:
        person.mark_read()
    return people


def _bot_id(token: str) -> int:
    return int(token.split(":")[0])


def _api_calls(calls: list[Call], token: str) -> int:
    bot_id = _bot_id(token)
    return sum(1 for c in calls if c.bot_id == bot_id and c.method.lower() != "getupdates")


def _delta(after: Any, before: Any) -> Any:
    """after - before, for numbers and for dicts of numbers (origin -> count)."""
    if isinstance(after, dict):
        return {k: after.get(k, 0) - (before or {}).get(k, 0) for k in after}
    if isinstance(after, list):
        return [a - b for a, b in zip(after, before, strict=True)]
    if isinstance(after, (int, float)):
        return after - before
    return after


def _stats_delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {key: _delta(value, before.get(key)) for key, value in after.items()}


def _total(value: Any) -> float:
    return float(sum(value.values())) if isinstance(value, dict) else float(value)


def _median(values: Iterable[float], digits: int = 2) -> float:
    return round(statistics.median(list(values)), digits)


def _per_update(stats: dict[str, Any], updates: int) -> dict[str, float]:
    """What the bot's counters say per update, over a round."""
    api = stats["api_calls"]
    sent = api.get("o", 0)
    return {
        "statements": _total(stats["statements"]) / updates,
        "statements_in_updates": stats["statements"].get("u", 0) / updates,
        "statements_in_outbox": stats["statements"].get("o", 0) / updates,
        "statements_other": stats["statements"].get("other", 0) / updates,
        "sessions": _total(stats["sessions"]) / updates,
        "commits": _total(stats["commits"]) / updates,
        "rollbacks": _total(stats["rollbacks"]) / updates,
        "pool_reset_rollbacks": _total(stats["pool_reset_rollbacks"]) / updates,
        "aiosqlite_round_trips": _total(stats["aiosqlite_hops"]) / updates,
        "driver_awaits": _total(stats["driver_awaits"]) / updates,
        "thread_pool_hops": _total(stats["thread_pool_hops"]) / updates,
        "gc_collections": sum(stats["gc_collections"]) / updates,
        "cpu_main_thread_ms": stats["cpu_main_thread_s"] * 1000 / updates,
        "cpu_other_threads_ms": stats["cpu_other_threads_s"] * 1000 / updates,
        "handler_api_calls": api.get("u", 0) / updates,
        "outbox_messages_sent": sent / updates,
        "outbox_cpu_ms_per_message": (
            (stats["outbox_cpu_main_s"] + stats["outbox_cpu_db_thread_s"]) * 1000 / sent
            if sent
            else 0.0
        ),
        "outbox_claims_per_message": stats["claims"] / sent if sent else 0.0,
        "outbox_empty_claims_per_message": stats["empty_claims"] / sent if sent else 0.0,
    }


def _medians(rows: list[dict[str, float]], digits: int = 2) -> dict[str, float]:
    return {key: _median((row[key] for row in rows), digits) for key in rows[0]}


@dataclass
class RoundFigures:
    updates: int
    flow: FlowRound
    floor: FlowRound
    echo_s: float
    bot_cpu_s: float
    floor_cpu_s: float
    echo_cpu_s: float
    stats: dict[str, Any]
    flow_calls: int
    floor_calls: int
    echo_calls: int
    script: dict[str, Any]


@dataclass
class FlowSetup:
    """The processes and people of one flow benchmark (one database)."""

    emulator: Emulator
    workdir: Path
    bot: Spawned
    floor: Spawned
    echo: Spawned
    team: list[Person]
    citizens: list[Person]
    floor_team: list[Person]
    floor_citizens: list[Person]


async def _load_script(setup: FlowSetup, script: dict[str, Any], name: str) -> None:
    path = setup.workdir / f"script-{name}.json"
    path.write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")
    control = setup.emulator.user(CONTROL_USER, bot=FLOOR_TOKEN)
    await control.send_text(f"/load {path}")
    [answer] = await control.wait_messages(1, timeout=WAIT)
    if not answer.body.startswith("loaded"):
        raise AssertionError(f"the floor bot answered {answer.body!r}")


async def _round(setup: FlowSetup, index: int, requests: int) -> RoundFigures:
    """One flow round on the bot, its replay on the floor, the same updates to the echo bot."""
    emulator = setup.emulator
    first = 1 + (index - 1) * FLOW_REQUESTS if index else 0
    group = slice(first, first + requests)
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    before, calls_before, cpu = (
        await setup.bot.stats(),
        len(emulator.calls),
        setup.bot.cpu_seconds(),
    )
    flow = await _flow_round(setup.team, setup.citizens[group])
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    bot_cpu = setup.bot.cpu_seconds() - cpu
    stats = _stats_delta(await setup.bot.stats(), before)
    window = emulator.calls[calls_before:]
    steps = flow.driver.steps
    script, script_stats = build_script(window, _bot_id(TOKEN), [s.update_id for s in steps])
    await _load_script(setup, script, str(index))

    calls_before, cpu = len(emulator.calls), setup.floor.cpu_seconds()
    floor = await _flow_round(setup.floor_team, setup.floor_citizens[group])
    await emulator.wait_idle(quiet=0.3, timeout=WAIT)
    floor_cpu = setup.floor.cpu_seconds() - cpu
    floor_calls = _api_calls(emulator.calls[calls_before:], FLOOR_TOKEN)
    if len(floor.driver.steps) != len(steps):
        raise AssertionError(f"floor round: {len(floor.driver.steps)} updates, not {len(steps)}")

    echo_s, echo_calls, echo_cpu = await _echo_round(emulator, steps, setup.echo.cpu_seconds)
    return RoundFigures(
        updates=len(steps),
        flow=flow,
        floor=floor,
        echo_s=echo_s,
        bot_cpu_s=bot_cpu,
        floor_cpu_s=floor_cpu,
        echo_cpu_s=echo_cpu,
        stats=stats,
        flow_calls=_api_calls(window, TOKEN),
        floor_calls=floor_calls,
        echo_calls=echo_calls,
        script={
            "handler_calls": script_stats.handler_calls,
            "outbox_calls": script_stats.outbox_calls,
            "untagged_calls": script_stats.untagged,
            "calls_of_other_updates": script_stats.other_updates,
            "uploads_skipped": script_stats.uploads_skipped,
            "by_method": script_stats.by_method,
        },
    )


async def _plain_bot(emulator: Emulator, workdir: Path, now: datetime) -> Spawned:
    """The plain case's timed bot: no counters, a migrated SQLite file of its own."""
    url = f"sqlite+aiosqlite:///{workdir}/plain.sqlite3"
    engine, _ = await _prepare(url, now)
    await engine.dispose()
    env = _bot_env(emulator, url) | {"BOT_TOKEN": PLAIN_TOKEN}
    return await _spawn(emulator, PLAIN_TOKEN, "bench.bot_process", workdir, env)


async def _setup_flow(emulator: Emulator, workdir: Path, url: str) -> FlowSetup:
    stats = workdir / "bot-stats.json"
    processes: list[Spawned] = []
    try:
        bot = await _spawn(
            emulator, TOKEN, "bench.bot_process", workdir, _bot_env(emulator, url, stats), stats
        )
        processes.append(bot)
        floor_env = _env(BOT_TOKEN=FLOOR_TOKEN, TELEGRAM_API_URL=emulator.base_url)
        floor = await _spawn(emulator, FLOOR_TOKEN, "bench.floor_bot", workdir, floor_env)
        processes.append(floor)
        echo_env = _env(BOT_TOKEN=ECHO_TOKEN, TELEGRAM_API_URL=emulator.base_url)
        echo = await _spawn(emulator, ECHO_TOKEN, "bench.echo_bot", workdir, echo_env)
        processes.append(echo)
    except BaseException:
        for process in processes:
            await process.stop()
        raise
    citizen_ids = [CITIZEN_BASE + n for n in range(1 + ROUNDS * FLOW_REQUESTS)]
    return FlowSetup(
        emulator=emulator,
        workdir=workdir,
        bot=bot,
        floor=floor,
        echo=echo,
        team=await _start_people(emulator, VOLUNTEER_IDS, "Вол"),
        citizens=await _start_people(emulator, citizen_ids, "Мария"),
        floor_team=await _start_people(emulator, VOLUNTEER_IDS, "Вол", FLOOR_TOKEN),
        floor_citizens=await _start_people(emulator, citizen_ids, "Мария", FLOOR_TOKEN),
    )


def _flow_figures(rounds: list[RoundFigures], done: int | None) -> dict[str, Any]:
    ratios = [r.floor.seconds / r.flow.seconds for r in rounds]
    updates = rounds[0].updates
    per_update = _medians([_per_update(r.stats, r.updates) for r in rounds])
    bot_cpu = [r.bot_cpu_s * 1000 / r.updates for r in rounds]
    best = min(rounds, key=lambda r: r.flow.seconds)
    steps = best.flow.driver.steps
    by_label: dict[str, list[float]] = {}
    for step in steps:
        by_label.setdefault(step.label, []).append(step.seconds)
    slowest = sorted(by_label.items(), key=lambda kv: -statistics.fmean(kv[1]))[:4]
    return {
        "rounds": len(rounds),
        "requests_per_round": FLOW_REQUESTS,
        "volunteers": VOLUNTEERS,
        "updates_per_round": updates,
        "flow_to_floor_ratio": _median(ratios, 3),
        "flow_to_floor_ratio_target": FLOOR_RATIO_TARGET,
        "flow_to_floor_ratio_rounds": [round(x, 3) for x in ratios],
        "bot_cpu_ms_per_update": _median(bot_cpu),
        "bot_cpu_ms_per_update_target": CPU_MS_TARGET,
        "bot_cpu_ms_per_update_rounds": [round(x, 2) for x in bot_cpu],
        "flow_updates_per_s": _median(r.updates / r.flow.seconds for r in rounds),
        "floor_updates_per_s": _median(r.updates / r.floor.seconds for r in rounds),
        "echo_updates_per_s": _median(r.updates / r.echo_s for r in rounds),
        "flow_to_echo_ratio": _median((r.echo_s / r.flow.seconds for r in rounds), 3),
        "floor_cpu_ms_per_update": _median(r.floor_cpu_s * 1000 / r.updates for r in rounds),
        "echo_cpu_ms_per_update": _median(r.echo_cpu_s * 1000 / r.updates for r in rounds),
        # Bot API calls per update (getUpdates not counted): the floor makes what the bot made.
        "flow_api_calls_per_update": _median(r.flow_calls / r.updates for r in rounds),
        "floor_api_calls_per_update": _median(r.floor_calls / r.updates for r in rounds),
        "echo_api_calls_per_update": _median(r.echo_calls / r.updates for r in rounds),
        "bot_per_update": per_update,
        "replay_script_last_round": rounds[-1].script,
        "outbox_rows_not_from_an_update": sum(r.stats["unattributed_rows"] for r in rounds),
        # Where the fastest flow round's time went.
        "flow_rounds_s": [round(r.flow.seconds, 3) for r in rounds],
        "floor_rounds_s": [round(r.floor.seconds, 3) for r in rounds],
        "echo_rounds_s": [round(r.echo_s, 3) for r in rounds],
        "flow_s_waiting_for_pushes": round(sum(best.flow.driver.pushes), 3),
        "flow_s_outbox_after_last_reply": round(best.flow.drain, 3),
        "flow_update_ms": _percentiles([s.seconds for s in steps]),
        "push_wait_ms": _percentiles(best.flow.driver.pushes),
        "slowest_updates_ms_mean": {
            label: round(statistics.fmean(times) * 1000, 1) for label, times in slowest
        },
        "requests_done_in_db": done,
    }


async def measure_flow(database: str) -> dict[str, Any]:
    """The flow rounds on "sqlite" or "postgresql"; on SQLite the plain case too."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-flow-{database}-"))
    pg_name = f"bench_flow_{os.getpid()}"
    if database == "postgresql":
        try:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}"')
            await _pg_admin(f'CREATE DATABASE "{pg_name}"')
        except Exception as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            return {"skipped": f"PostgreSQL at {_pg_server_url()} not usable: {reason}"}
        url = make_url(_pg_server_url()).set(database=pg_name).render_as_string(False)
    else:
        url = f"sqlite+aiosqlite:///{workdir}/flow.sqlite3"
    try:
        now = datetime.now(UTC)
        engine, sessions = await _prepare(url, now)
        async with sessions() as session:
            territory_id = await _territory_id(session, TERRITORY)
            await _add_volunteers(session, VOLUNTEER_IDS, territory_id, now)
            await session.commit()
        await engine.dispose()

        emulator = Emulator(tokens=[TOKEN, FLOOR_TOKEN, ECHO_TOKEN, PLAIN_TOKEN])
        await emulator.start(host="127.0.0.1", port=0)
        setup: FlowSetup | None = None
        rounds: list[RoundFigures] = []
        plain_figures: dict[str, Any] | None = None
        logs: list[str] = []
        try:
            setup = await _setup_flow(emulator, workdir, url)
            await _round(setup, 0, 1)  # warms all three bots up
            for index in range(1, (PG_ROUNDS if database == "postgresql" else ROUNDS) + 1):
                rounds.append(await _round(setup, index, FLOW_REQUESTS))
            if database == "sqlite":
                plain_bot = await _plain_bot(emulator, workdir, now)
                try:
                    plain_figures = await plain.measure(
                        emulator,
                        bot=plain.Subject(PLAIN_TOKEN, plain_bot.cpu_seconds),
                        echo=plain.Subject(ECHO_TOKEN, setup.echo.cpu_seconds),
                        counted=plain.Subject(TOKEN, setup.bot.cpu_seconds, setup.bot.stats),
                        senders=PLAIN_SENDERS,
                        rounds=ROUNDS,
                        updates=PLAIN_UPDATES,
                        wait=WAIT,
                    )
                    plain_figures["rss_after_flow_mb"] = {
                        "bot_process": round(setup.bot.rss() / 2**20, 1),
                        "echo_bot": round(setup.echo.rss() / 2**20, 1),
                        "note": "bench.bot_process carries the counters (bench/instrument.py)",
                    }
                finally:
                    logs.append(await plain_bot.stop())
        finally:
            if setup is not None:
                logs += [await p.stop() for p in (setup.bot, setup.floor, setup.echo)]
            await emulator.stop()

        engine = create_engine(url)
        async with engine.connect() as connection:
            done = await connection.scalar(
                select(func.count(HelpRequest.id)).where(HelpRequest.status == RequestStatus.DONE)
            )
        await engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if database == "postgresql":
            try:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as exc:  # the figures stand; say what was left behind
                print(f"could not drop {pg_name}: {exc}", file=sys.stderr)
    figures = {"database": database, **_flow_figures(rounds, done)}
    if database == "postgresql":
        figures = {key: value for key, value in figures.items() if not key.endswith("_target")} | {
            "targets": "none on PostgreSQL: its figures are reported (issue 15)"
        }
    figures["bot_log"] = _log_lines(logs)
    figures["wall_s"] = round(time.perf_counter() - started, 1)
    # This machine's 1-minute load average at the start and the end (2 CPUs, shared): CPU
    # times per update grow when other work shares the cores.
    figures["load_average_1m"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    if plain_figures is not None:
        figures["plain"] = plain_figures
    return figures


def _log_lines(logs: list[str]) -> list[str]:
    """What the processes logged (LOG_LEVEL=WARNING), once each, without the shutdown notice."""
    seen: dict[str, None] = {}
    for log in logs:
        for line in log.splitlines():
            kept = re.sub(r"^\d{4}-\d\d-\d\d \S+ ", "", line.strip())  # the timestamp
            if kept and "SIGTERM" not in kept:
                seen.setdefault(kept[:300], None)
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
    started = time.perf_counter()
    results: dict[str, Any] = {}
    checks: list[bool] = []
    if "sqlite" in PARTS:
        flow = await measure_flow("sqlite")
        plain_figures = flow.pop("plain")
        results["flow_sqlite"] = flow
        results["plain"] = plain_figures
        checks += [
            flow["flow_to_floor_ratio"] >= FLOOR_RATIO_TARGET,
            flow["bot_cpu_ms_per_update"] <= CPU_MS_TARGET,
            plain_figures["meets_targets"],
        ]
    if "postgresql" in PARTS:
        results["flow_postgresql"] = await measure_flow("postgresql")
    if "take" in PARTS:
        take = await measure_take_latency()
        results["take"] = take
        checks.append(take["take_commit"]["p95_ms"] <= TAKE_P95_TARGET_MS)
    results["wall_s"] = round(time.perf_counter() - started, 1)
    results["meets_targets"] = bool(checks) and all(checks)
    return results
