"""The safety library (issue 18): tips by topic in Russian and Kazakh, who subscribed to a
weekly tip or to seasonal alerts, and the seasonal rounds already sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SafetyTip(Base):
    """One tip, one screen, in both languages. ``source`` "file": loaded from
    bot/data/tips/*.yaml and updated by the loader at start; "coordinator": added or edited
    in the bot, never touched by the loader again."""

    __tablename__ = "safety_tips"
    __table_args__ = (Index("ix_safety_tips_topic", "topic", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(16))
    # fire in the heating season, ice in late autumn and spring, water in summer, heat in
    # July, frost in winter: the seasonal alerts pick tips by it. None: any time.
    season: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    title_ru: Mapped[str] = mapped_column(String(100))
    title_kk: Mapped[str] = mapped_column(String(100))
    text_ru: Mapped[str] = mapped_column(Text)
    text_kk: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="file", server_default="file")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    edited_by: Mapped[int | None] = mapped_column(BigInteger)
    form_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def title(self, locale: str) -> str:
        return self.title_kk if locale == "kk" else self.title_ru

    def body(self, locale: str) -> str:
        return self.text_kk if locale == "kk" else self.text_ru


class TipSubscription(Base):
    """A person's subscriptions: a weekly tip on ``weekday`` at ``minute`` (of the day, in
    ``timezone``, their territory's or the HQ's) and seasonal alerts. ``last_tip_id``: the
    last tip they were sent, so the next one is another."""

    __tablename__ = "tip_subscriptions"
    __table_args__ = (
        # The weekly job's question: who is due now (only the weekly subscribers are indexed).
        Index(
            "ix_tip_subscriptions_weekly_due",
            "next_weekly_at",
            sqlite_where=text("next_weekly_at IS NOT NULL"),
            postgresql_where=text("next_weekly_at IS NOT NULL"),
        ),
        Index(
            "ix_tip_subscriptions_seasonal",
            "timezone",
            "user_id",
            sqlite_where=text("seasonal = 1"),
            postgresql_where=text("seasonal"),
        ),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int | None] = mapped_column(SmallInteger)  # 0 Monday .. 6 Sunday
    minute: Mapped[int | None] = mapped_column(SmallInteger)  # local minute of the day
    next_weekly_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weekly_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seasonal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_tip_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_tips.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TipRound(Base):
    """A seasonal alert already enqueued ("ice:2026-11-01:0"): the round's messages and its
    subscribers' ``last_tip_id`` are written in the transaction that inserts this row, so a
    second run of the job finds it and does nothing."""

    __tablename__ = "tip_rounds"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tip_ids: Mapped[str] = mapped_column(String(200))
    enqueued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
