from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FakeClock
from bot.services.users import Profile, roles_for, set_blocked, touch_user, user_stats
from models import migrate
from models.db import create_engine, create_sessionmaker


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


async def test_first_update_creates_then_refreshes(session: AsyncSession) -> None:
    clock = FakeClock()
    user, changed = await touch_user(
        session, Profile(7, "Анна", language_code="ru"), clock.now(), wrote_to_bot=True
    )
    assert changed and user.first_name == "Анна" and user.created_at == clock.now()
    await session.commit()

    clock.advance(timedelta(hours=1))
    same, changed = await touch_user(
        session, Profile(7, "Анна", language_code="ru"), clock.now(), wrote_to_bot=True
    )
    assert not changed and same.updated_at == user.created_at

    renamed, changed = await touch_user(
        session, Profile(7, "Анна", "Ким", "anna", "kk"), clock.now(), wrote_to_bot=True
    )
    assert changed and renamed.username == "anna" and renamed.updated_at == clock.now()


async def test_writing_again_clears_blocked(session: AsyncSession) -> None:
    clock = FakeClock()
    user, _ = await touch_user(session, Profile(8, "Ержан"), clock.now(), wrote_to_bot=True)
    await set_blocked(session, user, True, clock.now())
    assert user.blocked_bot
    _, changed = await touch_user(session, Profile(8, "Ержан"), clock.now(), wrote_to_bot=False)
    assert not changed and user.blocked_bot
    _, changed = await touch_user(session, Profile(8, "Ержан"), clock.now(), wrote_to_bot=True)
    assert changed and not user.blocked_bot


async def test_stats_count_languages_and_blocks(session: AsyncSession) -> None:
    clock = FakeClock()
    for uid, code in [(1, "ru"), (2, "kk"), (3, "en"), (4, None)]:
        await touch_user(
            session, Profile(uid, "X", language_code=code), clock.now(), wrote_to_bot=True
        )
    user, _ = await touch_user(
        session, Profile(5, "Y", language_code="ru"), clock.now(), wrote_to_bot=True
    )
    user.locale = "kk"
    await set_blocked(session, user, True, clock.now())
    await session.commit()
    stats = await user_stats(session, default_locale="ru")
    assert (stats.total, stats.blocked) == (5, 1)
    assert stats.by_locale == {"ru": 3, "kk": 2}


async def test_admin_ids_are_hq(session: AsyncSession) -> None:
    clock = FakeClock()
    admin, _ = await touch_user(session, Profile(100, "HQ"), clock.now(), wrote_to_bot=True)
    citizen, _ = await touch_user(session, Profile(101, "C"), clock.now(), wrote_to_bot=True)
    await session.commit()
    admin_roles = await roles_for(session, admin, {100})
    assert admin_roles.is_hq and admin_roles.is_coordinator and admin_roles.can_act_in(42)
    citizen_roles = await roles_for(session, citizen, {100})
    assert not citizen_roles.is_coordinator and not citizen_roles.can_act_in(42)
    assert citizen_roles.is_citizen
