"""Every CallbackData factory, in one place: short prefixes, ids only (64-byte cap)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang"):
    code: str
