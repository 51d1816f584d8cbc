"""The history lines of a request's card in the coordinators' console (issue 19): every step
with who and when, in the territory's local time, and how many volunteers were offered it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import html
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local
from bot.services import console
from models import HelpRequest, Territory, User


async def history_lines(
    i18n: I18nContext, db: AsyncSession, request: HelpRequest, hq_zone: ZoneInfo
) -> list[str]:
    """Every step with who and when, in the territory's local time; the offers counted."""
    _ = i18n.get
    territory = await db.get(Territory, request.territory_id)
    zone = territory.timezone if territory else None
    lines = [_("console-history-title", offered=await console.offered_count(db, request.id))]
    events = await console.history(db, request.id)
    if not any(e.kind == "created" for e in events):  # older requests: from the row itself
        lines.append(
            _("console-event", kind="created", at=local(request.created_at, zone, hq_zone))
        )
    names: dict[int, str] = {}
    for event in events:
        line = _("console-event", kind=event.kind, at=local(event.at, zone, hq_zone))
        if event.actor_id is not None:
            if event.actor_id not in names:
                names[event.actor_id] = await _person_name(db, event.actor_id)
            line += _("console-event-who", who=html.quote(names[event.actor_id]))
        text = str(event.details.get("text") or event.details.get("reason") or "")
        if text:
            line += _("console-event-text", text=html.quote(text))
        lines.append(line)
    return lines


async def _person_name(db: AsyncSession, user_id: int) -> str:
    user = await db.get(User, user_id)
    return user.first_name if user is not None else str(user_id)
