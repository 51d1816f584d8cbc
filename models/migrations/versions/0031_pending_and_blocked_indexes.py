"""/applications and /delivery read from indexes in a region's data: pending applications
oldest first by (status, created_at, id) (HQ's page sorted all 11,000 volunteers), and the
newest of the people who blocked the bot by a partial index on updated_at (the page sorted
all 3,300 of them, ~5-13 ms on PostgreSQL; issue 23)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_volunteers_status_created", "volunteers", ["status", "created_at", "id"])
    op.create_index(
        "ix_users_blocked_updated",
        "users",
        ["updated_at"],
        sqlite_where=sa.text("blocked_bot = 1"),
        postgresql_where=sa.text("blocked_bot"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_blocked_updated", table_name="users")
    op.drop_index("ix_volunteers_status_created", table_name="volunteers")
