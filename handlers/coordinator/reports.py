"""/report (issue 20): statistics for a period as text and a chart, and the yearly report as
XLSX in one tap (bot/services/reports.py), within the coordinator's territories.

The menu: this week, this month, last month, this year, custom dates (asked as one message
«01.11.2026 30.11.2026»), and «📑 Годовой отчёт» for this year and the last. A press is
answered at once, the message says «counting», and the work runs as a background task with
sessions of its own (one per coordinator at a time, shared with /export's): the statistics
replace the message's text (with the menu again), then the chart follows as a photo; the
yearly report comes as a document and goes on the audit record (it names no one).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.keyboards.callbacks import ReportCb
from bot.services import events, report_chart, reports
from bot.services import exports as ex
from bot.services.users import Roles
from handlers.coordinator.background import Deps, busy, edit_message, spawn
from handlers.coordinator.exports import period_text

logger = logging.getLogger(__name__)
router = Router(name=__name__)

PERIODS = (ex.Period.WEEK, ex.Period.MONTH, ex.Period.LAST_MONTH, ex.Period.YEAR)
CUSTOM = "custom"
TOP = 12  # territories listed and charted
MAX_DAYS = 3 * 366
FIRST_YEAR = 2000  # custom dates: this year up to the next one
_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


class ReportForm(StatesGroup):
    dates = State()


def menu(get: Callable[..., str], year: int) -> InlineKeyboardMarkup:
    def button(text: str, data: ReportCb) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    periods = [button(get(f"rep-period-{p.value}"), ReportCb(a="p", p=p.value)) for p in PERIODS]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            periods[:2],
            periods[2:],
            [button(get("rep-btn-custom"), ReportCb(a="c"))],
            [
                button(get("rep-btn-yearly", year=year), ReportCb(a="y", y=year)),
                button(get("rep-btn-yearly", year=year - 1), ReportCb(a="y", y=year - 1)),
            ],
        ]
    )


async def _zone(db: AsyncSession, roles: Roles, settings: Settings) -> ZoneInfo:
    scope = None if roles.is_hq else roles.territory_ids
    return ex.scope_zone(await ex.territories_of(db, scope), settings.default_timezone)


@router.message(Command("report", ignore_case=True), StateFilter(None, ReportForm.dates))
async def cmd_report(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
    settings: Settings,
) -> None:
    await state.clear()  # asked for dates and then for the menu again: the menu wins
    zone = await _zone(db, roles, settings)
    year = clock.now().astimezone(zone).year
    await message.answer(i18n.get("rep-menu"), reply_markup=menu(i18n.get, year))


def parse_dates(text: str, last_year: int) -> tuple[date, date] | None:
    """Two dates «dd.mm.yyyy» of years FIRST_YEAR..``last_year`` (so a period's bounds stay
    computable), first not after last, at most MAX_DAYS apart."""
    found = _DATE.findall(text)
    if len(found) != 2:
        return None
    try:
        first, last = (date(int(y), int(m), int(d)) for d, m, y in found)
    except ValueError:
        return None
    if first.year < FIRST_YEAR or last.year > last_year:
        return None
    if first > last or (last - first).days > MAX_DAYS:
        return None
    return first, last


@router.message(StateFilter(ReportForm.dates), F.text)
async def process_dates(
    message: Message,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
    settings: Settings,
) -> None:
    parsed = parse_dates(message.text or "", clock.now().year + 1)
    if parsed is None:
        await message.answer(i18n.get("rep-dates-bad"))
        return
    if busy(message.chat.id):  # still asking: the dates can be sent again once it is done
        await message.answer(i18n.get("exp-busy"))
        return
    await state.clear()
    zone = await _zone(db, roles, settings)
    first, last = parsed
    since = ex.day_start(first, zone)
    until = ex.day_start(last + timedelta(days=1), zone)
    sent = await message.answer(i18n.get("rep-counting"))
    deps = Deps(bot, sessionmaker, translator, clock, settings)
    job = _Stats(deps, i18n.locale, message.chat.id, sent.message_id, roles, zone, since, until)
    spawn(message.chat.id, job.run())


@router.message(StateFilter(ReportForm.dates))
async def process_dates_other(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("rep-dates-bad"))


@router.callback_query(ReportCb.filter())
async def cb_report(
    query: CallbackQuery,
    callback_data: ReportCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
    settings: Settings,
) -> None:
    data = callback_data
    if not isinstance(query.message, Message):
        return
    zone = await _zone(db, roles, settings)
    now = clock.now()
    this_year = now.astimezone(zone).year
    if data.a == "c":
        await state.set_state(ReportForm.dates)
        await query.message.answer(i18n.get("rep-dates-ask"))
        return
    periods = {p.value for p in PERIODS}
    valid = (data.a == "p" and data.p in periods) or (
        data.a == "y" and this_year - 5 <= data.y <= this_year
    )
    if not valid:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    if busy(query.from_user.id):
        callback_answer.text = i18n.get("exp-busy")
        callback_answer.show_alert = True
        return
    deps = Deps(bot, sessionmaker, translator, clock, settings)
    chat, message_id = query.from_user.id, query.message.message_id
    if data.a == "y":
        await edit_message(bot, chat, message_id, i18n.get("rep-yearly-started", year=data.y))
        yearly = _Yearly(deps, i18n.locale, chat, message_id, roles, zone, data.y)
        spawn(chat, yearly.run())
        return
    since, until = ex.period_bounds(ex.Period(data.p), now, zone)
    await edit_message(bot, chat, message_id, i18n.get("rep-counting"))
    spawn(chat, _Stats(deps, i18n.locale, chat, message_id, roles, zone, since, until).run())


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _number(value: float) -> str:
    """1 decimal at most, with a decimal comma (as both languages write it)."""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass
class _Task:
    deps: Deps
    locale: str
    chat_id: int
    message_id: int
    roles: Roles
    zone: ZoneInfo

    def _(self, key: str, **kwargs: Any) -> str:
        return self.deps.translator.get(self.locale, key, **kwargs)

    @property
    def scope(self) -> frozenset[int] | None:
        return None if self.roles.is_hq else self.roles.territory_ids

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:
            logger.error(
                "report failed: %s error=%s\n%s",
                type(self).__name__,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            await edit_message(self.deps.bot, self.chat_id, self.message_id, self._("rep-failed"))

    async def _run(self) -> None:
        raise NotImplementedError


@dataclass
class _Stats(_Task):
    since: datetime | None
    until: datetime | None

    async def _run(self) -> None:
        now = self.deps.clock.now()
        async with self.deps.sessionmaker() as session:
            territories = await ex.territories_of(session, self.scope)
            names = {t.id: t.name(self.locale) for t in territories}
            await session.rollback()
            stats = await reports.collect(session, sorted(names), self.since, self.until, now)
        period = period_text(self.deps.translator, self.locale, self.since, self.until, self.zone)
        year = now.astimezone(self.zone).year
        await edit_message(
            self.deps.bot,
            self.chat_id,
            self.message_id,
            self.text(stats, names, period),
            reply_markup=menu_for(self.deps.translator, self.locale, year),
        )
        if not stats.total:  # the chart is of requests: none, no chart
            return
        title, panels = self.chart(stats, names, period)
        png = await asyncio.to_thread(report_chart.render, title, panels)
        await self.deps.bot.send_photo(self.chat_id, BufferedInputFile(png, filename="report.png"))

    def text(self, stats: reports.Stats, names: dict[int, str], period: str) -> str:
        _ = self._
        parts = [_("rep-title", period=period)]
        if self.scope is not None:
            parts.append(_("rep-scope"))
        if not stats.total and not stats.events_held:
            parts.append(_("rep-empty"))
            return "\n\n".join(parts)
        parts.append(
            _(
                "rep-summary",
                total=stats.total,
                untaken=stats.untaken,
                overdue=stats.overdue,
                take=_hours(stats.take_median_s),
                close=_hours(stats.close_median_s),
                volunteers=stats.active_volunteers,
                request_hours=_number(stats.request_hours),
                event_hours=_number(stats.event_hours),
                events=stats.events_held,
                rated=stats.rated,
                rating=_number(stats.rating_avg) if stats.rating_avg is not None else "—",
            )
        )
        if stats.total:
            kinds = [
                _("rep-item", name=_("request-kind", kind=k), count=n)
                for k, n in stats.by_kind.most_common()
            ]
            parts.append(_("rep-by-kind") + "\n" + "\n".join(kinds))
            statuses = [
                _("rep-item", name=_(f"exp-rstatus-{s}"), count=stats.by_status[s])
                for s in reports.ALL_STATUSES
                if stats.by_status[s]
            ]
            parts.append(_("rep-by-status") + "\n" + "\n".join(statuses))
        if len(stats.by_territory) > 1:
            shown = stats.by_territory.most_common(TOP)
            lines = [_("rep-item", name=html.quote(names.get(t, "?")), count=n) for t, n in shown]
            rest = sum(stats.by_territory.values()) - sum(n for _t, n in shown)
            if rest:
                lines.append(_("rep-item", name=_("rep-others"), count=rest))
            parts.append(_("rep-by-territory") + "\n" + "\n".join(lines))
        return "\n\n".join(parts)

    def chart(
        self, stats: reports.Stats, names: dict[int, str], period: str
    ) -> tuple[str, list[report_chart.Panel]]:
        _ = self._
        panels = [
            report_chart.Panel(
                _("rep-chart-kind"),
                [(_("request-kind", kind=k), n) for k, n in stats.by_kind.most_common()],
            ),
            report_chart.Panel(
                _("rep-chart-status"),
                [
                    (_(f"exp-rstatus-{s}"), stats.by_status[s])
                    for s in reports.ALL_STATUSES
                    if stats.by_status[s]
                ],
            ),
        ]
        if len(stats.by_territory) > 1:
            panels.append(
                report_chart.Panel(
                    _("rep-chart-territory"),
                    [(names.get(t, "?"), n) for t, n in stats.by_territory.most_common(TOP)],
                )
            )
        return _("rep-chart-title", period=period), panels


def menu_for(translator: Translator, locale: str, year: int) -> InlineKeyboardMarkup:
    return menu(lambda key, **kwargs: translator.get(locale, key, **kwargs), year)


@dataclass
class _Yearly(_Task):
    year: int

    def labels(self) -> reports.YearlyLabels:
        _ = self._
        return reports.YearlyLabels(
            sheets=[
                _(f"yr-sheet-{s}") for s in ("requests", "people", "volunteers", "hours", "events")
            ],
            territory=_("yr-col-territory"),
            kind=lambda k: _("request-kind", kind=k),
            total=_("yr-total"),
            done=_("yr-col-done"),
            people=_("yr-col-people"),
            age_group=_("yr-col-age"),
            age=lambda a: _(f"age-{a}"),
            involved=_("yr-col-involved"),
            tasks=_("yr-col-tasks"),
            hours=_("yr-col-hours"),
            registered=_("yr-col-registered"),
            request_hours=_("yr-col-request-hours"),
            event_hours=_("yr-col-event-hours"),
            date=_("yr-col-date"),
            event=_("yr-col-event"),
            participants=_("yr-col-participants"),
        )

    async def _run(self) -> None:
        now = self.deps.clock.now()
        async with self.deps.sessionmaker() as session:
            territories = await ex.territories_of(session, self.scope)
            report = await reports.yearly(
                session,
                territories,
                self.year,
                self.zone,
                self.locale,
                lambda e: events.title_of(e, self.locale),
            )
        directory = Path(tempfile.mkdtemp(prefix="yearly-"))
        try:  # removed whatever happens (cancelled mid-write, the move into it then fails)
            path = directory / f"yearly-report-{self.year}.xlsx"
            await asyncio.to_thread(reports.write_yearly, report, self.labels(), path)
            await reports.record_yearly(
                self.deps.sessionmaker, user_id=self.chat_id, roles=self.roles, year=self.year,
                now=now,
            )  # fmt: skip
            await edit_message(
                self.deps.bot,
                self.chat_id,
                self.message_id,
                self._("rep-yearly-done", year=self.year),
            )
            await self.deps.bot.send_document(
                self.chat_id,
                FSInputFile(path, filename=path.name),
                caption=self._("rep-yearly-caption", year=self.year),
            )
        finally:
            shutil.rmtree(directory, ignore_errors=True)
