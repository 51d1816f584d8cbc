"""Erasure never stalls the bot (issue 23), end to end: a person with a lot written about
them presses "erase my data"; the button is answered at once, other people are answered
while the erasure goes on in bounded chunks, and then the person is told it is done. An
erasure cut short by a stop is finished by the job after the restart.

"Large" here is tens of thousands of outbox rows and thousands of audit entries about the
person's requests, written in bulk; the assertions are on the order of events, not on time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from bot.clock import FakeClock
from bot.keyboards.callbacks import CoordRequestCb
from bot.sandbox import Emulator
from bot.sandbox.botstate import Call
from bot.services import erasure, help_requests
from models import AuditEntry, Erasure, HelpRequest, OutboxMessage, Territory
from scheduler.jobs import erasures
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot
from tests.e2e.test_requests import _bot, _person
from tests.e2e.test_trust_requests import _until

ROWS_PER_REQUEST = 2_500  # outbox rows about each request (pushes; edits, notes: personal)
AUDIT_PER_REQUEST = 200


async def _requests_with_history(runner: BotRunner, requester: int, count: int) -> list[int]:
    """``count`` requests of ``requester``, each with a long history in the outbox and the
    audit log (bulk inserts, as the benchmark's database has)."""
    assert runner.app is not None
    now = runner.clock.now()
    ids = []
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        for _ in range(count):
            draft = help_requests.Draft(
                kind="groceries", for_other=True, person_name="Анна Петровна",
                territory_id=territory.id, address="ул. Ленина, 5", details="Хлеб",
                urgency="today", requester_id=requester, person_phone="+79139998877",
            )  # fmt: skip
            ids.append((await help_requests.create(session, draft, now)).id)
        await session.flush()
        for request_id in ids:
            await session.execute(
                insert(OutboxMessage),
                [
                    {
                        "idempotency_key": f"req:{request_id}:r0:push:{50_000 + n}",
                        "subject": f"req:{request_id}", "chat_id": 50_000 + n, "priority": 1,
                        "payload": {"text": {"key": "request-push"}}, "personal": n % 2 == 0,
                        "status": "sent", "attempts": 1, "not_before": now,
                        "next_attempt_at": now, "created_at": now, "sent_at": now,
                    }
                    for n in range(ROWS_PER_REQUEST)
                ],
            )  # fmt: skip
            await session.execute(
                insert(AuditEntry),
                [
                    {
                        "actor_id": ADMIN_ID, "action": "view_request",
                        "target": f"request:{request_id}", "scope": "hq",
                        "details": {"note": "Анна Петровна"}, "created_at": now,
                    }
                    for _ in range(AUDIT_PER_REQUEST)
                ],
            )  # fmt: skip
        await session.commit()
    return ids


def _seq(calls: list[Call], method: str, chat_id: int | None, text: str) -> int:
    """The first call of ``method`` (to ``chat_id``) whose text starts with ``text``."""
    for call in calls:
        if call.method.lower() != method.lower() or not call.ok:
            continue
        if chat_id is not None and call.chat_id != chat_id:
            continue
        if str(call.params.get("text") or "").startswith(text):
            return call.seq
    raise AssertionError(f"no {method} to {chat_id} starting with {text!r}")


async def test_another_person_is_answered_while_a_large_erasure_runs(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 9901, "Мария", "ru")
    petr = await _person(emulator, 9902, "Пётр", "ru")
    ids = await _requests_with_history(runner, maria.id, 20)
    await maria.send_text("/forget")
    await maria.wait_messages(1)
    maria.mark_read()

    answer = await maria.press("Да, удалить мои данные")
    # Answered before the slow part, in Telegram's time: the callback says it is under way.
    assert answer is not None and answer.text is not None
    assert answer.text.startswith("Удаляем ваши данные")
    await petr.send_text("/help")  # someone else, while the erasure runs
    [help_text] = await petr.wait_messages(1, timeout=10)
    await maria.wait_messages(1, timeout=60)  # the menu, after "done"
    assert maria.messages[-2].body == "Готово: ваши персональные данные удалены."

    calls = emulator.calls
    answered = _seq(calls, "answerCallbackQuery", None, "Удаляем ваши данные")
    others = next(
        c.seq
        for c in calls
        if c.method == "sendMessage"
        and c.chat_id == petr.id
        and isinstance(c.result, dict)
        and c.result.get("message_id") == help_text.message_id
    )
    done = _seq(calls, "editMessageText", maria.id, "Готово: ваши персональные данные")
    assert answered < others < done

    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        names = set((await session.scalars(select(HelpRequest.person_name))).all())
        unpurged = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.subject.in_([f"req:{i}" for i in ids]),
                OutboxMessage.personal.is_(True),
                OutboxMessage.chat_id >= 50_000,
            )
        )
        payloads = (
            await session.scalars(
                select(OutboxMessage.payload).where(
                    OutboxMessage.subject == f"req:{ids[-1]}", OutboxMessage.personal.is_(True)
                )
            )
        ).all()
        notes = (
            await session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "view_request")
            )
        ).all()
        left = await session.scalar(select(func.count()).select_from(Erasure))
    assert names == {"—"} and unpurged and left == 0
    assert all(payload == {"purged": True} for payload in payloads)
    assert len(notes) == 20 * AUDIT_PER_REQUEST and all(note == {} for note in notes)


async def test_a_coordinator_erasing_a_large_request_is_answered_at_once(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    ivan = await _person(emulator, 9903, "Иван", "ru")
    [request_id] = await _requests_with_history(runner, ivan.id, 1)
    answer = await hq.press_data(CoordRequestCb(id=request_id, action="erase_yes").pack())
    assert answer is not None and answer.text == (
        f"Стираем личные данные заявки № {request_id}… Напишем, когда закончим."
    )
    erased = f"Личные данные заявки № {request_id} стёрты."
    await _until(hq, lambda: any(m.body == erased for m in hq.messages))
    calls = emulator.calls
    answered = _seq(calls, "answerCallbackQuery", None, "Стираем личные данные")
    assert answered < _seq(calls, "editMessageText", hq.id, erased)


async def test_an_erasure_cut_short_by_a_stop_is_finished_after_the_restart(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 9904, "Мария", "ru")
    await _requests_with_history(runner, maria.id, 2)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:  # the first chunk, then the bot stops
        erasure_id = await erasure.begin(session, erasure.PERSON, maria.id, maria.id, clock.now())
        assert await erasure.run_some(session, erasure_id, clock.now()) is erasure.Outcome.MORE
        await session.commit()
    await runner.stop()
    clock.advance(erasures.STALLED_AFTER + timedelta(seconds=1))
    app = await runner.start()  # the erasures job runs at once on start
    [done] = await maria.wait_messages(1, timeout=10)
    assert done.body == "Готово: ваши персональные данные удалены."
    assert maria.reply_keyboard is not None  # the menu they have now
    async with app.sessionmaker() as session:
        names = set((await session.scalars(select(HelpRequest.person_name))).all())
    assert names == {"—"}
    assert await erasures.tick(clock, sessionmaker=app.sessionmaker) == 0  # nothing left
