"""Everyone who has written to the bot. A person is always a citizen; other roles come from
their volunteer profile and coordinator appointments (later tables) and ADMIN_IDS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # The few who blocked the bot, found without scanning everyone.
        Index("ix_users_language", "locale", "language_code"),
        Index(
            "ix_users_blocked",
            "id",
            sqlite_where=text("blocked_bot = 1"),
            postgresql_where=text("blocked_bot"),
        ),
        # /delivery's newest of them
        Index(
            "ix_users_blocked_updated",
            "updated_at",
            sqlite_where=text("blocked_bot = 1"),
            postgresql_where=text("blocked_bot"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    # What Telegram reports; ``locale`` is the person's own choice and wins when set.
    language_code: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(8))
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last update from the person, within 12 hours (``touch_user``): «active in N days».
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserCount(Base):
    """How many people have each (chosen language, Telegram's language, blocked): /stats reads
    these few rows instead of counting every person. Kept by triggers on ``users`` (migration
    0029), so every insert, change and erasure counts, whatever code or SQL made it. No
    language is '' rather than NULL, so it can be part of the key."""

    __tablename__ = "user_counts"

    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    language_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    blocked: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
