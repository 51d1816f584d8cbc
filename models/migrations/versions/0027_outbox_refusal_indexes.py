"""partial indexes for /delivery's lists: hidings that failed for good and rows refused for
good (issue 23: on PostgreSQL with 5.6 M outbox rows the newest unhidden ten took ~170 ms,
read backwards through the primary key, and their count ~250 ms)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/outbox.py UNHIDDEN_WHERE and REFUSED_WHERE (a migration keeps its own copy).
REFUSED = sa.text("status IN ('failed', 'skipped')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unhidden",
        "outbox",
        ["id"],
        sqlite_where=sa.text("hide = 1 AND status IN ('failed', 'blocked')"),
        postgresql_where=sa.text("hide AND status IN ('failed', 'blocked')"),
    )
    op.create_index(
        "ix_outbox_refused", "outbox", ["id"], sqlite_where=REFUSED, postgresql_where=REFUSED
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_refused", table_name="outbox")
    op.drop_index("ix_outbox_unhidden", table_name="outbox")
