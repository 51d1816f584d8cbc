"""a request's history (request_events); escalation circles, quiet-hours hold, reminders and
overdue marking on help_requests

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_events",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("request_id", BigIntPK, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_request_events_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index(
        "ix_request_events_request_at", "request_events", ["request_id", "at", "id"], unique=False
    )
    # Nullable or with a constant default: instant on SQLite and PostgreSQL for any row count.
    op.add_column(
        "help_requests", sa.Column("circle", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("help_requests", sa.Column("escalate_at", UTCDateTime(), nullable=True))
    op.add_column("help_requests", sa.Column("hold_until", UTCDateTime(), nullable=True))
    op.add_column("help_requests", sa.Column("due_at", UTCDateTime(), nullable=True))
    op.add_column(
        "help_requests",
        sa.Column("remind_state", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("help_requests", sa.Column("remind_at", UTCDateTime(), nullable=True))
    op.add_column(
        "help_requests",
        sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_help_requests_status_escalate", "help_requests", ["status", "escalate_at"])
    op.create_index("ix_help_requests_status_remind", "help_requests", ["status", "remind_at"])
    op.create_index("ix_help_requests_status_due", "help_requests", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_help_requests_status_due", table_name="help_requests")
    op.drop_index("ix_help_requests_status_remind", table_name="help_requests")
    op.drop_index("ix_help_requests_status_escalate", table_name="help_requests")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_column("overdue")
        batch_op.drop_column("remind_at")
        batch_op.drop_column("remind_state")
        batch_op.drop_column("due_at")
        batch_op.drop_column("hold_until")
        batch_op.drop_column("escalate_at")
        batch_op.drop_column("circle")
    op.drop_index("ix_request_events_request_at", table_name="request_events")
    op.drop_table("request_events")
