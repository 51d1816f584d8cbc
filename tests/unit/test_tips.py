"""The safety library's domain (issue 18): the data files, the loader (coordinators' edits
survive it), seasons and rounds, the set-based seasonal round (per-zone quiet hours, each
person's language, nobody gets the same tip twice in a row, a second run enqueues nothing),
the weekly tip at its local time, unsubscribing; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import SafetyCb
from bot.services import safety
from bot.services.outbox import OutgoingMessage
from bot.services.timing import QuietHours
from bot.services.users import Profile, touch_user
from models import OutboxMessage, SafetyTip, TipRound, TipSubscription, migrate
from models.db import create_engine, create_sessionmaker
from scheduler.jobs import tips as job

NOVOKUZNETSK = ZoneInfo("Asia/Novokuznetsk")  # UTC+7
MOSCOW = "Europe/Moscow"  # UTC+3
QUIET = QuietHours()  # 22:00-08:00

Sessions = async_sessionmaker[AsyncSession]


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# --- data files ------------------------------------------------------------------------------
def test_shipped_tips_cover_every_topic_in_both_languages() -> None:
    tips = safety.read_tip_files()
    assert {tip.topic for tip in tips} == set(safety.TOPICS)
    for tip in tips:
        for locale in ("ru", "kk"):
            assert tip.title[locale] and tip.text[locale]
            # One screen: a tip fits a Telegram message with room to spare.
            assert len(safety.render_parts(tip.topic, tip.title[locale], tip.text[locale])) < 1200
        assert tip.text["ru"] != tip.text["kk"]
    seasons = {tip.season for tip in tips}
    assert {"heating", "ice", "summer", "heat", "frost"} <= seasons
    emergency = next(t for t in tips if t.code == "emergency-numbers")
    for number in ("112", "101", "102", "103", "104"):
        assert number in emergency.text["ru"] and number in emergency.text["kk"]
    fraud = [t for t in tips if t.topic == "fraud"]
    assert len(fraud) >= 4 and all("102" in t.text["ru"] for t in fraud)


def test_a_bad_file_names_the_tip() -> None:
    with pytest.raises(safety.TipFileError, match=r"x\.yaml, tip 1 \(a\): 'text' has no kk"):
        safety.parse_tips(
            "topic: fire\ntips:\n  - code: a\n    title: {ru: Т, kk: Т}\n    text: {ru: Текст}\n",
            "x.yaml",
        )
    with pytest.raises(safety.TipFileError, match="needs 'topic'"):
        safety.parse_tips("topic: cooking\ntips: []\n", "y.yaml")
    with pytest.raises(safety.TipFileError, match="unknown season"):
        safety.parse_tips(
            "topic: fire\ntips:\n  - code: a\n    season: spring\n"
            "    title: {ru: Т, kk: Т}\n    text: {ru: Т, kk: Т}\n",
            "z.yaml",
        )


def test_pushed_buttons_carry_the_same_data_as_the_keyboards() -> None:
    assert safety.callback("tm", "fire") == SafetyCb(a="tm", v="fire").pack()
    assert safety.callback("po", "s") == SafetyCb(a="po", v="s").pack()
    assert SafetyCb.unpack(safety.callback("po", "w")).v == "w"


def test_split_tip_needs_a_title_and_a_text() -> None:
    assert safety.split_tip("Заголовок\nСам совет, подлиннее.") == (
        "Заголовок",
        "Сам совет, подлиннее.",
    )
    assert safety.split_tip("Только одна строка без совета") is None
    assert safety.split_tip("Ок\nкоротко") is None


# --- seasons ---------------------------------------------------------------------------------
def test_seasons_of_the_year() -> None:
    def names(day: date) -> set[str]:
        return {season for season, _ in safety.seasons_on(day)}

    assert names(date(2026, 11, 10)) == {"heating", "ice"}
    assert names(date(2027, 1, 15)) == {"heating", "frost"}
    assert names(date(2027, 3, 20)) == {"heating", "ice"}
    assert names(date(2027, 5, 20)) == set()
    assert names(date(2027, 6, 10)) == {"summer"}
    assert names(date(2027, 7, 10)) == {"summer", "heat"}
    assert names(date(2028, 2, 29)) == {"heating", "frost"}  # a leap day is still winter


def test_rounds_go_on_their_day_from_ten_hq_time_and_one_day_late_at_most() -> None:
    assert safety.rounds_due(local(NOVOKUZNETSK, 2027, 3, 1, 9, 59), NOVOKUZNETSK) == []
    [ice] = safety.rounds_due(local(NOVOKUZNETSK, 2027, 3, 1, 10, 0), NOVOKUZNETSK)
    assert ice.key == "ice:2027-03-01:0"
    assert safety.rounds_due(local(NOVOKUZNETSK, 2027, 3, 2, 23, 0), NOVOKUZNETSK) == [ice]
    assert safety.rounds_due(local(NOVOKUZNETSK, 2027, 3, 3, 12, 0), NOVOKUZNETSK) == []
    [second] = safety.rounds_due(local(NOVOKUZNETSK, 2027, 3, 15, 12, 0), NOVOKUZNETSK)
    assert (second.index, second.day) == (1, date(2027, 3, 15))
    # Heat in July, water in summer, fire in the heating season.
    [heat] = safety.rounds_due(local(NOVOKUZNETSK, 2027, 7, 1, 12, 0), NOVOKUZNETSK)
    [water] = safety.rounds_due(local(NOVOKUZNETSK, 2027, 6, 1, 12, 0), NOVOKUZNETSK)
    [fire] = safety.rounds_due(local(NOVOKUZNETSK, 2026, 10, 1, 12, 0), NOVOKUZNETSK)
    assert (heat.season, water.season, fire.season) == ("heat", "summer", "heating")


def test_next_weekly_is_in_the_persons_zone() -> None:
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    monday_9 = safety.next_weekly(0, 9 * 60, NOVOKUZNETSK, saturday)
    assert monday_9 == local(NOVOKUZNETSK, 2026, 12, 7, 9, 0)
    assert safety.next_weekly(0, 9 * 60, NOVOKUZNETSK, monday_9) == monday_9 + timedelta(days=7)


def test_pick_never_repeats_the_last_tip() -> None:
    assert safety.pick([1, 2, 3], 0, None) == 1
    assert safety.pick([1, 2, 3], 0, 1) == 2
    assert safety.pick([1, 2, 3], 5, 3) == 1
    assert safety.pick([7], 3, 7) == 7  # one tip only: nothing else to send


# --- the database ----------------------------------------------------------------------------
@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _people(sessions: Sessions, now: datetime, count: int, start: int = 1) -> list[int]:
    ids = []
    async with sessions() as session:
        for n in range(start, start + count):
            code = "kk" if n % 2 else "ru"
            await touch_user(
                session, Profile(id=n, first_name=f"P{n}", language_code=code), now,
                wrote_to_bot=True,
            )  # fmt: skip
            ids.append(n)
        await session.commit()
    return ids


async def test_loader_adds_updates_and_leaves_coordinators_edits(sessions: Sessions) -> None:
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    async with sessions() as session:
        first = await safety.load_tips(session, now)
        await session.commit()
    assert first.added == len(safety.read_tip_files()) and first.updated == 0
    async with sessions() as session:
        again = await safety.load_tips(session, now)
        stove = await session.scalar(select(SafetyTip).where(SafetyTip.code == "fire-stove"))
        assert stove is not None
        draft = safety.TipDraft(
            "fire", "heating", "Печь", "Пеш", "Наш текст про печь.", "Пеш туралы біздің мәтін."
        )
        await safety.save_tip(session, draft, actor_id=1, now=now, tip_id=stove.id)
        await session.commit()
    assert again.added == 0 and again.unchanged == first.added
    changed = [
        safety.TipData(
            code=t.code, topic=t.topic, season=t.season, position=t.position,
            title=t.title, text={"ru": t.text["ru"] + " Обновлено.", "kk": t.text["kk"]},
        )
        for t in safety.read_tip_files()
    ]  # fmt: skip
    async with sessions() as session:
        report = await safety.load_tips(session, now, changed)
        await session.commit()
        stove = await session.scalar(select(SafetyTip).where(SafetyTip.code == "fire-stove"))
        heaters = await session.scalar(select(SafetyTip).where(SafetyTip.code == "fire-heaters"))
    assert report.kept == 1 and report.updated == first.added - 1
    assert stove is not None and stove.text_ru == "Наш текст про печь."
    assert stove.source == "coordinator"
    assert heaters is not None and heaters.text_ru.endswith("Обновлено.")


async def _outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_seasonal_round_per_zone_language_and_no_repeat(sessions: Sessions) -> None:
    start = local(NOVOKUZNETSK, 2027, 3, 1, 10, 30)  # ice round 0; 06:30 in Moscow
    async with sessions() as session:
        await safety.load_tips(session, start)
        await session.commit()
    people = await _people(sessions, start, 6)
    async with sessions() as session:
        for person in people:
            await safety.subscribe_seasonal(session, person, start, "Asia/Novokuznetsk")
        row = await session.get(TipSubscription, 5)
        assert row is not None
        row.timezone = MOSCOW
        await safety.unsubscribe(session, 6, "s", start)
        await session.commit()
        ice = await safety.season_tips(session, "ice")
    assert len(ice) == 2

    tick = await job.tick(
        start, sessionmaker=sessions, quiet=QUIET, default_locale="ru", hq_zone=NOVOKUZNETSK
    )
    assert [r.key for r in tick.rounds] == ["ice:2027-03-01:0"] and tick.rounds[0].enqueued == 5
    again = await job.tick(
        start, sessionmaker=sessions, quiet=QUIET, default_locale="ru", hq_zone=NOVOKUZNETSK
    )
    assert again.rounds == []
    rows = await _outbox(sessions)
    assert sorted(r.chat_id for r in rows) == [1, 2, 3, 4, 5]
    by_chat = {r.chat_id: r for r in rows}
    assert by_chat[1].not_before == start  # daytime in Novokuznetsk: now
    assert by_chat[5].not_before == local(ZoneInfo(MOSCOW), 2027, 3, 1, 8, 0)  # after quiet hours
    kk = OutgoingMessage.from_payload(by_chat[1].payload)
    ru = OutgoingMessage.from_payload(by_chat[2].payload)
    assert kk.text.literal is not None and "Күз бен көктемдегі жұқа мұз" in kk.text.literal
    assert ru.text.literal is not None and "Тонкий лёд осенью и весной" in ru.text.literal
    assert [[b.callback_data for b in row] for row in ru.buttons] == [
        ["sf:tm:0:water"],
        ["sf:po:0:s"],
    ]

    # Person 3 last got the round's first tip another way: this time they get the other one.
    second_day = local(NOVOKUZNETSK, 2027, 3, 15, 11, 0)
    async with sessions() as session:
        await session.execute(
            update(TipSubscription).where(TipSubscription.user_id == 3).values(last_tip_id=ice[1])
        )
        await session.commit()
    await job.tick(
        second_day, sessionmaker=sessions, quiet=QUIET, default_locale="ru", hq_zone=NOVOKUZNETSK
    )
    rows = [
        r for r in await _outbox(sessions) if r.idempotency_key.startswith("tip:s:ice:2027-03-01:1")
    ]
    texts = {r.chat_id: OutgoingMessage.from_payload(r.payload).text.literal or "" for r in rows}
    assert "Мұз ойылып" in texts[1]  # round 1's tip is the second: «if you fell through»
    assert "Күз бен көктемдегі" in texts[3]  # ...which person 3 had last: the other one
    async with sessions() as session:
        lasts = dict(
            (
                await session.execute(select(TipSubscription.user_id, TipSubscription.last_tip_id))
            ).all()
        )
        rounds = await session.scalar(select(func.count()).select_from(TipRound))
    assert lasts[1] == ice[1] and lasts[3] == ice[0] and lasts[6] is None and rounds == 2


async def test_weekly_tip_at_local_time_with_quiet_hours(sessions: Sessions) -> None:
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    async with sessions() as session:
        await safety.load_tips(session, saturday)
        await session.commit()
    [person] = await _people(sessions, saturday, 1, start=2)  # ru
    async with sessions() as session:
        row = await safety.subscribe_weekly(
            session, person, 0, 9 * 60, saturday, "Asia/Novokuznetsk"
        )
        await session.commit()
    monday = local(NOVOKUZNETSK, 2026, 12, 7, 9, 0)
    assert row.next_weekly_at == monday
    late_quiet = QuietHours.parse("22:00-09:30")

    async def weekly(at: datetime) -> int:
        result = await job.tick(
            at, sessionmaker=sessions, quiet=late_quiet, default_locale="ru", hq_zone=NOVOKUZNETSK
        )
        return result.weekly

    assert await weekly(monday - timedelta(minutes=1)) == 0
    assert await weekly(monday) == 1
    assert await weekly(monday) == 0
    [first] = await _outbox(sessions)
    assert first.not_before == local(NOVOKUZNETSK, 2026, 12, 7, 9, 30)  # quiet until 09:30
    week = monday + timedelta(days=7)
    assert await weekly(week) == 1
    one, two = await _outbox(sessions)
    assert one.payload != two.payload  # another tip, never the same twice in a row
    assert OutgoingMessage.from_payload(one.payload).text.literal != (
        OutgoingMessage.from_payload(two.payload).text.literal
    )
    async with sessions() as session:
        assert await safety.unsubscribe(session, person, "w", week)
        assert not await safety.unsubscribe(session, person, "w", week)
        await session.commit()
    assert await weekly(week + timedelta(days=7)) == 0
    assert json.dumps(two.payload)  # a plain record the delivery worker renders


async def test_forget_erases_the_subscriptions(sessions: Sessions) -> None:
    from bot.clock import FakeClock
    from bot.services import erasure

    clock = FakeClock()
    [person] = await _people(sessions, clock.now(), 1, start=7)
    async with sessions() as session:
        await safety.subscribe_weekly(session, person, 2, 11 * 60, clock.now(), "Asia/Almaty")
        await safety.subscribe_seasonal(session, person, clock.now(), "Asia/Almaty")
        erasure_id = await erasure.begin(session, erasure.PERSON, person, person, clock.now())
        await session.commit()
    assert await erasure.run(sessions, erasure_id, clock)
    async with sessions() as session:
        assert await session.get(TipSubscription, person) is None
