"""Vaccination follow-up campaigns: repeat calls («повторные обзвоны») and door-to-door visits
(«подомовые обходы») to people aged 60+ who agreed to be vaccinated.

A campaign has territories, rounds (days after vaccination), a call window in local time,
attempts per round and a retry interval. Its people are imported from a file; each is a row of
``campaign_people`` with its place in the worklist (``status``, ``due_at``, the claim), and
every call or visit is a row of ``campaign_contacts`` with the answers. «Unwell» opens a
``campaign_alerts`` row that the medics on duty acknowledge.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigIntPK, UTCDateTime


class CampaignStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # nobody is handed out, claims end; due moments keep
    CLOSED = "closed"  # for good: nobody is handed out, claims end; the data stays for reports


class VolunteerMode(enum.StrEnum):
    ALL = "all"  # every approved volunteer with the «calls» skill in the campaign's territories
    CHOSEN = "chosen"  # those who opted in with the button (campaign_volunteers)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.ACTIVE)
    # Days after vaccination of each follow-up round; the first round is the first call, due
    # at once: e.g. [0, 7, 21].
    rounds: Mapped[list[int]] = mapped_column(JSON)
    # The call window in the person's local time, minutes after midnight: 600-1140 = 10:00-19:00.
    window_start: Mapped[int] = mapped_column(SmallInteger)
    window_end: Mapped[int] = mapped_column(SmallInteger)
    attempts: Mapped[int] = mapped_column(SmallInteger)  # per round
    retry_minutes: Mapped[int] = mapped_column(Integer)
    # After this many rounds ending unreachable by phone, the person goes to door-to-door
    # visits; None: only when a coordinator moves them.
    visit_after: Mapped[int | None] = mapped_column(SmallInteger)
    claim_minutes: Mapped[int] = mapped_column(SmallInteger, default=20, server_default="20")
    volunteers: Mapped[str] = mapped_column(String(16), default=VolunteerMode.ALL)
    created_by: Mapped[int] = mapped_column(BigInteger)
    form_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignTerritory(Base):
    __tablename__ = "campaign_territories"

    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class CampaignMedic(Base):
    """A medic on duty: a volunteer medic or a named coordinator who has started the bot."""

    __tablename__ = "campaign_medics"

    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CampaignVolunteer(Base):
    """A volunteer who opted in to a campaign of chosen volunteers (or was added by a
    coordinator); ``left_at`` set when they step out."""

    __tablename__ = "campaign_volunteers"

    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkKind(enum.StrEnum):
    CALL = "call"
    VISIT = "visit"
    # Only a contact's kind: answered in the bot by the person or a relative (self-survey).
    SELF = "self"


class PersonStatus(enum.StrEnum):
    QUEUED = "queued"  # waits for ``due_at`` (a retry, the next round, a planned date)
    CLAIMED = "claimed"  # a volunteer has the card until ``claim_until``
    # Offered in the bot (a self-survey): nobody calls until ``claim_until``; ``claimed_by``
    # is the answering Telegram user. No answer by then: back on the call list.
    SURVEY = "survey"
    UNREACHABLE = "unreachable"  # the round's attempts ran out: the coordinator decides
    STOPPED = "stopped"  # wrong number, refused, moved, died: no further rounds
    DONE = "done"  # every round answered


class Outcome(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    REFUSED = "refused"
    MOVED = "moved"
    DIED = "died"
    NOT_HOME = "not_home"  # at the door: a note was left


RETRIED_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.NOT_HOME})
STOPPING_OUTCOMES = frozenset({Outcome.WRONG_NUMBER, Outcome.REFUSED, Outcome.MOVED, Outcome.DIED})


class CampaignPerson(Base):
    __tablename__ = "campaign_people"
    __table_args__ = (
        # "Next call": the oldest due person of a campaign and territory, in due order; it
        # also covers the campaign card's counts.
        Index(
            "ix_campaign_people_worklist", "campaign_id", "territory_id", "kind", "status", "due_at"
        ),
        # Lapsed claims, found by the scheduler.
        Index(
            "ix_campaign_people_claims",
            "claim_until",
            sqlite_where=text("status = 'claimed'"),
            postgresql_where=text("status = 'claimed'"),
        ),
        # Surveys the bot holds whose day ran out, found by the surveys' job.
        Index(
            "ix_campaign_people_surveys",
            "claim_until",
            sqlite_where=text("status = 'survey'"),
            postgresql_where=text("status = 'survey'"),
        ),
        # Merging duplicates on import: the same phone in the campaign.
        Index("ix_campaign_people_phone", "campaign_id", "phone"),
        Index("ix_campaign_people_route", "route_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; None: visits only
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    address: Mapped[str | None] = mapped_column(String(300))
    consent_on: Mapped[date] = mapped_column(Date)
    username: Mapped[str | None] = mapped_column(String(64))
    # The clinic (medical organisation) the person belongs to: each gets its own export.
    clinic: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8), default=WorkKind.CALL)
    status: Mapped[str] = mapped_column(String(16), default=PersonStatus.QUEUED)
    round: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    unreachable_rounds: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claim_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The local day of the last call or visit, and who made it: nobody else gets the person
    # that day (the same volunteer may try again after no answer).
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    last_contact_by: Mapped[int | None] = mapped_column(BigInteger)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    vaccinated_on: Mapped[date | None] = mapped_column(Date)
    planned_on: Mapped[date | None] = mapped_column(Date)
    route_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("campaign_routes.id", ondelete="SET NULL")
    )
    import_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("campaign_imports.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignImport(Base):
    """One file sent by a coordinator: its counts, for the result message and the record."""

    __tablename__ = "campaign_imports"
    __table_args__ = (
        # One import at a time per campaign (its merge reads the people already there).
        Index(
            "uq_campaign_imports_running",
            "campaign_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    by_user_id: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    accepted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignContact(Base):
    """One call or visit: who, when, the outcome, and the answers of the script
    (``vaccinated``, ``feeling``, ``unwell_note``, ``reason``, ``planned_on``, ``ride``)."""

    __tablename__ = "campaign_contacts"
    __table_args__ = (
        Index("ix_campaign_contacts_person", "person_id", "created_at"),
        Index("ix_campaign_contacts_campaign", "campaign_id", "created_at"),
        # The card's "reached" count, read from the index alone.
        Index("ix_campaign_contacts_outcome", "campaign_id", "outcome", "person_id"),
        # A volunteer's calls (their record, issue 20).
        Index("ix_campaign_contacts_by_user", "by_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaign_people.id", ondelete="CASCADE")
    )
    by_user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    round: Mapped[int] = mapped_column(SmallInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(500))
    form_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class CampaignAlert(Base):
    """«Unwell»: pushed at once to the campaign's medics (quiet hours ignored); pushed again,
    and to the HQ, when nobody acknowledged it within 15 minutes."""

    __tablename__ = "campaign_alerts"
    __table_args__ = (
        Index(
            "ix_campaign_alerts_open",
            "created_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaign_people.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("campaign_contacts.id", ondelete="SET NULL"), unique=True
    )
    reported_by: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignRoute(Base):
    """A small route of door-to-door visits (nearby addresses) handed to a volunteer or a
    pair; its people carry ``route_id``."""

    __tablename__ = "campaign_routes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="RESTRICT"))
    volunteer_id: Mapped[int] = mapped_column(BigInteger, index=True)
    partner_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkRelation(enum.StrEnum):
    """Who answers through a survey link: the person, or a relative for them."""

    SELF = "self"
    MOTHER = "mother"
    FATHER = "father"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    OTHER = "other"


class CampaignLink(Base):
    """A person's personal survey link (t.me/<bot>?start=s_<token>): unguessable, one per
    person, valid while the campaign is not closed. The Telegram user who proved who they are
    (year of birth, the phone's last digits, or a shared contact with the same phone) is
    linked; three wrong tries lock the link."""

    __tablename__ = "campaign_links"
    __table_args__ = (
        # The scheduler's "next round in the bot first" and the survey reminders.
        Index(
            "ix_campaign_links_linked",
            "person_id",
            sqlite_where=text("user_id IS NOT NULL AND locked_at IS NULL"),
            postgresql_where=text("user_id IS NOT NULL AND locked_at IS NULL"),
        ),
        Index(
            "ix_campaign_links_remind",
            "remind_at",
            sqlite_where=text("remind_at IS NOT NULL"),
            postgresql_where=text("remind_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("campaign_people.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)
    tries: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Telegram user who answers; erased with them (SET NULL).
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str | None] = mapped_column(String(16))
    linked_by: Mapped[str | None] = mapped_column(String(8))  # "check" or "contact"
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The due moment last offered in the bot: each new due moment after a conversation (the
    # next round, a planned date) comes to the bot once, then to the calls.
    offered_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A begun, unfinished survey is reminded once at this moment (local time, quiet hours).
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
