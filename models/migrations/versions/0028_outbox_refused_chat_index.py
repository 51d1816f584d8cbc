"""one person's refusals by a partial index (/delivery «Вам не удалось доставить»): with
ix_outbox_refused alone, PostgreSQL read the HQ's newest ten by walking every refusal
backwards (~90 ms with 25,000 of them, issue 23)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/outbox.py REFUSED_WHERE (a migration keeps its own copy).
REFUSED = sa.text("status IN ('failed', 'skipped')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_refused_chat",
        "outbox",
        ["chat_id", "id"],
        sqlite_where=REFUSED,
        postgresql_where=REFUSED,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_refused_chat", table_name="outbox")
