"""Call-back requests: a citizen asks the HQ to phone them instead of filling the form.

Who hears of one: the person has no territory (the HQ asks on the phone), so every coordinator
who can run /hotline is told: ADMIN_IDS, HQ coordinators and every territory coordinator. The
first of them to call takes it; the others' pushes lose the phone once it is handled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import format_datetime
from bot.services import audit
from bot.services.outbox import PURGED, Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.users import Roles
from bot.services.volunteers import format_phone
from models import (
    CallbackRequest,
    CallbackStatus,
    Coordinator,
    CoordinatorTerritory,
    OutboxMessage,
    OutboxStatus,
    Priority,
)

# The "fill the form" and "called, no request needed" buttons of one call-back, built by the
# keyboard module (callback data lives there), so this service stays free of aiogram.
ButtonsFor = Callable[[int], Sequence[Sequence[Button]]]


def push_key(callback_id: int, user_id: int) -> str:
    return f"cb:{callback_id}:push:{user_id}"


@dataclass(frozen=True, slots=True)
class Asked:
    callback: CallbackRequest
    new: bool  # False: an open one was waiting already (a double tap, or asked before)


async def open_of(session: AsyncSession, user_id: int) -> CallbackRequest | None:
    return await session.scalar(
        select(CallbackRequest).where(
            CallbackRequest.user_id == user_id, CallbackRequest.status == CallbackStatus.OPEN
        )
    )


async def recipients(session: AsyncSession, admin_ids: Collection[int]) -> list[int]:
    """Everyone who may call a person back: ADMIN_IDS, HQ coordinators, territory ones."""
    rows = await session.scalars(
        select(Coordinator.user_id).where(
            or_(
                Coordinator.is_hq.is_(True),
                exists().where(CoordinatorTerritory.user_id == Coordinator.user_id),
            )
        )
    )
    return sorted(set(admin_ids) | set(rows.all()))


async def ask(
    session: AsyncSession,
    user_id: int,
    phone: str,
    now: datetime,
    *,
    admin_ids: Collection[int],
    tz: ZoneInfo,
    buttons: ButtonsFor,
) -> Asked:
    """Store a call-back request and push it to the coordinators, in the caller's
    transaction. A second open one is refused by the unique index, not by a check first."""
    inserted = await session.execute(
        insert_ignore(
            session,
            CallbackRequest,
            {
                "user_id": user_id,
                "phone": phone,
                "status": CallbackStatus.OPEN,
                "created_at": now,
                "pushed_to": [],
            },
        )
    )
    callback = await open_of(session, user_id)
    assert callback is not None  # inserted now, or the open one that stopped the insert
    if not getattr(inserted, "rowcount", 0):
        return Asked(callback, new=False)
    targets = await recipients(session, admin_ids)
    callback.pushed_to = targets
    await session.flush()
    text = Text(
        key="cb-push",
        args={"id": callback.id, "phone": format_phone(phone), "when": format_datetime(now, tz)},
    )
    # The coordinator's own language when it is sent (locale None); the phone is all they
    # need, and it is purged from the row once delivered.
    message = OutgoingMessage(text, buttons=buttons(callback.id))
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=target,
                message=message,
                key=push_key(callback.id, target),
                priority=Priority.URGENT,
                personal=True,
            )
            for target in targets
        ],
        now,
    )
    return Asked(callback, new=True)


async def list_open(
    session: AsyncSession, *, offset: int = 0, limit: int = 10
) -> tuple[list[CallbackRequest], int]:
    """Open call-backs, oldest first (they have waited longest), with the total."""
    condition = CallbackRequest.status == CallbackStatus.OPEN
    total = await session.scalar(select(func.count(CallbackRequest.id)).where(condition)) or 0
    rows = await session.scalars(
        select(CallbackRequest)
        .where(condition)
        .order_by(CallbackRequest.created_at, CallbackRequest.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows.all()), total


async def count_open(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count(CallbackRequest.id)).where(
                CallbackRequest.status == CallbackStatus.OPEN
            )
        )
        or 0
    )


async def start_filling(
    session: AsyncSession, callback_id: int, actor_id: int, now: datetime
) -> CallbackRequest | None:
    """An operator opens the hotline form for this caller: noted on the request (the list
    shows who is on it), which stays open until the form is confirmed. None: not open."""
    result = await session.scalars(
        update(CallbackRequest)
        .where(CallbackRequest.id == callback_id, CallbackRequest.status == CallbackStatus.OPEN)
        .values(handled_by=actor_id, handled_at=now)
        .returning(CallbackRequest),
        execution_options={"populate_existing": True},
    )
    return result.first()


async def close(
    session: AsyncSession, callback_id: int, actor_id: int, now: datetime, roles: Roles
) -> CallbackRequest | None:
    """ "Called, no request needed": exactly one press closes it (a conditional update), with
    the audit entry. None: it was not open any more (someone else closed it)."""
    closed = await _finish(session, callback_id, actor_id, now)
    if closed is not None:
        await audit.record(
            session,
            actor_id=actor_id,
            action="callback_closed",
            now=now,
            roles=roles,
            target=f"callback:{callback_id}",
        )
    return closed


async def link_to_request(
    session: AsyncSession,
    callback_id: int,
    request_id: int,
    actor_id: int,
    now: datetime,
    *,
    roles: Roles | None = None,
) -> bool:
    """The hotline form filled from this call-back was confirmed: the call-back is done and
    points at the request. Also after someone closed it meanwhile (the request still counts);
    False only when it is unknown, cancelled or linked already."""
    done = await _finish(session, callback_id, actor_id, now, request_id=request_id)
    if done is None:
        result = await session.execute(
            update(CallbackRequest)
            .where(
                CallbackRequest.id == callback_id,
                CallbackRequest.status == CallbackStatus.DONE,
                CallbackRequest.request_id.is_(None),
            )
            .values(request_id=request_id)
        )
        if not getattr(result, "rowcount", 0):
            return False
    await audit.record(
        session,
        actor_id=actor_id,
        action="callback_request",
        now=now,
        roles=roles,
        target=f"callback:{callback_id}",
        details={"request": request_id},
    )
    return True


async def _finish(
    session: AsyncSession,
    callback_id: int,
    actor_id: int,
    now: datetime,
    *,
    request_id: int | None = None,
) -> CallbackRequest | None:
    values: dict[str, object] = {
        "status": CallbackStatus.DONE,
        "handled_by": actor_id,
        "handled_at": now,
    }
    if request_id is not None:
        values["request_id"] = request_id
    result = await session.scalars(
        update(CallbackRequest)
        .where(CallbackRequest.id == callback_id, CallbackRequest.status == CallbackStatus.OPEN)
        .values(**values)
        .returning(CallbackRequest),
        execution_options={"populate_existing": True},
    )
    finished = result.first()
    if finished is not None:
        await _settle_pushes(session, finished, now, "cb-push-handled")
    return finished


async def _settle_pushes(
    session: AsyncSession, callback: CallbackRequest, now: datetime, key: str
) -> None:
    """Every coordinator's push loses the phone and its buttons (a hiding edit: one never
    sent is withdrawn instead)."""
    message = OutgoingMessage(Text(key=key, args={"id": callback.id}), hide=True)
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=target,
                message=message,
                key=f"cb:{callback.id}:settled:{target}",
                edit_key=push_key(callback.id, target),
                priority=Priority.URGENT,
            )
            for target in callback.pushed_to
        ],
        now,
    )


async def forget(session: AsyncSession, user_id: int, now: datetime) -> None:
    """/forget: the person's call-back requests lose the phone; an open one is cancelled
    (nobody can call a number that is gone) and its pushes are withdrawn or hidden."""
    rows = list(
        (
            await session.scalars(select(CallbackRequest).where(CallbackRequest.user_id == user_id))
        ).all()
    )
    for callback in rows:
        was_open = callback.status == CallbackStatus.OPEN
        keys = [push_key(callback.id, target) for target in callback.pushed_to]
        if keys:
            # Not yet sent: never will be. Sent: the payload goes now, not at the next purge.
            await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.idempotency_key.in_(keys),
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.idempotency_key.in_(keys))
                .values(payload=PURGED)
            )
        callback.phone = ""
        if was_open:
            callback.status = CallbackStatus.CANCELLED
            await _settle_pushes(session, callback, now, "cb-push-withdrawn")
    await session.flush()
