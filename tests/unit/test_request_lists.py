"""The HQ's request list: open ones counted, oldest first; all of them newest first, never
counted; each read from an index, not a scan of every request ever made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from bot.clock import FakeClock
from bot.services import help_requests, request_lists
from bot.services.territories import load_from_file
from bot.services.users import Profile, touch_user
from models import RequestStatus, Territory, migrate
from models.db import create_engine, create_sessionmaker
from tests.unit.test_help_requests import REQUESTER, _draft


async def test_open_oldest_first_with_a_count_all_newest_first_without(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    try:
        async with sessions() as session:
            await load_from_file(session, "kuzbass", clock.now())
            yurga = await session.scalar(select(Territory.id).where(Territory.code == "yurga"))
            assert yurga is not None
            await touch_user(session, Profile(REQUESTER, "Мария"), clock.now(), wrote_to_bot=True)
            made = []
            for n in range(5):
                clock.advance(timedelta(minutes=1))
                request = await help_requests.create(session, _draft(yurga), clock.now())
                made.append(request.id)
                if n % 2:
                    request.status = RequestStatus.DONE
            await session.commit()
            opened = await request_lists.page(session, None, everything=False, offset=0, limit=2)
            assert [r.id for r in opened.rows] == [made[0], made[2]]
            assert (opened.total, opened.has_more) == (3, True)
            rest = await request_lists.page(session, None, everything=False, offset=2, limit=2)
            assert ([r.id for r in rest.rows], rest.has_more) == ([made[4]], False)
            newest = await request_lists.page(session, [yurga], everything=True, offset=0, limit=3)
            assert [r.id for r in newest.rows] == made[::-1][:3]
            assert (newest.total, newest.has_more) == (None, True)
            last = await request_lists.page(session, None, everything=True, offset=3, limit=3)
            assert ([r.id for r in last.rows], last.has_more) == (made[1::-1], False)
            elsewhere = await request_lists.page(session, [-1], everything=True, offset=0, limit=3)
            assert elsewhere.rows == [] and not elsewhere.has_more
    finally:
        await engine.dispose()


async def test_the_lists_read_indexes(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    captured: list[str] = []
    try:
        async with sessions() as session:
            # The statements the page runs for the HQ (every territory), as SQLite gets them.
            real_execute = session.execute

            async def spy(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
                compiled = statement.compile(
                    dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
                )
                captured.append(str(compiled))
                return await real_execute(statement, *args, **kwargs)

            session.execute = spy  # type: ignore[method-assign]
            await request_lists.page(session, None, everything=False, offset=0, limit=10)
            await request_lists.page(session, None, everything=True, offset=0, limit=10)
        plans = []
        async with engine.connect() as conn:
            for sql in captured:
                rows = await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                plans.append(" | ".join(str(row[-1]) for row in rows))
        opened, everything = plans
        # Open ones: only the open rows are read (and the few sorted).
        assert opened.startswith("SEARCH help_requests USING INDEX ix_help_requests_status_"), (
            opened
        )
        # All: read newest first in index order, stopping after a page; nothing sorted.
        assert everything == "SCAN help_requests USING INDEX ix_help_requests_created", everything
    finally:
        await engine.dispose()
