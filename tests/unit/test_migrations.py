"""One migration history for SQLite and PostgreSQL: every step goes up, down and up again,
and the models match what the migrations build."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models import Base, migrate
from models.db import create_engine


async def test_stairway(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        previous = "base"
        for revision in migrate.revisions():
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
            await migrate.downgrade(engine, previous)
            await migrate.upgrade(engine, revision)
            previous = revision
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert set(tables) <= {"alembic_version"}
    finally:
        await engine.dispose()


async def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)

        def diff(sync: Any) -> list[Any]:
            context = MigrationContext.configure(sync, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await engine.dispose()


def test_head_is_read_from_the_files_as_alembic_reads_it() -> None:
    assert migrate.head_revision() == migrate.revisions()[-1]


async def test_upgrade_if_needed_skips_a_database_at_head(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        assert await migrate.current_revision(engine) is None
        assert await migrate.upgrade_if_needed(engine)
        assert not await migrate.upgrade_if_needed(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
