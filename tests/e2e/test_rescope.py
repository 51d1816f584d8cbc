"""A coordinator whose territories change (or who is dismissed) while a reason prompt is open
completes nothing: reject an application, block a volunteer, "could not help" a request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.keyboards.callbacks import ApplicationCb, CoordRequestCb, VolunteerCb
from bot.sandbox import Emulator, Person
from bot.services import coordinators, help_requests, volunteers
from models import AuditEntry, HelpRequest, RequestStatus, Territory, Volunteer, VolunteerStatus
from tests.e2e.conftest import ADMIN_ID, BotRunner, StartBot

COORDINATOR = 7001
REFUSED = "⛔ Ваши территории изменились, и № {id} теперь вне вашей зоны. Ничего не сделано."


@dataclass
class World:
    yurga: int
    tayga: int
    application: int
    volunteer: int
    request: int


async def _person(emulator: Emulator, user_id: int, name: str) -> Person:
    person = emulator.user(user_id, first_name=name, language_code="ru")
    await person.send_text("/start")
    await person.wait_messages(2)
    person.mark_read()
    return person


def _application(territory_id: int) -> volunteers.Application:
    return volunteers.Application(
        name="Пётр Иванов", phone="+79030000000", territory_id=territory_id,
        skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id=None,
    )  # fmt: skip


async def _world(runner: BotRunner) -> World:
    """The coordinator of Yurga, a pending application, an approved volunteer and an open
    request there (the forms that make them have their own tests)."""
    assert runner.app is not None
    now = runner.clock.now()
    async with runner.app.sessionmaker() as session:
        ids = {
            t.code: t.id
            for t in await session.scalars(
                select(Territory).where(Territory.code.in_(["yurga", "tayga"]))
            )
        }
        await coordinators.appoint(
            session, user_id=COORDINATOR, territory_ids=[ids["yurga"]], hq=False,
            actor_id=ADMIN_ID, now=now,
        )  # fmt: skip
        pending = await volunteers.submit(session, 7002, _application(ids["yurga"]), now)
        approved = await volunteers.submit(session, 7003, _application(ids["yurga"]), now)
        await volunteers.decide(
            session, approved.id, approve=True, actor_id=ADMIN_ID, reason=None, now=now
        )
        request = await help_requests.create(
            session,
            help_requests.Draft(
                kind="other", for_other=False, person_name="Анна", territory_id=ids["yurga"],
                address="ул. Ленина, 5", details="Помочь с покупками", urgency="planned",
                requester_id=7004,
            ),
            now,
        )  # fmt: skip
        await session.commit()
        return World(ids["yurga"], ids["tayga"], pending.id, approved.id, request.id)


async def _move(runner: BotRunner, territory_id: int) -> None:
    """The HQ re-appoints the coordinator to exactly this territory."""
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        await coordinators.appoint(
            session, user_id=COORDINATOR, territory_ids=[territory_id], hq=False,
            actor_id=ADMIN_ID, now=runner.clock.now(),
        )  # fmt: skip
        await session.commit()


async def _denials(runner: BotRunner) -> list[str | None]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "denied_scope").order_by(AuditEntry.id)
        )
        return [e.target for e in rows]


async def _actions(runner: BotRunner) -> set[str]:
    assert runner.app is not None
    async with runner.app.sessionmaker() as session:
        return set(await session.scalars(select(AuditEntry.action)))


async def _prompt(coordinator: Person, data: str, starts: str) -> None:
    await coordinator.press_data(data)
    [prompt] = await coordinator.wait_messages(1)
    assert prompt.body.startswith(starts), prompt.body


async def test_territories_changed_while_a_reason_prompt_is_open(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    for user_id, name in ((ADMIN_ID, "Штаб"), (7002, "Пётр"), (7003, "Иван"), (7004, "Анна")):
        await _person(emulator, user_id, name)
    coordinator = await _person(emulator, COORDINATOR, "Ольга")
    world = await _world(runner)
    assert runner.app is not None

    # Reject an application: prompt open, moved to Tayga, the reason comes.
    await _prompt(
        coordinator,
        ApplicationCb(id=world.application, action="no").pack(),
        "Почему вы отклоняете анкету",
    )
    await _move(runner, world.tayga)
    await coordinator.send_text("Не отвечает на звонки")
    [refused] = await coordinator.wait_messages(1)
    assert refused.body == REFUSED.format(id=world.application)

    # Block a volunteer.
    await _move(runner, world.yurga)
    await _prompt(
        coordinator,
        VolunteerCb(id=world.volunteer, action="block").pack(),
        "Почему вы блокируете волонтёра",
    )
    await _move(runner, world.tayga)
    await coordinator.send_text("Грубил людям")
    [refused] = await coordinator.wait_messages(1)
    assert refused.body == REFUSED.format(id=world.volunteer)

    # "Could not help" a request.
    await _move(runner, world.yurga)
    await _prompt(
        coordinator,
        CoordRequestCb(action="fail", id=world.request).pack(),
        "Почему не удалось помочь",
    )
    await _move(runner, world.tayga)
    await coordinator.send_text("Никого нет рядом")
    [refused] = await coordinator.wait_messages(1)
    assert refused.body == REFUSED.format(id=world.request)

    # The form is left: the next text is not taken as a reason again.
    await coordinator.send_text("Ещё одна причина")
    [after] = await coordinator.wait_messages(1)
    assert "№" not in after.body

    async with runner.app.sessionmaker() as session:
        application = await session.get(Volunteer, world.application)
        volunteer = await session.get(Volunteer, world.volunteer)
        request = await session.get(HelpRequest, world.request)
        assert application is not None and volunteer is not None and request is not None
        assert application.status == VolunteerStatus.PENDING
        assert volunteer.status == VolunteerStatus.APPROVED
        assert request.status == RequestStatus.NEW
    assert await _denials(runner) == [
        f"volunteer:{world.application}",
        f"volunteer:{world.volunteer}",
        f"request:{world.request}",
    ]
    assert not {"reject_volunteer", "block_volunteer", "request_failed"} & await _actions(runner)


async def test_a_coordinator_dismissed_while_a_prompt_is_open_completes_nothing(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"})
    for user_id, name in ((ADMIN_ID, "Штаб"), (7002, "Пётр"), (7003, "Иван"), (7004, "Анна")):
        await _person(emulator, user_id, name)
    coordinator = await _person(emulator, COORDINATOR, "Ольга")
    world = await _world(runner)
    assert runner.app is not None
    prompts = (
        (ApplicationCb(id=world.application, action="no").pack(), "Почему вы отклоняете"),
        (VolunteerCb(id=world.volunteer, action="block").pack(), "Почему вы блокируете"),
        (CoordRequestCb(action="fail", id=world.request).pack(), "Почему не удалось"),
    )
    for data, starts in prompts:
        await _move(runner, world.yurga)
        await _prompt(coordinator, data, starts)
        async with runner.app.sessionmaker() as session:
            assert await coordinators.dismiss(session, COORDINATOR)
            await session.commit()
        await coordinator.send_text("Причина, которую уже некому принять")
        [answer] = await coordinator.wait_messages(1)
        assert "№" not in answer.body  # no "done" for any record
        await coordinator.send_text("/cancel")
        await coordinator.wait_messages(1)

    async with runner.app.sessionmaker() as session:
        application = await session.get(Volunteer, world.application)
        volunteer = await session.get(Volunteer, world.volunteer)
        request = await session.get(HelpRequest, world.request)
        assert application is not None and volunteer is not None and request is not None
        assert application.status == VolunteerStatus.PENDING
        assert volunteer.status == VolunteerStatus.APPROVED
        assert request.status == RequestStatus.NEW
    assert not {"reject_volunteer", "block_volunteer", "request_failed"} & await _actions(runner)
