"""Everything the bot sends on its own: written in the same transaction as the change that
caused it, then delivered by the worker in bot/delivery."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class Priority(enum.IntEnum):
    URGENT = 0
    NORMAL = 1
    BULK = 2


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # leased by a worker until leased_until
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the person blocked the bot
    SKIPPED = "skipped"  # an edit whose original message was never delivered


# Hidings that failed for good (personal data a chat still holds), and rows refused for good:
# /delivery lists the newest of each and counts the first. Few among millions, so each has
# a partial index; queries use the same SQL (PostgreSQL's generic plans for bound parameters
# could not prove that they imply the index's condition). Per dialect: booleans differ.
UNHIDDEN_WHERE = {
    "sqlite": "hide = 1 AND status IN ('failed', 'blocked')",
    "postgresql": "hide AND status IN ('failed', 'blocked')",
}
REFUSED_WHERE = "status IN ('failed', 'skipped')"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat_status", "chat_id", "status"),
        # The claim's two questions, answered from small partial indexes even when a few chats
        # have deep backlogs: which pending rows are due first, and is this the chat's next one.
        Index(
            "ix_outbox_pending_order",
            "priority",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_outbox_pending_chat",
            "chat_id",
            "priority",
            "not_before",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Edits of one original (every copy must get the latest) and hidings that failed.
        Index("ix_outbox_edit_key", "edit_key"),
        # What a message is about ("req:12", "vol:5"): erasure and hiding look rows up by it,
        # never by LIKE on the key (SQLite's LIKE is case-insensitive and skips the index).
        Index("ix_outbox_subject", "subject"),
        Index("ix_outbox_hide_status", "hide", "status"),
        Index(
            "ix_outbox_unhidden",
            "id",
            sqlite_where=text(UNHIDDEN_WHERE["sqlite"]),
            postgresql_where=text(UNHIDDEN_WHERE["postgresql"]),
        ),
        Index(
            "ix_outbox_refused",
            "id",
            sqlite_where=text(REFUSED_WHERE),
            postgresql_where=text(REFUSED_WHERE),
        ),
        # One person's refusals (/delivery «Вам не удалось доставить»): without it PostgreSQL
        # walked every refusal backwards for the HQ's (~90 ms with 25,000 of them).
        Index(
            "ix_outbox_refused_chat",
            "chat_id",
            "id",
            sqlite_where=text(REFUSED_WHERE),
            postgresql_where=text(REFUSED_WHERE),
        ),
        # Sent rows by age: the retention job deletes the old ones, /delivery counts recent ones.
        # sent_at is set exactly when a row is sent: sent rows are found by it alone.
        Index(
            "ix_outbox_sent_at",
            "sent_at",
            sqlite_where=text("sent_at IS NOT NULL"),
            postgresql_where=text("sent_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # Enqueueing the same key twice is a no-op: the unique index, not a check, decides.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.NORMAL)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    edit_key: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(64))  # the key's first two parts
    personal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    # The delivery worker holding the lease: its rows go back to the queue as soon as its
    # heartbeat stops, without waiting for the lease (see DeliveryWorkerRow).
    worker_id: Mapped[str | None] = mapped_column(String(64))
    # An edit that removes personal data: if Telegram refuses it, the message is deleted, and
    # if that fails too the row stays FAILED on the list of what could not be hidden.
    hide: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxCopy(Base):
    """Another message a row produced: a send repeated after a crash or a lost lease leaves
    two messages in the chat, and edits of the row must reach both."""

    __tablename__ = "outbox_copies"

    outbox_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    telegram_message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryWorkerRow(Base):
    """A live delivery worker: it renews ``alive_until`` every second or so. Once that passes,
    the worker is taken for dead and its leased rows are released for others at once."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alive_until: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
