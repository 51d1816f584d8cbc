"""Delivery health (issue 20): what could not be delivered, explained in words a coordinator
understands, whose it was, and an export of it all (the outbox's failed, blocked and skipped
rows, and the people who blocked the bot), read by id ranges in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.broadcasts import CANCELLED_REASON
from models import Broadcast, OutboxMessage, OutboxStatus, User
from models.outbox import REFUSED_WHERE

UNDELIVERED = (OutboxStatus.FAILED.value, OutboxStatus.BLOCKED.value, OutboxStatus.SKIPPED.value)
CHUNK = 2000

# Telegram's answer (or the worker's note) → the explanation's locale key suffix.
_WHY = (
    ("blocked the bot", "blocked"),
    ("broadcast was cancelled", "cancelled"),
    ("chat not found", "no-chat"),
    ("user is deactivated", "no-chat"),
    ("too long", "too-long"),
    ("original", "no-original"),
    ("withdrawn", "no-original"),
    ("bad gateway", "gave-up"),
    ("gateway timeout", "gave-up"),
    ("internal server error", "gave-up"),
    ("service unavailable", "gave-up"),
    ("network", "gave-up"),
    ("timeout", "gave-up"),
)


def why(status: str, reason: str | None) -> str:
    """The explanation's key: ``delivery-why-<code>``."""
    if status == OutboxStatus.BLOCKED:
        return "delivery-why-blocked"
    text = (reason or "").lower()
    for needle, code in _WHY:
        if needle in text:
            return f"delivery-why-{code}"
    return "delivery-why-other"


@dataclass(frozen=True, slots=True)
class Undelivered:
    id: int
    chat_id: int
    subject: str | None
    status: str
    reason: str
    attempts: int
    created_at: datetime


def _row(r: Any) -> Undelivered:
    return Undelivered(
        r.id, r.chat_id, r.subject, r.status, r.last_error or "", r.attempts, r.created_at
    )


_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.chat_id,
    OutboxMessage.subject,
    OutboxMessage.status,
    OutboxMessage.last_error,
    OutboxMessage.attempts,
    OutboxMessage.created_at,
)


async def to_person(session: AsyncSession, chat_id: int, *, limit: int = 10) -> list[Undelivered]:
    """Messages to this person that could not be delivered (newest first): a coordinator
    sees what the bot meant to tell them and why it did not arrive."""
    rows = await session.execute(
        select(*_COLUMNS)
        .where(
            OutboxMessage.chat_id == chat_id,
            text(REFUSED_WHERE),  # failed or skipped: ix_outbox_refused_chat's own condition
            # A cancelled broadcast's message was withdrawn, not lost on the way.
            or_(
                OutboxMessage.last_error.is_(None),
                OutboxMessage.last_error != CANCELLED_REASON,
            ),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [_row(r) for r in rows]


async def of_broadcasts_by(
    session: AsyncSession, author_id: int, *, broadcasts: int = 5, limit: int = 10
) -> list[Undelivered]:
    """What did not reach the people of this author's latest broadcasts (failed only: the
    blocked are counted in each broadcast's report)."""
    ids = (
        await session.scalars(
            select(Broadcast.id)
            .where(Broadcast.author_id == author_id)
            .order_by(Broadcast.id.desc())
            .limit(broadcasts)
        )
    ).all()
    if not ids:
        return []
    rows = await session.execute(
        select(*_COLUMNS)
        .where(
            OutboxMessage.subject.in_([f"bc:{i}" for i in ids]),
            OutboxMessage.status == OutboxStatus.FAILED,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ExportRow:
    kind: str  # "message" or "blocked"
    when: datetime
    chat_id: int
    name: str
    username: str | None
    status: str
    subject: str | None
    attempts: int | None
    reason: str
    why: str  # locale key

    def cells(self, explain: str) -> list[Any]:
        return [
            self.kind,
            self.when,
            self.chat_id,
            self.name,
            self.username or "",
            self.status,
            self.subject or "",
            self.attempts if self.attempts is not None else "",
            self.reason,
            explain,
        ]


HEADER_KEYS: Sequence[str] = (
    "delivery-col-kind",
    "delivery-col-when",
    "delivery-col-chat",
    "delivery-col-name",
    "delivery-col-username",
    "delivery-col-status",
    "delivery-col-subject",
    "delivery-col-attempts",
    "delivery-col-reason",
    "delivery-col-why",
)
WIDTHS = (10, 17, 14, 22, 18, 10, 16, 9, 50, 50)


async def export_rows(
    sessionmaker: async_sessionmaker[AsyncSession], *, chunk: int = CHUNK
) -> AsyncIterator[list[ExportRow]]:
    """Every undelivered outbox row, then everyone who blocked the bot, in chunks by id, each
    read in a short session of its own: between chunks (while the file is written) SQLite's
    only connection serves everyone else."""
    after = 0
    while True:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(*_COLUMNS, User.first_name, User.username)
                    .outerjoin(User, User.id == OutboxMessage.chat_id)
                    .where(OutboxMessage.status.in_(UNDELIVERED), OutboxMessage.id > after)
                    .order_by(OutboxMessage.id)
                    .limit(chunk)
                )
            ).all()
        if not rows:
            break
        after = rows[-1].id
        yield [
            ExportRow(
                "message",
                r.created_at,
                r.chat_id,
                r.first_name or "",
                r.username,
                r.status,
                r.subject,
                r.attempts,
                r.last_error or "",
                why(r.status, r.last_error),
            )
            for r in rows
        ]
    after_user = -(2**63)
    while True:
        async with sessionmaker() as session:
            people = (
                await session.execute(
                    select(User.id, User.first_name, User.username, User.updated_at)
                    .where(User.blocked_bot == true(), User.id > after_user)
                    .order_by(User.id)
                    .limit(chunk)
                )
            ).all()
        if not people:
            break
        after_user = people[-1].id
        yield [
            ExportRow(
                "blocked",
                p.updated_at,
                p.id,
                p.first_name,
                p.username,
                OutboxStatus.BLOCKED.value,
                None,
                None,
                "",
                "delivery-why-blocked",
            )
            for p in people
        ]
