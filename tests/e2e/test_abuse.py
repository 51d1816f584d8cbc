"""Abuse and odd input: one person's flood does not slow the others, numbers beyond the
database's range and malformed button data get the stale-button answer, and update kinds
the bot does not handle pass quietly."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import pytest

from bot.keyboards.callbacks import ApplicationCb, CoordRequestCb, MyRequestCb, TaskCb, VolunteerCb
from bot.logs import setup_logging
from bot.sandbox import Emulator, LimitConfig, Person
from tests.e2e.conftest import ADMIN_ID, StartBot

STALE = "Эта кнопка устарела. Откройте меню заново: /menu"
SLOW_DOWN = "⏳ Слишком много сообщений подряд"
HUGE = "99999999999999999999"  # beyond 64 bits


async def _person(emulator: Emulator, user_id: int, name: str, code: str = "ru") -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    person.mark_read()
    return person


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not re.search(r"update=\S+ failed:", caplog.text)  # the error handler's line
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"


async def _help_latency(person: Person) -> float:
    started = time.monotonic()
    await person.send_text("/help")
    [answer] = await person.wait_messages(1, timeout=20)
    assert answer.body.startswith("Что умеет этот бот")
    return time.monotonic() - started


async def test_a_flood_does_not_slow_the_others(
    emulator: Emulator, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("INFO")
    caplog.set_level(logging.INFO)
    emulator.set_limits(True, LimitConfig())  # Telegram's per-chat and global limits
    await start_bot()
    flooder = await _person(emulator, 8801, "Флудер")
    other = await _person(emulator, 8802, "Айгерім")
    baseline = await _help_latency(other)

    for i in range(200):
        await flooder.send_text(f"спам {i}")
    flooded = await _help_latency(other)
    # As fast as without the flood: a generous bound, the unthrottled bot took 98 s.
    assert flooded < baseline * 5 + 1.5, (baseline, flooded)

    await emulator.wait_idle(quiet=1.5, timeout=60)
    bodies = [m.body for m in flooder.messages if m.from_bot]
    assert sum(b.startswith(SLOW_DOWN) for b in bodies) == 1, bodies
    assert len(bodies) < 20  # the few that passed, and one notice

    # Button presses in a flood are each answered at once: none spins.
    answers = await asyncio.gather(*(flooder.press_data("zz:1") for _ in range(30)))
    assert all(a is not None for a in answers)
    texts = [a.text for a in answers if a is not None]
    assert set(texts) == {STALE, "⏳ Слишком часто. Подождите несколько секунд."}
    assert texts.count(STALE) < 15
    _no_tracebacks(caplog)


def _forged(prefix: str, number: str) -> list[str]:
    """Callback data of each factory with ``number`` in its id field."""
    return [
        f"{TaskCb.__prefix__}:{number}:take",
        f"{TaskCb.__prefix__}:{number}:open",
        f"{MyRequestCb.__prefix__}:{number}:open:0",
        f"{MyRequestCb.__prefix__}:1:star:{number}",
        f"{CoordRequestCb.__prefix__}:open:{number}:0:0",
        f"{CoordRequestCb.__prefix__}:fail:{number}:0:0",
        f"{CoordRequestCb.__prefix__}:page:0:{number}:0",
        f"{ApplicationCb.__prefix__}:{number}:open",
        f"{ApplicationCb.__prefix__}:{number}:ok",
        f"{VolunteerCb.__prefix__}:{number}:open",
        f"{VolunteerCb.__prefix__}:{number}:block",
        f"tp:t:{number}:0",
        f"dm:{number}:1",
        f"au:{number}:0::0:0",
        f"{prefix}:{number}",
    ]


async def test_out_of_range_and_malformed_numbers_get_the_stale_answer(
    emulator: Emulator,
    start_bot: StartBot,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup_logging("INFO")
    caplog.set_level(logging.INFO)
    await start_bot(database_url=database_url, overrides={"territories": "kuzbass"})
    hq = await _person(emulator, ADMIN_ID, "Штаб")  # coordinator buttons reach their handlers
    citizen = await _person(emulator, 8803, "Пётр")
    seen = len(citizen.chat.bot_messages)
    for person in (hq, citizen):
        for number in (HUGE, "-1", "abc", "1e3", f"-{HUGE}"):
            for data in _forged("zz", number):
                answer = await person.press_data(data)
                assert answer is not None, data
                assert answer.text == STALE, (data, answer.text)
    await emulator.wait_idle()
    assert len(citizen.chat.bot_messages) == seen  # answers on the button, no apology

    await hq.send_text(f"/audit {HUGE}")
    [reply] = await hq.wait_messages(1)
    assert reply.body.startswith(f"Не понял фильтр «{HUGE}»")

    await hq.send_text("/appoint")
    await hq.wait_messages(1)
    await hq.send_text(HUGE)
    [reply] = await hq.wait_messages(1)
    assert reply.body.startswith("Не нашёл такого человека")
    await hq.send_text("/cancel")
    await hq.wait_messages(1)
    _no_tracebacks(caplog)


def _inject(emulator: Emulator, kind: str, payload: Any) -> int:
    """Queue a raw update as Telegram would, past the emulator's allowed_updates filter (the
    bot asks only for kinds it handles; another client or a newer Telegram may send more)."""
    queue = emulator.default_bot.updates
    update_id = queue.next_id
    queue.pending.append({"update_id": update_id, kind: payload})
    queue.next_id += 1
    queue.wake()
    return update_id


async def test_update_kinds_the_bot_does_not_handle_pass_quietly(
    emulator: Emulator,
    start_bot: StartBot,
    caplog: pytest.LogCaptureFixture,
    recwarn: pytest.WarningsRecorder,
) -> None:
    setup_logging("INFO")
    caplog.set_level(logging.INFO)
    await start_bot()
    person = await _person(emulator, 8804, "Анна")
    user, chat = person.profile.to_api(), person.chat.to_api()
    group = {"id": -100500, "type": "supergroup", "title": "Соседи"}
    now = int(time.time())
    injected = [
        _inject(emulator, "message_reaction", {
            "chat": chat, "message_id": 1, "user": user, "date": now, "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }),
        _inject(emulator, "poll", {
            "id": "1", "question": "Когда?",
            "options": [{"persistent_id": "a", "text": "Завтра", "voter_count": 0}],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False,
        }),
        _inject(emulator, "chat_join_request", {
            "chat": group, "from": user, "user_chat_id": person.id, "date": now,
        }),
        _inject(emulator, "edited_message", {
            "message_id": 1, "date": now, "edit_date": now, "chat": chat, "from": user,
            "text": "исправил",
        }),
        _inject(emulator, "something_telegram_adds_later", {"from": user, "x": 1}),
    ]  # fmt: skip
    await person.send_text("/help")  # the bot goes on answering
    [reply] = await person.wait_messages(1)
    assert reply.body.startswith("Что умеет этот бот")
    await emulator.wait_idle()
    assert person.chat.bot_messages[-1].body == reply.body  # no reply to any of them

    for update_id in injected:
        lines = [
            r.getMessage()
            for r in caplog.records
            if r.getMessage().startswith(f"update={update_id} ")
        ]
        assert len(lines) == 1, (update_id, lines)
    _no_tracebacks(caplog)
    assert not [w for w in recwarn if "unknown update type" in str(w.message)]


async def test_an_update_that_does_not_fit_the_types_does_not_stop_polling(
    emulator: Emulator, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """aiogram parses getUpdates' batch at once: one update it cannot read (a poll without a
    field it requires) would fail the batch again and again, and the bot would answer nobody.
    The batch is read update by update: that one is skipped, the others are answered."""
    setup_logging("INFO")
    caplog.set_level(logging.INFO)
    await start_bot()
    person = await _person(emulator, 8805, "Анна")
    broken = _inject(emulator, "poll", {"id": "1", "question": "Когда?"})
    await person.send_text("/help")
    [reply] = await person.wait_messages(1, timeout=10)
    assert reply.body.startswith("Что умеет этот бот")
    skipped = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith(f"update={broken} ")
    ]
    assert skipped and "does not fit" in skipped[0] and "Когда" not in " ".join(skipped)
    _no_tracebacks(caplog)
