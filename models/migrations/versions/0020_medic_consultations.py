"""ask a volunteer medic: consultations, their relayed messages and offers

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status IN ('new', 'open')")


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=True),
        sa.Column("for_other", sa.Boolean(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=2000), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=True),
        sa.Column("file_kind", sa.String(length=8), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("escalate_at", UTCDateTime(), nullable=True),
        sa.Column("medic_id", sa.BigInteger(), nullable=True),
        sa.Column("taken_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=8), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.Column("form_token", sa.String(length=36), nullable=True),
        sa.Column("consent_at", UTCDateTime(), nullable=False),
        sa.Column("consent_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["users.id"],
            name=op.f("fk_consultations_citizen_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_consultations_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("form_token", name=op.f("uq_consultations_form_token")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultations_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(
            "ix_consultations_status_escalate", ["status", "escalate_at"], unique=False
        )
        batch_op.create_index("ix_consultations_medic_status", ["medic_id", "status"], unique=False)
        batch_op.create_index("ix_consultations_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(
            "uq_consultations_live_citizen",
            ["citizen_id"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
    op.create_table(
        "consultation_messages",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("consultation_id", BigIntPK, nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=True),
        sa.Column("file_kind", sa.String(length=8), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_messages_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_messages")),
    )
    with op.batch_alter_table("consultation_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_messages_consultation", ["consultation_id", "id"], unique=False
        )
    op.create_table(
        "consultation_offers",
        sa.Column("consultation_id", BigIntPK, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_offers_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", "user_id", name=op.f("pk_consultation_offers")),
    )


def downgrade() -> None:
    op.drop_table("consultation_offers")
    with op.batch_alter_table("consultation_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_messages_consultation")
    op.drop_table("consultation_messages")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_consultations_live_citizen", sqlite_where=LIVE, postgresql_where=LIVE
        )
        batch_op.drop_index("ix_consultations_closed_at")
        batch_op.drop_index("ix_consultations_medic_status")
        batch_op.drop_index("ix_consultations_status_escalate")
        batch_op.drop_index(batch_op.f("ix_consultations_citizen_id"))
    op.drop_table("consultations")
