"""/stats: how many people use the bot, blocked it, read which language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.users import user_stats

router = Router(name=__name__)


@router.message(Command("stats", ignore_case=True))
async def cmd_stats(
    message: Message, i18n: I18nContext, db: AsyncSession, translator: Translator
) -> None:
    stats = await user_stats(db, translator.default_locale)
    await message.answer(
        i18n.get(
            "stats-users",
            total=stats.total,
            blocked=stats.blocked,
            ru=stats.by_locale.get("ru", 0),
            kk=stats.by_locale.get("kk", 0),
        )
    )
