"""ix_help_requests_volunteer_status gains done_at: «my tasks» (/tasks) reads a volunteer's
ten latest done tasks in order from it. Without it SQLite walked every done request of the
region by ix_help_requests_status_done (~7 ms with 1,000,000 requests; issue 23)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_help_requests_volunteer_status", table_name="help_requests")
    op.create_index(
        "ix_help_requests_volunteer_status",
        "help_requests",
        ["volunteer_id", "status", "done_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_help_requests_volunteer_status", table_name="help_requests")
    op.create_index(
        "ix_help_requests_volunteer_status", "help_requests", ["volunteer_id", "status"]
    )
