"""Texts built from domain records in one language (handlers and outbox messages share them).

Each function takes ``_``: a gettext already bound to the reader's locale (``i18n.get`` in a
handler, ``partial(translator.get, locale)`` for someone else).
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import html

from bot.services.volunteers import format_phone
from models import Volunteer

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
        hours=f"{volunteer.hours:g}",
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
