"""«📞 Call me back» end to end (issue 14): two taps from the menu in Russian and in Kazakh,
only one's own contact, a typed number, a double confirm making one request, the coordinators'
push and list, closing it (audited), filling the hotline form from it, and /forget."""

from __future__ import annotations

from sqlalchemy import select

from bot.keyboards.callbacks import CallMeCb
from bot.sandbox import Emulator, Person
from bot.services import coordinators
from models import AuditEntry, CallbackRequest, OutboxMessage, Territory
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

WHEN = "05.12.2026 16:00"  # the fake clock's 09:00 UTC in the HQ's zone (Novokuznetsk)
ASK_RU = "📞 Перезвоните мне"
YES_RU = "✅ Да, жду звонка"
CLOSE_RU = "☎️ Позвонил, заявка не нужна"


async def _bot(start_bot: StartBot) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"})


async def _person(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _territory_coordinator(runner: BotRunner, person: Person) -> None:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        await coordinators.appoint(
            session,
            user_id=person.id,
            territory_ids=[territory.id],
            hq=False,
            actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )
        await session.commit()


async def _call_backs(runner: BotRunner) -> list[CallbackRequest]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return list((await session.scalars(select(CallbackRequest))).all())


async def _ask_ru(person: Person, phone: str = "+79131234567") -> None:
    """The two taps, in Russian."""
    await person.send_text(ASK_RU)
    await person.wait_messages(1)
    await person.send_contact(phone=phone)
    await person.wait_messages(1)
    person.mark_read()
    await person.press(YES_RU)
    await person.wait_messages(1)
    person.mark_read()


async def test_two_taps_in_russian_reach_every_coordinator(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    local = await _person(emulator, 7100, "Олег", "ru")
    await _territory_coordinator(runner, local)
    maria = await _person(emulator, 7001, "Мария", "ru")
    assert maria.reply_keyboard is not None and [ASK_RU] in maria.reply_keyboard

    await maria.send_text(ASK_RU)
    [ask] = await maria.wait_messages(1)
    assert ask.body.startswith("📞 Вам перезвонят из штаба")
    assert maria.reply_keyboard == [["📱 Поделиться контактом"], ["✖️ Отмена"]]
    await maria.send_contact(phone="+79131234567")
    [summary] = await maria.wait_messages(1)
    assert summary.body == "Перезвонить вам по номеру +7 913 123-45-67?"
    assert summary.buttons == [[YES_RU], ["✖️ Отмена"]]
    maria.mark_read()
    await maria.press(YES_RU)
    [sent] = await maria.wait_messages(1)
    assert sent.body == "✅ Мы получили вашу просьбу. Вам перезвонят по номеру +7 913 123-45-67."
    assert maria.reply_keyboard is not None and [ASK_RU] in maria.reply_keyboard
    summary_now = next(m for m in maria.messages if m.message_id == summary.message_id)
    assert summary_now.buttons == []  # answered: the buttons left the screen

    [row] = await _call_backs(runner)
    assert (row.user_id, row.phone, row.status) == (7001, "+79131234567", "open")
    for coordinator in (hq, local):
        [push] = await coordinator.wait_messages(1, timeout=10)
        assert "Просьба перезвонить № 1" in push.body
        assert "Телефон: +7 913 123-45-67" in push.body and f"Попросили: {WHEN}" in push.body
        assert push.buttons == [["📝 Заполнить заявку"], [CLOSE_RU]]
    await drained(runner)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:  # the phone is purged once delivered
        payloads = (
            await session.scalars(
                select(OutboxMessage.payload).where(
                    OutboxMessage.idempotency_key.in_([f"cb:1:push:{ADMIN_ID}", "cb:1:push:7100"])
                )
            )
        ).all()
    assert payloads == [{"purged": True}] * 2

    # The list, for any coordinator.
    local.mark_read()
    await local.send_text("/callbacks")
    title, item = await local.wait_messages(2)
    assert title.body.startswith("📞 Ждут звонка: 1.")
    assert item.body == f"📞 № 1 · +7 913 123-45-67\nПопросили: {WHEN}"
    assert item.buttons == [["📝 Заполнить заявку"], [CLOSE_RU]]

    # A citizen sees no list.
    maria.mark_read()
    await maria.send_text("/callbacks")
    [unknown] = await maria.wait_messages(1)
    assert "+7 913" not in unknown.body


async def test_two_taps_in_kazakh(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "kk")
    aigul = await _person(emulator, 7002, "Айгүл", "kk")
    assert aigul.reply_keyboard is not None and ["📞 Маған қоңырау шалыңыз"] in aigul.reply_keyboard

    await aigul.send_text("📞 Маған қоңырау шалыңыз")
    [ask] = await aigul.wait_messages(1)
    assert "«📱 Нөмірмен бөлісу» батырмасын басыңыз" in ask.body
    await aigul.send_contact(phone="+77011234567")
    [summary] = await aigul.wait_messages(1)
    assert summary.body == "Сізге +7 701 123 4567 нөміріне қоңырау шалайық па?"
    aigul.mark_read()
    await aigul.press("✅ Иә, қоңырау күтемін")
    [sent] = await aigul.wait_messages(1)
    assert sent.body.startswith("✅ Өтінішіңізді алдық.")
    [push] = await hq.wait_messages(1, timeout=10)
    assert push.body.startswith("📞 Қайта қоңырау шалу туралы № 1 өтініш")
    assert push.buttons == [["📝 Өтінімді толтыру"], ["☎️ Қоңырау шалдым, өтінім керек емес"]]
    assert [(r.user_id, r.phone) for r in await _call_backs(runner)] == [(7002, "+77011234567")]

    aigul.mark_read()
    await aigul.send_text("/callme")  # asked already: told it is waiting, with its time
    [waiting] = await aigul.wait_messages(1)
    assert waiting.body.startswith("⏳ Қоңырау шалу туралы өтінішіңіз штабқа жеткен")
    assert WHEN in waiting.body


async def test_own_contact_only_a_typed_number_and_one_request_per_double_tap(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    ivan = await _person(emulator, 7003, "Иван", "ru")

    await ivan.send_text("/callme")
    await ivan.wait_messages(1)
    await ivan.send_contact(phone="+79139998877", own=False)
    [refused] = await ivan.wait_messages(1)
    assert refused.body.startswith("Это чужой контакт.")
    await ivan.send_text("12345")
    [bad] = await ivan.wait_messages(1)
    assert bad.body.startswith("Не получилось разобрать номер.")
    await ivan.send_sticker()
    [hint] = await ivan.wait_messages(1)
    assert hint.body.startswith("Нажмите кнопку «📱 Поделиться контактом»")
    await ivan.send_text("8 913 765 43 21")
    [summary] = await ivan.wait_messages(1)
    assert summary.body == "Перезвонить вам по номеру +7 913 765-43-21?"

    ivan.mark_read()
    await ivan.press(YES_RU)
    await ivan.wait_messages(1)
    # The same button again (a double tap the edit had not yet caught up with).
    answer = await ivan.press_data(CallMeCb(action="ok").pack(), message_id=summary.message_id)
    assert answer is not None and answer.text is not None
    assert answer.text.startswith("⏳ Ваша просьба перезвонить уже у штаба")
    [row] = await _call_backs(runner)
    assert row.phone == "+79137654321"
    await hq.wait_messages(1, timeout=10)
    await drained(runner)
    assert len([m for m in hq.messages if "Просьба перезвонить" in m.body]) == 1

    ivan.mark_read()
    await ivan.send_text(ASK_RU)
    [again] = await ivan.wait_messages(1)
    assert again.body.startswith(f"⏳ Ваша просьба перезвонить уже у штаба (отправлена {WHEN})")
    assert len(await _call_backs(runner)) == 1


async def test_called_no_request_needed_closes_it_with_an_audit_entry(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    local = await _person(emulator, 7100, "Олег", "ru")
    await _territory_coordinator(runner, local)
    maria = await _person(emulator, 7001, "Мария", "ru")
    await _ask_ru(maria)
    await hq.wait_messages(1, timeout=10)
    await local.wait_messages(1, timeout=10)

    await hq.send_text("/callbacks")
    _, item = await hq.wait_messages(2)
    await hq.press(CLOSE_RU, message_id=item.message_id)
    closed = next(m for m in hq.messages if m.message_id == item.message_id)
    assert closed.body == "☎️ Просьба перезвонить № 1 закрыта: заявка не нужна."
    assert closed.buttons == []
    [row] = await _call_backs(runner)
    assert (row.status, row.handled_by) == ("done", ADMIN_ID)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        actions = (
            await session.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.actor_id))
        ).all()
    assert ("callback_closed", "callback:1", ADMIN_ID) in actions
    assert ("view_callbacks", None, ADMIN_ID) in actions

    # Every push loses the phone and its buttons; a late press there is told it is handled.
    await drained(runner)
    [push] = [m for m in local.messages if "№ 1" in m.body]
    assert push.body == "📞 Просьба перезвонить № 1 обработана." and push.buttons == []
    answer = await local.press_data("cb:1:done", message_id=push.message_id)
    assert answer is not None and answer.text == "Эту просьбу перезвонить уже обработали."
    local.mark_read()
    await local.send_text("/callbacks")
    [empty] = await local.wait_messages(1)
    assert empty.body == "Сейчас никто не ждёт звонка."


async def test_fill_the_request_opens_the_hotline_form(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    maria = await _person(emulator, 7001, "Мария", "ru")
    await _ask_ru(maria)
    [push] = await hq.wait_messages(1, timeout=10)

    await hq.press("📝 Заполнить заявку", message_id=push.message_id)
    intro, start, question = await hq.wait_messages(3)
    assert intro.body == "📞 Заявка по просьбе перезвонить № 1. Телефон человека: +7 913 123-45-67"
    assert start.body.startswith("☎️ Заявка по звонку на горячую линию")
    assert question.body.startswith("Какая помощь нужна?")  # the caller's phone is known
    [row] = await _call_backs(runner)
    assert (row.status, row.handled_by) == ("open", ADMIN_ID)  # open until the form is confirmed

    # The list shows who is on it.
    await hq.send_text("/cancel")
    await hq.wait_messages(1)
    await hq.send_text("/callbacks")
    _, item = await hq.wait_messages(2)
    assert f"📝 Заявку заполняет: Штаб, с {WHEN}" in item.body


async def test_forget_erases_the_phone(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    maria = await _person(emulator, 7001, "Мария", "ru")
    await _ask_ru(maria)
    [push] = await hq.wait_messages(1, timeout=10)

    await maria.send_text("/forget")
    await maria.wait_messages(1)
    await maria.press("Да, удалить мои данные")
    await maria.wait_messages(1)
    [row] = await _call_backs(runner)
    assert (row.phone, row.status) == ("", "cancelled")
    await drained(runner)
    shown = next(m for m in hq.messages if m.message_id == push.message_id)
    assert shown.body == "📞 Просьба перезвонить № 1 отменена: человек удалил свои данные."
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        payloads = (await session.scalars(select(OutboxMessage.payload))).all()
    assert not [p for p in payloads if "913" in str(p)]
    hq.mark_read()
    await hq.send_text("/callbacks")
    [empty] = await hq.wait_messages(1)
    assert empty.body == "Сейчас никто не ждёт звонка."
