"""campaign survey links: personal deep links for self-surveys in the bot

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_links",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("person_id", BigIntPK, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("tries", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("locked_at", UTCDateTime(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=True),
        sa.Column("linked_by", sa.String(length=8), nullable=True),
        sa.Column("linked_at", UTCDateTime(), nullable=True),
        sa.Column("offered_due", UTCDateTime(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_links_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["campaign_people.id"],
            name=op.f("fk_campaign_links_person_id_campaign_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_links_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_links")),
        sa.UniqueConstraint("person_id", name=op.f("uq_campaign_links_person_id")),
        sa.UniqueConstraint("token", name=op.f("uq_campaign_links_token")),
    )
    with op.batch_alter_table("campaign_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_links_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_links_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_campaign_links_linked",
            ["person_id"],
            unique=False,
            sqlite_where=sa.text("user_id IS NOT NULL AND locked_at IS NULL"),
            postgresql_where=sa.text("user_id IS NOT NULL AND locked_at IS NULL"),
        )
        batch_op.create_index(
            "ix_campaign_links_remind",
            ["remind_at"],
            unique=False,
            sqlite_where=sa.text("remind_at IS NOT NULL"),
            postgresql_where=sa.text("remind_at IS NOT NULL"),
        )

    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_people_surveys",
            ["claim_until"],
            unique=False,
            sqlite_where=sa.text("status = 'survey'"),
            postgresql_where=sa.text("status = 'survey'"),
        )


def downgrade() -> None:
    # The bot's holds go back on the call list: older code knows no «survey».
    op.execute(
        "UPDATE campaign_people SET status = 'queued', claimed_by = NULL, claim_until = NULL"
        " WHERE status = 'survey'"
    )
    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_people_surveys")
    with op.batch_alter_table("campaign_links", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_links_remind")
        batch_op.drop_index("ix_campaign_links_linked")
        batch_op.drop_index(batch_op.f("ix_campaign_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_links_campaign_id"))
    op.drop_table("campaign_links")
