"""Scope checked again when a reason prompt completes: the territories a coordinator had when
they pressed the button may not be theirs any more by the time they type the reason."""

from __future__ import annotations

import logging

from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.keyboards.menus import main_menu
from bot.services import audit
from bot.services.users import Roles

logger = logging.getLogger(__name__)


async def still_in_scope(
    message: Message,
    territory_id: int | None,
    target: str,
    record_id: int,
    i18n: I18nContext,
    db: AsyncSession,
    roles: Roles,
    clock: Clock,
) -> bool:
    """True if ``roles`` (loaded fresh for this update) still cover the territory; otherwise
    the refusal is answered and put on record like other denials, and False returned. The
    caller has already closed the form."""
    if roles.can_act_in(territory_id):
        return True
    logger.warning("user=%s: %s is outside their territories now", message.chat.id, target)
    await audit.record(
        db,
        actor_id=message.chat.id,
        action="denied_scope",
        now=clock.now(),
        roles=roles,
        target=target,
    )
    await message.answer(
        i18n.get("scope-changed-refused", id=record_id), reply_markup=main_menu(i18n.get, roles)
    )
    return False
