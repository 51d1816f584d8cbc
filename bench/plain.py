"""The plain case of the help-requests benchmark (bench/requests.py runs it, same run as the
SQLite flow): an unknown text from a citizen who is not in a form, which the bot answers with
a hint and the main menu in one Bot API call, against the echo bot (bench/echo_bot.py)
answering the same text.

PLAIN_SENDERS citizens send /start to both bots first (not timed). Then, in each round, the
bot gets ``updates`` texts, the senders taking turns, each awaited until its reply, then the
echo bot the same texts the same way; the rounds alternate bot and echo. Per round: updates/s
of each, the CPU of each process (psutil, all threads) per update, the bot's Bot API calls
per update. Figures are medians over the rounds, after a warm-up of 20 texts each.
ratio = bot updates/s / echo updates/s, target >= 0.6.

The timed bot is ``python -m bench.bot_process`` without the counters, on a database of its
own: counting every SQL statement and await costs about 1 ms of CPU per update here, a third
of the plain case, and the echo bot does not pay it. The counters per update (bench/
instrument.py: SQL statements, sessions, commits, rollbacks, round trips) come from
``counted``, the flow's instrumented process (same code, same settings), sent the same texts
in one more round after the timed ones; its CPU per update is reported beside the timed one,
so what the counting costs stays in view.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox import Emulator, Person

TEXT = "Здравствуйте, подскажите, что здесь можно сделать?"
RATIO_TARGET = 0.6
WARM_UP = 20


@dataclass(frozen=True, slots=True)
class Subject:
    token: str
    cpu_seconds: Callable[[], float]
    stats: Callable[[], Awaitable[dict[str, Any]]] | None = None


def _api_calls(emulator: Emulator, first: int, token: str) -> int:
    bot_id = int(token.split(":")[0])
    return sum(
        1 for c in emulator.calls[first:] if c.bot_id == bot_id and c.method.lower() != "getupdates"
    )


async def _send(people: list[Person], count: int, wait: float) -> float:
    started = time.perf_counter()
    for n in range(count):
        person = people[n % len(people)]
        await person.send_text(TEXT)
        await person.wait_messages(1, timeout=wait)
    return time.perf_counter() - started


def _sum(value: Any) -> float:
    return float(sum(value.values())) if isinstance(value, dict) else float(value)


async def measure(
    emulator: Emulator,
    *,
    bot: Subject,
    echo: Subject,
    counted: Subject | None = None,
    senders: list[int],
    rounds: int,
    updates: int,
    wait: float,
) -> dict[str, Any]:
    crowds: dict[str, list[Person]] = {}
    subjects = (bot, echo) if counted is None else (bot, echo, counted)
    for subject in subjects:
        people = [
            emulator.user(i, first_name=f"Гость{i % 1000}", language_code="ru", bot=subject.token)
            for i in senders
        ]
        for person in people:
            await person.send_text("/start")
            await person.wait_messages(1, timeout=wait)
        await emulator.wait_idle(quiet=0.3, timeout=wait)
        await _send(people, WARM_UP, wait)
        crowds[subject.token] = people
    rows: list[dict[str, float]] = []
    for _ in range(rounds):
        row: dict[str, float] = {}
        for name, subject in (("bot", bot), ("echo", echo)):
            row.update(await _timed_round(emulator, name, subject, crowds, updates, wait))
        row["ratio"] = row["bot_updates_per_s"] / row["echo_updates_per_s"]
        rows.append(row)
    counters: dict[str, float] = {}
    if counted is not None:
        counters = await _timed_round(emulator, "bot", counted, crowds, updates, wait)
        del counters["bot_updates_per_s"], counters["bot_api_calls_per_update"]
        counters["counted_bot_cpu_ms_per_update"] = counters.pop("bot_cpu_ms_per_update")

    def median(key: str, digits: int = 2) -> float:
        return round(statistics.median(r[key] for r in rows), digits)

    ratio = median("ratio", 3)
    return {
        "rounds": rounds,
        "updates_per_round": updates,
        "text": TEXT,
        "bot_to_echo_ratio": ratio,
        "bot_to_echo_ratio_target": RATIO_TARGET,
        "bot_to_echo_ratio_rounds": [round(r["ratio"], 3) for r in rows],
        **{key: median(key) for key in rows[0] if key != "ratio"},
        **{key: round(value, 2) for key, value in counters.items()},
        "meets_targets": ratio >= RATIO_TARGET,
    }


COUNTERS = (
    "statements",
    "sessions",
    "commits",
    "rollbacks",
    "pool_reset_rollbacks",
    "aiosqlite_hops",
    "driver_awaits",
    "thread_pool_hops",
)


async def _timed_round(
    emulator: Emulator,
    name: str,
    subject: Subject,
    crowds: dict[str, list[Person]],
    updates: int,
    wait: float,
) -> dict[str, float]:
    """``updates`` texts to one subject: its updates/s, CPU and API calls per update, and its
    counters per update when it has them."""
    await emulator.wait_idle(quiet=0.3, timeout=wait)
    before = await subject.stats() if subject.stats else None
    first, cpu = len(emulator.calls), subject.cpu_seconds()
    seconds = await _send(crowds[subject.token], updates, wait)
    await emulator.wait_idle(quiet=0.3, timeout=wait)
    row = {
        f"{name}_updates_per_s": updates / seconds,
        f"{name}_cpu_ms_per_update": (subject.cpu_seconds() - cpu) * 1000 / updates,
        f"{name}_api_calls_per_update": _api_calls(emulator, first, subject.token) / updates,
    }
    if subject.stats is not None and before is not None:
        after = await subject.stats()
        for key in COUNTERS:
            row[f"{name}_{key}_per_update"] = (_sum(after[key]) - _sum(before[key])) / updates
    return row
