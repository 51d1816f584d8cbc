"""recurring help: request_series, and each occurrence's series, day and first-offer deadline
on help_requests

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_series",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("template_request_id", sa.BigInteger(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("last_volunteer_id", BigIntPK, nullable=True),
        sa.Column("occurrences", sa.Integer(), server_default="0", nullable=False),
        sa.Column("form_token", sa.String(length=36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            name=op.f("fk_request_series_requester_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_request_series_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["last_volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_request_series_last_volunteer_id_volunteers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_series")),
        sa.UniqueConstraint("form_token", name=op.f("uq_request_series_form_token")),
    )
    op.create_index("ix_request_series_status_next", "request_series", ["status", "next_at"])
    op.create_index("ix_request_series_requester", "request_series", ["requester_id"])
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", BigIntPK, nullable=True))
        batch_op.add_column(sa.Column("occurrence_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("series_accept_until", UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_help_requests_series_id_request_series"),
            "request_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            "uq_help_requests_series_occurrence", ["series_id", "occurrence_on"]
        )
        batch_op.create_index("ix_help_requests_series_accept", ["series_accept_until"])


def downgrade() -> None:
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_help_requests_series_accept")
        batch_op.drop_constraint("uq_help_requests_series_occurrence", type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_help_requests_series_id_request_series"), type_="foreignkey"
        )
        batch_op.drop_column("series_accept_until")
        batch_op.drop_column("occurrence_on")
        batch_op.drop_column("series_id")
    op.drop_index("ix_request_series_requester", table_name="request_series")
    op.drop_index("ix_request_series_status_next", table_name="request_series")
    op.drop_table("request_series")
