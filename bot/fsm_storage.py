"""Form state in the database, so a half-filled form survives a restart.

Inside an update it uses that update's own session (set by the DB middleware), so the state
is committed together with what the handler stored and never waits on its own lock; outside
an update it opens a short session of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from models import FsmRecord

current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class DbStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self.sessionmaker() as own, own.begin():
            yield own

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def _record(self, session: AsyncSession, key: StorageKey) -> FsmRecord | None:
        return await session.get(FsmRecord, self._key(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            record = await self._record(session, key)
            if record is None:
                if value is None:
                    return
                session.add(
                    FsmRecord(key=self._key(key), state=value, data={}, updated_at=self.clock.now())
                )
            else:
                record.state = value
                record.updated_at = self.clock.now()
                if value is None and not record.data:
                    await session.delete(record)
            await session.flush()

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            record = await self._record(session, key)
            return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            record = await self._record(session, key)
            if record is None:
                if not data:
                    return
                session.add(
                    FsmRecord(
                        key=self._key(key), state=None, data=dict(data), updated_at=self.clock.now()
                    )
                )
            else:
                record.data = dict(data)
                record.updated_at = self.clock.now()
                if not data and record.state is None:
                    await session.delete(record)
            await session.flush()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            record = await self._record(session, key)
            return dict(record.data) if record else {}

    async def close(self) -> None:
        return None
