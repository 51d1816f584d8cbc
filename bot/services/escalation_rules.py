"""The time rules of escalation and reminders, pure: when a searching request reaches the next
circle, when its window ends, who is on duty at night. No database here, so help_requests
(which escalation builds on) can use them too.

The app puts a ``Policy`` (from the settings) and the ``Links`` (packed callback data of the
buttons, built in bot/keyboards/escalation.py) in every session's ``info``; services read them
with ``policy_of`` / ``links_of`` (unit tests get the defaults)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.timing import QuietHours, RuleError

POLICY_INFO = "escalation_policy"
LINKS_INFO = "escalation_links"

# When a preset window ends, local time; a typed window or "any" ends at 21:00.
WINDOW_ENDS = {"morning": time(12, 0), "day": time(17, 0), "evening": time(21, 0)}
DAY_END = time(21, 0)
SOON_DAYS = 3  # «within 3 days»: today and the two days after

# ``circle``: who a searching request may reach beyond its territory's waves.
TERRITORY, NEIGHBOURS, HQ, COORDINATORS = 0, 1, 2, 3
# ``remind_state`` of a taken request.
NOT_ASKED, ASKED, COORDINATOR_ALERTED, STILL_DOING = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Duty:
    """A coordinator on duty during these local hours (of the request's territory)."""

    user_id: int
    hours: QuietHours  # the same "HH:MM-HH:MM" window, midnight allowed inside

    def covers(self, local: time) -> bool:
        return self.hours.contains(local)


def parse_duty(text: str) -> tuple[Duty, ...]:
    """``DUTY_COORDINATORS``: ``user_id:HH:MM-HH:MM`` items separated by commas, e.g.
    ``111:22:00-08:00,222:08:00-22:00``; empty: nobody (the territory's coordinators and the
    HQ are alerted instead)."""
    shifts: list[Duty] = []
    for item in (part.strip() for part in text.replace(";", ",").split(",")):
        if not item:
            continue
        m = re.fullmatch(r"(-?\d{1,15})\s*:\s*(\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})", item)
        if not m:
            raise RuleError(f"a duty looks like 111:22:00-08:00, not {item!r}")
        hours = QuietHours.parse(m.group(2))
        if not hours.enabled:
            raise RuleError(f"a duty's hours must not be empty: {item!r}")
        shifts.append(Duty(int(m.group(1)), hours))
    return tuple(shifts)


@dataclass(frozen=True, slots=True)
class Links:
    """Packed callback data of the buttons escalation messages carry (the app's come from
    bot/keyboards/escalation.py; these defaults only serve unit tests)."""

    take: Callable[[int], str] = lambda request_id: f"tk:{request_id}:take"
    open_task: Callable[[int], str] = lambda request_id: f"tk:{request_id}:open"
    assign: Callable[[int], str] = lambda request_id: f"ca:{request_id}:0:0"
    still: Callable[[int], str] = lambda request_id: f"es:still:{request_id}:0"
    cannot: Callable[[int], str] = lambda request_id: f"es:cannot:{request_id}:0"
    replace: Callable[[int, int, int], str] = lambda request_id, volunteer_id, former_id: (
        f"es:rp:{request_id}:{volunteer_id}:{former_id}"
    )
    replace_list: Callable[[int, int], str] = lambda request_id, former_id: (
        f"es:rl:{request_id}:0:{former_id}"
    )


@dataclass(frozen=True, slots=True)
class Policy:
    """ESCALATE_TODAY_MINUTES, ESCALATE_SOON_MINUTES, ESCALATE_PLANNED_HOURS_BEFORE,
    REMINDER_ANSWER_MINUTES, QUIET_HOURS and DUTY_COORDINATORS."""

    today: timedelta = timedelta(minutes=30)
    soon: timedelta = timedelta(hours=6)
    planned_before: timedelta = timedelta(hours=24)
    answer: timedelta = timedelta(hours=1)
    quiet: QuietHours = field(default_factory=QuietHours)
    duty: tuple[Duty, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(
            today=timedelta(minutes=settings.escalate_today_minutes),
            soon=timedelta(minutes=settings.escalate_soon_minutes),
            planned_before=timedelta(hours=settings.escalate_planned_hours_before),
            answer=timedelta(minutes=settings.reminder_answer_minutes),
            quiet=QuietHours.parse(settings.quiet_hours),
            duty=parse_duty(settings.duty_coordinators),
        )

    def step(self, urgency: str) -> timedelta:
        """Between one circle and the next."""
        return self.today if urgency == "today" else self.soon

    def on_duty(self, local: time) -> list[int]:
        return sorted({shift.user_id for shift in self.duty if shift.covers(local)})


def policy_of(session: Any) -> Policy:
    policy = session.info.get(POLICY_INFO)
    return policy if isinstance(policy, Policy) else Policy()


def links_of(session: Any) -> Links:
    links = session.info.get(LINKS_INFO)
    return links if isinstance(links, Links) else Links()


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def window_end(day: date, time_window: str | None, tz: ZoneInfo) -> datetime:
    return _local(day, WINDOW_ENDS.get(time_window or "any", DAY_END), tz)


def due_at(
    urgency: str, planned_on: date | None, time_window: str | None, start: datetime, tz: ZoneInfo
) -> datetime:
    """The end of the request's time window: «today» by the window's end today (tomorrow's,
    when today's has passed already), «within 3 days» by the third day's, a planned date by
    that day's."""
    today = start.astimezone(tz).date()
    if urgency == "planned" and planned_on is not None:
        return window_end(max(planned_on, today), time_window, tz)
    if urgency == "today":
        end = window_end(today, time_window, tz)
        return end if end > start else window_end(today + timedelta(days=1), time_window, tz)
    return window_end(today + timedelta(days=SOON_DAYS - 1), time_window, tz)


def first_step_at(
    urgency: str, planned_on: date | None, start: datetime, tz: ZoneInfo, policy: Policy
) -> datetime:
    """When a request nobody took reaches its neighbours' volunteers: after the urgency's
    step, a planned one not before the day before its date."""
    after = start + policy.step(urgency)
    if urgency == "planned" and planned_on is not None:
        before = _local(planned_on, time(0, 0), tz) - policy.planned_before
        return max(after, before)
    return after


def quiet_hold(urgency: str, now: datetime, tz: ZoneInfo, policy: Policy) -> datetime | None:
    """A «today» request raised during quiet hours waits for the morning (the end of the
    quiet hours) before volunteers see it; None: no wait."""
    if urgency != "today":
        return None
    until = policy.quiet.defer(now, tz)
    return until if until > now else None
