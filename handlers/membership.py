"""Keep ``blocked_bot`` true to Telegram: my_chat_member says when a person blocks or unblocks."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.users import set_blocked
from models import User

router = Router(name=__name__)

_GONE = {ChatMemberStatus.KICKED, ChatMemberStatus.LEFT}


@router.my_chat_member()
async def on_my_chat_member(
    event: ChatMemberUpdated, db: AsyncSession, user: User | None, clock: Clock
) -> None:
    if user is None or event.chat.id != user.id:
        return
    await set_blocked(db, user, event.new_chat_member.status in _GONE, clock.now())
