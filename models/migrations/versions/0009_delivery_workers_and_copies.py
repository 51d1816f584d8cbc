"""delivery workers' heartbeats, every copy a message row produced, hiding edits

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("alive_until", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_workers")),
    )
    op.create_table(
        "outbox_copies",
        sa.Column("outbox_id", BigIntPK, autoincrement=False, nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_copies_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", "telegram_message_id", name=op.f("pk_outbox_copies")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("hide", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_outbox_edit_key", ["edit_key"], unique=False)
        batch_op.create_index("ix_outbox_hide_status", ["hide", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_hide_status")
        batch_op.drop_index("ix_outbox_edit_key")
        batch_op.drop_column("hide")
        batch_op.drop_column("worker_id")
    op.drop_table("outbox_copies")
    op.drop_table("delivery_workers")
