"""Standing care for a senior: a weekly schedule makes each visit once (however many ticks or
replicas run) in the territory's time, the volunteers take turns, the reminder waits for the
end of the quiet hours, a visit not recorded by the end of its day is missed (the member is
asked, then the coordinators alerted), handing over and replacing, recording with outcomes,
and erasure of the person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from aiogram_i18n import I18nContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.keyboards import care as care_kb
from bot.services import care, erasure, volunteers
from bot.services.series import first_at
from bot.services.territories import load_from_file
from bot.services.timing import RepeatRule
from bot.services.users import Profile, touch_user
from handlers.coordinator import care as coordinator_care
from models import (
    AuditEntry,
    CareMember,
    CareTeam,
    CareVisit,
    MemberRole,
    OutboxMessage,
    Territory,
    VisitStatus,
    migrate,
)
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import care as care_job

YURGA = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
ADMINS = (1,)
SOCIAL, FIRST, SECOND, SPARE = 961, 962, 963, 964


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=YURGA).astimezone(UTC)


START = local(2026, 12, 1, 12)  # a Tuesday
World = tuple[async_sessionmaker[AsyncSession], int]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await load_from_file(session, "kuzbass", START)
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None
        for user_id in (SOCIAL, FIRST, SECOND, SPARE):
            await touch_user(session, Profile(user_id, f"U{user_id}"), START, wrote_to_bot=True)
            application = volunteers.Application(
                name=f"Вол{user_id}", phone="+79031234567", territory_id=yurga.id,
                skills=("delivery",), age_group="18-34", availability=("weekends",),
                dobro_id=None,
            )  # fmt: skip
            record = await volunteers.submit(session, user_id, application, START)
            await volunteers.decide(
                session, record.id, approve=True, actor_id=1, reason=None, now=START
            )
        team = await care.create_team(
            session, person_name="Анна Петровна", person_phone="+79131234567",
            address="ул. Ленина, 5", notes="слабый слух", territory_id=yurga.id,
            actor_id=1, now=START,
        )  # fmt: skip
        for user_id, role in (
            (SOCIAL, MemberRole.SOCIAL_WORKER),
            (FIRST, MemberRole.VOLUNTEER),
            (SECOND, MemberRole.VOLUNTEER),
        ):
            await care.add_member(
                session, team, care.Candidate(user_id, f"Вол{user_id}"), role, START
            )
        with pytest.raises(care.CareError):  # two volunteers at most
            await care.add_member(
                session, team, care.Candidate(SPARE, "Запасной"), MemberRole.VOLUNTEER, START
            )
        # Thursdays at 10:00 in Yurga.
        first = await care.set_schedule(
            session, team, rule="weekly thu 10:00", at=time(10, 0), kind=care.VISIT, now=START
        )
        assert first == local(2026, 12, 3, 10)
        await session.commit()
        team_id = team.id
    try:
        yield sessions, team_id
    finally:
        await engine.dispose()


async def _tick(sessions: async_sessionmaker[AsyncSession], now: datetime) -> care_job.Ticked:
    return await care_job.tick(now, sessionmaker=sessions, default_locale="ru", admin_ids=ADMINS)


async def _visits(sessions: async_sessionmaker[AsyncSession]) -> list[CareVisit]:
    async with sessions() as session:
        return list((await session.scalars(select(CareVisit).order_by(CareVisit.id))).all())


async def _to(sessions: async_sessionmaker[AsyncSession], chat_id: int, key: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.idempotency_key.like(f"%{key}%")
            )
        )
        return list(rows.all())


async def _member_id(sessions: async_sessionmaker[AsyncSession], user_id: int) -> int:
    async with sessions() as session:
        member_id = await session.scalar(
            select(CareMember.id).where(CareMember.user_id == user_id, CareMember.left_at.is_(None))
        )
        assert member_id is not None
        return member_id


async def test_weekly_visits_are_made_once_and_volunteers_take_turns(world: World) -> None:
    sessions, _team_id = world
    assert (await _tick(sessions, local(2026, 12, 3, 7, 59))).created == 0  # not yet: 2 h ahead
    # Two replicas tick at once: one visit.
    results = await asyncio.gather(
        _tick(sessions, local(2026, 12, 3, 8, 0)), _tick(sessions, local(2026, 12, 3, 8, 0))
    )
    assert sum(r.created for r in results) == 1
    assert (await _tick(sessions, local(2026, 12, 3, 8, 1))).created == 0
    [visit] = await _visits(sessions)
    assert visit.due_at == local(2026, 12, 3, 10) and str(visit.due_on) == "2026-12-03"
    assert visit.member_id == await _member_id(sessions, FIRST)
    assert await _to(sessions, FIRST, "remind")
    # Recorded: not escalated; the next week's visit goes to the other volunteer.
    async with sessions() as session:
        done = await care.record(
            session, visit.id, FIRST, care.FINE, None, local(2026, 12, 3, 11),
            default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        assert done is not None and done.status == VisitStatus.DONE
        again = await care.record(
            session, visit.id, FIRST, care.FINE, None, local(2026, 12, 3, 11),
            default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        assert again is None  # a double tap records once
        assert (
            await care.record(
                session,
                visit.id,
                SPARE,
                care.FINE,
                None,
                local(2026, 12, 3, 11),
                default_locale="ru",
                admin_ids=ADMINS,
            )
            is None
        )  # not a member
        await session.commit()
    assert (await _tick(sessions, local(2026, 12, 3, 22))) == care_job.Ticked()
    assert (await _tick(sessions, local(2026, 12, 10, 8, 30))).created == 1
    second = (await _visits(sessions))[-1]
    assert second.member_id == await _member_id(sessions, SECOND)


async def test_a_reminder_in_quiet_hours_waits_for_the_morning(world: World) -> None:
    sessions, team_id = world
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        await care.set_schedule(
            session, team, rule="weekly fri 09:00", at=time(9, 0), kind=care.CALL, now=START
        )
        await session.commit()
    await _tick(sessions, local(2026, 12, 4, 7, 0))  # 2 h ahead, in the quiet hours
    async with sessions() as session:
        not_before = await session.scalar(
            select(OutboxMessage.not_before).where(
                OutboxMessage.chat_id == FIRST,
                OutboxMessage.idempotency_key.like("%remind%"),
            )
        )
    assert not_before == local(2026, 12, 4, 8, 0)


async def test_a_missed_visit_is_escalated_handed_over_and_the_member_replaced(
    world: World,
) -> None:
    sessions, team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    [visit] = await _visits(sessions)
    assert (await _tick(sessions, local(2026, 12, 3, 20, 59))).missed == 0
    assert (await _tick(sessions, local(2026, 12, 3, 21, 0))).missed == 1  # the day's end
    [visit] = await _visits(sessions)
    assert visit.status == VisitStatus.MISSED and visit.escalation == care.ASKED
    assert await _to(sessions, FIRST, ":ask:")
    # No answer by 22:00, the quiet hours: the coordinators hear of it in the morning.
    assert visit.step_at == local(2026, 12, 4, 8, 0)
    assert (await _tick(sessions, local(2026, 12, 4, 7, 59))).alerted == 0
    assert (await _tick(sessions, local(2026, 12, 4, 8, 0))).alerted == 1
    assert await _to(sessions, 1, ":alert:")  # the HQ (ADMIN_IDS) is among the coordinators
    assert (await _tick(sessions, local(2026, 12, 4, 10, 0))).alerted == 0  # once
    # Handed to the other volunteer: planned again, they are reminded.
    first, second = await _member_id(sessions, FIRST), await _member_id(sessions, SECOND)
    async with sessions() as session:
        handed = await care.hand_over(session, visit.id, second, first, local(2026, 12, 4, 10))
        assert handed is not None and handed.status == VisitStatus.PLANNED
        assert (
            await care.hand_over(session, visit.id, second, first, local(2026, 12, 4, 10)) is None
        )
        await session.commit()
    assert await _to(sessions, SECOND, "remind")
    # The first volunteer leaves: replaced; their card access ends, open visits move on.
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        assert await care.card_begin(session, team_id, FIRST, local(2026, 12, 4, 11)) is not None
        new = await care.replace_member(
            session, team, first, care.Candidate(SPARE, "Запасной"), local(2026, 12, 4, 11)
        )
        assert new is not None and new.role == MemberRole.VOLUNTEER
        again = await care.replace_member(
            session, team, first, care.Candidate(SPARE, "Запасной"), local(2026, 12, 4, 11)
        )
        assert again is None
        assert await care.membership(session, team_id, FIRST) is None
        assert await care.card_begin(session, team_id, FIRST, local(2026, 12, 4, 11)) is None
        assert await care.membership(session, team_id, SPARE) is not None
        await session.commit()
    assert await _to(sessions, FIRST, ":card:%:hidden")  # their card's hiding was enqueued
    assert await _to(sessions, FIRST, ":left:")


async def test_cannot_alerts_at_once_and_still_doing_stops_the_alert(world: World) -> None:
    sessions, _team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    await _tick(sessions, local(2026, 12, 3, 21))
    [visit] = await _visits(sessions)
    async with sessions() as session:
        assert not await care.still_doing(session, visit.id, SECOND, local(2026, 12, 3, 21))
        assert await care.still_doing(session, visit.id, FIRST, local(2026, 12, 3, 21))
        await session.commit()
    assert (await _tick(sessions, local(2026, 12, 4, 12))).alerted == 0
    await _tick(sessions, local(2026, 12, 10, 8))
    later = (await _visits(sessions))[-1]
    async with sessions() as session:
        assert await care.cannot(
            session, later.id, SECOND, local(2026, 12, 10, 9),
            default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        await session.commit()
    assert await _to(sessions, 1, f"visit:{later.id}:alert")


async def test_erasure_of_the_person(world: World) -> None:
    sessions, team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    [visit] = await _visits(sessions)
    async with sessions() as session:
        await care.record(
            session, visit.id, FIRST, care.NEEDS_HELP, "нужны лекарства от давления",
            local(2026, 12, 3, 11), default_locale="ru", admin_ids=ADMINS,
        )  # fmt: skip
        await care.card_begin(session, team_id, SECOND, local(2026, 12, 3, 11))
        session.add(
            AuditEntry(actor_id=1, action="care_schedule", target=f"care:{team_id}",
                       scope="hq", details={"note": "x"}, created_at=START)
        )  # fmt: skip
        await session.commit()
    async with sessions() as session:
        await erasure.erase_care_now(session, team_id, 1, local(2026, 12, 3, 12))
        await session.commit()
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        assert team.person_name == care.ERASED and team.person_phone is None
        assert team.address == care.ERASED and team.notes is None and team.status == "ended"
        assert (await session.get(CareVisit, visit.id)).outcome_text is None  # type: ignore[union-attr]
        help_payloads = (
            await session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.idempotency_key.like("%:help:%"))
            )
        ).all()
        assert help_payloads and all(p == {"purged": True} for p in help_payloads)
        assert await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like(f"care:{team_id}:card:{SECOND}:%:hidden"))
        )
        details = await session.scalar(
            select(AuditEntry.details).where(AuditEntry.target == f"care:{team_id}")
        )
        assert details == {}
        assert await care.membership(session, team_id, SECOND) is None  # the team ended
    assert (await _tick(sessions, local(2026, 12, 10, 9))).created == 0


async def test_a_member_who_erases_their_data_leaves_the_team(world: World) -> None:
    sessions, team_id = world
    async with sessions() as session:
        await erasure.begin(
            session, erasure.PERSON, FIRST, FIRST, START + timedelta(hours=1), admin_ids=ADMINS
        )
        await session.commit()
        assert await care.membership(session, team_id, FIRST) is None
        left = await session.scalar(select(CareMember).where(CareMember.user_id == FIRST))
        assert left is not None and left.name == care.ERASED
    assert await _to(sessions, 1, ":member-left:")  # the HQ hears the seat is free


async def test_a_member_who_leaves_hands_the_open_visit_on_and_the_coordinators_hear(
    world: World,
) -> None:
    sessions, team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    [visit] = await _visits(sessions)
    assert visit.member_id == await _member_id(sessions, FIRST)
    async with sessions() as session:
        await care.card_begin(session, team_id, FIRST, local(2026, 12, 3, 8, 30))
        assert await care.withdraw(session, FIRST, local(2026, 12, 3, 9), admin_ids=ADMINS) == 1
        assert await care.withdraw(session, FIRST, local(2026, 12, 3, 9), admin_ids=ADMINS) == 0
        await session.commit()
    [visit] = await _visits(sessions)
    assert visit.member_id == await _member_id(sessions, SECOND)  # the next in turn
    assert await _to(sessions, SECOND, "remind")
    assert await _to(sessions, FIRST, ":card:%:hidden")  # the card's hiding
    assert await _to(sessions, 1, ":member-left:")
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        assert await care.free_seats(session, team_id, MemberRole.VOLUNTEER) == 1
        # The seat is filled from the team's card.
        await care.add_member(
            session, team, care.Candidate(SPARE, "Запасной"), MemberRole.VOLUNTEER, START
        )
        await session.commit()


async def test_still_doing_and_not_recorded_alerts_at_the_next_days_end(world: World) -> None:
    sessions, _team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    await _tick(sessions, local(2026, 12, 3, 21))
    [visit] = await _visits(sessions)
    async with sessions() as session:
        assert await care.still_doing(session, visit.id, FIRST, local(2026, 12, 3, 21, 5))
        await session.commit()
    [visit] = await _visits(sessions)
    assert visit.escalation == care.STILL and visit.step_at == local(2026, 12, 4, 21)
    assert (await _tick(sessions, local(2026, 12, 4, 20, 59))).alerted == 0
    assert (await _tick(sessions, local(2026, 12, 4, 21))).alerted == 1
    assert await _to(sessions, 1, f"visit:{visit.id}:alert")
    [visit] = await _visits(sessions)
    assert visit.escalation == care.ALERTED and visit.step_at is None
    assert (await _tick(sessions, local(2026, 12, 5, 21))).alerted == 0  # once


async def test_a_visit_made_too_late_is_missed_and_escalated(world: World) -> None:
    sessions, _team_id = world
    # The bot was down: the 10:00 visit's tick comes 12.5 h late.
    await _tick(sessions, local(2026, 12, 3, 22, 30))
    [visit] = await _visits(sessions)
    assert visit.status == VisitStatus.MISSED and visit.step_at == local(2026, 12, 3, 22, 30)
    assert not await _to(sessions, FIRST, "remind")
    assert (await _tick(sessions, local(2026, 12, 3, 22, 31))).missed == 1
    assert await _to(sessions, FIRST, f"visit:{visit.id}:ask:")
    async with sessions() as session:
        team = await session.get(CareTeam, _team_id)
        assert team is not None and team.next_at == local(2026, 12, 10, 10)


async def test_an_alert_of_a_visit_with_no_member_waits_for_the_morning(world: World) -> None:
    sessions, team_id = world
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        await care.set_schedule(
            session, team, rule="weekly thu 21:30", at=time(21, 30), kind=care.VISIT, now=START
        )
        for user_id in (SOCIAL, FIRST, SECOND):
            await care.withdraw(session, user_id, START, admin_ids=ADMINS)
        await session.commit()
    await _tick(sessions, local(2026, 12, 3, 19, 30))
    [visit] = await _visits(sessions)
    assert visit.member_id is None
    assert (await _tick(sessions, local(2026, 12, 3, 23, 30))).alerted == 1
    async with sessions() as session:
        not_before = (
            await session.scalars(
                select(OutboxMessage.not_before).where(
                    OutboxMessage.idempotency_key.like(f"%visit:{visit.id}:alert:%")
                )
            )
        ).all()
    assert not_before and all(moment == local(2026, 12, 4, 8) for moment in not_before)


async def test_no_hand_over_in_an_ended_team(world: World) -> None:
    sessions, team_id = world
    await _tick(sessions, local(2026, 12, 3, 8))
    await _tick(sessions, local(2026, 12, 3, 21))
    [visit] = await _visits(sessions)
    first, second = await _member_id(sessions, FIRST), await _member_id(sessions, SECOND)
    async with sessions() as session:
        assert await care.end_team(session, team_id, local(2026, 12, 3, 22))
        await session.commit()
    async with sessions() as session:
        assert await care.hand_over(session, visit.id, second, first, local(2026, 12, 4, 9)) is None
        await session.commit()
    assert not await _to(sessions, SECOND, "remind")


async def test_two_coordinators_filling_the_last_seat_at_once(world: World) -> None:
    sessions, team_id = world
    async with sessions() as session:
        await care.withdraw(session, SECOND, START, admin_ids=ADMINS)
        await session.commit()

    async def add(user_id: int) -> str:
        async with sessions() as session:
            team = await session.get(CareTeam, team_id)
            assert team is not None
            try:
                await care.add_member(
                    session, team, care.Candidate(user_id, f"V{user_id}"),
                    MemberRole.VOLUNTEER, START,
                )  # fmt: skip
            except care.CareError as error:
                return str(error)
            await asyncio.sleep(0.2)  # the other one counts the seats meanwhile
            await session.commit()
            return "added"

    results = await asyncio.gather(add(SPARE), add(SECOND))
    assert sorted(results) == ["added", "full"]
    async with sessions() as session:
        assert await care.free_seats(session, team_id, MemberRole.VOLUNTEER) == 0


@pytest.mark.parametrize("code", ["ru", "kk"])
def test_a_calls_outcomes_are_worded_for_a_call(code: str) -> None:
    translator = Translator("ru")

    def _(key: str, **args: object) -> str:
        return translator.get(code, key, **args)

    def labels(kind: str) -> list[str]:
        markup = care_kb.outcomes(_, 1, kind)
        return [button.text for row in markup.inline_keyboard for button in row]

    call, visit = labels(care.CALL), labels(care.VISIT)
    assert call[0] == _("btn-care-outcome", outcome=care.FINE, kind=care.CALL)
    assert call[:3] != visit[:3]  # «talked», «could not reach»: not «was there», «not at home»
    if code == "ru":
        assert call[0] == "✅ Поговорил(а), всё хорошо" and call[2] == "📵 Не дозвонился(-ась)"
    assert _("btn-care-record", kind=care.CALL) != _("btn-care-record", kind=care.VISIT)
    assert _("care-coord-needs-help", team=1, kind=care.CALL, member="A", date="1", note="n") != (
        _("care-coord-needs-help", team=1, kind=care.VISIT, member="A", date="1", note="n")
    )


@pytest.mark.parametrize(
    ("rule", "first", "days"),
    [
        ("every 1d", datetime(2027, 10, 29, 12, tzinfo=UTC), 1),  # autumn: 25-hour day
        ("every 2d", datetime(2027, 3, 25, 12, tzinfo=UTC), 2),  # spring: 23-hour day
    ],
)
def test_every_n_days_keeps_the_local_time_across_a_dst_change(
    rule: str, first: datetime, days: int
) -> None:
    """A schedule of visits (and a series of requests) every N days: one a local day, at the
    same local time, though the zone's offset changes (the care team's own zone may have DST)."""
    berlin = ZoneInfo("Europe/Berlin")
    parsed = RepeatRule.parse(rule)
    moment = first_at(parsed, time(0, 30), first, berlin)
    moments = [moment]
    for _ in range(5):
        moment = parsed.next_after(moment, moment, berlin)
        moments.append(moment)
    local_moments = [m.astimezone(berlin) for m in moments]
    assert all(m.time() == time(0, 30) for m in local_moments)
    dates = [m.date() for m in local_moments]
    assert all((b - a).days == days for a, b in pairwise(dates))
    latest, skipped = parsed.latest_until(moments[0], moments[4] + timedelta(hours=1), berlin)
    assert (latest, skipped) == (moments[4], 4)
    # After downtime the next one is still at the local time.
    assert parsed.next_after(moments[0], moments[3] + timedelta(minutes=1), berlin) == moments[4]


@pytest.mark.parametrize("code", ["ru", "kk"])
def test_the_replaced_popup_fits_telegrams_limit_with_long_names(code: str) -> None:
    translator = Translator("ru")

    class I18n:
        def get(self, key: str, **args: object) -> str:
            return translator.get(code, key, **args)

    long_former, long_name = "Ф" * 100, "И" * 100  # a member's name is kept to 100
    assert len(I18n().get("care-replaced", former=long_former, name=long_name)) > 200
    popup = coordinator_care.replaced_popup(cast(I18nContext, I18n()), long_former, long_name)
    assert len(popup) <= 200 and "ФФФ" in popup and "ИИИ" in popup
    short = coordinator_care.replaced_popup(cast(I18nContext, I18n()), "Ольга В.", "Иван В.")
    assert short == I18n().get("care-replaced", former="Ольга В.", name="Иван В.")


async def test_teams_come_a_page_at_a_time(world: World) -> None:
    sessions, team_id = world
    async with sessions() as session:
        team = await session.get(CareTeam, team_id)
        assert team is not None
        for number in range(care.TEAMS_PAGE):
            await care.create_team(
                session, person_name=f"Человек {number}", person_phone=None, address="ул. 1",
                notes=None, territory_id=team.territory_id, actor_id=1, now=START,
            )  # fmt: skip
        await session.commit()
        total = await care.count_in_scope(session, None)
        assert total == care.TEAMS_PAGE + 1
        assert await care.count_in_scope(session, frozenset({team.territory_id + 10_000})) == 0
        first = await care.teams_in_scope(session, None)
        second = await care.teams_in_scope(session, None, offset=care.TEAMS_PAGE)
    assert len(first) == care.TEAMS_PAGE and [t.id for t in second] == [team_id]  # the oldest

    def _(key: str, **args: object) -> str:
        return key

    def navigation(offset: int) -> list[str]:
        markup = care_kb.listing(_, first, offset=offset, total=total)
        return [b.text for row in markup.inline_keyboard for b in row if b.text in ("◀️", "▶️")]

    assert navigation(0) == ["▶️"] and navigation(care.TEAMS_PAGE) == ["◀️"]
