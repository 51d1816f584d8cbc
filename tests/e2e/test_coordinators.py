"""Territories, coordinators and the audit log, played by an HQ coordinator, two territory
coordinators and a citizen, in Russian and Kazakh."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.sandbox import Emulator, Person
from bot.services import audit as audit_service
from bot.services.users import roles_for
from models import AuditEntry, Territory, User
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

HQ_ONLY = ("appoint", "coordinators", "audit", "stats", "delivery", "scheduler")
COORDINATOR = ("territories", "applications", "volunteers")


async def _bot(start_bot: StartBot) -> BotRunner:
    return await start_bot(overrides={"territories": "kuzbass"})


async def _started(
    emulator: Emulator, user_id: int, name: str, code: str, username: str | None = None
) -> Person:
    person = emulator.user(user_id, first_name=name, language_code=code, username=username)
    await person.send_text("/start")
    await person.wait_messages(2)
    return person


async def _appoint(
    hq: Person, who: str | None, territories: list[str], forward_of: Person | None = None
) -> str:
    """Run the /appoint form; returns the final text the HQ sees."""
    await hq.send_text("/appoint")
    await hq.wait_messages(1)
    if forward_of is not None:
        await hq.forward(forward_of, "Здравствуйте, хочу помогать")
    else:
        assert who is not None
        await hq.send_text(who)
    await hq.wait_messages(1)
    for label in territories:
        await _pick(hq, label)
    await hq.press(_either(hq, "Готово", "Дайын"))
    await hq.press(_either(hq, "✅ Подтвердить", "✅ Растау"))
    await hq.wait_messages(1)  # the menu after the form
    return [m for m in hq.messages if m.from_bot][-2].body


def _labels(person: Person) -> list[str]:
    message = person.last_bot_message
    return [label for row in (message.buttons if message else []) for label in row]


def _either(person: Person, ru: str, kk: str) -> str:
    return ru if ru in _labels(person) else kk


async def _pick(hq: Person, label: str) -> None:
    """Press a territory in the picker, turning pages forward until it shows."""
    for _ in range(10):
        if label in _labels(hq):
            await hq.press(label)
            return
        await hq.press(_either(hq, "Далее ▶️", "Әрі қарай ▶️"))
    raise AssertionError(f"{label!r} is on no page of the picker")


async def _audit(runner: BotRunner, action: str) -> list[AuditEntry]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return list(
            (await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all()
        )


async def test_hq_appoints_by_id_and_the_person_is_told_in_kazakh(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    aigerim = await _started(emulator, 3101, "Айгерім", "kk")
    done = await _appoint(
        hq, "3101", ["▫️ Юргинский городской округ", "▫️ Тайгинский городской округ"]
    )
    assert done.startswith("✅ Готово: Айгерім теперь координатор")
    assert "Юргинский городской округ" in done

    [notice] = await aigerim.wait_messages(1, timeout=10)
    assert notice.body.startswith("🗂 Сіз 2 аумақтың үйлестірушісі болып тағайындалдыңыз")
    await emulator.wait_idle()
    commands = [name for name, _ in aigerim.command_menu()]
    assert "territories" in commands and "appoint" not in commands

    await aigerim.send_text("/territories")
    [mine] = await aigerim.wait_messages(1)
    assert "Сіздің аумақтарыңыз</b> (2)" in mine.body or "Сіздің аумақтарыңыз (2)" in mine.body
    assert "Юрга қалалық округі" in mine.body and "Кемерово" not in mine.body

    [entry] = await _audit(runner, "appoint")
    assert entry.actor_id == ADMIN_ID and entry.target == "user:3101" and entry.scope == "hq"
    assert sorted(entry.details["territories"]) == ["tayga", "yurga"]


async def test_appoint_by_username_and_forwarded_message(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "kk")
    await _started(emulator, 3102, "Ерлан", "ru", username="erlan_kz")
    done = await _appoint(hq, "@Erlan_KZ", ["▫️ Штаб: барлық аумақтар"])
    assert done.startswith("✅ Дайын: Ерлан енді үйлестіруші (штаб, барлық аумақтар)")

    olga = await _started(emulator, 3103, "Ольга", "ru")
    done = await _appoint(hq, None, ["▫️ Кемерово қалалық округі"], forward_of=olga)
    assert done.startswith("✅ Дайын: Ольга енді үйлестіруші")


async def test_who_cannot_be_appointed_gets_a_clear_answer(
    emulator: Emulator, start_bot: StartBot
) -> None:
    await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    stranger = emulator.user(3199, first_name="Скрытный", language_code="ru")
    await hq.send_text("/appoint")
    await hq.wait_messages(1)
    await hq.send_text("@nobody_here")
    [reply] = await hq.wait_messages(1)
    assert reply.body.startswith("Не нашёл такого человека")
    await hq.forward(stranger, "текст", hidden=True)
    [reply] = await hq.wait_messages(1)
    assert reply.body.startswith("Telegram скрыл автора")
    await hq.send_text("/cancel")
    [reply] = await hq.wait_messages(1)
    assert reply.body == "Ввод отменён, ничего не сохранено."


async def test_two_coordinators_see_only_their_territories(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    yurga = await _started(emulator, 3201, "Юрий", "ru")
    nk = await _started(emulator, 3202, "Нина", "kk")
    await _appoint(hq, "3201", ["▫️ Юргинский городской округ"])
    await _appoint(hq, "3202", ["▫️ Новокузнецкий городской округ"])
    await yurga.wait_messages(1, timeout=10)
    await nk.wait_messages(1, timeout=10)

    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        codes = {t.code: t.id for t in (await session.scalars(select(Territory))).all()}
        user_y = await session.get(User, 3201)
        user_n = await session.get(User, 3202)
        assert user_y is not None and user_n is not None
        roles_y = await roles_for(session, user_y, [ADMIN_ID])
        roles_n = await roles_for(session, user_n, [ADMIN_ID])
    assert roles_y.can_act_in(codes["yurga"]) and not roles_y.can_act_in(codes["novokuznetsk"])
    assert roles_n.can_act_in(codes["novokuznetsk"]) and not roles_n.can_act_in(codes["yurga"])

    await yurga.send_text("/territories")
    [mine] = await yurga.wait_messages(1)
    assert "Юргинский городской округ" in mine.body and "Новокузнецкий" not in mine.body

    # A territory coordinator is not HQ: HQ tools answer like unknown text.
    await nk.send_text("/coordinators")
    [reply] = await nk.wait_messages(1)
    assert reply.body.startswith("Бұл хабарламаны түсінбедім")


@pytest.mark.parametrize("code", ["ru", "kk"])
async def test_a_citizen_learns_nothing_from_coordinator_commands(
    emulator: Emulator, start_bot: StartBot, code: str
) -> None:
    runner = await _bot(start_bot)
    citizen = await _started(emulator, 3301, "Жанна", code)
    unknown = {"ru": "Я не понял это сообщение", "kk": "Бұл хабарламаны түсінбедім"}[code]
    for command in (*COORDINATOR, *HQ_ONLY):
        await citizen.send_text(f"/{command}")
        [reply] = await citizen.wait_messages(1)
        assert reply.body.startswith(unknown), command
    denied = await _audit(runner, "denied_command")
    assert sorted(e.target or "" for e in denied) == sorted(
        f"command:{c}" for c in (*COORDINATOR, *HQ_ONLY)
    )
    assert {e.actor_id for e in denied} == {3301}


async def test_dismiss_and_the_audit_log(emulator: Emulator, start_bot: StartBot) -> None:
    runner = await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    bauyr = await _started(emulator, 3401, "Бауыржан", "kk")
    await _appoint(hq, "3401", ["▫️ Тайгинский городской округ"])
    await bauyr.wait_messages(1, timeout=10)

    await hq.send_text("/coordinators")
    [listing] = await hq.wait_messages(1)
    assert "Бауыржан (id 3401) — Тайгинский городской округ" in listing.body
    await hq.press("Снять: Бауыржан")
    [ask] = await hq.wait_messages(1)
    assert ask.body == "Снять с роли координатора: Бауыржан?"
    await hq.press("Да, снять")
    [told] = await bauyr.wait_messages(1, timeout=10)
    assert told.body.startswith("Сіз енді үйлестіруші емессіз")
    await emulator.wait_idle()
    assert "territories" not in [name for name, _ in bauyr.command_menu()]
    assert hq.messages[-1].body == "Бауыржан больше не координатор."
    assert len(await _audit(runner, "dismiss")) == 1

    await hq.send_text("/audit")
    [log] = await hq.wait_messages(1)
    assert "Журнал действий</b>, записи 1–2 из 2" in log.body or "записи 1–2 из 2" in log.body
    assert "Снятие координатора" in log.body and "Назначение координатора" in log.body
    assert "user:3401" in log.body
    await hq.send_text("/audit dismiss")
    [only] = await hq.wait_messages(1)
    assert "Снятие координатора" in only.body and "Назначение координатора" not in only.body
    await hq.send_text("/audit 01.01.2020")
    [empty] = await hq.wait_messages(1)
    assert empty.body.startswith("Записей нет.")
    await hq.send_text("/audit ??")
    [bad] = await hq.wait_messages(1)
    assert bad.body.startswith("Не понял фильтр «??»")


async def test_audit_is_paged(emulator: Emulator, start_bot: StartBot) -> None:
    await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "kk")
    citizen = await _started(emulator, 3501, "Азамат", "kk")
    for _ in range(12):
        await citizen.send_text("/stats")
        await citizen.wait_messages(1)
    await hq.send_text("/audit denied_command")
    [page] = await hq.wait_messages(1)
    assert "12 жазбаның 1–10" in page.body
    await hq.press("Әрі қарай ▶️")
    await emulator.wait_idle()
    assert "12 жазбаның 11–12" in hq.messages[-1].body


async def test_audit_count_stops_at_its_cap(
    emulator: Emulator, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log only grows: past COUNT_CAP a page says "of more than N" (not counted further),
    and paging still reaches every entry."""
    monkeypatch.setattr(audit_service, "COUNT_CAP", 10)
    await _bot(start_bot)
    hq = await _started(emulator, ADMIN_ID, "Штаб", "ru")
    citizen = await _started(emulator, 3502, "Пётр", "ru")
    for _ in range(12):
        await citizen.send_text("/stats")
        await citizen.wait_messages(1)
    await hq.send_text("/audit denied_command")
    [page] = await hq.wait_messages(1)
    assert "записи 1–10 из более 10:" in page.body
    await hq.press("Далее ▶️")
    await emulator.wait_idle()
    assert "записи 11–12 из 12:" in hq.messages[-1].body
