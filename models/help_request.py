"""Help requests: a citizen (or a hotline operator for a caller) asks; one volunteer takes it."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
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


class RequestKind(enum.StrEnum):
    GROCERIES = "groceries"
    MEDICINE = "medicine"
    UTILITIES = "utilities"
    COAL = "coal"
    SNOW = "snow"
    RIDE = "ride"
    HOUSEHOLD = "household"
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    NEW = "new"
    TAKEN = "taken"
    ON_WAY = "on_way"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"  # could not be helped


class HelpRequest(Base):
    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_territory_status", "territory_id", "status", "created_at"),
        # done_at too: «my tasks» reads a volunteer's latest done ones in order from it
        Index("ix_help_requests_volunteer_status", "volunteer_id", "status", "done_at"),
        Index("ix_help_requests_requester", "requester_id", "created_at"),
        # The HQ's lists: open ones oldest first, everything newest-first by date.
        Index("ix_help_requests_status_created", "status", "created_at", "id"),
        Index("ix_help_requests_created", "created_at", "id"),
        # Recognition (issue 20): the month's tasks done, volunteer, hours and rating read
        # from the index alone.
        Index(
            "ix_help_requests_status_done", "status", "done_at", "volunteer_id", "hours", "rating"
        ),
        # The escalation sweep (bot/services/escalation.py): due steps of searching requests,
        # due reminders of taken ones, open requests whose window has passed.
        Index("ix_help_requests_status_escalate", "status", "escalate_at"),
        Index("ix_help_requests_status_remind", "status", "remind_at"),
        Index("ix_help_requests_status_due", "status", "due_at"),
        # Recurring help: one occurrence of a series per day, however many ticks run.
        UniqueConstraint("series_id", "occurrence_on", name="uq_help_requests_series_occurrence"),
        Index("ix_help_requests_series_accept", "series_accept_until"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    requester_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    entered_by: Mapped[int | None] = mapped_column(BigInteger)  # a hotline operator
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))
    for_other: Mapped[bool] = mapped_column(Boolean)
    person_name: Mapped[str] = mapped_column(String(100))
    person_age: Mapped[int | None] = mapped_column(Integer)
    person_phone: Mapped[str | None] = mapped_column(String(20))
    self_isolation: Mapped[bool | None] = mapped_column(Boolean)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    details: Mapped[str] = mapped_column(String(1000))
    # A voice note or a photo (a prescription, a shopping list) given with the details: a
    # Telegram file id, shown only to the volunteer who takes the task.
    details_file_id: Mapped[str | None] = mapped_column(String(200))
    details_file_kind: Mapped[str | None] = mapped_column(String(8))  # "voice" or "photo"
    urgency: Mapped[str] = mapped_column(String(16))  # today, 3days, planned
    planned_on: Mapped[date | None] = mapped_column(Date)
    time_window: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.NEW)
    # Bumped each time the request goes back to "new": push keys are per round.
    push_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How many volunteers this round may reach (the least busy first); None: every fitting
    # one. It grows at ``widen_at`` while nobody takes the request (help_requests.widen).
    audience: Mapped[int | None] = mapped_column(Integer)
    widen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Escalation (bot/services/escalation.py). ``circle``: who may be offered it beyond the
    # territory's waves: 0 the territory, 1 + its neighbours, 2 + the whole HQ, 3 the
    # coordinators were alerted. ``escalate_at``: when the next circle is due (None: none).
    circle: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A «today» request raised in quiet hours: volunteers are offered it from this moment.
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The end of its time window: taken and not done by then, the volunteer is reminded;
    # still open after it, the request is overdue.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 nothing yet, 1 the volunteer was asked, 2 the coordinator was alerted, 3 the
    # volunteer said they are still doing it. ``remind_at``: the next step is due.
    remind_state: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    door_code: Mapped[str] = mapped_column(String(8))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hours: Mapped[float | None] = mapped_column(Float)
    report: Mapped[str | None] = mapped_column(String(1000))
    close_reason: Mapped[str | None] = mapped_column(String(300))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    # Photo of a receipt the volunteer attached to "done" (a Telegram file id).
    receipt_file_id: Mapped[str | None] = mapped_column(String(200))
    # One per filled-in form: a double tap on "Confirm" finds the request already made.
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    # Recurring help (models/series.py): the series, the local day of this occurrence, and
    # until when it is offered to the previous occurrence's volunteer alone.
    series_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("request_series.id", ondelete="SET NULL")
    )
    occurrence_on: Mapped[date | None] = mapped_column(Date)
    series_accept_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RequestPush(Base):
    """Who was offered a request in which round (so "taken" edits reach exactly them), and who
    said they cannot do it (never offered it again)."""

    __tablename__ = "request_pushes"
    # Who was pushed lately (a new offer goes to those pushed least first).
    __table_args__ = (Index("ix_request_pushes_volunteer_created", "volunteer_id", "created_at"),)

    request_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    push_round: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(300))  # why they cannot do it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
