"""/mystats (issue 20): a volunteer's record (this month and all time, awards), their
certificate as a PNG to share, and their own hours for the DOBRO.RF volunteer book."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.data.action_days import BY_CODE
from bot.filters import Button
from bot.keyboards.callbacks import MyStatsCb
from bot.services import certificate, recognition, volunteers
from bot.services.recognition import Activity, Figures, Period, hours_text
from models import Volunteer, VolunteerStatus

router = Router(name=__name__)


def organisation(i18n: I18nContext, settings: Settings) -> str:
    return settings.hq_name.strip() or i18n.get("rec-hq-default")


def describe(i18n: I18nContext, activity: Activity) -> str:
    if activity.kind == "task":
        return i18n.get("rec-activity-task", kind=activity.what or "other", id=activity.ref_id)
    day = BY_CODE.get(activity.what or "")
    title = day.title(i18n.locale) if day is not None else (activity.title or "—")
    return i18n.get("rec-activity-event", title=title, id=activity.ref_id)


def book_labels(i18n: I18nContext, settings: Settings) -> recognition.BookLabels:
    return recognition.BookLabels(
        headers=[
            i18n.get(f"rec-col-{name}")
            for name in ("date", "hours", "org", "activity", "dobro", "name")
        ],
        activity=lambda a: describe(i18n, a),
        organisation=organisation(i18n, settings),
        no_dobro=i18n.get("rec-no-dobro"),
    )


def _block(i18n: I18nContext, figures: Figures) -> list[str]:
    _ = i18n.get
    lines = [
        _("rec-line-tasks", count=figures.tasks),
        _(
            "rec-line-hours",
            hours=hours_text(figures.hours),
            tasks=hours_text(figures.task_hours),
            events=hours_text(figures.event_hours),
        ),
        _("rec-line-events", count=figures.events),
        _("rec-line-calls", count=figures.calls),
    ]
    if figures.consultations:
        lines.append(_("rec-line-consultations", count=figures.consultations))
    if figures.average is None:
        lines.append(_("rec-line-no-rating"))
    else:
        lines.append(_("rec-line-rating", average=f"{figures.average:.1f}", count=figures.ratings))
    lines.append(_("rec-line-thanks", count=figures.thanks))
    return lines


async def record_text(
    i18n: I18nContext,
    db: AsyncSession,
    record: recognition.Record,
    month: str,
    head: str = "rec-mystats-head",
) -> str:
    """The record as text: the volunteer's own (/mystats) or a coordinator's view of it."""
    _ = i18n.get
    volunteer = record.volunteer
    lines = [_(head, name=html.quote(volunteer.name), id=volunteer.id)]
    if record.since is not None:
        lines.append(_("rec-since", date=record.since.astimezone(record.zone).strftime("%d.%m.%Y")))
    lines += ["", _("rec-period-month", month=month), *_block(i18n, record.period)]
    lines += ["", _("rec-period-all"), *_block(i18n, record.all_time)]
    if record.awards:
        names = await recognition.territory_names(
            db, {a.territory_id for a in record.awards}, i18n.locale
        )
        items = [
            _(
                "rec-award-item",
                month=a.month.strftime("%m.%Y"),
                territory=html.quote(names.get(a.territory_id, "—")),
            )
            for a in record.awards
        ]
        lines += ["", _("rec-awards", list="; ".join(items))]
    lines += ["", _("rec-thanks-explained")]
    if not volunteer.dobro_id and head == "rec-mystats-head":
        lines.append(_("rec-no-dobro-hint"))
    return "\n".join(lines)


def _keyboard(i18n: I18nContext, year: int) -> InlineKeyboardMarkup:
    def button(text: str, action: str, period: str = "all") -> list[InlineKeyboardButton]:
        data = MyStatsCb(action=action, period=period).pack()
        return [InlineKeyboardButton(text=text, callback_data=data)]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            button(i18n.get("btn-rec-cert-year", year=str(year)), "cert", "year"),
            button(i18n.get("btn-rec-cert-all"), "cert", "all"),
            button(i18n.get("btn-rec-book"), "book"),
        ]
    )


async def _volunteer(db: AsyncSession, user_id: int) -> Volunteer | None:
    volunteer = await volunteers.profile_of(db, user_id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return None
    return volunteer


async def show(
    bot: Bot,
    chat_id: int,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    volunteer = await _volunteer(db, chat_id)
    if volunteer is None:
        await bot.send_message(chat_id, i18n.get("rec-not-volunteer"))
        return
    zone = await recognition.zone_of(db, volunteer.territory_id, settings.tz)
    today = clock.now().astimezone(zone).date()
    first = recognition.month_start(today)
    record = await recognition.record_of(
        db, volunteer, recognition.month_period(first, zone), settings.tz
    )
    text = await record_text(i18n, db, record, first.strftime("%m.%Y"))
    await bot.send_message(chat_id, text, reply_markup=_keyboard(i18n, today.year))


@router.message(Command("mystats", ignore_case=True))
@router.message(Button("btn-my-stats"))
async def cmd_mystats(
    message: Message,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await show(bot, message.chat.id, i18n, db, clock, settings)


@router.callback_query(MyStatsCb.filter(F.action == "show"))
async def cb_show(
    query: CallbackQuery,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await show(bot, query.from_user.id, i18n, db, clock, settings)


def _fmt(hours: float) -> str:
    return hours_text(round(hours, 1))


@router.callback_query(MyStatsCb.filter(F.action == "cert"))
async def cb_certificate(
    query: CallbackQuery,
    callback_data: MyStatsCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    volunteer = await _volunteer(db, query.from_user.id)
    if volunteer is None:
        callback_answer.text = i18n.get("rec-not-volunteer")
        callback_answer.show_alert = True
        return
    callback_answer.disable()
    await query.answer(i18n.get("rec-cert-busy"))  # before the drawing: no spinning button
    zone = await recognition.zone_of(db, volunteer.territory_id, settings.tz)
    now = clock.now()
    today = now.astimezone(zone).date()
    _ = i18n.get
    if callback_data.period == "year":
        period = recognition.year_period(today.year, zone)
        body = _("rec-cert-body-year", year=str(today.year))
    else:
        period = Period()
        since = await recognition.volunteer_since(db, volunteer.user_id)
        start = (since or volunteer.created_at).astimezone(zone).strftime("%d.%m.%Y")
        body = _("rec-cert-body-all", since=start, until=today.strftime("%d.%m.%Y"))
    figures = await recognition.figures(db, volunteer.user_id, period)
    lines = [
        _("rec-cert-tasks", count=figures.tasks),
        _("rec-cert-hours", hours=_fmt(figures.hours)),
        _("rec-cert-events", count=figures.events),
    ]
    if figures.calls:
        lines.append(_("rec-cert-calls", count=figures.calls))
    lines.append(_("rec-cert-thanks", count=figures.thanks))
    if figures.average is not None:
        lines.append(_("rec-cert-rating", average=f"{figures.average:.1f}"))
    png = await asyncio.to_thread(
        certificate.render,
        certificate.Certificate(
            title=_("rec-cert-title"),
            subtitle=_("rec-cert-subtitle"),
            name=volunteer.name,
            body=body,
            figures=lines,
            organisation=organisation(i18n, settings),
            footer=_("rec-cert-footer", date=today.strftime("%d.%m.%Y")),
        ),
    )
    await bot.send_photo(
        query.from_user.id,
        BufferedInputFile(png, filename=f"certificate-{today:%Y%m%d}.png"),
        caption=_("rec-cert-caption"),
    )


@router.callback_query(MyStatsCb.filter(F.action == "book"))
async def cb_book(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    volunteer = await _volunteer(db, query.from_user.id)
    if volunteer is None:
        callback_answer.text = i18n.get("rec-not-volunteer")
        callback_answer.show_alert = True
        return
    callback_answer.disable()
    await query.answer()  # before the file is written
    # Their own rows: dated in their territory's zone, as their /mystats.
    zone = await recognition.zone_of(db, volunteer.territory_id, settings.tz)
    stamp = clock.now().strftime("%Y%m%d")
    book = await recognition.hours_book(
        db,
        Period(),
        labels=book_labels(i18n, settings),
        zone=zone,
        base_name=f"dobro-hours-{stamp}",
        user_id=volunteer.user_id,
    )
    try:
        if not book.rows:
            await bot.send_message(query.from_user.id, i18n.get("rec-book-empty"))
            return
        caption = i18n.get("rec-book-caption", rows=book.rows, hours=hours_text(book.hours))
        for fmt, path in book.paths.items():
            await bot.send_document(
                query.from_user.id,
                FSInputFile(path, filename=path.name),
                caption=caption if fmt == recognition.Format.XLSX else None,
            )
    finally:
        book.cleanup()
