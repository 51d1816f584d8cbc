"""Tells the flood throttle what a handled update taught about its sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram_i18n import I18nContext

from bot.services.users import Roles
from bot.throttle import Throttle


class ThrottleMemoryMiddleware(BaseMiddleware):
    """Registered after the user and i18n middlewares: the throttle itself runs before any of
    them (and before the database), so it learns a person's language (for the one notice of a
    flood) and coordinator role (a larger allowance) from their earlier updates."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user = data.get("event_from_user")
        i18n = data.get("i18n")
        roles = data.get("roles")
        if tg_user is not None and isinstance(i18n, I18nContext) and isinstance(roles, Roles):
            self.throttle.remember(tg_user.id, locale=i18n.locale, coordinator=roles.is_coordinator)
        return await handler(event, data)
