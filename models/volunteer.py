"""Volunteers: an application, and once approved, the volunteer's profile.

A person may apply again after a rejection or after leaving, so rows are a history; a unique
partial index allows one live row (pending, approved or blocked) per person.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class VolunteerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    LEFT = "left"
    BLOCKED = "blocked"


LIVE_STATUSES = ("pending", "approved", "blocked")


class Volunteer(Base):
    __tablename__ = "volunteers"
    __table_args__ = (
        Index(
            "uq_volunteers_live_user",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'approved', 'blocked')"),
            postgresql_where=text("status IN ('pending', 'approved', 'blocked')"),
        ),
        Index("ix_volunteers_territory_status", "territory_id", "status", "created_at"),
        Index("ix_volunteers_status_created", "status", "created_at", "id"),  # HQ /applications
        Index("ix_volunteers_name", "name", "id"),  # HQ /volunteers, by name
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=VolunteerStatus.PENDING)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    skills: Mapped[list[str]] = mapped_column(JSON)
    age_group: Mapped[str] = mapped_column(String(16))
    availability: Mapped[list[str]] = mapped_column(JSON)
    dobro_id: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    paused_until: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    tasks_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When a request was last pushed to them: kept by a trigger on request_pushes (migration
    # 0030), so a wave goes to the least recently pushed without counting a city's pushes.
    last_pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
