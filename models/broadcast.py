"""Broadcasts (issue 20): a coordinator's message to an audience, in Russian and Kazakh, sent
through the outbox at bulk priority. The row holds what was written, who it is for, how far
the enqueueing got (``cursor``: the last user id enqueued, so a restart resumes) and the final
figures; the messages themselves are outbox rows with the subject ``bc:<id>``, so progress and
cancelling are indexed queries on the outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class BroadcastStatus(enum.StrEnum):
    ENQUEUING = "enqueuing"  # the job is writing its outbox rows, chunk by chunk
    SENDING = "sending"  # every row is written; the worker sends them
    DONE = "done"
    CANCELLED = "cancelled"


LIVE_BROADCAST = (BroadcastStatus.ENQUEUING.value, BroadcastStatus.SENDING.value)


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (
        # The job's question every few seconds: which broadcasts are not finished.
        Index("ix_broadcasts_finished", "finished_at", "id"),
        Index("ix_broadcasts_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.ENQUEUING)
    # kind (all, volunteers, citizens, subscribers), territory_ids, skill, language,
    # active_days: see bot/services/broadcasts.py Audience.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    text_ru: Mapped[str | None] = mapped_column(Text)  # HTML as Telegram gave it
    text_kk: Mapped[str | None] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rate: Mapped[float] = mapped_column(Float)  # DELIVERY_RATE when confirmed (for the ETA)
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    enqueued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped_blocked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deferred: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last progress shown to the author: when, how many edits so far, and its figures
    # (an edit is enqueued only when they changed).
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_edits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_seen: Mapped[str | None] = mapped_column(String(200))
    # Final figures, kept after the outbox's retention deletes the rows.
    sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    blocked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
