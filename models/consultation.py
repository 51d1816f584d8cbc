"""«Ask a volunteer medic»: a citizen's health question, the medic who took it and the
messages the bot relayed between them (issue 18).

A consultation is ``new`` while medics are offered it, ``open`` once one took it (one
conditional UPDATE), ``closed`` when either side ends it, ``cancelled`` when the citizen
withdraws it before anyone took it. One live consultation (new or open) per citizen: a
partial unique index. The relayed messages are kept only for ``CONSULT_KEEP_DAYS`` after the
close (then deleted and the question emptied: ``purged_at``), and erasure deletes them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class ConsultationStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


LIVE = "status IN ('new', 'open')"


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (
        Index(
            "uq_consultations_live_citizen",
            "citizen_id",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
        # The escalation job: searching ones whose next stage is due.
        Index("ix_consultations_status_escalate", "status", "escalate_at"),
        Index("ix_consultations_medic_status", "medic_id", "status"),
        # Retention: closed ones past their keep, not yet purged.
        Index("ix_consultations_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    citizen_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    for_other: Mapped[bool] = mapped_column(Boolean)  # for a relative, not for themselves
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    question: Mapped[str] = mapped_column(String(2000))  # "" once purged or erased
    file_id: Mapped[str | None] = mapped_column(String(200))  # a photo or a voice note
    file_kind: Mapped[str | None] = mapped_column(String(8))  # "photo" or "voice"
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # emergency words in it
    status: Mapped[str] = mapped_column(String(16), default=ConsultationStatus.NEW)
    # 0: offered to the territory's medics; 1: to every medic of the HQ; 2: coordinators told.
    stage: Mapped[int] = mapped_column(Integer, default=0)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    medic_id: Mapped[int | None] = mapped_column(BigInteger)  # the user who took it
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(8))  # citizen, medic, erased
    rating: Mapped[int | None] = mapped_column(Integer)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsultationMessage(Base):
    """One message the bot relayed (text, or a photo or voice note's Telegram file id)."""

    __tablename__ = "consultation_messages"
    __table_args__ = (Index("ix_consultation_messages_consultation", "consultation_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("consultations.id", ondelete="CASCADE")
    )
    sender: Mapped[str] = mapped_column(String(8))  # citizen or medic
    text: Mapped[str] = mapped_column(String(4000))
    file_id: Mapped[str | None] = mapped_column(String(200))
    file_kind: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsultationOffer(Base):
    """Who was offered a consultation at which stage: only they may take it, and their
    offers are edited when someone does."""

    __tablename__ = "consultation_offers"

    consultation_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    stage: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
