"""outbox rows looked up by what they are about (subject), the audit log by its target

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_subject", ["subject"], unique=False)
    # Existing rows: the key's first two parts ("req:12:r0:push:5" -> "req:12").
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE outbox SET subject = left(split_part(idempotency_key, ':', 1) || ':' "
            "|| split_part(idempotency_key, ':', 2), 64) WHERE idempotency_key LIKE '%:%'"
        )
    else:
        op.execute(
            "UPDATE outbox SET subject = substr(idempotency_key, 1, "
            "instr(idempotency_key, ':') + CASE WHEN instr(substr(idempotency_key, "
            "instr(idempotency_key, ':') + 1), ':') = 0 THEN length(idempotency_key) "
            "ELSE instr(substr(idempotency_key, instr(idempotency_key, ':') + 1), ':') - 1 END) "
            "WHERE instr(idempotency_key, ':') > 0"
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_target", ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_target")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_subject")
        batch_op.drop_column("subject")
