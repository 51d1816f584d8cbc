"""Shared fixtures: databases (SQLite always; PostgreSQL and Redis when CI provides them)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot import transactions

# A database transaction held across a Bot API call fails the test that takes that path.
transactions.STRICT = True

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
REQUIRED = os.environ.get("REQUIRE_TEST_SERVICES") == "1"


def _unavailable(what: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what} is required in CI but not usable")
    pytest.skip(f"{what} not configured (set TEST_DATABASE_URL / TEST_REDIS_URL)")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A database of its own for this test run, created on the server CI gives us."""
    if not TEST_DATABASE_URL:
        _unavailable("PostgreSQL")
    assert TEST_DATABASE_URL is not None
    base = make_url(TEST_DATABASE_URL)
    name = f"mutual_aid_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    import asyncio

    async def admin(sql: str) -> None:
        engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - only when the server is down
        if REQUIRED:
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield base.set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def pg_url(pg_server_url: str) -> AsyncIterator[str]:
    """An empty PostgreSQL schema for one test."""
    engine = create_async_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    yield pg_server_url


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test on SQLite and on PostgreSQL (skipped locally without TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    if not TEST_REDIS_URL:
        _unavailable("Redis")
    assert TEST_REDIS_URL is not None
    from redis.asyncio import Redis

    client = Redis.from_url(TEST_REDIS_URL)
    try:
        await client.ping()
        # TEST_REDIS_URL names a database for tests only: start each test from an empty one.
        await client.flushdb()
    except Exception as exc:
        if REQUIRED:
            raise
        pytest.skip(f"Redis not reachable: {exc}")
    finally:
        await client.aclose()
    yield TEST_REDIS_URL
