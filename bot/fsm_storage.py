"""Form state in the database, so a half-filled form survives a restart.

Inside an update it uses that update's own session (set by the DB middleware), so the state
is committed together with what the handler stored and never waits on its own lock; outside
an update it opens a short session of its own.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.users import PREFETCHED, person_and_form
from models import FsmRecord
from models.fsm import FSM_CACHE as _CACHE

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
        """The record, read once per transaction: a handler asks for state and data several
        times per step, and the session's identity map only holds rows weakly (so it would
        query again each time). The cache also remembers that there is no record."""
        cache: dict[str, FsmRecord | None] = session.info.setdefault(_CACHE, {})
        name = self._key(key)
        if name not in cache:
            if session is current_session.get() and not session.info.get(PREFETCHED):
                # An update's first read (aiogram's FSM middleware, inside the person's
                # lock): the person and their roles come in the same statement.
                cache[name] = await person_and_form(session, key.user_id, name)
            else:
                cache[name] = await session.get(FsmRecord, name)
        return cache[name]

    @staticmethod
    def _remember(session: AsyncSession, name: str, record: FsmRecord | None) -> None:
        session.info.setdefault(_CACHE, {})[name] = record

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            record = await self._record(session, key)
            if record is None:
                if value is None:
                    return
                record = FsmRecord(
                    key=self._key(key), state=value, data={}, updated_at=self.clock.now()
                )
                session.add(record)
                self._remember(session, record.key, record)
            else:
                record.state = value
                record.updated_at = self.clock.now()
                if value is None and not record.data:
                    await session.delete(record)
                    self._remember(session, record.key, None)
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
                record = FsmRecord(
                    key=self._key(key),
                    state=None,
                    data=copy.deepcopy(dict(data)),
                    updated_at=self.clock.now(),
                )
                session.add(record)
                self._remember(session, record.key, record)
            else:
                record.data = copy.deepcopy(dict(data))  # never shares nested values
                record.updated_at = self.clock.now()
                if not data and record.state is None:
                    await session.delete(record)
                    self._remember(session, record.key, None)
            await session.flush()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            record = await self._record(session, key)
            # A deep copy: a handler changing a nested list in place and storing it again
            # must be seen as a change.
            return copy.deepcopy(dict(record.data)) if record else {}

    async def close(self) -> None:
        return None
