"""Two webhook replicas on PostgreSQL and Redis behind the balancer (issue 22), real processes:

- ten volunteers press «Взять» on one request at once, their presses spread over both
  replicas: exactly one takes it, the others are told it is taken;
- 200 messages in the outbox with both replicas' delivery workers running: each sent once;
- 40 reminders due at once with both replicas' schedulers running: each fired once;
- both replicas did handle updates (the balancer spread them);
- one replica killed with SIGKILL while twenty people write: every one of them is answered.

Needs PostgreSQL and Redis (skipped without them locally; mandatory in CI)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.cluster import replica_env, spawn
from bot.keyboards.requests import take_data
from bot.sandbox import Emulator
from bot.sandbox.balancer import Balancer
from bot.services import help_requests, outbox, reminders, volunteers
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import HelpRequest, Territory, migrate
from models.db import create_engine, create_sessionmaker
from tests.e2e.conftest import ADMIN_ID

SECRET = "cluster-test-secret-0123456789"
VOLUNTEERS = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"not reached: {what}")
        await asyncio.sleep(0.05)


def _sent_texts(emulator: Emulator, prefix: str) -> Counter[str]:
    return Counter(
        str(c.params.get("text"))
        for c in emulator.calls
        if c.method.lower() == "sendmessage"
        and c.ok
        and str(c.params.get("text", "")).startswith(prefix)
    )


@pytest.mark.timeout(600)  # real processes start and stop: slow on a loaded CI machine
async def test_two_replicas_share_the_work_without_doing_anything_twice(
    emulator: Emulator, pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    engine = create_engine(pg_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    now = clock.now()
    # People first write to the bot: a chat exists once the person wrote.
    people = [
        emulator.user(7800 + n, first_name=f"Вол{n}", language_code="ru", started=True)
        for n in range(VOLUNTEERS)
    ]
    citizen = emulator.user(7899, first_name="Гражданка", language_code="ru", started=True)
    async with sessions() as session:
        await load_from_file(session, "kuzbass", now)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        for person in [*people, citizen]:
            await touch_user(session, Profile(person.id, person.first_name), now, wrote_to_bot=True)
        for person in people:
            application = volunteers.Application(
                name=f"{person.first_name} Иванов", phone="+79030000000",
                territory_id=yurga.id, skills=("delivery",), age_group="18-34",
                availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, person.id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
            )
        await session.commit()

    upstream_ports = [_free_port(), _free_port()]
    balancer = Balancer([f"http://127.0.0.1:{p}" for p in upstream_ports], health_interval=0.5)
    balancer_url = await balancer.start()
    processes = []
    try:
        for n, port in enumerate(upstream_ports):
            env = replica_env(
                emulator_url=emulator.base_url, database_url=pg_url, redis_url=redis_url,
                balancer_url=balancer_url, secret=SECRET, port=port, admin_ids=str(ADMIN_ID),
            )  # fmt: skip
            # The wall clock runs here: no quiet hours to wait for, whatever the hour.
            env.update(LOG_LEVEL="WARNING", THROTTLE_BURST="off", SCHEDULER_TICK_SECONDS="0.5",
                       DELIVERY_POLL_INTERVAL="0.1", QUIET_HOURS="off")  # fmt: skip
            processes.append(await spawn(["webhook"], env, tmp_path / f"replica-{n}.log"))
        try:
            await _until(lambda: emulator.bots[emulator.token].webhook is not None, 120, "webhook")
            await _until(lambda: len(balancer.ready) == 2, 120, "both replicas ready")
        except TimeoutError as exc:  # say why: the replicas' own words
            logs = {n: (tmp_path / f"replica-{n}.log").read_text()[-3000:] for n in range(2)}
            raise AssertionError(f"{exc}; the replicas' logs: {logs}") from None

        # A request offered to all ten (one wave of 20).
        async with sessions() as session:
            draft = help_requests.Draft(
                kind="groceries", for_other=False, person_name="Гражданка",
                territory_id=yurga.id, address="ул. Ленина, 1", details="Хлеб и молоко",
                urgency="soon", requester_id=citizen.id, person_age=70,
                person_phone="+79031112233", time_window="any",
            )  # fmt: skip
            request = await help_requests.create(session, draft, clock.now())
            await help_requests.offer_or_escalate(
                session, request, clock.now(), take_data=take_data(request.id),
                default_locale="ru", admin_ids=[ADMIN_ID],
            )  # fmt: skip
            await session.commit()
            request_id = request.id
        try:
            await _until(
                lambda: all(p.last_bot_message and p.last_bot_message.buttons for p in people),
                60,
                "the pushes",
            )
        except TimeoutError:
            calls = [(c.method, c.ok, str(c.params)[:120]) for c in emulator.calls][-20:]
            raise AssertionError(f"no pushes; the emulator's last calls: {calls}") from None
        answers = await asyncio.gather(*(p.press("Взять") for p in people))
        assert all(a is not None for a in answers)  # every press is answered
        async with sessions() as session:
            taken = await session.get(HelpRequest, request_id)
            assert taken is not None and taken.status == "taken" and taken.volunteer_id
        winners = [p for p in people if any("Адрес" in m.body for m in p.messages)]
        assert len(winners) == 1  # one volunteer got the address; nobody else

        # 200 messages queued: both delivery workers, each message sent once.
        async with sessions() as session:
            for n in range(20):
                for person in people:
                    key = f"c:{person.id}:{n:02d}"
                    await outbox.enqueue(
                        session, chat_id=person.id, message=OutgoingMessage(Text(literal=key)),
                        key=key, now=clock.now(),
                    )  # fmt: skip
            # 40 reminders due at once: both schedulers, each fired once.
            for n in range(40):
                person = people[n % VOLUNTEERS]
                await reminders.create_reminder(
                    session, chat_id=person.id,
                    message=OutgoingMessage(Text(literal=f"rem:{n:02d}")),
                    due_at=clock.now() - timedelta(seconds=1), timezone="Asia/Novokuznetsk",
                    now=clock.now(),
                )  # fmt: skip
            await session.commit()
        await _until(lambda: len(_sent_texts(emulator, "c:")) == 200, 120, "200 messages")
        await _until(lambda: len(_sent_texts(emulator, "rem:")) == 40, 120, "40 reminders")
        await asyncio.sleep(1.0)  # a duplicate would come now, if any
        assert set(_sent_texts(emulator, "c:").values()) == {1}
        assert set(_sent_texts(emulator, "rem:").values()) == {1}
        # The balancer spread the updates over both replicas.
        assert all(count > 0 for count in balancer.counts.values()), balancer.counts

        # One replica killed while people are writing: the other answers everyone (what
        # was in flight on the dead one is delivered again, the balancer moves on).
        late = [
            emulator.user(7850 + n, first_name=f"Поздн{n}", language_code="ru") for n in range(20)
        ]
        for n, person in enumerate(late):
            await person.send_text("/start")
            if n == 5:
                processes[0].send_signal(signal.SIGKILL)
        await _until(
            lambda: all(
                any(m.from_bot and m.body.startswith("Здравствуйте") for m in p.messages)
                for p in late
            ),
            120,
            "everyone answered after a replica died",
        )
        assert processes[0].returncode is not None or await processes[0].wait() == -9
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)
        await balancer.stop()
        await engine.dispose()
    assert processes[1].returncode == 0  # the survivor shut down gracefully
