"""The translator keeps messages as text until first use and reads only the CLDR data it needs
(issue 15's memory target): rendering must be exactly what full babel and eager compiling give."""

from __future__ import annotations

import re
from decimal import Decimal

import babel
import pytest
from aiogram_i18n.exceptions import FluentMessageError, KeyNotFoundError
from fluent.runtime.types import fluent_number

from bot.i18n import Translator, _LeanLocale
from tests.unit.test_locales import KK, RU, _variables

LANGUAGES = ("ru", "kk")
LEAN_KEYS = {
    "plural_form",
    "default_numbering_system",
    "number_symbols",
    "decimal_formats",
    "percent_formats",
}
NUMBERS = [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1234567, -3, 1.5, 0.125, 2.0, 21.0]


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator("ru")


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_rule_is_babels(language: str) -> None:
    lean, full = _LeanLocale.parse(language), babel.Locale.parse(language)
    for number in [*range(0, 300), 0.5, 1.5, 2.25, 11.0, Decimal("1.0"), Decimal("21")]:
        assert lean.plural_form(number) == full.plural_form(number), number


@pytest.mark.parametrize("language", LANGUAGES)
def test_number_data_is_babels(language: str) -> None:
    lean, full = _LeanLocale.parse(language), babel.Locale.parse(language)
    full_symbols = full.number_symbols["latn"]
    for name, symbol in lean.number_symbols["latn"].items():
        assert symbol == full_symbols[name], name
    assert lean.default_numbering_system == full.default_numbering_system
    assert lean.decimal_formats[None].pattern == full.decimal_formats[None].pattern
    assert lean.percent_formats[None].pattern == full.percent_formats[None].pattern
    for number in NUMBERS:
        for options in ({}, {"useGrouping": False}, {"style": "percent"}):
            value = fluent_number(number, **options)
            assert value.format(lean) == value.format(full), (number, options)


def test_data_outside_the_lean_set_is_loaded_whole() -> None:
    lean = _LeanLocale.parse("kk")
    assert lean.territories["KZ"] == babel.Locale.parse("kk").territories["KZ"]
    assert lean.plural_form(3) == "other"


def test_messages_compile_on_first_use() -> None:
    translator = Translator("ru")
    bundle = translator.core.locales["ru"]
    assert not bundle._compiled
    assert bundle.has_message("start-greeting")
    assert translator.get("ru", "start-greeting", name="Анна").startswith("Здравствуйте, Анна!")
    assert set(bundle._compiled) == {"start-greeting"}
    with pytest.raises(KeyNotFoundError):
        translator.get("ru", "no-such-message")


def _render(translator: Translator, language: str, key: str, names: set[str], value: object) -> str:
    """The message with every variable set to value, its referenced messages' too."""
    while True:
        try:
            return translator.get(language, key, **dict.fromkeys(names, value))
        except FluentMessageError as exc:
            missing = set(re.findall(r"Unknown external: (\S+)", str(exc))) - names
            if not missing:
                raise
            names = names | missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_from_lean_data(translator: Translator, language: str) -> None:
    """Every message, with each variable a number (plural selectors) and then a text: the
    language's CLDR data stays the lean set, so rendering never needed more of it."""
    messages = RU if language == "ru" else KK
    for key, message in messages.items():
        for value in (1, 3, 5, 1.5, "текст"):
            text = _render(translator, language, key, _variables(message), value)
            assert "{???}" not in text, key
    bundle = translator.core.locales[language]
    assert isinstance(bundle._babel_locale, _LeanLocale)
    assert set(bundle._babel_locale._data) == LEAN_KEYS
    assert len(bundle._compiled) >= len(messages)
