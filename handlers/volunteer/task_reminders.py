"""A volunteer answers a task's reminder: «still doing it» (the other button, «cannot», is the
task's own «cannot» in handlers/volunteer/tasks.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.keyboards.callbacks import EscalationCb
from bot.services import escalation, volunteers
from bot.telegram import edit_text

router = Router(name=__name__)


@router.callback_query(EscalationCb.filter(F.a == "still"))
async def cb_still_doing(
    query: CallbackQuery,
    callback_data: EscalationCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: AsyncSession,
    clock: Clock,
) -> None:
    callback_answer.show_alert = True
    volunteer = await volunteers.live_record(db, query.from_user.id)
    if volunteer is None or not await escalation.still_doing(
        db, callback_data.id, volunteer, clock.now()
    ):
        callback_answer.text = i18n.get("esc-still-stale", id=callback_data.id)
        return
    text = i18n.get("esc-still-thanks", id=callback_data.id)
    callback_answer.text = text
    if isinstance(query.message, Message):  # the answered buttons leave the screen
        await edit_text(query.message, text)
