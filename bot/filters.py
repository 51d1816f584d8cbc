"""Filters shared by routers: buttons recognised in every language, and roles."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject

from bot.i18n import Translator
from bot.services.users import Roles


class Button(Filter):
    """A reply-keyboard button by its message id, in any language: old keyboards survive
    a language switch, so a Kazakh label must still work for someone now reading Russian."""

    def __init__(self, *keys: str) -> None:
        self.keys = keys

    async def __call__(self, message: Message, translator: Translator) -> bool:
        if message.text is None:
            return False
        return any(message.text in translator.variants(key) for key in self.keys)


class IsCoordinator(Filter):
    """Coordinator routers carry this at router level, never a check inside a handler."""

    async def __call__(self, event: TelegramObject, roles: Roles) -> bool:
        return roles.is_coordinator
