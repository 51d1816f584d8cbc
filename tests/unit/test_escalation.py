"""Escalation and reminders, domain side: a request's history, the circles beyond the
territory (neighbours, the whole HQ, the coordinators), quiet-hours «today» requests, the
reminder of a taken task, the coordinator's replacement, overdue marking. On SQLite and on
PostgreSQL (``database_url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import details, escalation, help_requests, request_history, volunteers
from bot.services import escalation_rules as rules
from bot.services.territories import load_from_file
from bot.services.timing import RuleError
from bot.services.users import Profile, touch_user
from models import HelpRequest, OutboxMessage, Priority, RequestPush, Territory, migrate
from models.db import create_engine, create_sessionmaker

REQUESTER = 900
COORDINATOR = 800
TAKE = "tk:1"

# user id -> (territory code, skills)
PEOPLE: dict[int, tuple[str, tuple[str, ...]]] = {
    901: ("yurga", ("delivery",)),
    902: ("yurga", ("coal",)),
    911: ("tayga", ("delivery",)),  # a neighbour of Yurga
    912: ("tayga", ("coal",)),
    921: ("mezhdurechensk", ("delivery",)),  # far away, same HQ
}

World = tuple[async_sessionmaker[AsyncSession], dict[str, int], FakeClock]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    ids: dict[str, int] = {}
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        for territory in (await session.scalars(select(Territory))).all():
            ids[territory.code] = territory.id
        await touch_user(session, Profile(REQUESTER, "Мария"), clock.now(), wrote_to_bot=True)
        for user_id, (code, skills) in PEOPLE.items():
            await touch_user(
                session, Profile(user_id, f"Волонтёр{user_id}"), clock.now(), wrote_to_bot=True
            )
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=ids[code],
                skills=skills, age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, user_id, application, clock.now())
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=1, reason=None, now=clock.now()
            )
            ids[str(user_id)] = volunteer.id
        await session.commit()
    yield sessions, ids, clock
    await engine.dispose()


def _draft(
    territory_id: int, urgency: str = "today", planned_on: date | None = None
) -> help_requests.Draft:
    return help_requests.Draft(
        kind="groceries", for_other=True, person_name="Анна Петровна", territory_id=territory_id,
        address="ул. Ленина, 5", details="Хлеб, молоко", urgency=urgency, requester_id=REQUESTER,
        person_phone="+79039998877", planned_on=planned_on,
    )  # fmt: skip


async def test_history_records_each_transition_and_erasure_scrubs_it(world: World) -> None:
    sessions, ids, clock = world
    async with sessions() as session:
        request = await help_requests.create(session, _draft(ids["yurga"]), clock.now())
        await help_requests.offer(
            session, request, clock.now(), take_data=TAKE, default_locale="ru"
        )
        volunteer = await volunteers.live_record(session, 901)
        assert volunteer is not None
        result = await help_requests.take(session, request.id, volunteer, clock.now())
        assert result is not None and result.won
        await help_requests.on_my_way(session, request, volunteer, clock.now())
        await help_requests.cannot(
            session, request, volunteer, reason="заболел", now=clock.now(), take_data=TAKE,
            default_locale="ru", admin_ids=[],
        )  # fmt: skip
        await session.commit()
        request_id = request.id
    async with sessions() as session:
        events = await request_history.history(session, request_id)
        kinds = [event.kind for event in events]
        assert kinds[:5] == ["created", "offered", "taken", "on_way", "cannot"]
        assert events[4].details["reason"] == "заболел"
        assert events[2].actor_id == 901
        assert all(a.at <= b.at for a, b in pairwise(events))
        await help_requests.erase_request(session, request_id, clock.now())
        await session.commit()
    async with sessions() as session:
        events = await request_history.history(session, request_id)
        assert events[-1].kind == "cancelled"
        assert all(event.details == {} and event.actor_id is None for event in events)
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.person_name == help_requests.ERASED


# --- escalation ---------------------------------------------------------------------------------
async def _pushed_to(sessions: async_sessionmaker[AsyncSession], request_id: int) -> set[int]:
    async with sessions() as session:
        rows = await session.scalars(
            select(RequestPush.user_id).where(RequestPush.request_id == request_id)
        )
        return set(rows.all())


async def _outbox(sessions: async_sessionmaker[AsyncSession]) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.scalars(select(OutboxMessage))).all()}


async def _sweep(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> escalation.Swept:
    async with sessions() as session:
        swept = await escalation.sweep_once(
            session, clock.now(), default_locale="ru", admin_ids=[COORDINATOR]
        )
        await session.commit()
    return swept


async def _new_request(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, territory_id: int
) -> int:
    async with sessions() as session:
        request = await help_requests.create(session, _draft(territory_id), clock.now())
        await help_requests.offer_or_escalate(
            session, request, clock.now(), take_data=TAKE, default_locale="ru",
            admin_ids=[COORDINATOR],
        )  # fmt: skip
        await session.commit()
        return request.id


async def test_an_untaken_request_goes_through_the_three_circles(world: World) -> None:
    sessions, ids, clock = world
    request_id = await _new_request(sessions, clock, ids["yurga"])
    assert await _pushed_to(sessions, request_id) == {901}  # only the fitting one in Yurga
    assert (await _sweep(sessions, clock)).steps == 0  # not yet due
    clock.advance(timedelta(minutes=30))  # «today»: 30 minutes a circle
    assert (await _sweep(sessions, clock)).steps == 1
    assert await _pushed_to(sessions, request_id) == {901, 911}  # Tayga, a neighbour
    assert (await _sweep(sessions, clock)).steps == 0  # done once, however often swept
    clock.advance(timedelta(minutes=30))
    await _sweep(sessions, clock)
    assert await _pushed_to(sessions, request_id) == {901, 911, 921}  # the whole HQ
    clock.advance(timedelta(minutes=30))
    await _sweep(sessions, clock)
    keys = await _outbox(sessions)
    alerts = [k for k in keys if k.startswith(f"req:{request_id}:esc-coord-unassigned:")]
    assert len(alerts) == 1 and alerts[0].endswith(f":{COORDINATOR}")
    buttons = keys[alerts[0]].payload["buttons"]
    assert buttons[0][0]["callback_data"] == f"ca:{request_id}:0:0"  # one-tap assign
    for told in ("esc-requester-neighbours", "esc-requester-hq", "esc-requester-coordinators"):
        assert f"req:{request_id}:{told}:0" in keys
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.circle == 3 and row.escalate_at is None
    assert kinds == [
        "created", "offered", "circle_neighbours", "circle_hq", "coordinators_alerted",
    ]  # fmt: skip
    clock.advance(timedelta(hours=2))
    assert (await _sweep(sessions, clock)).steps == 0
    # Someone from far away takes it: their push works like any other.
    async with sessions() as session:
        far = await volunteers.live_record(session, 921)
        assert far is not None
        assert await help_requests.was_offered(session, request_id, far.id)
        result = await help_requests.take(session, request_id, far, clock.now())
        assert result is not None and result.won
        await session.commit()


async def test_two_sweeps_at_once_make_one_step(world: World) -> None:
    sessions, ids, clock = world
    request_id = await _new_request(sessions, clock, ids["yurga"])
    clock.advance(timedelta(minutes=31))
    async with sessions() as first, sessions() as second:
        one = await escalation.step(
            first, request_id, clock.now(), default_locale="ru", admin_ids=[]
        )
        await first.commit()
        two = await escalation.step(
            second, request_id, clock.now(), default_locale="ru", admin_ids=[]
        )
        await second.commit()
    assert one is not None and one.kind == "circle_neighbours"
    assert two is None


async def test_a_today_request_in_quiet_hours_goes_to_the_duty_coordinator(
    world: World,
) -> None:
    sessions, ids, clock = world
    sessions.configure(
        info={rules.POLICY_INFO: rules.Policy(duty=rules.parse_duty("777:22:00-08:00"))}
    )
    clock.set(datetime(2026, 12, 5, 16, 30, tzinfo=UTC))  # 23:30 in Yurga (UTC+7)
    request_id = await _new_request(sessions, clock, ids["yurga"])
    assert await _pushed_to(sessions, request_id) == set()  # nobody woken
    keys = await _outbox(sessions)
    duty = [k for k in keys if k.startswith(f"req:{request_id}:esc-duty-alert:")]
    assert [k.rsplit(":", 1)[1] for k in duty] == ["777"]
    assert keys[duty[0]].priority == Priority.URGENT
    assert f"req:{request_id}:esc-requester-night:0" in keys
    # The scheduler's net does not offer it in the night either.
    async with sessions() as session:
        await help_requests.offer_waiting(
            session, clock.now(), take_data=lambda _id: TAKE, default_locale="ru"
        )
        await session.commit()
    assert await _pushed_to(sessions, request_id) == set()
    clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # 08:00: the morning
    await _sweep(sessions, clock)
    assert await _pushed_to(sessions, request_id) == {901}
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.hold_until is None
        assert row.escalate_at == clock.now() + timedelta(minutes=30)
    assert kinds == ["created", "held_quiet", "duty_alerted", "offered", "released"]


async def test_reminder_then_coordinator_replaces_and_old_details_are_hidden(
    world: World,
) -> None:
    sessions, ids, clock = world
    request_id = await _new_request(sessions, clock, ids["yurga"])
    async with sessions() as session:
        holder = await volunteers.live_record(session, 901)
        assert holder is not None
        await help_requests.take(session, request_id, holder, clock.now())
        key = await details.begin(session, request_id, holder.id, 901, clock.now())
        assert key is not None
        await details.shown(session, key, 555)
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.remind_at == row.due_at
        due = row.due_at
        await session.commit()
    assert due == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 21:00 in Yurga: «any time» today
    clock.set(due)
    assert (await _sweep(sessions, clock)).reminders == 1
    keys = await _outbox(sessions)
    reminder = keys[f"req:{request_id}:remind:0:901"]
    labels = [b["label"]["key"] for b in reminder.payload["buttons"][0]]
    assert labels == ["btn-esc-still", "btn-esc-cannot"]
    clock.advance(timedelta(minutes=59))
    assert (await _sweep(sessions, clock)).reminders == 0  # still time to answer
    clock.advance(timedelta(minutes=1))
    assert (await _sweep(sessions, clock)).reminders == 1
    keys = await _outbox(sessions)
    alert = next(k for k in keys if k.startswith(f"req:{request_id}:esc-coord-unanswered:"))
    async with sessions() as session:
        newcomer = await volunteers.live_record(session, 902)
        assert newcomer is not None
        replace_button = keys[alert].payload["buttons"][0][0]
        assert replace_button["callback_data"] == f"es:rp:{request_id}:{newcomer.id}:{ids['901']}"
        replaced = await escalation.replace(
            session, request_id, ids["901"], newcomer, clock.now(), actor_id=COORDINATOR,
            default_locale="ru",
        )  # fmt: skip
        assert replaced is not None and replaced.volunteer_id == newcomer.id
        assert replaced.remind_state == 0 and replaced.remind_at is not None
        # The old volunteer can no longer open it; a second tap changes nothing.
        assert not await help_requests.was_offered(session, request_id, ids["901"])
        again = await escalation.replace(
            session, request_id, ids["901"], newcomer, clock.now(), actor_id=COORDINATOR,
            default_locale="ru",
        )  # fmt: skip
        assert again is None
        await session.commit()
    keys = await _outbox(sessions)
    assert f"{key}:hidden" in keys  # the old volunteer's details message is hidden
    assert keys[f"{key}:hidden"].edit_key == key
    assert any(k.startswith(f"req:{request_id}:replaced-to:902:") for k in keys)
    assert any(k.startswith(f"req:{request_id}:replaced-from:901:") for k in keys)
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
    assert kinds[2:] == ["taken", "reminder_sent", "overdue", "reminder_unanswered", "reassigned"]


async def test_still_doing_stops_the_reminders_and_overdue_is_marked_once(world: World) -> None:
    sessions, ids, clock = world
    request_id = await _new_request(sessions, clock, ids["yurga"])
    async with sessions() as session:
        holder = await volunteers.live_record(session, 901)
        assert holder is not None
        await help_requests.take(session, request_id, holder, clock.now())
        assert not await escalation.still_doing(session, request_id, holder, clock.now())
        await session.commit()
    clock.set(datetime(2026, 12, 5, 14, 0, tzinfo=UTC))
    swept = await _sweep(sessions, clock)
    assert swept.reminders == 1 and swept.overdue == 1
    async with sessions() as session:
        holder = await volunteers.live_record(session, 901)
        assert holder is not None
        assert await escalation.still_doing(session, request_id, holder, clock.now())
        await session.commit()
    clock.advance(timedelta(hours=3))
    swept = await _sweep(sessions, clock)
    assert swept == escalation.Swept(0, 0, 0)
    async with sessions() as session:
        row = await session.get(HelpRequest, request_id)
        assert row is not None and row.overdue
        kinds = [e.kind for e in await request_history.history(session, request_id)]
    assert kinds[-3:] == ["reminder_sent", "overdue", "still_doing"]


def test_window_ends_and_first_steps_in_local_time() -> None:
    tz = ZoneInfo("Asia/Almaty")  # UTC+5
    noon = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)  # 12:00 in Almaty
    assert rules.due_at("today", None, "evening", noon, tz) == datetime(
        2026, 12, 5, 16, 0, tzinfo=UTC
    )
    # the morning's window has passed: tomorrow's
    assert rules.due_at("today", None, "morning", noon, tz) == datetime(
        2026, 12, 6, 7, 0, tzinfo=UTC
    )
    assert rules.due_at("soon", None, "day", noon, tz) == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    policy = rules.Policy()
    planned = date(2026, 12, 10)
    assert rules.first_step_at("planned", planned, noon, tz, policy) == datetime(
        2026, 12, 8, 19, 0, tzinfo=UTC
    )  # a day before the date's start, local
    assert rules.first_step_at("soon", None, noon, tz, policy) == noon + timedelta(hours=6)
    assert rules.quiet_hold("today", noon, tz, policy) is None
    night = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # 23:00
    assert rules.quiet_hold("today", night, tz, policy) == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert rules.quiet_hold("soon", night, tz, policy) is None
    duty = rules.parse_duty("1:22:00-08:00, 2:08:00-22:00")
    assert rules.Policy(duty=duty).on_duty(time(23, 0)) == [1]
    assert rules.Policy(duty=duty).on_duty(time(9, 0)) == [2]
    with pytest.raises(RuleError):
        rules.parse_duty("nobody")


async def test_a_wider_circle_due_in_the_night_waits_for_the_morning(world: World) -> None:
    sessions, ids, clock = world
    sessions.configure(
        info={rules.POLICY_INFO: rules.Policy(duty=rules.parse_duty("777:22:00-08:00"))}
    )
    clock.set(datetime(2026, 12, 5, 14, 50, tzinfo=UTC))  # 21:50 in Yurga: not yet quiet
    request_id = await _new_request(sessions, clock, ids["yurga"])
    assert await _pushed_to(sessions, request_id) == {901}
    clock.advance(timedelta(minutes=30))  # 22:20: the neighbours' circle falls in the night
    swept = await _sweep(sessions, clock)
    assert swept.steps == 1
    assert await _pushed_to(sessions, request_id) == {901}  # nobody woken
    keys = await _outbox(sessions)
    assert [k.rsplit(":", 1)[1] for k in keys if ":esc-duty-alert:" in k] == ["777"]
    assert (await _sweep(sessions, clock)).steps == 0
    clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # 08:00
    await _sweep(sessions, clock)
    assert await _pushed_to(sessions, request_id) == {901, 911}
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
    assert kinds == ["created", "offered", "held_quiet", "duty_alerted", "circle_neighbours"]


async def test_a_later_request_never_widens_in_the_night(world: World) -> None:
    sessions, ids, clock = world
    async with sessions() as session:  # «within 3 days», raised at 16:00 in Yurga
        request = await help_requests.create(session, _draft(ids["yurga"], "soon"), clock.now())
        await help_requests.offer_or_escalate(
            session, request, clock.now(), take_data=TAKE, default_locale="ru", admin_ids=[]
        )
        await session.commit()
        request_id = request.id
    clock.advance(timedelta(hours=6))  # 22:00: quiet
    assert (await _sweep(sessions, clock)).steps == 1
    assert await _pushed_to(sessions, request_id) == {901}
    keys = await _outbox(sessions)
    assert not [k for k in keys if ":esc-" in k]  # nobody alerted for a request not for today
    clock.set(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # 08:00
    await _sweep(sessions, clock)
    assert await _pushed_to(sessions, request_id) == {901, 911}
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
    assert kinds == ["created", "offered", "held_quiet", "circle_neighbours"]


async def test_the_whole_hq_is_pushed_in_batches_each_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, ids, clock = world
    monkeypatch.setattr(escalation, "HQ_PUSH_BATCH", 1)
    request_id = await _new_request(sessions, clock, ids["mezhdurechensk"])
    assert await _pushed_to(sessions, request_id) == {921}
    clock.advance(timedelta(minutes=30))
    await _sweep(sessions, clock)  # no neighbour has a volunteer: the HQ is due at once
    await _sweep(sessions, clock)
    assert await _pushed_to(sessions, request_id) == {921, 901}
    async with sessions() as first, sessions() as second:  # two replicas: one batch
        one = await escalation.step(
            first, request_id, clock.now(), default_locale="ru", admin_ids=[]
        )
        await first.commit()
        two = await escalation.step(
            second, request_id, clock.now(), default_locale="ru", admin_ids=[]
        )
        await second.commit()
    assert one is not None and one.reached == 1 and two is None
    assert await _pushed_to(sessions, request_id) == {921, 901, 911}
    assert (await _sweep(sessions, clock)).steps == 0  # all of the HQ has it: the step waits
    clock.advance(timedelta(minutes=30))
    await _sweep(sessions, clock)
    async with sessions() as session:
        kinds = [e.kind for e in await request_history.history(session, request_id)]
    assert kinds == [
        "created", "offered", "circle_neighbours", "circle_hq", "circle_hq", "coordinators_alerted",
    ]  # fmt: skip
