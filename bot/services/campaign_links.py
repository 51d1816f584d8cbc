"""Self-surveys: a person of a vaccination follow-up campaign (or a relative for them) answers
the script in the bot instead of waiting for a call. No aiogram here.

- **Links.** A coordinator hands out personal deep links (t.me/<bot>?start=s_<token>) by SMS:
  one unguessable token per person (96 random bits), valid while the campaign is not closed.
- **Who answers.** Before anything about the person is shown, whoever opens the link proves
  who they are: the year of birth or the phone's last four digits, or a shared contact (the
  user's own, which Telegram verifies) with the person's phone. Three wrong tries lock the
  link; the person stays on the call list. The Telegram user who passed is linked to the
  person (``campaign_links.user_id``), with who they are to them (``relation``). A contact
  shared without a link (/survey) links every person of an open campaign with that phone.
- **The survey holds the person.** While the bot waits for the answers the person's status is
  ``survey``, claimed by the answering user until ``claim_until`` (a day, ``SURVEY_HOURS``):
  volunteers are not handed them. Answers are stored exactly like a call's (the same
  ``plan`` and ``store_outcome``; the contact's kind is ``self``). No answer by then: back on
  the call list, due at once (``lapse_due``). A begun survey is reminded once, a few hours
  later, outside quiet hours in the person's local time (``remind_due``).
- **The bot first.** Every new due moment after a conversation (the next round, the day after
  a planned date) of a linked person is offered in the bot first (``offer_due``), inside the
  campaign's call window; retries after no answer stay with the callers.
"""

from __future__ import annotations

import asyncio
import enum
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import audit
from bot.services.campaign_calls import (
    Plan,
    Rules,
    Where,
    _zone,
    add_contact,
    callable_now,
    first_name,
    plan,
    store_outcome,
)
from bot.services.campaign_export import CsvWriter, XlsxWriter
from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from bot.services.users import Roles
from models import (
    Campaign,
    CampaignContact,
    CampaignLink,
    CampaignPerson,
    CampaignStatus,
    Outcome,
    PersonStatus,
    Priority,
    Territory,
    User,
    WorkKind,
)

PAYLOAD_PREFIX = "s_"  # /start s_<token>
TOKEN_BYTES = 12  # 96 random bits: 16 URL-safe characters
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16}$")
MAX_TRIES = 3
CHECK_DIGITS = 4  # the phone's last digits (or a year of birth: four digits too)
SURVEY_HOURS = 24  # no answer within a day: back on the call list
REMIND_AFTER = timedelta(hours=3)
CONTACT_MATCH_MAX = 5  # people linked by one shared phone at most (a couple, a family)
JOB_BATCH = 200
CHUNK = 1000
_CLOSED_PEOPLE = (PersonStatus.DONE, PersonStatus.STOPPED)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_of(payload: str | None) -> str | None:
    """The token of a /start payload «s_<token>», or None."""
    if not payload or not payload.startswith(PAYLOAD_PREFIX):
        return None
    token = payload.removeprefix(PAYLOAD_PREFIX)
    return token if TOKEN_PATTERN.match(token) else None


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{token}"


# --- links for the coordinator's file ---------------------------------------------------------
def _linkable(campaign_id: int, scope: Collection[int] | None) -> list[Any]:
    where: list[Any] = [
        CampaignPerson.campaign_id == campaign_id,
        CampaignPerson.phone.is_not(None),
        CampaignPerson.status.not_in(_CLOSED_PEOPLE),
    ]
    if scope is not None:
        where.append(CampaignPerson.territory_id.in_(sorted(scope)))
    return where


async def ensure_links_chunk(
    session: AsyncSession, campaign_id: int, scope: Collection[int] | None, now: datetime
) -> int:
    """Tokens for up to ``CHUNK`` people of the campaign (with a phone, not finished, in the
    scope) who have none; returns how many were made (0: all have one). The caller commits
    each chunk, so a big campaign never holds the database long."""
    missing = (
        await session.scalars(
            select(CampaignPerson.id)
            .where(
                *_linkable(campaign_id, scope),
                ~select(CampaignLink.id)
                .where(CampaignLink.person_id == CampaignPerson.id)
                .exists(),
            )
            .order_by(CampaignPerson.id)
            .limit(CHUNK)
        )
    ).all()
    if not missing:
        return 0
    await session.execute(
        insert_ignore(session, CampaignLink),
        [
            {
                "campaign_id": campaign_id,
                "person_id": person_id,
                "token": new_token(),
                "tries": 0,
                "created_at": now,
            }
            for person_id in missing
        ],
    )
    return len(missing)


@dataclass(frozen=True, slots=True)
class LinkRow:
    full_name: str
    phone: str
    territory_id: int
    token: str


async def iter_links(
    session: AsyncSession, campaign_id: int, scope: Collection[int] | None
) -> AsyncIterator[list[LinkRow]]:
    """The links of the file, in chunks by id (keyset), the connection given back between
    chunks (the transaction ends), so others are answered meanwhile."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(
                    CampaignPerson.id,
                    CampaignPerson.full_name,
                    CampaignPerson.phone,
                    CampaignPerson.territory_id,
                    CampaignLink.token,
                )
                .join(CampaignLink, CampaignLink.person_id == CampaignPerson.id)
                .where(
                    *_linkable(campaign_id, scope),
                    CampaignPerson.id > after,
                    # a locked link does not work: those people are called
                    CampaignLink.locked_at.is_(None),
                )
                .order_by(CampaignPerson.id)
                .limit(CHUNK)
            )
        ).all()
        await session.rollback()
        if not rows:
            return
        after = rows[-1][0]
        yield [LinkRow(r[1], r[2] or "", r[3], r[4]) for r in rows]


# --- opening a link ---------------------------------------------------------------------------
class LinkState(enum.StrEnum):
    INVALID = "invalid"  # no such token, or its campaign is closed or gone
    LOCKED = "locked"  # three wrong tries
    USED = "used"  # linked to another Telegram user
    MINE = "mine"  # linked to this user: no check again
    NEW = "new"  # nobody linked yet: who answers, then the check


@dataclass(frozen=True, slots=True)
class Opened:
    state: LinkState
    link_id: int = 0
    person_id: int = 0
    relation: str | None = None


async def open_link(session: AsyncSession, token: str, user_id: int) -> Opened:
    row = (
        await session.execute(
            select(CampaignLink, Campaign.status)
            .join(Campaign, Campaign.id == CampaignLink.campaign_id)
            .where(CampaignLink.token == token)
        )
    ).first()
    if row is None or row[1] == CampaignStatus.CLOSED:
        return Opened(LinkState.INVALID)
    link: CampaignLink = row[0]
    if link.locked_at is not None:
        return Opened(LinkState.LOCKED, link.id, link.person_id)
    if link.user_id is not None:
        state = LinkState.MINE if link.user_id == user_id else LinkState.USED
        return Opened(state, link.id, link.person_id, link.relation)
    return Opened(LinkState.NEW, link.id, link.person_id)


class Check(enum.StrEnum):
    PASSED = "passed"
    WRONG = "wrong"  # tries left
    LOCKED = "locked"  # this try was the last (or the link was locked meanwhile)
    TAKEN = "taken"  # someone else passed first
    INVALID = "invalid"  # the link or its campaign is gone


@dataclass(frozen=True, slots=True)
class Checked:
    result: Check
    tries_left: int = 0


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def answer_matches(person: CampaignPerson, answer: str) -> bool:
    """The year of birth or the phone's last four digits."""
    if len(answer) != CHECK_DIGITS:
        return False
    if person.birth_year is not None and answer == str(person.birth_year):
        return True
    phone = digits(person.phone)
    return len(phone) >= CHECK_DIGITS and phone[-CHECK_DIGITS:] == answer


async def check_identity(
    session: AsyncSession,
    link_id: int,
    user_id: int,
    answer: str,
    relation: str,
    now: datetime,
) -> Checked:
    """One try of the check (``answer``: four digits). A wrong one counts atomically; the
    third locks the link, and a person the bot held goes back on the call list."""
    link = await session.get(CampaignLink, link_id, populate_existing=True)
    if link is None:
        return Checked(Check.INVALID)
    if link.locked_at is not None:
        return Checked(Check.LOCKED)
    if link.user_id is not None and link.user_id != user_id:
        return Checked(Check.TAKEN)  # someone passed first: nobody else's tries count
    person = await session.get(CampaignPerson, link.person_id)
    campaign = await session.get(Campaign, link.campaign_id)
    if person is None or campaign is None or campaign.status == CampaignStatus.CLOSED:
        return Checked(Check.INVALID)
    if answer_matches(person, answer):
        linked = await link_user(session, link_id, user_id, relation, "check", now)
        return Checked(Check.PASSED if linked else Check.TAKEN)
    tries = await session.scalar(
        update(CampaignLink)
        .where(
            CampaignLink.id == link_id,
            CampaignLink.locked_at.is_(None),
            CampaignLink.user_id.is_(None),
        )
        .values(tries=CampaignLink.tries + 1)
        .returning(CampaignLink.tries)
        .execution_options(synchronize_session=False)
    )
    if tries is None:  # locked, or someone passed, since the read
        return Checked(Check.TAKEN if await _taken(session, link_id, user_id) else Check.LOCKED)
    if tries < MAX_TRIES:
        return Checked(Check.WRONG, MAX_TRIES - tries)
    await _lock(session, link, user_id, now)
    return Checked(Check.LOCKED)


async def _taken(session: AsyncSession, link_id: int, user_id: int) -> bool:
    other = await session.scalar(select(CampaignLink.user_id).where(CampaignLink.id == link_id))
    return other is not None and other != user_id


async def _lock(session: AsyncSession, link: CampaignLink, user_id: int, now: datetime) -> None:
    await session.execute(
        update(CampaignLink)
        .where(
            CampaignLink.id == link.id,
            CampaignLink.locked_at.is_(None),
            CampaignLink.user_id.is_(None),
        )
        .values(locked_at=now, remind_at=None)
        .execution_options(synchronize_session=False)
    )
    await _back_to_calls(session, [link.person_id], now)
    # Who tried is on the record: three wrong answers may be someone else's phone.
    await audit.record(
        session,
        actor_id=user_id,
        action="campaign_link_locked",
        now=now,
        target=f"campaign:{link.campaign_id}",
        details={"person_id": link.person_id},
    )


async def link_user(
    session: AsyncSession, link_id: int, user_id: int, relation: str, by: str, now: datetime
) -> bool:
    """Link the user who proved who they are; False when another user was linked first (or
    the link got locked)."""
    done = await session.execute(
        update(CampaignLink)
        .where(
            CampaignLink.id == link_id,
            CampaignLink.locked_at.is_(None),
            or_(CampaignLink.user_id.is_(None), CampaignLink.user_id == user_id),
        )
        .values(user_id=user_id, relation=relation, linked_by=by, linked_at=now)
        .returning(CampaignLink.campaign_id, CampaignLink.person_id)
        .execution_options(synchronize_session=False)
    )
    row = done.first()
    if row is None:
        return False
    # Who answers for whom, and how they proved it, is on the record.
    await audit.record(
        session,
        actor_id=user_id,
        action="campaign_link_linked",
        now=now,
        target=f"campaign:{row[0]}",
        details={"person_id": row[1], "relation": relation, "by": by},
    )
    return True


async def contact_matches(session: AsyncSession, link_id: int, phone_e164: str | None) -> bool:
    """A shared contact's phone is the person's (the user's own contact: the caller checks)."""
    if not phone_e164:
        return False
    person_phone = await session.scalar(
        select(CampaignPerson.phone)
        .join(CampaignLink, CampaignLink.person_id == CampaignPerson.id)
        .where(CampaignLink.id == link_id)
    )
    return person_phone is not None and person_phone == phone_e164


async def link_by_contact(
    session: AsyncSession, user_id: int, phone_e164: str, relation: str, now: datetime
) -> list[int]:
    """/survey: every person of an open campaign with this phone (not finished, link not
    locked, nobody else linked) is linked to the user; their person ids, oldest first."""
    people = (
        await session.execute(
            select(CampaignPerson.id, CampaignPerson.campaign_id)
            .join(Campaign, Campaign.id == CampaignPerson.campaign_id)
            .where(
                CampaignPerson.phone == phone_e164,
                CampaignPerson.status.not_in(_CLOSED_PEOPLE),
                Campaign.status != CampaignStatus.CLOSED,
            )
            .order_by(CampaignPerson.id)
            .limit(CONTACT_MATCH_MAX)
        )
    ).all()
    linked: list[int] = []
    for person_id, campaign_id in people:
        # A coordinator's file may be making the same link right now: insert or keep theirs.
        await session.execute(
            insert_ignore(session, CampaignLink),
            [{"campaign_id": campaign_id, "person_id": person_id, "token": new_token(),
              "tries": 0, "created_at": now}],
        )  # fmt: skip
        link_id = await session.scalar(
            select(CampaignLink.id).where(CampaignLink.person_id == person_id)
        )
        if link_id is not None and await link_user(
            session, link_id, user_id, relation, "contact", now
        ):
            linked.append(person_id)
    return linked


# --- the survey holds the person --------------------------------------------------------------
class Begin(enum.StrEnum):
    STARTED = "started"  # the bot holds the person now
    AGAIN = "again"  # it already did, for this user
    CALLING = "calling"  # a volunteer has them (a call or a route of visits)
    LATER = "later"  # nothing to answer before ``due_on``
    FINISHED = "finished"  # every round answered, or stopped
    PAUSED = "paused"  # the campaign is paused
    INVALID = "invalid"  # not linked to this user, or the campaign is closed


@dataclass(frozen=True, slots=True)
class Begun:
    result: Begin
    person: CampaignPerson | None = None
    due_on: date | None = None  # LATER: the local day the next questions come
    zone: str = "UTC"


async def begin(
    session: AsyncSession, person_id: int, user_id: int, now: datetime, quiet: QuietHours
) -> Begun:
    """The linked user is about to answer: the person is held for the bot (one conditional
    UPDATE: due, or unreachable, and nobody holds them) and the reminder set."""
    row = (
        await session.execute(
            select(CampaignLink, Campaign)
            .join(Campaign, Campaign.id == CampaignLink.campaign_id)
            .where(CampaignLink.person_id == person_id)
        )
    ).first()
    if row is None or row[0].user_id != user_id or row[0].locked_at is not None:
        return Begun(Begin.INVALID)
    link, campaign = row[0], row[1]
    if campaign.status == CampaignStatus.CLOSED:
        return Begun(Begin.INVALID)
    person = await session.get(CampaignPerson, person_id, populate_existing=True)
    if person is None:
        return Begun(Begin.INVALID)
    tz = await _zone(session, person.territory_id)
    if person.status == PersonStatus.SURVEY and person.claimed_by == user_id:
        return Begun(Begin.AGAIN, person, zone=str(tz))
    if person.status in _CLOSED_PEOPLE:
        return Begun(Begin.FINISHED, person, zone=str(tz))
    if campaign.status == CampaignStatus.PAUSED:
        return Begun(Begin.PAUSED, person, zone=str(tz))
    if person.status in (PersonStatus.CLAIMED, PersonStatus.SURVEY) or person.route_id:
        return Begun(Begin.CALLING, person, zone=str(tz))
    if person.status == PersonStatus.QUEUED and person.due_at is not None and person.due_at > now:
        return Begun(Begin.LATER, person, due_on=person.due_at.astimezone(tz).date(), zone=str(tz))
    held_until = now + timedelta(hours=SURVEY_HOURS)
    done = await session.scalar(
        update(CampaignPerson)
        .where(
            CampaignPerson.id == person_id,
            CampaignPerson.status == person.status,
            CampaignPerson.round == person.round,
            CampaignPerson.route_id.is_(None),
            # still due (a status changed and back meanwhile is caught here)
            or_(CampaignPerson.due_at.is_(None), CampaignPerson.due_at <= now),
        )
        .values(
            status=PersonStatus.SURVEY,
            claimed_by=user_id,
            claim_until=held_until,
            updated_at=now,
        )
        .returning(CampaignPerson.id)
        .execution_options(synchronize_session=False)
    )
    if done is None:  # someone moved them between the read and here: who?
        person = await session.get(CampaignPerson, person_id, populate_existing=True)
        assert person is not None
        if person.status == PersonStatus.SURVEY and person.claimed_by == user_id:
            return Begun(Begin.AGAIN, person, zone=str(tz))  # this user's other path won
        return Begun(Begin.CALLING, person, zone=str(tz))
    remind = quiet.defer(now + REMIND_AFTER, tz)
    await session.execute(
        update(CampaignLink)
        .where(CampaignLink.id == link.id)
        .values(
            offered_due=person.due_at or now,
            remind_at=remind if remind < held_until else None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(person)
    return Begun(Begin.STARTED, person, zone=str(tz))


@dataclass(frozen=True, slots=True)
class Recorded:
    contact: CampaignContact
    person: CampaignPerson
    plan: Plan | None  # None: not moved (a double tap, or someone else has them now)
    fresh: bool = True  # False: a double tap found the first


class NotRecorded(enum.StrEnum):
    CLOSED = "closed"  # the campaign is closed (or gone)
    NOT_LINKED = "not_linked"  # the link was locked or erased meanwhile


async def record(
    session: AsyncSession,
    person_id: int,
    user_id: int,
    now: datetime,
    quiet: QuietHours,
    *,
    answers: dict[str, Any],
    form_token: str,
    round_seen: int,
) -> Recorded | NotRecorded:
    """The survey's answers, stored like a call's (kind ``self``). The person moves on while
    the bot holds them for this user, or after the hold lapsed if nobody took them since (the
    same round, back in the queue: one conditional UPDATE takes either). Otherwise (a
    volunteer has them now, the round moved on) the answers are still kept as a contact of
    that round, and the person is left where they are: what someone said about their health
    is never thrown away."""
    existing = await session.scalar(
        select(CampaignContact).where(CampaignContact.form_token == form_token)
    )
    if existing is not None:
        person = await session.get(CampaignPerson, existing.person_id)
        assert person is not None
        return Recorded(existing, person, None, fresh=False)
    link = await session.scalar(select(CampaignLink).where(CampaignLink.person_id == person_id))
    if link is None or link.user_id != user_id or link.locked_at is not None:
        return NotRecorded.NOT_LINKED
    person = await session.get(CampaignPerson, person_id, populate_existing=True)
    campaign = await session.get(Campaign, link.campaign_id)
    if person is None or campaign is None or campaign.status == CampaignStatus.CLOSED:
        return NotRecorded.CLOSED
    answers = {**answers, "answered_by": link.relation or "self"}
    if person.round != round_seen:  # another round by now: kept, nothing moves
        contact = await add_contact(
            session, person, kind=WorkKind.SELF, outcome=Outcome.REACHED, user_id=user_id,
            answers=answers, now=now, form_token=form_token, round_no=round_seen,
        )  # fmt: skip
        return Recorded(contact, person, None)
    tz = await _zone(session, person.territory_id)
    planned = answers.get("planned_on")
    moved = plan(
        Rules.of(campaign),
        Where.of(person),
        Outcome.REACHED,
        now,
        tz,
        quiet,
        vaccinated=answers.get("vaccinated"),
        planned_on=date.fromisoformat(planned) if planned else None,
    )
    held_or_free = or_(
        and_(CampaignPerson.status == PersonStatus.SURVEY, CampaignPerson.claimed_by == user_id),
        and_(
            CampaignPerson.status == PersonStatus.QUEUED,
            CampaignPerson.claimed_by.is_(None),
            CampaignPerson.route_id.is_(None),
        ),
    )
    stored = await store_outcome(
        session,
        person,
        moved,
        true(),
        kind=WorkKind.SELF,
        outcome=Outcome.REACHED,
        user_id=user_id,
        answers=answers,
        form_token=form_token,
        now=now,
        status_ok=held_or_free,
    )
    if stored is None:  # a volunteer has them now: kept, the person stays theirs
        person = await session.get(CampaignPerson, person_id, populate_existing=True)
        assert person is not None
        kept = await add_contact(
            session, person, kind=WorkKind.SELF, outcome=Outcome.REACHED, user_id=user_id,
            answers=answers, now=now, form_token=form_token,
        )  # fmt: skip
        return Recorded(kept, person, None)
    await session.execute(
        update(CampaignLink)
        .where(CampaignLink.id == link.id)
        .values(remind_at=None)
        .execution_options(synchronize_session=False)
    )
    return Recorded(stored, person, moved)


async def _back_to_calls(
    session: AsyncSession, person_ids: list[int], now: datetime, *, lapsed_only: bool = False
) -> list[int]:
    """People the bot held go back on the call list, due at once; the moment is marked as
    offered, so the bot does not offer it again. ``lapsed_only``: only holds that ran out (a
    hold renewed since the read stays)."""
    if not person_ids:
        return []
    lapsed = CampaignPerson.claim_until < now if lapsed_only else true()
    back = list(
        (
            await session.scalars(
                update(CampaignPerson)
                .where(
                    CampaignPerson.id.in_(person_ids),
                    CampaignPerson.status == PersonStatus.SURVEY,
                    lapsed,
                )
                .values(
                    status=PersonStatus.QUEUED,
                    claimed_by=None,
                    claim_until=None,
                    due_at=now,
                    updated_at=now,
                )
                .returning(CampaignPerson.id)
                .execution_options(synchronize_session=False)
            )
        ).all()
    )
    if back:
        await session.execute(
            update(CampaignLink)
            .where(CampaignLink.person_id.in_(back))
            .values(offered_due=now, remind_at=None)
            .execution_options(synchronize_session=False)
        )
    return back


async def lapse_due(session: AsyncSession, now: datetime) -> int:
    """Surveys nobody finished within ``SURVEY_HOURS``: back on the call list."""
    ids = list(
        (
            await session.scalars(
                select(CampaignPerson.id)
                .where(
                    CampaignPerson.status == PersonStatus.SURVEY,
                    CampaignPerson.claim_until < now,
                )
                .order_by(CampaignPerson.claim_until)
                .limit(JOB_BATCH)
            )
        ).all()
    )
    return len(await _back_to_calls(session, ids, now, lapsed_only=True))


async def forget_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Erasure: the user is no longer linked to anyone; a person the bot held for them goes
    back on the call list."""
    held = list(
        (
            await session.scalars(
                select(CampaignPerson.id).where(
                    CampaignPerson.status == PersonStatus.SURVEY,
                    CampaignPerson.claimed_by == user_id,
                )
            )
        ).all()
    )
    await _back_to_calls(session, held, now)
    await session.execute(
        update(CampaignLink)
        .where(CampaignLink.user_id == user_id)
        .values(user_id=None, relation=None, remind_at=None)
        .execution_options(synchronize_session=False)
    )


# --- the scheduler: reminders and the next round in the bot first -----------------------------
GoData = Callable[[int], str]  # a person id → the «Начать» button's callback data


def _message(key: str, person: CampaignPerson, go_data: str, button: str) -> OutgoingMessage:
    return OutgoingMessage(
        Text(key=key, args={"name": first_name(person.full_name)}),
        buttons=[[Button(Text(key=button), callback_data=go_data)]],
    )


async def remind_due(
    session: AsyncSession, now: datetime, quiet: QuietHours, go_data: GoData
) -> int:
    """A survey the bot holds, still unanswered a few hours after it began: one reminder.
    Quiet hours are checked again when it is due (after downtime the job may be late): at
    night it waits for the morning, unless the hold ends first."""
    rows = (
        await session.execute(
            select(CampaignLink, CampaignPerson, Territory.timezone)
            .join(CampaignPerson, CampaignPerson.id == CampaignLink.person_id)
            .join(Territory, Territory.id == CampaignPerson.territory_id)
            .where(CampaignLink.remind_at.is_not(None), CampaignLink.remind_at <= now)
            .order_by(CampaignLink.remind_at)
            .limit(JOB_BATCH)
        )
    ).all()
    items: list[Outgoing] = []
    for link, person, zone in rows:
        later: datetime | None = None
        held = (
            link.user_id is not None
            and person.status == PersonStatus.SURVEY
            and person.claimed_by == link.user_id
        )
        if held and link.user_id is not None:
            morning = quiet.defer(now, ZoneInfo(zone))
            if morning == now:
                items.append(
                    Outgoing(
                        chat_id=link.user_id,
                        message=_message(
                            "survey-reminder", person, go_data(person.id), "btn-survey-continue"
                        ),
                        key=f"cmps:{person.id}:r{person.round}:{_stamp(link)}:remind",
                        priority=Priority.NORMAL,
                        personal=True,
                    )
                )
            elif person.claim_until is not None and morning < person.claim_until:
                later = morning
        await session.execute(
            update(CampaignLink)
            .where(CampaignLink.id == link.id)
            .values(remind_at=later)
            .execution_options(synchronize_session=False)
        )
    await enqueue_many(session, items, now)
    return len(items)


def _stamp(link: CampaignLink) -> str:
    moment = link.offered_due
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M") if moment else "0"


OFFER_PAGES = 20  # pages of JOB_BATCH looked through per tick for people callable now


async def offer_due(
    session: AsyncSession, now: datetime, quiet: QuietHours, go_data: GoData
) -> int:
    """Each linked person's new due moment after a conversation comes to the bot first:
    held for the bot (``begin``) and offered with a «Начать» button, inside the campaign's
    call window and outside quiet hours in the person's local time. Users who blocked the
    bot are skipped (the calls go on); people waiting for their window do not hide the
    others (the job pages on past them)."""
    query = (
        select(
            CampaignLink.person_id,
            CampaignLink.user_id,
            CampaignPerson.due_at,
            Campaign,
            Territory.timezone,
        )
        .join(CampaignPerson, CampaignPerson.id == CampaignLink.person_id)
        .join(Campaign, Campaign.id == CampaignLink.campaign_id)
        .join(Territory, Territory.id == CampaignPerson.territory_id)
        .join(User, User.id == CampaignLink.user_id)
        .where(
            CampaignLink.user_id.is_not(None),
            CampaignLink.locked_at.is_(None),
            User.blocked_bot.is_(False),
            Campaign.status == CampaignStatus.ACTIVE,
            CampaignPerson.status == PersonStatus.QUEUED,
            CampaignPerson.route_id.is_(None),
            CampaignPerson.due_at <= now,
            or_(
                CampaignPerson.last_outcome.is_(None),
                CampaignPerson.last_outcome == Outcome.REACHED,
            ),
            or_(
                CampaignLink.offered_due.is_(None),
                CampaignLink.offered_due != CampaignPerson.due_at,
            ),
        )
        .order_by(CampaignPerson.due_at, CampaignLink.person_id)
        .limit(JOB_BATCH)
    )
    items: list[Outgoing] = []
    after: tuple[datetime, int] | None = None
    for _ in range(OFFER_PAGES):
        page = query
        if after is not None:
            page = page.where(
                or_(
                    CampaignPerson.due_at > after[0],
                    and_(CampaignPerson.due_at == after[0], CampaignLink.person_id > after[1]),
                )
            )
        rows = (await session.execute(page)).all()
        for person_id, linked_user, due_at, campaign, zone in rows:
            if due_at is not None:  # always (the query asks due_at <= now)
                after = (due_at, person_id)
            if linked_user is None or not callable_now(now, ZoneInfo(zone), campaign, quiet):
                continue
            begun = await begin(session, person_id, linked_user, now, quiet)
            if begun.result != Begin.STARTED or begun.person is None:
                continue
            person = begun.person
            link = await session.scalar(
                select(CampaignLink).where(CampaignLink.person_id == person_id)
            )
            assert link is not None
            items.append(
                Outgoing(
                    chat_id=linked_user,
                    message=_message(
                        "survey-offer", person, go_data(person_id), "btn-survey-start"
                    ),
                    key=f"cmps:{person_id}:r{person.round}:{_stamp(link)}:offer",
                    priority=Priority.NORMAL,
                    personal=True,
                )
            )
        if len(rows) < JOB_BATCH or len(items) >= JOB_BATCH:
            break
    await enqueue_many(session, items, now)
    return len(items)


async def linked_by(session: AsyncSession, person_id: int) -> str | None:
    """How the linked user proved who they are: "check" or "contact" (their own phone)."""
    return await session.scalar(
        select(CampaignLink.linked_by).where(CampaignLink.person_id == person_id)
    )


async def linked_people(session: AsyncSession, user_id: int) -> list[int]:
    """The people linked to the user in open campaigns."""
    return list(
        (
            await session.scalars(
                select(CampaignLink.person_id)
                .join(Campaign, Campaign.id == CampaignLink.campaign_id)
                .where(
                    CampaignLink.user_id == user_id,
                    CampaignLink.locked_at.is_(None),
                    Campaign.status != CampaignStatus.CLOSED,
                )
                .order_by(CampaignLink.person_id)
            )
        ).all()
    )


async def count_links(session: AsyncSession, campaign_id: int) -> tuple[int, int]:
    """(links handed out, people linked in the bot) of a campaign."""
    row = (
        await session.execute(
            select(func.count(), func.count(CampaignLink.user_id)).where(
                CampaignLink.campaign_id == campaign_id
            )
        )
    ).first()
    return (row[0], row[1]) if row else (0, 0)


# --- the coordinator's file of links ----------------------------------------------------------
LINK_WIDTHS = (40, 16, 30, 48)


@dataclass
class LinksFile:
    path: Path
    rows: int


async def links_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    campaign_id: int,
    scope: Collection[int] | None,
    fmt: str,
    headers: Sequence[str],
    territory_name: Callable[[int], str],
    bot_username: str,
    now: datetime,
    progress: list[int] | None = None,
) -> LinksFile:
    """Tokens for whoever has none (a short transaction per chunk), then the file (XLSX or
    CSV with BOM): name, phone, territory, link, for people with a phone who are not finished,
    in the scope. The caller sends it, records it and removes its folder."""
    while True:
        async with sessionmaker() as session:
            made = await ensure_links_chunk(session, campaign_id, scope, now)
            await session.commit()
        if not made:
            break
    directory = Path(tempfile.mkdtemp(prefix="campaign-links-"))
    path = directory / f"campaign-{campaign_id}-links-{now:%Y%m%d-%H%M}.{fmt}"
    rows = 0

    def line(row: LinkRow) -> list[Any]:
        return [
            row.full_name,
            row.phone,
            territory_name(row.territory_id),
            deep_link(bot_username, row.token),
        ]

    try:
        async with sessionmaker() as session:
            if fmt == "xlsx":
                xlsx = await asyncio.to_thread(XlsxWriter, headers, ["links"], [None], LINK_WIDTHS)
                try:
                    async for chunk in iter_links(session, campaign_id, scope):
                        await asyncio.to_thread(xlsx.write, [(None, line(r)) for r in chunk])
                        rows += len(chunk)
                        if progress is not None:
                            progress[0] = rows
                except BaseException:
                    xlsx.discard()
                    raise
                await asyncio.to_thread(xlsx.close, path)
            else:
                writer = CsvWriter(headers, {None: path})
                try:
                    async for chunk in iter_links(session, campaign_id, scope):
                        await asyncio.to_thread(writer.write, [(None, line(r)) for r in chunk])
                        rows += len(chunk)
                        if progress is not None:
                            progress[0] = rows
                finally:
                    writer.close()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return LinksFile(path, rows)


async def record_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    campaign_id: int,
    user_id: int,
    roles: Roles,
    scope: Collection[int] | None,
    fmt: str,
    rows: int,
    now: datetime,
) -> None:
    """The links' file on the audit record (it holds names and phones), in a transaction of
    its own."""
    async with sessionmaker() as session:
        await audit.record(
            session,
            actor_id=user_id,
            action="campaign_links",
            now=now,
            roles=roles,
            target=f"campaign:{campaign_id}",
            details={
                "format": fmt,
                "rows": rows,
                "territories": sorted(scope) if scope is not None else "all",
            },
        )
        await session.commit()
