"""The region benchmark's pure parts: the generator writes what the models would store, the
same rows for the same seed, keys the services would write; the cache key and the verdicts.
The sizes themselves live in the benchmark, never here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bench.region import Bystander, Sample, _ms, compare
from bench.region_build import _storage_check, cache_key
from bench.region_data import (
    CITY,
    COLUMNS,
    POPULATION_K,
    Cast,
    Generator,
    Place,
    Sizes,
    sqlite_ts,
)
from bot.services.outbox import subject_of


class _Rows:
    """A writer that keeps every row, values as the generator gives them."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def ts(self, seconds: int) -> str:
        return sqlite_ts(seconds)

    def day(self, value: date) -> str:
        return value.isoformat()

    async def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        assert all(len(row) == len(COLUMNS[table]) for row in rows), table
        self.rows.setdefault(table, []).extend(rows)


def _places() -> list[Place]:
    return [
        Place(n + 1, code, code, "Asia/Novokuznetsk", float(weight))
        for n, (code, weight) in enumerate(POPULATION_K.items())
    ]


async def _generate(sizes: Sizes | None, seed: int = 5) -> _Rows:
    writer = _Rows()
    generator = Generator(_places(), Cast(subjects=3), sizes, 1_790_000_000, seed)
    sink = await generator.core(writer)
    if sizes is not None:
        await generator.bulk(writer, sink)
    return writer


def test_timestamps_are_sqlalchemys_sqlite_text() -> None:
    for seconds in (0, 1_790_000_000, 1_790_000_000 + 86_399, 951_782_400):  # 2000-02-29
        expected = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.000000")
        assert sqlite_ts(seconds) == expected


async def test_generator_writes_what_the_models_store() -> None:
    await _storage_check()  # raises when a timestamp or JSON text differs


async def test_same_seed_same_rows_and_the_core_is_the_same_in_both_databases() -> None:
    sizes = Sizes().scaled(0.0005)
    first, again = await _generate(sizes), await _generate(sizes)
    assert first.rows == again.rows
    small = await _generate(None)
    for table, rows in small.rows.items():
        assert first.rows[table][: len(rows)] == rows, table  # the core comes first, same ids


async def test_outbox_keys_carry_the_subject_the_services_would_write() -> None:
    rows = (await _generate(Sizes().scaled(0.0005))).rows["outbox"]
    key, subject = COLUMNS["outbox"].index("idempotency_key"), COLUMNS["outbox"].index("subject")
    assert len({row[key] for row in rows}) == len(rows)  # the unique index would refuse twins
    assert all(row[subject] == subject_of(row[key]) for row in rows)
    assert any(row[key].startswith("req:") and ":push:" in row[key] for row in rows)


async def test_leaving_citizens_have_twenty_requests_in_the_city() -> None:
    cast = Cast(subjects=3)
    rows = (await _generate(None)).rows["help_requests"]
    requester, territory = (
        COLUMNS["help_requests"].index(c) for c in ("requester_id", "territory_id")
    )
    city = next(p.id for p in _places() if p.code == CITY)
    for citizen in cast.leaving_citizens:
        mine = [row for row in rows if row[requester] == citizen]
        assert len(mine) == 20
        assert {row[territory] for row in mine} == {city}


def test_cache_key_follows_sizes_and_cast() -> None:
    cast, sizes = Cast(subjects=35), Sizes()
    assert cache_key(cast, sizes) == cache_key(Cast(subjects=35), Sizes())
    assert cache_key(cast, sizes) != cache_key(cast, Sizes(outbox=5_600_001))
    assert cache_key(cast, sizes) != cache_key(Cast(subjects=36), sizes)


def test_percentiles() -> None:
    figures = _ms([n / 1000 for n in range(1, 101)])
    assert figures == {"n": 100, "p50_ms": 50.5, "p95_ms": 95.1, "max_ms": 100.0}
    assert _ms([]) == {}


def test_bystander_counts_only_updates_overlapping_an_action() -> None:
    bystander = Bystander(person=None)  # type: ignore[arg-type]
    bystander.pings = [(0.0, 0.1), (0.2, 1.5), (2.0, 2.05)]
    assert bystander.during([(1.0, 1.2)]) == [pytest.approx(1.3)]
    assert Sample(1.0, 1.2, answer=1.4).last == 1.4


def test_verdicts() -> None:
    def db(p95: float, other: float, **extra: Any) -> dict[str, Any]:
        row = {"p50_ms": p95, "p95_ms": p95, "other_max_ms": other, **extra}
        return {"bystander_idle": {"p50_ms": 10.0}, "actions": {"stats": row}}

    assert compare(db(10, 20), db(19, 60))["meets_targets"]
    assert not compare(db(10, 20), db(21, 60))["meets_targets"]  # more than twice the small
    assert not compare(db(40, 20), db(55, 60))["meets_targets"]  # over 50 ms
    assert not compare(db(10, 20), db(12, 111))["meets_targets"]  # someone else waited
    erasure = {"answer": {"max_ms": 190.0}}
    small, big = db(100, 20), db(190, 60, **erasure)
    small["actions"] = {"forget_citizen": small["actions"]["stats"]}
    big["actions"] = {"forget_citizen": big["actions"]["stats"]}
    assert compare(small, big)["meets_targets"]  # 200 ms, not twice the small, for erasure


def test_sizes_scale() -> None:
    assert Sizes().scaled(0.01).outbox == 56_000
    assert Sizes().scaled(0.0).open == 1
