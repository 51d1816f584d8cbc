"""Broadcasts end to end (issue 20), in Russian and Kazakh through the emulator: the HQ's
broadcast to 500 people with 429s and people who blocked the bot (each delivered once, a
personal message overtaking the bulk, the progress message edited in place, the final
report), a territory coordinator's broadcast in Kazakh (their territory only, a missing
Russian text refused, quiet hours waited out), cancelling midway, a photo broadcast (the
caption's limit, a forged other territory refused, an empty audience refused), and /delivery
(what did not reach a coordinator, explained; the HQ's XLSX export opened with openpyxl)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.clock import FakeClock
from bot.sandbox import Emulator, Person
from bot.services import coordinators, volunteers
from bot.services.outbox import OutgoingMessage, Text, enqueue
from bot.services.timing import QuietHours
from models import AuditEntry, Broadcast, OutboxMessage, OutboxStatus, Priority, Territory, User
from scheduler.jobs import broadcasts as job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained

HQ_ZONE = ZoneInfo("Asia/Novokuznetsk")


async def _bot(start_bot: StartBot, **overrides: object) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass", "delivery_rate": 30, **overrides})


async def _started(emulator: Emulator, user_id: int, name: str, code: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    if code == "kk":
        await person.press("Қазақша")
        await person.wait_messages(1)
    person.mark_read()
    return person


async def _tick(runner: BotRunner) -> job.TickResult:
    assert runner.app is not None
    return await job.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        quiet=QuietHours.parse(runner.app.settings.quiet_hours),
        default_locale="ru",
        default_zone=HQ_ZONE,
    )


async def _people(runner: BotRunner, emulator: Emulator, first: int, count: int) -> list[Person]:
    """``count`` people who opened the bot before: half read Russian, half Kazakh."""
    assert runner.app is not None
    now = runner.clock.now()
    rows = [
        {
            "id": first + n,
            "first_name": f"P{n}",
            "language_code": "kk" if n % 2 else "ru",
            "blocked_bot": False,
            "created_at": now,
            "updated_at": now,
            "last_seen_at": now,
        }
        for n in range(count)
    ]
    async with runner.app.sessionmaker() as session:
        await session.execute(insert(User), rows)
        await session.commit()
    return [
        emulator.user(first + n, first_name=f"P{n}", language_code="kk" if n % 2 else "ru",
                      started=True)
        for n in range(count)
    ]  # fmt: skip


async def _compose(
    author: Person,
    steps: list[str],
    ru: str | None,
    kk: str | None,
    *,
    urgent: str | None,
    kk_ui: bool,
) -> None:
    """The form from /broadcast to its summary: buttons ``steps``, no photo, the texts ("":
    skipped, None: not asked), the urgency button (the HQ's); the caller reads the preview
    and the summary as new messages."""
    skip = "Өткізіп жіберу" if kk_ui else "Пропустить"
    await author.send_text("/broadcast")
    await author.wait_messages(2)
    for label in steps:
        await author.press(label)
    author.mark_read()
    await author.tap(skip)  # no photo
    await author.wait_messages(1)
    typed = [text for text in (ru, kk) if text is not None]
    for n, text in enumerate(typed):
        author.mark_read()
        if text == "":
            await author.tap(skip)
        else:
            await author.send_text(text)
        if n < len(typed) - 1 or urgent:
            await author.wait_messages(1)
    if urgent:
        author.mark_read()
        await author.press(urgent)


async def _statuses(runner: BotRunner, broadcast_id: int) -> Counter[str]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.subject == f"bc:{broadcast_id}")
            .group_by(OutboxMessage.status)
        )
        return Counter({status: count for status, count in rows.all()})


async def _broadcast(runner: BotRunner) -> Broadcast:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        broadcast = await session.scalar(select(Broadcast).order_by(Broadcast.id.desc()))
        assert broadcast is not None
        return broadcast


async def _run_until_finished(runner: BotRunner, clock: FakeClock, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await _broadcast(runner)).finished_at is None:
        assert loop.time() < deadline, await _statuses(runner, (await _broadcast(runner)).id)
        clock.advance(timedelta(seconds=2))  # 429s' retry_after and the progress pace
        await _tick(runner)
        assert runner.app is not None
        runner.app.delivery.wake()
        await asyncio.sleep(0.5)
    await drained(runner)


def _texts_to(emulator: Emulator, chat_id: int) -> list[str]:
    return [
        str(call.params.get("text") or call.params.get("caption") or "")
        for call in emulator.calls_to(chat_id)
        if call.ok and call.method.lower() in ("sendmessage", "sendphoto")
    ]


async def test_hq_broadcast_to_500_with_429s_and_blocked_people(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    people = await _people(runner, emulator, 700_000, 500)
    assert runner.app is not None
    # Ten blocked the bot and the bot knows; five blocked it without the bot knowing yet.
    known_blocked = {p.id for p in people[10:20]}
    async with runner.app.sessionmaker() as session:
        for user in (await session.scalars(select(User).where(User.id.in_(known_blocked)))).all():
            user.blocked_bot = True
        await session.commit()
    silent_blocked = {p.id for p in people[30:35]}
    for person in people[30:35]:
        person.chat.blocked = True
    # 429s for a few chats, and a 502 once.
    for person in people[40:46]:
        emulator.fail_next("sendMessage", 1, chat_id=person.id, code=429, retry_after=1)
    emulator.fail_next("sendMessage", 1, chat_id=people[50].id, code=502)

    await _compose(
        hq,
        ["👥 Всем", "🌍 Везде", "Всем: по-русски и по-казахски", "Все, без ограничения"],
        "Завтра субботник в 10:00 & уборка",
        "Ертең сағат 10:00-де сенбілік",
        urgent="🕊 Обычная: ночью ждёт утра",
        kk_ui=False,
    )
    shown = await hq.wait_messages(5)
    bodies = [m.body for m in shown]
    # The preview: each language's message exactly as it will look, then the summary.
    assert bodies[0].startswith("👁 Так рассылку увидят читающие по-русски (")
    assert bodies[1] == "Завтра субботник в 10:00 & уборка"
    assert bodies[2].startswith("👁 Так рассылку увидят читающие по-казахски (")
    assert bodies[3] == "Ертең сағат 10:00-де сенбілік"
    summary = bodies[4]
    assert "Получат: 491" in summary and "Заблокировали бота и не получат: 10" in summary
    assert "Всё готово" in summary
    hq.mark_read()
    await hq.press("📣 Отправить")
    [started] = await hq.wait_messages(1)
    assert started.body.startswith("✅ Рассылка № ")

    await _tick(runner)  # enqueues all, in chunks
    broadcast = await _broadcast(runner)
    assert broadcast.enqueued == 491 and broadcast.skipped_blocked == 10  # the HQ too
    # A personal message while the bulk is queued goes first.
    lucky = people[-1]
    async with runner.app.sessionmaker() as session:
        await enqueue(
            session,
            chat_id=lucky.id,
            message=OutgoingMessage(Text(literal="Ваша задача: купить хлеб")),
            key="task:test:1",
            now=clock.now(),
            priority=Priority.NORMAL,
        )
        await session.commit()
    runner.app.delivery.wake()
    [personal] = await lucky.wait_messages(1, timeout=10)
    assert personal.body == "Ваша задача: купить хлеб"
    statuses = await _statuses(runner, broadcast.id)
    assert statuses[OutboxStatus.PENDING] > 300, statuses  # the bulk had hardly begun

    await _run_until_finished(runner, clock)
    final = await _statuses(runner, broadcast.id)
    assert final == Counter({OutboxStatus.SENT: 486, OutboxStatus.BLOCKED: 5}), final
    # Each reachable person got it exactly once, in their language; nobody blocked did.
    for n, person in enumerate(people):
        texts = [t for t in _texts_to(emulator, person.id) if "10:00" in t]
        if person.id in known_blocked or person.id in silent_blocked:
            assert texts == [], person.id
        else:
            expected = "Ертең" if n % 2 else "Завтра"
            assert len(texts) == 1 and texts[0].startswith(expected), (person.id, texts)
    # The progress message was edited in place, and the report came.
    edits = [c for c in emulator.calls_to(hq.id, "editMessageText") if c.ok]
    assert len(edits) >= 2
    assert "завершена" in str(edits[-1].params.get("text"))
    report = hq.last_bot_message
    assert report is not None and report.body.startswith(f"📊 Итог рассылки № {broadcast.id}")
    assert "Отправлено: 486" in report.body and "Заблокировали бота: 15" in report.body
    async with runner.app.sessionmaker() as session:
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "broadcast"))
        ).all()
        assert entry.actor_id == ADMIN_ID and entry.target == f"broadcast:{broadcast.id}"

    # /delivery shows who blocked the bot, explained, and exports it.
    hq.mark_read()
    await hq.send_text("/delivery")
    [health] = await hq.wait_messages(1)
    assert "Заблокировали бота" in health.body or "заблокировал" in health.body
    assert "Все сообщения бота вам доставлены" in health.body
    await hq.press("📥 Выгрузить CSV")
    [document] = await hq.wait_messages(1)
    assert document.document is not None


async def test_territory_coordinator_in_kazakh_scope_language_and_quiet_hours(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    runner = await _bot(start_bot)
    assert runner.app is not None
    aigerim = await _started(emulator, 8801, "Айгерім", "kk")
    async with runner.app.sessionmaker() as session:
        codes = dict((await session.execute(select(Territory.code, Territory.id))).all())
        await coordinators.appoint(
            session, user_id=aigerim.id, territory_ids=[codes["yurga"]], hq=False,
            actor_id=ADMIN_ID, now=clock.now(),
        )  # fmt: skip
        await session.commit()
    people: dict[int, Person] = {}
    for n, (code, lang) in enumerate(
        [("yurga", "kk"), ("yurga", "kk"), ("yurga", "ru"), ("kemerovo", "kk")]
    ):
        person = await _started(emulator, 8810 + n, f"Ерікті {n}", lang)
        people[person.id] = person
        async with runner.app.sessionmaker() as session:
            application = volunteers.Application(
                name=f"Ерікті {n}", phone="+79031234567", territory_id=codes[code],
                skills=("delivery",), age_group="18-34", availability=("weekends",),
                dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, person.id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=ADMIN_ID, reason=None,
                now=clock.now(),
            )  # fmt: skip
            await session.commit()
    await drained(runner)
    for person in people.values():
        person.mark_read()
    # 23:30 in Yurga (Novokuznetsk time): quiet hours.
    clock.set(datetime(2026, 12, 5, 23, 30, tzinfo=HQ_ZONE).astimezone(UTC))

    await _compose(
        aigerim,
        ["🤝 Еріктілерге", "🗺 Менің барлық аумағымда", "Кез келген",
         "Барлығына: орысша және қазақша", "Барлығы, шектеусіз"],
        "",
        "Ертең жиналыс",
        urgent=None,
        kk_ui=True,
    )  # fmt: skip
    shown = await aigerim.wait_messages(3)
    summary = shown[-1].body
    assert shown[0].body.startswith("👁 Қазақша оқитындар") and shown[1].body == "Ертең жиналыс"
    assert "Алатындар: 3" in summary  # Yurga only: not the Kemerovo volunteer
    assert "1 адамы орысша оқиды, бірақ бұл тілде мәтін жоқ" in summary
    aigerim.mark_read()
    await aigerim.press("📣 Жіберу")
    refusal = await aigerim.wait_messages(2)
    assert "орысша оқиды, бірақ бұл тілде мәтін жоқ" in refusal[0].body
    assert (await _tick(runner)).enqueued == {}  # nothing was created
    # Only Kazakh readers, then.
    await aigerim.press("👥 Алушылар")
    for label in ("🤝 Еріктілерге", "🗺 Менің барлық аумағымда", "Кез келген",
                  "Тек қазақша оқитындарға", "Барлығы, шектеусіз"):  # fmt: skip
        await aigerim.press(label)
    ready = aigerim.last_bot_message
    assert ready is not None and "Бәрі дайын" in ready.body and "Алатындар: 2" in ready.body
    aigerim.mark_read()
    await aigerim.press("📣 Жіберу")
    [started] = await aigerim.wait_messages(1)
    assert started.body.startswith("✅ № ")
    await _tick(runner)
    broadcast = await _broadcast(runner)
    assert broadcast.enqueued == 2 and broadcast.deferred == 2 and not broadcast.urgent
    await drained(runner)
    kk_readers = [people[8810], people[8811]]
    for person in people.values():
        assert not [t for t in _texts_to(emulator, person.id) if "жиналыс" in t]
    clock.advance(timedelta(seconds=10))
    await _tick(runner)
    await drained(runner)
    edits = [str(c.params.get("text")) for c in emulator.calls_to(aigerim.id, "editMessageText")]
    assert any("таңды күтетіндер («мазаламау уақыты»): 2" in text for text in edits), edits
    # 08:00 in Yurga: the quiet hours are over.
    clock.set(datetime(2026, 12, 6, 8, 0, tzinfo=HQ_ZONE).astimezone(UTC))
    await _run_until_finished(runner, clock)
    for person in people.values():
        texts = [t for t in _texts_to(emulator, person.id) if "жиналыс" in t]
        assert texts == (["Ертең жиналыс"] if person in kk_readers else []), person.id
    report = aigerim.last_bot_message
    assert report is not None and report.body.startswith(
        f"📊 № {broadcast.id} хабарлама таратудың қорытындысы"
    )
    assert "Жіберілді: 2" in report.body
    # /delivery for a territory coordinator: what concerns them.
    await aigerim.send_text("/delivery")
    [mine] = await aigerim.wait_messages(1)
    assert "Боттың барлық хабарламасы сізге жеткізілді" in mine.body


async def test_cancel_midway(emulator: Emulator, start_bot: StartBot, clock: FakeClock) -> None:
    runner = await _bot(start_bot, delivery_rate=10)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "kk")
    people = await _people(runner, emulator, 720_000, 120)
    await _compose(
        hq,
        ["👥 Барлығына", "🌍 Барлық жерде", "Барлығына: орысша және қазақша",
         "Барлығы, шектеусіз"],
        "Проверка связи",
        "Байланысты тексеру",
        urgent="🕊 Қарапайым: түнде таңды күтеді",
        kk_ui=True,
    )  # fmt: skip
    await hq.wait_messages(5)
    hq.mark_read()
    await hq.press("📣 Жіберу")
    await hq.wait_messages(1)
    await _tick(runner)
    broadcast = await _broadcast(runner)
    assert runner.app is not None
    runner.app.delivery.wake()
    for _ in range(200):  # until some are sent (the worker runs at its own pace)
        if (await _statuses(runner, broadcast.id))[OutboxStatus.SENT] >= 20:
            break
        await asyncio.sleep(0.1)
    await hq.press("✖️ Хабарлама таратуды тоқтату")
    await _run_until_finished(runner, clock)
    final = await _statuses(runner, broadcast.id)
    assert final[OutboxStatus.SENT] + final[OutboxStatus.SKIPPED] == 121  # the HQ too
    assert final[OutboxStatus.SENT] < 60 and final[OutboxStatus.SKIPPED] > 40, final
    received = sum(
        len([t for t in _texts_to(emulator, p.id) if t in ("Проверка связи", "Байланысты тексеру")])
        for p in people
    )
    async with runner.app.sessionmaker() as session:
        to_hq = await session.scalar(
            select(OutboxMessage.status).where(
                OutboxMessage.idempotency_key == f"bc:{broadcast.id}:{hq.id}"
            )
        )
    received += to_hq == OutboxStatus.SENT  # (the HQ's chat holds the preview too)
    assert received == final[OutboxStatus.SENT]
    report = hq.last_bot_message
    assert report is not None and "(тоқтатылды)" in report.body
    assert f"Тоқтатылды: {final[OutboxStatus.SKIPPED]}" in report.body
    async with runner.app.sessionmaker() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "broadcast_cancelled" in actions


async def test_photo_broadcast_scope_and_what_did_not_reach_a_coordinator(
    emulator: Emulator, start_bot: StartBot, clock: FakeClock
) -> None:
    import io

    from openpyxl import load_workbook

    from bot.forms.engine import FormCb

    runner = await _bot(start_bot)
    assert runner.app is not None
    bauyr = await _started(emulator, 8901, "Бауыржан", "ru")
    async with runner.app.sessionmaker() as session:
        codes = dict((await session.execute(select(Territory.code, Territory.id))).all())
        await coordinators.appoint(
            session, user_id=bauyr.id, territory_ids=[codes["tayga"]], hq=False,
            actor_id=ADMIN_ID, now=clock.now(),
        )  # fmt: skip
        await session.commit()
    await drained(runner)
    # A message to the coordinator Telegram refuses: /delivery shows it to him, in words.
    emulator.fail_next(
        "sendMessage", 1, chat_id=bauyr.id, code=400, description="Bad Request: chat not found"
    )
    async with runner.app.sessionmaker() as session:
        await enqueue(
            session,
            chat_id=bauyr.id,
            message=OutgoingMessage(Text(literal="Новая заявка в Тайге")),
            key="notice:test:1",
            now=clock.now(),
        )
        await session.commit()
    await drained(runner)
    bauyr.mark_read()
    await bauyr.send_text("/delivery")
    [mine] = await bauyr.wait_messages(1)
    assert mine.body.startswith("📭 Вам не удалось доставить:")
    assert "Чат не найден" in mine.body and "chat not found" in mine.body

    # A photo broadcast to his territory: one choice, or a forged other territory refused.
    await bauyr.send_text("/broadcast")
    await bauyr.wait_messages(2)
    for label in ("👥 Всем", "📍 В одной территории"):
        await bauyr.press(label)
    offered = bauyr.last_bot_message
    assert offered is not None and offered.buttons[0] == ["Тайгинский городской округ"]
    forged = FormCb(form="bcf", step="territory", value=str(codes["yurga"])).pack()
    answer = await bauyr.press_data(forged)
    assert answer is not None and "только в своих территориях" in (answer.text or "")
    await bauyr.press("Тайгинский городской округ")
    for label in ("Только читающим по-русски", "Все, без ограничения"):
        await bauyr.press(label)
    bauyr.mark_read()
    await bauyr.send_photo(b"\x89PNG\r\n\x1a\nfake", caption=None)
    await bauyr.wait_messages(1)
    bauyr.mark_read()
    await bauyr.send_text("x" * 1100)  # too long for a caption
    [refused] = await bauyr.wait_messages(1)
    assert refused.body.startswith("Нужен текст от 1 до 1024 символов")
    bauyr.mark_read()
    await bauyr.send_text("Субботник в Тайге")
    shown = await bauyr.wait_messages(3)
    assert shown[1].photo is not None and shown[1].caption == "Субботник в Тайге"
    assert "Где: Тайгинский городской округ" in shown[2].body
    assert "В этой аудитории нет никого" in shown[2].body  # nobody in Tayga yet
    async with runner.app.sessionmaker() as session:
        await session.execute(
            insert(User),
            [{"id": 8950 + n, "first_name": f"T{n}", "language_code": "ru",
              "blocked_bot": False, "created_at": clock.now(), "updated_at": clock.now()}
             for n in range(2)],
        )  # fmt: skip
        await session.commit()
    for n in range(2):
        emulator.user(8950 + n, first_name=f"T{n}", language_code="ru", started=True)
        async with runner.app.sessionmaker() as session:
            application = volunteers.Application(
                name=f"T{n}", phone="+79031234567", territory_id=codes["tayga"],
                skills=("delivery",), age_group="18-34", availability=("weekends",),
                dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, 8950 + n, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=ADMIN_ID, reason=None,
                now=clock.now(),
            )  # fmt: skip
            await session.commit()
    await drained(runner)
    # The confirm counts afresh: the two volunteers are there now, and it goes.
    bauyr.mark_read()
    await bauyr.press("📣 Отправить")
    [started] = await bauyr.wait_messages(1)
    assert started.body.startswith("✅ Рассылка № ")
    await _run_until_finished(runner, clock)
    for n in range(2):
        photos = [c for c in emulator.calls_to(8950 + n, "sendPhoto") if c.ok]
        assert len(photos) == 1 and photos[0].params.get("caption") == "Субботник в Тайге"

    # The HQ's export of everything undelivered, opened with openpyxl.
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    await hq.send_text("/delivery")
    [health] = await hq.wait_messages(1)
    assert "Чат не найден: человек удалил аккаунт" in health.body
    await hq.press("📥 Выгрузить XLSX")
    [document] = await hq.wait_messages(1, timeout=20)
    assert document.document is not None
    stored = hq.state.files.get(document.document["file_id"])
    assert stored is not None
    sheet = load_workbook(io.BytesIO(stored.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Что", "Когда", "Чат")
    [failed] = [r for r in rows[1:] if r[2] == bauyr.id]
    assert failed[5] == "failed" and failed[8] == "400: Bad Request: chat not found"
    assert failed[9].startswith("Чат не найден")
    async with runner.app.sessionmaker() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "delivery_export" in actions
