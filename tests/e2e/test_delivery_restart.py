"""A real bot process killed with SIGKILL in the middle of delivering 500 queued messages:
after a restart every message is delivered, and duplicates come only from the few that were
in flight at the kill. The lease is two minutes, yet the restarted bot resumes the dead one's
leased messages within seconds: the dead worker's heartbeat lapsed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from bot.sandbox import Emulator, LimitConfig
from bot.services import outbox
from bot.services.outbox import OutgoingMessage, Text
from models import OutboxMessage, OutboxStatus, migrate
from models.db import create_engine, create_sessionmaker
from tests.e2e.conftest import ADMIN_ID, TOKEN

CHATS = 50
PER_CHAT = 10
KILL_AFTER = 150
LEASE_SECONDS = 120  # the backstop; resuming must not wait for it
# Seconds from the restarted process's first poll (its boot, slow on a loaded machine, is
# not counted): the dead worker's heartbeat lapses, its rows are sent. Far below the lease.
RESUME_WITHIN = 20.0


def _delivered(emulator: Emulator) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in emulator.calls
        if c.method.lower() == "sendmessage"
        and c.ok
        and str(c.params.get("text", "")).startswith("r:")
    ]


async def _spawn(
    emulator: Emulator, database_url: str, cwd: Path, log: Path
) -> asyncio.subprocess.Process:
    """The bot's stderr goes to ``log``, a file: a pipe nobody drains until the end fills up
    with its warnings (429s under rate limits), and then ``wait()`` never returns."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=database_url,
        ADMIN_IDS=str(ADMIN_ID),
        DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        DELIVERY_POLL_INTERVAL="0.1",
        LOG_LEVEL="WARNING",
    )
    with log.open("ab") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


async def _until(predicate: object, timeout: float) -> None:
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def _kill_and_restart(emulator: Emulator, database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    people = [emulator.user(8000 + n, first_name=f"Ж{n}", language_code="ru") for n in range(CHATS)]
    for person in people:
        await person.send_text("/start")  # a chat exists only once the person wrote
    clock = SystemClock()
    async with sessions() as session:
        for n in range(PER_CHAT):
            for person in people:
                key = f"r:{person.id}:{n:02d}"
                await outbox.enqueue(
                    session,
                    chat_id=person.id,
                    message=OutgoingMessage(Text(literal=key)),
                    key=key,
                    now=clock.now(),
                )
        await session.commit()
    emulator.set_limits(True, LimitConfig())

    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = await _spawn(emulator, database_url, tmp_path, first_log)
    try:
        await _until(lambda: len(_delivered(emulator)) >= KILL_AFTER, 90)
    finally:
        kill_time = time.time()
        first.send_signal(signal.SIGKILL)
        await first.wait()
    delivered_before = len(_delivered(emulator))
    async with sessions() as session:
        in_flight = set(
            (
                await session.scalars(
                    select(OutboxMessage.idempotency_key).where(
                        OutboxMessage.status == OutboxStatus.SENDING
                    )
                )
            ).all()
        )

    calls_before = len(emulator.calls)
    second = await _spawn(emulator, database_url, tmp_path, second_log)
    try:
        await _until(
            lambda: any(c.method.lower() == "getupdates" for c in emulator.calls[calls_before:]),
            90,
        )
        restarted_at = time.time()
        await _until(lambda: in_flight <= set(_delivered(emulator)[delivered_before:]), 60)
        resumed_in = time.time() - restarted_at
        await _until(lambda: len(set(_delivered(emulator))) >= CHATS * PER_CHAT, 120)
        await asyncio.sleep(0.5)  # anything still to come would be a duplicate: let it show
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    assert second.returncode == 0, second_log.read_text(errors="replace")[-2000:]
    print(f"stderr of the killed bot: {first_log.stat().st_size} bytes, "
          f"of the restarted one: {second_log.stat().st_size} bytes")  # fmt: skip

    delivered = _delivered(emulator)
    counts = Counter(delivered)
    duplicates = {key for key, count in counts.items() if count > 1}
    print(
        f"\n[{engine.dialect.name}] delivered before kill: {delivered_before}; in flight at kill: "
        f"{len(in_flight)}; duplicates after restart: {len(duplicates)} {sorted(duplicates)}; "
        f"in-flight messages resent {resumed_in:.1f} s after the restart"
    )
    assert in_flight, "nothing was in flight at the kill: the test proved nothing"
    assert resumed_in < RESUME_WITHIN, "the restarted bot waited for the dead one's leases"
    assert set(counts) == {f"r:{p.id}:{n:02d}" for p in people for n in range(PER_CHAT)}
    if not duplicates <= in_flight:
        for key in sorted(duplicates - in_flight):
            times = [round(c.time, 2) for c in emulator.calls if c.params.get("text") == key]
            print("DUP", key, times, "kill at", kill_time)
    assert duplicates <= in_flight, "a message that was not in flight was sent twice"
    for person in people:  # in order per person (first arrival of each)
        mine = [key for key in dict.fromkeys(delivered) if key.startswith(f"r:{person.id}:")]
        assert mine == sorted(mine)
    async with sessions() as session:
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENT}
    await engine.dispose()


async def test_sigkill_mid_delivery_on_sqlite(emulator: Emulator, tmp_path: Path) -> None:
    await _kill_and_restart(emulator, f"sqlite+aiosqlite:///{tmp_path}/kill.sqlite3", tmp_path)


async def test_sigkill_mid_delivery_on_postgres(
    emulator: Emulator, tmp_path: Path, pg_url: str
) -> None:
    await _kill_and_restart(emulator, pg_url, tmp_path)
