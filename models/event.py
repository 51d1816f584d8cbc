"""The volunteer calendar (issue 18): events a coordinator sets up, volunteers' sign-ups with a
waiting list, and the attendance that adds hours to a volunteer's record.

A sign-up on the last slot is atomic: every change to an event's sign-ups first locks the
event's row (an UPDATE of it), then ``slots_taken`` moves with ``WHERE slots_taken < slots``;
a person has one sign-up row per event (unique), whose status says where they stand.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class EventStatus(enum.StrEnum):
    OPEN = "open"  # sign-ups taken until it starts
    CANCELLED = "cancelled"
    DONE = "done"  # attendance marked: hours counted


class SignupStatus(enum.StrEnum):
    GOING = "going"  # holds a slot
    WAITING = "waiting"  # on the waiting list, in ``waiting_since`` order
    CANCELLED = "cancelled"  # left (may sign up again)


class VolunteerEvent(Base):
    __tablename__ = "volunteer_events"
    __table_args__ = (
        CheckConstraint("slots_taken >= 0 AND slots_taken <= slots", name="slots_in_range"),
        Index("ix_volunteer_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # A day of action from bot/data/action_days.py (its title in each reader's language), or
    # None: the coordinator's own ``title``.
    template: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_hours: Mapped[float] = mapped_column(Float)
    place: Mapped[str] = mapped_column(String(300))
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), index=True
    )
    slots: Mapped[int] = mapped_column(Integer)
    slots_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kinds: Mapped[list[str]] = mapped_column(JSON)  # skills wanted; empty: every volunteer
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.OPEN)
    created_by: Mapped[int] = mapped_column(BigInteger)
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventSignup(Base):
    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_signups_event_user"),
        Index("ix_event_signups_event_status_since", "event_id", "status", "since", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("volunteer_events.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # of this status: the list's order
    present: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Reminders already enqueued (the outbox key makes each one once; these skip the rows).
    reminded_day_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_soon_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventAttendance(Base):
    """A volunteer who came: the hours added to ``volunteers.hours`` (once: unique)."""

    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_attendance_event_user"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("volunteer_events.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    hours: Mapped[float] = mapped_column(Float)
    marked_by: Mapped[int] = mapped_column(BigInteger)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
