"""Time rules of the domain: repeat rules for reminders and quiet hours, in local time.

Pure functions over timezone-aware datetimes; times are stored in UTC and reasoned about in
the person's (territory's) zone. Neither Russia nor Kazakhstan has DST now; ZoneInfo still
handles history correctly.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^every (\d{1,4})([mhd])$")
_DAILY = re.compile(r"^daily (\d{1,2}):(\d{2})$")
_DAY = "(?:mon|tue|wed|thu|fri|sat|sun)"
_WEEKLY = re.compile(rf"^weekly ({_DAY}(?:,{_DAY})*) (\d{{1,2}}):(\d{{2}})$")
_MONTHLY = re.compile(r"^monthly (\d{1,2}) (\d{1,2}):(\d{2})$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


class RuleError(ValueError):
    """A repeat rule that cannot be understood."""


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """``every 30m|2h|3d``, ``daily 09:30``, ``weekly mon,thu 10:00``, ``monthly 31 10:00``
    (a day past the month's end means its last day)."""

    text: str
    interval: timedelta | None = None
    at: time | None = None
    weekdays: frozenset[int] = frozenset()
    day_of_month: int | None = None
    # ``every 3d``: local days, at the previous occurrence's local time (across a DST change
    # too: not 72 h, which would move the hour and could put two on one local day)
    local_days: bool = False

    @classmethod
    def parse(cls, text: str) -> RepeatRule:
        rule = " ".join(text.lower().split())
        if m := _INTERVAL.match(rule):
            count = int(m.group(1))
            if count == 0:
                raise RuleError(f"interval must be positive: {text!r}")
            unit = m.group(2)
            return cls(rule, interval=count * _UNITS[unit], local_days=unit == "d")
        if m := _DAILY.match(rule):
            return cls(rule, at=_clock(m.group(1), m.group(2), text))
        if m := _WEEKLY.match(rule):
            days = frozenset(WEEKDAYS.index(d) for d in m.group(1).split(","))
            return cls(rule, at=_clock(m.group(2), m.group(3), text), weekdays=days)
        if m := _MONTHLY.match(rule):
            day = int(m.group(1))
            if not 1 <= day <= 31:
                raise RuleError(f"day of month must be 1-31: {text!r}")
            return cls(rule, at=_clock(m.group(2), m.group(3), text), day_of_month=day)
        raise RuleError(f"unknown repeat rule: {text!r}")

    def next_after(self, previous: datetime, after: datetime, tz: ZoneInfo) -> datetime:
        """The first occurrence strictly after ``after`` (occurrences missed meanwhile are
        skipped, not fired in a burst), counted from ``previous``."""
        if self.interval is not None:
            if previous > after:
                return previous
            steps = (after - previous) // self.interval + 1
            if self.local_days:  # the estimate is off by one at most, across a DST change
                while steps > 1 and self._step(previous, steps - 1, tz) > after:
                    steps -= 1
                while self._step(previous, steps, tz) <= after:
                    steps += 1
                return self._step(previous, steps, tz)
            return previous + steps * self.interval
        assert self.at is not None
        day = max(previous, after).astimezone(tz).date()
        for offset in range(0, 400):
            candidate_day = day + timedelta(days=offset)
            if self._matches(candidate_day):
                moment = _local(candidate_day, self.at, tz)
                if moment > after:
                    return moment
        raise RuleError(f"no occurrence within a year: {self.text!r}")

    def latest_until(
        self, previous: datetime, moment: datetime, tz: ZoneInfo
    ) -> tuple[datetime, int]:
        """The last occurrence at or before ``moment``, counting from ``previous`` (itself an
        occurrence), and how many occurrences came before it: after downtime the latest one
        may still be on time while the earlier ones were missed."""
        if previous > moment:
            return previous, 0
        if self.interval is not None:
            steps = (moment - previous) // self.interval
            if self.local_days:
                while steps > 0 and self._step(previous, steps, tz) > moment:
                    steps -= 1
                while self._step(previous, steps + 1, tz) <= moment:
                    steps += 1
                return self._step(previous, steps, tz), steps
            return previous + steps * self.interval, steps
        latest, skipped = previous, 0
        for _ in range(10_000):  # a daily rule over 27 years; beyond that, give up skipping
            following = self.next_after(latest, latest, tz)
            if following > moment:
                break
            latest, skipped = following, skipped + 1
        return latest, skipped

    def _step(self, previous: datetime, steps: int, tz: ZoneInfo) -> datetime:
        """``previous`` moved ``steps`` intervals of local days on, at its local time."""
        assert self.interval is not None
        local = previous.astimezone(tz)
        return _local(local.date() + steps * self.interval, local.time(), tz)

    def _matches(self, day: date) -> bool:
        if self.weekdays:
            return day.weekday() in self.weekdays
        if self.day_of_month is not None:
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.day_of_month, last)
        return True


def _clock(hours: str, minutes: str, text: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise RuleError(f"no such time of day: {text!r}")
    return time(h, m)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours when normal and bulk messages wait (default 22:00-08:00); urgent ones go."""

    start: time = time(22, 0)
    end: time = time(8, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``22:00-08:00``; an empty text or ``off`` turns quiet hours off (start == end)."""
        text = text.strip().lower()
        if text in ("", "off", "none"):
            return cls(time(0, 0), time(0, 0))
        m = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
        if not m:
            raise RuleError(f"quiet hours look like 22:00-08:00, not {text!r}")
        return cls(_clock(m.group(1), m.group(2), text), _clock(m.group(3), m.group(4), text))

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, local: time) -> bool:
        if not self.enabled:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def defer(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """``moment`` itself, or the end of the quiet hours it falls in."""
        local = moment.astimezone(tz)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        day = local.date()
        if local.time() >= self.end and self.start > self.end:
            day += timedelta(days=1)  # late evening: wait for tomorrow morning
        return _local(day, self.end, tz)
