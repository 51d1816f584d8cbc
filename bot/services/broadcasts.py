"""Broadcasts (issue 20): a coordinator's message to an audience, each person in their own
language, through the outbox at bulk priority.

- The audience (``Audience``) is a set-based query over ``users``: everyone, volunteers,
  citizens (people who are not volunteers) or subscribers of the safety tips; within
  territories (a volunteer's territory, or a territory the person asked for help in), with a
  skill (volunteers), in one language, seen in the last N days. People who blocked the bot
  are counted, never enqueued.
- Texts: Russian and Kazakh, each optional, but a language somebody in the audience reads
  needs its text (``missing_language``): nobody gets the other language instead.
- ``create`` stores the broadcast and its author's progress message (key ``bcp:<id>:0``);
  the ``broadcasts`` job then enqueues the recipients in chunks of ``CHUNK`` (each chunk one
  short transaction, the cursor moved with it, so a restart resumes and the single SQLite
  connection is never held long), each due when the quiet hours of the person's zone end
  (unless urgent), and edits the progress message at most every ``PROGRESS_EVERY`` until
  every row is settled; then the final report.
- Every row's key is ``bc:<id>:<user>``, so its subject is ``bc:<id>`` (indexed): progress
  and cancelling are one grouped count and one UPDATE.

Services never import aiogram: the cancel button's data is built here as
``BroadcastCb(a="x", id=…)`` packs it (tests/unit/test_broadcasts.py keeps them equal).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import (
    Attachment,
    Button,
    Outgoing,
    OutgoingMessage,
    Text,
    enqueue,
    enqueue_many,
)
from bot.services.safety import locale_sql
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from bot.services.users import Roles
from bot.services.volunteers import SKILLS
from models import (
    Broadcast,
    BroadcastStatus,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Territory,
    TipSubscription,
    User,
    Volunteer,
    VolunteerStatus,
)
from models.broadcast import LIVE_BROADCAST

KINDS = ("all", "volunteers", "citizens", "subscribers")
LANGUAGES = ("both", "ru", "kk")
LOCALES = ("ru", "kk")
ACTIVE_DAYS = (0, 7, 30, 90)  # 0: anyone
CHUNK = 500  # people a transaction: ~0.1 s of the single SQLite connection
PROGRESS_EVERY = timedelta(seconds=5)
WAITING_RECHECK = timedelta(minutes=5)  # counts while all that is left waits for the morning
TEXT_MAX = 4096  # a message
CAPTION_MAX = 1024  # a photo's caption
CANCELLED_REASON = "the broadcast was cancelled"


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str = "all"
    territory_ids: tuple[int, ...] = ()  # empty: everywhere (the HQ only)
    skill: str | None = None  # volunteers only
    language: str = "both"
    active_days: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["territory_ids"] = list(self.territory_ids)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        return cls(
            kind=str(data.get("kind", "all")),
            territory_ids=tuple(int(t) for t in data.get("territory_ids") or ()),
            skill=data.get("skill"),
            language=str(data.get("language", "both")),
            active_days=int(data.get("active_days") or 0),
        )

    def languages(self) -> tuple[str, ...]:
        return LOCALES if self.language == "both" else (self.language,)


def allowed(roles: Roles, audience: Audience, *, urgent: bool = False) -> bool:
    """The HQ may address anyone, urgently too; a territory coordinator only people of their
    own territories (so never everyone), never urgently."""
    if roles.is_hq:
        return True
    if urgent or not roles.is_coordinator or not audience.territory_ids:
        return False
    return all(roles.can_act_in(t) for t in audience.territory_ids)


def _approved(*where: Any) -> Any:
    return exists().where(
        Volunteer.user_id == User.id, Volunteer.status == VolunteerStatus.APPROVED, *where
    )


def conditions(
    audience: Audience, now: datetime, default_locale: str, *, languages: Sequence[str] = LOCALES
) -> list[Any]:
    """The audience as conditions on ``users`` (blocked people included: they are counted).
    ``languages``: only people who read one of these (the texts written)."""
    where: list[Any] = []
    skill = audience.skill if audience.skill in SKILLS else None
    skill_match = [cast(Volunteer.skills, String).like(f'%"{skill}"%')] if skill is not None else []
    territories = list(audience.territory_ids)
    if audience.kind == "volunteers":
        in_place = [Volunteer.territory_id.in_(territories)] if territories else []
        where.append(_approved(*skill_match, *in_place))
    else:
        if audience.kind == "citizens":
            where.append(~_approved())
        elif audience.kind == "subscribers":
            where.append(
                exists().where(
                    TipSubscription.user_id == User.id,
                    or_(TipSubscription.seasonal, TipSubscription.next_weekly_at.is_not(None)),
                )
            )
        if territories:
            where.append(
                or_(
                    _approved(Volunteer.territory_id.in_(territories)),
                    exists().where(
                        HelpRequest.requester_id == User.id,
                        HelpRequest.territory_id.in_(territories),
                    ),
                )
            )
    wanted = [lang for lang in audience.languages() if lang in languages]
    if len(wanted) < len(LOCALES):
        where.append(locale_sql(default_locale).in_(wanted) if wanted else False)
    if audience.active_days > 0:
        where.append(User.last_seen_at >= now - timedelta(days=audience.active_days))
    return where


@dataclass(frozen=True, slots=True)
class Composition:
    """Who the audience is now: readers of each language and those who blocked the bot."""

    by_locale: dict[str, int] = field(default_factory=dict)
    blocked: int = 0

    @property
    def reachable(self) -> int:
        return sum(self.by_locale.values())


async def composition(
    session: AsyncSession, audience: Audience, now: datetime, default_locale: str
) -> Composition:
    locale = locale_sql(default_locale).label("locale")
    rows = await session.execute(
        select(locale, User.blocked_bot, func.count())
        .where(*conditions(audience, now, default_locale))
        .group_by(locale, User.blocked_bot)
    )
    by_locale: dict[str, int] = {}
    blocked = 0
    for lang, is_blocked, count in rows.all():
        if is_blocked:
            blocked += int(count)
        else:
            by_locale[str(lang)] = by_locale.get(str(lang), 0) + int(count)
    return Composition(by_locale, blocked)


def missing_language(found: Composition, texts: Mapping[str, str | None]) -> tuple[str, int]:
    """(language, readers) of a language somebody in the audience reads but no text was
    written in; ("", 0) when every reader has their text."""
    for lang in LOCALES:
        readers = found.by_locale.get(lang, 0)
        if readers and not texts.get(lang):
            return lang, readers
    return "", 0


_TAG = re.compile(r"<[^>]+>")


def visible_length(text: str) -> int:
    """The length Telegram checks against its limits: of the text as shown (the HTML tags
    and entities of the stored text not counted), in UTF-16 code units, as Telegram counts."""
    shown = html.unescape(_TAG.sub("", text))
    return len(shown.encode("utf-16-le")) // 2


def too_long(text: str | None, *, photo: bool) -> bool:
    return text is not None and visible_length(text) > (CAPTION_MAX if photo else TEXT_MAX)


def message_of(text: str, locale: str, photo_file_id: str | None) -> OutgoingMessage:
    """What a recipient gets: the text as the author wrote it (Telegram's HTML), with the
    photo when there is one. The preview is built from the same."""
    attachment = Attachment("photo", file_id=photo_file_id) if photo_file_id else None
    return OutgoingMessage(Text(literal=text), locale=locale, attachment=attachment)


def cancel_data(broadcast_id: int) -> str:
    """``BroadcastCb(a="x", id=broadcast_id).pack()``."""
    return f"bc:x:{broadcast_id}"


def progress_key(broadcast_id: int, n: int = 0) -> str:
    return f"bcp:{broadcast_id}:{n}"


def subject(broadcast_id: int) -> str:
    return f"bc:{broadcast_id}"


# --- creating ----------------------------------------------------------------------------------
async def create(
    session: AsyncSession,
    *,
    author_id: int,
    audience: Audience,
    texts: Mapping[str, str | None],
    photo_file_id: str | None,
    urgent: bool,
    rate: float,
    now: datetime,
    form_token: str,
) -> tuple[Broadcast, bool]:
    """Store the broadcast and its author's progress message; the job does the rest. A
    second confirm of the same form finds the first (False). The caller commits."""
    made = await session.execute(
        insert_ignore(
            session,
            Broadcast,
            {
                "author_id": author_id,
                "status": BroadcastStatus.ENQUEUING.value,
                "audience": audience.to_json(),
                "text_ru": texts.get("ru"),
                "text_kk": texts.get("kk"),
                "photo_file_id": photo_file_id,
                "urgent": urgent,
                "rate": rate,
                "form_token": form_token,
                "cursor": 0,
                "enqueued": 0,
                "skipped_blocked": 0,
                "deferred": 0,
                "progress_edits": 0,
                "sent": 0,
                "failed": 0,
                "blocked": 0,
                "cancelled": 0,
                "created_at": now,
            },
        )
    )
    broadcast = await session.scalar(select(Broadcast).where(Broadcast.form_token == form_token))
    assert broadcast is not None
    fresh = bool(getattr(made, "rowcount", 0))
    if fresh:
        await enqueue(
            session,
            chat_id=author_id,
            message=OutgoingMessage(
                Text(key="broadcast-progress-start", args={"id": broadcast.id}),
                buttons=_cancel_button(broadcast.id),
            ),
            key=progress_key(broadcast.id),
            now=now,
            priority=Priority.URGENT,
        )
    return broadcast, fresh


def _cancel_button(broadcast_id: int) -> list[list[Button]]:
    return [[Button(Text(key="btn-broadcast-cancel"), cancel_data(broadcast_id))]]


# --- enqueueing ----------------------------------------------------------------------------------
def _zone_sql() -> Any:
    """The person's zone: their volunteer territory's, else their latest request's, else
    their tips subscription's; NULL: the HQ's."""
    volunteer = (
        select(Territory.timezone)
        .join(Volunteer, Volunteer.territory_id == Territory.id)
        .where(Volunteer.user_id == User.id, Volunteer.status == VolunteerStatus.APPROVED)
        .limit(1)
        .scalar_subquery()
    )
    request = (
        select(Territory.timezone)
        .join(HelpRequest, HelpRequest.territory_id == Territory.id)
        .where(HelpRequest.requester_id == User.id)
        .order_by(HelpRequest.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    tips = (
        select(TipSubscription.timezone)
        .where(TipSubscription.user_id == User.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(volunteer, request, tips)


def _zone(name: str | None, default: ZoneInfo, cache: dict[str, ZoneInfo]) -> ZoneInfo:
    if not name:
        return default
    if name not in cache:
        try:
            cache[name] = ZoneInfo(name)
        except (KeyError, ValueError):
            cache[name] = default
    return cache[name]


def texts_of(broadcast: Broadcast) -> dict[str, str | None]:
    return {"ru": broadcast.text_ru, "kk": broadcast.text_kk}


async def enqueue_chunk(
    session: AsyncSession,
    broadcast: Broadcast,
    now: datetime,
    *,
    quiet: QuietHours,
    default_locale: str,
    default_zone: ZoneInfo,
    limit: int = CHUNK,
) -> int:
    """Enqueue the next ``limit`` people after the cursor; returns how many were looked at
    (0: the audience is done, or the broadcast was cancelled meanwhile). The caller commits:
    the rows and the cursor go together."""
    texts = texts_of(broadcast)
    written = [lang for lang in LOCALES if texts.get(lang)]
    audience = Audience.from_json(broadcast.audience)
    locale = locale_sql(default_locale).label("locale")
    rows = (
        await session.execute(
            select(User.id, locale, User.blocked_bot, _zone_sql().label("zone"))
            .where(
                User.id > broadcast.cursor,
                *conditions(audience, now, default_locale, languages=written),
            )
            .order_by(User.id)
            .limit(limit)
        )
    ).all()
    if not rows:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.ENQUEUING)
            .values(status=BroadcastStatus.SENDING, enqueued_at=now)
        )
        return 0
    zones: dict[str, ZoneInfo] = {}
    items: list[Outgoing] = []
    skipped = deferred = 0
    messages = {
        lang: message_of(str(texts[lang]), lang, broadcast.photo_file_id) for lang in written
    }
    for user_id, lang, is_blocked, zone in rows:
        if is_blocked:
            skipped += 1
            continue
        due = now if broadcast.urgent else quiet.defer(now, _zone(zone, default_zone, zones))
        deferred += due > now
        items.append(
            Outgoing(
                chat_id=user_id,
                message=messages[lang],
                key=f"{subject(broadcast.id)}:{user_id}",
                priority=Priority.BULK,
                not_before=due,
            )
        )
    await enqueue_many(session, items, now, look_up_originals=False)
    moved = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast.id,
            Broadcast.status == BroadcastStatus.ENQUEUING,
            Broadcast.cursor == broadcast.cursor,
        )
        .values(
            cursor=rows[-1][0],
            enqueued=Broadcast.enqueued + len(items),
            skipped_blocked=Broadcast.skipped_blocked + skipped,
            deferred=Broadcast.deferred + deferred,
        )
    )
    if not getattr(moved, "rowcount", 0):
        await session.rollback()  # cancelled (or another process moved on): none of it
        return 0
    return len(rows)


# --- progress ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Progress:
    enqueued: int
    sent: int
    failed: int
    blocked: int  # blocked before (skipped at enqueue) and found blocked while sending
    cancelled: int
    due: int  # pending and due, or being sent
    waiting: int  # pending until the quiet hours end in the person's zone
    eta_minutes: int

    @property
    def settled(self) -> bool:
        return self.due == 0 and self.waiting == 0

    def seen(self, status: str) -> str:
        return (
            f"{status}:{self.enqueued}:{self.sent}:{self.failed}:{self.blocked}:"
            f"{self.cancelled}:{self.due}:{self.waiting}"
        )

    def args(self) -> dict[str, int]:
        return {
            "enqueued": self.enqueued,
            "sent": self.sent,
            "failed": self.failed,
            "blocked": self.blocked,
            "cancelled": self.cancelled,
            "left": self.due + self.waiting,
            "waiting": self.waiting,
            "eta": self.eta_minutes,
        }


async def progress(session: AsyncSession, broadcast: Broadcast, now: datetime) -> Progress:
    """One grouped count over the broadcast's rows (the subject's index)."""
    later = (OutboxMessage.next_attempt_at > now).label("later")
    rows = await session.execute(
        select(OutboxMessage.status, later, func.count())
        .where(OutboxMessage.subject == subject(broadcast.id))
        .group_by(OutboxMessage.status, later)
    )
    counts: dict[str, int] = {}
    waiting = 0
    for status, is_later, count in rows.all():
        if status == OutboxStatus.PENDING and is_later:
            # A retry after a 429 is a few seconds off; the quiet hours are hours off.
            waiting += int(count)
        counts[status] = counts.get(status, 0) + int(count)
    due = counts.get(OutboxStatus.PENDING, 0) - waiting + counts.get(OutboxStatus.SENDING, 0)
    retrying = 0
    if waiting:
        soon = await session.scalar(
            select(func.count()).where(
                OutboxMessage.subject == subject(broadcast.id),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at > now,
                OutboxMessage.not_before <= now,
            )
        )
        retrying = int(soon or 0)
    due += retrying
    waiting -= retrying
    if counts.get(OutboxStatus.SKIPPED):
        # Skipped by a cancel while a worker sent it: Telegram may still accept it (it then
        # becomes sent); the report waits for that answer, or for the lease to lapse.
        due += int(
            await session.scalar(
                select(func.count()).where(
                    OutboxMessage.subject == subject(broadcast.id),
                    OutboxMessage.status == OutboxStatus.SKIPPED,
                    OutboxMessage.leased_until > now,
                )
            )
            or 0
        )
    rate = broadcast.rate if broadcast.rate > 0 else 1.0
    return Progress(
        enqueued=broadcast.enqueued,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        blocked=broadcast.skipped_blocked + counts.get(OutboxStatus.BLOCKED, 0),
        cancelled=counts.get(OutboxStatus.SKIPPED, 0),
        due=due,
        waiting=waiting,
        eta_minutes=math.ceil(due / rate / 60) if due else 0,
    )


async def report_progress(
    session: AsyncSession, broadcast: Broadcast, now: datetime, *, force: bool = False
) -> Progress | None:
    """Edit the author's progress message when its figures changed and ``PROGRESS_EVERY``
    passed; when every row is settled (or the broadcast was cancelled and nothing is in
    flight), the last edit, the final report and the figures kept on the row. Returns the
    progress it showed (None: nothing to show yet). The caller commits."""
    if broadcast.finished_at is not None:
        return None
    if (
        not force
        and broadcast.progress_at is not None
        and now - broadcast.progress_at < PROGRESS_EVERY
    ):
        return None  # not even counted: the count reads every row of the broadcast
    current = await progress(session, broadcast, now)
    status = broadcast.status
    finishing = (status == BroadcastStatus.SENDING and current.settled) or (
        status == BroadcastStatus.CANCELLED and current.due == 0
    )
    if status == BroadcastStatus.CANCELLED and finishing:
        # Rows left waiting for the morning are cancelled too (the cancel caught most).
        await skip_pending(session, broadcast.id)
        current = await progress(session, broadcast, now)
    seen = current.seen(status)
    if not finishing and seen == broadcast.progress_seen:
        # Nothing changed: not counted again before PROGRESS_EVERY, nor, while everything
        # left waits for the morning, for a few minutes (each count reads every row: 0.1 s of
        # SQLite's connection for 100,000 people, every tick of the night before).
        idle = current.due == 0 and current.waiting > 0
        await session.execute(  # unless a cancel came meanwhile: it must report at once
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == status)
            .values(progress_at=now + (WAITING_RECHECK - PROGRESS_EVERY if idle else timedelta(0)))
        )
        return None
    n = broadcast.progress_edits + 1
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.progress_edits == broadcast.progress_edits)
        .values(progress_edits=n, progress_at=now, progress_seen=seen)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    if finishing:
        key = (
            "broadcast-progress-cancelled"
            if status == BroadcastStatus.CANCELLED
            else ("broadcast-progress-done")
        )
        buttons: list[list[Button]] = []
    else:
        key = "broadcast-progress"
        buttons = _cancel_button(broadcast.id)
    args: dict[str, str | int] = {"id": broadcast.id, **current.args()}
    # An edit still waiting shows older figures than this one: it goes (never sent, nothing
    # refers to it), so a slow chat never works through a backlog of stale progress.
    await session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.edit_key == progress_key(broadcast.id),
            OutboxMessage.chat_id == broadcast.author_id,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .execution_options(synchronize_session=False)
    )
    await enqueue(
        session,
        chat_id=broadcast.author_id,
        message=OutgoingMessage(Text(key=key, args=args), buttons=buttons),
        key=progress_key(broadcast.id, n),
        now=now,
        edit_key=progress_key(broadcast.id),
    )
    if finishing:
        await _finish(session, broadcast, current, now)
    return current


async def _finish(
    session: AsyncSession, broadcast: Broadcast, final: Progress, now: datetime
) -> None:
    values: dict[str, Any] = {
        "finished_at": now,
        "sent": final.sent,
        "failed": final.failed,
        "blocked": final.blocked,
        "cancelled": final.cancelled,
    }
    if broadcast.status == BroadcastStatus.SENDING:
        values["status"] = BroadcastStatus.DONE
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast.id).values(values))
    started = broadcast.created_at
    minutes = max(0, math.ceil((now - started).total_seconds() / 60))
    await enqueue(
        session,
        chat_id=broadcast.author_id,
        message=OutgoingMessage(
            Text(
                key="broadcast-report",
                args={
                    "id": broadcast.id,
                    "cancelled_flag": "yes" if broadcast.status == "cancelled" else "no",
                    "minutes": minutes,
                    **final.args(),
                },
            )
        ),
        key=f"bcr:{broadcast.id}",
        now=now,
    )


# --- cancelling ----------------------------------------------------------------------------------
async def skip_pending(session: AsyncSession, broadcast_id: int) -> int:
    """Skip the broadcast's rows not yet sent. Rows a worker holds are skipped too: one that
    then met a 429 or a 5xx would otherwise go back to pending and out after the cancel (the
    worker's retry and release only touch rows still "sending"); one that Telegram accepted
    anyway becomes sent as a late answer (outbox.late_answer), so the counts stay true."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.subject == subject(broadcast_id),
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        # The lease stays: a skipped row still leased is a send in flight (see progress).
        .values(status=OutboxStatus.SKIPPED, last_error=CANCELLED_REASON)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def cancel(
    session: AsyncSession, broadcast_id: int, actor_id: int, now: datetime
) -> int | None:
    """Stop a live broadcast: no more rows are enqueued and its unsent ones are skipped (the
    few already with Telegram arrive; none is sent again). Returns how many were skipped;
    None: it was not live. The caller commits."""
    stopped = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(LIVE_BROADCAST))
        # progress_at cleared: the next tick reports at once, whatever back-off it had
        .values(status=BroadcastStatus.CANCELLED, cancelled_by=actor_id, progress_at=None)
    )
    if not getattr(stopped, "rowcount", 0):
        return None
    return await skip_pending(session, broadcast_id)


async def live_ids(session: AsyncSession) -> list[int]:
    return list(
        (
            await session.scalars(
                select(Broadcast.id).where(Broadcast.finished_at.is_(None)).order_by(Broadcast.id)
            )
        ).all()
    )


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)
