"""erasures.last_item: a person's requests are erased a group at a time (a statement per
part for the whole group, not one per request: 20 requests took ~190 ms on PostgreSQL in
round trips alone; issue 23)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("erasures") as batch:
        batch.add_column(
            sa.Column("last_item", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("erasures") as batch:
        batch.drop_column("last_item")
