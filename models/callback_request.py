"""Call-back requests: a citizen who will not fill the form asks the HQ to phone them; a
coordinator calls and, when help is needed, fills the hotline form from the call.

Rows are a history; a unique partial index allows one open request per person, so a double
tap on "Confirm" (or two devices at once) cannot make two.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class CallbackStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"  # called back (with or without a help request made from the call)
    CANCELLED = "cancelled"  # the person erased their data before anyone called


class CallbackRequest(Base):
    __tablename__ = "callback_requests"
    __table_args__ = (
        Index(
            "uq_callback_requests_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_callback_requests_status_created", "status", "created_at"),
        Index("ix_callback_requests_user", "user_id"),  # /forget finds a person's call-backs
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))  # E.164; "" once erased
    status: Mapped[str] = mapped_column(String(16), default=CallbackStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who took it up last ("fill the form" pressed, or closed it) and when: shown in the list
    # so two operators do not call the same person unknowingly.
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The help request the operator made from the call.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL")
    )
    # The coordinators the push went to: their copies lose the phone when it is handled.
    pushed_to: Mapped[list[int]] = mapped_column(JSON, default=list)
