"""a partial index for /scheduler's missed reminders (issue 23: counting and listing them
scanned every reminder ever written, ~30 ms with 100,000 pending)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/reminder.py MISSED_WHERE (a migration keeps its own copy: models change later).
MISSED = sa.text("state = 'missed' OR missed_count > 0")


def upgrade() -> None:
    op.create_index(
        "ix_reminders_missed",
        "reminders",
        ["last_missed_at", "id"],
        sqlite_where=MISSED,
        postgresql_where=MISSED,
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_missed", table_name="reminders")
