from __future__ import annotations

import pytest

from bot.services.language import negotiate_locale


@pytest.mark.parametrize(
    ("chosen", "code", "default", "expected"),
    [
        (None, "kk", "ru", "kk"),
        (None, "ru", "kk", "ru"),
        (None, "ru-RU", "kk", "ru"),
        (None, "en", "ru", "ru"),
        (None, "en", "kk", "kk"),
        (None, None, "ru", "ru"),
        ("kk", "ru", "ru", "kk"),
        ("ru", "kk", "kk", "ru"),
        ("de", "kk", "ru", "kk"),
    ],
)
def test_choice_then_telegram_language_then_default(
    chosen: str | None, code: str | None, default: str, expected: str
) -> None:
    assert negotiate_locale(chosen, code, default) == expected
