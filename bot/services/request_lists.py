"""The HQ's list of requests, a page at a time.

Open requests are few whatever the bot's age (they close), so they are counted and listed
oldest first: the longest waiting come first. All requests grow with every year of work, so
that list is never counted (a count walks every row): it runs newest first, and a page knows
only whether another one follows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.help_requests import OPEN
from models import HelpRequest


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[HelpRequest]
    total: int | None  # open requests only
    has_more: bool


async def page(
    session: AsyncSession,
    territory_ids: Collection[int] | None,
    *,
    everything: bool,
    offset: int,
    limit: int,
) -> Page:
    """A page of the requests a coordinator sees (``territory_ids`` None: every territory)."""
    conditions = []
    if territory_ids is not None:
        conditions.append(HelpRequest.territory_id.in_(territory_ids))
    if everything:
        found = await session.scalars(
            select(HelpRequest)
            .where(*conditions)
            .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
        rows = list(found.all())
        return Page(rows[:limit], None, len(rows) > limit)
    conditions.append(HelpRequest.status.in_(OPEN))
    total = await session.scalar(select(func.count(HelpRequest.id)).where(*conditions)) or 0
    found = await session.scalars(
        select(HelpRequest)
        .where(*conditions)
        .order_by(HelpRequest.created_at, HelpRequest.id)
        .offset(offset)
        .limit(limit)
    )
    return Page(list(found.all()), total, offset + limit < total)
