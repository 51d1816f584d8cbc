"""Broadcasts (issue 20): the audience query (kinds, territories, skill, language, activity,
blocked people counted), the missing-language rule, the scope rule, chunked enqueueing with
quiet hours per zone, and cancelling; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keyboards.callbacks import BroadcastCb
from bot.services import broadcasts, territories, volunteers
from bot.services.broadcasts import Audience
from bot.services.timing import QuietHours
from bot.services.users import Roles
from models import (
    Broadcast,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Territory,
    TipSubscription,
    User,
    migrate,
)
from models.db import create_engine, create_sessionmaker

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 16:00 in Novokuznetsk, 12:00 in Moscow
HQ = ZoneInfo("Asia/Novokuznetsk")


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _world(sessions: Sessions) -> dict[str, int]:
    """People 1-8: 1, 2 volunteers in Yurga (ru, kk; 2 a medic), 3 a volunteer in Kemerovo
    (kk), 4 a citizen who asked for help in Yurga (ru), 5 a citizen subscribed to tips (kk,
    seen 40 days ago), 6 a citizen who blocked the bot (ru, Yurga request), 7 a citizen with
    no territory (ru), 8 one whose Telegram is English (the default, ru)."""
    async with sessions() as session:
        await territories.load_from_file(session, "kuzbass", NOW)
        codes = dict((await session.execute(select(Territory.code, Territory.id))).all())
        people = [
            (1, "ru", False, 0), (2, "kk", False, 0), (3, "kk", False, 0), (4, "ru", False, 0),
            (5, "kk", False, 40), (6, "ru", True, 0), (7, "ru", False, 0), (8, "en", False, 0),
        ]  # fmt: skip
        await session.execute(
            insert(User),
            [
                {"id": uid, "first_name": f"P{uid}", "language_code": code,
                 "blocked_bot": blocked, "created_at": NOW, "updated_at": NOW,
                 "last_seen_at": NOW - timedelta(days=days)}
                for uid, code, blocked, days in people
            ],
        )  # fmt: skip
        for uid, code, skills in ((1, "yurga", ("delivery",)), (2, "yurga", ("medic",)),
                                  (3, "kemerovo", ("delivery",))):  # fmt: skip
            application = volunteers.Application(
                name=f"V{uid}", phone="+79031234567", territory_id=codes[code], skills=skills,
                age_group="18-34", availability=("weekends",), dobro_id=None,
            )  # fmt: skip
            volunteer = await volunteers.submit(session, uid, application, NOW)
            await volunteers.decide(
                session, volunteer.id, approve=True, actor_id=1000, reason=None, now=NOW
            )
        for uid in (4, 6):
            session.add(
                HelpRequest(
                    requester_id=uid,
                    territory_id=codes["yurga"],
                    kind="groceries",
                    for_other=False,
                    person_name=f"P{uid}",
                    address="ул. Мира, 1",
                    details="хлеб",
                    status="new",
                    urgency="3days",
                    door_code="1234",
                    consent_at=NOW,
                    consent_version="v1",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.add(
            TipSubscription(
                user_id=5,
                timezone="Europe/Moscow",
                seasonal=True,
                weekly_count=0,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await session.commit()
        return codes


async def _ids(sessions: Sessions, audience: Audience) -> set[int]:
    async with sessions() as session:
        rows = await session.scalars(
            select(User.id).where(*broadcasts.conditions(audience, NOW, "ru"))
        )
        return set(rows.all())


async def test_the_audience_query(sessions: Sessions) -> None:
    codes = await _world(sessions)
    yurga, kemerovo = codes["yurga"], codes["kemerovo"]
    assert await _ids(sessions, Audience()) == {1, 2, 3, 4, 5, 6, 7, 8}
    assert await _ids(sessions, Audience("volunteers")) == {1, 2, 3}
    assert await _ids(sessions, Audience("citizens")) == {4, 5, 6, 7, 8}
    assert await _ids(sessions, Audience("subscribers")) == {5}
    assert await _ids(sessions, Audience("all", (yurga,))) == {1, 2, 4, 6}
    assert await _ids(sessions, Audience("volunteers", (yurga,))) == {1, 2}
    assert await _ids(sessions, Audience("volunteers", (kemerovo,))) == {3}
    assert await _ids(sessions, Audience("citizens", (yurga,))) == {4, 6}
    assert await _ids(sessions, Audience("volunteers", skill="medic")) == {2}
    assert await _ids(sessions, Audience(language="kk")) == {2, 3, 5}
    assert await _ids(sessions, Audience(language="ru")) == {1, 4, 6, 7, 8}
    assert await _ids(sessions, Audience(active_days=30)) == {1, 2, 3, 4, 6, 7, 8}
    async with sessions() as session:
        found = await broadcasts.composition(session, Audience("all", (yurga,)), NOW, "ru")
    assert found.by_locale == {"ru": 2, "kk": 1} and found.blocked == 1
    assert broadcasts.missing_language(found, {"ru": "Привет", "kk": None}) == ("kk", 1)
    assert broadcasts.missing_language(found, {"ru": "Привет", "kk": "Сәлем"}) == ("", 0)


def test_scope_and_the_cancel_button() -> None:
    hq = Roles(is_coordinator=True, is_hq=True)
    yurga_only = Roles(is_coordinator=True, territory_ids=frozenset({5}))
    assert broadcasts.allowed(hq, Audience(), urgent=True)
    assert not broadcasts.allowed(yurga_only, Audience())  # everyone: the HQ only
    assert broadcasts.allowed(yurga_only, Audience(territory_ids=(5,)))
    assert not broadcasts.allowed(yurga_only, Audience(territory_ids=(5, 6)))
    assert not broadcasts.allowed(yurga_only, Audience(territory_ids=(5,)), urgent=True)
    assert not broadcasts.allowed(Roles(), Audience(territory_ids=(5,)))
    assert broadcasts.cancel_data(42) == BroadcastCb(a="x", id=42).pack()


async def test_enqueue_in_chunks_per_zone_then_cancel(sessions: Sessions) -> None:
    await _world(sessions)
    quiet = QuietHours()
    evening = datetime(2026, 12, 5, 22, 30, tzinfo=HQ).astimezone(UTC)  # 18:30 in Moscow
    async with sessions() as session:
        broadcast, fresh = await broadcasts.create(
            session, author_id=1000, audience=Audience(), texts={"ru": "Привет", "kk": "Сәлем"},
            photo_file_id=None, urgent=False, rate=25.0, now=evening, form_token="t1",
        )  # fmt: skip
        again, twice = await broadcasts.create(
            session, author_id=1000, audience=Audience(), texts={"ru": "Привет", "kk": "Сәлем"},
            photo_file_id=None, urgent=False, rate=25.0, now=evening, form_token="t1",
        )  # fmt: skip
        assert fresh and not twice and again.id == broadcast.id
        await session.commit()
    looked = []
    while True:
        async with sessions() as session:
            current = await session.get(Broadcast, broadcast.id)
            assert current is not None
            n = await broadcasts.enqueue_chunk(
                session, current, evening, quiet=quiet, default_locale="ru",
                default_zone=HQ, limit=3,
            )  # fmt: skip
            await session.commit()
        looked.append(n)
        if not n:
            break
    assert looked == [3, 3, 2, 0]
    async with sessions() as session:
        current = await session.get(Broadcast, broadcast.id)
        assert current is not None
        assert (current.status, current.enqueued, current.skipped_blocked) == ("sending", 7, 1)
        rows = {
            r.chat_id: r
            for r in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.subject == f"bc:{broadcast.id}")
            )
        }
        assert set(rows) == {1, 2, 3, 4, 5, 7, 8}
        # Night in Novokuznetsk: the morning; evening in Moscow (5's tips zone): now.
        morning = datetime(2026, 12, 6, 8, 0, tzinfo=HQ).astimezone(UTC)
        assert rows[1].not_before == morning and rows[5].not_before == evening
        assert rows[2].payload["text"]["literal"] == "Сәлем"
        assert rows[1].payload["text"]["literal"] == "Привет" and rows[1].priority == 2
        progress = await broadcasts.progress(session, current, evening)
        assert (progress.due, progress.waiting, progress.blocked) == (1, 6, 1)
        skipped = await broadcasts.cancel(session, broadcast.id, 1000, evening)
        assert skipped == 7
        assert await broadcasts.cancel(session, broadcast.id, 1000, evening) is None
        await session.commit()
    async with sessions() as session:
        current = await session.get(Broadcast, broadcast.id)
        assert current is not None
        shown = await broadcasts.report_progress(session, current, evening)
        assert shown is not None and shown.cancelled == 7
        await session.commit()
        assert current.finished_at is not None or (
            await session.scalar(select(Broadcast.finished_at).where(Broadcast.id == current.id))
        )
        report = await session.scalar(
            select(func.count()).where(OutboxMessage.idempotency_key == f"bcr:{broadcast.id}")
        )
        assert report == 1
        assert (
            await session.scalar(
                select(func.count()).where(
                    OutboxMessage.subject == f"bc:{broadcast.id}",
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
            == 0
        )


async def test_a_personal_message_overtakes_bulk_sends_waiting_for_the_pace() -> None:
    """16 broadcast sends in flight wait for the pace; a push claimed after them goes next."""
    import asyncio

    from bot.delivery.limiter import LimiterConfig, RateLimiter

    limiter = RateLimiter(LimiterConfig(per_second=20.0))
    order: list[int] = []

    async def send(chat: int, bulk: bool) -> None:
        await limiter.acquire(chat, bulk=bulk)
        order.append(chat)

    bulk = [asyncio.create_task(send(chat, True)) for chat in range(1, 17)]
    await asyncio.sleep(0.12)
    before = len(order)
    assert 0 < before < 10
    push = asyncio.create_task(send(99, False))
    await asyncio.gather(*bulk, push)
    assert order.index(99) <= before + 1, order


async def test_a_late_wake_up_does_not_slow_the_pace() -> None:
    """Each sleep overshoots by 10 ms (a busy loop): 101 sends still take 100 slots, not 100
    slots plus 100 overshoots (10,000 messages at 25/s would come 4 % short of the rate)."""
    from bot.delivery.limiter import LimiterConfig, RateLimiter

    clock = [1000.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds + 0.01

    limiter = RateLimiter(LimiterConfig(per_second=25.0), now=lambda: clock[0], sleep=sleep)
    start = clock[0]
    for chat in range(1, 102):
        await limiter.acquire(chat, bulk=True)
    assert clock[0] - start == pytest.approx(100 / 25, abs=0.02)


async def test_a_row_in_flight_at_cancel_is_never_sent_after_it(sessions: Sessions) -> None:
    """A send under way when the broadcast is cancelled that then meets a 429 must not go back
    to the queue and out minutes after «Рассылка остановлена» (a stranger's review found it
    did)."""
    from bot.services import outbox

    await _world(sessions)
    async with sessions() as s:
        made, _ = await broadcasts.create(
            s, author_id=1000, audience=Audience(), texts={"ru": "Привет", "kk": "Сәлем"},
            photo_file_id=None, urgent=True, rate=25.0, now=NOW, form_token="t-cancel",
        )  # fmt: skip
        await s.commit()
    async with sessions() as s:
        broadcast = await s.get(Broadcast, made.id)
        assert broadcast is not None
        await broadcasts.enqueue_chunk(
            s, broadcast, NOW, quiet=QuietHours(), default_locale="ru", default_zone=HQ
        )
        await s.commit()
    async with sessions() as s:
        claimed = await outbox.claim_due(s, NOW, limit=3, lease=timedelta(seconds=60), owner="w")
    in_flight = [c for c in claimed if c.key.startswith(f"bc:{made.id}:")]
    assert in_flight
    async with sessions() as s:
        assert await broadcasts.cancel(s, made.id, 1000, NOW)
        await s.commit()
    async with sessions() as s:  # the send in flight meets a 429: retry in 3 s, it asks
        assert not await outbox.retry_later(
            s, in_flight[0].id, in_flight[0].lease, NOW + timedelta(seconds=3), "429",
            count_attempt=False,
        )  # fmt: skip
    later = NOW + timedelta(seconds=4)
    async with sessions() as s:
        again = await outbox.claim_due(s, later, limit=50, lease=timedelta(seconds=60), owner="w2")
        statuses = set(
            (
                await s.scalars(
                    select(OutboxMessage.status).where(
                        OutboxMessage.subject == broadcasts.subject(made.id)
                    )
                )
            ).all()
        )
    assert not [c for c in again if c.key.startswith(f"bc:{made.id}:")]
    assert statuses == {OutboxStatus.SKIPPED}


async def test_a_broadcast_waiting_for_the_morning_is_not_recounted_every_tick(
    sessions: Sessions,
) -> None:
    """Each count reads every row of the broadcast: while all that is left waits for the
    morning and nothing changes, the job counts again only after WAITING_RECHECK; a cancel
    reports at the next tick all the same."""
    from sqlalchemy import event

    async with sessions() as s:
        made, _ = await broadcasts.create(
            s, author_id=1000, audience=Audience(), texts={"ru": "x"}, photo_file_id=None,
            urgent=False, rate=25.0, now=NOW, form_token="t-night",
        )  # fmt: skip
        await s.commit()
    morning = NOW + timedelta(hours=8)
    async with sessions() as s:
        await s.execute(
            insert(OutboxMessage),
            [
                {
                    "idempotency_key": f"bc:{made.id}:{i}",
                    "subject": broadcasts.subject(made.id),
                    "chat_id": i,
                    "status": "pending",
                    "priority": 2,
                    "payload": {"text": {"literal": "x"}},
                    "attempts": 0,
                    "next_attempt_at": morning,
                    "not_before": morning,
                    "created_at": NOW,
                    "personal": False,
                }
                for i in range(1, 51)
            ],
        )
        broadcast = await s.get(Broadcast, made.id)
        assert broadcast is not None
        broadcast.status = "sending"
        await s.commit()
    counts: list[int] = []

    async def tick(at: datetime) -> bool:
        async with sessions() as s:
            seen: list[str] = []
            bind = s.sync_session.get_bind()
            listener = lambda *a: seen.append(str(a[2]))  # noqa: E731
            event.listen(bind, "before_cursor_execute", listener)
            try:
                current = await s.get(Broadcast, made.id)
                assert current is not None
                shown = await broadcasts.report_progress(s, current, at)
                await s.commit()
            finally:
                event.remove(bind, "before_cursor_execute", listener)
            counts.append(sum("count(" in q.lower() for q in seen))
            return shown is not None

    assert await tick(NOW + timedelta(seconds=10))  # the first progress is shown
    assert not await tick(NOW + timedelta(seconds=20))  # unchanged: counted, not shown
    assert not await tick(NOW + timedelta(seconds=30))  # backing off: not even counted
    assert not await tick(NOW + timedelta(minutes=4))
    assert counts[2:] == [0, 0] and counts[0] > 0 and counts[1] > 0
    assert not await tick(NOW + timedelta(minutes=6))  # counted again after the back-off
    assert counts[-1] > 0
    async with sessions() as s:
        assert await broadcasts.cancel(s, made.id, 1000, NOW + timedelta(minutes=6, seconds=1))
        await s.commit()
    assert await tick(NOW + timedelta(minutes=6, seconds=3))  # the cancel shows at once


async def test_a_cancelled_broadcast_is_not_listed_as_undelivered_to_a_coordinator(
    sessions: Sessions,
) -> None:
    from bot.services import delivery_health

    await _world(sessions)
    async with sessions() as s:
        made, _ = await broadcasts.create(
            s, author_id=1000, audience=Audience(), texts={"ru": "Привет", "kk": "Сәлем"},
            photo_file_id=None, urgent=True, rate=25.0, now=NOW, form_token="t-undelivered",
        )  # fmt: skip
        await s.commit()
    async with sessions() as s:
        broadcast = await s.get(Broadcast, made.id)
        assert broadcast is not None
        await broadcasts.enqueue_chunk(
            s, broadcast, NOW, quiet=QuietHours(), default_locale="ru", default_zone=HQ
        )
        assert await broadcasts.cancel(s, made.id, 1000, NOW)
        await s.commit()
    async with sessions() as s:
        chats = (
            await s.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.subject == broadcasts.subject(made.id)
                )
            )
        ).all()
        assert chats
        assert await delivery_health.to_person(s, chats[0]) == []
        # A message that really failed is still shown.
        failed = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.chat_id == chats[0]).limit(1)
        )
        assert failed is not None
        failed.status, failed.last_error = OutboxStatus.FAILED, "400: Bad Request: chat not found"
        await s.commit()
    async with sessions() as s:
        assert len(await delivery_health.to_person(s, chats[0])) == 1


def test_length_limits_count_the_text_as_shown_not_its_markup() -> None:
    """The stored text is Telegram's HTML of what was typed; the limits are of what is shown
    (a stranger's review: a 1,000-character caption with a link, 1,053 in HTML, was refused)."""
    caption = "а" * 990 + '<a href="https://example.org/x">ссылка</a>'  # 996 shown
    assert not broadcasts.too_long(caption, photo=True)
    text = "&amp;&lt;" * 2000  # 4,000 shown, 18,000 stored
    assert not broadcasts.too_long(text, photo=False)
    assert broadcasts.too_long("б" * 4097, photo=False)
    assert broadcasts.too_long("🙂" * 513, photo=True)  # 1,026 UTF-16 units, as Telegram counts
    assert not broadcasts.too_long("🙂" * 512, photo=True)
    assert broadcasts.visible_length("<b>Привет</b> &amp; пока") == len("Привет & пока")


async def test_a_late_answer_makes_only_its_own_skipped_claim_sent(sessions: Sessions) -> None:
    """outbox.late_answer turns a skipped row into "sent" only while it holds the answering
    claim (a cancelled broadcast skipped it in flight); a row withdrawn after its lease lapsed
    (hidden before it was sent) stays withdrawn, the message kept as a copy."""
    from bot.services import outbox

    await _world(sessions)
    rows = [
        {
            "idempotency_key": f"t:{n}",
            "subject": "t",
            "chat_id": 1000 + n,
            "status": "skipped",
            "priority": 1,
            "payload": {"text": {"literal": "x"}},
            "attempts": 0,
            "next_attempt_at": NOW,
            "not_before": NOW,
            "created_at": NOW,
            "personal": True,
            "lease_owner": owner,
            "last_error": reason,
        }
        for n, (owner, reason) in enumerate(
            [("claim-1", broadcasts.CANCELLED_REASON), (None, "withdrawn: hidden before sent")]
        )
    ]
    async with sessions() as s:
        await s.execute(insert(OutboxMessage), rows)
        await s.commit()
        ids = (await s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id))).all()
    async with sessions() as s:
        assert await outbox.late_answer(s, ids[0], 501, NOW, lease="claim-1") == "sent"
    async with sessions() as s:
        assert await outbox.late_answer(s, ids[1], 502, NOW, lease="claim-2") == "copy"
    async with sessions() as s:
        got = (
            await s.execute(
                select(OutboxMessage.status, OutboxMessage.telegram_message_id).order_by(
                    OutboxMessage.id
                )
            )
        ).all()
    assert [tuple(r) for r in got] == [(OutboxStatus.SENT, 501), (OutboxStatus.SKIPPED, None)]
