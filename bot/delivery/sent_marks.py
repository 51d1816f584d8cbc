"""Sent rows marked together: one transaction for the sends that finish at about the same
time (group commit).

A request pushed to twenty volunteers ends in twenty answers from Telegram within a few
milliseconds, and the "taken" edits likewise. Marked one by one, each answer cost a session,
a transaction and a commit, more than the UPDATE itself. Here the first answer starts a
writer; the answers that arrive before it gets the connection, and while it writes, join the
next transaction. Nothing waits on purpose: a lone answer is written at once.

What a crash can cost is unchanged: a message Telegram took but not yet marked is sent again
when its lease expires (the guarantee is at least once), and a transaction here holds only
the few sends that were in flight together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import outbox

logger = logging.getLogger(__name__)

Mark = tuple[int, str, int | None, datetime]  # row id, lease, Telegram's message id, sent at


class SentMarks:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self._waiting: list[tuple[Mark, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, row_id: int, lease: str, message_id: int | None, now: datetime) -> bool:
        """``outbox.mark_sent``: False when this claim no longer held the row. Raises what
        writing raised (the row stays leased: its lease expires and it is sent again)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((row_id, lease, message_id, now), future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="delivery-sent-marks")
        return await future

    async def _write_all(self) -> None:
        try:
            await asyncio.sleep(0)  # answers already read in this turn of the loop join in
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write(batch)
        finally:
            self._writer = None

    async def close(self) -> None:
        """Wait for the marks being written (a stop: before the worker hands back its leases,
        so a send Telegram took is not handed back and sent again)."""
        while self._writer is not None:
            with contextlib.suppress(Exception):  # its sends were told already
                await asyncio.shield(self._writer)

    async def _write(self, batch: list[tuple[Mark, asyncio.Future[bool]]]) -> None:
        # In row order: written row by row (a row under two claims, the fallback below), two
        # batches never take the same rows' locks in opposite orders on PostgreSQL. Written
        # as one statement, the rows are locked in the plan's order; two batches share a row
        # only when its lease was lost to another worker, and a deadlock there lands in the
        # row-by-row fallback.
        batch = sorted(batch, key=lambda item: item[0][0])
        try:
            async with self.sessionmaker() as session:
                held = await outbox.mark_sent_many(session, [mark for mark, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            # One bad row (or a deadlock) must not leave the others to be sent again: each
            # on its own, then.
            logger.warning("delivery: marking %d sent rows together failed; one by one", len(batch))
            for item in batch:
                await self._write([item])
            return
        for (_, future), was_held in zip(batch, held, strict=True):
            if not future.done():  # its send was cancelled meanwhile (a stop)
                future.set_result(was_held)


def _fail(batch: list[tuple[Mark, asyncio.Future[bool]]], error: Exception) -> None:
    """``error`` to each send of ``batch`` still waiting."""
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
