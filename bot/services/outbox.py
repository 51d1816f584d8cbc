"""The outbox: what the bot sends on its own, enqueued exactly once inside the caller's
transaction and leased to a delivery worker.

Services call ``enqueue`` with a plain message record; bot/delivery renders and sends it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    event,
    exists,
    false,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import TextClause

from bot.services.sql import insert_ignore
from models import OutboxMessage, OutboxStatus, Priority, User, UserCount
from models.base import UTCDateTime
from models.outbox import REFUSED_WHERE, UNHIDDEN_WHERE, DeliveryWorkerRow, OutboxCopy

logger = logging.getLogger(__name__)
ArgValue = str | int | float
PURGED: dict[str, Any] = {"purged": True}

# Called after a transaction that enqueued messages commits: the delivery worker of that
# database looks for them at once instead of at its next poll.
_ENQUEUED = "outbox_enqueued"
_commit_listeners: dict[object, set[Callable[[], None]]] = {}


def on_messages_committed(
    sessionmaker: async_sessionmaker[AsyncSession], callback: Callable[[], None]
) -> Callable[[], None]:
    """Call ``callback`` (a worker's ``wake``) after a session on ``sessionmaker``'s engine
    commits messages; returns the function that stops it."""
    engine = sessionmaker.kw["bind"].sync_engine
    _commit_listeners.setdefault(engine, set()).add(callback)

    def stop() -> None:
        callbacks = _commit_listeners.get(engine, set())
        callbacks.discard(callback)
        if not callbacks:
            _commit_listeners.pop(engine, None)

    return stop


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_ENQUEUED, False):
        return
    for callback in list(_commit_listeners.get(session.bind, ())):
        try:
            callback()
        except Exception:  # the data is committed; a failed wake only delays delivery
            logger.exception("outbox: waking the delivery worker failed")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)


@dataclass(frozen=True, slots=True)
class Text:
    """A localized message id with its arguments, or text already rendered."""

    key: str | None = None
    args: Mapping[str, ArgValue] = field(default_factory=dict)
    literal: str | None = None

    def __post_init__(self) -> None:
        if (self.key is None) == (self.literal is None):
            raise ValueError("Text needs exactly one of key or literal")


@dataclass(frozen=True, slots=True)
class Button:
    label: Text
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # "document", "photo" or "voice"
    file_id: str | None = None
    path: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What to show; ``locale`` None means the recipient's language at sending time.

    ``hide``: this edit removes personal data. If Telegram refuses the edit, the message is
    deleted instead; if that fails too, the row stays FAILED on the list of ``unhidden``.

    ``main_menu``: the message carries the recipient's main menu as its reply keyboard, built
    when it is sent from the roles they hold then, and their command menu is set after it (a
    notice of a change of role). ``stars_for``: the message carries the 1-5 stars that rate
    that help request (the same buttons as in "My requests"). bot/delivery builds both, so
    services never touch aiogram; a message has at most one keyboard."""

    text: Text
    buttons: Sequence[Sequence[Button]] = ()
    locale: str | None = None
    attachment: Attachment | None = None
    hide: bool = False
    main_menu: bool = False
    stars_for: int | None = None

    def __post_init__(self) -> None:
        if sum((bool(self.buttons), self.main_menu, self.stars_for is not None)) > 1:
            raise ValueError("a message carries one keyboard: buttons, main_menu or stars_for")

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": _text_json(self.text),
            "buttons": [
                [
                    {"label": _text_json(b.label), "callback_data": b.callback_data, "url": b.url}
                    for b in row
                ]
                for row in self.buttons
            ],
            "locale": self.locale,
            "attachment": asdict(self.attachment) if self.attachment else None,
            "hide": self.hide,
            "main_menu": self.main_menu,
            "stars_for": self.stars_for,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutgoingMessage:
        attachment = payload.get("attachment")
        return cls(
            text=_text_from(payload["text"]),
            buttons=[
                [Button(_text_from(b["label"]), b.get("callback_data"), b.get("url")) for b in row]
                for row in payload.get("buttons") or []
            ],
            locale=payload.get("locale"),
            attachment=Attachment(**attachment) if attachment else None,
            hide=bool(payload.get("hide", False)),
            main_menu=bool(payload.get("main_menu", False)),
            stars_for=payload.get("stars_for"),
        )


def _text_json(text: Text) -> dict[str, Any]:
    return {"key": text.key, "args": dict(text.args), "literal": text.literal}


def _text_from(data: Mapping[str, Any]) -> Text:
    return Text(key=data.get("key"), args=data.get("args") or {}, literal=data.get("literal"))


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    message: OutgoingMessage,
    key: str,
    now: datetime,
    priority: Priority = Priority.NORMAL,
    not_before: datetime | None = None,
    edit_key: str | None = None,
    personal: bool = False,
) -> bool:
    """Add a message to the outbox in the caller's transaction.

    ``key`` is the idempotency key: enqueueing the same key again does nothing and returns
    False. ``edit_key`` names an earlier message to edit instead of sending a new one.
    ``personal`` payloads are purged once delivered.
    """
    due = not_before or now
    if edit_key is not None:
        # An edit must never overtake its original in the chat's queue, or the chat would
        # wait forever for an original that is never its next message.
        original = (
            await session.execute(
                select(OutboxMessage.priority, OutboxMessage.not_before).where(
                    OutboxMessage.idempotency_key == edit_key, OutboxMessage.chat_id == chat_id
                )
            )
        ).first()
        if original is not None:
            priority = Priority(max(int(priority), original.priority))
            due = max(due, original.not_before)
    session.info[_ENQUEUED] = True
    row = _pending_row(key, chat_id, int(priority), message, edit_key, personal, due, now)
    result = await session.execute(insert_ignore(session, OutboxMessage, row))
    return bool(getattr(result, "rowcount", 0))


def subject_of(key: str) -> str | None:
    """What a message is about, from its key's first two parts: "req:12:r0:push:5" →
    "req:12". Rows are looked up by it (indexed), never by LIKE on the key."""
    parts = key.split(":", 2)
    return f"{parts[0]}:{parts[1]}"[:64] if len(parts) >= 2 else None


def _pending_row(
    key: str,
    chat_id: int,
    priority: int,
    message: OutgoingMessage,
    edit_key: str | None,
    personal: bool,
    due: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The outbox row of a message waiting to be sent (``enqueue`` and ``enqueue_many``)."""
    return {
        "idempotency_key": key,
        "subject": subject_of(key),
        "chat_id": chat_id,
        "priority": priority,
        "payload": message.to_payload(),
        "edit_key": edit_key,
        "personal": personal,
        "hide": message.hide,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "not_before": due,
        "next_attempt_at": due,
        "created_at": now,
    }


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message of a batch for ``enqueue_many`` (the arguments of ``enqueue``)."""

    chat_id: int
    message: OutgoingMessage
    key: str
    priority: Priority = Priority.NORMAL
    edit_key: str | None = None
    personal: bool = False
    not_before: datetime | None = None


async def enqueue_many(
    session: AsyncSession,
    items: Sequence[Outgoing],
    now: datetime,
    *,
    look_up_originals: bool = True,
) -> None:
    """``enqueue`` for many messages: one lookup of the originals edits refer to, and one
    executemany insert, e.g. the "taken" edits of a push to twenty volunteers.
    ``look_up_originals=False``: the caller gives each edit its original's priority and due
    time (``not_before``), so the edit cannot overtake it; one statement."""
    if not items:
        return
    originals: dict[tuple[str, int], tuple[int, datetime]] = {}
    edit_keys = {item.edit_key for item in items if item.edit_key is not None}
    if edit_keys and look_up_originals:
        rows = await session.execute(
            select(
                OutboxMessage.idempotency_key,
                OutboxMessage.chat_id,
                OutboxMessage.priority,
                OutboxMessage.not_before,
            ).where(OutboxMessage.idempotency_key.in_(edit_keys))
        )
        originals = {(row[0], row[1]): (row[2], row[3]) for row in rows.all()}
    values = []
    for item in items:
        priority, due = int(item.priority), max(now, item.not_before or now)
        original = originals.get((item.edit_key, item.chat_id)) if item.edit_key else None
        if original is not None:  # an edit never overtakes its original
            priority, due = max(priority, original[0]), max(due, original[1])
        values.append(
            _pending_row(
                item.key,
                item.chat_id,
                priority,
                item.message,
                item.edit_key,
                item.personal,
                due,
                now,
            )
        )
    session.info[_ENQUEUED] = True
    await session.execute(insert_ignore(session, OutboxMessage), values)


async def record_sent(
    session: AsyncSession, *, chat_id: int, key: str, telegram_message_id: int, now: datetime
) -> None:
    """Note a message a handler sent itself (a direct reply), so that later edits can refer to
    it by ``key`` as to any outbox message. Nothing of its content is kept."""
    session.info[_ENQUEUED] = True
    await session.execute(
        insert_ignore(
            session,
            OutboxMessage,
            {
                "idempotency_key": key,
                "subject": subject_of(key),
                "chat_id": chat_id,
                "priority": int(Priority.NORMAL),
                "payload": PURGED,
                "edit_key": None,
                "personal": True,
                "status": OutboxStatus.SENT.value,
                "attempts": 1,
                "not_before": now,
                "next_attempt_at": now,
                "telegram_message_id": telegram_message_id,
                "created_at": now,
                "sent_at": now,
            },
        )
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased row and what the worker needs to send it."""

    id: int
    key: str
    chat_id: int
    priority: int
    payload: dict[str, Any]
    edit_key: str | None
    attempts: int
    locale: str | None
    language_code: str | None
    lease: str  # this claim's token: only its holder may send the row or finish it
    # An edit's original as the claim found it (edit_targets): None when the row is no edit or
    # the original is unknown. The worker uses it as it is only when it was already settled.
    target: EditTarget | None = None
    # More of the chat's messages were waiting when it was claimed: once this one is sent, the
    # next may be claimed (the worker looks again when this send ends).
    followed: bool = False


async def release_expired_leases(session: AsyncSession, now: datetime) -> int:
    """Rows whose worker died mid-send go back to the queue (at-least-once delivery)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.leased_until < now)
        .values(_RELEASED)
    )
    return int(getattr(result, "rowcount", 0))


_RELEASED: dict[str, Any] = {
    "status": OutboxStatus.PENDING,
    "leased_until": None,
    "lease_owner": None,
    "worker_id": None,
}


async def release_leases_of(session: AsyncSession, owner: str) -> int:
    """On a clean stop a worker hands back what it did not send, so a restart need not wait
    for the leases to expire, and leaves the list of live workers. Commits."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            or_(OutboxMessage.worker_id == owner, OutboxMessage.lease_owner.like(f"{owner}:%")),
        )
        .values(_RELEASED)
    )
    await session.execute(delete(DeliveryWorkerRow).where(DeliveryWorkerRow.id == owner))
    await session.commit()
    return int(getattr(result, "rowcount", 0))


# --- live workers ------------------------------------------------------------------------
# A worker renews its row every second or so. A worker whose row lapsed is dead (kill -9,
# lost host): its leased rows go back to the queue at once instead of after the lease.
# Whoever finds it dead deletes its row first and then releases its rows, so a worker that
# was only slow learns from its next heartbeat (no row to renew) that its claims are void;
# each claim's own lease token still fences any late send or outcome.


async def heartbeat(session: AsyncSession, worker_id: str, alive_until: datetime) -> bool:
    """Renew this worker's row (insert it the first time). False: the row was gone, so others
    took this worker for dead and may have released its rows. Commits."""
    result = await session.execute(
        update(DeliveryWorkerRow)
        .where(DeliveryWorkerRow.id == worker_id)
        .values(alive_until=alive_until)
    )
    renewed = bool(getattr(result, "rowcount", 0))
    if not renewed:
        await session.execute(
            insert_ignore(
                session,
                DeliveryWorkerRow,
                {"id": worker_id, "alive_until": alive_until, "started_at": alive_until},
            )
        )
    await session.commit()
    return renewed


async def release_dead_workers(session: AsyncSession, now: datetime, *, me: str | None) -> int:
    """Rows leased by workers that stopped their heartbeat (or never had one row) go back to
    the queue. ``me``, the caller, is alive by definition. Does not commit."""
    dead_query = delete(DeliveryWorkerRow).where(DeliveryWorkerRow.alive_until < now)
    if me is not None:
        dead_query = dead_query.where(DeliveryWorkerRow.id != me)
    dead = list((await session.scalars(dead_query.returning(DeliveryWorkerRow.id))).all())
    live = select(DeliveryWorkerRow.id).where(DeliveryWorkerRow.id == OutboxMessage.worker_id)
    orphaned = OutboxMessage.worker_id.in_(dead) if dead else false()
    query = update(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.worker_id.is_not(None),
        or_(orphaned, ~live.exists()),
    )
    if me is not None:
        query = query.where(OutboxMessage.worker_id != me)
    result = await session.execute(
        query.values(_RELEASED).execution_options(synchronize_session=False)
    )
    released = int(getattr(result, "rowcount", 0))
    if released:
        logger.warning("delivery: %s message(s) of stopped workers back in the queue", released)
    return released


async def drop_for_blocked(session: AsyncSession, now: datetime) -> int:
    """Due messages to people who blocked the bot are marked, not sent."""
    blocked = select(User.id).where(User.blocked_bot == true())
    return await _block_pending(
        session, OutboxMessage.next_attempt_at <= now, OutboxMessage.chat_id.in_(blocked)
    )


async def _block_pending(session: AsyncSession, *where: Any) -> int:
    """Mark pending rows as not sent because of a block, purging personal payloads."""
    pending = (OutboxMessage.status == OutboxStatus.PENDING, *where)
    await session.execute(
        update(OutboxMessage)
        .where(*pending, OutboxMessage.personal.is_(True))
        .values(payload=PURGED)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(*pending)
        .values(status=OutboxStatus.BLOCKED, last_error="the person blocked the bot")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def _claim_query(*, locking: bool) -> Select[int, str | None, str | None, bool]:
    """The due rows a claim may lease: each chat's next message, none of a chat that has one
    in flight or blocked the bot; with the person's language, and whether the chat has more
    messages waiting (its next one becomes due when this one is sent). Built once, with bound
    parameters: constructing this statement took longer than running it."""
    now = bindparam("now", type_=UTCDateTime())
    o = aliased(OutboxMessage)
    busy = aliased(OutboxMessage)
    earlier = aliased(OutboxMessage)
    chat_busy = exists().where(busy.chat_id == o.chat_id, busy.status == OutboxStatus.SENDING)
    not_head = exists().where(
        earlier.chat_id == o.chat_id,
        earlier.status == OutboxStatus.PENDING,
        earlier.not_before <= now,
        or_(
            earlier.priority < o.priority,
            and_(earlier.priority == o.priority, earlier.not_before < o.not_before),
            and_(
                earlier.priority == o.priority,
                earlier.not_before == o.not_before,
                earlier.id < o.id,
            ),
        ),
    )
    blocked = exists().where(User.id == o.chat_id, User.blocked_bot == true())
    later = aliased(OutboxMessage)
    followers = exists().where(  # due already: one held for later is the poll's to find
        later.chat_id == o.chat_id,
        later.status == OutboxStatus.PENDING,
        later.id != o.id,
        later.not_before <= now,
        later.next_attempt_at <= now,
    )
    person = aliased(User)
    query = (
        select(o.id, person.locale, person.language_code, followers)
        .outerjoin(person, person.id == o.chat_id)
        .where(
            o.status == OutboxStatus.PENDING,
            o.next_attempt_at <= now,
            ~chat_busy,
            ~not_head,
            ~blocked,
        )
        .order_by(o.priority, o.next_attempt_at, o.id)
        .limit(bindparam("limit", type_=Integer()))
    )
    # On PostgreSQL rows are locked, and rows other workers hold are skipped.
    return query.with_for_update(of=o, skip_locked=True) if locking else query


_CLAIM = _claim_query(locking=False)
_CLAIM_LOCKING = _claim_query(locking=True)


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    owner: str,
    worker_id: str | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due rows, at most one per chat and only a chat's next message.

    A chat's messages go out in (priority, not_before, id) order, one at a time, so each
    person reads them in order. On PostgreSQL rows are locked with SKIP LOCKED so several
    processes share the queue; on SQLite one process runs the worker. ``worker_id``: the
    live worker (see ``heartbeat``) whose death releases the rows early. Commits.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    query = _CLAIM_LOCKING if postgresql else _CLAIM
    due = (await session.execute(query, {"now": now, "limit": limit})).all()
    if not due:
        await session.commit()
        return []
    ids = [row[0] for row in due]
    languages = {row[0]: (row[1], row[2]) for row in due}
    followed = {row[0] for row in due if row[3]}
    token = f"{owner}:{uuid.uuid4().hex[:16]}"
    leased = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
        .values(
            status=OutboxStatus.SENDING,
            leased_until=now + lease,
            lease_owner=token,
            worker_id=worker_id,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.idempotency_key,
            OutboxMessage.chat_id,
            OutboxMessage.priority,
            OutboxMessage.payload,
            OutboxMessage.edit_key,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = leased.all()
    # The originals of the edits claimed, all at once: looked up one by one, each edit cost a
    # session and two statements of its own (the "taken" edits of a push come twenty at a time).
    targets = await edit_targets(
        session, [(row.chat_id, row.edit_key) for row in rows if row.edit_key is not None]
    )
    await session.commit()
    claimed = []
    for row in sorted(rows, key=lambda r: (r.priority, r.id)):
        locale, code = languages[row.id]
        claimed.append(
            Claimed(
                id=row.id,
                key=row.idempotency_key,
                chat_id=row.chat_id,
                priority=row.priority,
                payload=row.payload,
                edit_key=row.edit_key,
                attempts=row.attempts,
                locale=locale,
                language_code=code,
                lease=token,
                target=None if row.edit_key is None else targets.get((row.chat_id, row.edit_key)),
                followed=row.id in followed,
            )
        )
    return claimed


async def sweep(session: AsyncSession, now: datetime, *, me: str | None = None) -> tuple[int, int]:
    """Housekeeping the worker runs every few seconds, not on every claim: rows of dead
    workers and expired leases go back to the queue, and due messages to people who blocked
    the bot are marked. Commits."""
    released = await release_dead_workers(session, now, me=me)
    released += await release_expired_leases(session, now)
    dropped = await drop_for_blocked(session, now)
    await session.commit()
    return released, dropped


async def renew_lease(session: AsyncSession, row_id: int, lease: str, until: datetime) -> bool:
    """Right before sending: still ours? (A lease that expired may have gone to another
    worker; sending anyway would be a duplicate.) Extends the lease when it is. Commits."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.lease_owner == lease,
        )
        .values(leased_until=until)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def _finish(
    session: AsyncSession, row_id: int, lease: str, values: dict[str, Any], *, purge: bool
) -> bool:
    """Close a lease: only if this claim still holds the row (a late answer after the lease
    expired must not undo another worker's outcome). Commits."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.lease_owner == lease,
        )
        .values(leased_until=None, lease_owner=None, worker_id=None, **values)
        .returning(OutboxMessage.personal)
    )
    personal = result.scalar()
    if personal and purge:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(payload=PURGED)
        )
    await session.commit()
    return personal is not None


def _mark_sent_statement() -> Any:
    """``_finish`` of a sent row as one Core statement built once (the worker runs it for every
    message; building the ORM statement and its purge apart cost more than running them):
    the lease closed, the outcome written and a personal payload purged together."""
    table = cast(Table, OutboxMessage.__table__)
    c = table.c
    return (
        update(table)
        .where(
            c.id == bindparam("row_id"),
            c.status == OutboxStatus.SENDING.value,
            c.lease_owner == bindparam("lease"),
        )
        .values(
            _sent_values(
                table,
                bindparam("message_id", type_=BigInteger()),
                bindparam("now", type_=UTCDateTime()),
            )
        )
        .returning(c.personal)
    )


def _sent_values(table: Table, message_id: Any, sent_at: Any) -> dict[str, Any]:
    """What marking a row sent writes: the outcome, the lease closed, a personal payload
    purged."""
    c = table.c
    return {
        "status": OutboxStatus.SENT.value,
        "telegram_message_id": message_id,
        "sent_at": sent_at,
        "last_error": None,
        "leased_until": None,
        "lease_owner": None,
        "worker_id": None,
        "payload": case(
            (c.personal == true(), bindparam("purged", PURGED, type_=c.payload.type)),
            else_=c.payload,
        ),
    }


_MARK_SENT = _mark_sent_statement()


async def mark_sent(
    session: AsyncSession,
    row_id: int,
    lease: str,
    telegram_message_id: int | None,
    now: datetime,
) -> bool:
    """The row was delivered as ``telegram_message_id``; False when this claim no longer held
    it (its lease lapsed and another worker's outcome stands). Commits."""
    held = await _mark_one(session, row_id, lease, telegram_message_id, now)
    await session.commit()
    return held


async def _mark_one(
    session: AsyncSession, row_id: int, lease: str, telegram_message_id: int | None, now: datetime
) -> bool:
    result = await session.execute(
        _MARK_SENT,
        {"row_id": row_id, "lease": lease, "message_id": telegram_message_id, "now": now},
    )
    return result.first() is not None


async def mark_sent_many(
    session: AsyncSession, marks: Sequence[tuple[int, str, int | None, datetime]]
) -> list[bool]:
    """``mark_sent`` of several rows, each (row id, lease, message id, when sent), in one
    statement; whether each claim still held its row. Commits."""
    if len(marks) == 1 or len({mark[0] for mark in marks}) < len(marks):
        # A lone mark; or one row under two claims (a lease lost and the row claimed again by
        # this worker): row by row, so that only the claim holding it is told so (the other
        # one's message is then kept as a copy).
        held = [await _mark_one(session, *mark) for mark in marks]
    else:
        held_ids = set((await session.scalars(_mark_sent_many_statement(marks))).all())
        held = [mark[0] in held_ids for mark in marks]
    await session.commit()
    return held


def _mark_sent_many_statement(marks: Sequence[tuple[int, str, int | None, datetime]]) -> Any:
    """``_MARK_SENT`` for several rows at once: each row's lease, message id and time picked
    by its id (CASE), the rows still held returned. One statement instead of one per row:
    the twenty answers to a push are marked together (bot/delivery/sent_marks.py)."""
    table = cast(Table, OutboxMessage.__table__)
    c = table.c

    def by_id(values: dict[int, Any], type_: Any) -> Any:
        return case(
            {row_id: bindparam(None, value, type_=type_) for row_id, value in values.items()},
            value=c.id,
        )

    return (
        update(table)
        .where(
            c.id.in_([mark[0] for mark in marks]),
            c.status == OutboxStatus.SENDING.value,
            c.lease_owner == by_id({m[0]: m[1] for m in marks}, c.lease_owner.type),
        )
        .values(
            _sent_values(
                table,
                by_id({m[0]: m[2] for m in marks}, BigInteger()),
                by_id({m[0]: m[3] for m in marks}, UTCDateTime()),
            )
        )
        .returning(c.id)
    )


async def retry_later(
    session: AsyncSession,
    row_id: int,
    lease: str,
    at: datetime,
    reason: str,
    *,
    count_attempt: bool,
) -> bool:
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "next_attempt_at": at,
        "last_error": reason[:500],
    }
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    return await _finish(session, row_id, lease, values, purge=False)


async def mark_final(
    session: AsyncSession,
    row_id: int,
    lease: str,
    status: OutboxStatus,
    reason: str,
    *,
    count_attempt: bool,
) -> bool:
    """Failed, blocked or skipped for good; a personal payload is purged here too."""
    values: dict[str, Any] = {"status": status, "last_error": reason[:500]}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    return await _finish(session, row_id, lease, values, purge=True)


async def mark_blocked(
    session: AsyncSession, row_id: int, lease: str, chat_id: int, now: datetime
) -> None:
    """A 403: the person blocked the bot. Nothing more is sent until they write again."""
    reason = "the person blocked the bot"
    await session.execute(
        update(User).where(User.id == chat_id).values(blocked_bot=True, updated_at=now)
    )
    await _block_pending(session, OutboxMessage.chat_id == chat_id)
    await mark_final(session, row_id, lease, OutboxStatus.BLOCKED, reason, count_attempt=True)


async def original_of_edit(
    session: AsyncSession, chat_id: int, key: str
) -> tuple[str, int | None] | None:
    """Status and Telegram message id of the message an edit refers to (None: unknown key)."""
    row = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.telegram_message_id).where(
                OutboxMessage.idempotency_key == key, OutboxMessage.chat_id == chat_id
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True, slots=True)
class EditTarget:
    """The message an edit refers to: its row, and every Telegram message it produced."""

    id: int
    status: str
    telegram_message_id: int | None  # None on a SENT row: a copy exists whose id is unknown
    copies: tuple[int, ...]  # further messages of the same row (a repeated send)
    sent_at: datetime | None = None

    @property
    def message_ids(self) -> list[int]:
        """Every known message, the recorded one first."""
        first = [self.telegram_message_id] if self.telegram_message_id is not None else []
        return list(dict.fromkeys([*first, *self.copies]))


async def edit_target(session: AsyncSession, chat_id: int, key: str) -> EditTarget | None:
    """The original of an edit, with all its copies (None: unknown key)."""
    return (await edit_targets(session, [(chat_id, key)])).get((chat_id, key))


async def edit_targets(
    session: AsyncSession, wanted: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], EditTarget]:
    """The originals of several edits by (chat, key), with their copies, in one statement;
    an unknown key (or one of another chat) is left out."""
    wanted = set(wanted)
    if not wanted:
        return {}
    rows = await session.execute(_EDIT_TARGETS, {"keys": sorted(key for _, key in wanted)})
    found: dict[tuple[int, str], EditTarget] = {}
    copies: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        pair = (row.chat_id, row.idempotency_key)
        if pair not in wanted:
            continue
        if pair not in found:
            found[pair] = EditTarget(row.id, row.status, row.telegram_message_id, (), row.sent_at)
            copies[pair] = []
        if row.copy_id is not None:
            copies[pair].append(row.copy_id)
    return {
        pair: replace(target, copies=tuple(copies[pair])) if copies[pair] else target
        for pair, target in found.items()
    }


_EDIT_TARGETS = (
    select(
        OutboxMessage.id,
        OutboxMessage.chat_id,
        OutboxMessage.idempotency_key,
        OutboxMessage.status,
        OutboxMessage.telegram_message_id,
        OutboxMessage.sent_at,
        OutboxCopy.telegram_message_id.label("copy_id"),
    )
    .outerjoin(OutboxCopy, OutboxCopy.outbox_id == OutboxMessage.id)
    .where(OutboxMessage.idempotency_key.in_(bindparam("keys", expanding=True)))
    .order_by(OutboxMessage.id, OutboxCopy.created_at, OutboxCopy.telegram_message_id)
)


async def late_answer(
    session: AsyncSession,
    row_id: int,
    telegram_message_id: int,
    now: datetime,
    *,
    lease: str | None = None,
) -> str:
    """Telegram accepted a send whose claim had lost the row (its lease expired, its worker
    was taken for dead, or a cancelled broadcast skipped it while this claim, ``lease``, was
    sending it). The message exists all the same: if nobody has sent the row again it counts
    as the row's message; otherwise it is remembered as a copy, and the row's latest edit runs
    again so that it reaches this copy too. Returns "sent" or "copy". Commits.

    A skipped row counts as sent only while it still holds this very claim: a row withdrawn
    after its lease lapsed (hidden before it was sent) has no owner and stays withdrawn."""
    skipped_in_flight = and_(
        OutboxMessage.status == OutboxStatus.SKIPPED,
        OutboxMessage.lease_owner == lease,
    )
    taken = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            or_(OutboxMessage.status == OutboxStatus.PENDING, skipped_in_flight)
            if lease is not None
            else OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(
            _RELEASED
            | {
                "status": OutboxStatus.SENT,
                "telegram_message_id": telegram_message_id,
                "sent_at": now,
                "last_error": None,
            }
        )
        .returning(OutboxMessage.personal)
    )
    personal = taken.scalar()
    if personal is not None:
        if personal:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(payload=PURGED)
            )
        await session.commit()
        return "sent"
    await add_copy(session, row_id, telegram_message_id, now)
    await session.commit()
    return "copy"


async def add_copy(
    session: AsyncSession, row_id: int, telegram_message_id: int, now: datetime
) -> None:
    """Remember one more message of a row; its latest finished edit runs again (each copy it
    already reached answers "message is not modified", which counts as done). Does not
    commit."""
    original = (
        await session.execute(
            select(
                OutboxMessage.idempotency_key,
                OutboxMessage.chat_id,
                OutboxMessage.telegram_message_id,
            ).where(OutboxMessage.id == row_id)
        )
    ).first()
    if original is None or original.telegram_message_id == telegram_message_id:
        return
    await session.execute(
        insert_ignore(
            session,
            OutboxCopy,
            {"outbox_id": row_id, "telegram_message_id": telegram_message_id, "created_at": now},
        )
    )
    latest_edit = (
        select(func.max(OutboxMessage.id))
        .where(
            OutboxMessage.edit_key == original.idempotency_key,
            OutboxMessage.chat_id == original.chat_id,
        )
        .scalar_subquery()
    )
    again = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == latest_edit,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.personal.is_(False),  # a personal payload is purged: nothing to send
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now, attempts=0)
        .execution_options(synchronize_session=False)
    )
    if getattr(again, "rowcount", 0):
        session.info[_ENQUEUED] = True


async def withdraw_unsent(session: AsyncSession, row_id: int) -> bool:
    """A hiding edit found its original still waiting in the queue: the personal message is
    never sent (payload purged). False: it is being sent or was already. Commits."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(
            status=OutboxStatus.SKIPPED,
            payload=PURGED,
            last_error="withdrawn: hidden before it was sent",
        )
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class UnhiddenRow:
    """Personal data that could not be hidden: a chat still holds it."""

    id: int
    chat_id: int
    when: datetime
    reason: str


def _unhidden(session: AsyncSession) -> TextClause:
    """The condition of ix_outbox_unhidden, in the session's dialect."""
    return text(UNHIDDEN_WHERE[session.get_bind().dialect.name])


async def unhidden(session: AsyncSession, *, limit: int) -> list[UnhiddenRow]:
    """The newest hidings that failed for good (edit and delete refused, message id unknown,
    the original not sent in time, the person blocked the bot), for the coordinators."""
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.created_at,
            OutboxMessage.last_error,
        )
        .where(_unhidden(session))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [UnhiddenRow(r.id, r.chat_id, r.created_at, r.last_error or "") for r in rows]


async def unhidden_count(session: AsyncSession) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(_unhidden(session))
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class FailedRow:
    id: int
    chat_id: int
    key: str
    status: str
    reason: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BlockedPerson:
    id: int
    first_name: str
    username: str | None
    since: datetime


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    counts: dict[str, int]
    failed: list[FailedRow]
    blocked: list[BlockedPerson]
    blocked_total: int


_NEWEST_REFUSED_SQLITE = text(
    f"SELECT id FROM outbox INDEXED BY ix_outbox_refused WHERE {REFUSED_WHERE}"
    " ORDER BY id DESC LIMIT :limit"
)
SENT_COUNTED_FOR = timedelta(days=1)
COUNT_CAP = 10_000  # a higher count is shown as "more than" this


async def delivery_report(
    session: AsyncSession, now: datetime, *, limit: int = 10
) -> DeliveryReport:
    """Every figure is read from an index, and every count stops at COUNT_CAP + 1 ("more
    than 10,000" tells the HQ as much as 156,000 blocked rows did, which took ~13 ms to count
    on PostgreSQL; 220,000 sent in a day ~80 ms; issue 23). Rows that did not go out (in
    flight, failed, skipped, blocked) are counted by status from ix_outbox_due, which starts
    with it: retention keeps the ended ones 30 days, and a row has no column saying when it
    ended (next_attempt_at is when it was due: a cancelled broadcast's rows are due
    tomorrow), so no "last day" of them can be told. Sent rows are counted over the last
    day. The people who blocked the bot are counted by the counters /stats reads."""
    since = now - SENT_COUNTED_FOR

    def capped(*where: Any) -> Any:
        matching = select(OutboxMessage.id).where(*where).limit(COUNT_CAP + 1).subquery()
        return select(func.count()).select_from(matching).scalar_subquery()

    unsent = [s for s in OutboxStatus if s != OutboxStatus.SENT]
    # sent_at is set exactly when a row is sent (see the index ix_outbox_sent_at).
    statuses = [*unsent, OutboxStatus.SENT]
    figures = (
        await session.execute(
            select(
                *(capped(OutboxMessage.status == status) for status in unsent),
                capped(OutboxMessage.sent_at >= since),
            )
        )
    ).one()
    counts: dict[str, int] = {
        status: int(count or 0)
        for status, count in zip(statuses, figures, strict=True)
        if count or status == OutboxStatus.SENT
    }
    newest = select(OutboxMessage).where(text(REFUSED_WHERE)).order_by(OutboxMessage.id.desc())
    if session.get_bind().dialect.name == "sqlite":
        # Without statistics SQLite sorts every refusal found through ix_outbox_due (26,000
        # in the region benchmark, ~3 ms) instead of reading the newest ten off the partial
        # index; SQLAlchemy renders no index hint for SQLite, so the ids come first.
        ids = (await session.scalars(_NEWEST_REFUSED_SQLITE, {"limit": limit})).all()
        newest = select(OutboxMessage).where(OutboxMessage.id.in_(ids))
        newest = newest.order_by(OutboxMessage.id.desc())
    failed_rows = await session.scalars(newest.limit(limit))  # ix_outbox_refused
    failed = [
        FailedRow(
            id=r.id,
            chat_id=r.chat_id,
            key=r.idempotency_key,
            status=r.status,
            reason=r.last_error or "",
            attempts=r.attempts,
            created_at=r.created_at,
        )
        for r in failed_rows
    ]
    blocked_total = await session.scalar(
        select(func.coalesce(func.sum(UserCount.n), 0)).where(UserCount.blocked == true())
    )
    blocked_users = await session.scalars(  # ix_users_blocked_updated
        select(User).where(User.blocked_bot == true()).order_by(User.updated_at.desc()).limit(limit)
    )
    blocked = [
        BlockedPerson(id=u.id, first_name=u.first_name, username=u.username, since=u.updated_at)
        for u in blocked_users
    ]
    return DeliveryReport(
        counts=counts, failed=failed, blocked=blocked, blocked_total=blocked_total or 0
    )
