"""A coordinator replaces a volunteer who did not answer a task's reminder: one tap on the
alert's «hand over to …», or a pick from the list. The former holder loses the details, the
new one gets them (bot/services/escalation.replace)."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.keyboards import escalation as kb
from bot.keyboards.callbacks import EscalationCb
from bot.services import audit, escalation, volunteers
from bot.services.users import Roles
from bot.telegram import edit_text
from handlers.coordinator.requests import request_in_scope
from models import HelpRequest, RequestStatus, Volunteer

router = Router(name=__name__)
PAGE = 8


def _still_held_by(request: HelpRequest, former_id: int) -> bool:
    return (
        request.status in (RequestStatus.TAKEN, RequestStatus.ON_WAY)
        and request.volunteer_id == former_id
    )


@router.callback_query(EscalationCb.filter(F.a == "rl"))
async def cb_replace_list(
    query: CallbackQuery,
    callback_data: EscalationCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    bot: Bot,
) -> None:
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    if not _still_held_by(request, callback_data.f):
        callback_answer.text = i18n.get("esc-replace-gone", id=request.id)
        callback_answer.show_alert = True
        return
    today = await volunteers.local_today(db, request.territory_id, clock.now())
    candidates = await escalation.replacements(db, request, today)
    request_id, kind = request.id, request.kind
    if not candidates:
        callback_answer.text = i18n.get("esc-replace-nobody", id=request_id)
        callback_answer.show_alert = True
        return
    offset = min(callback_data.o, max(0, len(candidates) - 1))
    markup = kb.replace_list(
        i18n.get,
        request_id,
        callback_data.f,
        [(v.name, v.id, tasks) for v, tasks in candidates[offset : offset + PAGE]],
        offset=offset,
        total=len(candidates),
        page_size=PAGE,
    )
    text = i18n.get("esc-replace-title", id=request_id, kind=kind)
    if callback_data.o and isinstance(query.message, Message):
        await edit_text(query.message, text, reply_markup=markup)  # turning a page
    else:
        await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(EscalationCb.filter(F.a == "rp"))
async def cb_replace(
    query: CallbackQuery,
    callback_data: EscalationCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
    roles: Roles,
    settings: Settings,
) -> None:
    callback_answer.show_alert = True
    request = await request_in_scope(db, callback_data.id, roles, callback_answer, i18n)
    if request is None:
        return
    if not _still_held_by(request, callback_data.f):
        callback_answer.text = i18n.get("esc-replace-gone", id=request.id)
        return
    now = clock.now()
    today = await volunteers.local_today(db, request.territory_id, now)
    volunteer = await db.get(Volunteer, callback_data.v)
    # Only someone the list would offer (a forged or stale button cannot pick a stranger).
    usable = volunteer is not None and volunteer.id in {
        v.id for v, _tasks in await escalation.replacements(db, request, today)
    }
    if volunteer is None or not usable:
        callback_answer.text = i18n.get("esc-replace-unavailable")
        return
    replaced = await escalation.replace(
        db,
        request.id,
        callback_data.f,
        volunteer,
        now,
        actor_id=query.from_user.id,
        default_locale=settings.default_locale,
    )
    if replaced is None:
        callback_answer.text = i18n.get("esc-replace-gone", id=callback_data.id)
        return
    await audit.record(
        db,
        actor_id=query.from_user.id,
        action="request_replaced",
        now=now,
        roles=roles,
        target=f"request:{replaced.id}",
        details={"volunteer": volunteer.id, "former": callback_data.f},
    )
    name = volunteer.name
    callback_answer.show_alert = False
    callback_answer.text = i18n.get("esc-replace-done", id=replaced.id, name=name)
    if isinstance(query.message, Message):
        await edit_text(
            query.message, i18n.get("esc-replace-done", id=replaced.id, name=html.quote(name))
        )
