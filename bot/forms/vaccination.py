"""The vaccination follow-up script as form steps: a volunteer's call or visit
(handlers/volunteer/calls.py) and a person's own answers in the bot
(handlers/citizen/self_survey.py) ask the same questions and store the same answers.

Vaccinated? → yes: how do you feel (unwell: what exactly) / no: why (other: which; no way to
get there: a ride?) and when is it planned (a date or «не знаю»).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import Message

from bot.config import Settings
from bot.forms.engine import Ctx, Done, Say, Step
from bot.forms.widgets import choice_step, text_step
from bot.keyboards import requests as request_kb
from bot.services import help_requests
from bot.services.cleaning import clean_bounded
from models import CampaignPerson

NOTE_MIN, NOTE_MAX = 2, 300
FEELINGS = ("well", "slight", "unwell")
REASONS = ("ill", "exempt", "fear", "time", "transport", "other")
UNKNOWN = "unknown"
_DATE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?\s*$")
_UNKNOWN_WORDS = {"не знаю", "незнаю", "білмеймін", "білмеймін.", "не знаю."}


def today_of(ctx: Ctx) -> date:
    """The person's local day (``zone`` in the form's data)."""
    zone = ZoneInfo(str(ctx.data.get("zone") or "UTC"))
    return ctx.clock.now().astimezone(zone).date()


def parse_planned(text: str | None, today: date) -> str | None:
    """«25.12», «25.12.2026» → the ISO date, today or later (a day and month already past
    this year mean next year's); «не знаю» → ``UNKNOWN``; None otherwise."""
    cleaned = (text or "").strip().lower()
    if cleaned in _UNKNOWN_WORDS:
        return UNKNOWN
    match = _DATE.match(cleaned)
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    try:
        if match.group(3):
            when = date(int(match.group(3)), month, day)
        else:
            when = date(today.year, month, day)
            if when < today:
                when = date(today.year + 1, month, day)
    except ValueError:
        return None
    if when < today or (when - today).days > 366:
        return None
    return when.isoformat()


async def _planned_typed(ctx: Ctx, message: Message) -> Done | Say | None:
    if message.text is None:
        return None
    value = parse_planned(message.text, today_of(ctx))
    if value is None:
        return Say(ctx._("script-bad-date"))
    shown = ctx._("script-planned-unknown") if value == UNKNOWN else show_date(value)
    return Done({"planned": value}, shown=shown)


def show_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def vaccinated(data: Mapping[str, Any]) -> bool:
    return data.get("vaccinated") == "yes"


def not_vaccinated(data: Mapping[str, Any]) -> bool:
    return data.get("vaccinated") == "no"


def answers_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The script's answers that apply (an answer left behind by «Назад» does not)."""
    answers: dict[str, Any] = {"vaccinated": vaccinated(data)}
    if vaccinated(data):
        answers["feeling"] = data.get("feeling")
        if data.get("feeling") == "unwell":
            answers["unwell_note"] = data.get("unwell_note")
    else:
        answers["reason"] = data.get("reason")
        if data.get("reason") == "other":
            answers["reason_other"] = data.get("reason_other")
        if data.get("reason") == "transport":
            answers["ride"] = data.get("ride") == "yes"
        planned = data.get("planned")
        answers["planned_on"] = None if planned in (None, UNKNOWN) else planned
    return answers


async def summary(ctx: Ctx) -> str:
    _, d = ctx._, ctx.data
    lines = [_("script-summary")]
    if vaccinated(d):
        lines.append(_("script-sum-yes", feeling=_(f"script-feeling-{d.get('feeling')}")))
        if d.get("feeling") == "unwell":
            lines.append(_("script-sum-note", note=html.escape(str(d.get("unwell_note")))))
    else:
        reason = d.get("reason")
        text = (
            html.escape(str(d.get("reason_other")))
            if reason == "other"
            else _(f"script-reason-{reason}")
        )
        lines.append(_("script-sum-no", reason=text))
        if reason == "transport":
            ride = d.get("ride") == "yes"
            lines.append(_("script-sum-ride-yes") if ride else _("script-sum-ride-no"))
        planned = d.get("planned")
        shown = _("script-planned-unknown") if planned in (None, UNKNOWN) else show_date(planned)
        lines.append(_("script-sum-planned", date=shown))
    return "\n".join(lines)


def _note(text: str | None) -> str | None:
    return clean_bounded(text, NOTE_MIN, NOTE_MAX)


def script_steps(
    *,
    unwell_question: str = "script-ask-unwell",
    guard: Callable[[Mapping[str, Any]], bool] = lambda data: True,
) -> Sequence[Step]:
    """The script's steps; ``guard``: they apply only when it holds (a self-survey asks them
    once the person has proved who they are)."""

    def when(rule: Callable[[Mapping[str, Any]], bool]) -> Callable[[Mapping[str, Any]], bool]:
        return lambda data: guard(data) and rule(data)

    yes_no = ("btn-script-yes", "btn-script-no")
    return [
        choice_step(
            "vacc",
            "script-ask-vaccinated",
            "vaccinated",
            lambda ctx: [("yes", ctx._(yes_no[0])), ("no", ctx._(yes_no[1]))],
            columns=2,
            when=when(lambda d: True),
        ),
        choice_step(
            "feel",
            "script-ask-feeling",
            "feeling",
            lambda ctx: [(f, ctx._(f"script-feeling-{f}")) for f in FEELINGS],
            when=when(vaccinated),
        ),
        text_step(
            "unwell",
            unwell_question,
            "unwell_note",
            _note,
            "script-bad-note",
            when=when(lambda d: vaccinated(d) and d.get("feeling") == "unwell"),
        ),
        choice_step(
            "why",
            "script-ask-reason",
            "reason",
            lambda ctx: [(r, ctx._(f"script-reason-{r}")) for r in REASONS],
            when=when(not_vaccinated),
        ),
        text_step(
            "why_other",
            "script-ask-reason-other",
            "reason_other",
            _note,
            "script-bad-note",
            when=when(lambda d: not_vaccinated(d) and d.get("reason") == "other"),
        ),
        choice_step(
            "ride",
            "script-ask-ride",
            "ride",
            lambda ctx: [("yes", ctx._(yes_no[0])), ("no", ctx._(yes_no[1]))],
            columns=2,
            when=when(lambda d: not_vaccinated(d) and d.get("reason") == "transport"),
        ),
        choice_step(
            "plan",
            "script-ask-planned",
            "planned",
            lambda ctx: [(UNKNOWN, ctx._("script-planned-unknown"))],
            on_message=_planned_typed,
            hint="script-bad-date",
            when=when(not_vaccinated),
        ),
    ]


async def ride_request(
    ctx: Ctx,
    person: CampaignPerson,
    token: str,
    now: datetime,
    *,
    requester_id: int | None,
    entered_by: int | None,
) -> int:
    """A help request of kind "ride" for the person, offered to the territory's volunteers:
    entered by the volunteer who called (as the hotline does for a caller), or asked by the
    person or their relative in the bot (who then follows it in «Мои заявки»)."""
    settings: Settings = ctx.extra["settings"]
    existing = await help_requests.by_form_token(ctx.db, token)
    if existing is not None:
        return existing.id
    age = now.year - person.birth_year if person.birth_year else None
    draft = help_requests.Draft(
        kind="ride",
        for_other=True,
        person_name=person.full_name[:100],
        territory_id=person.territory_id,
        address=person.address or "-",
        details=ctx._("script-ride-details"),
        urgency="soon",
        requester_id=requester_id,
        entered_by=entered_by,
        person_age=age,
        person_phone=person.phone,
        time_window="any",
        form_token=token,
    )
    request = await help_requests.create(ctx.db, draft, now)
    await help_requests.offer_or_escalate(
        ctx.db,
        request,
        now,
        take_data=request_kb.take_data(request.id),
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
    )
    return request.id
