"""The safety library (issue 18): tips by topic in Russian and Kazakh, a weekly tip and
seasonal alerts for those who subscribed.

- Tips ship as data files (bot/data/tips/*.yaml) and are loaded into ``safety_tips`` at every
  start (``load_tips``): new ones added, changed ones updated, by their ``code``. A tip a
  coordinator added or edited in the bot has ``source = "coordinator"`` and the loader never
  touches it again.
- Seasons (``SEASONS``): fire in the heating season, ice in late autumn and spring, water in
  summer, heat in July, frost in winter. In a season, every ``ROUND_DAYS`` days from its start
  (at ``ROUND_HOUR`` in the HQ's zone) one round goes out: ``seasonal_round`` writes its
  ``tip_rounds`` row, one set-based INSERT … SELECT into the outbox per time zone (the moment
  after that zone's quiet hours) and one UPDATE of everyone's ``last_tip_id``, in one
  transaction: a second run finds the round's row and does nothing. Whoever got the round's
  tip last time gets the season's next one, so nobody gets the same tip twice in a row.
- The weekly tip: ``weekly_due`` claims the subscriptions due (their day and time in their
  zone), enqueues each one's next tip and moves them a week on.

Texts are plain (a coordinator's too): they are escaped when rendered.
"""

from __future__ import annotations

import html
import importlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import (
    JSON,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.outbox import Button, Outgoing, OutgoingMessage, Text, enqueue_many
from bot.services.sql import insert_ignore
from bot.services.timing import QuietHours
from models import (
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    Priority,
    SafetyTip,
    Territory,
    TipRound,
    TipSubscription,
    User,
    Volunteer,
)
from models.base import UTCDateTime

logger = logging.getLogger(__name__)

TOPICS = ("fire", "water", "weather", "fraud", "health", "emergency")
TOPIC_EMOJI = {
    "fire": "🔥",
    "water": "🧊",
    "weather": "🌡",
    "fraud": "🛡",
    "health": "💉",
    "emergency": "🚨",
}
LOCALES = ("ru", "kk")
TITLE_MAX = 100
TEXT_MAX = 3000  # a Telegram message holds 4096 characters: the title and escapes fit too


@dataclass(frozen=True, slots=True)
class Window:
    """Part of the year a season covers (``end`` may be in the next year)."""

    season: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]


SEASONS: tuple[Window, ...] = (
    Window("heating", (10, 1), (4, 30)),  # the heating season: fire at home
    Window("ice", (11, 1), (12, 20)),  # first ice, late autumn
    Window("ice", (3, 1), (4, 15)),  # breaking ice, spring
    Window("frost", (12, 1), (2, 28)),
    Window("summer", (6, 1), (8, 31)),  # water
    Window("heat", (7, 1), (7, 31)),
)
SEASON_NAMES = ("heating", "ice", "frost", "summer", "heat")
ROUND_DAYS = 14
CATCH_UP_DAYS = 1
# When two seasons' rounds fall on one day, one goes: the most urgent.
SEASON_PRIORITY = ("ice", "heat", "heating", "frost", "summer")
ROUND_HOUR = time(10, 0)  # HQ's local time a round goes out (zones in quiet hours wait)
WEEKLY_BATCH = 500
WEEKLY_TIMES = (9 * 60, 11 * 60, 13 * 60, 16 * 60, 19 * 60)  # choices, local minutes of day


class TipFileError(ValueError):
    """A tips data file that cannot be loaded; the message names the file and the tip."""


# --- data files ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TipData:
    code: str
    topic: str
    season: str | None
    position: int
    title: Mapping[str, str]
    text: Mapping[str, str]


@dataclass(slots=True)
class LoadReport:
    added: int = 0
    updated: int = 0
    kept: int = 0  # edited by a coordinator: left alone
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"safety tips: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.kept} kept as a coordinator edited them"
        )


def tip_files() -> list[Path]:
    folder = Path(str(files("bot.data") / "tips"))
    return sorted(folder.glob("*.yaml"))


def parse_tips(text: str, name: str) -> list[TipData]:
    """The tips of one file, or TipFileError naming what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TipFileError(f"{name}: not YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("topic") not in TOPICS:
        raise TipFileError(f"{name}: needs 'topic' (one of {', '.join(TOPICS)}) and 'tips'")
    topic = str(data["topic"])
    tips = data.get("tips")
    if not isinstance(tips, list) or not tips:
        raise TipFileError(f"{name}: 'tips' must be a non-empty list")
    result = []
    for n, item in enumerate(tips):
        where = f"{name}, tip {n + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise TipFileError(f"{where}: needs a 'code'")
        code = item["code"].strip()
        season = item.get("season")
        if season is not None and season not in SEASON_NAMES:
            raise TipFileError(f"{where} ({code}): unknown season {season!r}")
        title, body = item.get("title"), item.get("text")
        for label, value, limit in (("title", title, TITLE_MAX), ("text", body, TEXT_MAX)):
            if not isinstance(value, dict):
                raise TipFileError(f"{where} ({code}): '{label}' needs ru and kk")
            for locale in LOCALES:
                piece = value.get(locale)
                if not isinstance(piece, str) or not piece.strip():
                    raise TipFileError(f"{where} ({code}): '{label}' has no {locale}")
                if len(piece.strip()) > limit:
                    raise TipFileError(f"{where} ({code}): {label}.{locale} over {limit}")
        assert isinstance(title, dict) and isinstance(body, dict)
        result.append(
            TipData(
                code=code[:64],
                topic=topic,
                season=season,
                position=n,
                title={loc: title[loc].strip() for loc in LOCALES},
                text={loc: body[loc].strip() for loc in LOCALES},
            )
        )
    return result


def read_tip_files(paths: Iterable[Path] | None = None) -> list[TipData]:
    tips: list[TipData] = []
    for path in tip_files() if paths is None else paths:
        tips.extend(parse_tips(path.read_text(encoding="utf-8"), path.name))
    codes = [tip.code for tip in tips]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise TipFileError(f"tip codes used twice: {', '.join(duplicates)}")
    return tips


async def load_tips(
    session: AsyncSession, now: datetime, tips: Sequence[TipData] | None = None
) -> LoadReport:
    """Add the data files' new tips and update the changed ones (by code); tips a
    coordinator added or edited are left alone. Idempotent; the caller commits."""
    tips = read_tip_files() if tips is None else tips
    existing = {
        tip.code: tip
        for tip in (
            await session.scalars(
                select(SafetyTip).where(SafetyTip.code.in_([t.code for t in tips]))
            )
        ).all()
    }
    report = LoadReport()
    for data in tips:
        row = existing.get(data.code)
        values = {
            "topic": data.topic,
            "season": data.season,
            "position": data.position,
            "title_ru": data.title["ru"],
            "title_kk": data.title["kk"],
            "text_ru": data.text["ru"],
            "text_kk": data.text["kk"],
        }
        if row is None:
            session.add(
                SafetyTip(code=data.code, source="file", created_at=now, updated_at=now, **values)
            )
            report.added += 1
        elif row.source != "file":
            report.kept += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
        report.codes.append(data.code)
    await session.flush()
    return report


# --- reading ---------------------------------------------------------------------------------
def render_tip(tip: SafetyTip, locale: str) -> str:
    """A tip as the person reads it: its topic's sign, the title in bold, the text."""
    emoji = TOPIC_EMOJI.get(tip.topic, "•")
    return f"{emoji} <b>{html.escape(tip.title(locale))}</b>\n\n{html.escape(tip.body(locale))}"


def render_parts(topic: str, title: str, text: str) -> str:
    """``render_tip`` of a tip not stored yet (the coordinator's preview)."""
    emoji = TOPIC_EMOJI.get(topic, "•")
    return f"{emoji} <b>{html.escape(title)}</b>\n\n{html.escape(text)}"


async def tips_of(session: AsyncSession, topic: str) -> list[SafetyTip]:
    return list(
        (
            await session.scalars(
                select(SafetyTip)
                .where(SafetyTip.topic == topic, SafetyTip.active)
                .order_by(SafetyTip.position, SafetyTip.id)
            )
        ).all()
    )


async def get_tip(session: AsyncSession, tip_id: int) -> SafetyTip | None:
    tip = await session.get(SafetyTip, tip_id)
    return tip if tip is not None and tip.active else None


# --- seasons ---------------------------------------------------------------------------------
def _window_start(window: Window, day: date) -> date | None:
    """The start of ``window``'s occurrence that covers ``day``, or None."""
    for year in (day.year, day.year - 1):
        start = date(year, *window.start)
        end_year = year if window.end >= window.start else year + 1
        end = date(end_year, *window.end)
        if window.end == (2, 28) and end_year % 4 == 0:
            end = date(end_year, 2, 29)
        if start <= day <= end:
            return start
    return None


def seasons_on(day: date) -> list[tuple[str, date]]:
    """The seasons ``day`` is in, each with the start of its window."""
    found = []
    for window in SEASONS:
        start = _window_start(window, day)
        if start is not None:
            found.append((window.season, start))
    return found


@dataclass(frozen=True, slots=True)
class Round:
    season: str
    start: date
    index: int

    @property
    def key(self) -> str:
        return f"{self.season}:{self.start.isoformat()}:{self.index}"

    @property
    def day(self) -> date:
        return self.start + timedelta(days=ROUND_DAYS * self.index)


def rounds_due(now: datetime, hq_zone: ZoneInfo) -> list[Round]:
    """The rounds that may go out now, most important first: a round goes on its day from
    ROUND_HOUR (HQ time), or the next day if the bot was down (older ones are not sent in a
    burst). The job sends at most one of them a day (``SEASON_PRIORITY``)."""
    local = now.astimezone(hq_zone)
    due = []
    for season, start in seasons_on(local.date()):
        days = (local.date() - start).days
        late = days % ROUND_DAYS
        if late > CATCH_UP_DAYS or (late == 0 and local.time() < ROUND_HOUR):
            continue
        due.append(Round(season, start, days // ROUND_DAYS))
    return sorted(due, key=lambda r: SEASON_PRIORITY.index(r.season))


async def round_done(session: AsyncSession, round_: Round) -> bool:
    return await session.get(TipRound, round_.key) is not None


async def season_tips(session: AsyncSession, season: str) -> list[int]:
    return list(
        (
            await session.scalars(
                select(SafetyTip.id)
                .where(SafetyTip.season == season, SafetyTip.active)
                .order_by(SafetyTip.topic, SafetyTip.position, SafetyTip.id)
            )
        ).all()
    )


def push_buttons(topic: str, what: str) -> list[list[Button]]:
    """Under a pushed tip: more of its topic, and unsubscribing in one tap."""
    return [
        [Button(Text(key="btn-tips-more"), callback("tm", topic))],
        [Button(Text(key="btn-tips-unsubscribe"), callback("po", what))],
    ]


def callback(action: str, value: str) -> str:
    """``SafetyCb(a=action, v=value).pack()`` (bot/keyboards/callbacks.py), built here so the
    service needs no aiogram; tests/unit/test_tips.py keeps the two the same."""
    return f"sf:{action}:0:{value}"


def push_payload(tip: SafetyTip, locale: str, what: str) -> dict[str, Any]:
    message = OutgoingMessage(
        Text(literal=render_tip(tip, locale)), buttons=push_buttons(tip.topic, what), locale=locale
    )
    return message.to_payload()


def locale_sql(default_locale: str) -> Any:
    """The recipient's language as SQL: ``negotiate_locale`` (their choice, else Telegram's
    language_code, else the deployment's default)."""
    code = func.lower(func.substr(User.language_code, 1, 2))
    return case(
        (User.locale.in_(LOCALES), User.locale),
        (code.in_(LOCALES), code),
        else_=literal(default_locale),
    )


@dataclass(frozen=True, slots=True)
class RoundResult:
    key: str
    enqueued: int
    zones: int


async def seasonal_round(
    session: AsyncSession,
    round_: Round,
    now: datetime,
    *,
    quiet: QuietHours,
    default_locale: str,
) -> RoundResult | None:
    """Enqueue one seasonal round to every seasonal subscriber, set-based, one statement per
    time zone; None when the round was sent already (or the season has no tips). The caller
    commits: the round's row, its messages and the subscribers' last tips go together."""
    ids = await season_tips(session, round_.season)
    if not ids:
        return None
    main_id = ids[round_.index % len(ids)]
    other_id = ids[(round_.index + 1) % len(ids)]
    claimed = await session.execute(
        insert_ignore(
            session,
            TipRound,
            {
                "key": round_.key,
                "tip_ids": f"{main_id},{other_id}",
                "enqueued": 0,
                "created_at": now,
            },
        )
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    tips = {tip.id: tip for tip in (await session.scalars(
        select(SafetyTip).where(SafetyTip.id.in_({main_id, other_id}))
    )).all()}  # fmt: skip
    is_pg = session.get_bind().dialect.name == "postgresql"

    def tip_json(tip_id: int, locale: str) -> Any:
        import json

        text = json.dumps(push_payload(tips[tip_id], locale, "s"), ensure_ascii=False)
        # Written as it is (UTF-8, not \u escapes): SQLite keeps the text, PostgreSQL casts it.
        value = literal(text, String())
        return cast(value, JSON) if is_pg else value

    locale = locale_sql(default_locale)
    repeat = TipSubscription.last_tip_id == main_id
    body = case(
        (and_(repeat, locale == "kk"), tip_json(other_id, "kk")),
        (repeat, tip_json(other_id, "ru")),
        (locale == "kk", tip_json(main_id, "kk")),
        else_=tip_json(main_id, "ru"),
    )
    prefix = f"tip:s:{round_.key}:"
    key = literal(prefix) + cast(TipSubscription.user_id, String())
    zones = (
        await session.scalars(
            select(TipSubscription.timezone).where(TipSubscription.seasonal).distinct()
        )
    ).all()
    total = 0
    for zone in zones:
        due = quiet.defer(now, _zone(zone))
        when = literal(due, UTCDateTime())
        rows = (
            select(
                key,
                literal("tips"),
                TipSubscription.user_id,
                literal(int(Priority.BULK), Integer()),
                body,
                literal(False),
                literal(False),
                literal(OutboxStatus.PENDING.value),
                literal(0, Integer()),
                when,
                when,
                literal(now, UTCDateTime()),
            )
            .select_from(TipSubscription)
            .join(User, User.id == TipSubscription.user_id)
            .where(TipSubscription.seasonal, TipSubscription.timezone == zone, ~User.blocked_bot)
        )
        insert = _insert(session).from_select(
            [
                "idempotency_key",
                "subject",
                "chat_id",
                "priority",
                "payload",
                "personal",
                "hide",
                "status",
                "attempts",
                "not_before",
                "next_attempt_at",
                "created_at",
            ],
            rows,
        )
        result = await session.execute(insert.on_conflict_do_nothing())
        total += int(getattr(result, "rowcount", 0) or 0)
    await session.execute(
        update(TipSubscription)
        .where(TipSubscription.seasonal)
        .values(last_tip_id=case((TipSubscription.last_tip_id == main_id, other_id), else_=main_id))
        .execution_options(synchronize_session=False)
    )
    await session.execute(update(TipRound).where(TipRound.key == round_.key).values(enqueued=total))
    session.info["outbox_enqueued"] = True  # wake the delivery worker after the commit
    return RoundResult(round_.key, total, len(zones))


def _insert(session: AsyncSession) -> Any:
    dialect = importlib.import_module(f"sqlalchemy.dialects.{session.get_bind().dialect.name}")
    return dialect.insert(OutboxMessage)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # a zone gone from tzdata: fall back to UTC, not fail
        return ZoneInfo("UTC")


# --- subscriptions ---------------------------------------------------------------------------
async def zone_for(session: AsyncSession, user_id: int, default_zone: str) -> str:
    """The person's time zone: their volunteer territory's, else the territory of their latest
    help request, else the HQ's."""
    zone = await session.scalar(
        select(Territory.timezone)
        .join(Volunteer, Volunteer.territory_id == Territory.id)
        .where(Volunteer.user_id == user_id)
        .limit(1)
    )
    if zone is None:
        zone = await session.scalar(
            select(Territory.timezone)
            .join(HelpRequest, HelpRequest.territory_id == Territory.id)
            .where(HelpRequest.requester_id == user_id)
            .order_by(HelpRequest.id.desc())
            .limit(1)
        )
    return zone or default_zone


async def subscription(session: AsyncSession, user_id: int) -> TipSubscription | None:
    return await session.get(TipSubscription, user_id)


def next_weekly(weekday: int, minute: int, zone: ZoneInfo, after: datetime) -> datetime:
    """The first moment strictly after ``after`` that is ``weekday`` at ``minute`` in ``zone``."""
    local = after.astimezone(zone)
    at = time(minute // 60, minute % 60)
    for offset in range(0, 8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("a weekday comes within eight days")


async def _row(
    session: AsyncSession, user_id: int, now: datetime, default_zone: str
) -> TipSubscription:
    row = await session.get(TipSubscription, user_id, with_for_update=True)
    zone = await zone_for(session, user_id, default_zone)
    if row is None:
        row = TipSubscription(
            user_id=user_id, timezone=zone, seasonal=False, weekly_count=0,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(row)
    else:
        row.timezone = zone
        row.updated_at = now
    return row


async def subscribe_weekly(
    session: AsyncSession,
    user_id: int,
    weekday: int,
    minute: int,
    now: datetime,
    default_zone: str,
) -> TipSubscription:
    if not 0 <= weekday <= 6 or not 0 <= minute < 24 * 60:
        raise ValueError("no such day or time")
    row = await _row(session, user_id, now, default_zone)
    row.weekday, row.minute = weekday, minute
    row.next_weekly_at = next_weekly(weekday, minute, _zone(row.timezone), now)
    await session.flush()
    return row


async def subscribe_seasonal(
    session: AsyncSession, user_id: int, now: datetime, default_zone: str
) -> TipSubscription:
    row = await _row(session, user_id, now, default_zone)
    row.seasonal = True
    await session.flush()
    return row


async def unsubscribe(session: AsyncSession, user_id: int, what: str, now: datetime) -> bool:
    """``what``: "w" the weekly tip, "s" seasonal alerts, "all" both. False: there was
    nothing to unsubscribe from."""
    values: dict[str, Any] = {"updated_at": now}
    condition: Any
    if what in ("w", "all"):
        values.update(weekday=None, minute=None, next_weekly_at=None)
    if what in ("s", "all"):
        values["seasonal"] = False
    if what == "w":
        condition = TipSubscription.next_weekly_at.is_not(None)
    elif what == "s":
        condition = TipSubscription.seasonal
    else:
        condition = TipSubscription.seasonal | TipSubscription.next_weekly_at.is_not(None)
    result = await session.execute(
        update(TipSubscription)
        .where(TipSubscription.user_id == user_id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def forget(session: AsyncSession, user_id: int) -> None:
    """Erasure: the person's subscriptions go."""
    await session.execute(delete(TipSubscription).where(TipSubscription.user_id == user_id))


# --- the weekly tip --------------------------------------------------------------------------
def pick(ordered: Sequence[int], count: int, last: int | None) -> int:
    """The ``count``-th tip of ``ordered`` (cycling), the following one if it is ``last``."""
    choice = ordered[count % len(ordered)]
    if choice == last and len(ordered) > 1:
        choice = ordered[(count + 1) % len(ordered)]
    return choice


async def weekly_order(session: AsyncSession, day: date) -> list[SafetyTip]:
    """Every tip, the seasons' of ``day`` first, then by topic and position."""
    in_season = {season for season, _ in seasons_on(day)}
    tips = (await session.scalars(select(SafetyTip).where(SafetyTip.active))).all()
    order = {topic: n for n, topic in enumerate(TOPICS)}
    return sorted(
        tips,
        key=lambda t: (t.season not in in_season, order.get(t.topic, 99), t.position, t.id),
    )


async def weekly_due(
    session: AsyncSession,
    now: datetime,
    *,
    quiet: QuietHours,
    default_locale: str,
    hq_zone: ZoneInfo,
    limit: int = WEEKLY_BATCH,
) -> int:
    """Enqueue the weekly tip of up to ``limit`` subscriptions due by ``now`` and move each a
    week on (rows claimed with SKIP LOCKED on PostgreSQL). Returns how many were due. The
    caller commits."""
    due_rows = (
        await session.execute(
            select(TipSubscription, User.locale, User.language_code, User.blocked_bot)
            .join(User, User.id == TipSubscription.user_id)
            .where(TipSubscription.next_weekly_at <= now)
            .order_by(TipSubscription.next_weekly_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=TipSubscription)
        )
    ).all()
    if not due_rows:
        return 0
    from bot.services.language import negotiate_locale

    ordered = await weekly_order(session, now.astimezone(hq_zone).date())
    by_id = {tip.id: tip for tip in ordered}
    ids = [tip.id for tip in ordered]
    items: list[Outgoing] = []
    for row, chosen, language_code, blocked in due_rows:
        sub: TipSubscription = row
        zone = _zone(sub.timezone)
        due = sub.next_weekly_at
        assert due is not None and sub.weekday is not None and sub.minute is not None
        sub.next_weekly_at = next_weekly(sub.weekday, sub.minute, zone, max(due, now))
        sub.updated_at = now
        if not ids or blocked:
            continue
        tip_id = pick(ids, sub.weekly_count, sub.last_tip_id)
        locale = negotiate_locale(chosen, language_code, default_locale)
        tip = by_id[tip_id]
        items.append(
            Outgoing(
                chat_id=sub.user_id,
                message=OutgoingMessage(
                    Text(literal=render_tip(tip, locale)),
                    buttons=push_buttons(tip.topic, "w"),
                    locale=locale,
                ),
                key=f"tip:w:{sub.user_id}:{due.astimezone(UTC):%Y%m%d%H%M}",
                priority=Priority.BULK,
                not_before=quiet.defer(now, zone),
            )
        )
        sub.weekly_count += 1
        sub.last_tip_id = tip_id
    await enqueue_many(session, items, now)
    await session.flush()
    return len(due_rows)


# A handler's view of someone's subscriptions.
@dataclass(frozen=True, slots=True)
class Subscriptions:
    weekly: bool
    weekday: int | None
    minute: int | None
    seasonal: bool
    timezone: str | None


async def subscriptions_of(session: AsyncSession, user_id: int) -> Subscriptions:
    row = await session.get(TipSubscription, user_id, populate_existing=True)
    if row is None:
        return Subscriptions(False, None, None, False, None)
    return Subscriptions(
        row.next_weekly_at is not None, row.weekday, row.minute, row.seasonal, row.timezone
    )


# --- coordinators ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TipDraft:
    topic: str
    season: str | None
    title_ru: str
    title_kk: str
    text_ru: str
    text_kk: str


def split_tip(text: str) -> tuple[str, str] | None:
    """A coordinator's tip as typed: the first line is the title, the rest the text."""
    lines = text.strip().split("\n", 1)
    if len(lines) < 2:
        return None
    title, body = lines[0].strip(), lines[1].strip()
    if not 3 <= len(title) <= TITLE_MAX or not 10 <= len(body) <= TEXT_MAX:
        return None
    return title, body


async def save_tip(
    session: AsyncSession,
    draft: TipDraft,
    *,
    actor_id: int,
    now: datetime,
    tip_id: int | None = None,
    form_token: str | None = None,
) -> tuple[SafetyTip, bool]:
    """Add a tip, or edit ``tip_id``: either way it is the coordinators' from now on and the
    loader leaves it alone. Returns the tip and whether this call made the change (a double
    tap on «Подтвердить» finds the tip its form already added)."""
    if draft.topic not in TOPICS or (draft.season is not None and draft.season not in SEASON_NAMES):
        raise ValueError("unknown topic or season")
    values = {
        "topic": draft.topic,
        "season": draft.season,
        "title_ru": draft.title_ru,
        "title_kk": draft.title_kk,
        "text_ru": draft.text_ru,
        "text_kk": draft.text_kk,
        "source": "coordinator",
        "edited_by": actor_id,
        "updated_at": now,
    }
    if form_token is not None:
        done = await session.scalar(select(SafetyTip).where(SafetyTip.form_token == form_token))
        if done is not None:
            return done, False
    if tip_id is not None:
        tip = await session.get(SafetyTip, tip_id)
        if tip is None:
            raise LookupError(tip_id)
        for name, value in values.items():
            setattr(tip, name, value)
        tip.form_token = form_token
        await session.flush()
        return tip, True
    last = await session.scalar(
        select(func.max(SafetyTip.position)).where(SafetyTip.topic == draft.topic)
    )
    tip = SafetyTip(
        code=f"c-{form_token or int(now.timestamp())}"[:64],
        position=(last or 0) + 1,
        active=True,
        form_token=form_token,
        created_at=now,
        **values,
    )
    session.add(tip)
    await session.flush()
    return tip, True
