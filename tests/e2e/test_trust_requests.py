"""Trust in help requests, end to end: a senior's details never outlive the task (done,
cancelled; a lost answer still leaves a record), and no request is left with nobody
(unattended requests are visible, reach volunteers who become available, and a coordinator
can offer one again or assign it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.keyboards.callbacks import AssignCb, TaskCb
from bot.keyboards.requests import take_data
from bot.sandbox import Emulator, Person
from bot.services import help_requests, outbox, volunteers
from models import AuditEntry, HelpRequest, OutboxMessage, Territory, Volunteer
from scheduler.jobs import waiting_requests
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.e2e.test_requests import _bot, _person, _volunteers

SECRETS = ("Анна Петровна", "Ленина", "913 999-88-77")


async def _until(person: Person, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for the chat to reach a state (an edit, say), woken by the emulator's changes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    notifier = person.state.notifier
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError("the chat did not reach the expected state")
        await notifier.wait(notifier.version, min(remaining, 0.5))


async def _new_request(
    runner: BotRunner, requester: int | None, code: str = "yurga", kind: str = "groceries"
) -> int:
    """A request as the form makes it (the form has its own tests), offered like the form's."""
    assert runner.app is not None
    settings = runner.app.settings
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == code))
        assert territory is not None
        request = await help_requests.create(
            session,
            help_requests.Draft(
                kind=kind,
                for_other=True,
                person_name="Анна Петровна",
                territory_id=territory.id,
                address="ул. Ленина, 5, кв. 12",
                details="Хлеб и молоко",
                urgency="today",
                requester_id=requester,
                person_phone="+79139998877",
            ),
            runner.clock.now(),
        )
        await help_requests.offer_or_escalate(
            session,
            request,
            runner.clock.now(),
            take_data=take_data(request.id),
            default_locale=settings.default_locale,
            admin_ids=settings.admin_ids,
        )
        await session.commit()
        return request.id


def _details_of(person: Person, request_id: int) -> list[str]:
    return [m.body for m in person.messages if m.from_bot and f"Задача № {request_id}" in m.body]


def _holds_secrets(person: Person) -> bool:
    return any(s in m.body for m in person.messages if m.from_bot for s in SECRETS)


async def test_details_never_come_back_after_done_or_cancel(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7001, "Мария", "ru")
    petr = await _person(emulator, 7100, "Пётр", "ru")
    await _volunteers(runner, [petr])

    # Done: the card keeps only kind, date and hours; "open" gives nothing back.
    first = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    await petr.press("Взять")
    [card] = await petr.wait_messages(1)
    assert "Анна Петровна" in card.body and "Ленина" in card.body
    await petr.press("✅ Выполнено")
    await petr.wait_messages(1)
    await petr.send_text("Купил хлеб и молоко")
    await petr.wait_messages(1)
    await petr.send_text("2")
    await petr.wait_messages(1)
    await petr.send_text("Пропустить")
    await petr.wait_messages(1)
    await _until(petr, lambda: not _holds_secrets(petr))
    done_card = next(m for m in petr.messages if m.message_id == card.message_id)
    assert done_card.body.startswith(f"✅ Задача № {first} выполнена: Продукты")
    assert "2 ч" in done_card.body and done_card.buttons == []
    petr.mark_read()
    answer = await petr.press_data(TaskCb(id=first, action="open").pack())
    assert answer is not None and answer.show_alert
    assert answer.text == f"Задача № {first} закрыта: данные человека больше не показываются."
    await petr.send_text("/tasks")
    [tasks] = await petr.wait_messages(1)
    assert f"№ {first} · Продукты" in tasks.body and not tasks.buttons
    assert not _holds_secrets(petr)

    # Cancelled by the requester: hidden, and the "open" button gives nothing back either.
    second = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    await petr.press("Взять")
    [card] = await petr.wait_messages(1)
    assert "Ленина" in card.body
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, second)
        assert request is not None
        assert await help_requests.cancel(session, request, maria.id, runner.clock.now())
        await session.commit()
    await _until(petr, lambda: not _holds_secrets(petr))
    petr.mark_read()
    answer = await petr.press_data(TaskCb(id=second, action="open").pack())
    assert answer is not None and answer.text and "закрыта" in answer.text
    await drained(runner)
    assert not _holds_secrets(petr)
    assert not [m for m in petr.messages if m.from_bot and "Ленина" in m.body]


async def test_a_lost_answer_still_leaves_a_record_and_every_copy_is_known(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    """Telegram delivers the details but the answer is lost: the bot sends them once more
    under a new record; the first copy's id is unknown, so hiding it is reported to the HQ
    instead of nobody ever knowing the card exists."""
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7002, "Мария", "ru")
    petr = await _person(emulator, 7101, "Пётр", "ru")
    await _volunteers(runner, [petr])
    request_id = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    emulator.fail_next("sendMessage", chat_id=petr.id, code=502, after_running=True)
    await petr.press("Взять")
    copies = await petr.wait_messages(2)
    assert all("Ленина" in m.body for m in copies)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        records = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.idempotency_key.like(f"req:{request_id}:details:%")
                )
            )
        ).all()
    assert sorted(r.telegram_message_id is None for r in records) == [False, True]
    assert {r.telegram_message_id for r in records} - {None} == {copies[1].message_id}

    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        assert request is not None
        await help_requests.cancel(session, request, maria.id, runner.clock.now())
        await session.commit()
    # The copy with a known id is hidden; the other is on the HQ's list of what could not be.
    # A hiding waits a little for an id that may still come (the send may be in flight):
    # the clock moves until it gives up.
    unhidden: list[outbox.UnhiddenRow] = []
    deadline = asyncio.get_running_loop().time() + 30  # a bound for a loaded machine
    while asyncio.get_running_loop().time() < deadline:
        async with runner.app.sessionmaker() as session:
            unhidden = await outbox.unhidden(session, limit=10)
        if unhidden and _edited(petr, copies[1]):
            break
        clock.advance(timedelta(seconds=5))
        runner.app.delivery.wake()
        await asyncio.sleep(0.02)
    assert _edited(petr, copies[1]) and "Ленина" in copies[0].body
    assert [row.chat_id for row in unhidden] == [petr.id]


def _edited(person: Person, message: object) -> bool:
    message_id = getattr(message, "message_id", None)
    current = next(m for m in person.messages if m.message_id == message_id)
    return "Ленина" not in current.body


async def test_nobody_fits_then_a_volunteer_becomes_available(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """The HQ coordinator never started the bot, so the note is lost ("chat not found"); the
    request stays visible as unattended, the coordinator sees it on /start, and a volunteer
    approved later is offered it."""
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7003, "Мария", "ru")
    request_id = await _new_request(runner, maria.id)
    assert runner.app is not None
    await runner.app.delivery.run_once()

    admin = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await admin.send_text("/start")
    # The note may still reach them once their chat exists (a retry of "chat not found"),
    # before or after the greeting: the greeting is what counts here.
    seen = [*await admin.wait_messages(2)]
    while not any("Заявок без исполнителя на ваших территориях: 1" in m.body for m in seen):
        seen += await admin.wait_messages(1)
    await emulator.wait_idle(quiet=0.3, timeout=10)  # the rest of the /start answer
    admin.mark_read()
    await admin.send_text("/requests")
    [listing] = await admin.wait_messages(1)
    assert "⚠️ Без исполнителя: 1" in listing.body
    assert f"№ {request_id} · Продукты" in listing.body and "без исполнителя" in listing.body

    # A volunteer approved afterwards gets the push at once.
    olga = await _person(emulator, 7102, "Ольга", "ru")
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        application = volunteers.Application(
            name="Ольга Иванова", phone="+79030000000", territory_id=territory.id,
            skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        await volunteers.submit(session, olga.id, application, runner.clock.now())
        await session.commit()
    admin.mark_read()
    await admin.send_text("/applications")
    # The new application's notice (through the outbox) may come before the list: wait for
    # the list's button.
    while not any("Открыть № 1" in row for m in await admin.wait_messages(1) for row in m.buttons):
        pass
    await admin.press("Открыть № 1")
    await admin.wait_messages(1)
    await admin.press("✅ Одобрить")
    pushes = await olga.wait_messages(2, timeout=10)  # approved, then the waiting request
    assert any(m.body.startswith(f"🆕 Задача № {request_id}") for m in pushes)
    async with runner.app.sessionmaker() as session:
        assert await help_requests.count_unattended(session, None) == 0


async def test_the_net_under_the_handlers_offers_after_a_pause_ends(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    """A pause ends by the date, with no event: the scheduler's job offers what waits."""
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7004, "Мария", "ru")
    petr = await _person(emulator, 7103, "Пётр", "ru")
    ids = await _volunteers(runner, [petr])
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        volunteer = await volunteers.profile_of(session, petr.id)
        assert volunteer is not None
        await volunteers.pause(
            session, volunteer, (now + timedelta(days=2)).date(), "Asia/Novokuznetsk", now
        )
        await session.commit()
    request_id = await _new_request(runner, maria.id)
    async with runner.app.sessionmaker() as session:
        assert await help_requests.count_unattended(session, None) == 1
    clock.advance(timedelta(days=3))
    sent = await waiting_requests.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        take_data=take_data,
        default_locale="ru",
    )
    assert sent == 1
    [push] = await petr.wait_messages(1, timeout=10)
    assert push.body.startswith(f"🆕 Задача № {request_id}") and ids


async def test_coordinator_offers_again_and_assigns(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7005, "Мария", "ru")
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    petr, ivan = (
        await _person(emulator, 7104, "Пётр", "ru"),
        await _person(emulator, 7105, "Иван", "ru"),
    )
    await _volunteers(runner, [petr])
    await _volunteers(runner, [ivan], skills=("coal",))  # no "delivery": never pushed groceries
    request_id = await _new_request(runner, maria.id)
    [push] = await petr.wait_messages(1, timeout=10)
    assert push.buttons == [["Взять"]]

    # Offer again: the old push says so, a new one comes.
    await admin.send_text("/requests")
    await admin.wait_messages(1)
    await admin.press(f"№ {request_id}: Продукты")
    [card] = await admin.wait_messages(1)
    assert ["🔁 Предложить снова", "👤 Назначить волонтёра"] in card.buttons
    answer = await admin.press("🔁 Предложить снова")
    assert (
        answer is not None
        and answer.text == f"Заявка № {request_id} предложена снова: 1 волонтёру."
    )
    [again] = await petr.wait_messages(1, timeout=10)
    assert again.body.startswith(f"🆕 Задача № {request_id}")
    # The same card pressed again (or a second coordinator): no second round of pushes.
    twice = await admin.press("🔁 Предложить снова")
    assert (
        twice is not None
        and twice.text
        and twice.text.startswith(f"Заявку № {request_id} уже предложили снова")
    )
    await _until(petr, lambda: push.message_id != again.message_id and _renewed(petr, push))

    # Assign to Ivan (no fitting skill, listed after those who fit); Petr's push says taken.
    admin.mark_read()
    await admin.press("👤 Назначить волонтёра")
    [choose] = await admin.wait_messages(1)
    labels = [label for row in choose.buttons for label in row]
    # (the console adds a search by name or phone under the list)
    assert labels == ["Пётр Иванов (0)", "Иван Иванов (0)", "🔎 Найти по имени или телефону"]
    answer = await admin.press("Иван Иванов (0)")
    assert (
        answer is not None
        and answer.text
        == f"Заявка № {request_id} назначена: Иван Иванов. Волонтёру отправлено уведомление."
    )
    [assigned] = await ivan.wait_messages(1, timeout=10)
    assert assigned.body.startswith(f"📌 Координатор назначил вам задачу № {request_id}")
    assert not any(s in assigned.body for s in SECRETS)  # the details come on request
    await ivan.press(f"📋 Открыть задачу № {request_id}")
    [details] = await ivan.wait_messages(1)
    assert "Ленина" in details.body
    [taken] = await maria.wait_messages(1, timeout=10)
    assert taken.body.startswith(f"Заявку № {request_id} взял волонтёр Иван.")
    await _until(petr, lambda: petr.messages[-1].body.startswith(f"Задачу № {request_id} уже взял"))
    async with runner.app.sessionmaker() as session:  # type: ignore[union-attr]
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert {"request_reoffered", "request_assigned"} <= set(actions)
    # A second assign finds it no longer searching.
    assert choose.buttons == []  # the choice leaves the screen
    petr_id = (await _volunteer_ids(runner))[petr.id]
    answer = await admin.press_data(AssignCb(id=request_id, volunteer=petr_id).pack())
    assert answer is not None and answer.text and "уже не в поиске" in answer.text


def _renewed(person: Person, push: object) -> bool:
    message_id = getattr(push, "message_id", None)
    current = next(m for m in person.messages if m.message_id == message_id)
    return "предложена заново" in current.body


async def _volunteer_ids(runner: BotRunner) -> dict[int, int]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return {v.user_id: v.id for v in (await session.scalars(select(Volunteer))).all()}


async def test_a_push_copy_the_bot_never_learnt_of_settles_when_pressed(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """After a crash a push can exist twice, one copy with an id the bot never stored: no
    "taken" edit reaches it, so pressing its «Взять» edits that very message."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from tests.e2e.conftest import TOKEN

    runner = await _bot(start_bot)
    maria = await _person(emulator, 7006, "Мария", "ru")
    petr, ivan = (
        await _person(emulator, 7106, "Пётр", "ru"),
        await _person(emulator, 7107, "Иван", "ru"),
    )
    await _volunteers(runner, [petr, ivan])
    request_id = await _new_request(runner, maria.id)
    await petr.wait_messages(1, timeout=10)
    await ivan.wait_messages(1, timeout=10)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)))
    try:  # the copy sent by a process that died before it stored the answer
        ghost = await bot.send_message(
            petr.id,
            f"🆕 Задача № {request_id}: Продукты",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text="Взять", callback_data=take_data(request_id))]
                ]
            ),
        )
    finally:
        await bot.session.close()
    await ivan.press("Взять")
    await ivan.wait_messages(1)
    answer = await petr.press("Взять", message_id=ghost.message_id)
    assert answer is not None and answer.text and answer.text.startswith("Эту задачу уже взял")
    copy = next(m for m in petr.messages if m.message_id == ghost.message_id)
    assert copy.body.startswith(f"Задачу № {request_id} уже взял другой волонтёр")
    assert copy.buttons == []
