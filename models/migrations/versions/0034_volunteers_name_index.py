"""ix_volunteers_name: the HQ's /volunteers pages through a region's 10,000 volunteers by name
off an index instead of sorting them all for each page (~5 ms on SQLite and ~3 ms on
PostgreSQL; issue 23)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_volunteers_name", "volunteers", ["name", "id"])


def downgrade() -> None:
    op.drop_index("ix_volunteers_name", table_name="volunteers")
