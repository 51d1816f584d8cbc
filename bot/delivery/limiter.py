"""Pacing under Telegram's limits: ~30 messages/s overall, 1/s per private chat, 20/min per group.

Real (monotonic) time on purpose: these are limits of Telegram's servers, not of the domain
clock. A 429 pauses that chat for retry_after; the global pace pauses only when 429s come from
several chats at once (then it is the bot, not one chat, that is too fast).

Direct replies go through the same limiter without waiting for it (someone is looking at the
chat): ``book_direct`` takes their place in the pace, so the outbox steps back for them
instead of spending the whole budget and leaving the replies to 429s.

Bulk messages (broadcasts, tips) step back too: a bulk send does not take the pace's next
slot while a personal message (a push, task details, an escalation) already claimed is
waiting and ready for it, so a broadcast's sends in flight never hold a personal one back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Slots a late send may make up for (at 25/s: 0.16 s, a burst of at most four more).
CATCH_UP = 4


@dataclass(frozen=True, slots=True)
class LimiterConfig:
    per_second: float = 25.0
    private_interval: float = 1.0
    group_per_minute: int = 20
    slowdown_chats: int = 3  # 429s from this many chats within slowdown_window pause everyone
    slowdown_window: float = 1.0


class RateLimiter:
    def __init__(
        self,
        config: LimiterConfig | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config or LimiterConfig()
        self._now = now
        self._sleep = sleep
        self._global_next = 0.0
        self._chat_ready: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._recent_429: deque[tuple[float, int]] = deque()
        self._first: dict[int, int] = {}  # chats with a waiting message that goes before bulk

    def delay(self, chat_id: int, now: float | None = None) -> float:
        """Seconds until a message to this chat may go."""
        at = self._now() if now is None else now
        waits = [self._global_next - at, self._chat_ready.get(chat_id, 0.0) - at]
        if chat_id < 0:
            sends = self._group_sends.get(chat_id)
            if sends is not None:
                while sends and sends[0] <= at - 60.0:
                    sends.popleft()
                if len(sends) >= self.config.group_per_minute:
                    waits.append(sends[0] + 60.0 - at)
        return max(0.0, *waits)

    async def acquire(self, chat_id: int, *, bulk: bool = False) -> None:
        """Wait for this chat's turn and book it (no await between check and booking).
        ``bulk``: give way to waiting messages that are not bulk and could go now."""
        if not bulk:
            self._first[chat_id] = self._first.get(chat_id, 0) + 1
        try:
            while True:
                now = self._now()
                wait = self.delay(chat_id, now)
                if wait <= 0 and bulk and self._personal_ready(now):
                    wait = 1.0 / self.config.per_second  # after them
                if wait <= 0:
                    self._book(chat_id, now)
                    return
                await self._sleep(wait)
        finally:
            if not bulk:
                left = self._first[chat_id] - 1
                if left:
                    self._first[chat_id] = left
                else:
                    del self._first[chat_id]

    def _personal_ready(self, now: float) -> bool:
        """A message ahead of bulk waits only for the overall pace (its chat is free)."""
        overall = max(0.0, self._global_next - now)
        return any(self.delay(chat, now) <= overall for chat in self._first)

    def book_direct(self, chat_id: int) -> None:
        """A direct reply goes now: the queued messages after it wait their pace."""
        self._book(chat_id, self._now())

    def _book(self, chat_id: int, now: float) -> None:
        # From the slot itself when this send is a little late (the loop woke up late, a
        # commit took a while), so the lateness does not add up: the pace stays at
        # per_second, not some % under it. At most CATCH_UP slots are made up this way.
        step = 1.0 / self.config.per_second
        late = now - self._global_next
        self._global_next = (
            self._global_next if 0 <= late < step * CATCH_UP else max(self._global_next, now)
        ) + step
        if chat_id < 0:
            self._group_sends.setdefault(chat_id, deque()).append(now)
        else:
            self._chat_ready[chat_id] = now + self.config.private_interval
        if len(self._chat_ready) > 50_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        self._group_sends = {c: s for c, s in self._group_sends.items() if s and s[-1] > now - 60.0}

    def note_retry_after(self, chat_id: int, retry_after: float) -> None:
        now = self._now()
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, 0.0), now + retry_after)
        self._recent_429.append((now, chat_id))
        while self._recent_429 and self._recent_429[0][0] < now - self.config.slowdown_window:
            self._recent_429.popleft()
        if len({chat for _, chat in self._recent_429}) >= self.config.slowdown_chats:
            self._global_next = max(self._global_next, now + retry_after)

    @property
    def globally_paused_for(self) -> float:
        return max(0.0, self._global_next - self._now())
