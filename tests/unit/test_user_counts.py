"""/stats reads counters the database keeps by triggers (migration 0029), not a count of every
person: the counters follow inserts, changes of language and of blocked, deletes and raw SQL,
and the migration counts the people who were there before it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text, update

from bot.services.users import user_stats
from models import User, migrate
from models.db import create_engine, create_sessionmaker

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _person(user_id: int, code: str | None, locale: str | None = None) -> User:
    return User(
        id=user_id,
        first_name="Имя",
        language_code=code,
        locale=locale,
        blocked_bot=False,
        created_at=NOW,
        updated_at=NOW,
    )


async def _counted_by_scan(session: object) -> tuple[int, int, dict[tuple[str, str], int]]:
    """What the counters must equal: the old way, counting every person."""
    rows = await session.execute(  # type: ignore[attr-defined]
        select(User.locale, User.language_code, User.blocked_bot, func.count()).group_by(
            User.locale, User.language_code, User.blocked_bot
        )
    )
    total = blocked = 0
    keys: dict[tuple[str, str], int] = {}
    for locale, code, is_blocked, count in rows.all():
        total += count
        blocked += count if is_blocked else 0
        key = (locale or "", code or "")
        keys[key] = keys.get(key, 0) + count
    return total, blocked, keys


async def _counted(session: object) -> tuple[int, int, dict[tuple[str, str], int]]:
    rows = await session.execute(  # type: ignore[attr-defined]
        text("SELECT locale, language_code, blocked, n FROM user_counts WHERE n > 0")
    )
    total = blocked = 0
    keys: dict[tuple[str, str], int] = {}
    for locale, code, is_blocked, count in rows.all():
        total += count
        blocked += count if is_blocked else 0
        keys[(locale, code)] = keys.get((locale, code), 0) + count
    return total, blocked, keys


async def test_counters_follow_every_change_of_people(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, "0028")
        async with engine.begin() as conn:  # people from before the counters
            for user_id, code in ((1, "ru"), (2, "ru"), (3, "kk"), (4, None)):
                await conn.execute(
                    text(
                        "INSERT INTO users (id, first_name, language_code, blocked_bot, "
                        "created_at, updated_at) VALUES (:id, 'x', :code, :blocked, :now, :now)"
                    ),
                    {"id": user_id, "code": code, "blocked": user_id == 2, "now": NOW},
                )
        await migrate.upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            assert await _counted(session) == (4, 1, {("", "ru"): 2, ("", "kk"): 1, ("", ""): 1})
            stats = await user_stats(session, "ru")
            assert (stats.total, stats.blocked, stats.by_locale) == (4, 1, {"ru": 3, "kk": 1})

        async with sessions() as session:
            session.add_all([_person(5, "en"), _person(6, "kk", "ru"), _person(7, "ru")])
            await session.commit()
        async with sessions() as session:  # a person chooses a language, another blocks
            await session.execute(update(User).where(User.id == 3).values(locale="ru"))
            await session.execute(update(User).where(User.id == 5).values(blocked_bot=True))
            await session.execute(update(User).where(User.id == 2).values(blocked_bot=False))
            # a write that changes none of the counted columns leaves the counters alone
            await session.execute(update(User).where(User.id == 1).values(first_name="Новое"))
            await session.commit()
        async with sessions() as session:  # several at once, and an erasure
            await session.execute(
                update(User).where(User.id.in_([1, 7])).values(language_code="kk")
            )
            await session.execute(delete(User).where(User.id == 4))
            await session.commit()
        async with sessions() as session:  # a transaction rolled back counts nothing
            await session.execute(delete(User))
            await session.rollback()
        async with sessions() as session:  # NULL and '' are counted alike: no change
            await session.execute(update(User).where(User.id == 5).values(locale=""))
            await session.execute(update(User).where(User.id == 5).values(locale=None))
            await session.execute(update(User).where(User.id == 2).values(language_code=""))
            await session.execute(update(User).where(User.id == 2).values(language_code="ru"))
            await session.commit()
        async with sessions() as session:  # an upsert that changes the language
            await session.execute(
                text(
                    "INSERT INTO users (id, first_name, language_code, blocked_bot, created_at,"
                    " updated_at) VALUES (7, 'x', 'kk', false, :now, :now) ON CONFLICT (id) DO"
                    " UPDATE SET language_code = excluded.language_code"
                ),
                {"now": NOW},
            )
            await session.commit()
        async with sessions() as session:
            assert await _counted(session) == await _counted_by_scan(session)
            stats = await user_stats(session, "ru")
            assert (stats.total, stats.blocked) == (6, 1)
            # 3 and 6 chose Russian, 2 has it from Telegram, 5 reads English (so the
            # default, Russian); 1 and 7 have Kazakh from Telegram
            assert stats.by_locale == {"ru": 4, "kk": 2}
        await migrate.downgrade(engine, "0028")
        async with engine.connect() as conn:  # the triggers went with the table
            await conn.execute(text("UPDATE users SET locale = 'kk'"))
    finally:
        await engine.dispose()
