"""Recognition on the coordinators' side (issue 20): «🏅 Name» under a month's «Лучший
доброволец» proposal gives the award (one a territory a month; the second press is told who
has it), and /dobro exports their territories' volunteer hours for DOBRO.RF (XLSX + CSV,
audited)."""

from __future__ import annotations

import re
from datetime import date

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.keyboards.callbacks import AwardCb, VolunteerCb
from bot.services import audit, recognition
from bot.services.recognition import AwardOutcome, Period, hours_text
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.scope import volunteer_in_scope
from handlers.volunteer.recognition import book_labels, record_text
from models import VolunteerStatus

router = Router(name=__name__)

LIVE = (VolunteerStatus.APPROVED, VolunteerStatus.BLOCKED)  # a person's current record
YEARS = (2000, 2100)  # a /dobro period's years, every form (datetime ends at 9999)


@router.callback_query(AwardCb.filter())
async def cb_award(
    query: CallbackQuery,
    callback_data: AwardCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    result = await recognition.award(
        db,
        callback_data.p,
        callback_data.v,
        actor_id=query.from_user.id,
        roles=roles,
        now=clock.now(),
        default_locale=settings.default_locale,
        hq_name=settings.hq_name.strip() or i18n.get("rec-hq-default"),
    )
    if result.outcome is AwardOutcome.GONE:
        callback_answer.text = i18n.get("rec-award-gone")
        callback_answer.show_alert = True
        return
    assert result.month is not None
    month = result.month.strftime("%m.%Y")
    name = html.quote(result.name)
    # Under the proposal: who has the award. A double tap of the one who gave it shows the
    # same words (the edit is then a no-op); another coordinator's copy says it was given.
    if result.awarded_by == query.from_user.id:
        text = i18n.get("rec-awarded", month=month, name=name)
    else:
        text = i18n.get("rec-award-already", month=month, name=name)
    if result.outcome is AwardOutcome.ALREADY:
        callback_answer.text = i18n.get("rec-award-already", month=month, name=result.name)
        callback_answer.show_alert = True
    # The proposal keeps its words; the buttons go, and the outcome is written under it.
    if isinstance(query.message, Message):
        await edit_text(query.message, f"{query.message.html_text}\n\n{text}", reply_markup=None)


@router.callback_query(VolunteerCb.filter(F.action == "record"))
async def cb_record(
    query: CallbackQuery,
    callback_data: VolunteerCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    """«🏅 Итоги» on a volunteer's card (/volunteers): their record, this month and all time,
    for a coordinator of their territory (the card's own scope check). Only the person's live
    record (approved or blocked) opens it: the record counts all their history by person, so
    an old record of theirs (rejected, left) in this territory must not show the work they
    do now in another one. Audited as the card is."""
    volunteer = await volunteer_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if volunteer is None:
        return
    if volunteer.status not in LIVE:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="view_volunteer",
        now=clock.now(),
        roles=roles,
        target=f"volunteer:{volunteer.id}",
        details={"record": True},
    )
    zone = await recognition.zone_of(db, volunteer.territory_id, settings.tz)
    first = recognition.month_start(clock.now().astimezone(zone).date())
    record = await recognition.record_of(
        db, volunteer, recognition.month_period(first, zone), settings.tz
    )
    text = await record_text(i18n, db, record, first.strftime("%m.%Y"), "rec-record-head")
    await bot.send_message(query.from_user.id, text)


_MONTH = re.compile(r"^(\d{1,2})\.(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{2}\.\d{2}\.\d{4})\s*(?:-|–|\.\.)\s*(\d{2}\.\d{2}\.\d{4})$")


def parse_period(text: str, today: date) -> tuple[date, date] | None:
    """The local days [since, until] a /dobro argument names: nothing — the previous month;
    «11.2026» a month; «2026» a year; «01.11.2026-15.11.2026» a range (at most 3 years).
    Years outside 2000–2100 name nothing (None), in every form."""
    days = _parse_period(text, today)
    if days is None or not all(YEARS[0] <= d.year <= YEARS[1] for d in days):
        return None
    return days


def _parse_period(text: str, today: date) -> tuple[date, date] | None:
    text = text.strip()
    if not text:
        first = recognition.previous_month(today)
        return first, recognition.next_month(first) - date.resolution
    try:
        if m := _MONTH.match(text):
            if not YEARS[0] <= int(m.group(2)) <= YEARS[1]:
                return None  # before next_month: 12.9999 would overflow
            first = date(int(m.group(2)), int(m.group(1)), 1)
            return first, recognition.next_month(first) - date.resolution
        if m := _YEAR.match(text):
            year = int(m.group(1))
            if not YEARS[0] <= year <= YEARS[1]:
                return None
            return date(year, 1, 1), date(year, 12, 31)
        if m := _RANGE.match(text):
            since = date(*reversed([int(x) for x in m.group(1).split(".")]))
            until = date(*reversed([int(x) for x in m.group(2).split(".")]))
            if since > until or (until - since).days > 3 * 366:
                return None
            return since, until
    except ValueError:
        return None
    return None


def _period_words(since: date, until: date) -> str:
    return f"{since:%d.%m.%Y}–{until:%d.%m.%Y}"


@router.message(Command("dobro", ignore_case=True))
async def cmd_dobro(
    message: Message,
    command: CommandObject,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    now = clock.now()
    # One zone for the period's edges and every row's date: the territories' own when they
    # share one, else the HQ's (recognition.book_zone).
    scope = None if roles.is_hq else roles.territory_ids
    zone = await recognition.book_zone(db, scope, settings.tz)
    days = parse_period(command.args or "", now.astimezone(zone).date())
    if days is None:
        await message.answer(i18n.get("rec-dobro-bad", text=html.quote(command.args or "")))
        return
    since, until = days
    words = _period_words(since, until)
    period: Period = recognition.days_period(since, until, zone)
    await message.answer(i18n.get("rec-dobro-preparing", period=words))
    book = await recognition.hours_book(
        db,
        period,
        labels=book_labels(i18n, settings),
        zone=zone,
        base_name=f"dobro-hours-{since:%Y%m%d}-{until:%Y%m%d}",
        territory_ids=scope,
    )
    try:
        await recognition.record_export(
            db, actor_id=message.chat.id, roles=roles, now=now, period=period, rows=book.rows
        )
        if not book.rows:
            await message.answer(i18n.get("rec-dobro-empty", period=words))
            return
        caption = i18n.get(
            "rec-dobro-caption",
            period=words,
            rows=book.rows,
            volunteers=book.volunteers,
            hours=hours_text(book.hours),
        )
        for fmt, path in book.paths.items():
            await bot.send_document(
                message.chat.id,
                FSInputFile(path, filename=path.name),
                caption=caption if fmt == recognition.Format.XLSX else None,
            )
    finally:
        book.cleanup()
