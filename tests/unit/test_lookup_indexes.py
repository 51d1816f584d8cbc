"""Tables that grow with traffic are looked up by indexed columns: the outbox by what a row
is about (``subject``), the audit log by its target. EXPLAIN shows the index, never a scan;
the migration fills ``subject`` for rows written before it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.services.outbox import subject_of
from models import migrate
from models.db import create_engine

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_subject_is_the_keys_first_two_parts() -> None:
    assert subject_of("req:12:r0:push:5") == "req:12"
    assert subject_of("req:12:details:901:ab12") == "req:12"
    assert subject_of("vol:5:app:9") == "vol:5"
    assert subject_of("plain") is None


async def _plan(engine: object, sql: str, **params: object) -> str:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = (await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)).all()
    return " | ".join(str(row[-1]) for row in rows)


async def test_erasure_and_hiding_use_indexes_on_sqlite(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        await migrate.upgrade(engine)
        hide = await _plan(
            engine,
            "SELECT idempotency_key, chat_id FROM outbox WHERE subject = :s "
            "AND idempotency_key LIKE :p AND edit_key IS NULL AND status = 'sent'",
            s="req:1",
            p="req:1:details:%",
        )
        assert "ix_outbox_subject" in hide and "SCAN" not in hide, hide
        erase = await _plan(
            engine,
            "UPDATE outbox SET payload = '{}' WHERE subject = :s AND personal = 1",
            s="req:1",
        )
        assert "ix_outbox_subject" in erase and "SCAN" not in erase, erase
        audit = await _plan(
            engine, "UPDATE audit_log SET details = '{}' WHERE target = :t", t="request:1"
        )
        assert "ix_audit_log_target" in audit and "SCAN" not in audit, audit
    finally:
        await engine.dispose()


async def test_the_migration_fills_subject_for_existing_rows(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, "0011")
        async with engine.begin() as conn:
            for n, key in enumerate(("req:12:r0:push:5", "vol:5:app:9", "audit:77:notice")):
                await conn.execute(
                    text(
                        "INSERT INTO outbox (idempotency_key, chat_id, priority, payload, "
                        "personal, hide, status, attempts, not_before, next_attempt_at, "
                        "created_at) VALUES (:k, :c, 1, '{}', false, false, 'sent', 1, "
                        ":now, :now, :now)"
                    ),
                    {"k": key, "c": 100 + n, "now": NOW},
                )
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT idempotency_key, subject FROM outbox"))
            rows: dict[str, str] = {str(key): str(subject) for key, subject in result.all()}
        assert rows == {
            "req:12:r0:push:5": "req:12",
            "vol:5:app:9": "vol:5",
            "audit:77:notice": "audit:77",
        }
    finally:
        await engine.dispose()


async def test_scheduler_status_reads_missed_reminders_through_their_index(
    database_url: str,
) -> None:
    """/scheduler counts and lists missed reminders from a partial index holding only them,
    never by reading every reminder ever written (issue 23: ~30 ms with 100,000 pending)."""
    from bot.services.reminders import reminder_status
    from models.db import create_sessionmaker
    from tests.unit.test_erasure_indexes import plans_of, recorded

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        with recorded(engine) as seen:
            async with create_sessionmaker(engine)() as session:
                await reminder_status(session)
        missed = [(sql, params) for sql, params in seen if "missed_count > 0" in sql]
        assert len(missed) == 2, seen
        for plan in await plans_of(engine, missed):
            assert "ix_reminders_missed" in plan, plan
            assert "Seq Scan" not in plan and "TEMP B-TREE" not in plan, plan
    finally:
        await engine.dispose()


async def test_delivery_report_reads_the_outbox_through_indexes(database_url: str) -> None:
    """/delivery's counts and lists: index ranges and small partial indexes, never a pass
    over the outbox (issue 23: on PostgreSQL with 5.6 M rows the newest unhidden hidings were
    read backwards through the primary key, ~170 ms, and counted in ~250 ms)."""
    import re

    from bot.services.delivery_health import to_person
    from bot.services.outbox import delivery_report, unhidden, unhidden_count
    from models.db import create_sessionmaker
    from tests.unit.test_erasure_indexes import plans_of, recorded

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        with recorded(engine) as seen:
            async with create_sessionmaker(engine)() as session:
                await delivery_report(session, NOW)
                await unhidden(session, limit=10)
                await unhidden_count(session)
                await to_person(session, 9001)
        outbox = [(sql, params) for sql, params in seen if re.search(r"\bFROM outbox\b", sql)]
        sqlite = engine.dialect.name == "sqlite"
        assert len(outbox) == (6 if sqlite else 5), seen  # SQLite: the refusals' ids first
        plans = await plans_of(engine, outbox)
        for plan in plans:
            assert not re.search(r"SCAN outbox(?! USING)|Seq Scan on outbox", plan), plan
        if sqlite:  # the newest refusals off the partial index, not sorted from ix_outbox_due
            assert "ix_outbox_refused" in plans[1] and "TEMP B-TREE" not in plans[1], plans[1]
        if engine.dialect.name != "sqlite":  # SQLite picks among usable indexes by statistics
            joined = "\n".join(plans)
            assert joined.count("ix_outbox_unhidden") == 2, joined
            assert "ix_outbox_refused" in plans[1], plans[1]  # the newest refusals
            assert "ix_outbox_refused_chat" in plans[-1], plans[-1]  # one person's
        # the people who blocked the bot: counted from user_counts, the newest by an index
        users = [(sql, params) for sql, params in seen if re.search(r"\bFROM users\b", sql)]
        assert len(users) == 1, seen
        [plan] = await plans_of(engine, users)
        assert not re.search(r"SCAN users(?! USING)|Seq Scan on users", plan), plan
        assert "ix_users_blocked_updated" in plan, plan
    finally:
        await engine.dispose()


async def test_my_tasks_read_a_volunteers_own_requests_in_order(database_url: str) -> None:
    """«My tasks»: the latest done tasks come in order off (volunteer_id, status, done_at);
    SQLite, without statistics, walked every done request of the region by
    ix_help_requests_status_done instead (~7 ms with 1,000,000 requests)."""
    from bot.services.help_requests import tasks_of
    from models.db import create_sessionmaker
    from tests.unit.test_erasure_indexes import plans_of, recorded

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        with recorded(engine) as seen:
            async with create_sessionmaker(engine)() as session:
                await tasks_of(session, 1)
        assert len(seen) == 2, seen
        plans = await plans_of(engine, seen)
        for plan in plans:
            assert "ix_help_requests_volunteer_status" in plan, plan
        if engine.dialect.name == "sqlite":  # the done ones need no sort
            assert "TEMP B-TREE" not in plans[0], plans[0]
    finally:
        await engine.dispose()


async def test_the_hqs_volunteers_are_paged_by_name_off_an_index(database_url: str) -> None:
    """/volunteers of the HQ: a page read in name order from ix_volunteers_name, never every
    volunteer sorted (SQLite: the page's ids first, by INDEXED BY); and the same pages as a
    plain sort gives."""
    from datetime import timedelta

    from bot.services.users import Profile, Roles, touch_user
    from bot.services.volunteers import Application, decide, submit, volunteers_in_scope
    from models import Territory
    from models.db import create_sessionmaker
    from tests.unit.test_erasure_indexes import plans_of, recorded

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            territory = Territory(
                code="t", name_ru="Т", name_kk="Т", kind="city", timezone="Asia/Almaty",
                lat=43.2, lon=76.9, radius_km=10.0,
                created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            session.add(territory)
            await session.flush()
            names = ["Яна", "Анна", "Борис", "Анна", "Вера", "Глеб", "Дина", "Ефим", "Жанна"]
            for n, name in enumerate(names):
                user_id = 500 + n
                await touch_user(session, Profile(user_id, name), NOW, wrote_to_bot=True)
                application = Application(
                    name=name, phone="+77011234567", territory_id=territory.id,
                    skills=("delivery",), age_group="18-34", availability=("weekends",),
                    dobro_id=None,
                )  # fmt: skip
                record = await submit(session, user_id, application, NOW + timedelta(minutes=n))
                if n != 4:  # Вера is still pending: not listed
                    await decide(session, record.id, approve=True, actor_id=1, reason=None, now=NOW)
            await session.commit()
        hq = Roles(is_coordinator=True, is_hq=True)
        pages = []
        with recorded(engine) as seen:
            async with sessions() as session:
                for offset in (0, 3, 6):
                    rows, total = await volunteers_in_scope(session, hq, offset=offset, limit=3)
                    pages.append([v.name for v in rows])
        assert total == 8
        assert pages == [["Анна", "Анна", "Борис"], ["Глеб", "Дина", "Ефим"], ["Жанна", "Яна"]]
        if engine.dialect.name == "sqlite":  # PostgreSQL's choice needs a table's worth of rows
            paging = [(sql, p) for sql, p in seen if "ORDER BY name" in sql and "INDEXED BY" in sql]
            assert len(paging) == 3, seen
            for plan in await plans_of(engine, paging):
                assert "ix_volunteers_name" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        await engine.dispose()


async def test_the_hqs_pending_applications_come_off_an_index(database_url: str) -> None:
    """/applications of the HQ: the count and the oldest page from (status, created_at, id),
    never a pass over every volunteer (11,000 in a region) and a sort."""
    from bot.services.users import Roles
    from bot.services.volunteers import pending_in_scope
    from models.db import create_sessionmaker
    from tests.unit.test_erasure_indexes import plans_of, recorded

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        with recorded(engine) as seen:
            async with create_sessionmaker(engine)() as session:
                await pending_in_scope(
                    session, Roles(is_coordinator=True, is_hq=True), offset=0, limit=5
                )
        assert len(seen) == 2, seen
        for plan in await plans_of(engine, seen):
            assert "ix_volunteers_status_created" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    finally:
        await engine.dispose()
