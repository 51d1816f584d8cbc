"""Which of the supported languages a person reads."""

from __future__ import annotations

SUPPORTED_LOCALES: tuple[str, ...] = ("ru", "kk")


def negotiate_locale(chosen: str | None, language_code: str | None, default: str) -> str:
    """The person's own choice, else Telegram's language_code, else the deployment default."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if language_code:
        primary = language_code.split("-")[0].split("_")[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return default
