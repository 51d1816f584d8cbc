"""Form (FSM) state kept in the database, so a half-filled form survives a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime


class FsmRecord(Base):
    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# bot.fsm_storage reads each record once per transaction and keeps it here, in Session.info.
FSM_CACHE = "fsm_records"


def forget_cached_records(session: Session | AsyncSession) -> None:
    """Drop that cache (after a commit or rollback, or a bulk DELETE of form state): the next
    read asks the database again."""
    session.info.pop(FSM_CACHE, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    forget_cached_records(session)
