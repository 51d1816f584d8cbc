"""safety library: tips, subscriptions and seasonal rounds

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_tips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("season", sa.String(length=16), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title_ru", sa.String(length=100), nullable=False),
        sa.Column("title_kk", sa.String(length=100), nullable=False),
        sa.Column("text_ru", sa.Text(), nullable=False),
        sa.Column("text_kk", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), server_default="file", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("edited_by", sa.BigInteger(), nullable=True),
        sa.Column("form_token", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_tips")),
        sa.UniqueConstraint("code", name=op.f("uq_safety_tips_code")),
        sa.UniqueConstraint("form_token", name=op.f("uq_safety_tips_form_token")),
    )
    op.create_index("ix_safety_tips_topic", "safety_tips", ["topic", "position"], unique=False)
    op.create_table(
        "tip_subscriptions",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("minute", sa.SmallInteger(), nullable=True),
        sa.Column("next_weekly_at", UTCDateTime(), nullable=True),
        sa.Column("weekly_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seasonal", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_tip_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_tip_id"],
            ["safety_tips.id"],
            name=op.f("fk_tip_subscriptions_last_tip_id_safety_tips"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tip_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_tip_subscriptions")),
    )
    op.create_index(
        "ix_tip_subscriptions_weekly_due",
        "tip_subscriptions",
        ["next_weekly_at"],
        unique=False,
        sqlite_where=sa.text("next_weekly_at IS NOT NULL"),
        postgresql_where=sa.text("next_weekly_at IS NOT NULL"),
    )
    op.create_index(
        "ix_tip_subscriptions_seasonal",
        "tip_subscriptions",
        ["timezone", "user_id"],
        unique=False,
        sqlite_where=sa.text("seasonal = 1"),
        postgresql_where=sa.text("seasonal"),
    )
    op.create_table(
        "tip_rounds",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("tip_ids", sa.String(length=200), nullable=False),
        sa.Column("enqueued", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_tip_rounds")),
    )


def downgrade() -> None:
    op.drop_table("tip_rounds")
    op.drop_index("ix_tip_subscriptions_seasonal", table_name="tip_subscriptions")
    op.drop_index("ix_tip_subscriptions_weekly_due", table_name="tip_subscriptions")
    op.drop_table("tip_subscriptions")
    op.drop_index("ix_safety_tips_topic", table_name="safety_tips")
    op.drop_table("safety_tips")
