"""A help request's history: one row per step, read by the coordinators' console.

``record`` is called inside the transaction of the transition it describes, so the history
never claims a step that was rolled back. ``details`` carry ids, counts and codes only: no
name, phone or address (an erased request's details are emptied all the same)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import RequestEvent

DETAILS_MAX_CHARS = 300  # a free-text detail (a reason) is cut to this


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    request_id: int
    at: datetime
    kind: str
    actor_id: int | None
    details: dict[str, Any]


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if value is None:
            continue
        if isinstance(value, str):
            value = value[:DETAILS_MAX_CHARS]
        elif isinstance(value, (set, frozenset, tuple)):
            value = sorted(value)
        cleaned[key] = value
    return cleaned


async def record(
    session: AsyncSession,
    request_id: int,
    kind: str,
    now: datetime,
    actor_id: int | None = None,
    **details: Any,
) -> None:
    """One step of a request's history (in the caller's transaction)."""
    session.add(
        RequestEvent(
            request_id=request_id,
            at=now,
            kind=str(kind),
            actor_id=actor_id,
            details=_clean(details),
        )
    )
    await session.flush()


async def history(session: AsyncSession, request_id: int) -> list[Event]:
    """Every step of a request, oldest first (from the (request_id, at) index)."""
    rows = await session.execute(
        select(
            RequestEvent.id,
            RequestEvent.request_id,
            RequestEvent.at,
            RequestEvent.kind,
            RequestEvent.actor_id,
            RequestEvent.details,
        )
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.at, RequestEvent.id)
    )
    return [Event(*row) for row in rows.all()]


async def scrub(session: AsyncSession, *request_ids: int) -> None:
    """Erased requests: their steps stay (kinds and times, for the reports), their details
    and actors go."""
    await session.execute(
        update(RequestEvent)
        .where(RequestEvent.request_id.in_(request_ids))
        .values(details={}, actor_id=None)
    )
