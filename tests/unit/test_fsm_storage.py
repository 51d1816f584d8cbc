"""Form state lives in the database and survives a new storage (a restart)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.clock import FakeClock
from bot.fsm_storage import DbStorage, current_session
from models import migrate
from models.db import create_engine, create_sessionmaker


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)


async def test_state_and_data_survive_restart(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    storage = DbStorage(create_sessionmaker(engine), FakeClock())
    await storage.set_state(KEY, Form.name)
    await storage.update_data(KEY, {"name": "Әлия", "n": 3})
    await engine.dispose()

    engine = create_engine(database_url)
    storage = DbStorage(create_sessionmaker(engine), FakeClock())
    assert await storage.get_state(KEY) == Form.name.state
    assert await storage.get_data(KEY) == {"name": "Әлия", "n": 3}
    assert await storage.get_state(StorageKey(bot_id=1, chat_id=11, user_id=11)) is None

    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) is None and await storage.get_data(KEY) == {}
    await engine.dispose()


async def test_uses_the_updates_own_session_and_its_transaction(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    storage = DbStorage(sessionmaker, FakeClock())
    async with sessionmaker() as session:
        token = current_session.set(session)
        try:
            await storage.set_state(KEY, Form.name)
            await session.rollback()  # the update failed: its form step is not kept either
        finally:
            current_session.reset(token)
    assert await storage.get_state(KEY) is None
    await engine.dispose()
