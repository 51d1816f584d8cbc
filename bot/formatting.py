"""Dates and times as people in Russia and Kazakhstan write them: 05.12.2026 14:30."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def format_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y")
