"""Recurring help (issue 19): a request that repeats (coal, snow, weekly groceries, a weekly
call). The series is the template; each occurrence is its own help request with
``series_id`` and ``occurrence_on`` (unique together: a tick run twice makes it once)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class SeriesStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class RequestSeries(Base):
    __tablename__ = "request_series"
    __table_args__ = (
        Index("ix_request_series_status_next", "status", "next_at"),
        Index("ix_request_series_requester", "requester_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    requester_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by: Mapped[int] = mapped_column(BigInteger)  # the requester or a coordinator
    # The request whose person, address and details each occurrence copies (no FK: the
    # occurrences point here; an erased template ends the series).
    template_request_id: Mapped[int] = mapped_column(BigInteger)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(60))  # a timing.RepeatRule text
    until: Mapped[date | None] = mapped_column(Date)  # the last day (local); None: open-ended
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the next occurrence
    status: Mapped[str] = mapped_column(String(8), default=SeriesStatus.ACTIVE)
    last_volunteer_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    occurrences: Mapped[int] = mapped_column(default=0, server_default="0")
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
