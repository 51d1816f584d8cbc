"""Task details (the person's name, phone, address, door code) shown to a volunteer, from the
moment the bot decides to send them until they are hidden.

The record comes first: ``begin`` writes it (committed before the send, by the commit-before-
send rule), ``shown`` adds Telegram's message id. A crash between the two, or a lost answer,
leaves a record without an id: the hiding then cannot edit it and reports it (see the outbox's
list of what could not be hidden), instead of nobody ever knowing the card exists. Hiding goes
through the outbox as an edit marked ``hide``: edited, else deleted, else reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import PURGED, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from models import HelpRequest, OutboxMessage, OutboxStatus, Priority, RequestStatus


def _prefix(request_id: int) -> str:
    return f"req:{request_id}:details:"


def details_key(request_id: int, user_id: int) -> str:
    """A new record's key: one per details message ever sent (a volunteer may open the
    details several times while the task is theirs)."""
    return f"{_prefix(request_id)}{user_id}:{uuid.uuid4().hex[:12]}"


async def begin(
    session: AsyncSession, request_id: int, volunteer_id: int, user_id: int, now: datetime
) -> str | None:
    """Record that a details message is about to be sent to ``user_id``; returns its key, or
    None when the task is no longer this volunteer's open task (then nothing may be sent).
    Nothing of the content is kept. The caller commits before sending.

    The check is a conditional UPDATE of the request, so it waits for (or makes wait) a close
    of the same request: a close either comes first (no record, nothing sent) or after the
    record exists (and hides it)."""
    still_theirs = await session.scalar(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.volunteer_id == volunteer_id,
            HelpRequest.status.in_((RequestStatus.TAKEN, RequestStatus.ON_WAY)),
        )
        .values(updated_at=HelpRequest.updated_at)
        .returning(HelpRequest.id)
    )
    if still_theirs is None:
        return None
    key = details_key(request_id, user_id)
    await record(session, key, f"req:{request_id}", user_id, now)
    return key


async def record(
    session: AsyncSession, key: str, subject: str, user_id: int, now: datetime
) -> None:
    """The record of a message with personal data about to be sent to ``user_id`` (its
    content is not kept); ``hide_recorded`` finds it by ``subject`` and the key's prefix.
    Standing care's person cards (bot/services/care.py) are recorded the same way."""
    await session.execute(
        insert_ignore(
            session,
            OutboxMessage,
            {
                "idempotency_key": key,
                "subject": subject,
                "chat_id": user_id,
                "priority": int(Priority.URGENT),  # its hiding inherits this: no waiting
                "payload": PURGED,
                "edit_key": None,
                "personal": True,
                # Sent as far as the queue is concerned: no worker ever claims it; the id
                # comes with ``shown``, or never (then hiding reports it).
                "status": OutboxStatus.SENT.value,
                "attempts": 1,
                "not_before": now,
                "next_attempt_at": now,
                "telegram_message_id": None,
                "created_at": now,
                "sent_at": now,
            },
        )
    )


async def shown(session: AsyncSession, key: str, telegram_message_id: int) -> None:
    """Telegram accepted the details message: remember its id, so it can be edited later."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key)
        .values(telegram_message_id=telegram_message_id)
    )


async def not_sent(session: AsyncSession, key: str, reason: str) -> None:
    """Telegram refused the message (it surely does not exist): nothing to hide later."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key)
        .values(status=OutboxStatus.FAILED.value, last_error=reason[:500])
    )


async def hide(
    session: AsyncSession,
    request_id: int,
    now: datetime,
    *,
    user_id: int | None = None,
    text: Text | None = None,
) -> int:
    """Edit every details message of a request (a volunteer's, or everyone's) down to ``text``
    (by default one line without the person's data); returns how many hidings were enqueued.
    A message already hidden is not hidden twice."""
    return await hide_recorded(
        session,
        f"req:{request_id}",
        _prefix(request_id),
        now,
        user_id=user_id,
        text=text or Text(key="task-details-hidden", args={"id": request_id}),
    )


async def hide_recorded(
    session: AsyncSession,
    subject: str,
    prefix: str,
    now: datetime,
    *,
    user_id: int | None,
    text: Text,
) -> int:
    """Edit every recorded message of ``subject`` whose key starts with ``prefix`` (of one
    chat, or every chat) down to ``text``; returns how many hidings were enqueued."""
    rows = await _recorded(session, subject, prefix, user_id)
    message = OutgoingMessage(text, hide=True)
    return await _hide(session, [(key, chat_id, message) for key, chat_id in rows], now)


async def _recorded(
    session: AsyncSession, subject: str, prefix: str, user_id: int | None
) -> list[tuple[str, int]]:
    """The recorded messages of ``subject`` whose key starts with ``prefix``: (key, chat).
    One subject per statement, on purpose: with ``subject IN (...)`` SQLite's planner takes
    the index on edit_key for ``edit_key IS NULL`` instead (millions of rows: 3 s in the
    region benchmark)."""
    conditions: list[Any] = [
        OutboxMessage.subject == subject,  # indexed; the LIKE only narrows it
        OutboxMessage.idempotency_key.like(f"{prefix}%"),
        OutboxMessage.edit_key.is_(None),  # the details themselves, not earlier hidings
        OutboxMessage.status == OutboxStatus.SENT,
    ]
    if user_id is not None:
        conditions.append(OutboxMessage.chat_id == user_id)
    rows = await session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.chat_id).where(*conditions)
    )
    return [(key, chat_id) for key, chat_id in rows.all()]


async def _due_now(session: AsyncSession, hidden_keys: list[str], now: datetime) -> None:
    """A hiding already planned for later (a file shown on demand) is due now."""
    if hidden_keys:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.idempotency_key.in_(hidden_keys),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at > now,
            )
            .values(not_before=now, next_attempt_at=now)
        )


async def hide_all(session: AsyncSession, request_ids: Collection[int], now: datetime) -> int:
    """``hide`` for several requests at once (an erasure's group): one look-up each, one
    enqueue for all; returns how many hidings were enqueued."""
    rows: list[tuple[str, int, OutgoingMessage]] = []
    for request_id in sorted(request_ids):
        text = Text(key="task-details-hidden", args={"id": request_id})
        message = OutgoingMessage(text, hide=True)
        found = await _recorded(session, f"req:{request_id}", _prefix(request_id), None)
        rows += [(key, chat_id, message) for key, chat_id in found]
    return await _hide(session, rows, now)


async def _hide(
    session: AsyncSession, rows: list[tuple[str, int, OutgoingMessage]], now: datetime
) -> int:
    """Enqueue each (recorded key, chat, hiding message); returns how many."""
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=chat_id,
                message=message,
                key=f"{key}:hidden",
                edit_key=key,
                priority=Priority.URGENT,
            )
            for key, chat_id, message in rows
        ],
        now,
    )
    await _due_now(session, [f"{key}:hidden" for key, _chat, _message in rows], now)
    return len(rows)


async def hide_later(
    session: AsyncSession, key: str, chat_id: int, request_id: int, at: datetime, now: datetime
) -> None:
    """Hide one details message at ``at`` (a voice note or photo shown on demand: a file
    cannot become a line of text, so it is deleted, which Telegram allows for 48 hours)."""
    await enqueue_many(
        session,
        [
            Outgoing(
                chat_id=chat_id,
                message=OutgoingMessage(
                    Text(key="task-details-hidden", args={"id": request_id}), hide=True
                ),
                key=f"{key}:hidden",
                edit_key=key,
                priority=Priority.URGENT,
                not_before=at,
            )
        ],
        now,
    )
