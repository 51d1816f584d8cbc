"""/territories: an HQ coordinator sees every territory, others their own."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.territories import all_territories, by_ids
from bot.services.users import Roles
from bot.telegram import split_text

router = Router(name=__name__)


@router.message(Command("territories", ignore_case=True))
async def cmd_territories(
    message: Message, i18n: I18nContext, db: AsyncSession, roles: Roles
) -> None:
    territories = (
        await all_territories(db) if roles.is_hq else await by_ids(db, roles.territory_ids)
    )
    if not territories:
        await message.answer(i18n.get("territories-none"))
        return
    title = "territories-title-all" if roles.is_hq else "territories-title-mine"
    lines = [i18n.get(title, count=len(territories))] + [
        i18n.get(
            "territories-row",
            name=html.quote(t.name(i18n.locale)),
            code=t.code,
            zone=t.timezone,
        )
        for t in territories
    ]
    for chunk in split_text(lines):
        await message.answer(chunk)
