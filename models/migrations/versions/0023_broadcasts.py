"""broadcasts: the broadcasts table, and users.last_seen_at (for «active in the last N days»)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("text_ru", sa.Text(), nullable=True),
        sa.Column("text_kk", sa.Text(), nullable=True),
        sa.Column("photo_file_id", sa.String(length=200), nullable=True),
        sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("form_token", sa.String(length=36), nullable=True),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("enqueued", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped_blocked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deferred", sa.Integer(), server_default="0", nullable=False),
        sa.Column("progress_at", UTCDateTime(), nullable=True),
        sa.Column("progress_edits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("progress_seen", sa.String(length=200), nullable=True),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blocked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancelled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancelled_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("enqueued_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("form_token", name=op.f("uq_broadcasts_form_token")),
    )
    op.create_index("ix_broadcasts_finished", "broadcasts", ["finished_at", "id"])
    op.create_index("ix_broadcasts_author", "broadcasts", ["author_id", "created_at"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    # People who do not write after the upgrade would otherwise fall out of every «active in
    # the last N days» audience: their last known moment is the last change of their record.
    op.execute("UPDATE users SET last_seen_at = updated_at WHERE last_seen_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    op.drop_index("ix_broadcasts_author", table_name="broadcasts")
    op.drop_index("ix_broadcasts_finished", table_name="broadcasts")
    op.drop_table("broadcasts")
