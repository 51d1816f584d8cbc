"""Form state in the database, so a half-filled form survives a restart.

Inside an update it uses that update's own session (set by the DB middleware), so the state
is committed together with what the handler stored and never waits on its own lock; outside
an update it opens a short session of its own.

A form is read once per update (with the person, bot.services.users.person_and_form) and
kept in the session (models.fsm.Form); changes are written once, when the session commits
(models.fsm's ``before_commit``), as plain statements built once. A form step used to cost
an ORM read after each commit and an ORM flush per call (issue 15: about a tenth of the bot's
CPU in the help-request flow).
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
from models.fsm import FSM_CACHE, READ, Form

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

    async def _form(self, session: AsyncSession, key: StorageKey) -> Form:
        """The form as this session knows it, read from the database the first time."""
        forms: dict[str, Form] = session.info.setdefault(FSM_CACHE, {})
        name = self._key(key)
        form = forms.get(name)
        if form is None:
            if session is current_session.get() and not session.info.get(PREFETCHED):
                # An update's first read (aiogram's FSM middleware, inside the person's
                # lock): the person and their roles come in the same statement.
                row = await person_and_form(session, key.user_id, name)
            else:
                row = (await session.execute(READ, {"form_key": name})).first()
            if row is None:
                form = Form(None, {}, stored=False)
            else:
                form = Form(row[0], row[1] if row[1] is not None else {}, stored=True)
            forms[name] = form
        return form

    def _changed(self, session: AsyncSession, form: Form) -> None:
        form.unwritten = True
        form.updated_at = self.clock.now()
        if not session.in_transaction():
            # After the update's last commit: a transaction (no connection yet) to be
            # committed before the next reply (bot/middlewares/requests.py) or rolled back.
            session.sync_session.begin()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            form = await self._form(session, key)
            if form.state != value:
                form.state = value
                self._changed(session, form)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            return (await self._form(session, key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            form = await self._form(session, key)
            form.data = copy.deepcopy(dict(data))  # never shares nested values
            self._changed(session, form)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            # A deep copy: a handler changing a nested list in place and storing it again
            # must be seen as a change.
            return copy.deepcopy((await self._form(session, key)).data)

    async def close(self) -> None:
        return None
