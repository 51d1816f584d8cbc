"""Timed things: one-off and repeating reminders, fired by the scheduler into the outbox.

Due moments are rows, not scheduler jobs, so 100,000 pending reminders cost nothing at start
and several processes can fire them without duplicates.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class ReminderState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"  # a one-off reminder that fired
    CANCELLED = "cancelled"
    MISSED = "missed"  # became due while the bot was down, and too long ago to send now


# Missed now, or missed once and repeating since (what /scheduler lists as missed).
MISSED_WHERE = "state = 'missed' OR missed_count > 0"


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "state", "due_at"),
        Index("ix_reminders_subject", "subject"),
        Index("ix_reminders_chat_state", "chat_id", "state"),
        # /scheduler's missed reminders: few rows among every reminder ever written.
        Index(
            "ix_reminders_missed",
            "last_missed_at",
            "id",
            sqlite_where=text(MISSED_WHERE),
            postgresql_where=text(MISSED_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # What the person is reminded of, and of what: e.g. "request:125", to cancel them together.
    subject: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    repeat: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=ReminderState.PENDING)
    occurrence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
