"""Delivery through the emulator with Telegram's limits on and failures injected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.sandbox import Emulator, FaultConfig, LimitConfig, Person
from bot.services import outbox
from bot.services.outbox import Button, OutgoingMessage, Text
from models import OutboxMessage, Priority, User
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

FAST_RETRIES = {
    "delivery_backoff_base": 0.05,
    "delivery_backoff_max": 0.5,
    "delivery_max_attempts": 30,
    "delivery_poll_interval": 0.05,
}


async def _start(start_bot: StartBot, **overrides: Any) -> BotRunner:
    return await start_bot(clock=SystemClock(), overrides={**FAST_RETRIES, **overrides})


async def _people(emulator: Emulator, count: int, first_id: int = 6000) -> list[Person]:
    people = [
        emulator.user(first_id + n, first_name=f"Волонтёр{n}", language_code="ru")
        for n in range(count)
    ]
    for person in people:
        await person.send_text("/start")
    for person in people:
        await person.wait_messages(2, timeout=20)  # the greeting and the language choice
    return people


async def _enqueue(
    runner: BotRunner, chat_id: int, key: str, message: OutgoingMessage, **kw: Any
) -> None:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await outbox.enqueue(
            session, chat_id=chat_id, message=message, key=key, now=runner.app.clock.now(), **kw
        )
        await session.commit()


async def _wait_for(
    runner: BotRunner, done: Callable[[dict[str, int]], bool], timeout: float = 60
) -> dict[str, int]:
    assert runner.app is not None
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with runner.app.sessionmaker() as session:
            counts = {
                s: c
                for s, c in await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            }
        if done(counts) or asyncio.get_running_loop().time() > deadline:
            return counts
        await asyncio.sleep(0.1)


def _texts(person: Person) -> list[str]:
    return [m.body for m in person.messages if m.from_bot][2:]  # after greeting and choice


async def test_every_message_arrives_once_and_in_order(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _start(start_bot)
    people = await _people(emulator, 20)
    emulator.set_limits(True, LimitConfig())
    emulator.set_faults(
        True, FaultConfig(p_429=0.1, p_5xx=0.1, seed=7, methods=frozenset({"sendmessage"}))
    )
    for n in range(8):
        for person in people:
            await _enqueue(
                runner,
                person.id,
                f"t:{person.id}:{n}",
                OutgoingMessage(Text(literal=f"m{person.id}-{n}")),
            )

    counts = await _wait_for(runner, lambda c: c.get("sent", 0) == 160)
    assert counts == {"sent": 160}
    for person in people:
        assert _texts(person) == [f"m{person.id}-{n}" for n in range(8)]
    injected = [
        c
        for c in emulator.calls
        if c.method.lower() == "sendmessage" and c.error_code in (429, 502)
    ]
    assert injected, "the faults were not exercised"


async def test_messages_render_in_the_persons_language(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _start(start_bot)
    kk = emulator.user(6101, first_name="Айгерім", language_code="kk")
    await kk.send_text("/start")
    await kk.wait_messages(2)
    message = OutgoingMessage(
        Text(key="language-changed"),
        buttons=[[Button(Text(key="btn-help"), callback_data="x:1")]],
    )
    await _enqueue(runner, kk.id, "loc:1", message, priority=Priority.URGENT)
    [pushed] = await kk.wait_messages(1)
    assert pushed.body == "Дайын: енді қазақ тілінде жауап беремін."
    assert pushed.buttons == [["ℹ️ Анықтама"]]


async def test_edit_replaces_an_earlier_message(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _start(start_bot)
    [person] = await _people(emulator, 1, first_id=6200)
    push = OutgoingMessage(
        Text(literal="Новая задача"),
        buttons=[[Button(Text(literal="Взять"), callback_data="take:1")]],
    )
    await _enqueue(runner, person.id, "push:1", push)
    await _enqueue(
        runner,
        person.id,
        "push:1:taken",
        OutgoingMessage(Text(literal="Задачу взял другой волонтёр")),
        edit_key="push:1",
    )
    # The same edit again: Telegram says "message is not modified", which counts as done.
    await _enqueue(
        runner,
        person.id,
        "push:1:taken-again",
        OutgoingMessage(Text(literal="Задачу взял другой волонтёр")),
        edit_key="push:1",
    )
    counts = await _wait_for(runner, lambda c: c.get("sent", 0) == 3)
    assert counts == {"sent": 3}
    bot_messages = [m for m in person.messages if m.from_bot]
    assert len(bot_messages) == 3  # the greeting, the language choice, the edited push
    assert bot_messages[-1].body == "Задачу взял другой волонтёр"
    assert bot_messages[-1].buttons == []


async def test_403_marks_the_person_and_stops_sending(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _start(start_bot)
    gone, stays = await _people(emulator, 2, first_id=6300)
    emulator.fail_next(
        "sendMessage",
        1,
        chat_id=gone.id,
        code=403,
        description="Forbidden: bot was blocked by the user",
    )
    for n in range(3):
        await _enqueue(runner, gone.id, f"g{n}", OutgoingMessage(Text(literal=f"g{n}")))
        await _enqueue(runner, stays.id, f"s{n}", OutgoingMessage(Text(literal=f"s{n}")))
    counts = await _wait_for(runner, lambda c: c.get("sent", 0) == 3 and c.get("blocked", 0) == 3)
    assert counts == {"sent": 3, "blocked": 3}
    assert _texts(gone) == []
    assert _texts(stays) == ["s0", "s1", "s2"]
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(User.blocked_bot).where(User.id == gone.id))

    # Writing to the bot again lifts it: new messages flow.
    await gone.send_text("/start")
    await gone.wait_messages(2)
    await _enqueue(runner, gone.id, "g-back", OutgoingMessage(Text(literal="welcome back")))
    [back] = await gone.wait_messages(1)
    assert back.body == "welcome back"


async def test_bad_request_fails_at_once_and_5xx_gives_up(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _start(start_bot, delivery_max_attempts=3)
    a, b = await _people(emulator, 2, first_id=6400)
    await _enqueue(runner, a.id, "too-long", OutgoingMessage(Text(literal="я" * 5000)))
    emulator.fail_next("sendMessage", 5, chat_id=b.id, code=502)
    await _enqueue(runner, b.id, "flaky", OutgoingMessage(Text(literal="hello")))
    counts = await _wait_for(runner, lambda c: c.get("failed", 0) == 2)
    assert counts == {"failed": 2}
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = {r.idempotency_key: r for r in await session.scalars(select(OutboxMessage))}
    assert rows["too-long"].attempts == 1 and "message is too long" in (
        rows["too-long"].last_error or ""
    )
    assert rows["flaky"].attempts == 3 and "Bad Gateway" in (rows["flaky"].last_error or "")

    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await admin.send_text("/delivery")
    [report] = await admin.wait_messages(1)
    assert "Не доставлено: 2" in report.body
    assert "message is too long" in report.body


async def test_a_crowd_pressing_start_gets_every_answer(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _start(start_bot)
    emulator.set_limits(True, LimitConfig())
    people = [emulator.user(7000 + n, first_name=f"П{n}", language_code="kk") for n in range(80)]
    await asyncio.gather(*(p.send_text("/start") for p in people))
    for person in people:
        [greeting, _choice] = await person.wait_messages(2, timeout=30)
        assert greeting.body.startswith("Сәлеметсіз бе")
    assert any(c.error_code == 429 for c in emulator.calls), "the limits were not hit"


async def test_people_are_answered_while_the_outbox_writes_to_them(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """50 people press /start just as a broadcast of 8 messages to each of them is queued: the
    outbox goes at its full pace, yet every reply takes its place in the shared pace, so
    neither Telegram's per-chat limit nor the global one costs anyone the answer."""
    runner = await _start(start_bot)
    assert runner.app is not None
    emulator.set_limits(True, LimitConfig())
    people = [emulator.user(7500 + n, first_name=f"Ч{n}", language_code="ru") for n in range(50)]
    await asyncio.gather(*(p.send_text("/start") for p in people))
    async with runner.app.sessionmaker() as session:
        for n in range(8):
            for person in people:
                key = f"b:{person.id}:{n}"
                await outbox.enqueue(
                    session,
                    chat_id=person.id,
                    message=OutgoingMessage(Text(literal=key)),
                    key=key,
                    now=runner.app.clock.now(),
                )
        await session.commit()

    def answers(person: Person) -> list[str]:
        return [m.body for m in person.messages if m.from_bot and not m.body.startswith("b:")]

    def greeted() -> bool:  # the greeting and the language choice, nothing else
        return all(len(answers(p)) == 2 for p in people)

    notifier = people[0].state.notifier  # bumped on every message the bot sends
    deadline = asyncio.get_running_loop().time() + 30
    while not greeted() and (left := deadline - asyncio.get_running_loop().time()) > 0:
        await notifier.wait(notifier.version, left)
    assert greeted(), [answers(p) for p in people if len(answers(p)) != 2][:3]
    assert all(answers(p)[0].startswith("Здравствуйте") for p in people)
    counts = await _wait_for(runner, lambda c: c.get("sent", 0) == 400)
    assert counts.get("sent") == 400
    assert any(c.error_code == 429 for c in emulator.calls), "the limits were not hit"
