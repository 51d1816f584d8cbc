"""Fluent translations (ru, kk) and the rule that picks a person's language.

The locale is the person's stored choice, else Telegram's ``language_code`` (``kk`` → Kazakh,
``ru`` → Russian), else the deployment default.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import babel
import babel.numbers
import babel.plural
from aiogram.types import User as TgUser
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager
from babel import localedata
from fluent.runtime import FluentBundle
from fluent.runtime.resolver import Message
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
        """Every message kept as its source text, compiled on first use.

        A compiled message (and a syntax tree even more so) takes several times the memory of
        its text: compiling all ~3,100 messages of both languages at start-up held ~10 MB,
        though an idle bot uses a few dozen of them and most coordinators' texts are shown
        rarely. The files are parsed once here, to split them into messages; an entry that does
        not parse is left out, as FluentBundle does (tests/unit/test_locales.py fails on it)."""
        parser = FluentParser(with_spans=True)
        bundles: dict[str, FluentBundle] = {}
        found = self._find_locales(self.path, self._extract_locales(self.path), ".ftl")
        for locale, paths in found.items():
            bundle = _LazyBundle(
                locales=[locale], use_isolating=self.use_isolating, functions=self.functions
            )
            for path in sorted(paths):
                bundle.add_source(parser, path.read_text(encoding="utf8"))
            bundles[locale] = bundle
        return bundles


class _LazyBundle(FluentBundle):
    """A FluentBundle that holds each message's and term's source text and compiles it the
    first time it is looked up (FluentBundle itself compiles lazily, but from a syntax tree
    it keeps for every message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sources: dict[str, str] = {}  # compiled id ("-term" for terms) -> its text
        self._entry_parser = FluentParser(with_spans=False)

    def add_source(self, parser: FluentParser, source: str) -> None:
        """Every message and term of one file; the first of an id wins, as in add_resource."""
        for entry in parser.parse(source).body:
            if isinstance(entry, ftl.Message | ftl.Term) and entry.span is not None:
                compiled_id = _compiled_id(entry.id.name, isinstance(entry, ftl.Term))
                self._sources.setdefault(compiled_id, source[entry.span.start : entry.span.end])
                # has_message reads the ids only; the trees are not kept.
                (self._terms if isinstance(entry, ftl.Term) else self._messages)[entry.id.name] = (
                    _UNCOMPILED
                )

    def _get_babel_locale(self) -> babel.Locale:
        # FluentBundle takes the first of its locales that babel knows: ru and kk always are.
        if self.locales and self.locales[0] in _CLDR:
            return _LeanLocale.parse(self.locales[0])
        return super()._get_babel_locale()

    def _lookup(self, entry_id: str, term: bool = False) -> Message:
        compiled_id = _compiled_id(entry_id, term)
        compiled = self._compiled.get(compiled_id)
        if compiled is None:
            entry = self._entry_parser.parse_entry(self._sources[compiled_id])
            if not isinstance(entry, ftl.Message | ftl.Term):
                raise KeyError(entry_id)  # cannot happen: the text parsed whole at start-up
            compiled = self._compiled[compiled_id] = self._compiler(entry)
        return compiled


# What rendering reads of our languages' CLDR data (babel 2.19, CLDR 47): the plural rule, the
# number symbols and patterns. Our texts format numbers, never dates, currencies or country
# names. tests/unit/test_translator_memory.py checks these against babel's own data.
_NUMBER_SYMBOLS = {"decimal": ",", "group": "\xa0", "list": ";", "percentSign": "%",
                   "plusSign": "+", "minusSign": "-", "exponential": "E",
                   "superscriptingExponent": "×", "perMille": "‰", "infinity": "∞",
                   "timeSeparator": ":"}  # fmt: skip
_CLDR: dict[str, dict[str, Any]] = {
    "ru": {
        "plural": {
            "one": "v in 0 and i mod 10 in 1 and i mod 100 not in 11",
            "few": "v in 0 and i mod 10 in 2..4 and i mod 100 not in 12..14",
            "many": "v in 0 and i mod 10 in 0 or v in 0 and i mod 10 in 5..9"
            " or v in 0 and i mod 100 in 11..14",
        },
        "symbols": {**_NUMBER_SYMBOLS, "approximatelySign": "≈", "nan": "не\xa0число"},
        "decimal": "#,##0.###",
        "percent": "#,##0\xa0%",
    },
    "kk": {
        "plural": {"one": "n in 1"},
        "symbols": {**_NUMBER_SYMBOLS, "approximatelySign": "~", "nan": "сан\xa0емес"},
        "decimal": "#,##0.###",
        "percent": "#,##0%",
    },
}


def _lean_locale_data(language: str) -> dict[str | int | None, Any]:
    facts = _CLDR[language]
    return {
        "plural_form": babel.plural.PluralRule(facts["plural"]),
        "default_numbering_system": "latn",
        "number_symbols": {"latn": dict(facts["symbols"])},
        "decimal_formats": {None: babel.numbers.parse_pattern(facts["decimal"])},
        "percent_formats": {None: babel.numbers.parse_pattern(facts["percent"])},
    }


class _LeanLocale(babel.Locale):
    """A babel Locale of ru or kk that holds only what rendering reads of its CLDR data.

    babel loads a language's whole CLDR data (merged over the root's) the first time any of it
    is read: ~3 MB of the bot's memory per language, for the plural rule and the decimal comma.
    This one starts from _CLDR instead; any other key still works, by loading the whole data
    as babel would (a key read before that stays lean: number symbols hold Latin digits only).
    """

    @property
    def _data(self) -> localedata.LocaleDataDict:
        lean: localedata.LocaleDataDict | None = self.__dict__.get("_lean_data")
        if lean is None:
            lean = self.__dict__["_lean_data"] = _LeanLocaleData(str(self))
        return lean


class _LeanLocaleData(localedata.LocaleDataDict):
    def __init__(self, identifier: str) -> None:
        super().__init__(_lean_locale_data(identifier))
        self._identifier = identifier

    def __getitem__(self, key: str | int | None) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            full = localedata.get_locale_data(self._identifier)
            if self._data is full._data:
                raise
            self._data = self.base = full._data  # babel's own, shared and cached
            return super().__getitem__(key)


def _compiled_id(entry_id: str, term: bool) -> str:
    return f"-{entry_id}" if term else entry_id


# Stands for a syntax tree that is not kept (FluentBundle wants a value per id).
_UNCOMPILED = ftl.Message(ftl.Identifier("uncompiled"))


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
