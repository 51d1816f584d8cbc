"""Form state lives in the database and survives a new storage (a restart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendMessage
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.fsm_storage import DbStorage, current_session
from bot.middlewares.requests import CommitBeforeSendMiddleware
from models import FsmRecord, migrate
from models.db import create_engine, create_sessionmaker
from tests.unit.test_offer_waves import statements


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)
NOW = FakeClock().now()


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


async def _migrated(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    return engine, create_sessionmaker(engine)


@asynccontextmanager
async def _update(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session as an update has it (bot.middlewares.db)."""
    async with sessions() as session:
        token = current_session.set(session)
        try:
            yield session
        finally:
            current_session.reset(token)


def _forms(seen: list[str]) -> list[str]:
    return [s.split()[0] for s in seen if "fsm_states" in s]


async def test_a_form_step_is_one_write_at_commit_and_kept_after_it(database_url: str) -> None:
    engine, sessions = await _migrated(database_url)
    storage = DbStorage(sessions, FakeClock())
    async with _update(sessions) as session:
        with statements(engine) as seen:
            assert await storage.get_state(KEY) is None  # read once
            await storage.update_data(KEY, {"name": "Анна"})
            await storage.set_state(KEY, Form.name)
            assert _forms(seen) == ["SELECT"]  # nothing written before the commit
            await session.commit()
            assert _forms(seen) == ["SELECT", "INSERT"]  # state and data together
            # After the commit (before a reply), the form is not read again.
            assert await storage.get_data(KEY) == {"name": "Анна"}
            await storage.update_data(KEY, {"age": 82})
            await session.commit()
            assert _forms(seen) == ["SELECT", "INSERT", "UPDATE"]
            await session.commit()  # nothing changed: nothing written
            assert _forms(seen) == ["SELECT", "INSERT", "UPDATE"]
    assert await storage.get_data(KEY) == {"name": "Анна", "age": 82}
    assert await storage.get_state(KEY) == Form.name.state
    async with _update(sessions) as session:
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {})
        with statements(engine) as seen:
            await session.commit()
        assert _forms(seen) == ["DELETE"]  # a finished form leaves no row
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
    await engine.dispose()


async def test_a_change_waits_for_the_commit_before_the_reply(database_url: str) -> None:
    """A form changed after the update's last commit is written before the next Bot API call
    (it opens a transaction to be committed): a reply never asks a question the state does
    not expect."""
    engine, sessions = await _migrated(database_url)
    storage = DbStorage(sessions, FakeClock())
    seen_by_telegram: list[str | None] = []

    async def make_request(_bot: Any, _method: Any) -> Any:
        async with sessions() as other:  # what a restart right now would find
            seen_by_telegram.append(await other.scalar(select(FsmRecord.state)))
        return True

    async with _update(sessions) as session:
        await storage.get_state(KEY)
        await session.commit()
        assert not session.in_transaction()
        await storage.set_state(KEY, Form.name)
        send = SendMessage(chat_id=10, text="?")
        await CommitBeforeSendMiddleware()(cast(Any, make_request), cast(Any, None), send)
    assert seen_by_telegram == [Form.name.state]
    await engine.dispose()


async def test_a_form_erased_meanwhile_is_not_brought_back(database_url: str) -> None:
    """/forget's erasure may delete the form in its own session while the person's update
    runs: the update's later change finds no row and writes none."""
    engine, sessions = await _migrated(database_url)
    storage = DbStorage(sessions, FakeClock())
    await storage.set_state(KEY, Form.name)
    await storage.update_data(KEY, {"phone": "+7 913 123 45 67"})
    async with _update(sessions) as session:
        assert await storage.get_data(KEY) == {"phone": "+7 913 123 45 67"}
        await session.commit()
        async with sessions() as eraser:
            await eraser.execute(delete(FsmRecord))
            await eraser.commit()
        await storage.update_data(KEY, {"address": "ул. Ленина, 5"})
        await session.commit()
        assert await storage.get_data(KEY) == {}  # the rest of the update sees it gone
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
    await engine.dispose()


async def test_a_rollback_forgets_what_was_not_written(database_url: str) -> None:
    engine, sessions = await _migrated(database_url)
    storage = DbStorage(sessions, FakeClock())
    async with _update(sessions) as session:
        await storage.set_state(KEY, Form.name)
        await session.commit()
        await storage.update_data(KEY, {"name": "Анна"})
        await session.rollback()
        assert await storage.get_data(KEY) == {}  # read again: the committed form
        assert await storage.get_state(KEY) == Form.name.state
    await engine.dispose()


async def test_a_failed_savepoint_keeps_the_forms_changes(database_url: str) -> None:
    """A step that changes the form, then fails a savepoint (an insert that breaks a unique
    constraint, handled) and commits: the form's changes are kept, as the rest of the
    transaction is."""
    engine, sessions = await _migrated(database_url)
    storage = DbStorage(sessions, FakeClock())
    async with _update(sessions) as session:
        await storage.set_state(KEY, Form.name)
        await storage.update_data(KEY, {"answer": 42})
        await session.execute(insert(FsmRecord).values(key="other", data={}, updated_at=NOW))
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(
                    insert(FsmRecord).values(key="other", data={}, updated_at=NOW)
                )
        await storage.update_data(KEY, {"more": True})
        await session.commit()
    assert await storage.get_state(KEY) == Form.name.state
    assert await storage.get_data(KEY) == {"answer": 42, "more": True}
    await engine.dispose()
