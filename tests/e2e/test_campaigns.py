"""Vaccination follow-up campaigns, the coordinator's side (issue 16), through the emulator:
the creation form in Russian (a refusal, back, an edit from the summary, a double confirm
making one campaign), the list and the card with its counts, pause, resume and close; in
Kazakh a campaign of chosen volunteers inviting through the outbox, a volunteer opting in and
out, and a coordinator of another territory who sees nothing of it; a coordinator of a part of
a campaign's territories gets a read-only card of their own people, and a pause by one who
manages it ends a volunteer's claim and hides the card."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.keyboards.callbacks import CampaignCb
from bot.sandbox import Emulator, Person
from bot.services import campaigns, coordinators, volunteers
from bot.services.campaigns import NewCampaign
from models import (
    AuditEntry,
    Campaign,
    CampaignMedic,
    CampaignPerson,
    CampaignVolunteer,
    Territory,
    VolunteerMode,
)
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot, drained


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


async def _territory(runner: BotRunner, code: str) -> int:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        territory_id = await session.scalar(select(Territory.id).where(Territory.code == code))
        assert territory_id is not None
        return territory_id


async def _coordinator(runner: BotRunner, person: Person, *codes: str) -> None:
    territory_ids = [await _territory(runner, code) for code in codes]
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await coordinators.appoint(
            session,
            user_id=person.id,
            territory_ids=territory_ids,
            hq=False,
            actor_id=ADMIN_ID,
            now=runner.clock.now(),
        )
        await session.commit()


async def _volunteer(runner: BotRunner, person: Person, name: str, skill: str, code: str) -> None:
    territory_id = await _territory(runner, code)
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        application = volunteers.Application(
            name=name, phone="+79031234567", territory_id=territory_id, skills=(skill,),
            age_group="18-34", availability=("weekends",), dobro_id=None,
        )  # fmt: skip
        volunteer = await volunteers.submit(session, person.id, application, runner.clock.now())
        await volunteers.decide(
            session, volunteer.id, approve=True, actor_id=ADMIN_ID, reason=None,
            now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


async def _press_paged(person: Person, label: str, next_label: str) -> None:
    for _ in range(10):
        if label in _labels(person):
            await person.press(label)
            return
        await person.press(next_label)
    raise AssertionError(f"{label!r} not found")


async def _say(person: Person, text: str) -> str:
    await person.send_text(text)
    [answer] = await person.wait_messages(1)
    return answer.body


async def _choose(person: Person, label: str) -> str:
    await person.press(label)
    [answer] = await person.wait_messages(1)
    return answer.body


async def test_create_watch_pause_resume_close_in_russian(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _person(emulator, ADMIN_ID, "Штаб", "ru")
    medic = await _person(emulator, 5201, "Ольга", "ru")
    await _volunteer(runner, medic, "Ольга Медик", "medic", "yurga")

    await hq.send_text("/campaigns")
    [empty] = await hq.wait_messages(1)
    assert empty.body.startswith("Кампаний пока нет")
    await hq.press("➕ Новая кампания")
    intro, ask_name = await hq.wait_messages(2)
    assert intro.body.startswith("Новая кампания")
    assert ask_name.body.startswith("Как назвать кампанию?")
    assert (await _say(hq, "Обзвон 60+")).startswith("Выберите территории")
    await _press_paged(hq, "▫️ Юргинский городской округ", "Далее ▶️")
    assert (await _choose(hq, "Готово")).startswith("Через сколько дней")
    assert (await _say(hq, "7, 21")).startswith("Не получилось прочитать")
    assert (await _say(hq, "0, 7, 21")).startswith("В какое время звонить?")
    assert (await _say(hq, "19-10")).startswith("Напишите начало и конец")
    # A window lost in the quiet hours (22:00-08:00) would leave people waiting for ever.
    quiet = await _say(hq, "22:30-23:30")
    assert quiet.startswith("Это время почти целиком приходится на тихие часы (22:00–08:00)")
    assert (await _say(hq, "10:00-19:00")).startswith("Сколько попыток")
    assert (await _choose(hq, "3")).startswith("Через сколько повторять")
    assert (await _say(hq, "2 ч")).startswith("Сколько минут волонтёр держит карточку")
    # «Назад» asks the retry again.
    assert (await _choose(hq, "⬅️ Назад")).startswith("Через сколько повторять")
    assert (await _say(hq, "90")).startswith("Сколько минут волонтёр держит карточку")
    assert _labels(hq) == ["10 мин", "20 мин", "30 мин", "60 мин", "⬅️ Назад", "✖️ Отмена"]
    assert (await _choose(hq, "30 мин")).startswith("Когда передавать")
    assert (await _choose(hq, "после 2 этапов без ответа")).startswith("Кто звонит?")
    assert (await _choose(hq, "все волонтёры-обзвонщики территорий")).startswith(
        "Выберите дежурных медиков"
    )
    assert "▫️ Штаб" in _labels(hq) and "▫️ Ольга Медик" in _labels(hq)
    refusal = await hq.press("Готово")
    assert refusal is not None and refusal.text == "Выберите хотя бы одного дежурного медика."
    await hq.press("▫️ Ольга Медик")
    summary = await _choose(hq, "Готово")
    assert "Название: Обзвон 60+" in summary and "Территории: Юргинский городской округ" in summary
    assert "Этапы (дни после прививки): 0, 7, 21" in summary
    assert "Попыток на этап: 3, повтор через 90 мин" in summary
    assert "Карточка у волонтёра без результата: до 30 мин" in summary
    assert "Дежурные медики: Ольга Медик" in summary
    # An edit from the summary walks its group and comes back.
    assert (await _choose(hq, "✏️ Этапы")).startswith("Через сколько дней")
    summary = await _say(hq, "0, 3")
    assert "Этапы (дни после прививки): 0, 3" in summary
    assert (await _choose(hq, "✏️ Время на карточку")).startswith("Сколько минут волонтёр")
    summary = await _choose(hq, "60 мин")
    assert "Карточка у волонтёра без результата: до 60 мин" in summary
    # «Назад» from the summary: the last question, its ticks kept.
    assert (await _choose(hq, "⬅️ Назад")).startswith("Выберите дежурных медиков")
    assert "✅ Ольга Медик" in _labels(hq)
    await _choose(hq, "Готово")

    # A double tap on «Подтвердить» makes one campaign.
    last = hq.last_bot_message
    assert last is not None
    confirm = last.button_data[0][0]
    assert confirm is not None
    await asyncio.gather(
        hq.press_data(confirm, message_id=last.message_id),
        hq.press_data(confirm, message_id=last.message_id),
    )
    created, card = await hq.wait_messages(2)
    assert created.body.startswith("✅ Кампания «Обзвон 60+» создана")
    assert "Всего людей: 0" in card.body and "🟢 идёт" in card.body
    assert "Волонтёры: все волонтёры-обзвонщики территорий — 0" in card.body
    assert "Карточка у волонтёра без результата: до 60 мин" in card.body
    yurga = await _territory(runner, "yurga")
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        [campaign] = (await session.scalars(select(Campaign))).all()
        assert campaign.rounds == [0, 3] and campaign.retry_minutes == 90
        assert campaign.claim_minutes == 60  # the edited choice, not the default 20
        assert (campaign.window_start, campaign.window_end, campaign.visit_after) == (600, 1140, 2)
        medics = (await session.scalars(select(CampaignMedic.user_id))).all()
        assert medics == [medic.id]
        # People in the worklist, put there directly: the card counts them.
        now = runner.clock.now()
        for n, (kind, status, due) in enumerate(
            [
                ("call", "queued", now - timedelta(minutes=5)),
                ("call", "queued", now - timedelta(hours=1)),
                ("call", "queued", now + timedelta(days=3)),
                ("call", "claimed", now),
                ("call", "unreachable", None),
                ("call", "stopped", None),
                ("call", "done", None),
                ("visit", "queued", now),
            ]
        ):
            session.add(
                CampaignPerson(
                    campaign_id=campaign.id,
                    territory_id=yurga,
                    full_name=f"Человек {n}",
                    phone=None,
                    consent_on=date(2026, 11, 20),
                    kind=kind,
                    status=status,
                    due_at=due,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()
    await hq.press("🔄 Обновить")
    card_now = hq.last_bot_message
    assert card_now is not None and card_now.message_id == card.message_id  # edited in place
    for line in (
        "Всего людей: 8",
        "Пора звонить: 2",
        "Звонки позже: 1",
        "Сейчас в работе: 1",
        "Дозвонились: 1",
        "Не дозвонились: 1",
        "Обзвон прекращён: 1",
        "Ждут обхода: 1",
    ):
        assert line in card_now.body, (line, card_now.body)

    paused = await hq.press("⏸ Пауза")
    assert paused is not None and paused.text and paused.text.startswith("⏸ Кампания на паузе")
    assert "⏸ на паузе" in hq.messages[-1].body and "▶️ Продолжить" in _labels(hq)
    await hq.press("▶️ Продолжить")
    assert "🟢 идёт" in hq.messages[-1].body and "⏸ Пауза" in _labels(hq)
    await hq.press("🏁 Закрыть")
    assert hq.messages[-1].body.startswith("Закрыть кампанию «Обзвон 60+» навсегда?")
    await hq.press("Нет, вернуться")
    assert "🟢 идёт" in hq.messages[-1].body
    await hq.press("🏁 Закрыть")
    await hq.press("🏁 Да, закрыть")
    assert "🏁 закрыта" in hq.messages[-1].body and "⏸ Пауза" not in _labels(hq)
    await hq.press("⬅️ К списку")
    assert hq.messages[-1].message_id == card.message_id
    assert _labels(hq) == ["🏁 Обзвон 60+", "➕ Новая кампания"]
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(Campaign.status)) == "closed"
        actions = (await session.scalars(select(AuditEntry.action))).all()
    for action in ("campaign_create", "campaign_pause", "campaign_resume", "campaign_close"):
        assert actions.count(action) == 1, actions


async def test_chosen_volunteers_opt_in_and_out_in_kazakh_scope_kept(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    aigul = await _person(emulator, 5301, "Айгүл", "kk")
    await _coordinator(runner, aigul, "yurga")
    other = await _person(emulator, 5302, "Олег", "ru")
    await _coordinator(runner, other, "belovo")
    caller = await _person(emulator, 5303, "Дана", "kk")
    await _volunteer(runner, caller, "Дана Сейіт", "calls", "yurga")
    elsewhere = await _person(emulator, 5304, "Пётр", "ru")
    await _volunteer(runner, elsewhere, "Пётр Белов", "calls", "belovo")

    await aigul.send_text("/campaigns")
    [empty] = await aigul.wait_messages(1)
    assert empty.body.startswith("Әзірге науқан жоқ")
    await aigul.press("➕ Жаңа науқан")
    await aigul.wait_messages(2)
    assert (await _say(aigul, "Юрга 60+")).startswith("Науқанның аумақтарын таңдаңыз")
    # Only the coordinator's own territory is offered.
    assert [label for label in _labels(aigul) if label.startswith("▫️")] == ["▫️ Юрга қалалық округі"]
    await aigul.press("▫️ Юрга қалалық округі")
    await _choose(aigul, "Дайын")
    await _say(aigul, "0, 7")
    await _say(aigul, "9-18")
    assert (await _say(aigul, "2")).startswith("Жауап бермесе")  # attempts typed
    assert (await _say(aigul, "1 сағ")).startswith("Ерікті адамның карточкасын")
    await _choose(aigul, "10 минут")
    await _choose(aigul, "тек үйлестірушінің шешімімен")
    await _choose(aigul, "шақыруға жауап бергендер ғана")
    await aigul.press("▫️ Айгүл")
    summary = await _choose(aigul, "Дайын")
    assert "Қоңырау уақыты (жергілікті): 09:00–18:00" in summary
    assert "қайталау: 1 сағ өткен соң" in summary
    assert "Ерікті карточканы нәтижесіз ұстайды: 10 минутқа дейін" in summary
    await aigul.press("✅ Растау")
    created, card = await aigul.wait_messages(2)
    assert created.body.startswith("✅ «Юрга 60+» науқаны құрылды. Шақыру 1 еріктіге")
    assert "Еріктілер: шақыруға жауап бергендер ғана — 0" in card.body

    # The invitation, through the outbox, to the «calls» volunteer of Yurga only.
    await drained(runner)
    [invite] = await caller.wait_messages(1, timeout=10)
    assert "«Юрга 60+»" in invite.body and invite.buttons == [["✅ Қатысамын"]]
    assert elsewhere.last_bot_message is not None
    assert "Юрга 60+" not in elsewhere.last_bot_message.body
    await caller.press("✅ Қатысамын")
    assert caller.messages[-1].message_id == invite.message_id
    assert caller.messages[-1].body.startswith("✅ Сіз «Юрга 60+» науқанына қатысасыз")
    assert caller.messages[-1].buttons == [["Науқаннан шығу"]]
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        campaign_id = await session.scalar(select(Campaign.id))
        assert campaign_id is not None
        assert await session.scalar(select(Campaign.claim_minutes)) == 10
        joined = await session.scalar(select(CampaignVolunteer))
        assert joined is not None and joined.user_id == caller.id and joined.left_at is None
    await aigul.press("🔄 Жаңарту")
    assert "Еріктілер: шақыруға жауап бергендер ғана — 1" in aigul.messages[-1].body
    await caller.press("Науқаннан шығу")
    assert caller.messages[-1].body.startswith("Сіз «Юрга 60+» науқанынан шықтыңыз")
    assert caller.messages[-1].buttons == [["✅ Қатысамын"]]
    async with runner.app.sessionmaker() as session:
        open_rows = await session.scalar(
            select(func.count())
            .select_from(CampaignVolunteer)
            .where(CampaignVolunteer.left_at.is_(None))
        )
        assert open_rows == 0

    # A coordinator of Belovo sees nothing of Yurga's campaign, even with forged buttons.
    await other.send_text("/campaigns")
    [theirs] = await other.wait_messages(1)
    assert theirs.body.startswith("Кампаний пока нет")
    for action in ("open", "pause", "close_ok"):
        answer = await other.press_data(CampaignCb(action=action, id=campaign_id).pack())
        assert answer is not None and answer.show_alert
        assert answer.text is not None and answer.text.startswith("Эта кнопка устарела")
    async with runner.app.sessionmaker() as session:
        assert await session.scalar(select(Campaign.status)) == "active"


async def test_read_only_card_for_a_part_and_a_pause_ending_claims(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    await _person(emulator, ADMIN_ID, "Штаб", "ru")
    part = await _person(emulator, 5401, "Олег", "ru")
    await _coordinator(runner, part, "belovo")
    whole = await _person(emulator, 5402, "Мария", "ru")
    await _coordinator(runner, whole, "yurga", "belovo")
    caller = await _person(emulator, 5403, "Дана", "ru")
    await _volunteer(runner, caller, "Дана Сейт", "calls", "yurga")
    yurga, belovo = await _territory(runner, "yurga"), await _territory(runner, "belovo")
    assert runner.app is not None
    now = runner.clock.now()  # 16:00 in Yurga and Belovo: inside the window
    async with runner.app.sessionmaker() as session:
        made = await campaigns.create(
            session,
            NewCampaign(
                name="Кузбасс 60+", territory_ids=[yurga, belovo], rounds=[0, 7],
                window=(600, 1140), attempts=3, retry_minutes=120, claim_minutes=20,
                visit_after=None,
                volunteers=VolunteerMode.ALL, medic_ids=[ADMIN_ID], form_token="e2e-part",
            ),
            actor_id=ADMIN_ID,
            now=now,
        )  # fmt: skip
        for n, (where, status) in enumerate(
            [(yurga, "queued"), (yurga, "queued"), (belovo, "queued"), (belovo, "unreachable")]
        ):
            session.add(
                CampaignPerson(
                    campaign_id=made.campaign.id,
                    territory_id=where,
                    full_name=f"Петрова {['Анна', 'Вера', 'Галина', 'Дина'][n]} Ивановна",
                    phone=f"+7913111000{n}",
                    consent_on=date(2026, 11, 1),
                    kind="call",
                    status=status,
                    due_at=now - timedelta(minutes=30 - n),
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()
        campaign_id = made.campaign.id

    # Belovo's coordinator: Belovo's people only, and no button that acts on the whole.
    await part.send_text("/campaigns")
    await part.wait_messages(1)
    await part.press("🟢 Кузбасс 60+")
    card = part.messages[-1].body
    assert "Всего людей: 2" in card and "Пора звонить: 1" in card and "Не дозвонились: 1" in card
    assert "👁 Только просмотр" in card
    assert _labels(part) == [
        "📥 Загрузить людей", "📄 Шаблон", "🔗 Ссылки для опроса", "📊 Статистика",
        "📤 Выгрузка", "🔄 Обновить", "⬅️ К списку",
    ]  # fmt: skip
    for action in ("pause", "close", "close_ok", "to_visits"):
        answer = await part.press_data(CampaignCb(action=action, id=campaign_id).pack())
        assert answer is not None and answer.show_alert
        assert answer.text is not None and answer.text.startswith("Эта кнопка устарела")

    # A volunteer of Yurga holds a card with the phone.
    await caller.send_text("/calls")
    [held] = await caller.wait_messages(1)
    assert "+79131110000" in held.body

    # The coordinator of both territories manages it: the whole count, and a pause.
    await whole.send_text("/campaigns")
    await whole.wait_messages(1)
    await whole.press("🟢 Кузбасс 60+")
    card = whole.messages[-1].body
    assert "Всего людей: 4" in card and "Сейчас в работе: 1" in card
    assert "Только просмотр" not in card
    paused = await whole.press("⏸ Пауза")
    assert paused is not None and paused.text and paused.text.startswith("⏸ Кампания на паузе")
    await drained(runner)
    edited = next(m for m in caller.messages if m.message_id == held.message_id)
    assert edited.body == "📞 Анна — кампания на паузе"
    caller.mark_read()
    await caller.send_text("📞 Следующий звонок")
    [nothing] = await caller.wait_messages(1)
    assert "+7913111000" not in nothing.body
    async with runner.app.sessionmaker() as session:
        statuses = (
            await session.scalars(select(CampaignPerson.status).order_by(CampaignPerson.id))
        ).all()
        assert statuses == ["queued", "queued", "queued", "unreachable"]
        assert await session.scalar(select(Campaign.status)) == "paused"
