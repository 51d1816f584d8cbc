"""Reminders: created, moved and cancelled by services; fired by the scheduler into the outbox.

Firing claims due rows and enqueues their messages in the same transaction, with an
idempotency key per occurrence, so each occurrence is enqueued exactly once even if two
processes or a crash and a restart go over the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import OutgoingMessage, enqueue
from bot.services.timing import QuietHours, RepeatRule
from models import Priority, Reminder, ReminderState
from models.reminder import MISSED_WHERE


async def create_reminder(
    session: AsyncSession,
    *,
    chat_id: int,
    message: OutgoingMessage,
    due_at: datetime,
    timezone: str,
    now: datetime,
    kind: str = "reminder",
    repeat: str | None = None,
    subject: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> Reminder:
    """Add a reminder in the caller's transaction. ``repeat`` is a RepeatRule text."""
    ZoneInfo(timezone)  # unknown zones fail here, not when the reminder fires
    rule = RepeatRule.parse(repeat).text if repeat else None
    reminder = Reminder(
        kind=kind,
        chat_id=chat_id,
        subject=subject,
        message=message.to_payload(),
        priority=int(priority),
        due_at=due_at,
        timezone=timezone,
        repeat=rule,
        state=ReminderState.PENDING,
        occurrence=0,
        missed_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(reminder)
    await session.flush()
    return reminder


async def move_reminder(
    session: AsyncSession, reminder_id: int, due_at: datetime, now: datetime
) -> bool:
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == ReminderState.PENDING)
        .values(due_at=due_at, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def cancel_reminder(session: AsyncSession, reminder_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == ReminderState.PENDING)
        .values(state=ReminderState.CANCELLED, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def cancel_for_subject(session: AsyncSession, subject: str, now: datetime) -> int:
    """E.g. cancelling a request cancels every reminder about it."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.subject == subject, Reminder.state == ReminderState.PENDING)
        .values(state=ReminderState.CANCELLED, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class FireResult:
    fired: int = 0
    missed: int = 0

    def __add__(self, other: FireResult) -> FireResult:
        return FireResult(self.fired + other.fired, self.missed + other.missed)


async def fire_due(
    session: AsyncSession,
    now: datetime,
    *,
    max_lateness: timedelta,
    quiet: QuietHours,
    limit: int = 500,
) -> FireResult:
    """Fire up to ``limit`` due reminders in one transaction, and commit.

    A reminder later than ``max_lateness`` (the bot was down) is not sent: a one-off one is
    marked missed, a repeating one counts the miss and moves on to its next occurrence.
    """
    query = (
        select(Reminder)
        .where(Reminder.state == ReminderState.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    reminders = list((await session.scalars(query)).all())
    fired = missed = 0
    for reminder in reminders:
        tz = ZoneInfo(reminder.timezone)
        rule = RepeatRule.parse(reminder.repeat) if reminder.repeat else None
        due, skipped = (
            rule.latest_until(reminder.due_at, now, tz)
            if rule is not None
            else (reminder.due_at, 0)
        )
        reminder.occurrence += skipped
        missed_now = skipped
        sent_at: datetime | None = None
        if now - due > max_lateness:
            missed_now += 1
        else:
            urgent = reminder.priority == Priority.URGENT
            sent_at = now if urgent else quiet.defer(now, tz)
            await enqueue(
                session,
                chat_id=reminder.chat_id,
                message=OutgoingMessage.from_payload(reminder.message),
                key=f"reminder:{reminder.id}:{reminder.occurrence}",
                now=now,
                priority=Priority(reminder.priority),
                not_before=sent_at,
            )
            reminder.last_fired_at = now
            fired += 1
        if missed_now:
            reminder.missed_count += missed_now
            reminder.last_missed_at = due
            missed += missed_now
        reminder.occurrence += 1
        if rule is not None:
            # Held for the morning by quiet hours: the night's other occurrences fold into
            # this one instead of piling up at 08:00.
            reminder.due_at = rule.next_after(due, max(now, sent_at or now), tz)
        else:
            reminder.state = ReminderState.DONE if sent_at is not None else ReminderState.MISSED
        reminder.updated_at = now
    await session.commit()
    return FireResult(fired, missed)


@dataclass(frozen=True, slots=True)
class MissedReminder:
    id: int
    kind: str
    chat_id: int
    due_at: datetime
    missed_count: int
    repeating: bool


@dataclass(frozen=True, slots=True)
class ReminderStatus:
    pending: int
    next_due: datetime | None
    missed: int
    recent_missed: list[MissedReminder]


async def reminder_status(session: AsyncSession, *, limit: int = 10) -> ReminderStatus:
    pending = await session.scalar(
        select(func.count()).where(Reminder.state == ReminderState.PENDING)
    )
    next_due = await session.scalar(
        select(Reminder.due_at)
        .where(Reminder.state == ReminderState.PENDING)
        .order_by(Reminder.due_at)
        .limit(1)
    )
    # The partial index's own condition, as literal SQL: PostgreSQL's generic plan for bound
    # parameters could not prove that it implies the index's.
    missed_filter = text(MISSED_WHERE)
    missed = await session.scalar(select(func.count()).select_from(Reminder).where(missed_filter))
    rows = await session.scalars(
        select(Reminder)
        .where(missed_filter)
        .order_by(Reminder.last_missed_at.desc(), Reminder.id.desc())
        .limit(limit)
    )
    recent = [
        MissedReminder(
            id=r.id,
            kind=r.kind,
            chat_id=r.chat_id,
            due_at=r.last_missed_at or r.due_at,
            missed_count=r.missed_count,
            repeating=r.repeat is not None,
        )
        for r in rows
    ]
    return ReminderStatus(
        pending=pending or 0, next_due=next_due, missed=missed or 0, recent_missed=recent
    )
