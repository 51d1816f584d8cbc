"""Loading territory files: both shipped files, malformed ones, reloads that keep data."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services import coordinators
from bot.services.territories import (
    COLUMNS,
    PICKER_TTL,
    TerritoryFileError,
    contains_point,
    load_from_file,
    load_territories,
    neighbours_of,
    options_under,
    parse_territories,
    picker_options,
    resolve_file,
)
from bot.services.users import Profile, touch_user
from models import Territory, migrate
from models.db import create_engine, create_sessionmaker
from tests.unit.test_offer_waves import statements

HEADER = ",".join(COLUMNS)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


def test_kuzbass_file_has_its_34_districts() -> None:
    rows = parse_territories(resolve_file("kuzbass").read_text(encoding="utf-8"))
    root = [r for r in rows if r.parent is None]
    assert [r.code for r in root] == ["kuzbass"]
    districts = [r for r in rows if r.parent == "kuzbass"]
    assert len(districts) == 34
    assert {r.kind for r in districts} == {"city", "district"}
    assert len([r for r in districts if r.kind == "city"]) == 16
    assert {r.timezone for r in rows} == {"Asia/Novokuznetsk"}
    assert all(r.neighbours for r in districts)


def test_kazakhstan_file_has_17_regions_and_3_cities() -> None:
    rows = parse_territories(resolve_file("kazakhstan").read_text(encoding="utf-8"))
    assert len([r for r in rows if r.kind == "region"]) == 17
    assert {r.name_kk for r in rows if r.kind == "city"} == {
        "Астана қаласы",
        "Алматы қаласы",
        "Шымкент қаласы",
    }
    assert next(r for r in rows if r.code == "aktobe").timezone == "Asia/Aqtobe"
    for row in rows:
        ZoneInfo(row.timezone)
        assert row.name_kk != row.name_ru


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ["the file has no header"]),
        ("code,name\nx,y", ["the header must be"]),
        (f"{HEADER}\n", ["lists no territories"]),
        (f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,43,76,10", ["line 2: expected 10 columns, found 9"]),
        (f"{HEADER}\nAB,А,Ә,city,,Asia/Almaty,43,76,10,", ["line 2: code 'AB'"]),
        (f"{HEADER}\nab,,Ә,city,,Asia/Almaty,43,76,10,", ["line 2: name_ru must be"]),
        (f"{HEADER}\nab,А,Ә,town,,Asia/Almaty,43,76,10,", ["line 2: kind 'town'"]),
        (f"{HEADER}\nab,А,Ә,city,,Europe/Nowhere,43,76,10,", ["line 2: timezone 'Europe/Nowhere'"]),
        (
            f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,north,76,10,",
            ["line 2: lat 'north' is not a number"],
        ),
        (f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,43,276,10,", ["line 2: lon 276 is out of range"]),
        (
            f"{HEADER}\nab,А,Ә,city,zz,Asia/Almaty,43,76,10,",
            ["line 2: parent 'zz' is not in the file"],
        ),
        (
            f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,43,76,10,ab",
            ["line 2: a territory cannot be its own"],
        ),
        (
            f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,43,76,10,cd",
            ["line 2: neighbour 'cd' is not in the file"],
        ),
        (
            f"{HEADER}\nab,А,Ә,city,,Asia/Almaty,43,76,10,\nab,Б,Б,city,,Asia/Almaty,43,76,10,",
            ["line 3: code 'ab' already used on line 2"],
        ),
        (
            f"{HEADER}\nab,А,Ә,city,cd,Asia/Almaty,43,76,10,\ncd,Б,Б,city,ab,Asia/Almaty,43,76,10,",
            ["line 2: 'ab' is its own ancestor", "line 3: 'cd' is its own ancestor"],
        ),
    ],
)
def test_malformed_files_name_every_bad_line(body: str, expected: list[str]) -> None:
    with pytest.raises(TerritoryFileError) as info:
        parse_territories(body)
    assert len(info.value.errors) == len(expected)
    for error, start in zip(info.value.errors, expected, strict=True):
        assert start in error


def test_comments_and_blank_lines_are_skipped() -> None:
    body = f"# a comment\n\n{HEADER}\n# another\nab,А,Ә,city,,Asia/Almaty,43,76,10,\n"
    assert [r.code for r in parse_territories(body)] == ["ab"]


async def test_load_both_files_and_reload_keeps_territories_with_data(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    async with sessions() as session:
        report = await load_from_file(session, "kuzbass", clock.now())
        await session.commit()
    assert len(report.added) == 35
    async with sessions() as session:
        yurga = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert yurga is not None and yurga.parent_id is not None
        assert "yurginsky-district" in {t.code for t in await neighbours_of(session, yurga.id)}
        # A coordinator of Yurga: that territory now holds data.
        user, _ = await touch_user(session, Profile(5, "Ольга"), clock.now(), wrote_to_bot=True)
        await coordinators.appoint(
            session,
            user_id=user.id,
            territory_ids=[yurga.id],
            hq=False,
            actor_id=1,
            now=clock.now(),
        )
        await session.commit()

    async with sessions() as session:
        report = await load_from_file(session, "kazakhstan", clock.now())
        await session.commit()
    assert len(report.added) == 20
    assert report.kept == ["kuzbass", "yurga"]  # Yurga holds data, and Kuzbass is its parent
    assert len(report.removed) == 33

    async with sessions() as session:
        codes = set((await session.scalars(select(Territory.code))).all())
    assert {"yurga", "kuzbass", "astana"} <= codes and "kemerovo" not in codes


async def test_reload_updates_names_and_neighbours(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock()
    zone = "city,,Asia/Almaty"
    first = (
        f"{HEADER}\nab,Аб,Әб,{zone},43,76,10,cd\ncd,Сд,Сд2,{zone},44,76,10,ab\n"
        f"ef,Еф,Еф2,{zone},45,76,10,"
    )
    second = (
        f"{HEADER}\nab,Аб новое,Әб,{zone},43,76,10,ef\ncd,Сд,Сд2,{zone},44,76,10,\n"
        f"ef,Еф,Еф2,{zone},45,76,10,ab"
    )
    async with sessions() as session:
        await load_territories(session, parse_territories(first), clock.now())
        await session.commit()
        report = await load_territories(session, parse_territories(second), clock.now())
        await session.commit()
        assert report.updated == ["ab"] and not report.added and not report.removed
        ab = await session.scalar(select(Territory).where(Territory.code == "ab"))
        assert ab is not None and ab.name_ru == "Аб новое"
        assert [t.code for t in await neighbours_of(session, ab.id)] == ["ef"]


def test_a_pin_inside_and_outside() -> None:
    yurga = Territory(code="yurga", lat=55.72, lon=84.89, radius_km=15)
    assert contains_point(yurga, 55.70, 84.95)
    assert not contains_point(yurga, 55.35, 86.09)  # Kemerovo


@pytest.mark.parametrize(
    ("zone", "setting", "expected"),
    [
        ("Asia/Novokuznetsk", None, 35),
        ("Asia/Almaty", None, 20),
        ("Asia/Almaty", "kuzbass", 35),
        ("Asia/Novokuznetsk", "off", 0),
    ],
)
async def test_a_new_deployment_gets_territories_once(
    sqlite_url: str, zone: str, setting: str | None, expected: int
) -> None:
    from bot.app import create_app
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        bot_token="1:x",
        telegram_api_url="http://127.0.0.1:9",
        database_url=sqlite_url,
        default_timezone=zone,
        territories=setting,
    )
    app = await create_app(settings, clock=FakeClock())
    try:
        async with app.sessionmaker() as session:
            assert len((await session.scalars(select(Territory))).all()) == expected
            if expected:  # a hand-made change survives the next start when TERRITORIES is unset
                first = await session.scalar(select(Territory).limit(1))
                assert first is not None
                first.name_ru = "Изменено вручную"
                await session.commit()
    finally:
        await app.close()
    if setting is None and expected:
        app = await create_app(settings, clock=FakeClock())
        try:
            async with app.sessionmaker() as session:
                names = set((await session.scalars(select(Territory.name_ru))).all())
            assert "Изменено вручную" in names
        finally:
            await app.close()


async def test_the_pickers_list_is_read_once_a_while_and_anew_after_a_load(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    async with sessions() as session:
        assert await picker_options(session) == ()  # nothing loaded yet: the form says so
        await load_from_file(session, "kuzbass", clock.now())
        await session.commit()
    async with sessions() as session:
        options = await picker_options(session)
    assert len(options) == 35 and options[0].name("kk") != options[0].name("ru")
    engine = sessions.kw["bind"]
    with statements(engine) as seen:
        async with sessions() as session:
            assert await picker_options(session) is options  # kept: no statement
            under = await options_under(session, None)
    assert seen == [] and len(under) == 34  # the region opens into its districts
    # Another process (the CLI, a replica) renames a district: seen once the list is old.
    async with sessions() as session:
        territory = await session.scalar(select(Territory).where(Territory.code == "yurga"))
        assert territory is not None
        territory.name_ru = "Юрга"
        await session.commit()
    async with sessions() as session:
        assert "Юрга" not in {o.name_ru for o in await picker_options(session)}
        now = time.monotonic()
        monkeypatch.setattr(time, "monotonic", lambda: now + PICKER_TTL)
        assert "Юрга" in {o.name_ru for o in await picker_options(session)}
        monkeypatch.undo()
    # A load in this process is seen once it commits, though a picker read the list meanwhile;
    # the loading session itself reads what it loads, and keeps it to itself.
    async with sessions() as loading:
        await load_from_file(loading, "kuzbass", clock.now())
        assert "Юрга" not in {o.name_ru for o in await picker_options(loading)}
        if engine.dialect.name == "postgresql":  # SQLite's one connection is the load's now
            later = time.monotonic() + 2 * PICKER_TTL
            monkeypatch.setattr(time, "monotonic", lambda: later)  # the kept list is old
            async with sessions() as session:  # reads and keeps what is committed
                assert "Юрга" in {o.name_ru for o in await picker_options(session)}
        await loading.commit()
    async with sessions() as session:
        assert "Юрга" not in {o.name_ru for o in await picker_options(session)}


async def test_a_pickers_read_that_a_load_overtakes_is_not_kept(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL only: SQLite's one connection never lets a load commit during a read."""
    engine = create_engine(pg_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    clock = FakeClock()
    async with sessions() as session:
        await load_from_file(session, "kuzbass", clock.now())
        await session.commit()
    later = time.monotonic() + 2 * PICKER_TTL
    monkeypatch.setattr(time, "monotonic", lambda: later)  # nothing kept is fresh
    async with sessions() as reader:
        read = reader.execute

        async def read_then_a_load_commits(*args: Any, **kwargs: Any) -> Any:
            result = await read(*args, **kwargs)
            async with sessions() as loading:
                await load_territories(loading, [], clock.now())  # removes what holds no data
                await loading.commit()
            return result

        monkeypatch.setattr(reader, "execute", read_then_a_load_commits)
        assert len(await picker_options(reader)) == 35  # what it read, from before the load
    async with sessions() as session:
        assert await picker_options(session) == ()  # the load's outcome, not that read
    await engine.dispose()
