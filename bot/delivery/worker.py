"""The outbox worker: leases due rows, sends them within the limits, records the outcome.

At-least-once: a row is marked sent only after Telegram accepted it, so a crash between the
two re-sends it; that is the only source of duplicates (rows in flight at the crash). Each
worker renews a heartbeat; the rows of a worker whose heartbeat stopped go back to the queue
within seconds, the lease (per claim, with its own token) stays the backstop and the fence.
A send answered after its claim was lost is remembered as a copy of the row, and edits reach
every copy; a hiding edit Telegram refuses becomes a delete, else a row on the list of
personal data that could not be hidden.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.methods import DeleteMessage, TelegramMethod
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands import sync_chat_menu
from bot.delivery.limiter import RateLimiter
from bot.delivery.render import RenderError, render
from bot.delivery.retry import Outcome, RetryPolicy, classify
from bot.delivery.sent_marks import SentMarks
from bot.i18n import Translator
from bot.services import outbox
from bot.services.language import negotiate_locale
from bot.services.outbox import on_messages_committed
from bot.services.users import Roles, get_user, roles_for
from bot.telegram import SentMessage
from models import OutboxStatus, Priority

logger = logging.getLogger(__name__)

NOT_DELIVERED = "the original message was not delivered"
WITHDRAWN = "the original was withdrawn before it was sent"
STILL_UNSENT = "the original message was still not sent"
UNKNOWN_ID = "a copy's message id is unknown (the bot stopped before recording it)"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    concurrency: int = 16
    poll_interval: float = 0.5
    lease: timedelta = timedelta(seconds=60)
    edit_wait: timedelta = timedelta(seconds=1)
    sweep_interval: float = 5.0
    heartbeat_interval: float = 1.0
    # How long a heartbeat vouches for the worker: after that its rows are released.
    alive_for: timedelta = timedelta(seconds=5)
    # A message recorded before it is sent gets its id when Telegram answers: a hiding waits
    # this long for it before reporting the message as one it cannot hide.
    id_grace: timedelta = timedelta(seconds=60)


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
        admin_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.bot = bot
        self.admin_ids = admin_ids  # HQ coordinators, for menus built at sending time
        self.sessionmaker = sessionmaker
        self.translator = translator
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.policy = policy or RetryPolicy()
        self.config = config or WorkerConfig()
        # Unique per start (a restarted container may reuse the pid); short enough that a
        # lease token (owner + ":" + 16 hex) fits lease_owner's 64 characters.
        self.owner = f"{socket.gethostname()[:28]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._alive_until: datetime | None = None  # what our last heartbeat vouched for
        self._registered = False
        self._beat_task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        # Sends whose end may let another message go: the chat had more waiting, the claim
        # was full, or a message was enqueued while they were in flight.
        self._recheck: set[asyncio.Task[None]] = set()
        # Several processes may share a PostgreSQL queue, and a commit wakes only its own
        # process's worker: there, the end of every send is looked at. SQLite serves one.
        self._shared_queue = sessionmaker.kw["bind"].dialect.name == "postgresql"
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_sweep = 0.0
        self._leased_until: dict[str, datetime] = {}  # lease token -> its expiry
        self._stop_listening: Callable[[], None] = lambda: None
        self._sent = SentMarks(sessionmaker)

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._stop_listening = on_messages_committed(self.sessionmaker, self.wake)
        self._task = asyncio.create_task(self._run(), name="delivery-worker")
        self._beat_task = asyncio.create_task(self._beat_loop(), name="delivery-heartbeat")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, let sends in flight finish (their leases expire if they cannot)."""
        self._stopping.set()
        self._stop_listening()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._beat_task is not None:
            await self._beat_task
            self._beat_task = None
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await self._sent.close()  # what Telegram took is marked before the leases go back
        try:
            async with self.sessionmaker() as session:
                await outbox.release_leases_of(session, self.owner)
        except Exception:
            logger.exception("delivery: could not hand back leased messages")

    def wake(self) -> None:
        """Look for due rows now instead of at the next poll (after an enqueue, say)."""
        # The new message may be for a chat that has one in flight: look again when it ends.
        self._recheck.update(self._in_flight)
        self._wake.set()

    # --- heartbeat -----------------------------------------------------------------------
    async def _beat_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._beat()
            except Exception:
                logger.exception("delivery: heartbeat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.heartbeat_interval)

    async def _beat(self) -> None:
        """Renew our heartbeat, then release the rows of workers whose heartbeat stopped."""
        now = self.clock.now()
        alive_until = now + self.config.alive_for
        async with self.sessionmaker() as session:
            renewed = await outbox.heartbeat(session, self.owner, alive_until)
            released = await outbox.release_dead_workers(session, now, me=self.owner)
            await session.commit()
        if not renewed and self._registered:
            # Others took us for dead and may have released and re-claimed our rows: every
            # claim in flight must ask the database (renew_lease) before it sends.
            logger.warning("delivery: heartbeat had lapsed; claims in flight are re-checked")
            self._leased_until.clear()
        self._registered = True
        self._alive_until = alive_until
        if released:
            self.wake()

    def _alive(self) -> bool:
        """Our heartbeat still vouches for us for a good while (half its span)."""
        if self._alive_until is None:
            return False
        return self._alive_until - self.clock.now() >= self.config.alive_for / 2

    async def _ensure_alive(self) -> None:
        """Never claim on a lapsed heartbeat: others could release those rows at once."""
        if not self._alive():
            await self._beat()

    # --- the loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before claiming: a wake that comes while the claim runs is not lost; so
            # are the sends that ended before it (this claim sees what they freed).
            self._wake.clear()
            self._recheck = {task for task in self._recheck if not task.done()}
            await self._sweep_now_and_then()
            free = self.config.concurrency - len(self._in_flight)
            claimed: list[outbox.Claimed] = []
            if free > 0:
                try:
                    claimed = await self._claim(free)
                except Exception:
                    logger.exception("delivery: claiming due messages failed")
            # A claim takes every due message it may (each chat's next): looking again at
            # once, or after every send, mostly found nothing (issue 15: a third of the claims
            # were empty, and a claim costs more than a send's bookkeeping). Only a full claim
            # or a chat with more waiting makes the end of a send worth a look here.
            # A wake during the claim may be a message for one of these chats; and on
            # PostgreSQL another process may enqueue for them without waking this one.
            look_again = len(claimed) >= free or self._wake.is_set() or self._shared_queue
            for row in claimed:
                task = asyncio.create_task(self._deliver(row))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
                if look_again or row.followed:
                    self._recheck.add(task)
            await self._idle()

    async def _idle(self) -> None:
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if self._recheck:
            # Such a send's end frees a chat or a place: the next message may be due now.
            waiters.append(
                asyncio.ensure_future(
                    asyncio.wait(set(self._recheck), return_when=asyncio.FIRST_COMPLETED)
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
                await outbox.sweep(session, self.clock.now(), me=self.owner)
        except Exception:
            logger.exception("delivery: sweeping leases and blocked people failed")

    async def _claim(self, limit: int) -> list[outbox.Claimed]:
        await self._ensure_alive()
        now = self.clock.now()  # the leases run from this moment (taken before any wait)
        async with self.sessionmaker() as session:
            claimed = await outbox.claim_due(
                session,
                now,
                limit=limit,
                lease=self.config.lease,
                owner=self.owner,
                worker_id=self.owner,
            )
        for row in claimed:
            self._leased_until[row.lease] = now + self.config.lease
        return claimed

    async def run_once(self) -> int:
        """Sweep, claim one batch and deliver it completely (tests and benchmarks)."""
        await self._ensure_alive()
        async with self.sessionmaker() as session:
            await outbox.sweep(session, self.clock.now(), me=self.owner)
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
        if until is None or not self._alive():
            return False  # a lapsed heartbeat may have released the row early: ask
        return until - self.clock.now() >= self.config.lease * 0.75

    async def _send(self, row: outbox.Claimed) -> None:
        if row.edit_key is not None:
            await self._send_edit(row)
            return
        # A notice of a change of role shows the menu of the roles held when it is sent.
        roles = await self._roles_of(row.chat_id) if row.payload.get("main_menu") else None
        try:
            method = render(row, self.translator, roles=roles)
        except RenderError as exc:
            await self._final(row, OutboxStatus.FAILED, str(exc), count_attempt=False)
            return
        if not await self._my_turn(row):
            return
        if roles is not None:  # first, so the menu is right when the notice is read
            await self._sync_command_menu(row, roles)
        try:
            result = await self.bot(method)
        except Exception as exc:
            await self._after_error(row, exc, None)
            return
        message_id = result.message_id if isinstance(result, Message | SentMessage) else None
        marked = await self._sent.mark(row.id, row.lease, message_id, self.clock.now())
        if not marked and message_id is not None:
            # Our claim was lost while Telegram answered: the message exists all the same.
            async with self.sessionmaker() as session:
                kept_as = await outbox.late_answer(
                    session, row.id, message_id, self.clock.now(), lease=row.lease
                )
            logger.warning(
                "delivery: row %s answered after its lease was lost: %s", row.id, kept_as
            )
        logger.debug("delivery: row %s sent", row.id)

    async def _roles_of(self, user_id: int) -> Roles:
        async with self.sessionmaker() as session:
            user = await get_user(session, user_id)
            return Roles() if user is None else await roles_for(session, user, self.admin_ids)

    async def _sync_command_menu(self, row: outbox.Claimed, roles: Roles) -> None:
        """The command menu follows the keyboard being sent (best-effort, like every menu)."""
        locale = negotiate_locale(row.locale, row.language_code, self.translator.default_locale)
        try:
            await sync_chat_menu(
                self.bot, self.translator, row.chat_id, locale, roles, chosen=row.locale is not None
            )
        except Exception:
            logger.exception("delivery: setting the command menu of chat %s failed", row.chat_id)

    async def _my_turn(self, row: outbox.Claimed) -> bool:
        """Wait for the rate limiter, then make sure the row is still ours. False: the row was
        put back (a long wait) or is lost to another claim; do not send."""
        wait = self.limiter.delay(row.chat_id)
        if wait > self.config.lease.total_seconds() / 2:
            # A long wait (a group's minute window, a 429 pause) is not spent holding a lease.
            async with self.sessionmaker() as session:
                at = self.clock.now() + timedelta(seconds=wait)
                await outbox.retry_later(
                    session, row.id, row.lease, at, "rate limit", count_attempt=False
                )
            return False
        await self.limiter.acquire(row.chat_id, bulk=row.priority >= Priority.BULK)
        still_ours = self._lease_surely_ours(row)
        if not still_ours:  # a long wait, or our heartbeat lapsed: ask the database, and extend
            async with self.sessionmaker() as session:
                still_ours = await outbox.renew_lease(
                    session, row.id, row.lease, self.clock.now() + self.config.lease
                )
        if not still_ours:
            logger.warning("delivery: row %s lease lost before sending; skipped here", row.id)
        return still_ours

    async def _send_edit(self, row: outbox.Claimed) -> None:
        """Edit every known copy of the original. A hiding edit that Telegram refuses for good
        deletes that copy instead; what stays visible makes the row FAILED (``unhidden``)."""
        hide = bool(row.payload.get("hide", False))
        target = await self._edit_target(row, hide)
        if target is None:
            return
        problems: list[str] = []
        for message_id in target.message_ids:
            try:
                method = render(row, self.translator, edit_message_id=message_id)
            except RenderError as exc:
                await self._final(row, OutboxStatus.FAILED, str(exc), count_attempt=False)
                return
            if not await self._my_turn(row):
                return
            refused = await self._call(row, method, message_id)
            if refused is None:
                return
            if not refused:
                continue
            if not hide:
                problems.append(f"message {message_id}: {refused}")
                continue
            if not await self._my_turn(row):
                return
            delete = DeleteMessage(chat_id=row.chat_id, message_id=message_id)
            not_deleted = await self._call(row, delete, message_id)
            if not_deleted is None:
                return
            if not_deleted and "message to delete not found" not in not_deleted:
                problems.append(f"message {message_id}: edit {refused}; delete {not_deleted}")
            else:
                logger.info("delivery: row %s: edit refused, message deleted", row.id)
        if hide and target.status == OutboxStatus.SENT and target.telegram_message_id is None:
            problems.append(UNKNOWN_ID)
        if problems:
            await self._final(row, OutboxStatus.FAILED, "; ".join(problems), count_attempt=True)
            return
        await self._sent.mark(row.id, row.lease, target.message_ids[0], self.clock.now())

    async def _call(
        self, row: outbox.Claimed, method: TelegramMethod[Any], message_id: int
    ) -> str | None:
        """One call on an existing message. "": done (or "message is not modified"); a reason:
        Telegram refuses for good; None: the row was handed on (retry, 429, blocked)."""
        try:
            await self.bot(method)
        except Exception as exc:
            verdict = classify(exc)
            if verdict.outcome is Outcome.DONE:
                return ""
            if verdict.outcome is Outcome.FAILED:
                return verdict.reason
            await self._after_error(row, exc, message_id)
            return None
        return ""

    async def _edit_target(self, row: outbox.Claimed, hide: bool) -> outbox.EditTarget | None:
        """The original with its copies, or None when the row was settled or put back here."""
        assert row.edit_key is not None
        target = row.target
        if target is None or target.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            # Unknown or not yet sent when claimed: it may have moved since; ask again.
            async with self.sessionmaker() as session:
                target = await outbox.edit_target(session, row.chat_id, row.edit_key)
        if target is None:
            await self._final(row, OutboxStatus.SKIPPED, NOT_DELIVERED, count_attempt=False)
            return None
        if target.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            if hide and target.status == OutboxStatus.PENDING:
                async with self.sessionmaker() as session:
                    withdrawn = await outbox.withdraw_unsent(session, target.id)
                if withdrawn:  # never shown, never will be: nothing left to hide
                    await self._final(row, OutboxStatus.SKIPPED, WITHDRAWN, count_attempt=False)
                    return None
            if not self.policy.gives_up(row.attempts + 1):
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
            status = OutboxStatus.FAILED if hide else OutboxStatus.SKIPPED
            await self._final(row, status, STILL_UNSENT, count_attempt=False)
            return None
        unknown_id = target.status == OutboxStatus.SENT and target.telegram_message_id is None
        if hide and unknown_id and not target.message_ids and self._id_may_come(target):
            async with self.sessionmaker() as session:
                await outbox.retry_later(
                    session,
                    row.id,
                    row.lease,
                    self.clock.now() + max(self.config.edit_wait, timedelta(seconds=2)),
                    "waiting for the message id",
                    count_attempt=False,
                )
            return None
        if target.message_ids:
            return target
        if hide and target.status == OutboxStatus.SENT:
            await self._final(row, OutboxStatus.FAILED, UNKNOWN_ID, count_attempt=False)
        else:
            await self._final(row, OutboxStatus.SKIPPED, NOT_DELIVERED, count_attempt=False)
        return None

    def _id_may_come(self, target: outbox.EditTarget) -> bool:
        """The send of a message recorded beforehand may still be under way."""
        since = target.sent_at
        return since is not None and self.clock.now() - since < self.config.id_grace

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
