"""volunteers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "volunteers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("age_group", sa.String(length=16), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("dobro_id", sa.String(length=200), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=False),
        sa.Column("consent_version", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("hours", sa.Float(), server_default="0", nullable=False),
        sa.Column("tasks_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_volunteers_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteers_territory_status", ["territory_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteers_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_volunteers_live_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'approved', 'blocked')"),
            postgresql_where=sa.text("status IN ('pending', 'approved', 'blocked')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_volunteers_live_user",
            sqlite_where=sa.text("status IN ('pending', 'approved', 'blocked')"),
            postgresql_where=sa.text("status IN ('pending', 'approved', 'blocked')"),
        )
        batch_op.drop_index(batch_op.f("ix_volunteers_user_id"))
        batch_op.drop_index("ix_volunteers_territory_status")

    op.drop_table("volunteers")
