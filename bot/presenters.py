"""Texts built from domain records in one language (handlers and outbox messages share them).

Each function takes ``_``: a gettext already bound to the reader's locale (``i18n.get`` in a
handler, ``partial(translator.get, locale)`` for someone else).
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import html

from bot.services.volunteers import format_phone
from models import HelpRequest, Volunteer

Gettext = Callable[..., str]


def volunteer_fields(
    _: Gettext,
    *,
    name: str,
    phone: str,
    territory: str,
    skills: list[str],
    age_group: str,
    availability: list[str],
    dobro_id: str | None,
) -> dict[str, str]:
    """The arguments of the card-like messages (summary, application), HTML-escaped."""
    return {
        "name": html.quote(name),
        "phone": html.quote(format_phone(phone)),
        "territory": html.quote(territory),
        "skills": ", ".join(_(f"skill-{s}") for s in skills),
        "age": _(f"age-{age_group}"),
        "availability": ", ".join(_(f"availability-{a}") for a in availability),
        "dobro": html.quote(dobro_id) if dobro_id else _("signup-dobro-none"),
    }


def profile_card(_: Gettext, volunteer: Volunteer, territory: str) -> str:
    return _(
        "profile-card",
        id=volunteer.id,
        tasks=volunteer.tasks_done,
        hours=volunteer.hours,
        **volunteer_fields(
            _,
            name=volunteer.name,
            phone=volunteer.phone,
            territory=territory,
            skills=list(volunteer.skills),
            age_group=volunteer.age_group,
            availability=list(volunteer.availability),
            dobro_id=volunteer.dobro_id,
        ),
    )


def application_card(_: Gettext, volunteer: Volunteer, territory: str) -> str:
    return _(
        "volunteer-application",
        id=volunteer.id,
        **volunteer_fields(
            _,
            name=volunteer.name,
            phone=volunteer.phone,
            territory=territory,
            skills=list(volunteer.skills),
            age_group=volunteer.age_group,
            availability=list(volunteer.availability),
            dobro_id=volunteer.dobro_id,
        ),
    )


# --- help requests ------------------------------------------------------------------------------
def who_line(
    _: Gettext,
    *,
    for_other: bool,
    name: str,
    phone: str | None,
    age: int | None,
    self_isolation: bool | None,
) -> str:
    """The person helped: name, phone (tap-to-call: Telegram links a plain number), age."""
    shown_phone = html.quote(format_phone(phone)) if phone else "-"
    if not for_other:
        return _("rq-who-self", name=html.quote(name), phone=shown_phone)
    return _(
        "rq-who-other",
        name=html.quote(name),
        phone=shown_phone,
        age=age if age is not None else "-",
        isolation="yes" if self_isolation else "no",
    )


# "What is needed" given only as a voice note or photo is stored as this mark.
MEDIA_MARKS = {"voice": "🎤", "photo": "🖼"}


def details_text(_: Gettext, details: str, kind: str | None) -> str:
    """The details as the reader sees them: a media mark becomes words in their language."""
    if kind in MEDIA_MARKS and details == MEDIA_MARKS[kind]:
        return _(f"rq-details-{kind}")
    return html.quote(details)


def request_fields(_: Gettext, request: HelpRequest) -> dict[str, str | int]:
    """Arguments shared by the summary, the requester's card, the task and the coordinator's
    card; personal, so each caller decides who may read them."""
    return {
        "id": request.id,
        "kind": request.kind,
        "status": request.status,
        "who": who_line(
            _,
            for_other=request.for_other,
            name=request.person_name,
            phone=request.person_phone,
            age=request.person_age,
            self_isolation=request.self_isolation,
        ),
        "address": html.quote(request.address),
        "details": details_text(_, request.details, request.details_file_kind),
        "code": request.door_code,
        "urgency": request.urgency,
        "planned": request.planned_on.strftime("%d.%m.%Y") if request.planned_on else "-",
        "window": html.quote(request.time_window or "any"),
    }


def task_details(_: Gettext, request: HelpRequest) -> str:
    """What the volunteer who took the task reads: everything needed at the door."""
    lines = [_("task-details", **request_fields(_, request))]
    if request.lat is not None and request.lon is not None:
        lines.append(_("task-map-link", lat=f"{request.lat:.5f}", lon=f"{request.lon:.5f}"))
    if request.caller_phone:
        lines.append(_("task-caller-line", phone=html.quote(format_phone(request.caller_phone))))
    lines.append(_("task-status-line", status=request.status))
    return "\n".join(lines)
