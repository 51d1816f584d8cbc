"""recognition: monthly «Лучший доброволец» proposals and awards, and the indexes a
volunteer's record and the month's top read by

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "award_proposals",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_award_proposals_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_proposals")),
        sa.UniqueConstraint("territory_id", "month", name="uq_award_proposals_territory_month"),
    )
    op.create_table(
        "volunteer_awards",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("volunteer_id", BigIntPK, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),  # NULL: erased (/forget)
        sa.Column("awarded_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_volunteer_awards_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_awards_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_awards")),
        sa.UniqueConstraint("territory_id", "month", name="uq_volunteer_awards_territory_month"),
    )
    with op.batch_alter_table("volunteer_awards", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_awards_user", ["user_id", "month"], unique=False)
    # The month's top: tasks done in a month, read from the index alone (volunteer, hours and
    # rating ride along), instead of every done request of a territory since the start.
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_help_requests_status_done",
            ["status", "done_at", "volunteer_id", "hours", "rating"],
            unique=False,
        )
    # A volunteer's calls (their record): campaign contacts had no index by who made them.
    with op.batch_alter_table("campaign_contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_contacts_by_user", ["by_user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_contacts_by_user")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_help_requests_status_done")
    with op.batch_alter_table("volunteer_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_awards_user")
    op.drop_table("volunteer_awards")
    op.drop_table("award_proposals")
