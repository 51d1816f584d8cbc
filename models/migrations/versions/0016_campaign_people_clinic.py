"""campaign people's clinic: exports for medical organisations, one per clinic

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clinic", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.drop_column("clinic")
