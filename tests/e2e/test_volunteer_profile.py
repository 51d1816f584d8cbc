"""A volunteer's profile: pause with automatic resume by the scheduler, leave, erase; and a
coordinator blocking and unblocking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.sandbox import Emulator, Person
from bot.services import volunteers
from bot.services.outbox import OutgoingMessage, Text, enqueue
from bot.services.timing import QuietHours
from models import AuditEntry, OutboxMessage, Territory, User, Volunteer
from scheduler.jobs import reminders as reminders_job
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot


async def _approved(
    runner: BotRunner, emulator: Emulator, user_id: int, name: str, code: str
) -> tuple[Person, int]:
    person = emulator.user(user_id, first_name=name, language_code=code)
    await person.send_text("/start")
    await person.wait_messages(2)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        application = volunteers.Application(
            name=f"{name} Иванова",
            phone="+79031234567",
            territory_id=yurga.id,
            skills=("delivery",),
            age_group="55plus",
            availability=("weekends",),
            dobro_id=None,
        )
        volunteer = await volunteers.submit(session, user_id, application, runner.clock.now())
        await volunteers.decide(
            session,
            volunteer.id,
            approve=True,
            actor_id=ADMIN_ID,
            reason=None,
            now=runner.clock.now(),
        )
        await session.commit()
        return person, volunteer.id


async def _volunteer(runner: BotRunner, volunteer_id: int) -> Volunteer:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        row = await session.get(Volunteer, volunteer_id)
        assert row is not None
        return row


async def test_pause_until_a_date_and_resume_by_the_scheduler(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass", "scheduler_tick_seconds": 3600})
    person, vid = await _approved(runner, emulator, 5001, "Мария", "ru")
    await person.send_text("/profile")
    [card] = await person.wait_messages(1)
    assert card.body.startswith(f"👤 Профиль волонтёра № {vid}")
    assert "✅ Активен" in card.body
    await person.press("⏸ Приостановить")
    [ask] = await person.wait_messages(1)
    assert ask.body.startswith("До какой даты приостановить?")
    await person.send_text("01.01.2020")
    [bad] = await person.wait_messages(1)
    assert bad.body.startswith("Нужна дата в будущем")
    # The fake clock stands at 05.12.2026 09:00 UTC (16:00 in Kuzbass): pause until the 8th.
    await person.send_text("08.12.2026")
    [done] = await person.wait_messages(1)
    assert done.body.startswith("⏸ Готово: до 08.12.2026")

    volunteer = await _volunteer(runner, vid)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        today = datetime(2026, 12, 5).date()
        assert volunteer.id not in {
            v.id
            for v in await volunteers.available_in(
                session, volunteer.territory_id, "delivery", today
            )
        }

    # 8 December, 09:00 in Kuzbass (02:00 UTC): the scheduler resumes and tells them.
    runner.clock.set(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    result = await reminders_job.tick(
        runner.clock.now(),
        sessionmaker=runner.app.sessionmaker,
        max_lateness=timedelta(hours=3),
        quiet=QuietHours(),
    )
    assert result.fired == 1
    [resumed] = await person.wait_messages(1, timeout=10)
    assert resumed.body.startswith("▶️ Пауза закончилась")
    async with runner.app.sessionmaker() as session:
        today = datetime(2026, 12, 8).date()
        assert vid in {
            v.id
            for v in await volunteers.available_in(
                session, volunteer.territory_id, "delivery", today
            )
        }


async def test_leave_and_apply_again(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    person, vid = await _approved(runner, emulator, 5002, "Асхат", "kk")
    await person.send_text("👤 Менің профилім")
    await person.wait_messages(1)
    await person.press("🚪 Еріктілерден шығу")
    [ask] = await person.wait_messages(1)
    assert ask.body.startswith("Штаб еріктілерінен шығасыз ба?")
    await person.press("Иә, шығу")
    [menu] = await person.wait_messages(1)
    assert person.messages[-2].body.startswith("Сіз еріктілерден шықтыңыз")
    assert menu.body.startswith("Басты мәзір")
    assert person.reply_keyboard == [
        ["🆘 Көмек сұрау"],
        ["📞 Маған қоңырау шалыңыз"],
        ["🩺 Ерікті дәрігерден сұрау"],
        ["📋 Менің өтінімдерім"],
        ["🤝 Ерікті болу"],
        ["🛟 Қауіпсіздік"],
        ["ℹ️ Анықтама", "🌐 Тіл"],
    ]
    assert (await _volunteer(runner, vid)).status == "left"
    await person.send_text("/volunteer")
    [intro, _question] = await person.wait_messages(2)
    assert intro.body.startswith("🤝 Ерікті сауалнамасы")


async def test_forget_erases_personal_data_and_keeps_counts(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    person, vid = await _approved(runner, emulator, 5003, "Ирина", "ru")
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        volunteer = await session.get(Volunteer, vid)
        assert volunteer is not None
        volunteer.hours, volunteer.tasks_done = 7.5, 3
        await enqueue(
            session,
            chat_id=5003,
            message=OutgoingMessage(Text(literal="queued")),
            key="q:1",
            now=runner.clock.now(),
            not_before=runner.clock.now() + timedelta(hours=1),  # still queued at /forget
        )
        await session.commit()
    await person.send_text("/forget")
    [ask] = await person.wait_messages(1)
    assert ask.body.startswith("Удалить ваши персональные данные?")
    await person.press("Да, удалить мои данные")
    await person.wait_messages(1)
    assert person.messages[-2].body == "Готово: ваши персональные данные удалены."
    async with runner.app.sessionmaker() as session:
        volunteer = await session.get(Volunteer, vid)
        user = await session.get(User, 5003)
        queued = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "q:1")
        )
    assert volunteer is not None and user is not None
    assert (volunteer.name, volunteer.phone, volunteer.status) == ("—", "", "left")
    assert (volunteer.hours, volunteer.tasks_done) == (7.5, 3)
    assert user.first_name == "—" and user.username is None
    assert queued is None


async def test_coordinator_blocks_and_unblocks(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    person, vid = await _approved(runner, emulator, 5004, "Руслан", "kk")
    hq = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await hq.send_text("/volunteers")
    [listing] = await hq.wait_messages(1)
    assert listing.body.startswith("Волонтёры") or "Волонтёры" in listing.body
    await hq.press(f"Руслан Иванова (№ {vid})")
    [card] = await hq.wait_messages(1)
    assert "статус: активен" in card.body
    await hq.press("⛔ Заблокировать")
    [ask] = await hq.wait_messages(1)
    assert ask.body.startswith(f"Почему вы блокируете волонтёра № {vid}?")
    await hq.send_text("Не выходит на связь")
    [done] = await hq.wait_messages(1)
    assert done.body == f"⛔ Волонтёр № {vid} заблокирован."
    [told] = await person.wait_messages(1, timeout=10)
    assert told.body == "⛔ Үйлестіруші сізді ерікті ретінде бұғаттады. Себебі: Не выходит на связь"
    assert (await _volunteer(runner, vid)).status == "blocked"

    await hq.send_text("/volunteers")
    await hq.wait_messages(1)
    await hq.press(f"Руслан Иванова (№ {vid})")
    [card] = await hq.wait_messages(1)
    assert "статус: заблокирован (Не выходит на связь)" in card.body
    await hq.press("✅ Разблокировать")
    [ask] = await hq.wait_messages(1)
    assert ask.body.startswith(f"Почему вы снимаете блокировку с волонтёра № {vid}?")
    await hq.send_text("Поговорили, всё в порядке")
    [done] = await hq.wait_messages(1)
    assert done.body == f"✅ Волонтёр № {vid} разблокирован."
    [told] = await person.wait_messages(1, timeout=10)
    assert told.body.startswith("✅ Үйлестіруші сізді бұғаттан шығарды")
    assert told.body.endswith("Себебі: Поговорили, всё в порядке")
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert {"block_volunteer", "unblock_volunteer", "view_volunteer"} <= actions


async def test_volunteer_edits_their_profile(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    person, vid = await _approved(runner, emulator, 5005, "Галина", "ru")
    await person.send_text("/profile")
    await person.wait_messages(1)
    await person.press("✏️ Изменить анкету")
    [summary] = await person.wait_messages(1)  # the summary, its hint and buttons in one
    assert "✏️ Территория" not in str(summary.buttons)  # a profile keeps its territory
    assert "⬅️ Назад" not in str(summary.buttons)  # nothing behind a saved profile's summary
    await person.press("✏️ Телефон")
    await person.wait_messages(1)
    await person.send_text("+7 905 000 11 22")
    await person.wait_messages(1)
    await person.press("✅ Подтвердить")
    await emulator.wait_idle()
    assert any(m.body == "✅ Профиль обновлён." for m in person.messages)
    volunteer = await _volunteer(runner, vid)
    assert volunteer.phone == "+79050001122" and volunteer.status == "approved"
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        count = len(
            (await session.scalars(select(Volunteer).where(Volunteer.user_id == 5005))).all()
        )
    assert count == 1  # edited in place, not a new application


async def test_applications_list_is_scoped_and_paged(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        codes = {t.code: t.id for t in (await session.scalars(select(Territory))).all()}
        from bot.services import coordinators
        from bot.services.users import Profile, touch_user

        for n in range(7):
            user, _ = await touch_user(
                session, Profile(5100 + n, f"Заявитель{n}"), runner.clock.now(), wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Заявитель {n}",
                phone="+79031234567",
                territory_id=codes["yurga" if n < 6 else "tayga"],
                skills=("calls",),
                age_group="18-34",
                availability=("evenings",),
                dobro_id=None,
            )
            await volunteers.submit(
                session, user.id, application, runner.clock.now() + timedelta(minutes=n)
            )
        await touch_user(session, Profile(5199, "Тайга"), runner.clock.now(), wrote_to_bot=True)
        await coordinators.appoint(
            session,
            user_id=5199,
            territory_ids=[codes["tayga"]],
            hq=False,
            actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )
        await session.commit()

    hq = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await hq.send_text("/applications")
    [page] = await hq.wait_messages(1)
    assert "Анкеты на проверке</b>: 1–5 из 7" in page.body or "1–5 из 7" in page.body
    assert page.body.index("Заявитель 0") < page.body.index("Заявитель 4")  # oldest first
    await hq.press("Далее ▶️")
    await emulator.wait_idle()
    assert "6–7 из 7" in hq.messages[-1].body

    tayga = emulator.user(5199, first_name="Тайга", language_code="ru")
    await tayga.send_text("/applications")
    [mine] = await tayga.wait_messages(1)
    assert "1–1 из 1" in mine.body and "Заявитель 6" in mine.body
    await tayga.press(mine.buttons[0][0])
    [card] = await tayga.wait_messages(1)
    assert card.body.startswith("🆕 Анкета волонтёра №") and card.buttons == [
        ["✅ Одобрить", "✖️ Отклонить"]
    ]


async def test_forged_callbacks_from_another_territory_are_refused(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    _person_y, vid = await _approved(runner, emulator, 5301, "Юлия", "ru")  # a Yurga volunteer
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        from bot.services import coordinators
        from bot.services.users import Profile, touch_user

        tayga = await session.scalar(select(Territory).where(Territory.code == "tayga"))
        assert tayga is not None
        await touch_user(session, Profile(5399, "Тайга"), runner.clock.now(), wrote_to_bot=True)
        await coordinators.appoint(
            session,
            user_id=5399,
            territory_ids=[tayga.id],
            hq=False,
            actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )
        await session.commit()
    other = emulator.user(5399, first_name="Тайга", language_code="ru")
    await other.send_text("/start")
    await other.wait_messages(1)
    await other.send_text("/language")
    [choice] = await other.wait_messages(1)
    for data in (f"vc:{vid}:block", f"vc:{vid}:open", f"va:{vid}:ok", f"va:{vid}:no"):
        answer = await other.press_data(data, message_id=choice.message_id)
        assert answer is not None and answer.text == "Эта анкета не с вашей территории.", data
    assert (await _volunteer(runner, vid)).status == "approved"

    # A citizen pressing the same forged buttons only hears that the button is stale.
    citizen = emulator.user(5398, first_name="Житель", language_code="ru")
    await citizen.send_text("/language")
    [choice] = await citizen.wait_messages(1)
    answer = await citizen.press_data(f"vc:{vid}:block", message_id=choice.message_id)
    assert answer is not None and (answer.text or "").startswith("Эта кнопка устарела")
    async with runner.app.sessionmaker() as session:
        denied = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied_callback"))
        ).all()
    assert [(e.actor_id, e.target) for e in denied] == [(5398, "callback:vc")]


async def test_a_command_at_a_reason_prompt_is_not_taken_as_the_reason(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    _person, vid = await _approved(runner, emulator, 5401, "Сабина", "ru")
    hq = emulator.user(ADMIN_ID, first_name="Штаб", language_code="ru")
    await hq.send_text("/volunteers")
    await hq.wait_messages(1)
    await hq.press(f"Сабина Иванова (№ {vid})")
    await hq.wait_messages(1)
    await hq.press("⛔ Заблокировать")
    await hq.wait_messages(1)
    await hq.send_text("/nonsense")
    [reply] = await hq.wait_messages(1)
    assert reply.body.startswith("Я не понял это сообщение")
    assert (await _volunteer(runner, vid)).status == "approved"
