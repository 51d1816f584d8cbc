"""Building, caching and copying the region benchmark's databases (bench/region.py).

A database is migrated to BASE_REVISION, filled by the generator (bench/region_data.py) with
bulk inserts (SQLite: executemany on one transaction, secondary indexes dropped during the
load and created again after; PostgreSQL: COPY, the same for its indexes, sequences moved
past the ids written, ANALYZE), then migrated to the code's head, as a deployed database
would be (PostgreSQL: then VACUUM (ANALYZE), as autovacuum leaves a database in service).
The big one is cached: a SQLite file (or a PostgreSQL template database) per sizes and
migration revision. The file at BASE_REVISION is kept too, so a newer head only costs its
migrations, timed and reported.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.region_data import (
    BASE_REVISION,
    COLUMNS,
    GENERATOR_VERSION,
    ID_TABLES,
    POPULATION_K,
    Cast,
    Facts,
    Generator,
    Place,
    Sizes,
    check_storage_format,
    sqlite_ts,
)
from bot.services.outbox import PURGED
from bot.services.territories import load_from_file
from models import Base, OutboxMessage, Territory, migrate
from models.db import create_engine, create_sessionmaker

ROOT = Path(__file__).resolve().parents[1]
SEED = 23
CACHE_MAX_AGE_DAYS = 20  # reminders fall due 45 days after the build, pauses end after 90


# --- writers ---------------------------------------------------------------------------------
class SqliteWriter:
    """Rows by executemany, in one transaction with the journal off (a failed build is thrown
    away, never used)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.sql: dict[str, str] = {}
        self.indexes: list[str] = []

    def ts(self, seconds: int) -> str:
        return sqlite_ts(seconds)

    def day(self, value: date) -> str:
        return value.isoformat()

    async def open(self, drop_indexes: bool) -> None:
        for pragma in ("journal_mode=DELETE", "journal_mode=OFF", "synchronous=OFF"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("PRAGMA cache_size=-500000")
        for table, columns in COLUMNS.items():
            info = self.db.execute(f"PRAGMA table_info({table})").fetchall()
            _check_columns(table, columns, {r[1]: bool(r[3]) and r[4] is None and not r[5]
                                            for r in info})  # fmt: skip
            marks = ", ".join("?" for _ in columns)
            self.sql[table] = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if drop_indexes:
            rows = self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(repr(t) for t in COLUMNS)})"
            ).fetchall()
            for name, sql in rows:
                self.db.execute(f'DROP INDEX "{name}"')
                self.indexes.append(sql)
        self.db.execute("BEGIN")

    async def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.db.executemany(self.sql[table], rows)

    async def close(self) -> None:
        self.db.execute("COMMIT")
        for sql in self.indexes:
            self.db.execute(sql)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.close()


class PgWriter:
    """Rows by COPY, with the secondary indexes dropped during the load."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn: Any = None
        self.indexes: list[str] = []

    def ts(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def day(self, value: date) -> date:
        return value

    async def open(self, drop_indexes: bool) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        for table, columns in COLUMNS.items():
            info = await self.conn.fetch(
                "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL AS required "
                "FROM information_schema.columns WHERE table_name = $1",
                table,
            )
            _check_columns(table, columns, {r["column_name"]: r["required"] for r in info})
        if drop_indexes:
            rows = await self.conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "AND tablename = ANY($1::text[]) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
                list(COLUMNS),
            )
            for row in rows:
                await self.conn.execute(f'DROP INDEX "{row["indexname"]}"')
                self.indexes.append(row["indexdef"])

    async def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))

    async def close(self) -> None:
        for sql in self.indexes:
            await self.conn.execute(sql)
        for table in ID_TABLES:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        await self.conn.execute("ANALYZE")
        await self.conn.close()


def _check_columns(table: str, written: tuple[str, ...], actual: dict[str, bool]) -> None:
    """Every column written exists; every required one (no default) is written."""
    unknown = [c for c in written if c not in actual]
    missing = [c for c, required in actual.items() if required and c not in written]
    if unknown or missing:
        raise RuntimeError(f"{table}: the generator does not match the schema: "
                           f"unknown {unknown}, missing {missing}")  # fmt: skip


# --- one database ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Built:
    url: str
    facts: dict[str, Any]  # counts, fitting volunteers, seconds, size


async def _storage_check() -> None:
    """The generator's timestamp and JSON text equal what the models store on SQLite."""
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = create_sessionmaker(engine)
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with sessions() as session:
        session.add(
            OutboxMessage(idempotency_key="k", chat_id=1, payload=PURGED, not_before=moment,
                          next_attempt_at=moment, created_at=moment)
        )  # fmt: skip
        await session.commit()
        row = (await session.execute(text("SELECT created_at, payload FROM outbox"))).one()
    await engine.dispose()
    check_storage_format(tuple(row))


async def _places(url: str, now: datetime) -> list[Place]:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine, BASE_REVISION)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            await load_from_file(session, "kuzbass", now)
            await session.commit()
            rows = (await session.execute(select(Territory).order_by(Territory.id))).scalars()
            return [
                Place(t.id, t.code, t.name_ru, t.timezone, float(POPULATION_K.get(t.code, 0)))
                for t in rows
            ]
    finally:
        await engine.dispose()


async def build(url: str, cast: Cast, sizes: Sizes | None, seed: int = SEED) -> dict[str, Any]:
    """Fill a new database at ``url`` (the core; with ``sizes``, the bulk too), at
    BASE_REVISION; returns what was built."""
    started = time.perf_counter()
    now = int(time.time())
    await _storage_check()
    places = await _places(url, datetime.fromtimestamp(now, UTC))
    writer: SqliteWriter | PgWriter
    if make_url(url).get_backend_name() == "sqlite":
        writer = SqliteWriter(Path(str(make_url(url).database)))
    else:
        writer = PgWriter(_dsn(url))
    await writer.open(drop_indexes=sizes is not None)
    generator = Generator(places, cast, sizes, now, seed)
    sink = await generator.core(writer)
    if sizes is not None:
        facts: Facts = await generator.bulk(writer, sink)
    else:
        facts = Facts(sink.counts, generator.fitting(), 1.0)
    await writer.close()
    return {
        "built_at": now,
        "build_s": round(time.perf_counter() - started, 1),
        "rows": facts.counts,
        "fitting_volunteers_in_city": facts.fitting_in_city,
        "history_requests_with_outbox_rows_share": round(facts.outbox_keep_share, 3),
        "revision": BASE_REVISION,
    }


async def upgrade(url: str) -> float:
    """Migrate to the code's head; seconds taken."""
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return round(time.perf_counter() - started, 1)


# --- the cache ---------------------------------------------------------------------------
def cache_key(cast: Cast, sizes: Sizes, seed: int = SEED) -> str:
    spec = {"sizes": sizes.as_dict(), "subjects": cast.subjects, "team": cast.team_size,
            "seed": seed, "generator": GENERATOR_VERSION, "base": BASE_REVISION}  # fmt: skip
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def cache_dir() -> Path:
    path = Path(os.environ.get("BENCH_REGION_CACHE", ROOT / ".bench-cache" / "region"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fresh(meta: Path) -> dict[str, Any] | None:
    if not meta.exists():
        return None
    facts: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    if time.time() - facts["built_at"] > CACHE_MAX_AGE_DAYS * 86_400:
        return None
    return facts


async def sqlite_big(cast: Cast, sizes: Sizes, into: Path) -> dict[str, Any]:
    """The big SQLite database copied to ``into``, from the cache (built or migrated first
    when needed); what was built, and what this run had to do."""
    key, head = cache_key(cast, sizes), migrate.head_revision() or "head"
    folder = cache_dir()
    final = folder / f"region-{key}-{head}.sqlite3"
    meta = final.with_suffix(".json")
    facts = _fresh(meta)
    did: dict[str, Any] = {"cache": "hit" if facts and final.exists() else "miss"}
    if facts is None or not final.exists():
        base = folder / f"region-{key}-{BASE_REVISION}.sqlite3"
        base_meta = base.with_suffix(".json")
        facts = _fresh(base_meta)
        if facts is None or not base.exists():
            for stale in folder.glob("region-*"):
                stale.unlink()
            partial = base.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            facts = await build(f"sqlite+aiosqlite:///{partial}", cast, sizes)
            partial.rename(base)
            base_meta.write_text(json.dumps(facts, indent=1), encoding="utf-8")
            did["built_s"] = facts["build_s"]
        if head != BASE_REVISION:
            partial = final.with_suffix(".partial")
            shutil.copyfile(base, partial)
            facts = {**facts, "migrated_from": BASE_REVISION, "revision": head,
                     "migrate_s": await upgrade(f"sqlite+aiosqlite:///{partial}")}  # fmt: skip
            for stale in folder.glob(f"region-{key}-*"):
                if stale.name.split("-")[2].split(".")[0] not in (BASE_REVISION, head):
                    stale.unlink()
            partial.rename(final)
            meta.write_text(json.dumps(facts, indent=1), encoding="utf-8")
            did["migrated_s"] = facts["migrate_s"]
    started = time.perf_counter()
    await asyncio.to_thread(shutil.copyfile, final, into)
    did["copy_s"] = round(time.perf_counter() - started, 1)
    facts = {**facts, "file_mb": round(await asyncio.to_thread(os.path.getsize, into) / 2**20)}
    return {**facts, "this_run": did}


# --- PostgreSQL ------------------------------------------------------------------------------
def _dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_url(base: str, database: str) -> str:
    return make_url(base).set(database=database).render_as_string(hide_password=False)


async def pg_admin(base: str) -> Any:
    return await asyncpg.connect(_dsn(pg_url(base, "postgres")))


async def pg_exists(admin: Any, name: str) -> bool:
    return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def pg_drop(admin: Any, name: str) -> None:
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def pg_vacuum(url: str) -> None:
    """VACUUM (ANALYZE) the template once built and migrated. A database two years in
    service has been vacuumed by autovacuum all along, so its visibility map is set and
    index-only scans read only the index; one filled by COPY and migrated a minute ago has
    never been, and every count would fetch each row from the table (the first PostgreSQL
    run: /delivery's 220,000 heap fetches for a day's sent count)."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


async def pg_big(cast: Cast, sizes: Sizes, base_url: str, name: str) -> dict[str, Any]:
    """Database ``name`` made from the cached template (built or migrated first when
    needed); templates of other sizes or heads are dropped."""
    key, head = cache_key(cast, sizes), migrate.head_revision() or "head"
    folder = cache_dir()
    base_tpl, head_tpl = f"bench_region_{key}_{BASE_REVISION}", f"bench_region_{key}_{head}"
    admin = await pg_admin(base_url)
    try:
        facts = _fresh(folder / f"{head_tpl}.json")
        did: dict[str, Any] = {"cache": "hit"}
        if facts is None or not await pg_exists(admin, head_tpl):
            did["cache"] = "miss"
            facts = _fresh(folder / f"{base_tpl}.json")
            if facts is None or not await pg_exists(admin, base_tpl):
                for row in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'bench_region_%'"
                ):
                    await pg_drop(admin, row["datname"])
                await admin.execute(f'CREATE DATABASE "{base_tpl}"')
                facts = await build(pg_url(base_url, base_tpl), cast, sizes)
                (folder / f"{base_tpl}.json").write_text(json.dumps(facts), encoding="utf-8")
                did["built_s"] = facts["build_s"]
            if head != BASE_REVISION:
                await pg_drop(admin, head_tpl)
                await admin.execute(f'CREATE DATABASE "{head_tpl}" TEMPLATE "{base_tpl}"')
                migrated = await upgrade(pg_url(base_url, head_tpl))
                facts = {**facts, "migrated_from": BASE_REVISION, "revision": head,
                         "migrate_s": migrated}  # fmt: skip
                (folder / f"{head_tpl}.json").write_text(json.dumps(facts), encoding="utf-8")
                did["migrated_s"] = migrated
        template = head_tpl if head != BASE_REVISION else base_tpl
        if not facts.get("vacuumed"):
            started = time.perf_counter()
            await pg_vacuum(pg_url(base_url, template))
            facts = {**facts, "vacuumed": True}
            (folder / f"{template}.json").write_text(json.dumps(facts), encoding="utf-8")
            did["vacuum_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        await pg_drop(admin, name)
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        did["copy_s"] = round(time.perf_counter() - started, 1)
        size = await admin.fetchval("SELECT pg_database_size($1)", name)
    finally:
        await admin.close()
    return {**facts, "database_mb": round(size / 2**20), "this_run": did}


async def pg_small(cast: Cast, base_url: str, name: str) -> dict[str, Any]:
    admin = await pg_admin(base_url)
    try:
        await pg_drop(admin, name)
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    facts = await build(pg_url(base_url, name), cast, None)
    return {**facts, "migrate_s": await upgrade(pg_url(base_url, name))}


async def sqlite_small(cast: Cast, path: Path) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{path}"
    facts = await build(url, cast, None)
    return {**facts, "migrate_s": await upgrade(url)}
