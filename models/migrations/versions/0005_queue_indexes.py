"""partial indexes for the outbox claim and blocked people

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_pending_order",
        "outbox",
        ["priority", "next_attempt_at", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_outbox_pending_chat",
        "outbox",
        ["chat_id", "priority", "not_before", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_users_blocked",
        "users",
        ["id"],
        sqlite_where=sa.text("blocked_bot"),
        postgresql_where=sa.text("blocked_bot"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_blocked", table_name="users")
    op.drop_index("ix_outbox_pending_chat", table_name="outbox")
    op.drop_index("ix_outbox_pending_order", table_name="outbox")
