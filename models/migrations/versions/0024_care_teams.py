"""care_teams: standing care for a senior (issue 19): the team and its person's card, its
members over time, and each visit or call of its schedule with its outcome

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_teams",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("person_phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=True),
        sa.Column("visit_kind", sa.String(length=8), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("form_token", sa.String(length=36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_care_teams_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_teams")),
        sa.UniqueConstraint("form_token", name=op.f("uq_care_teams_form_token")),
    )
    op.create_index("ix_care_teams_status_next", "care_teams", ["status", "next_at"])
    op.create_index("ix_care_teams_territory", "care_teams", ["territory_id", "status"])
    op.create_table(
        "care_team_members",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("team_id", BigIntPK, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["care_teams.id"],
            name=op.f("fk_care_team_members_team_id_care_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_care_team_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_team_members")),
    )
    op.create_index("ix_care_team_members_team", "care_team_members", ["team_id", "left_at"])
    op.create_index("ix_care_team_members_user", "care_team_members", ["user_id", "left_at"])
    op.create_index(
        "uq_care_team_members_live",
        "care_team_members",
        ["team_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("left_at IS NULL"),
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_table(
        "care_visits",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("team_id", BigIntPK, nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("member_id", BigIntPK, nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("escalation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("step_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["care_teams.id"],
            name=op.f("fk_care_visits_team_id_care_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["care_team_members.id"],
            name=op.f("fk_care_visits_member_id_care_team_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
        sa.UniqueConstraint("team_id", "due_on", name="uq_care_visits_team_day"),
    )
    op.create_index("ix_care_visits_status_step", "care_visits", ["status", "step_at"])
    op.create_index("ix_care_visits_member", "care_visits", ["member_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_care_visits_member", table_name="care_visits")
    op.drop_index("ix_care_visits_status_step", table_name="care_visits")
    op.drop_table("care_visits")
    op.drop_index("uq_care_team_members_live", table_name="care_team_members")
    op.drop_index("ix_care_team_members_user", table_name="care_team_members")
    op.drop_index("ix_care_team_members_team", table_name="care_team_members")
    op.drop_table("care_team_members")
    op.drop_index("ix_care_teams_territory", table_name="care_teams")
    op.drop_index("ix_care_teams_status_next", table_name="care_teams")
    op.drop_table("care_teams")
