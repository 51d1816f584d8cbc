"""Hiding personal data through the emulator: an edit marked ``hide`` edits the details message,
else deletes it, else puts it on the coordinators' list of what could not be hidden; every copy
a message row produced gets the edit."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.clock import SystemClock
from bot.delivery.worker import UNKNOWN_ID
from bot.sandbox import Emulator, Person
from bot.services import outbox
from bot.services.outbox import Button, OutgoingMessage, Text
from models import OutboxMessage, OutboxStatus, Priority
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

FAST = {"delivery_poll_interval": 0.05, "delivery_backoff_base": 0.05}
HIDDEN = "Задача №7: детали скрыты"


async def _start(start_bot: StartBot, emulator: Emulator, user_id: int) -> tuple[BotRunner, Person]:
    runner = await start_bot(clock=SystemClock(), overrides=FAST)
    person = emulator.user(user_id, first_name="Волонтёр", language_code="ru")
    await person.send_text("/start")
    await person.wait_messages(2)
    return runner, person


def _app(runner: BotRunner) -> App:
    assert runner.app is not None
    return runner.app


async def _details(runner: BotRunner, person: Person, key: str) -> int:
    """A details message as the bot shows it: sent, and recorded (content-free) under ``key``."""
    app = _app(runner)
    sent = await app.bot.send_message(person.id, "Адрес: ул. Ленина 1, кв. 5, тел. 8 900 000 00 00")
    async with app.sessionmaker() as session:
        await outbox.record_sent(
            session, chat_id=person.id, key=key, telegram_message_id=sent.message_id,
            now=app.clock.now(),
        )  # fmt: skip
        await session.commit()
    return int(sent.message_id)


async def _enqueue(
    runner: BotRunner, person: Person, key: str, message: OutgoingMessage, **kw: Any
) -> None:
    app = _app(runner)
    async with app.sessionmaker() as session:
        await outbox.enqueue(
            session, chat_id=person.id, message=message, key=key, now=app.clock.now(), **kw
        )
        await session.commit()


async def _hide(runner: BotRunner, person: Person, key: str) -> OutboxMessage:
    hidden = OutgoingMessage(Text(literal=HIDDEN), hide=True)
    await _enqueue(runner, person, f"{key}:hidden", hidden, edit_key=key, priority=Priority.URGENT)
    return await _settled(runner, f"{key}:hidden")


async def _settled(runner: BotRunner, key: str, timeout: float = 30) -> OutboxMessage:
    """The row once the worker is done with it (waits for the event, not for a time)."""
    app = _app(runner)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with app.sessionmaker() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
            )
        assert row is not None
        if row.status not in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            return row
        assert asyncio.get_running_loop().time() < deadline, f"{key} still {row.status}"
        await asyncio.sleep(0.05)


async def _unhidden(runner: BotRunner) -> list[outbox.UnhiddenRow]:
    async with _app(runner).sessionmaker() as session:
        return await outbox.unhidden(session, limit=10)


async def test_a_hiding_edit_replaces_the_details(emulator: Emulator, start_bot: StartBot) -> None:
    runner, person = await _start(start_bot, emulator, 6601)
    message_id = await _details(runner, person, "req:7:details:6601:a")
    row = await _hide(runner, person, "req:7:details:6601:a")
    assert row.status == OutboxStatus.SENT
    assert person.chat.messages[message_id].body == HIDDEN
    assert await _unhidden(runner) == []


async def test_an_edit_telegram_refuses_becomes_a_delete(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner, person = await _start(start_bot, emulator, 6602)
    message_id = await _details(runner, person, "req:7:details:6602:a")
    person.chat.messages[message_id].editable = False  # "message can't be edited"
    row = await _hide(runner, person, "req:7:details:6602:a")
    assert row.status == OutboxStatus.SENT
    assert person.chat.messages[message_id].deleted
    assert "Адрес" not in " ".join(m.body for m in person.messages)
    assert await _unhidden(runner) == []
    assert [c.method for c in emulator.calls_to(person.id)][-2:] == [
        "editMessageText",
        "deleteMessage",
    ]


async def test_a_message_already_deleted_counts_as_hidden(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner, person = await _start(start_bot, emulator, 6603)
    message_id = await _details(runner, person, "req:7:details:6603:a")
    person.chat.messages[message_id].deleted = True  # the volunteer deleted it
    row = await _hide(runner, person, "req:7:details:6603:a")
    assert row.status == OutboxStatus.SENT and await _unhidden(runner) == []


async def test_too_old_to_edit_or_delete_goes_on_the_list_and_to_delivery(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner, person = await _start(start_bot, emulator, 6604)
    message_id = await _details(runner, person, "req:7:details:6604:a")
    emulator.advance_clock(49 * 3600)  # past Telegram's 48 h window for edits and deletes
    row = await _hide(runner, person, "req:7:details:6604:a")
    assert row.status == OutboxStatus.FAILED
    assert "can't be edited" in (row.last_error or "")
    assert "can't be deleted" in (row.last_error or "")
    assert "Адрес" in person.chat.messages[message_id].body  # still there: hence the list
    [listed] = await _unhidden(runner)
    assert listed.chat_id == person.id

    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await admin.send_text("/delivery")
    [report] = await admin.wait_messages(1)
    assert "Личные данные, которые не удалось скрыть" in report.body
    assert f"чат {person.id}" in report.body and "can't be deleted" in report.body


async def test_an_unknown_message_id_goes_on_the_list(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """The intent was recorded, the bot stopped before Telegram's answer was stored."""
    runner, person = await _start(start_bot, emulator, 6605)
    app = _app(runner)
    long_ago = app.clock.now() - timedelta(minutes=5)
    async with app.sessionmaker() as session:
        await outbox.record_sent(
            session, chat_id=person.id, key="req:7:details:6605:a", telegram_message_id=0,
            now=long_ago,
        )  # fmt: skip
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "req:7:details:6605:a")
        )
        assert row is not None
        row.telegram_message_id = None
        await session.commit()
    hidden = await _hide(runner, person, "req:7:details:6605:a")
    assert hidden.status == OutboxStatus.FAILED and hidden.last_error == UNKNOWN_ID
    [listed] = await _unhidden(runner)
    assert listed.chat_id == person.id and listed.reason == UNKNOWN_ID
    assert not [c for c in emulator.calls_to(person.id) if c.method != "sendMessage"]


async def test_every_copy_is_edited_or_hidden(emulator: Emulator, start_bot: StartBot) -> None:
    """A push sent twice (the first answer came after the lease was lost) shows «Take» on both
    copies until the edit, which reaches both; a hiding reaches both copies of details."""
    runner, person = await _start(start_bot, emulator, 6606)
    app = _app(runner)
    push = OutgoingMessage(
        Text(literal="Новая задача №7"),
        buttons=[[Button(Text(literal="Взять"), callback_data="take:7")]],
    )
    await _enqueue(runner, person, "push:7", push)
    pushed = await _settled(runner, "push:7")
    duplicate = await app.bot.send_message(person.id, "Новая задача №7")
    async with app.sessionmaker() as session:
        assert (
            await outbox.late_answer(session, pushed.id, duplicate.message_id, app.clock.now())
            == "copy"
        )
    taken = OutgoingMessage(Text(literal="Задачу №7 взял другой волонтёр"))
    await _enqueue(runner, person, "push:7:taken", taken, edit_key="push:7")
    assert (await _settled(runner, "push:7:taken")).status == OutboxStatus.SENT
    for message_id in (pushed.telegram_message_id, duplicate.message_id):
        assert message_id is not None
        shown = person.chat.messages[message_id]
        assert shown.body == "Задачу №7 взял другой волонтёр" and shown.buttons == []

    first = await _details(runner, person, "req:7:details:6606:a")
    second = await app.bot.send_message(person.id, "Адрес: ул. Ленина 1 (повтор)")
    async with app.sessionmaker() as session:
        original = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == "req:7:details:6606:a")
        )
        assert original is not None
        await outbox.late_answer(session, original, second.message_id, app.clock.now())
    person.chat.messages[second.message_id].editable = False
    assert (await _hide(runner, person, "req:7:details:6606:a")).status == OutboxStatus.SENT
    assert person.chat.messages[first].body == HIDDEN
    assert person.chat.messages[second.message_id].deleted
