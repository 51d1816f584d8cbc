"""Survey links for a campaign's people (bot/services/campaign_links.py): «🔗 Ссылки для
опроса» on a campaign's card, a format (XLSX or CSV), then a file of name, phone, territory
and personal link to hand out by SMS.

The file is made in a background task (one per coordinator at a time) with sessions of its
own, so a campaign of 100,000 people never holds the bot: tokens in short transactions, rows
in chunks with the connection given back between them. The file goes straight to the
coordinator who asked (it holds names and phones), the audit record says who took it, and the
temporary folder is removed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import shutil
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.keyboards.callbacks import CampaignCb, CampaignLinksCb
from bot.services import campaign_links, campaigns
from bot.services.users import Roles
from bot.telegram import edit_text
from models import Campaign, CampaignStatus, Territory

logger = logging.getLogger(__name__)
router = Router(name=__name__)

FORMATS = {"x": "xlsx", "c": "csv"}
COLUMNS = ("name", "phone", "territory", "link")
# Running files by coordinator, kept referenced so they are not garbage-collected.
_running: dict[int, asyncio.Task[None]] = {}


def _keyboard(i18n: I18nContext, campaign_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=i18n.get(f"cexp-fmt-{fmt}"),
                    callback_data=CampaignLinksCb(id=campaign_id, fmt=code).pack(),
                )
                for code, fmt in FORMATS.items()
            ],
            [
                InlineKeyboardButton(
                    text=i18n.get("cexp-btn-back"),
                    callback_data=CampaignCb(action="open", id=campaign_id).pack(),
                )
            ],
        ]
    )


async def _allowed(
    db: AsyncSession, campaign_id: int, roles: Roles, user_id: int
) -> tuple[campaigns.Access, Campaign] | None:
    access = await campaigns.access(db, campaign_id, roles, user_id)
    campaign = await db.get(Campaign, campaign_id)
    if access is None or campaign is None:
        return None
    return access, campaign


@router.callback_query(CampaignCb.filter(F.action == "links"))
async def cb_links(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    allowed = await _allowed(db, callback_data.id, roles, query.from_user.id)
    if allowed is None:
        callback_answer.text = i18n.get("cexp-refused")
        callback_answer.show_alert = True
        return
    _access, campaign = allowed
    if campaign.status == CampaignStatus.CLOSED:
        callback_answer.text = i18n.get("clinks-closed")
        callback_answer.show_alert = True
        return
    if isinstance(query.message, Message):
        await edit_text(
            query.message,
            i18n.get("clinks-choose", name=html.quote(campaign.name), id=campaign.id),
            reply_markup=_keyboard(i18n, campaign.id),
        )


@router.callback_query(CampaignLinksCb.filter(F.fmt.in_(FORMATS)))
async def cb_make(
    query: CallbackQuery,
    callback_data: CampaignLinksCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: Translator,
    clock: Clock,
) -> None:
    user_id = query.from_user.id
    allowed = await _allowed(db, callback_data.id, roles, user_id)
    if allowed is None:
        callback_answer.text = i18n.get("cexp-refused")
        callback_answer.show_alert = True
        return
    access, campaign = allowed
    if campaign.status == CampaignStatus.CLOSED:
        callback_answer.text = i18n.get("clinks-closed")
        callback_answer.show_alert = True
        return
    running = _running.get(user_id)
    if (running is not None and not running.done()) or not isinstance(query.message, Message):
        callback_answer.text = i18n.get("cexp-busy")
        callback_answer.show_alert = True
        return
    territories = {t.id: t.name(i18n.locale) for t in (await db.scalars(select(Territory))).all()}
    await edit_text(query.message, i18n.get("clinks-started"))
    job = _Job(
        bot=bot,
        sessionmaker=sessionmaker,
        translator=translator,
        clock=clock,
        locale=i18n.locale,
        chat_id=user_id,
        message_id=query.message.message_id,
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        scope=access.territory_ids,
        roles=roles,
        fmt=FORMATS[callback_data.fmt],
        territories=territories,
    )
    task = asyncio.create_task(job.run(), context=contextvars.Context())
    _running[user_id] = task
    task.add_done_callback(lambda done: _forget(user_id, done))


def _forget(user_id: int, task: asyncio.Task[None]) -> None:
    if _running.get(user_id) is task:
        del _running[user_id]


class _Job:
    def __init__(self, **fields: Any) -> None:
        self.bot: Bot = fields["bot"]
        self.sessionmaker: async_sessionmaker[AsyncSession] = fields["sessionmaker"]
        self.translator: Translator = fields["translator"]
        self.clock: Clock = fields["clock"]
        self.locale: str = fields["locale"]
        self.chat_id: int = fields["chat_id"]
        self.message_id: int = fields["message_id"]
        self.campaign_id: int = fields["campaign_id"]
        self.campaign_name: str = fields["campaign_name"]
        self.scope: frozenset[int] | None = fields["scope"]
        self.roles: Roles = fields["roles"]
        self.fmt: str = fields["fmt"]
        self.territories: dict[int, str] = fields["territories"]

    def _(self, key: str, **kwargs: Any) -> str:
        return self.translator.get(self.locale, key, **kwargs)

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # logged once, without the rows (they hold phones)
            logger.error(
                "survey links failed: campaign=%s error=%s", self.campaign_id, type(exc).__name__
            )
            await self._edit(self._("clinks-failed"))

    async def _run(self) -> None:
        now = self.clock.now()
        me = await self.bot.me()
        made = await campaign_links.links_file(
            self.sessionmaker,
            campaign_id=self.campaign_id,
            scope=self.scope,
            fmt=self.fmt,
            headers=[self._(f"clinks-col-{c}") for c in COLUMNS],
            territory_name=lambda tid: self.territories.get(tid, "?"),
            bot_username=me.username or "",
            now=now,
        )
        try:
            if made.rows:
                await self._edit(self._("clinks-done", rows=made.rows))
                await self.bot.send_document(
                    self.chat_id,
                    FSInputFile(made.path, filename=made.path.name),
                    caption=self._("clinks-caption", name=html.quote(self.campaign_name)),
                )
            else:
                await self._edit(self._("clinks-empty"))
            # On the record once it is handed out (it holds names and phones).
            await campaign_links.record_file(
                self.sessionmaker,
                campaign_id=self.campaign_id,
                user_id=self.chat_id,
                roles=self.roles,
                scope=self.scope,
                fmt=self.fmt,
                rows=made.rows,
                now=now,
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, made.path.parent, True)

    async def _edit(self, text: str) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id)
        except TelegramAPIError as exc:  # not modified, too old: go on
            logger.info("survey links: message not edited: %s", type(exc).__name__)


@router.shutdown()
async def finish_files(settings: Settings) -> None:
    """Files being made finish before the engine closes, up to the shutdown timeout."""
    tasks = set(_running.values())
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=settings.shutdown_timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
