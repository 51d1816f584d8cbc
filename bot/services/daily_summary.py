"""The daily summary each coordinator receives at a set local time (DAILY_SUMMARY_AT, in the
zone of their first territory; the HQ's in the HQ default zone), in their language: new in the
last 24 hours, open, overdue, unattended, done yesterday, and volunteers who went silent.

Once per coordinator and local day: the outbox's idempotency key ``dsum:<user>:<date>``. A
moment inside the quiet hours waits for their end (for 23:00 with quiet hours from 22:00,
the next morning); a summary more than LATE_AT_MOST late (the bot was down) is skipped."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import console
from bot.services.help_requests import OPEN
from bot.services.outbox import OutgoingMessage, Text, enqueue
from bot.services.timing import QuietHours
from bot.services.users import locale_of
from models import (
    Coordinator,
    CoordinatorTerritory,
    HelpRequest,
    OutboxMessage,
    Priority,
    RequestStatus,
    Territory,
    User,
    Volunteer,
    VolunteerStatus,
)


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    scope: frozenset[int] | None  # None: the HQ
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class Figures:
    new: int
    open: int
    overdue: int
    unattended: int
    done_yesterday: int
    silent: int


def _zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else default
    except (KeyError, ValueError):
        return default


async def recipients(
    session: AsyncSession, admin_ids: Collection[int], hq_zone: ZoneInfo
) -> list[Recipient]:
    """Every coordinator (ADMIN_IDS are HQ coordinators) who has not blocked the bot."""
    coordinators = (await session.execute(select(Coordinator.user_id, Coordinator.is_hq))).all()
    links = (
        await session.execute(
            select(CoordinatorTerritory.user_id, Territory.id, Territory.timezone)
            .join(Territory, Territory.id == CoordinatorTerritory.territory_id)
            .order_by(CoordinatorTerritory.user_id, Territory.id)
        )
    ).all()
    territories: dict[int, list[tuple[int, str]]] = {}
    for user_id, territory_id, zone in links:
        territories.setdefault(user_id, []).append((territory_id, zone))
    hq = {user_id for user_id, is_hq in coordinators if is_hq} | set(admin_ids)
    everyone = hq | {user_id for user_id, _ in coordinators if user_id in territories}
    blocked = set(
        (
            await session.scalars(
                select(User.id).where(User.id.in_(sorted(everyone)), User.blocked_bot.is_(True))
            )
        ).all()
    )
    found = []
    for user_id in sorted(everyone - blocked):
        if user_id in hq:
            found.append(Recipient(user_id, None, hq_zone))
        else:
            own = territories[user_id]
            found.append(
                Recipient(user_id, frozenset(t for t, _ in own), _zone(own[0][1], hq_zone))
            )
    return found


async def figures(
    session: AsyncSession, scope: frozenset[int] | None, zone: ZoneInfo, now: datetime
) -> Figures:
    where = [] if scope is None else [HelpRequest.territory_id.in_(sorted(scope))]
    count = select(func.count(HelpRequest.id))
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    volunteer_where = [Volunteer.status == VolunteerStatus.APPROVED]
    if scope is not None:
        volunteer_where.append(Volunteer.territory_id.in_(sorted(scope)))
    approved = list((await session.scalars(select(Volunteer.id).where(*volunteer_where))).all())
    activity = await console.last_activity(session, approved)
    silent_since = now - console.SILENT_AFTER
    return Figures(
        new=await session.scalar(
            count.where(*where, HelpRequest.created_at >= now - timedelta(days=1))
        )
        or 0,
        open=await session.scalar(count.where(*where, HelpRequest.status.in_(OPEN))) or 0,
        overdue=await session.scalar(count.where(*where, console.overdue_condition(now))) or 0,
        unattended=await session.scalar(count.where(*where, console.unattended_condition())) or 0,
        done_yesterday=await session.scalar(
            count.where(
                *where,
                HelpRequest.status == RequestStatus.DONE,
                HelpRequest.done_at >= yesterday,
                HelpRequest.done_at < today,
            )
        )
        or 0,
        silent=sum(1 for v in approved if activity.get(v, silent_since) < silent_since),
    )


def key_of(user_id: int, local_day: str) -> str:
    return f"dsum:{user_id}:{local_day}"


LATE_AT_MOST = timedelta(hours=16)  # a summary later than this (the bot was down) is skipped


def due_day(now: datetime, zone: ZoneInfo, at: time, quiet: QuietHours) -> date | None:
    """The local day whose summary is due now: its time has come (moved to the end of the
    quiet hours if it falls in them, even into the next morning) less than LATE_AT_MOST ago."""
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        moment = quiet.defer(datetime.combine(day, at, tzinfo=zone), zone)
        if moment <= now:
            return day if now - moment < LATE_AT_MOST else None
    return None


async def send_due(
    session: AsyncSession,
    now: datetime,
    *,
    at: time,
    quiet: QuietHours,
    hq_zone: ZoneInfo,
    admin_ids: Collection[int],
    default_locale: str,
) -> list[int]:
    """Enqueue the summaries due now (each coordinator once a local day); the user ids."""
    due = []
    keys = {}
    for recipient in await recipients(session, admin_ids, hq_zone):
        day = due_day(now, recipient.zone, at, quiet)
        if day is not None:
            due.append(recipient)
            keys[recipient.user_id] = key_of(recipient.user_id, day.isoformat())
    if not keys:
        return []
    sent_before = set(
        (
            await session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.in_(sorted(keys.values()))
                )
            )
        ).all()
    )
    told = []
    for recipient in due:
        key = keys[recipient.user_id]
        if key in sent_before:
            continue
        found = await figures(session, recipient.scope, recipient.zone, now)
        locale = await locale_of(session, recipient.user_id, default_locale)
        added = await enqueue(
            session,
            chat_id=recipient.user_id,
            message=OutgoingMessage(
                Text(
                    key="console-daily-summary",
                    args={
                        "date": now.astimezone(recipient.zone).strftime("%d.%m.%Y"),
                        "new": found.new,
                        "open": found.open,
                        "overdue": found.overdue,
                        "unattended": found.unattended,
                        "done": found.done_yesterday,
                        "silent": found.silent,
                    },
                ),
                locale=locale,
            ),
            key=key,
            now=now,
            priority=Priority.NORMAL,
        )
        if added:
            told.append(recipient.user_id)
    return told
