"""Erasures asked for and not finished yet: a person's data (/forget) or one request's (a
coordinator's "erase").

An erasure runs in bounded steps, each its own short transaction (SQLite has one connection:
one long transaction would make everybody wait). This row says where the next step starts
and is deleted by the last one, in the same transaction. A row left behind by a restart is
finished by the erasures job (scheduler/jobs/erasures.py) at the next start or tick: nothing
asked for is ever left half done.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class Erasure(Base):
    __tablename__ = "erasures"
    __table_args__ = (
        # One erasure of a thing at a time: a second press finds the first.
        Index("uq_erasures_target", "kind", "target_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "person" or "request"
    target_id: Mapped[int] = mapped_column(BigInteger)  # a user id or a request id
    actor_id: Mapped[int] = mapped_column(BigInteger)  # who asked; told when it is done
    step: Mapped[str] = mapped_column(String(16))
    item: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cursor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # A person's requests are erased a group at a time: ``item`` is the group's first request
    # id and this its last (0 in a row older than groups: the group is ``item`` alone).
    last_item: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
