"""Recognition (issue 20): the monthly «Лучший доброволец» proposals of each territory and
the awards coordinators gave from them.

A proposal is made once per territory and month (unique): the job that inserts it is the
one that tells the coordinators, so two replicas or a restart never propose twice; its
``candidates`` are the volunteer ids proposed, and only they can be awarded from its
buttons. An award is one per territory and month (unique): a double tap or a second
coordinator finds it already given; /forget detaches it from the person (``user_id`` NULL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class AwardProposal(Base):
    __tablename__ = "award_proposals"
    __table_args__ = (
        UniqueConstraint("territory_id", "month", name="uq_award_proposals_territory_month"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month it is about
    # [{"volunteer_id", "score", "tasks", "hours", "rating"}, ...] best first: no Telegram
    # ids (the volunteer's row has theirs, and /forget reaches it there)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VolunteerAward(Base):
    __tablename__ = "volunteer_awards"
    __table_args__ = (
        UniqueConstraint("territory_id", "month", name="uq_volunteer_awards_territory_month"),
        Index("ix_volunteer_awards_user", "user_id", "month"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    volunteer_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("volunteers.id", ondelete="CASCADE")
    )
    # The person's Telegram id, for their /mystats; NULL once they erased their data
    # (/forget): the award stays in the territory's months (one a month, its volunteer row
    # anonymised), but is no longer theirs if they come back.
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    awarded_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
