"""volunteer calendar: events, sign-ups with a waiting list, attendance and hours

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "volunteer_events",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("template", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_hours", sa.Float(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("slots_taken", sa.Integer(), server_default="0", nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("form_token", sa.String(length=36), nullable=True),
        sa.Column("attendance_at", UTCDateTime(), nullable=True),
        sa.Column("attendance_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "slots_taken >= 0 AND slots_taken <= slots",
            name=op.f("ck_volunteer_events_slots_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_volunteer_events_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_events")),
        sa.UniqueConstraint("form_token", name=op.f("uq_volunteer_events_form_token")),
    )
    op.create_index(
        "ix_volunteer_events_status_starts_at",
        "volunteer_events",
        ["status", "starts_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_volunteer_events_territory_id"),
        "volunteer_events",
        ["territory_id"],
        unique=False,
    )
    op.create_table(
        "event_signups",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("present", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reminded_day_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_soon_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["volunteer_events.id"],
            name=op.f("fk_event_signups_event_id_volunteer_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_event_signups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_signups")),
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_signups_event_user"),
    )
    op.create_index(
        "ix_event_signups_event_status_since",
        "event_signups",
        ["event_id", "status", "since", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_event_signups_user_id"), "event_signups", ["user_id"], unique=False)
    op.create_table(
        "event_attendance",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("marked_by", sa.BigInteger(), nullable=False),
        sa.Column("marked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["volunteer_events.id"],
            name=op.f("fk_event_attendance_event_id_volunteer_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_event_attendance_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendance")),
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_attendance_event_user"),
    )
    op.create_index(
        op.f("ix_event_attendance_user_id"), "event_attendance", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_event_attendance_user_id"), table_name="event_attendance")
    op.drop_table("event_attendance")
    op.drop_index(op.f("ix_event_signups_user_id"), table_name="event_signups")
    op.drop_index("ix_event_signups_event_status_since", table_name="event_signups")
    op.drop_table("event_signups")
    op.drop_index(op.f("ix_volunteer_events_territory_id"), table_name="volunteer_events")
    op.drop_index("ix_volunteer_events_status_starts_at", table_name="volunteer_events")
    op.drop_table("volunteer_events")
