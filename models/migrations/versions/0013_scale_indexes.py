"""indexes for a region's two years of data: open requests by status, sent outbox rows by
when they were sent (retention, recent counts), pending reminders by chat, people by
language; the blocked-people partial index matched by the queries' own predicate

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_help_requests_status_created", "help_requests", ["status", "created_at", "id"]
    )
    op.create_index("ix_help_requests_created", "help_requests", ["created_at", "id"])
    # sent_at is set exactly when a row is sent, so sent rows are found by it alone; an
    # index led by status would tempt SQLite's planner (without ANALYZE) away from better
    # ones, for "status = 'sent' AND subject = ?" as much as for this.
    op.create_index(
        "ix_outbox_sent_at",
        "outbox",
        ["sent_at"],
        sqlite_where=sa.text("sent_at IS NOT NULL"),
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.create_index("ix_reminders_chat_state", "reminders", ["chat_id", "state"])
    op.create_index("ix_users_language", "users", ["locale", "language_code"])
    # "blocked_bot = 1" is what SQLAlchemy writes for blocked_bot == true() on SQLite; a
    # partial index is used only when the query repeats its predicate.
    op.drop_index("ix_users_blocked", table_name="users")
    op.create_index(
        "ix_users_blocked",
        "users",
        ["id"],
        sqlite_where=sa.text("blocked_bot = 1"),
        postgresql_where=sa.text("blocked_bot"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_blocked", table_name="users")
    op.create_index(
        "ix_users_blocked",
        "users",
        ["id"],
        sqlite_where=sa.text("blocked_bot"),
        postgresql_where=sa.text("blocked_bot"),
    )
    op.drop_index("ix_users_language", table_name="users")
    op.drop_index("ix_reminders_chat_state", table_name="reminders")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index("ix_help_requests_created", table_name="help_requests")
    op.drop_index("ix_help_requests_status_created", table_name="help_requests")
