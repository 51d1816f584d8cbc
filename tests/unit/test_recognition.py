"""Recognition (issue 20), domain side: the score and the ranking; on SQLite and PostgreSQL a
volunteer's record counted from seeded tasks, ratings, events, calls and consultations (the
month in the territory's local time), the month's top per territory, the proposal made
once at 10:00 local on the 1st to the territory's coordinators (the HQ where it has none),
the award given once (a double tap and a second coordinator told who has it, a stranger
refused), the volunteer thanked once; the DOBRO.RF book's rows; and on SQLite the plans of
the per-volunteer and per-month queries (indexes, no scans of the big tables)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import recognition, volunteers
from bot.services.recognition import AwardOutcome, Candidate, Figures, Period
from bot.services.territories import load_from_file
from bot.services.users import Profile, Roles, touch_user
from models import (
    AuditEntry,
    AwardProposal,
    Campaign,
    CampaignContact,
    CampaignPerson,
    Consultation,
    Coordinator,
    CoordinatorTerritory,
    EventAttendance,
    HelpRequest,
    OutboxMessage,
    Territory,
    VolunteerAward,
    VolunteerEvent,
    migrate,
)
from models.db import create_engine, create_sessionmaker

NOVOKUZNETSK = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
HQ = 9001
YURGA_COORDINATOR = 800
TAYGA_COORDINATOR = 801
A, B, C, D, E = 701, 702, 703, 704, 705  # A-D in Yurga, E in Belovo


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NOVOKUZNETSK).astimezone(UTC)


# --- pure -------------------------------------------------------------------------------------
def test_the_score_counts_tasks_hours_and_stars() -> None:
    assert recognition.score(tasks=0, hours=0, ratings=0, stars=0) == 0
    assert recognition.score(tasks=1, hours=2, ratings=0, stars=0) == 14
    # A five-star rating adds 4 points, a one-star one takes 4, three stars nothing.
    assert recognition.score(tasks=1, hours=0, ratings=1, stars=5) == 14
    assert recognition.score(tasks=1, hours=0, ratings=1, stars=1) == 6
    assert recognition.score(tasks=1, hours=0, ratings=1, stars=3) == 10
    assert recognition.score(tasks=3, hours=9.5, ratings=2, stars=9) == 55


def _c(volunteer_id: int, tasks: int, hours: float, ratings: int = 0, stars: int = 0) -> Candidate:
    return Candidate(
        volunteer_id, volunteer_id, f"V{volunteer_id}", 1, tasks, hours, ratings, stars
    )


def test_ranking_breaks_ties_and_leaves_out_empty_scores() -> None:
    ranked = recognition.ranked(
        [
            _c(1, 1, 0),  # 10
            _c(2, 0, 5),  # 10, more hours: before 1
            _c(3, 2, 0, ratings=2, stars=2),  # 20 - 8 = 12
            _c(4, 0, 0),  # 0: never proposed
            _c(5, 0, 0, ratings=1, stars=1),  # below 0
            _c(6, 1, 0),  # 10, a later record than 1
        ]
    )
    assert [c.volunteer_id for c in ranked] == [3, 2, 1]
    assert recognition.ranked([_c(4, 0, 0)]) == []


def test_months_and_the_moment_of_the_proposal() -> None:
    assert recognition.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert recognition.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    assert november.start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert november.end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    # 10:00 on the 1st in the territory's zone, for three days.
    assert recognition.due_month(local(2026, 12, 1, 9, 59), NOVOKUZNETSK) is None
    assert recognition.due_month(local(2026, 12, 1, 10, 0), NOVOKUZNETSK) == date(2026, 11, 1)
    assert recognition.due_month(local(2026, 12, 4, 9, 59), NOVOKUZNETSK) == date(2026, 11, 1)
    assert recognition.due_month(local(2026, 12, 4, 10, 0), NOVOKUZNETSK) is None
    assert recognition.due_month(local(2026, 12, 15, 10, 0), NOVOKUZNETSK) is None
    maria = Candidate(1, 701, "Мария <Маша>", 1, tasks=3, hours=9.5, ratings=2, stars=9)
    assert (
        recognition.candidate_line(1, maria) == "1. Мария &lt;Маша&gt; — 55 (✅ 3 · ⏱ 9.5 · ★ 4.5)"
    )
    # Names stay in the volunteers' rows, Telegram ids too (erasure reaches them there).
    assert "name" not in maria.as_json() and "user_id" not in maria.as_json()


# --- seeded data ------------------------------------------------------------------------------
@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    clock: FakeClock
    territory: dict[str, int]
    volunteer: dict[int, int]  # user id → volunteer id


_task_no = 0


def task(
    volunteer_id: int,
    territory_id: int,
    done_at: datetime | None,
    hours: float | None,
    rating: int | None = None,
    comment: str | None = None,
    status: str = "done",
    kind: str = "groceries",
) -> HelpRequest:
    global _task_no
    _task_no += 1
    moment = done_at or datetime(2026, 11, 1, tzinfo=UTC)
    return HelpRequest(
        kind=kind, for_other=False, person_name="Анна Петровна", territory_id=territory_id,
        address="ул. Ленина, 1", details="Хлеб, молоко", urgency="planned", status=status,
        volunteer_id=volunteer_id, door_code=f"{_task_no:04d}",
        taken_at=moment - timedelta(hours=3),
        done_at=done_at, hours=hours, rating=rating, rating_comment=comment,
        consent_at=moment, consent_version="v1", created_at=moment - timedelta(hours=5),
        updated_at=moment,
    )  # fmt: skip


async def seed(session: AsyncSession, now: datetime, *, admin: int = HQ) -> dict[str, Any]:
    """Territories, five volunteers and their month. Expected figures are in the tests."""
    await load_from_file(session, "kuzbass", now)
    codes = {"yurga", "belovo", "tayga"}
    territory = {
        t.code: t.id
        for t in (await session.scalars(select(Territory).where(Territory.code.in_(codes)))).all()
    }
    for user_id, name in (
        (admin, "Штаб"),
        (YURGA_COORDINATOR, "Ирина"),
        (TAYGA_COORDINATOR, "Олег"),
    ):
        await touch_user(session, Profile(user_id, name), now, wrote_to_bot=True)
    for coordinator, code in ((YURGA_COORDINATOR, "yurga"), (TAYGA_COORDINATOR, "tayga")):
        session.add(
            Coordinator(user_id=coordinator, is_hq=False, appointed_by=admin, appointed_at=now)
        )
        await session.flush()
        session.add(CoordinatorTerritory(user_id=coordinator, territory_id=territory[code]))
    volunteer = {}
    joined = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
    for user_id, name, code in (
        (A, "Мария Иванова", "yurga"), (B, "Борис Кузнецов", "yurga"), (C, "Светлана Ким", "yurga"),
        (D, "Дмитрий Орлов", "yurga"), (E, "Айгүл Серікова", "belovo"),
    ):  # fmt: skip
        language = "kk" if user_id in (B, E) else "ru"
        await touch_user(
            session, Profile(user_id, name, language_code=language), now, wrote_to_bot=True
        )
        application = volunteers.Application(
            name=name, phone="+79031234567", territory_id=territory[code], skills=("delivery",),
            age_group="18-34", availability=("weekends",),
            dobro_id="D-7010" if user_id == A else None,
        )  # fmt: skip
        made = await volunteers.submit(session, user_id, application, joined)
        await volunteers.decide(
            session, made.id, approve=True, actor_id=admin, reason=None, now=joined
        )
        volunteer[user_id] = made.id
    yurga, belovo = territory["yurga"], territory["belovo"]
    va, vb, vc, ve = volunteer[A], volunteer[B], volunteer[C], volunteer[E]
    session.add_all(
        [
            # A, November: 3 tasks (2 + 1.5 + 3 h), rated 5, 4 with words, not rated.
            task(va, yurga, local(2026, 11, 3, 12, 0), 2, rating=5),
            task(va, yurga, local(2026, 11, 10, 12, 0), 1.5, rating=4, comment="Спасибо!"),
            task(va, yurga, local(2026, 11, 20, 12, 0), 3, kind="medicine"),
            # A, October: 2 h, rated 4 without words; a task still taken is not counted.
            task(va, yurga, local(2026, 10, 15, 12, 0), 2, rating=4),
            task(va, yurga, None, None, status="taken"),
            # B: a task at 01:00 on 1 November local (still 31 October in UTC), rated 2.
            task(vb, yurga, local(2026, 11, 1, 1, 0), 1, rating=2),
            # C: two tasks in November; one at 01:00 on 1 December local (30 November UTC).
            task(vc, yurga, local(2026, 11, 5, 12, 0), 1),
            task(vc, yurga, local(2026, 11, 6, 12, 0), 1),
            task(vc, yurga, local(2026, 12, 1, 1, 0), 4),
            # E in Belovo: one task, 2 h, five stars.
            task(ve, belovo, local(2026, 11, 7, 12, 0), 2, rating=5),
        ]
    )
    # An event on 14 November (3 h): A and B came.
    event = VolunteerEvent(
        template="volunteer_day", title=None, starts_at=local(2026, 11, 14, 10, 0),
        duration_hours=3, place="ДК", territory_id=yurga, slots=10, slots_taken=2, kinds=[],
        status="done", created_by=YURGA_COORDINATOR, attendance_at=local(2026, 11, 14, 14, 0),
        attendance_by=YURGA_COORDINATOR, created_at=joined, updated_at=joined,
    )  # fmt: skip
    session.add(event)
    await session.flush()
    for user_id in (A, B):
        session.add(
            EventAttendance(
                event_id=event.id, user_id=user_id, hours=3, marked_by=YURGA_COORDINATOR,
                marked_at=local(2026, 11, 14, 14, 0),
            )
        )  # fmt: skip
    # A's campaign work in November: two calls and a visit (visits are not calls).
    campaign = Campaign(
        name="60+", status="active", rounds=[0], window_start=600, window_end=1140, attempts=3,
        retry_minutes=120, visit_after=None, created_by=admin, created_at=joined,
        updated_at=joined,
    )  # fmt: skip
    session.add(campaign)
    await session.flush()
    person = CampaignPerson(
        campaign_id=campaign.id, territory_id=yurga, full_name="Петрова Анна",
        phone="+79131110000", consent_on=date(2026, 11, 1), kind="call", status="done",
        created_at=joined, updated_at=joined,
    )  # fmt: skip
    session.add(person)
    await session.flush()
    for kind, day in (("call", 16), ("call", 17), ("visit", 18)):
        session.add(
            CampaignContact(
                campaign_id=campaign.id, person_id=person.id, by_user_id=A, kind=kind, round=0,
                outcome="reached", answers={}, created_at=local(2026, 11, day, 12, 0),
            )
        )  # fmt: skip
    # A as a volunteer medic: a consultation closed in October, five stars.
    session.add(
        Consultation(
            citizen_id=None, for_other=False, territory_id=yurga, question="", status="closed",
            medic_id=A, taken_at=local(2026, 10, 20, 12, 0), closed_at=local(2026, 10, 20, 13, 0),
            closed_by="medic", rating=5, consent_at=joined, consent_version="v1",
            created_at=local(2026, 10, 20, 11, 0),
        )
    )  # fmt: skip
    await session.flush()
    return {"territory": territory, "volunteer": volunteer}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock(local(2026, 12, 1, 9, 55))
    async with sessions() as session:
        seeded = await seed(session, clock.now())
        await session.commit()
    try:
        yield World(sessions, clock, seeded["territory"], seeded["volunteer"])
    finally:
        await engine.dispose()


NOVEMBER_A = Figures(
    tasks=3, task_hours=6.5, events=1, event_hours=3.0, calls=2, consultations=0, ratings=2,
    stars=9, thanks=2,
)  # fmt: skip
ALL_TIME_A = Figures(
    tasks=4, task_hours=8.5, events=1, event_hours=3.0, calls=2, consultations=1, ratings=4,
    stars=18, thanks=3,
)  # fmt: skip


async def test_a_volunteers_record_for_a_month_and_all_time(world: World) -> None:
    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    async with world.sessions() as session:
        volunteer = await volunteers.profile_of(session, A)
        assert volunteer is not None
        record = await recognition.record_of(session, volunteer, november, NOVOKUZNETSK)
        assert record.period == NOVEMBER_A
        assert record.period.hours == 9.5 and record.period.average == 4.5
        assert record.all_time == ALL_TIME_A
        assert record.all_time.hours == 11.5 and record.all_time.average == 4.5
        assert record.awards == []
        assert record.since == datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
        # B's task at 01:00 local on 1 November is November's; C's at 01:00 on 1 December not.
        b = await recognition.figures(session, B, november)
        assert (b.tasks, b.hours, b.ratings, b.stars, b.thanks) == (1, 4.0, 1, 2, 0)
        c = await recognition.figures(session, C, november)
        assert (c.tasks, c.hours) == (2, 2.0)
        assert await recognition.figures(session, D, Period()) == Figures()


async def test_the_months_top_per_territory(world: World) -> None:
    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    async with world.sessions() as session:
        top = await recognition.month_top(session, world.territory.values(), november)
    yurga = top[world.territory["yurga"]]
    assert [(c.user_id, c.score) for c in yurga] == [(A, 55), (C, 24), (B, 16)]
    assert [(c.user_id, c.score) for c in top[world.territory["belovo"]]] == [(E, 18)]
    assert world.territory["tayga"] not in top  # nobody there did anything


async def _propose(world: World) -> list[int]:
    async with world.sessions() as session:
        proposed = await recognition.propose_due(
            session,
            world.clock.now(),
            hq_zone=NOVOKUZNETSK,
            admin_ids=[HQ],
            default_locale="ru",
            award_data=lambda p, v: f"aw:{p}:{v}",
        )
        await session.commit()
    return proposed


async def _outbox(world: World, chat_id: int) -> list[OutboxMessage]:
    async with world.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def test_the_proposal_comes_once_at_ten_on_the_first(world: World) -> None:
    assert await _propose(world) == []  # 09:55 local
    world.clock.advance(timedelta(minutes=5))  # 10:00 local
    proposed = await _propose(world)
    assert set(proposed) >= {world.territory["yurga"], world.territory["belovo"]}
    assert await _propose(world) == []  # once per territory and month
    world.clock.advance(timedelta(days=1))
    assert await _propose(world) == []
    [to_yurga] = await _outbox(world, YURGA_COORDINATOR)
    text = to_yurga.payload["text"]
    assert text["key"] == "rec-top-proposal"
    assert text["args"]["month"] == "11.2026"
    assert text["args"]["candidates"].splitlines() == [
        "1. Мария Иванова — 55 (✅ 3 · ⏱ 9.5 · ★ 4.5)",
        "2. Светлана Ким — 24 (✅ 2 · ⏱ 2)",
        "3. Борис Кузнецов — 16 (✅ 1 · ⏱ 4 · ★ 2.0)",
    ]
    buttons = [row[0]["callback_data"] for row in to_yurga.payload["buttons"]]
    async with world.sessions() as session:
        proposal = await session.scalar(
            select(AwardProposal).where(AwardProposal.territory_id == world.territory["yurga"])
        )
        assert proposal is not None and proposal.month == date(2026, 11, 1)
        empty = await session.scalar(
            select(AwardProposal).where(AwardProposal.territory_id == world.territory["tayga"])
        )
        assert empty is not None and empty.candidates == []
    assert buttons == [f"aw:{proposal.id}:{world.volunteer[u]}" for u in (A, C, B)]
    # Belovo has no coordinator of its own: the HQ has its proposal; Tayga's empty one is
    # sent to nobody.
    to_hq = await _outbox(world, HQ)
    assert [m.payload["text"]["args"]["candidates"] for m in to_hq] == [
        "1. Айгүл Серікова — 18 (✅ 1 · ⏱ 2 · ★ 5.0)"
    ]
    assert await _outbox(world, TAYGA_COORDINATOR) == []


async def test_one_award_a_territory_a_month(world: World) -> None:
    world.clock.advance(timedelta(minutes=5))
    await _propose(world)
    async with world.sessions() as session:
        proposal_id = await session.scalar(
            select(AwardProposal.id).where(AwardProposal.territory_id == world.territory["yurga"])
        )
    assert proposal_id is not None
    yurga_roles = Roles(is_coordinator=True, territory_ids=frozenset({world.territory["yurga"]}))
    tayga_roles = Roles(is_coordinator=True, territory_ids=frozenset({world.territory["tayga"]}))
    hq_roles = Roles(is_coordinator=True, is_hq=True)

    async def give(actor: int, roles: Roles, user_id: int) -> recognition.AwardResult:
        async with world.sessions() as session:
            result = await recognition.award(
                session, proposal_id, world.volunteer[user_id], actor_id=actor, roles=roles,
                now=world.clock.now(), default_locale="ru", hq_name="Штаб Кузбасса",
            )  # fmt: skip
            await session.commit()
            return result

    # A stranger's press, and a volunteer who was not proposed: nothing happens.
    assert (await give(TAYGA_COORDINATOR, tayga_roles, A)).outcome is AwardOutcome.GONE
    assert (await give(YURGA_COORDINATOR, yurga_roles, D)).outcome is AwardOutcome.GONE
    first = await give(YURGA_COORDINATOR, yurga_roles, C)
    assert (first.outcome, first.name, first.month) == (
        AwardOutcome.AWARDED, "Светлана Ким", date(2026, 11, 1)
    )  # fmt: skip
    again = await give(YURGA_COORDINATOR, yurga_roles, C)
    other = await give(HQ, hq_roles, A)
    assert (again.outcome, again.name) == (AwardOutcome.ALREADY, "Светлана Ким")
    assert (other.outcome, other.name) == (AwardOutcome.ALREADY, "Светлана Ким")
    [thanks] = await _outbox(world, C)
    assert thanks.idempotency_key == f"award:{first.award_id}:thanks"
    assert thanks.payload["text"]["key"] == "rec-award-thanks"
    assert thanks.payload["text"]["args"] == {
        "month": "11.2026", "territory": "Юргинский городской округ", "hq": "Штаб Кузбасса",
        "tasks": 2, "hours": "2",
    }  # fmt: skip
    assert await _outbox(world, A) == []
    async with world.sessions() as session:
        assert await session.scalar(select(func.count(VolunteerAward.id))) == 1
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "volunteer_award"))
        ).all()
        assert entry.actor_id == YURGA_COORDINATOR
        assert entry.target == f"volunteer:{world.volunteer[C]}"
        assert entry.scope == "yurga"
        volunteer = await volunteers.profile_of(session, C)
        assert volunteer is not None
        record = await recognition.record_of(session, volunteer, Period(), NOVOKUZNETSK)
        assert [(a.month, a.territory_id) for a in record.awards] == [
            (date(2026, 11, 1), world.territory["yurga"])
        ]


def _labels() -> recognition.BookLabels:
    return recognition.BookLabels(
        headers=["Дата", "Часы", "Организация", "Вид деятельности", "ID DOBRO.RF", "ФИО"],
        activity=lambda a: f"{a.kind} {a.ref_id} {a.what}",
        organisation="Штаб Кузбасса",
        no_dobro="не указан",
    )


async def test_the_dobro_book_has_one_row_per_activity(world: World) -> None:
    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    async with world.sessions() as session:
        book = await recognition.hours_book(
            session, november, labels=_labels(), zone=NOVOKUZNETSK,
            base_name="dobro", territory_ids=[world.territory["yurga"]],
        )  # fmt: skip
    try:
        assert (book.rows, book.hours, book.volunteers) == (8, 15.5, 3)
        sheet = load_workbook(io.BytesIO(book.paths[recognition.Format.XLSX].read_bytes())).active
        assert sheet is not None
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0] == ["Дата", "Часы", "Организация", "Вид деятельности", "ID DOBRO.RF", "ФИО"]
        # Tasks by the day they were done (local), then the event's attendance.
        assert [(r[0].date(), r[1], r[4], r[5]) for r in rows[1:]] == [
            (date(2026, 11, 1), 1, "не указан", "Борис Кузнецов"),
            (date(2026, 11, 3), 2, "D-7010", "Мария Иванова"),
            (date(2026, 11, 5), 1, "не указан", "Светлана Ким"),
            (date(2026, 11, 6), 1, "не указан", "Светлана Ким"),
            (date(2026, 11, 10), 1.5, "D-7010", "Мария Иванова"),
            (date(2026, 11, 20), 3, "D-7010", "Мария Иванова"),
            (date(2026, 11, 14), 3, "D-7010", "Мария Иванова"),
            (date(2026, 11, 14), 3, "не указан", "Борис Кузнецов"),
        ]
        assert {r[2] for r in rows[1:]} == {"Штаб Кузбасса"}
        assert rows[7][3].startswith("event ") and rows[1][3].startswith("task ")
        lines = book.paths[recognition.Format.CSV].read_text("utf-8-sig").splitlines()
        assert len(lines) == 9 and lines[2].split(";")[4] == "D-7010"
    finally:
        book.cleanup()
    # A volunteer's own book: their rows only, all time; Belovo's rows stay out of Yurga's.
    async with world.sessions() as session:
        own = await recognition.hours_book(
            session, Period(), labels=_labels(), zone=NOVOKUZNETSK, base_name="own",
            user_id=A,
        )  # fmt: skip
        belovo = await recognition.hours_book(
            session, november, labels=_labels(), zone=NOVOKUZNETSK, base_name="b",
            territory_ids=[world.territory["belovo"]],
        )  # fmt: skip
    try:
        assert (own.rows, own.hours, own.volunteers) == (5, 11.5, 1)
        assert (belovo.rows, belovo.hours) == (1, 2.0)
    finally:
        own.cleanup()
        belovo.cleanup()


# --- query plans (SQLite) ---------------------------------------------------------------------
async def test_the_queries_use_indexes(sqlite_url: str) -> None:
    """What a region with a million requests needs: no query of a record or a month scans
    help_requests, campaign_contacts, event_attendance or consultations."""
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    captured: list[str] = []
    from sqlalchemy import event

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with sessions() as session:
            now = local(2026, 12, 1, 10, 0)
            await seed(session, now)
            await session.commit()
            captured.clear()
            november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
            volunteer = await volunteers.profile_of(session, A)
            assert volunteer is not None
            await recognition.record_of(session, volunteer, november, NOVOKUZNETSK)
            await recognition.month_top(session, [1, 2, 3], november)
            async for _ in recognition.activities(session, Period(), user_id=A):
                pass
            async for _ in recognition.activities(session, november, territory_ids=[1, 2]):
                pass
            statements = list(dict.fromkeys(captured))
            plans = []
            for statement in statements:
                # Parameters as NULL: the plan depends on the shape, not the values.
                sql = statement.replace("?", "NULL")
                rows = (await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
                plans.append("\n".join(str(row[-1]) for row in rows))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        await engine.dispose()
    joined = "\n---\n".join(plans)
    for table in (
        "help_requests", "campaign_contacts", "event_attendance", "consultations",
        "volunteer_awards", "volunteer_events",
    ):  # fmt: skip
        assert f"SCAN {table}" not in joined, joined
    # A person's tasks by their volunteer records (the record's two periods and their own
    # book), never through the HQ-wide (status, done_at) index.
    assert joined.count("ix_help_requests_volunteer_status") == 3, joined
    assert joined.count("ix_event_attendance_user_id") == 3, joined
    assert "ix_help_requests_status_done" in joined
    assert "ix_campaign_contacts_by_user" in joined
    assert "ix_consultations_medic_status" in joined


# --- the review's findings (each failed before its fix) ----------------------------------------
F = 706  # rejected in Tayga, then a volunteer in Yurga


async def _apply(
    session: AsyncSession, user_id: int, territory_id: int, now: datetime, *, approve: bool
) -> int:
    application = volunteers.Application(
        name="Фёдор Лисицын", phone="+79031234000", territory_id=territory_id,
        skills=("delivery",), age_group="18-34", availability=("weekends",), dobro_id="D-7060",
    )  # fmt: skip
    made = await volunteers.submit(session, user_id, application, now)
    await volunteers.decide(
        session, made.id, approve=approve, actor_id=HQ, reason=None if approve else "нет", now=now
    )
    return made.id


async def _book_rows(
    session: AsyncSession, period: Period, territory_ids: list[int] | None, zone: ZoneInfo
) -> list[tuple[date, float, str]]:
    book = await recognition.hours_book(
        session, period, labels=_labels(), zone=zone, base_name="t", territory_ids=territory_ids
    )
    try:
        sheet = load_workbook(io.BytesIO(book.paths[recognition.Format.XLSX].read_bytes())).active
        assert sheet is not None
        return [(r[0].value.date(), r[1].value, r[5].value) for r in sheet.iter_rows(min_row=2)]
    finally:
        book.cleanup()


async def test_a_territorys_book_has_its_records_and_its_events_only(world: World) -> None:
    """An application rejected in Tayga does not bring the person's Yurga event into Tayga's
    book; an event's rows are in its territory's book, whoever came: never in two books."""
    yurga, tayga = world.territory["yurga"], world.territory["tayga"]
    joined = local(2026, 10, 1, 12, 0)
    async with world.sessions() as session:
        await touch_user(session, Profile(F, "Фёдор"), joined, wrote_to_bot=True)
        await _apply(session, F, tayga, joined, approve=False)
        vf = await _apply(session, F, yurga, joined + timedelta(days=1), approve=True)
        session.add(task(vf, yurga, local(2026, 11, 12, 12, 0), 2))
        yurga_event = await session.scalar(
            select(VolunteerEvent.id).where(VolunteerEvent.territory_id == yurga)
        )
        tayga_event = VolunteerEvent(
            template=None, title="Субботник", starts_at=local(2026, 11, 21, 10, 0),
            duration_hours=2, place="Парк", territory_id=tayga, slots=10, slots_taken=1,
            kinds=[], status="done", created_by=TAYGA_COORDINATOR,
            attendance_at=local(2026, 11, 21, 13, 0), attendance_by=TAYGA_COORDINATOR,
            created_at=joined, updated_at=joined,
        )  # fmt: skip
        session.add(tayga_event)
        await session.flush()
        for event_id, user_id, hours in ((yurga_event, F, 3), (tayga_event.id, A, 2)):
            session.add(
                EventAttendance(
                    event_id=event_id, user_id=user_id, hours=hours, marked_by=HQ,
                    marked_at=local(2026, 11, 21, 13, 0),
                )
            )  # fmt: skip
        await session.commit()
    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    async with world.sessions() as session:
        tayga_rows = await _book_rows(session, november, [tayga], NOVOKUZNETSK)
        yurga_rows = await _book_rows(session, november, [yurga], NOVOKUZNETSK)
        everyone = await _book_rows(session, november, None, NOVOKUZNETSK)
    # Tayga: its own event (Мария of Yurga came), nothing of Фёдор's Yurga work.
    assert tayga_rows == [(date(2026, 11, 21), 2, "Мария Иванова")]
    # Yurga: Фёдор's task and event, not Tayga's event.
    assert (date(2026, 11, 12), 2, "Фёдор Лисицын") in yurga_rows
    assert (date(2026, 11, 14), 3, "Фёдор Лисицын") in yurga_rows
    assert (date(2026, 11, 21), 2, "Мария Иванова") not in yurga_rows
    assert len(yurga_rows) == 10
    # The HQ's book is the territories' books together, each row once.
    assert sorted(everyone) == sorted(
        [*tayga_rows, *yurga_rows, (date(2026, 11, 7), 2, "Айгүл Серікова")]
    )


async def test_thanks_are_five_stars_or_words_with_four_at_least(world: World) -> None:
    yurga = world.territory["yurga"]
    async with world.sessions() as session:
        vd = world.volunteer[D]
        session.add_all(
            [
                task(vd, yurga, local(2026, 11, 2, 12, 0), 1, rating=1, comment="Опоздал"),
                task(vd, yurga, local(2026, 11, 3, 12, 0), 1, rating=3, comment="Так себе"),
                task(vd, yurga, local(2026, 11, 4, 12, 0), 1, rating=4, comment="Спасибо!"),
                task(vd, yurga, local(2026, 11, 5, 12, 0), 1, rating=4, comment=""),
            ]
        )  # fmt: skip
        await session.commit()
        d = await recognition.figures(session, D, Period())
    assert (d.tasks, d.ratings, d.thanks) == (4, 4, 1)


async def _yurga_proposal(world: World) -> int:
    world.clock.advance(timedelta(minutes=5))
    await _propose(world)
    async with world.sessions() as session:
        proposal = await session.scalar(
            select(AwardProposal).where(AwardProposal.territory_id == world.territory["yurga"])
        )
    assert proposal is not None
    # Ids and figures: no Telegram ids in the proposal.
    assert all("user_id" not in c for c in proposal.candidates) and proposal.candidates
    return proposal.id


async def test_who_left_or_was_blocked_is_not_awarded(world: World) -> None:
    proposal_id = await _yurga_proposal(world)
    roles = Roles(is_coordinator=True, is_hq=True)
    async with world.sessions() as session:
        await volunteers.forget_person(session, C, world.clock.now())  # C left (/forget)
        a = await volunteers.profile_of(session, A)
        assert a is not None
        a.status = "blocked"
        await session.commit()
    for user_id in (C, A):
        async with world.sessions() as session:
            result = await recognition.award(
                session, proposal_id, world.volunteer[user_id], actor_id=HQ, roles=roles,
                now=world.clock.now(), default_locale="ru", hq_name="Штаб",
            )  # fmt: skip
            await session.commit()
        assert result.outcome is AwardOutcome.GONE
    async with world.sessions() as session:
        assert await session.scalar(select(func.count(VolunteerAward.id))) == 0
    assert await _outbox(world, C) == []


async def test_forget_detaches_the_persons_awards(world: World) -> None:
    from bot.services import erasure

    proposal_id = await _yurga_proposal(world)
    now = world.clock.now()
    async with world.sessions() as session:
        given = await recognition.award(
            session, proposal_id, world.volunteer[C], actor_id=HQ,
            roles=Roles(is_coordinator=True, is_hq=True), now=now, default_locale="ru",
            hq_name="Штаб",
        )  # fmt: skip
        assert given.outcome is AwardOutcome.AWARDED
        erasure_id = await erasure.begin(session, erasure.PERSON, C, C, now)
        while await erasure.run_some(session, erasure_id, now) is erasure.Outcome.MORE:
            pass
        await session.commit()
    async with world.sessions() as session:
        # The territory's month stays awarded (to an anonymised record), not to the person.
        [row] = (await session.scalars(select(VolunteerAward))).all()
        assert (row.user_id, row.volunteer_id) == (None, world.volunteer[C])
        # They come back: their record starts without the award.
        again = await _apply(session, C, world.territory["yurga"], now, approve=True)
        await session.commit()
        volunteer = await volunteers.profile_of(session, C)
        assert volunteer is not None and volunteer.id == again
        record = await recognition.record_of(session, volunteer, Period(), NOVOKUZNETSK)
        assert record.awards == []


def test_dobro_periods_outside_2000_2100_are_refused() -> None:
    from handlers.coordinator.recognition import parse_period

    today = date(2026, 12, 2)
    for text_ in ("12.9999", "01.0001", "01.01.0001-02.01.0001", "31.12.9999-31.12.9999",
                  "1999", "12.1999", "31.12.1999-01.01.2000", "01.01.2101"):  # fmt: skip
        assert parse_period(text_, today) is None, text_
    assert parse_period("12.2100", today) == (date(2100, 12, 1), date(2100, 12, 31))
    assert parse_period("01.01.2000-02.01.2000", today) == (date(2000, 1, 1), date(2000, 1, 2))
    assert parse_period("", today) == (date(2026, 11, 1), date(2026, 11, 30))


async def test_a_books_period_and_dates_are_in_one_zone(world: World) -> None:
    """The period's edges and every row's date in the same zone: the territories' own when
    they share one (else the HQ's), so no row is dated outside the period it was counted in."""
    yekaterinburg = ZoneInfo("Asia/Yekaterinburg")  # UTC+5, two hours behind the HQ
    yurga, belovo = world.territory["yurga"], world.territory["belovo"]
    async with world.sessions() as session:
        territory = await session.get(Territory, yurga)
        assert territory is not None
        territory.timezone = "Asia/Yekaterinburg"
        await session.commit()
        assert await recognition.book_zone(session, [yurga], NOVOKUZNETSK) == yekaterinburg
        assert await recognition.book_zone(session, [yurga, belovo], NOVOKUZNETSK) == NOVOKUZNETSK
        assert await recognition.book_zone(session, None, NOVOKUZNETSK) == NOVOKUZNETSK
        zone = await recognition.book_zone(session, [yurga], NOVOKUZNETSK)
        period = recognition.days_period(date(2026, 11, 1), date(2026, 11, 30), zone)
        rows = await _book_rows(session, period, [yurga], zone)
    assert all(date(2026, 11, 1) <= day <= date(2026, 11, 30) for day, _, _ in rows), rows
    # B's task at 01:00 on 1 November in Novokuznetsk is 23:00 on 31 October here: out;
    # C's at 01:00 on 1 December is 23:00 on 30 November: in, dated the 30th.
    assert (date(2026, 11, 30), 4, "Светлана Ким") in rows
    assert "Борис Кузнецов" not in {name for day, _, name in rows if day != date(2026, 11, 14)}


async def test_a_big_territorys_tasks_are_filtered_in_sql(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than IN_LIMIT volunteers: the period's tasks are those of the territory's
    volunteers by a subquery, not every done task of the HQ; by indexes, no table scan."""
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    captured: list[str] = []
    from sqlalchemy import event

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM help_requests" in statement:
            captured.append(statement)

    november = recognition.month_period(date(2026, 11, 1), NOVOKUZNETSK)
    try:
        async with sessions() as session:
            seeded = await seed(session, local(2026, 12, 1, 10, 0))
            await session.commit()
            belovo = [seeded["territory"]["belovo"]]
            small = await _book_rows(session, november, belovo, NOVOKUZNETSK)
            monkeypatch.setattr(recognition, "IN_LIMIT", 0)
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            big = await _book_rows(session, november, belovo, NOVOKUZNETSK)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            assert big == small == [(date(2026, 11, 7), 2, "Айгүл Серікова")]
            [statement] = captured
            assert "IN (SELECT volunteers.id" in statement, statement
            sql = statement.replace("?", "NULL")
            plan = "\n".join(
                str(row[-1])
                for row in (await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
            )
    finally:
        await engine.dispose()
    assert "SCAN help_requests\n" not in plan + "\n" and "SCAN volunteers\n" not in plan + "\n", (
        plan
    )
    assert "ix_help_requests_status_done" in plan or "ix_help_requests_volunteer" in plan, plan
