"""Repeat rules and quiet hours in local time, in the zones of Kuzbass and Kazakhstan."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.timing import QuietHours, RepeatRule, RuleError

KUZBASS = ZoneInfo("Asia/Novokuznetsk")
ALMATY = ZoneInfo("Asia/Almaty")


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize("tz", [KUZBASS, ALMATY])
def test_daily_at_local_time(tz: ZoneInfo) -> None:
    rule = RepeatRule.parse("daily 09:30")
    previous = local(tz, 2026, 12, 1, 9, 30)
    assert rule.next_after(previous, previous, tz) == local(tz, 2026, 12, 2, 9, 30)
    # After a long outage the next one is in the future: missed ones are not fired in a burst.
    assert rule.next_after(previous, local(tz, 2026, 12, 10, 12, 0), tz) == local(
        tz, 2026, 12, 11, 9, 30
    )


@pytest.mark.parametrize("tz", [KUZBASS, ALMATY])
def test_monthly_on_the_31st_falls_back_to_the_months_last_day(tz: ZoneInfo) -> None:
    rule = RepeatRule.parse("monthly 31 10:00")
    jan = local(tz, 2027, 1, 31, 10, 0)
    feb = rule.next_after(jan, jan, tz)
    assert feb == local(tz, 2027, 2, 28, 10, 0)
    mar = rule.next_after(feb, feb, tz)
    assert mar == local(tz, 2027, 3, 31, 10, 0)
    assert rule.next_after(
        local(tz, 2028, 1, 31, 10, 0), local(tz, 2028, 1, 31, 10, 0), tz
    ) == local(tz, 2028, 2, 29, 10, 0)


def test_month_end_in_local_time_not_utc() -> None:
    # 06:00 on 1 January in Kuzbass is still 31 December in UTC.
    rule = RepeatRule.parse("monthly 1 06:00")
    dec = local(KUZBASS, 2026, 12, 1, 6, 0)
    jan = rule.next_after(dec, dec, KUZBASS)
    assert jan == local(KUZBASS, 2027, 1, 1, 6, 0)
    assert jan.day == 31 and jan.month == 12  # as UTC


def test_weekly_on_given_days() -> None:
    rule = RepeatRule.parse("weekly mon,thu 18:00")
    monday = local(ALMATY, 2026, 11, 30, 18, 0)  # a Monday
    thursday = rule.next_after(monday, monday, ALMATY)
    assert thursday == local(ALMATY, 2026, 12, 3, 18, 0)
    assert rule.next_after(thursday, thursday, ALMATY) == local(ALMATY, 2026, 12, 7, 18, 0)


def test_interval_counts_from_the_previous_due() -> None:
    rule = RepeatRule.parse("every 2h")
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert rule.next_after(start, start, KUZBASS) == start + timedelta(hours=2)
    assert rule.next_after(start, start + timedelta(hours=5), KUZBASS) == start + timedelta(hours=6)


@pytest.mark.parametrize(
    "text", ["hourly", "daily 25:00", "monthly 32 10:00", "every 0m", "weekly xyz 10:00"]
)
def test_bad_rules_are_refused(text: str) -> None:
    with pytest.raises(RuleError):
        RepeatRule.parse(text)


@pytest.mark.parametrize("tz", [KUZBASS, ALMATY])
def test_quiet_hours_defer_to_the_local_morning(tz: ZoneInfo) -> None:
    quiet = QuietHours()  # 22:00-08:00
    evening = local(tz, 2026, 12, 5, 23, 15)
    assert quiet.defer(evening, tz) == local(tz, 2026, 12, 6, 8, 0)
    night = local(tz, 2026, 12, 6, 3, 0)
    assert quiet.defer(night, tz) == local(tz, 2026, 12, 6, 8, 0)
    day = local(tz, 2026, 12, 6, 12, 0)
    assert quiet.defer(day, tz) == day
    assert quiet.defer(local(tz, 2026, 12, 6, 22, 0), tz) == local(tz, 2026, 12, 7, 8, 0)
    assert quiet.defer(local(tz, 2026, 12, 6, 8, 0), tz) == local(tz, 2026, 12, 6, 8, 0)


def test_the_same_moment_is_quiet_in_one_zone_and_not_in_another() -> None:
    quiet = QuietHours()
    moment = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # 22:30 in Kuzbass, 20:30 in Almaty
    assert quiet.defer(moment, KUZBASS) == local(KUZBASS, 2026, 12, 6, 8, 0)
    assert quiet.defer(moment, ALMATY) == moment


def test_quiet_hours_settings() -> None:
    assert QuietHours.parse("23:00-07:30") == QuietHours(time(23, 0), time(7, 30))
    assert not QuietHours.parse("off").enabled
    daytime = QuietHours.parse("13:00-15:00")
    assert daytime.contains(time(14, 0)) and not daytime.contains(time(15, 0))
    with pytest.raises(RuleError):
        QuietHours.parse("late")
