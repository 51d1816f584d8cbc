"""The bot's update queue with getUpdates semantics (offsets, long polling, filters)."""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import POLL_CONFLICT, WEBHOOK_CONFLICT, ApiError, conflict

JSON = dict[str, Any]

# Sent only when asked for explicitly: "Specify an empty list to receive all update types
# except chat_member, message_reaction, and message_reaction_count (default)."
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self.pending: list[JSON] = []
        self.next_id = first_update_id
        self.allowed_updates: list[str] = []  # [] = Telegram's default set
        self.handed_out_upto = 0  # highest update_id returned by getUpdates
        self.webhook_active = False
        self.closed = False  # the emulator is stopping: waiting polls return at once
        self._poll_generation = 0
        self._waiters: list[asyncio.Future[None]] = []

    def is_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_BY_DEFAULT

    def push(self, kind: str, payload: JSON) -> JSON | None:
        """Queue an update; filtered at creation time, as Telegram does."""
        if not self.is_allowed(kind):
            return None
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        self.pending.append(update)
        self.wake()
        return update

    def wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_for_change(self, timeout: float) -> None:
        """Sleep until something is pushed (or the poll state changes), at most timeout."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            pass
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)

    def close(self) -> None:
        self.closed = True
        self.wake()

    def drop_all(self) -> None:
        self.pending.clear()

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    @property
    def all_fetched(self) -> bool:
        if not self.pending:
            return True
        return not self.webhook_active and self.pending[-1]["update_id"] <= self.handed_out_upto

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            # "retrieve updates starting from -offset update from the end of the queue.
            # All previous updates will be forgotten."
            self.pending = self.pending[offset:]

    def _take(self, limit: int) -> list[JSON]:
        batch = self.pending[:limit]
        if batch:
            self.handed_out_upto = max(self.handed_out_upto, batch[-1]["update_id"])
        return batch

    async def get_updates(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JSON]:
        if self.webhook_active:
            raise conflict(WEBHOOK_CONFLICT)
        if allowed is not None:
            self.allowed_updates = list(allowed)
        self._confirm(offset)
        # A newer getUpdates ends an older waiting one with 409, like Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise conflict(POLL_CONFLICT)
            if self.webhook_active or self.closed:
                return []
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            finally:
                if fut in self._waiters:
                    self._waiters.remove(fut)


def check_allowed_updates(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ApiError(400, "Bad Request: can't parse allowed updates")
    return [str(v) for v in value]
