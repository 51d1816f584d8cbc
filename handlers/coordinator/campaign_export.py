"""Exporting a campaign's people for medical organisations (bot/services/campaign_export.py).

Entry: «📤 Выгрузка» on a campaign's card (``CampaignCb(action="export")``). One message with
inline buttons, edited in place: format (XLSX / CSV), status, territory (those of the
campaign's people within the coordinator's scope), period (all time, 7 or 30 days); every
button carries the whole choice (``CampaignExportCb``), so nothing is kept between presses.
«Выгрузить» checks the access again and runs the export as a background task (one per
coordinator at a time, with /export's and /report's: handlers/coordinator/background.py) with
sessions of its own: the message shows
its progress on big exports, then the file(s) go straight to the coordinator who asked (they
hold personal data), the export goes on the audit record (who, filter, rows) and the
temporary files are deleted. Its errors are logged once, without personal data.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot, F, Router, html
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
from bot.i18n import Translator
from bot.keyboards.callbacks import CampaignCb, CampaignExportCb
from bot.services import campaign_export as cx
from bot.services import campaigns
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.background import busy, edit_message, spawn, watch

logger = logging.getLogger(__name__)
router = Router(name=__name__)

FORMATS = {"x": cx.Format.XLSX, "c": cx.Format.CSV}
PERIODS = (0, 7, 30)
MAX_TERRITORY_BUTTONS = 12


def _valid(data: CampaignExportCb) -> bool:
    return (
        data.fmt in FORMATS
        and data.status in cx.StatusFilter.__members__.values()
        and data.days in PERIODS
    )


def _keyboard(
    i18n: I18nContext, data: CampaignExportCb, territories: list[tuple[int, str]]
) -> InlineKeyboardMarkup:
    def button(text: str, chosen: bool, **change: Any) -> InlineKeyboardButton:
        packed = data.model_copy(update={**change, "go": False}).pack()
        return InlineKeyboardButton(text=f"✅ {text}" if chosen else text, callback_data=packed)

    def pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
        return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]

    rows = [
        [
            button(i18n.get(f"cexp-fmt-{fmt.value}"), data.fmt == code, fmt=code)
            for code, fmt in FORMATS.items()
        ]
    ]
    rows += pairs(
        [
            button(i18n.get(f"cexp-status-{s.value}"), data.status == s.value, status=s.value)
            for s in cx.StatusFilter
        ]
    )
    if len(territories) > 1:
        rows += pairs(
            [button(i18n.get("cexp-territory-all"), data.territory == 0, territory=0)]
            + [
                button(name, data.territory == tid, territory=tid)
                for tid, name in territories[:MAX_TERRITORY_BUTTONS]
            ]
        )
    rows.append(
        [
            button(
                i18n.get("cexp-period-all" if days == 0 else f"cexp-period-{days}"),
                data.days == days,
                days=days,
            )
            for days in PERIODS
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                text=i18n.get("cexp-btn-run"),
                callback_data=data.model_copy(update={"go": True}).pack(),
            ),
            InlineKeyboardButton(
                text=i18n.get("cexp-btn-back"),
                callback_data=CampaignCb(action="open", id=data.id).pack(),
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


@dataclass(frozen=True, slots=True)
class _Deps:
    """What the background task needs from the dispatcher."""

    bot: Bot
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    clock: Clock


async def _choice(
    query: CallbackQuery,
    data: CampaignExportCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    deps: _Deps,
) -> None:
    access = await campaigns.access(db, data.id, roles, query.from_user.id)
    name = await campaigns.name_of(db, data.id)
    if access is None or name is None or not _valid(data):
        callback_answer.text = i18n.get("cexp-refused")
        callback_answer.show_alert = True
        return
    found = await cx.territories_in_scope(db, data.id, access.territory_ids)
    territories = [(t.id, t.name(i18n.locale)) for t in found]
    if data.territory and data.territory not in {tid for tid, _ in territories}:
        data = data.model_copy(update={"territory": 0})
    if data.go:
        await _run(query, data, callback_answer, i18n, access.territory_ids, name, roles, deps)
        return
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("cexp-choose", name=html.quote(name), id=data.id),
            reply_markup=_keyboard(i18n, data, territories),
        )


@router.callback_query(CampaignCb.filter(F.action == "export"))
async def cb_export(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
) -> None:
    if not callback_data.id:
        callback_answer.text = i18n.get("cexp-refused")
        callback_answer.show_alert = True
        return
    deps = _Deps(bot, sessionmaker, translator, clock)
    await _choice(
        query, CampaignExportCb(id=callback_data.id), callback_answer, i18n, db, roles, deps
    )


@router.callback_query(CampaignExportCb.filter())
async def cb_choice(
    query: CallbackQuery,
    callback_data: CampaignExportCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
) -> None:
    deps = _Deps(bot, sessionmaker, translator, clock)
    await _choice(query, callback_data, callback_answer, i18n, db, roles, deps)


async def _run(
    query: CallbackQuery,
    data: CampaignExportCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    scope: frozenset[int] | None,
    name: str,
    roles: Roles,
    deps: _Deps,
) -> None:
    user_id = query.from_user.id
    if busy(user_id):
        callback_answer.text = i18n.get("cexp-busy")
        callback_answer.show_alert = True
        return
    if not isinstance(query.message, Message):
        return
    now = deps.clock.now()
    filters = cx.Filters(
        status=cx.StatusFilter(data.status),
        territory_id=data.territory or None,
        since=now - timedelta(days=data.days) if data.days else None,
    )
    await edit_text(query.message, i18n.get("cexp-started"))
    job = _Job(
        bot=deps.bot,
        sessionmaker=deps.sessionmaker,
        translator=deps.translator,
        clock=deps.clock,
        locale=i18n.locale,
        chat_id=user_id,
        message_id=query.message.message_id,
        campaign_id=data.id,
        campaign_name=name,
        scope=scope,
        roles=roles,
        filters=filters,
        fmt=FORMATS[data.fmt],
    )
    spawn(user_id, job.run())


@dataclass
class _Job:
    bot: Bot
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    clock: Clock
    locale: str
    chat_id: int
    message_id: int
    campaign_id: int
    campaign_name: str
    scope: frozenset[int] | None
    roles: Roles
    filters: cx.Filters
    fmt: cx.Format

    def _(self, key: str, **kwargs: Any) -> str:
        return self.translator.get(self.locale, key, **kwargs)

    def _labels(self) -> cx.Labels:
        return cx.Labels(
            headers=[self._(f"cexp-col-{c.value}") for c in cx.COLUMNS],
            row_status=lambda s: self._(f"cexp-row-{s.value}"),
            outcome=lambda o: self._("cexp-outcome", outcome=o),
            yes=self._("cexp-yes"),
            no=self._("cexp-no"),
            feeling=lambda f: self._(f"cexp-feeling-{f}"),
            reason=lambda r: self._(f"script-reason-{r}"),
            no_clinic=self._("cexp-no-clinic"),
            sheet=self._("cexp-sheet"),
        )

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # logged once, without the message (it may quote a cell)
            logger.error(
                "campaign export failed: campaign=%s error=%s\n%s",
                self.campaign_id,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            await self._edit(self._("cexp-failed"))

    async def _run(self) -> None:
        now = self.clock.now()
        progress = cx.Progress()
        base = f"campaign-{self.campaign_id}-{now:%Y%m%d-%H%M}"
        async with self.sessionmaker() as session:
            work = asyncio.ensure_future(
                cx.export(
                    session,
                    campaign_id=self.campaign_id,
                    scope=self.scope,
                    filters=self.filters,
                    fmt=self.fmt,
                    labels=self._labels(),
                    locale=self.locale,
                    base_name=base,
                    progress=progress,
                )
            )
            result: cx.Result = await watch(
                work,
                lambda: progress.rows,
                lambda rows: self._edit(self._("cexp-progress", rows=rows)),
            )
        try:
            await cx.record(
                self.sessionmaker,
                campaign_id=self.campaign_id,
                user_id=self.chat_id,
                roles=self.roles,
                filters=self.filters,
                fmt=self.fmt,
                rows=result.rows,
                now=now,
            )
            if not result.rows:
                await self._edit(self._("cexp-empty"))
                return
            await self._edit(self._("cexp-done", rows=result.rows))
            name = html.quote(self.campaign_name)
            for item in result.files:
                caption = (
                    self._("cexp-caption-clinic", name=name, clinic=html.quote(item.name))
                    if item.name
                    else self._("cexp-caption", name=name)
                )
                await self.bot.send_document(
                    self.chat_id,
                    FSInputFile(item.path, filename=item.path.name),
                    caption=caption,
                )
        finally:
            await asyncio.to_thread(result.cleanup)

    async def _edit(self, text: str) -> None:
        await edit_message(self.bot, self.chat_id, self.message_id, text)
