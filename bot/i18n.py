"""Fluent translations (ru, kk) and the rule that picks a person's language.

The locale is the person's stored choice, else Telegram's ``language_code`` (``kk`` → Kazakh,
``ru`` → Russian), else the deployment default.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from aiogram.types import User as TgUser
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager
from fluent.runtime import FluentBundle
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser
from fluent.syntax import ast as ftl
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import users as users_service
from bot.services.language import negotiate_locale
from models import User


def locales_dir() -> Path:
    # importlib.resources, so the files are found after a plain install from any folder.
    return Path(str(files("locales")))


def _plain_numbers(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Numbers without digit grouping: "№ 1234", not "№ 1 234" (Fluent groups by default);
    still numbers, so plural variants and the decimal comma ("1,5") keep working."""
    return {
        key: fluent_number(value, useGrouping=False)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for key, value in kwargs.items()
    }


class _FluentCore(FluentRuntimeCore):
    def get(self, message: str, locale: str | None = None, /, **kwargs: Any) -> str:
        return super().get(message, locale, **_plain_numbers(kwargs))

    @staticmethod
    def _extract_locales(path: Path) -> list[str]:
        # Only folders holding .ftl files: a __pycache__ beside them is not a language.
        return sorted(p.name for p in path.iterdir() if p.is_dir() and any(p.glob("*.ftl")))

    def find_locales(self) -> dict[str, FluentBundle]:
        """Every message compiled once, keeping only what rendering needs.

        aiogram-i18n's loader keeps each file's syntax tree (with source spans and comments)
        next to the compiled messages: about 12 MB of the bot's idle memory for our ~380 KB
        of .ftl. The tree is parsed without spans, comments are dropped, and once compiled
        the tree is let go (``has_message`` only needs the ids)."""
        parser = FluentParser(with_spans=False)
        bundles: dict[str, FluentBundle] = {}
        found = self._find_locales(self.path, self._extract_locales(self.path), ".ftl")
        for locale, paths in found.items():
            bundle = FluentBundle(
                locales=[locale], use_isolating=self.use_isolating, functions=self.functions
            )
            for path in sorted(paths):
                resource = parser.parse(path.read_text(encoding="utf8"))
                for entry in resource.body:
                    if isinstance(entry, ftl.Message | ftl.Term):
                        entry.comment = None
                bundle.add_resource(resource)
            _compile_all(bundle)
            bundles[locale] = bundle
        return bundles


def _compile_all(bundle: FluentBundle) -> None:
    """Compile every message and term, then forget their syntax trees: lookups read the
    compiled ones first, so a tree is only read again for an id that was never compiled."""
    compiled = bundle._compiled
    for key, message in bundle._messages.items():
        compiled.setdefault(key, bundle._compiler(message))
    for key, term in bundle._terms.items():
        compiled.setdefault(f"-{key}", bundle._compiler(term))
    bundle._messages = {key: _COMPILED for key in bundle._messages}
    bundle._terms = {key: _COMPILED for key in bundle._terms}


# Stands for a syntax tree that was compiled and let go (FluentBundle wants a value per id).
_COMPILED = ftl.Message(ftl.Identifier("compiled"))


class Translator:
    """Renders message ids in a locale; loaded once at start-up and never unloaded."""

    def __init__(self, default_locale: str, path: Path | None = None) -> None:
        self.default_locale = default_locale
        # use_isolating=False: invisible bidi marks would break tel: links and numbers.
        self.core = _FluentCore(
            path=path or locales_dir(), default_locale=default_locale, use_isolating=False
        )
        self.core.locales.update(self.core.find_locales())
        self._variants: dict[str, frozenset[str]] = {}

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self.core.locales))

    def get(self, locale: str, key: str, /, **kwargs: Any) -> str:
        return self.core.get(key, locale, **kwargs)

    def variants(self, key: str) -> frozenset[str]:
        """The text of one message in every locale (to recognise old keyboard buttons)."""
        cached = self._variants.get(key)
        if cached is None:
            cached = frozenset(self.core.get(key, locale) for locale in self.core.locales)
            self._variants[key] = cached
        return cached


class DbLocaleManager(BaseManager):
    """aiogram-i18n manager that reads and writes the locale in the users table
    (its default keeps it in FSM data, which a form's ``clear()`` would wipe)."""

    def __init__(self, default_locale: str, clock: Clock) -> None:
        super().__init__(default_locale=default_locale)
        self.clock = clock

    async def get_locale(
        self, user: User | None = None, event_from_user: TgUser | None = None, **_: Any
    ) -> str:
        default = self.default_locale or "ru"
        if user is not None:
            return negotiate_locale(user.locale, user.language_code, default)
        code = event_from_user.language_code if event_from_user else None
        return negotiate_locale(None, code, default)

    async def set_locale(
        self, locale: str, user: User | None = None, db: AsyncSession | None = None, **_: Any
    ) -> None:
        if user is None or db is None:
            return
        await users_service.set_locale(db, user, locale, self.clock.now())
