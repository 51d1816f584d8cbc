"""What an update is and who sent it, without raising for kinds aiogram does not know.

``Update.event_type`` and ``Update.event`` raise ``UpdateTypeLookupError`` for an update of a
kind newer than the installed aiogram; logging, throttling and the error handler must not."""

from __future__ import annotations

from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.types.update import UpdateTypeLookupError

UNKNOWN = "unknown"


def update_kind(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:
        return UNKNOWN


def update_event(update: Update) -> TelegramObject | None:
    try:
        return update.event
    except UpdateTypeLookupError:
        return None


def sender_of(update: Update) -> User | None:
    """The person behind the update (``from_user``, or ``user`` for reactions and poll
    answers), None for anonymous and unknown kinds."""
    event = update_event(update)
    for name in ("from_user", "user"):
        user = getattr(event, name, None)
        if isinstance(user, User):
            return user
    return None


def chat_of(update: Update) -> Chat | None:
    event = update_event(update)
    chat = getattr(event, "chat", None)
    return chat if isinstance(chat, Chat) else None
