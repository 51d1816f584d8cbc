"""Standing care for a senior (issue 19; Kazakhstan's roadmap, item 12): a team of a social
worker and two volunteers for one lonely person, sharing a recurring schedule of visits or
calls. The person is not a user of the bot: their card lives here, seen by the team's members
only while they are members (bot/services/care.py)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class TeamStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class MemberRole(enum.StrEnum):
    SOCIAL_WORKER = "social_worker"
    VOLUNTEER = "volunteer"


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"


class CareTeam(Base):
    __tablename__ = "care_teams"
    __table_args__ = (
        Index("ix_care_teams_status_next", "status", "next_at"),
        Index("ix_care_teams_territory", "territory_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_name: Mapped[str] = mapped_column(String(100))
    person_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    address: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(8), default=TeamStatus.ACTIVE)
    # The schedule: a timing.RepeatRule text, visit or call, the next occurrence (UTC).
    rule: Mapped[str | None] = mapped_column(String(60))
    visit_kind: Mapped[str] = mapped_column(String(8), default="visit")
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(BigInteger)
    form_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CareMember(Base):
    """One membership: who, in which role, from when to when (a left member keeps the row)."""

    __tablename__ = "care_team_members"
    __table_args__ = (
        Index("ix_care_team_members_team", "team_id", "left_at"),
        Index("ix_care_team_members_user", "user_id", "left_at"),
        # One live membership of a person in a team (a double tap adds them once).
        Index(
            "uq_care_team_members_live",
            "team_id",
            "user_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("care_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CareVisit(Base):
    """One occurrence of the schedule: made once per team and local day."""

    __tablename__ = "care_visits"
    __table_args__ = (
        UniqueConstraint("team_id", "due_on", name="uq_care_visits_team_day"),
        Index("ix_care_visits_status_step", "status", "step_at"),
        Index("ix_care_visits_member", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("care_teams.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date] = mapped_column(Date)  # the local day
    kind: Mapped[str] = mapped_column(String(8))  # visit / call
    member_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("care_team_members.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(8), default=VisitStatus.PLANNED)
    # Escalation of a visit not recorded in time: 0 none, 1 member asked, 2 coordinators
    # alerted, 3 the member answered «still doing it»; ``step_at``: when the next step is due.
    escalation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_text: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
