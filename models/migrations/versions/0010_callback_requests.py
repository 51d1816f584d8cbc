"""call-back requests: a citizen asks the HQ to phone them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("request_id", BigIntPK, nullable=True),
        sa.Column("pushed_to", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_callback_requests_request_id_help_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_callback_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_requests")),
    )
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_callback_requests_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_callback_requests_open_user",
            ["user_id"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_callback_requests_open_user", sqlite_where=OPEN, postgresql_where=OPEN
        )
        batch_op.drop_index("ix_callback_requests_status_created")
    op.drop_table("callback_requests")
