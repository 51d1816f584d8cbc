"""Filters shared by routers: buttons recognised in every language, and roles."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject

from bot.i18n import Translator
from bot.services.users import Roles

# A text longer than this is never taken for a button's label.
LABEL_MAX = 64


def normalize_label(text: str) -> str:
    """Case, spacing and emoji variation selectors do not matter ("ℹ Справка" == "ℹ️ справка")."""
    return " ".join(text.replace("\ufe0f", "").split()).casefold()


def label_forms(label: str) -> set[str]:
    """A button's label, and its words without the leading emoji, as a person might type them."""
    normal = normalize_label(label)
    forms = {normal}
    head, _, rest = normal.partition(" ")
    if rest and not _is_word(head):
        forms.add(rest)
    return forms


def _is_word(token: str) -> bool:
    # Latin or Cyrillic letters or digits; "ℹ" counts as a letter to Python, not to people.
    return any(
        ch.isdigit() or (ch.isalpha() and (ch.isascii() or "Ѐ" <= ch <= "ӿ")) for ch in token
    )


class Button(Filter):
    """A reply-keyboard button by its message id, in any language: old keyboards survive
    a language switch, so a Kazakh label must still work for someone now reading Russian."""

    def __init__(self, *keys: str) -> None:
        self.keys = keys
        self._forms: set[str] | None = None

    def forms(self, translator: Translator) -> set[str]:
        if self._forms is None:
            self._forms = {
                form
                for key in self.keys
                for label in translator.variants(key)
                for form in label_forms(label)
            }
        return self._forms

    async def __call__(self, message: Message, translator: Translator) -> bool:
        if message.text is None or len(message.text) > LABEL_MAX:
            return False
        return normalize_label(message.text) in self.forms(translator)


# An answer typed at a form's prompt: text that is not a command (a command is never taken
# as a name, a reason or a date; it goes on to the command handlers and the catch-alls).
ANSWER = F.text & ~F.text.startswith("/")
# Something spoken (a voice note, a round video, an audio file): a form step that does not take
# one lets it fall through to the kind answer in handlers/fallback.py (``~SPOKEN`` on its
# "use the buttons" fallback).
SPOKEN = F.voice | F.video_note | F.audio


class IsHQ(Filter):
    """HQ-only tools (appointing, the audit log, the outbox, global counts)."""

    async def __call__(self, event: TelegramObject, roles: Roles) -> bool:
        return roles.is_hq


class IsCoordinator(Filter):
    """Coordinator routers carry this at router level, never a check inside a handler."""

    async def __call__(self, event: TelegramObject, roles: Roles) -> bool:
        return roles.is_coordinator
