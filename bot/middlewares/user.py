"""Loads the person behind an update, keeps their Telegram data fresh, and works out roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.users import Profile, Roles, load_person, roles_for, touch_user


class UserMiddleware(BaseMiddleware):
    def __init__(self, clock: Clock, admin_ids: list[int]) -> None:
        self.clock = clock
        self.admin_ids = frozenset(admin_ids)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if tg_user is None or tg_user.is_bot:
            data["user"] = None
            data["roles"] = Roles()
            return await handler(event, data)
        db: AsyncSession = data["db"]
        # One statement for the person and their roles; touch_user then finds them loaded.
        loaded = await load_person(db, tg_user.id, self.admin_ids)
        if chat is not None and chat.type != ChatType.PRIVATE:
            # People met only in groups are not our users: read, never store them.
            user = loaded[0] if loaded else None
        else:
            profile = Profile(
                id=tg_user.id,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                username=tg_user.username,
                language_code=tg_user.language_code,
            )
            wrote = isinstance(event, Update) and (
                event.message is not None or event.callback_query is not None
            )
            user, _ = await touch_user(db, profile, self.clock.now(), wrote_to_bot=wrote)
        if loaded is not None:
            roles = loaded[1]
        else:  # met just now (touch_user added them): nothing granted yet but ADMIN_IDS
            roles = await roles_for(db, user, self.admin_ids) if user else Roles()
        data["user"] = user
        data["roles"] = roles
        return await handler(event, data)
