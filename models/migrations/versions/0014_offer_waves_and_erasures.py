"""a request is offered in waves (how many may be reached, when it widens), pushes found by
volunteer and date (who was pushed lately), call-backs by person, erasures recorded until
they finish

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): instant on SQLite and PostgreSQL however many
    # requests there are. None means "every fitting volunteer", what rows before this had.
    op.add_column("help_requests", sa.Column("audience", sa.Integer(), nullable=True))
    op.add_column("help_requests", sa.Column("widen_at", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_request_pushes_volunteer_created", "request_pushes", ["volunteer_id", "created_at"]
    )
    op.create_index("ix_callback_requests_user", "callback_requests", ["user_id"])
    op.create_table(
        "erasures",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("item", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index("uq_erasures_target", "erasures", ["kind", "target_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_erasures_target", table_name="erasures")
    op.drop_table("erasures")
    op.drop_index("ix_callback_requests_user", table_name="callback_requests")
    op.drop_index("ix_request_pushes_volunteer_created", table_name="request_pushes")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_column("widen_at")
        batch_op.drop_column("audience")
