"""A help request's history: every step it went through, in order (created, offered, widened,
the escalation circles, taken, on the way, done, reminders, overdue, replaced...).

The coordinators' console reads it; the requester is told the steps in plain words as they
happen. ``details`` holds ids and counts, never a name, phone or address; erasing a request
empties them (help_requests.erase_request)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class EventKind(enum.StrEnum):
    CREATED = "created"
    OFFERED = "offered"
    WIDENED = "widened"
    HELD_QUIET = "held_quiet"  # a «today» request raised in quiet hours waits for the morning
    DUTY_ALERTED = "duty_alerted"  # ... and the coordinators on duty have it at once
    RELEASED = "released"  # the morning came: volunteers are offered it
    CIRCLE_NEIGHBOURS = "circle_neighbours"
    CIRCLE_HQ = "circle_hq"
    COORDINATORS_ALERTED = "coordinators_alerted"
    TAKEN = "taken"
    ASSIGNED = "assigned"
    ON_WAY = "on_way"
    DONE = "done"
    CANNOT = "cannot"
    REOFFERED = "reoffered"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REMINDER_SENT = "reminder_sent"
    STILL_DOING = "still_doing"
    REMINDER_UNANSWERED = "reminder_unanswered"  # the coordinator is alerted
    REASSIGNED = "reassigned"
    OVERDUE = "overdue"
    NOTE = "note"


class RequestEvent(Base):
    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request_at", "request_id", "at", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("help_requests.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # a user id; None: the bot
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
