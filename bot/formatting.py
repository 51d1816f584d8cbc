"""Dates and times as people in Russia and Kazakhstan write them: 05.12.2026 14:30.

Every time a person reads is shown in the zone of the territory it concerns, or the HQ's
(DEFAULT_TIMEZONE) when there is none: never the server's, never UTC. ``local`` is the one
place that picks the zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(territory_zone: str | None, hq_zone: ZoneInfo) -> ZoneInfo:
    """A territory's time zone, else the HQ's (no territory, or a zone this system lacks)."""
    if territory_zone:
        try:
            return ZoneInfo(territory_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return hq_zone


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def format_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y")


def local(moment: datetime, territory_zone: str | None, hq_zone: ZoneInfo) -> str:
    """A stored (UTC) moment as the people of a territory read it: 05.12.2026 11:15."""
    return format_datetime(moment, zone_of(territory_zone, hq_zone))


def local_date(moment: datetime, territory_zone: str | None, hq_zone: ZoneInfo) -> str:
    return format_date(moment, zone_of(territory_zone, hq_zone))
