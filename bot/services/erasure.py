"""Erasure in bounded steps: a person's data (/forget) or one request's (a coordinator's
"erase"), however much was written about them.

Why steps. A citizen with 20 requests in a city has thousands of outbox rows (every push and
every edit of it) and audit entries about those requests. Erased in one transaction, that
held SQLite's only connection for half a minute: nobody else was answered, and the button
was answered after Telegram's 15 seconds. Here each step reads or changes at most
``CHUNK_ROWS`` rows, found by indexed columns only (the primary keys, ``outbox.subject``,
``audit_log.target``, reminders by chat and state), and steps are grouped into chunks of
about ``CHUNK_ROWS`` rows, each one short transaction. Between chunks, whoever waits for the
connection gets it.

Why a record. An ``erasures`` row says which step comes next; the last step deletes it in
its own transaction. Every step is idempotent (doing one again changes nothing more), so:
- if the bot dies midway, the erasures job (scheduler/jobs/erasures.py) finishes the
  erasure at the next start or tick and tells whoever asked;
- if two runners meet (the handler and the job, two replicas), each chunk first claims the
  step the row names with a conditional UPDATE; the one whose claim fails stops, the other
  carries on (and is the one who tells);
- a second /forget finds the record and carries it on.
A person's erasure is chosen over a design without a record (repeat /forget until it is
done) because nobody has to know that it was cut short.

What is not here: closing what must be closed and telling other people (a volunteer's
tasks handed back, an open request cancelled) happens in the handler's own update, in the
same transaction as ``begin``, so a record exists only once that is done.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Select

from bot.clock import Clock
from bot.services import (
    call_backs,
    care,
    consultations,
    help_requests,
    recognition,
    safety,
    series,
    volunteers,
)
from bot.services.outbox import PURGED, OutgoingMessage, Text, enqueue
from bot.services.sql import insert_ignore
from models import AuditEntry, Erasure, HelpRequest, OutboxMessage, Volunteer

CHUNK_ROWS = 500  # rows a step reads or changes at most; about that many per transaction
# A chunk also ends after this long, whatever its rows: a request's own fields, its cards
# hidden and its series ended cost far more than their rows say, and a chunk of twenty of
# them held SQLite's connection for 0.4 s in the region benchmark (issue 23: nobody else's
# update may wait more than 0.1 s). At least one step runs per chunk.
CHUNK_SECONDS = 0.04

PERSON = "person"  # target: a user id
REQUEST = "request"  # target: a help request id
CARE = "care"  # target: a standing-care team: its person's card (issue 19)

# The steps, in order. A request: REQ_FIELDS, REQ_OUTBOX, REQ_AUDIT (``item`` is the
# request). A person: those for each request they made (REQUESTS picks the next one), then
# CALLBACKS, PERSON_ROW, and VOL_OUTBOX, VOL_AUDIT for each volunteer record (VOLUNTEERS
# picks the next one). ``cursor`` is the last row id a batch step has done.
REQUESTS = "requests"
REQ_FIELDS = "req_fields"
REQ_OUTBOX = "req_outbox"
REQ_AUDIT = "req_audit"
CALLBACKS = "callbacks"
CONSULTATIONS = "consultations"  # «Ask a volunteer medic»: their questions and the relay
PERSON_ROW = "person"
VOLUNTEERS = "volunteers"
VOL_OUTBOX = "vol_outbox"
VOL_AUDIT = "vol_audit"
# A standing-care team's person: the card and visits, then what the outbox and the audit log
# hold about ``care:<id>``.
CARE_FIELDS = "care_fields"
CARE_OUTBOX = "care_outbox"
CARE_AUDIT = "care_audit"
FINISHED = "finished"


class Outcome(enum.Enum):
    FINISHED = "finished"  # this call did the last step (the record is gone)
    MORE = "more"  # steps remain
    GONE = "gone"  # another runner holds it, or finished it


@dataclass(frozen=True, slots=True)
class _State:
    step: str
    item: int = 0
    cursor: int = 0
    last_item: int = 0  # a group of requests: ``item`` to this (0: ``item`` alone)


# A person's requests go a group at a time: each part of their erasure is one statement for
# the group (20 requests one at a time took ~190 ms on PostgreSQL in round trips alone).
REQUESTS_PER_GROUP = 10


async def begin(
    session: AsyncSession,
    kind: str,
    target_id: int,
    actor_id: int,
    now: datetime,
    *,
    admin_ids: Collection[int] = (),
) -> int:
    """Record an erasure in the caller's transaction; returns its id. One per thing: an
    erasure of it that is already under way is returned and carried on. ``admin_ids``: the
    HQ, told with the territory's coordinators of a care team's seat the person leaves."""
    first = {PERSON: REQUESTS, CARE: CARE_FIELDS}.get(kind, REQ_FIELDS)
    if kind == PERSON:  # a series whose requester erased their data ends at once
        await series.end_for_person(session, target_id, now)
        # and their care teams (the coordinators and the HQ hear the seat is free)
        await care.withdraw(session, target_id, now, admin_ids=admin_ids, erase_name=True)
    await session.execute(
        insert_ignore(
            session,
            Erasure,
            {
                "kind": kind,
                "target_id": target_id,
                "actor_id": actor_id,
                "step": first,
                "item": target_id if kind in (REQUEST, CARE) else 0,
                "cursor": 0,
                "last_item": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    erasure_id = await session.scalar(
        select(Erasure.id).where(Erasure.kind == kind, Erasure.target_id == target_id)
    )
    assert erasure_id is not None
    return erasure_id


async def run_some(
    session: AsyncSession,
    erasure_id: int,
    now: datetime,
    *,
    budget: int = CHUNK_ROWS,
    seconds: float = CHUNK_SECONDS,
    announce: bool = False,
) -> Outcome:
    """Steps of an erasure in the caller's transaction, until about ``budget`` rows were
    read or changed, ``seconds`` passed, or it is finished. ``announce``: the last step also
    enqueues the notice to whoever asked (a runner that cannot answer them itself: the
    job)."""
    row = (
        await session.execute(
            select(
                Erasure.kind,
                Erasure.target_id,
                Erasure.actor_id,
                Erasure.step,
                Erasure.item,
                Erasure.cursor,
                Erasure.last_item,
            ).where(Erasure.id == erasure_id)
        )
    ).first()
    if row is None:
        return Outcome.GONE
    kind, target_id, actor_id, step, item, cursor, last_item = row
    claimed = await session.scalar(  # on PostgreSQL this also holds the row until commit
        update(Erasure)
        .where(
            Erasure.id == erasure_id,
            Erasure.step == step,
            Erasure.item == item,
            Erasure.cursor == cursor,
            Erasure.last_item == last_item,
        )
        .values(updated_at=now)
        .returning(Erasure.id)
    )
    if claimed is None:
        return Outcome.GONE
    state = _State(step, item, cursor, last_item)
    spent = 0
    ends = time.monotonic() + seconds
    while spent < budget and state.step != FINISHED:
        cost, state = await _step(session, kind, target_id, state, now)
        spent += cost
        if time.monotonic() >= ends:
            break
    if state.step == FINISHED:
        await session.execute(delete(Erasure).where(Erasure.id == erasure_id))
        if announce:
            await _announce(session, erasure_id, kind, target_id, actor_id, now)
        return Outcome.FINISHED
    await session.execute(
        update(Erasure)
        .where(Erasure.id == erasure_id)
        .values(
            step=state.step,
            item=state.item,
            cursor=state.cursor,
            last_item=state.last_item,
            updated_at=now,
        )
    )
    return Outcome.MORE


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    erasure_id: int,
    clock: Clock,
    *,
    announce: bool = False,
) -> bool:
    """Carry an erasure to its end, one chunk per transaction, each in a session of its own.
    True: this call finished it; False: another runner has it (and tells)."""
    while True:
        async with sessionmaker() as session:
            outcome = await run_some(session, erasure_id, clock.now(), announce=announce)
            await session.commit()
        if outcome is not Outcome.MORE:
            return outcome is Outcome.FINISHED
        # The connection went back to the pool: let whoever waits for it have it now.
        await asyncio.sleep(0)


async def stalled(session: AsyncSession, before: datetime) -> list[int]:
    """Erasures no runner touched since ``before``: cut short by a restart."""
    rows = await session.scalars(
        select(Erasure.id).where(Erasure.updated_at < before).order_by(Erasure.id)
    )
    return list(rows.all())


async def erase_request_now(session: AsyncSession, request_id: int, now: datetime) -> None:
    """All of a request's erasure in the caller's transaction (small data, one call)."""
    erasure_id = await begin(session, REQUEST, request_id, 0, now)
    while await run_some(session, erasure_id, now) is Outcome.MORE:
        pass


async def erase_care_now(session: AsyncSession, team_id: int, actor_id: int, now: datetime) -> None:
    """All of a care team's person's erasure in the caller's transaction (a card and a few
    dozen visits a year: small data, one call)."""
    erasure_id = await begin(session, CARE, team_id, actor_id, now)
    while await run_some(session, erasure_id, now) is Outcome.MORE:
        pass


async def _announce(
    session: AsyncSession, erasure_id: int, kind: str, target_id: int, actor_id: int, now: datetime
) -> None:
    if kind == PERSON:  # with the menu they have now, no longer a volunteer's
        message = OutgoingMessage(Text(key="forget-done"), main_menu=True)
    elif kind == CARE:
        message = OutgoingMessage(Text(key="care-erased", args={"team": target_id}))
    else:
        message = OutgoingMessage(Text(key="coord-request-erased", args={"id": target_id}))
    await enqueue(
        session, chat_id=actor_id, message=message, key=f"erasure:{erasure_id}:done", now=now
    )


# --- the steps ------------------------------------------------------------------------------
async def _step(
    session: AsyncSession, kind: str, target_id: int, state: _State, now: datetime
) -> tuple[int, _State]:
    """One step: (rows it read or changed, at least 1; the state after it)."""
    step, item, cursor, last = state.step, state.item, state.cursor, state.last_item
    if step == REQUESTS:
        group = await _next_group(session, target_id, item)
        return 1, _State(REQ_FIELDS, group[0], 0, group[-1]) if group else _State(CALLBACKS)
    if step in (REQ_FIELDS, REQ_OUTBOX, REQ_AUDIT):
        ids = await _group(session, kind, target_id, item, last)
        if step == REQ_FIELDS:
            await help_requests.erase_requests(session, ids, now)
            await series.end_for_request(session, *ids, now=now)  # nothing left to copy
            return 10 * len(ids), _State(REQ_OUTBOX, item, 0, last)
        if step == REQ_OUTBOX:
            # Only what holds personal data: pushes hold none and are most of the rows.
            subjects = [f"req:{i}" for i in ids]
            done, after = await _purge_outbox(session, subjects, cursor, personal_only=True)
            if after:
                return done + 1, _State(REQ_OUTBOX, item, after, last)
            return done + 1, _State(REQ_AUDIT, item, 0, last)
        # REQ_AUDIT: volunteers' and coordinators' reasons may describe the person
        done, after = await _scrub_audit(session, [f"request:{i}" for i in ids], cursor)
        if after:
            return done + 1, _State(REQ_AUDIT, item, after, last)
        return done + 1, _State(REQUESTS, max(item, last)) if kind == PERSON else _State(FINISHED)
    if step == CALLBACKS:
        await call_backs.forget(session, target_id, now)
        return 10, _State(CONSULTATIONS)
    if step == CONSULTATIONS:
        await consultations.forget(session, target_id, now)
        return 10, _State(PERSON_ROW)
    if step == PERSON_ROW:
        await safety.forget(session, target_id)  # tip subscriptions
        await volunteers.forget_person(session, target_id, now)
        await recognition.forget(session, target_id)  # their awards, no longer theirs
        return 10, _State(VOLUNTEERS)
    if step == VOLUNTEERS:
        following = await session.scalar(next_volunteer(target_id, item))
        return 1, _State(VOL_OUTBOX, following) if following else _State(FINISHED)
    if step == VOL_OUTBOX:  # everything about them: applications, decisions, notices
        done, after = await _purge_outbox(session, [f"vol:{item}"], cursor, personal_only=False)
        return done + 1, _State(VOL_OUTBOX, item, after) if after else _State(VOL_AUDIT, item)
    if step == VOL_AUDIT:  # reasons written about them
        done, after = await _scrub_audit(session, [f"volunteer:{item}"], cursor)
        return done + 1, _State(VOL_AUDIT, item, after) if after else _State(VOLUNTEERS, item)
    if step == CARE_FIELDS:
        await care.erase_person(session, item, now)
        return 10, _State(CARE_OUTBOX, item)
    if step == CARE_OUTBOX:  # outcomes' notes and alerts about the person
        done, after = await _purge_outbox(session, [f"care:{item}"], cursor, personal_only=True)
        return done + 1, _State(CARE_OUTBOX, item, after) if after else _State(CARE_AUDIT, item)
    if step == CARE_AUDIT:
        done, after = await _scrub_audit(session, [f"care:{item}"], cursor)
        return done + 1, _State(CARE_AUDIT, item, after) if after else _State(FINISHED)
    raise ValueError(f"unknown erasure step {step!r}")


async def _next_group(session: AsyncSession, requester_id: int, after: int) -> list[int]:
    """A person's next requests to erase, at most REQUESTS_PER_GROUP (the requester index)."""
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(HelpRequest.requester_id == requester_id, HelpRequest.id > after)
        .order_by(HelpRequest.id)
        .limit(REQUESTS_PER_GROUP)
    )
    return list(rows.all())


async def _group(
    session: AsyncSession, kind: str, target_id: int, first: int, last: int
) -> list[int]:
    """The requests a step works on: a person's from ``first`` to ``last`` (a request made
    meanwhile has a higher id, so it falls in a later group), or the one request."""
    if kind != PERSON or last <= first:
        return [first]
    rows = await session.scalars(
        select(HelpRequest.id)
        .where(
            HelpRequest.requester_id == target_id,
            HelpRequest.id >= first,
            HelpRequest.id <= last,
        )
        .order_by(HelpRequest.id)
    )
    return list(rows.all())


def next_volunteer(user_id: int, after: int) -> Select[int]:
    """A person's next volunteer record (from the user_id index)."""
    return (
        select(Volunteer.id)
        .where(Volunteer.user_id == user_id, Volunteer.id > after)
        .order_by(Volunteer.id)
        .limit(1)
    )


def outbox_batch(subjects: list[str], after: int, *, personal_only: bool = False) -> Select[int]:
    """The next rows about ``subjects`` (from the subject index, in id order); only those that
    hold personal data when ``personal_only``: a request's pushes hold none and are most of
    its rows (1,700 in a city), so a group's batches do not read them again and again."""
    conditions = [OutboxMessage.subject.in_(subjects), OutboxMessage.id > after]
    if personal_only:
        conditions.append(OutboxMessage.personal.is_(True))
    return select(OutboxMessage.id).where(*conditions).order_by(OutboxMessage.id).limit(CHUNK_ROWS)


def audit_batch(targets: list[str], after: int) -> Select[int]:
    """The next audit entries about ``targets`` (from the target index, in id order)."""
    return (
        select(AuditEntry.id)
        .where(AuditEntry.target.in_(targets), AuditEntry.id > after)
        .order_by(AuditEntry.id)
        .limit(CHUNK_ROWS)
    )


async def _purge_outbox(
    session: AsyncSession, subjects: list[str], after: int, *, personal_only: bool
) -> tuple[int, int]:
    """Purge the payloads of one batch of rows about ``subjects``; (rows read, the last id
    when a full batch was read, else 0: nothing more)."""
    batch = outbox_batch(subjects, after, personal_only=personal_only)
    ids = list((await session.scalars(batch)).all())
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(payload=PURGED)
            .execution_options(synchronize_session=False)
        )
    return len(ids), ids[-1] if len(ids) == CHUNK_ROWS else 0


async def _scrub_audit(session: AsyncSession, targets: list[str], after: int) -> tuple[int, int]:
    """Empty the details of one batch of audit entries about ``targets``; as _purge_outbox."""
    ids = list((await session.scalars(audit_batch(targets, after))).all())
    if ids:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id.in_(ids))
            .values(details={})
            .execution_options(synchronize_session=False)
        )
    return len(ids), ids[-1] if len(ids) == CHUNK_ROWS else 0
