"""The one scope check coordinator buttons share: the record must be in their territories."""

from __future__ import annotations

from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.users import Roles
from models import Volunteer


async def volunteer_in_scope(
    db: AsyncSession,
    volunteer_id: int,
    roles: Roles,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
) -> Volunteer | None:
    """The volunteer record (an application or a profile) if this coordinator may act on it;
    otherwise the button is answered (stale, or not theirs) and None returned."""
    volunteer = await db.get(Volunteer, volunteer_id)
    if volunteer is None or not roles.can_act_in(volunteer.territory_id):
        callback_answer.text = i18n.get("application-not-yours" if volunteer else "stale-button")
        callback_answer.show_alert = True
        return None
    return volunteer
