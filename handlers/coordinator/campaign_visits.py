"""The campaign card's «🚪 Недозвоны → обход»: after a confirmation, every person the campaign
could not reach by phone becomes a door-to-door visit, due now; recorded in the audit log, and
the campaign's volunteers of those territories are told with «🚪 Взять маршрут обхода»."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.keyboards import campaigns as kb
from bot.keyboards.callbacks import CampaignCb, VisitCb
from bot.services import audit, campaign_visits, campaigns
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.campaigns import _in_scope, _show_card
from models import CampaignStatus

router = Router(name=__name__)


async def _open_campaign(
    db: AsyncSession,
    campaign_id: int,
    roles: Roles,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    user_id: int,
) -> bool:
    """Managed by this coordinator (as pausing or closing: the HQ, a coordinator of every one
    of its territories, its creator) and not closed (a closed card has no button)."""
    if not await _in_scope(db, campaign_id, roles, callback_answer, i18n, user_id):
        return False
    if await campaigns.status_of(db, campaign_id) == CampaignStatus.CLOSED:
        callback_answer.text = i18n.get("stale-button")
        callback_answer.show_alert = True
        return False
    return True


@router.callback_query(CampaignCb.filter(F.action == "to_visits"))
async def cb_to_visits(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
) -> None:
    campaign_id = callback_data.id
    if not await _open_campaign(db, campaign_id, roles, callback_answer, i18n, query.from_user.id):
        return
    count = await campaign_visits.unreachable_count(db, campaign_id)
    if not count:
        callback_answer.text = i18n.get("cmp-to-visits-none")
        callback_answer.show_alert = True
        return
    name = await campaigns.name_of(db, campaign_id)
    if name is None or not isinstance(query.message, Message):
        return
    await edit_text(
        query.message,
        i18n.get("cmp-to-visits-confirm", count=count, name=html.quote(name)),
        reply_markup=kb.to_visits_confirm(i18n.get, campaign_id),
    )


@router.callback_query(CampaignCb.filter(F.action == "to_visits_ok"))
async def cb_to_visits_ok(
    query: CallbackQuery,
    callback_data: CampaignCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> None:
    campaign_id = callback_data.id
    if not await _open_campaign(db, campaign_id, roles, callback_answer, i18n, query.from_user.id):
        return
    now = clock.now()
    by_territory = await campaign_visits.unreachable_by_territory(db, campaign_id)
    moved = await campaign_visits.move_unreachable(db, campaign_id, now)
    if moved:
        entry = await audit.record(
            db,
            actor_id=query.from_user.id,
            action="campaign_to_visits",
            now=now,
            roles=roles,
            target=f"campaign:{campaign_id}",
            details={"people": moved},
        )
        await campaign_visits.tell_workers_of_visits(
            db,
            campaign_id,
            by_territory,
            key=str(entry.id),
            take_data=VisitCb(action="take").pack(),
            now=now,
        )
        callback_answer.text = i18n.get("cmp-to-visits-done", count=moved)
    else:  # a second press, or another coordinator was first
        callback_answer.text = i18n.get("cmp-to-visits-none")
    await _show_card(query, i18n, db, campaign_id, clock)
