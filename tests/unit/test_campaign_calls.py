"""The worklist of repeat calls: the call window across time zones and quiet hours, each
outcome's next moment, rounds, planned dates, visits after unreachable rounds, and the claim
(two volunteers at once never get the same person)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import campaign_alerts, volunteers
from bot.services import campaign_calls as cc
from bot.services.campaign_calls import Rules, Where, next_opening, plan
from bot.services.territories import load_from_file
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import (
    Campaign,
    CampaignAlert,
    CampaignMedic,
    CampaignPerson,
    CampaignTerritory,
    OutboxMessage,
    Outcome,
    PersonStatus,
    Territory,
    WorkKind,
    migrate,
)
from models.db import create_engine, create_sessionmaker

NOVOKUZNETSK = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5
QUIET = QuietHours()  # 22:00-08:00
RULES = Rules(
    rounds=[0, 7, 21],
    window_start=600,
    window_end=1140,
    attempts=3,
    retry_minutes=120,
    visit_after=None,
)
START = Where(0, 0, 0, None, None, None)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# --- the window ---------------------------------------------------------------------------------
def test_the_window_is_read_in_each_territorys_own_time() -> None:
    moment = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 in Novokuznetsk, 07:00 in Almaty
    assert next_opening(moment, NOVOKUZNETSK, 600, 1140, QUIET) == local(
        NOVOKUZNETSK, 2026, 12, 5, 10, 0
    )
    assert next_opening(moment, ALMATY, 600, 1140, QUIET) == local(ALMATY, 2026, 12, 5, 10, 0)
    inside = local(NOVOKUZNETSK, 2026, 12, 5, 12, 30)
    assert next_opening(inside, NOVOKUZNETSK, 600, 1140, QUIET) == inside
    evening = local(NOVOKUZNETSK, 2026, 12, 5, 19, 0)  # the window's end is not in it
    assert next_opening(evening, NOVOKUZNETSK, 600, 1140, QUIET) == local(
        NOVOKUZNETSK, 2026, 12, 6, 10, 0
    )


def test_quiet_hours_cut_into_a_wide_window() -> None:
    late = local(ALMATY, 2026, 12, 5, 22, 30)  # window 07:00-23:00, quiet 22:00-08:00
    assert next_opening(late, ALMATY, 420, 1380, QUIET) == local(ALMATY, 2026, 12, 6, 8, 0)
    early = local(ALMATY, 2026, 12, 6, 7, 15)
    assert next_opening(early, ALMATY, 420, 1380, QUIET) == local(ALMATY, 2026, 12, 6, 8, 0)
    never = QuietHours(time(0, 0), time(23, 59))
    assert next_opening(early, ALMATY, 600, 1140, never) is None


# --- outcomes ---------------------------------------------------------------------------------
def test_no_answer_is_retried_after_the_interval_inside_the_window() -> None:
    now = local(NOVOKUZNETSK, 2026, 12, 5, 11, 0)
    first = plan(RULES, START, Outcome.NO_ANSWER, now, NOVOKUZNETSK, QUIET)
    assert (first.status, first.attempts) == (PersonStatus.QUEUED, 1)
    assert first.due_at == local(NOVOKUZNETSK, 2026, 12, 5, 13, 0)
    assert first.last_contact_on == date(2026, 12, 5)  # nobody else gets them today
    # Busy at 18:00: two hours later is past the window; tomorrow's opening.
    later = local(NOVOKUZNETSK, 2026, 12, 5, 18, 0)
    second = plan(RULES, Where(0, 1, 0, None, None, None), Outcome.BUSY, later, NOVOKUZNETSK,
                  QUIET)  # fmt: skip
    assert (second.attempts, second.due_at) == (2, local(NOVOKUZNETSK, 2026, 12, 6, 10, 0))


def test_the_last_attempt_makes_the_person_unreachable_or_a_visit() -> None:
    now = local(NOVOKUZNETSK, 2026, 12, 5, 11, 0)
    third = plan(RULES, Where(0, 2, 0, None, None, None), Outcome.NO_ANSWER, now, NOVOKUZNETSK,
                 QUIET)  # fmt: skip
    assert (third.status, third.unreachable_rounds, third.due_at) == (
        PersonStatus.UNREACHABLE, 1, None
    )  # fmt: skip
    visits = Rules(RULES.rounds, 600, 1140, 3, 120, visit_after=2)
    once = plan(visits, Where(0, 2, 0, None, None, None), Outcome.BUSY, now, NOVOKUZNETSK, QUIET)
    # The first unreachable round of two: another series of attempts from tomorrow.
    assert (once.status, once.kind, once.attempts, once.unreachable_rounds, once.due_at) == (
        PersonStatus.QUEUED, WorkKind.CALL, 0, 1, local(NOVOKUZNETSK, 2026, 12, 6, 10, 0)
    )  # fmt: skip
    twice = plan(visits, Where(0, 2, 1, None, None, None), Outcome.BUSY, now, NOVOKUZNETSK, QUIET)
    assert (twice.status, twice.kind, twice.attempts, twice.unreachable_rounds) == (
        PersonStatus.QUEUED, WorkKind.VISIT, 0, 2
    )  # fmt: skip


@pytest.mark.parametrize(
    "outcome", [Outcome.WRONG_NUMBER, Outcome.REFUSED, Outcome.MOVED, Outcome.DIED]
)
def test_terminal_outcomes_stop_every_round(outcome: Outcome) -> None:
    now = local(NOVOKUZNETSK, 2026, 12, 5, 11, 0)
    stopped = plan(RULES, START, outcome, now, NOVOKUZNETSK, QUIET)
    assert (stopped.status, stopped.due_at) == (PersonStatus.STOPPED, None)


def test_vaccinated_goes_to_the_next_round_after_the_vaccination_day() -> None:
    now = local(NOVOKUZNETSK, 2026, 12, 5, 11, 0)
    reached = plan(RULES, START, Outcome.REACHED, now, NOVOKUZNETSK, QUIET, vaccinated=True)
    assert (reached.round, reached.vaccinated_on) == (1, date(2026, 12, 5))
    assert reached.due_at == local(NOVOKUZNETSK, 2026, 12, 12, 10, 0)
    assert reached.last_contact_on == date(2026, 12, 5)
    # Round 1 of 3 reached on day 7: round 2 is 21 days after the vaccination.
    where = Where(1, 1, 0, date(2026, 12, 5), date(2026, 12, 5), None)
    day7 = local(NOVOKUZNETSK, 2026, 12, 12, 15, 0)
    following = plan(RULES, where, Outcome.REACHED, day7, NOVOKUZNETSK, QUIET, vaccinated=True)
    assert (following.round, following.attempts) == (2, 0)
    assert following.due_at == local(NOVOKUZNETSK, 2026, 12, 26, 10, 0)
    # The last round: done.
    where = Where(2, 0, 0, date(2026, 12, 12), date(2026, 12, 5), None)
    last = plan(RULES, where, Outcome.REACHED, now, NOVOKUZNETSK, QUIET, vaccinated=True)
    assert (last.status, last.due_at) == (PersonStatus.DONE, None)


def test_a_planned_date_moves_the_same_round_and_no_date_waits_a_week() -> None:
    now = local(ALMATY, 2026, 12, 5, 11, 0)
    planned = plan(RULES, START, Outcome.REACHED, now, ALMATY, QUIET, vaccinated=False,
                   planned_on=date(2026, 12, 10))  # fmt: skip
    assert (planned.round, planned.planned_on) == (0, date(2026, 12, 10))
    assert planned.due_at == local(ALMATY, 2026, 12, 11, 10, 0)
    unknown = plan(RULES, START, Outcome.REACHED, now, ALMATY, QUIET, vaccinated=False)
    assert unknown.due_at == local(ALMATY, 2026, 12, 12, 10, 0)
    # Never the same day again, even for a date already past.
    past = plan(RULES, START, Outcome.REACHED, now, ALMATY, QUIET, vaccinated=False,
                planned_on=date(2026, 12, 1))  # fmt: skip
    assert past.due_at == local(ALMATY, 2026, 12, 6, 10, 0)


# --- the claim ----------------------------------------------------------------------------------
@pytest.fixture
async def world(
    database_url: str,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock(datetime(2026, 12, 5, 4, 0, tzinfo=UTC))  # 11:00 in Yurga
    ids: dict[str, int] = {}
    now = clock.now()
    async with sessions() as session:
        await load_from_file(session, "kuzbass", now)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        ids["yurga"] = yurga.id
        for user_id in (801, 802):
            await touch_user(session, Profile(user_id, f"В{user_id}"), now, wrote_to_bot=True)
            application = volunteers.Application(
                name=f"Вол{user_id} Иванов", phone="+79031234567", territory_id=yurga.id,
                skills=("calls",), age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, now)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=1, reason=None, now=now
            )
        campaign = Campaign(
            name="Обзвон", status="active", rounds=[0, 7, 21], window_start=600,
            window_end=1140, attempts=3, retry_minutes=120, visit_after=None,
            claim_minutes=20, volunteers="all", created_by=1, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        ids["campaign"] = campaign.id
        session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=yurga.id))
        for n in range(6):
            session.add(
                CampaignPerson(
                    campaign_id=campaign.id,
                    territory_id=yurga.id,
                    full_name=f"Петрова Анна{n} Ивановна",
                    phone=f"+7913000000{n}",
                    birth_year=1950,
                    consent_on=date(2026, 11, 1),
                    kind="call",
                    status="queued",
                    due_at=now - timedelta(minutes=10 - n),
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()
    yield sessions, clock, ids
    await engine.dispose()


async def test_two_volunteers_claim_at_once_without_overlap(
    world: tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]],
) -> None:
    sessions, clock, _ids = world

    async def claim(user_id: int) -> int | None:
        async with sessions() as session:
            who = await cc.worker(session, user_id, clock.now())
            assert who is not None
            got = await cc.claim_next(session, who, clock.now(), QUIET)
            await session.commit()
            return got.person.id if isinstance(got, cc.Claim) else None

    # Two volunteers at once; one person's own presses come one at a time (aiogram's event
    # isolation per user), so the same volunteer presses again after the first answer.
    results = list(await asyncio.gather(claim(801), claim(802)))
    results += await asyncio.gather(claim(801), claim(802))
    assert None not in results
    # One claim at a time each: the second press shows the same person again.
    assert results[0] == results[2] and results[1] == results[3] and results[0] != results[1]
    async with sessions() as session:
        claimed = (
            await session.scalars(
                select(CampaignPerson.claimed_by).where(CampaignPerson.status == "claimed")
            )
        ).all()
    assert sorted(c or 0 for c in claimed) == [801, 802]


async def test_outcome_lapse_and_the_window(
    world: tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]],
) -> None:
    sessions, clock, _ids = world
    async with sessions() as session:
        who = await cc.worker(session, 801, clock.now())
        assert who is not None
        got = await cc.claim_next(session, who, clock.now(), QUIET)
        assert isinstance(got, cc.Claim) and not got.again
        first = got.person.id
        done = await cc.record(session, first, 801, Outcome.NO_ANSWER, clock.now(), QUIET)
        assert done is not None and done.person.attempts == 1
        assert await cc.record(session, first, 801, Outcome.BUSY, clock.now(), QUIET) is None
        got = await cc.claim_next(session, who, clock.now(), QUIET)
        assert isinstance(got, cc.Claim) and got.person.id != first
        await session.commit()
    clock.advance(timedelta(minutes=21))
    async with sessions() as session:
        assert await cc.lapse_due(session, clock.now()) == 1
        await session.commit()
    clock.set(datetime(2026, 12, 5, 13, 0, tzinfo=UTC))  # 20:00 in Yurga: the window closed
    async with sessions() as session:
        who = await cc.worker(session, 802, clock.now())
        assert who is not None
        nothing = await cc.claim_next(session, who, clock.now(), QUIET)
        assert isinstance(nothing, cc.NothingDue)
        assert nothing.next_due == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 tomorrow


async def test_unwell_alert_one_medic_takes_it_and_escalation_runs_once(
    world: tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]],
) -> None:
    sessions, clock, ids = world
    async with sessions() as session:
        for medic in (803, 804):
            await touch_user(
                session, Profile(medic, f"Врач{medic}"), clock.now(), wrote_to_bot=True
            )
            session.add(CampaignMedic(campaign_id=ids["campaign"], user_id=medic))
        who = await cc.worker(session, 801, clock.now())
        assert who is not None
        got = await cc.claim_next(session, who, clock.now(), QUIET)
        assert isinstance(got, cc.Claim)
        done = await cc.record(
            session, got.person.id, 801, Outcome.REACHED, clock.now(), QUIET,
            answers={"vaccinated": True, "feeling": "unwell"}, form_token="t" * 32,
            round_seen=0,
        )  # fmt: skip
        assert done is not None and done.plan is not None
        alert = await campaign_alerts.raise_alert(
            session, person_id=got.person.id, contact_id=done.contact.id, reported_by=801,
            note="жар", now=clock.now(), ack_data=str, admin_ids=[1],
        )  # fmt: skip
        again = await campaign_alerts.raise_alert(
            session, person_id=got.person.id, contact_id=done.contact.id, reported_by=801,
            note="жар", now=clock.now(), ack_data=str, admin_ids=[1],
        )  # fmt: skip
        assert again.id == alert.id
        await session.commit()
        keys = set(
            (await session.scalars(select(OutboxMessage.idempotency_key))).all()
        )  # urgent pushes to both medics
        assert {f"cmpa:{alert.id}:push:803", f"cmpa:{alert.id}:push:804"} <= keys
        assert not await campaign_alerts.was_told(session, alert.id, 802)

    clock.advance(timedelta(minutes=14))
    async with sessions() as session:
        assert await campaign_alerts.escalate_due(session, clock.now(), ack_data=str,
                                                  admin_ids=[1]) == 0  # fmt: skip
    clock.advance(timedelta(minutes=2))
    for _ in range(2):
        async with sessions() as session:
            await campaign_alerts.escalate_due(session, clock.now(), ack_data=str, admin_ids=[1])
            await session.commit()
    async with sessions() as session:
        escalated = (
            await session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.like(f"cmpa:{alert.id}:%")
                )
            )
        ).all()
    assert sorted(k.rsplit(":", 2)[1] + ":" + k.rsplit(":", 1)[1] for k in escalated) == [
        "again:803", "again:804", "hq:1", "push:803", "push:804",
    ]  # fmt: skip

    async def take(medic: int) -> bool:
        async with sessions() as session:
            taken = await campaign_alerts.acknowledge(
                session, alert.id, medic, clock.now(), admin_ids=[1]
            )
            await session.commit()
            return taken is not None and taken.won

    assert sorted(await asyncio.gather(take(803), take(804))) == [False, True]
    async with sessions() as session:
        row = await session.get(CampaignAlert, alert.id)
        assert row is not None and row.status == "acknowledged"
        notes = (
            await session.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.idempotency_key.like(f"cmpa:{alert.id}:note:%")
                )
            )
        ).all()
    assert 801 in notes and 1 in notes  # the caller and the HQ hear who took it


async def test_nobody_else_calls_a_person_the_same_day(
    world: tuple[async_sessionmaker[AsyncSession], FakeClock, dict[str, int]],
) -> None:
    """801 gets no answer: after the interval 801 may try again that day, 802 never; the next
    day anyone may."""
    sessions, clock, _ids = world

    async def claim(user_id: int) -> int | None:
        async with sessions() as session:
            who = await cc.worker(session, user_id, clock.now())
            assert who is not None
            got = await cc.claim_next(session, who, clock.now(), QUIET)
            await session.commit()
            return got.person.id if isinstance(got, cc.Claim) else None

    async def outcome(person_id: int, user_id: int, what: Outcome) -> None:
        async with sessions() as session:
            assert await cc.record(session, person_id, user_id, what, clock.now(), QUIET)
            await session.commit()

    first = await claim(801)
    assert first is not None
    await outcome(first, 801, Outcome.NO_ANSWER)
    clock.advance(timedelta(hours=2, minutes=1))  # past the retry interval, still in the window
    taken_by_802 = set()
    while (other := await claim(802)) is not None:
        taken_by_802.add(other)
        await outcome(other, 802, Outcome.WRONG_NUMBER)
    assert first not in taken_by_802 and len(taken_by_802) == 5  # everyone else
    assert await claim(801) == first  # its own retry
    await outcome(first, 801, Outcome.BUSY)
    clock.advance(timedelta(days=1))
    assert await claim(802) == first  # a new day: anyone
