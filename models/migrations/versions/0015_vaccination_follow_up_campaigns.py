"""vaccination follow-up campaigns

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 18:21:16.049977
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigIntPK, UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "campaigns",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rounds", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.SmallInteger(), nullable=False),
        sa.Column("window_end", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("retry_minutes", sa.Integer(), nullable=False),
        sa.Column("visit_after", sa.SmallInteger(), nullable=True),
        sa.Column("claim_minutes", sa.SmallInteger(), server_default="20", nullable=False),
        sa.Column("volunteers", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("form_token", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("form_token", name=op.f("uq_campaigns_form_token")),
    )
    op.create_table(
        "campaign_imports",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accepted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("merged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_imports_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_imports")),
    )
    with op.batch_alter_table("campaign_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_imports_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "uq_campaign_imports_running",
            ["campaign_id"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.create_table(
        "campaign_medics",
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_medics_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_medics_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_medics")),
    )
    with op.batch_alter_table("campaign_medics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_medics_user_id"), ["user_id"], unique=False)

    op.create_table(
        "campaign_routes",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_routes_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_campaign_routes_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_routes")),
    )
    with op.batch_alter_table("campaign_routes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_routes_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_routes_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "campaign_territories",
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_territories_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_campaign_territories_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "territory_id", name=op.f("pk_campaign_territories")
        ),
    )
    with op.batch_alter_table("campaign_territories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_territories_territory_id"), ["territory_id"], unique=False
        )

    op.create_table(
        "campaign_volunteers",
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_volunteers_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_volunteers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_volunteers")),
    )
    with op.batch_alter_table("campaign_volunteers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_volunteers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "campaign_people",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("round", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("unreachable_rounds", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("claim_until", UTCDateTime(), nullable=True),
        sa.Column("last_contact_on", sa.Date(), nullable=True),
        sa.Column("last_contact_by", sa.BigInteger(), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=True),
        sa.Column("vaccinated_on", sa.Date(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("route_id", BigIntPK, nullable=True),
        sa.Column("import_id", BigIntPK, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_people_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["campaign_imports.id"],
            name=op.f("fk_campaign_people_import_id_campaign_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["campaign_routes.id"],
            name=op.f("fk_campaign_people_route_id_campaign_routes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_campaign_people_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_people")),
    )
    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_people_claims",
            ["claim_until"],
            unique=False,
            sqlite_where=sa.text("status = 'claimed'"),
            postgresql_where=sa.text("status = 'claimed'"),
        )
        batch_op.create_index("ix_campaign_people_phone", ["campaign_id", "phone"], unique=False)
        batch_op.create_index("ix_campaign_people_route", ["route_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_campaign_people_territory_id"), ["territory_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_people_worklist",
            ["campaign_id", "territory_id", "kind", "status", "due_at"],
            unique=False,
        )

    op.create_table(
        "campaign_contacts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("person_id", BigIntPK, nullable=False),
        sa.Column("by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("form_token", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_contacts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["campaign_people.id"],
            name=op.f("fk_campaign_contacts_person_id_campaign_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_contacts")),
        sa.UniqueConstraint("form_token", name=op.f("uq_campaign_contacts_form_token")),
    )
    with op.batch_alter_table("campaign_contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_contacts_campaign", ["campaign_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_contacts_outcome", ["campaign_id", "outcome", "person_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_contacts_person", ["person_id", "created_at"], unique=False
        )

    op.create_table(
        "campaign_alerts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigIntPK, nullable=False),
        sa.Column("person_id", BigIntPK, nullable=False),
        sa.Column("contact_id", BigIntPK, nullable=True),
        sa.Column("reported_by", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_alerts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["campaign_contacts.id"],
            name=op.f("fk_campaign_alerts_contact_id_campaign_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["campaign_people.id"],
            name=op.f("fk_campaign_alerts_person_id_campaign_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_alerts")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_campaign_alerts_contact_id")),
    )
    with op.batch_alter_table("campaign_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_alerts_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_alerts_open",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_alerts_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("campaign_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_alerts_person_id"))
        batch_op.drop_index(
            "ix_campaign_alerts_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_campaign_alerts_campaign_id"))

    op.drop_table("campaign_alerts")
    with op.batch_alter_table("campaign_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_contacts_person")
        batch_op.drop_index("ix_campaign_contacts_outcome")
        batch_op.drop_index("ix_campaign_contacts_campaign")

    op.drop_table("campaign_contacts")
    with op.batch_alter_table("campaign_people", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_people_worklist")
        batch_op.drop_index(batch_op.f("ix_campaign_people_territory_id"))
        batch_op.drop_index("ix_campaign_people_route")
        batch_op.drop_index("ix_campaign_people_phone")
        batch_op.drop_index(
            "ix_campaign_people_claims",
            sqlite_where=sa.text("status = 'claimed'"),
            postgresql_where=sa.text("status = 'claimed'"),
        )

    op.drop_table("campaign_people")
    with op.batch_alter_table("campaign_volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_volunteers_user_id"))

    op.drop_table("campaign_volunteers")
    with op.batch_alter_table("campaign_territories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_territories_territory_id"))

    op.drop_table("campaign_territories")
    with op.batch_alter_table("campaign_routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_routes_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_routes_campaign_id"))

    op.drop_table("campaign_routes")
    with op.batch_alter_table("campaign_medics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_medics_user_id"))

    op.drop_table("campaign_medics")
    with op.batch_alter_table("campaign_imports", schema=None) as batch_op:
        batch_op.drop_index("uq_campaign_imports_running")
        batch_op.drop_index(batch_op.f("ix_campaign_imports_campaign_id"))

    op.drop_table("campaign_imports")
    op.drop_table("campaigns")
