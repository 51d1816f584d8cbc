"""/export (issue 20): requests, volunteers and hours as XLSX or CSV (bot/services/exports.py),
and the way to a campaign's results (its card's «📤 Выгрузка», handlers/coordinator/
campaign_export.py).

One message with inline buttons, edited in place: the kind, then format, status, territory
(those in the coordinator's scope), period and whether personal columns are wanted; every
button carries the whole choice (``ExportCb``), so nothing is kept between presses. «Выгрузить»
checks the scope again and runs the export as a background task (one per coordinator at a
time) with sessions of its own, after the button was answered: the message shows progress on
big exports, the file goes straight to the coordinator who asked, the export goes on the
audit record (who, when, which filter, rows) and the temporary file is deleted.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import (
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
from bot.keyboards.callbacks import CampaignCb, ExportCb
from bot.services import events
from bot.services import exports as ex
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.background import (
    Deps,
    busy,
    discard,
    edit_message,
    finish,
    spawn,
    watch,
)

logger = logging.getLogger(__name__)
router = Router(name=__name__)
router.shutdown.register(finish)  # every coordinator's background work (background.py)

KINDS = {"r": ex.Kind.REQUESTS, "v": ex.Kind.VOLUNTEERS, "h": ex.Kind.HOURS}
FORMATS = {"x": ex.Format.XLSX, "c": ex.Format.CSV}
PERIODS = (ex.Period.WEEK, ex.Period.MONTH, ex.Period.LAST_MONTH, ex.Period.YEAR, ex.Period.ALL)
TERRITORY_PAGE = 10


def labels(translator: Translator, locale: str) -> ex.Labels:
    """The export's texts; each (key, value) rendered once, not once a row."""

    @functools.cache
    def _(key: str, **kwargs: Any) -> str:
        return translator.get(locale, key, **kwargs)

    return ex.Labels(
        header=lambda c: _(f"exp-col-{c}"),
        kind=lambda k: _("request-kind", kind=k),
        urgency=lambda u: _(
            f"exp-urgency-{u}" if u in ("today", "soon") else "exp-urgency-planned"
        ),
        request_status=lambda s: _(f"exp-rstatus-{s}"),
        volunteer_status=lambda s: _(f"exp-vstatus-{s}"),
        age=lambda a: _(f"age-{a}"),
        skill=lambda s: _(f"skill-{s}"),
        activity=lambda a: _(f"exp-activity-{a}"),
        event_title=lambda e: events.title_of(e, locale),
        yes=_("exp-yes"),
        no=_("exp-no"),
        sheet=_("exp-sheet"),
    )


def _valid(data: ExportCb) -> bool:
    kind = KINDS.get(data.k)
    return (
        kind is not None
        and data.f in FORMATS
        and data.s in ex.STATUSES[kind]
        and data.p in {p.value for p in PERIODS}
    )


def _kinds_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=i18n.get(f"exp-kind-{kind.value}"),
                callback_data=ExportCb(
                    k=code, p="all" if kind == ex.Kind.VOLUNTEERS else "month"
                ).pack(),
            )
        ]
        for code, kind in KINDS.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=i18n.get("exp-kind-campaigns"),
                callback_data=CampaignCb(action="list").pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _choice_keyboard(
    i18n: I18nContext, data: ExportCb, territories: list[tuple[int, str]]
) -> InlineKeyboardMarkup:
    kind = KINDS[data.k]

    def button(text: str, chosen: bool, **change: Any) -> InlineKeyboardButton:
        packed = data.model_copy(update={**change, "go": False}).pack()
        return InlineKeyboardButton(text=f"✅ {text}" if chosen else text, callback_data=packed)

    def pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
        return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]

    rows = [
        [
            button(i18n.get(f"exp-fmt-{fmt.value}"), data.f == code, f=code)
            for code, fmt in FORMATS.items()
        ]
    ]
    statuses = list(ex.STATUSES[kind])
    if len(statuses) > 1:
        rows += pairs([button(i18n.get(f"exp-status-{s}"), data.s == s, s=s) for s in statuses])
    if len(territories) > 1:
        pages = (len(territories) + TERRITORY_PAGE - 1) // TERRITORY_PAGE
        page = min(data.tp, pages - 1)
        shown = territories[page * TERRITORY_PAGE : (page + 1) * TERRITORY_PAGE]
        rows += pairs(
            [button(i18n.get("exp-territory-all"), data.t == 0, t=0)]
            + [button(name, data.t == tid, t=tid) for tid, name in shown]
        )
        if pages > 1:
            rows.append(
                [
                    button("◀️", False, tp=(page - 1) % pages),
                    button("▶️", False, tp=(page + 1) % pages),
                ]
            )
    rows += pairs(
        [button(i18n.get(f"rep-period-{p.value}"), data.p == p.value, p=p.value) for p in PERIODS]
    )
    rows.append(
        [
            button(
                i18n.get("exp-personal-on" if data.pd else "exp-personal-off"),
                False,
                pd=not data.pd,
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                text=i18n.get("exp-btn-run"),
                callback_data=data.model_copy(update={"go": True}).pack(),
            ),
            InlineKeyboardButton(text=i18n.get("exp-btn-back"), callback_data=ExportCb().pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("export", ignore_case=True))
async def cmd_export(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("exp-menu"), reply_markup=_kinds_keyboard(i18n))


@router.callback_query(ExportCb.filter(F.k == ""))
async def cb_kinds(query: CallbackQuery, i18n: I18nContext) -> None:
    if isinstance(query.message, Message):
        await edit_text(query.message, i18n.get("exp-menu"), reply_markup=_kinds_keyboard(i18n))


@router.callback_query(ExportCb.filter())
async def cb_choice(
    query: CallbackQuery,
    callback_data: ExportCb,
    callback_answer: CallbackAnswer,
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
    if not _valid(data):
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return
    scope = None if roles.is_hq else roles.territory_ids
    found = await ex.territories_of(db, scope)
    territories = sorted(
        ((t.id, t.name(i18n.locale)) for t in found), key=lambda item: item[1].casefold()
    )
    if data.t and data.t not in {tid for tid, _ in territories}:
        data = data.model_copy(update={"t": 0})
    zone = ex.scope_zone(found, settings.default_timezone, data.t or None)
    if not isinstance(query.message, Message):
        return
    if not data.go:
        await edit_text(
            query.message,
            i18n.get("exp-choose", kind=i18n.get(f"exp-kind-{KINDS[data.k].value}")),
            reply_markup=_choice_keyboard(i18n, data, territories),
        )
        return
    if busy(query.from_user.id):
        callback_answer.text = i18n.get("exp-busy")
        callback_answer.show_alert = True
        return
    since, until = ex.period_bounds(ex.Period(data.p), clock.now(), zone)
    filters = ex.Filters(
        status=data.s, territory_id=data.t or None, since=since, until=until, personal=data.pd
    )
    await edit_text(query.message, i18n.get("exp-started"))
    job = _Job(
        deps=Deps(bot, sessionmaker, translator, clock, settings),
        locale=i18n.locale,
        chat_id=query.from_user.id,
        message_id=query.message.message_id,
        kind=KINDS[data.k],
        scope=scope,
        roles=roles,
        filters=filters,
        fmt=FORMATS[data.f],
        zone=zone,
    )
    spawn(query.from_user.id, job.run())


@dataclass
class _Job:
    deps: Deps
    locale: str
    chat_id: int
    message_id: int
    kind: ex.Kind
    scope: frozenset[int] | None
    roles: Roles
    filters: ex.Filters
    fmt: ex.Format
    zone: ZoneInfo

    def _(self, key: str, **kwargs: Any) -> str:
        return self.deps.translator.get(self.locale, key, **kwargs)

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # logged once, without the message (it may quote a cell)
            logger.error(
                "export failed: kind=%s error=%s\n%s",
                self.kind.value,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            await self._edit(self._("exp-failed"))

    async def _run(self) -> None:
        now = self.deps.clock.now()
        progress = ex.Progress()
        base = f"{self.kind.value}-{now:%Y%m%d-%H%M}"
        work: asyncio.Future[ex.Result] | None = None
        try:  # the file holds personal data: removed whatever happens, a finished one too
            async with self.deps.sessionmaker() as session:
                work = asyncio.ensure_future(
                    ex.export(
                        session,
                        kind=self.kind,
                        scope=self.scope,
                        filters=self.filters,
                        fmt=self.fmt,
                        labels=labels(self.deps.translator, self.locale),
                        locale=self.locale,
                        base_name=base,
                        now=now,
                        progress=progress,
                    )
                )
                result: ex.Result = await watch(
                    work,
                    lambda: progress.rows,
                    lambda rows: self._edit(self._("exp-progress", rows=rows)),
                )
            await ex.record(
                self.deps.sessionmaker, kind=self.kind, user_id=self.chat_id, roles=self.roles,
                filters=self.filters, fmt=self.fmt, rows=result.rows, now=now,
            )  # fmt: skip
            if not result.rows or result.path is None:
                await self._edit(self._("exp-empty"))
                return
            await self._edit(self._("exp-done", rows=result.rows))
            await self.deps.bot.send_document(
                self.chat_id,
                FSInputFile(result.path, filename=result.path.name),
                caption=self._("exp-caption", kind=self._(f"exp-kind-{self.kind.value}"),
                               period=period_text(self.deps.translator, self.locale,
                                                  self.filters.since, self.filters.until,
                                                  self.zone)),
            )  # fmt: skip
        finally:
            discard(work)

    async def _edit(self, text: str) -> None:
        await edit_message(self.deps.bot, self.chat_id, self.message_id, text)


def period_text(
    translator: Translator,
    locale: str,
    since: datetime | None,
    until: datetime | None,
    zone: ZoneInfo,
) -> str:
    """«01.11.2026 – 30.11.2026», or «all time»."""
    if since is None and until is None:
        return translator.get(locale, "rep-period-all")
    first = since.astimezone(zone).strftime("%d.%m.%Y") if since else "…"
    last = (until.astimezone(zone) - timedelta(days=1)).strftime("%d.%m.%Y") if until else "…"
    return translator.get(locale, "rep-period-dates", first=first, last=last)
