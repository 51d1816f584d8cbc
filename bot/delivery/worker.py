"""The outbox worker: leases due rows, sends them within the limits, records the outcome.

At-least-once: a row is marked sent only after Telegram accepted it, so a crash between the
two re-sends it; that is the only source of duplicates (rows in flight at the crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery.limiter import RateLimiter
from bot.delivery.render import RenderError, render
from bot.delivery.retry import Outcome, RetryPolicy, classify
from bot.i18n import Translator
from bot.services import outbox
from bot.services.outbox import on_messages_committed
from models import OutboxStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    concurrency: int = 16
    poll_interval: float = 0.5
    lease: timedelta = timedelta(seconds=60)
    edit_wait: timedelta = timedelta(seconds=1)
    sweep_interval: float = 5.0


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        translator: Translator,
        clock: Clock,
        *,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        config: WorkerConfig | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.translator = translator
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.policy = policy or RetryPolicy()
        self.config = config or WorkerConfig()
        self.owner = f"{socket.gethostname()}:{os.getpid()}"[:64]
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_sweep = 0.0
        self._leased_until: dict[str, datetime] = {}  # lease token -> its expiry
        self._stop_listening: Callable[[], None] = lambda: None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._stop_listening = on_messages_committed(self.sessionmaker, self.wake)
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, let sends in flight finish (their leases expire if they cannot)."""
        self._stopping.set()
        self._stop_listening()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        try:
            async with self.sessionmaker() as session:
                await outbox.release_leases_of(session, self.owner)
        except Exception:
            logger.exception("delivery: could not hand back leased messages")

    def wake(self) -> None:
        """Look for due rows now instead of at the next poll (after an enqueue, say)."""
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before claiming: a wake that comes while the claim runs is not lost.
            self._wake.clear()
            await self._sweep_now_and_then()
            free = self.config.concurrency - len(self._in_flight)
            claimed: list[outbox.Claimed] = []
            if free > 0:
                try:
                    claimed = await self._claim(free)
                except Exception:
                    logger.exception("delivery: claiming due messages failed")
            for row in claimed:
                task = asyncio.create_task(self._deliver(row))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            if claimed and len(self._in_flight) < self.config.concurrency:
                continue  # more may be due right away
            await self._idle()

    async def _idle(self) -> None:
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if self._in_flight:
            # A finished send frees a chat: its next message may be due now.
            waiters.append(
                asyncio.ensure_future(
                    asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
                )
            )
        _, pending = await asyncio.wait(
            waiters, timeout=self.config.poll_interval, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()

    async def _sweep_now_and_then(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_sweep:
            return
        self._next_sweep = loop.time() + self.config.sweep_interval
        try:
            async with self.sessionmaker() as session:
                await outbox.sweep(session, self.clock.now())
        except Exception:
            logger.exception("delivery: sweeping leases and blocked people failed")

    async def _claim(self, limit: int) -> list[outbox.Claimed]:
        now = self.clock.now()  # the leases run from this moment (taken before any wait)
        async with self.sessionmaker() as session:
            claimed = await outbox.claim_due(
                session, now, limit=limit, lease=self.config.lease, owner=self.owner
            )
        for row in claimed:
            self._leased_until[row.lease] = now + self.config.lease
        return claimed

    async def run_once(self) -> int:
        """Sweep, claim one batch and deliver it completely (tests and benchmarks)."""
        async with self.sessionmaker() as session:
            await outbox.sweep(session, self.clock.now())
        claimed = await self._claim(self.config.concurrency)
        await asyncio.gather(*(self._deliver(row) for row in claimed))
        return len(claimed)

    # --- one message ---------------------------------------------------------------------
    async def _deliver(self, row: outbox.Claimed) -> None:
        try:
            await self._send(row)
        except Exception:
            # Never lose a row to a bug here: leave it leased; the lease expires and it returns.
            logger.exception("delivery: row %s crashed the worker step", row.id)
        finally:
            self._leased_until.pop(row.lease, None)

    def _lease_surely_ours(self, row: outbox.Claimed) -> bool:
        """This claim's lease (keyed by its own token, judged by the clock leases use) still has
        three quarters to run: the send (its timeout is half a lease) ends well before any
        sweep could release the row, so it needs no re-check in the database. Otherwise (a
        long wait for the limiter or the connection) renew_lease asks and extends."""
        until = self._leased_until.get(row.lease)
        if until is None:
            return False
        return until - self.clock.now() >= self.config.lease * 0.75

    async def _send(self, row: outbox.Claimed) -> None:
        edit_message_id: int | None = None
        if row.edit_key is not None:
            edit_message_id = await self._edit_target(row)
            if edit_message_id is None:
                return
        try:
            method = render(row, self.translator, edit_message_id=edit_message_id)
        except RenderError as exc:
            await self._final(row, OutboxStatus.FAILED, str(exc), count_attempt=False)
            return

        wait = self.limiter.delay(row.chat_id)
        if wait > self.config.lease.total_seconds() / 2:
            # A long wait (a group's minute window, a 429 pause) is not spent holding a lease.
            async with self.sessionmaker() as session:
                at = self.clock.now() + timedelta(seconds=wait)
                await outbox.retry_later(
                    session, row.id, row.lease, at, "rate limit", count_attempt=False
                )
            return
        await self.limiter.acquire(row.chat_id)
        still_ours = self._lease_surely_ours(row)
        if not still_ours:  # a long wait for the limiter: ask the database, and extend
            async with self.sessionmaker() as session:
                still_ours = await outbox.renew_lease(
                    session, row.id, row.lease, self.clock.now() + self.config.lease
                )
        if not still_ours:
            logger.warning("delivery: row %s lease lost before sending; skipped here", row.id)
            return
        try:
            result = await self.bot(method)
        except Exception as exc:
            await self._after_error(row, exc, edit_message_id)
            return
        message_id = result.message_id if isinstance(result, Message) else edit_message_id
        async with self.sessionmaker() as session:
            await outbox.mark_sent(session, row.id, row.lease, message_id, self.clock.now())
        logger.debug("delivery: row %s sent", row.id)

    async def _edit_target(self, row: outbox.Claimed) -> int | None:
        assert row.edit_key is not None
        async with self.sessionmaker() as session:
            original = await outbox.original_of_edit(session, row.chat_id, row.edit_key)
        if original is not None and original[0] == OutboxStatus.SENT and original[1] is not None:
            return original[1]
        waiting = original is not None and original[0] in (
            OutboxStatus.PENDING,
            OutboxStatus.SENDING,
        )
        if waiting and not self.policy.gives_up(row.attempts + 1):
            async with self.sessionmaker() as session:  # the original goes first
                await outbox.retry_later(
                    session,
                    row.id,
                    row.lease,
                    self.clock.now() + self.config.edit_wait,
                    "waiting for the original message",
                    count_attempt=True,
                )
            return None
        await self._final(
            row, OutboxStatus.SKIPPED, "the original message was not delivered", count_attempt=False
        )
        return None

    async def _after_error(
        self, row: outbox.Claimed, exc: BaseException, edit_message_id: int | None
    ) -> None:
        verdict = classify(exc)
        now = self.clock.now()
        logger.info("delivery: row %s chat %s: %s", row.id, row.chat_id, verdict.reason)
        async with self.sessionmaker() as session:
            if verdict.outcome is Outcome.RETRY_AFTER:
                self.limiter.note_retry_after(row.chat_id, verdict.retry_after)
                at = now + timedelta(seconds=verdict.retry_after)
                await outbox.retry_later(
                    session, row.id, row.lease, at, verdict.reason, count_attempt=False
                )
            elif verdict.outcome is Outcome.TRANSIENT:
                failed = row.attempts + 1
                if self.policy.gives_up(failed):
                    await outbox.mark_final(
                        session,
                        row.id,
                        row.lease,
                        OutboxStatus.FAILED,
                        verdict.reason,
                        count_attempt=True,
                    )
                else:
                    at = now + timedelta(seconds=self.policy.backoff(failed))
                    await outbox.retry_later(
                        session, row.id, row.lease, at, verdict.reason, count_attempt=True
                    )
            elif verdict.outcome is Outcome.BLOCKED:
                await outbox.mark_blocked(session, row.id, row.lease, row.chat_id, now)
            elif verdict.outcome is Outcome.DONE:
                await outbox.mark_sent(session, row.id, row.lease, edit_message_id, now)
            else:
                await outbox.mark_final(
                    session,
                    row.id,
                    row.lease,
                    OutboxStatus.FAILED,
                    verdict.reason,
                    count_attempt=True,
                )

    async def _final(
        self, row: outbox.Claimed, status: OutboxStatus, reason: str, *, count_attempt: bool
    ) -> None:
        logger.warning("delivery: row %s %s: %s", row.id, status.value, reason)
        async with self.sessionmaker() as session:
            await outbox.mark_final(
                session, row.id, row.lease, status, reason, count_attempt=count_attempt
            )
