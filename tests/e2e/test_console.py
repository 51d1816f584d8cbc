"""The coordinators' request console through the emulator, as a coordinator uses it: /requests
most urgent first, the filters with their counts, a card's history, an internal note,
reassigning a taken request found by name, cancelling with a reason (all audited); a
territory coordinator in Kazakh sees only their territory; the daily summary arrives in the
coordinator's language at their local time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import FakeClock
from bot.keyboards.callbacks import AssignCb
from bot.sandbox import Emulator, Person
from bot.services import coordinators
from bot.services.timing import QuietHours
from models import AuditEntry, HelpRequest, Territory
from scheduler.jobs import daily_summary as daily_summary_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained
from tests.e2e.test_requests import _bot, _person, _volunteers
from tests.e2e.test_trust_requests import _new_request, _until


def _body(person: Person, message_id: int) -> str:
    return next(m.body for m in person.messages if m.message_id == message_id)


def _labels(person: Person, message_id: int) -> list[str]:
    message = next(m for m in person.messages if m.message_id == message_id)
    return [label for row in message.buttons for label in row]


async def _actions(runner: BotRunner) -> list[str]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def _set_urgency(runner: BotRunner, request_id: int, urgency: str) -> None:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        assert request is not None
        request.urgency = urgency
        await session.commit()


async def test_console_in_russian(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    maria = await _person(emulator, 7201, "Мария", "ru")
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    petr = await _person(emulator, 7202, "Пётр", "ru")
    ivan = await _person(emulator, 7203, "Иван", "ru")
    ids = await _volunteers(runner, [petr, ivan])
    planned = await _new_request(runner, maria.id, kind="coal")  # nobody has «coal»
    await _set_urgency(runner, planned, "planned")
    urgent = await _new_request(runner, maria.id)  # newer, but for today
    await petr.wait_messages(1, timeout=10)
    await ivan.wait_messages(1, timeout=10)

    # Most urgent first, then the longest waiting.
    await admin.send_text("/requests")
    [listing] = await admin.wait_messages(1)
    assert listing.body.index(f"№ {urgent} ·") < listing.body.index(f"№ {planned} ·")
    assert f"№ {urgent} · Продукты" in listing.body and "🚨" in listing.body
    await admin.press("🔎 Фильтры")
    await _until(admin, lambda: "Фильтры заявок" in _body(admin, listing.message_id))
    labels = _labels(admin, listing.message_id)
    assert "Открытые (2)" in labels[0] and "⚠️ Без исполнителя (1)" in labels
    assert "Доставка угля (1)" in labels and "Продукты (1)" in labels
    await admin.press("⚠️ Без исполнителя (1)")
    await _until(admin, lambda: "✅ ⚠️ Без исполнителя (1)" in _labels(admin, listing.message_id))
    await admin.press("Показать")
    await _until(admin, lambda: "Включены фильтры" in _body(admin, listing.message_id))
    filtered = _body(admin, listing.message_id)
    assert f"№ {planned} ·" in filtered and f"№ {urgent} ·" not in filtered

    # Petr takes the urgent one; its card tells the story, with who and when.
    await petr.press("Взять")
    await petr.wait_messages(1, timeout=10)
    admin.mark_read()
    await admin.send_text("/requests")
    await admin.wait_messages(1)
    await admin.press(f"№ {urgent}: Продукты")
    [card] = await admin.wait_messages(1)
    assert "История" in card.body and "— создана" in card.body
    assert "— взята волонтёром · Пётр" in card.body
    assert "🔄 Переназначить" in [label for row in card.buttons for label in row]

    # An internal note: only coordinators read it, on the card.
    await admin.press("📝 Заметка для штаба")
    [ask] = await admin.wait_messages(1)
    assert ask.body.startswith(f"Напишите заметку к заявке № {urgent}")
    await admin.send_text("Бабушка плохо слышит, звонить громко")
    [saved] = await admin.wait_messages(1)
    assert saved.body == f"Заметка к заявке № {urgent} сохранена."
    await admin.press(f"№ {urgent}: Продукты")
    [again] = await admin.wait_messages(1)
    assert "📝 заметка · Штаб: «Бабушка плохо слышит, звонить громко»" in again.body

    # Reassign: the list names each one's open tasks and last activity; search by name.
    await admin.press("🔄 Переназначить")
    [choose] = await admin.wait_messages(1)
    assert choose.body.startswith(f"Кому переназначить заявку № {urgent}")
    assert "Иван Иванов" in choose.body and "последняя активность" in choose.body
    assert "Пётр Иванов (" not in " ".join(b for row in choose.buttons for b in row)
    await admin.press("🔎 Найти по имени или телефону")
    [ask] = await admin.wait_messages(1)
    await admin.send_text("ива")
    found, _listed = await admin.wait_messages(2)
    assert "найден 1 волонтёр" in found.body
    answer = await admin.press("Иван Иванов (0)")
    assert answer is not None and answer.text == (
        f"Заявка № {urgent} назначена: Иван Иванов. Волонтёру отправлено уведомление."
    )
    await _until(petr, lambda: any("передал другому волонтёру" in m.body for m in petr.messages))
    await _until(ivan, lambda: any("назначил вам задачу" in m.body for m in ivan.messages))
    assert (await _request_of(runner, urgent)).volunteer_id is not None
    # A stale «assign» button (not the console's reassign) never takes the task from Ivan.
    stale = await admin.press_data(AssignCb(id=urgent, volunteer=ids[petr.id]).pack())
    assert stale is not None and stale.text and "уже не в поиске" in stale.text
    # Cancel the planned one with a reason the requester reads.
    admin.mark_read()
    await admin.send_text("/requests")
    await admin.wait_messages(1)
    await admin.press(f"№ {planned}: Доставка угля")
    await admin.wait_messages(1)
    await admin.press("✖️ Отменить с причиной")
    [ask] = await admin.wait_messages(1)
    await admin.send_text(" ")  # nothing typed: asked again
    [hint] = await admin.wait_messages(1)
    assert hint.body == "Напишите причину текстом: от 1 до 300 символов."
    await admin.send_text("Уголь привёз сосед")
    [done] = await admin.wait_messages(1)
    assert done.body == f"Заявка № {planned} отменена. Заявитель получил причину."
    await _until(maria, lambda: any("Штаб отменил заявку" in m.body for m in maria.messages))
    assert (await _request_of(runner, planned)).status == "cancelled"
    actions = await _actions(runner)
    assert {"request_note", "request_reassigned", "request_cancelled", "view_request"} <= set(
        actions
    )


async def _request_of(runner: BotRunner, request_id: int) -> HelpRequest:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        request = await session.get(HelpRequest, request_id)
        assert request is not None
        return request


async def test_console_in_kazakh_territory_scope_and_daily_summary(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    assert runner.app is not None
    maria = await _person(emulator, 7301, "Мария", "ru")
    aigul = await _person(emulator, 7302, "Айгүл", "kk")
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        await coordinators.appoint(
            session, user_id=aigul.id, territory_ids=[yurga.id], hq=False, actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()
    mine = await _new_request(runner, maria.id)
    elsewhere = await _new_request(runner, maria.id, code="kemerovo")

    await aigul.send_text("/requests")
    [listing] = await aigul.wait_messages(1)
    assert f"№ {mine} ·" in listing.body and f"№ {elsewhere} ·" not in listing.body
    assert "Азық-түлік" in listing.body
    await aigul.press("🔎 Сүзгілер")
    await _until(aigul, lambda: "Өтінім сүзгілері" in _body(aigul, listing.message_id))
    labels = _labels(aigul, listing.message_id)
    assert "✅ Ашық (1)" in labels and "⚠️ Орындаушысыз (1)" in labels
    await aigul.press("Сүзгілерді тазарту")
    await aigul.press("Көрсету")
    await _until(aigul, lambda: "Өтінім сүзгілері" not in _body(aigul, listing.message_id))

    await aigul.press(f"№ {mine}: Азық-түлік")
    [card] = await aigul.wait_messages(1)
    assert "Тарихы" in card.body and "— жасалды" in card.body
    await aigul.press("📝 Штабқа арналған жазба")
    [ask] = await aigul.wait_messages(1)
    assert ask.body.startswith(f"№ {mine} өтінімге жазба жазыңыз")
    await aigul.send_text("Кіреберіс кодын сұраңыз")
    [saved] = await aigul.wait_messages(1)
    assert saved.body == f"№ {mine} өтінімге жазба сақталды."

    # Her territories change while she types a cancel reason: refused, on record.
    await aigul.press(f"№ {mine}: Азық-түлік")
    await aigul.wait_messages(1)
    await aigul.press("✖️ Себебін жазып тоқтату")
    [ask] = await aigul.wait_messages(1)
    assert ask.body.startswith(f"№ {mine} өтінімді неге тоқтатасыз?")
    async with runner.app.sessionmaker() as session:
        kemerovo = await session.scalar(select(Territory).where(Territory.code == "kemerovo"))
        assert kemerovo is not None
        await coordinators.appoint(
            session, user_id=aigul.id, territory_ids=[kemerovo.id], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()
    await aigul.send_text("Қайталанған өтінім")
    [refused] = await aigul.wait_messages(1)
    assert "аумақтарыңыз өзгерді" in refused.body
    assert (await _request_of(runner, mine)).status == "new"
    assert "denied_scope" in await _actions(runner)
    async with runner.app.sessionmaker() as session:
        await coordinators.appoint(
            session, user_id=aigul.id, territory_ids=[yurga.id], hq=False, actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()

    # The daily summary: 08:00 in Yurga (UTC+7) is 01:00 UTC; in Kazakh, for her territory.
    aigul.mark_read()
    settings = runner.app.settings

    async def tick(now: datetime) -> list[int]:
        assert runner.app is not None
        return await daily_summary_job.tick(
            now, sessionmaker=runner.app.sessionmaker, at=time(8, 0),
            quiet=QuietHours.parse(settings.quiet_hours), hq_zone=ZoneInfo("Europe/Moscow"),
            admin_ids=settings.admin_ids, default_locale=settings.default_locale,
        )  # fmt: skip

    # The bot's clock says 05.12 09:00 UTC, 16:00 in Yurga: today's is due at once, once.
    assert aigul.id in await tick(clock.now())
    assert aigul.id not in await tick(clock.now())
    clock.advance(datetime(2026, 12, 6, 0, 59, tzinfo=UTC) - clock.now())
    assert aigul.id not in await tick(clock.now())  # 07:59 on the 6th in Yurga
    clock.advance(timedelta(minutes=1))
    assert aigul.id in await tick(clock.now())
    await _until(aigul, lambda: len([m for m in aigul.messages if "жиынтық" in m.body]) == 2)
    first, summary = [m for m in aigul.messages if "жиынтық" in m.body]
    assert first.body.startswith("📊 05.12.2026 күнгі жиынтық")
    assert summary.body.startswith("📊 06.12.2026 күнгі жиынтық")
    assert "Ашық: 1" in summary.body  # her territory's only
    await drained(runner)
    assert len([m for m in aigul.messages if "жиынтық" in m.body]) == 2


async def test_assign_asks_the_volunteer_first_when_the_hq_says_so(
    emulator: Emulator, start_bot: StartBot
) -> None:
    """ASSIGN_ACCEPT_MINUTES=30: «assign» asks the volunteer to accept within 30 minutes."""
    runner = await start_bot(overrides={"territories": "kuzbass", "assign_accept_minutes": 30})
    maria = await _person(emulator, 7401, "Мария", "ru")
    admin = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    ivan = await _person(emulator, 7402, "Иван", "ru")
    await _volunteers(runner, [ivan], skills=("coal",))  # never pushed groceries
    request_id = await _new_request(runner, maria.id)
    await admin.send_text("/requests")
    await admin.wait_messages(1)
    await admin.press(f"№ {request_id}: Продукты")
    await admin.wait_messages(1)
    await admin.press("👤 Назначить волонтёра")
    await admin.wait_messages(1)
    answer = await admin.press("Иван Иванов (0)")
    # 09:00 UTC is 16:00 in Yurga: the answer is due by 16:30 there.
    assert answer is not None and answer.text == (
        f"Заявка № {request_id} предложена волонтёру Иван Иванов. Ждём ответа до 05.12.2026 "
        "16:30; если не ответит, заявку увидят все подходящие волонтёры."
    )
    await _until(ivan, lambda: any("Координатор просит вас взять" in m.body for m in ivan.messages))
    asked = next(m for m in ivan.messages if "Координатор просит вас взять" in m.body)
    assert asked.buttons == [["✅ Беру", "❌ Не смогу"]] and "Ответьте до 16:30" in asked.body
    assert (await _request_of(runner, request_id)).status == "new"
    await ivan.press("✅ Беру")
    await _until(ivan, lambda: any("Ленина" in m.body for m in ivan.messages))
    taken = await _request_of(runner, request_id)
    assert taken.status == "taken" and taken.volunteer_id is not None
    assert "request_asked" in await _actions(runner)
