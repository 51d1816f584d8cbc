"""help requests: receipt photo, the form's token, why a volunteer declined

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_file_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("form_token", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_help_requests_form_token"), ["form_token"])
    with op.batch_alter_table("request_pushes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_pushes", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_help_requests_form_token"), type_="unique")
        batch_op.drop_column("form_token")
        batch_op.drop_column("receipt_file_id")
