"""The audit log: every coordinator action, who did it, on what, when, in which scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.users import Roles
from models import AuditEntry, Territory


async def scope_of(session: AsyncSession, roles: Roles) -> str:
    if roles.is_hq:
        return "hq"
    codes = (
        await session.scalars(
            select(Territory.code)
            .where(Territory.id.in_(roles.territory_ids))
            .order_by(Territory.code)
        )
    ).all()
    return ",".join(codes)[:500] or "-"


async def record(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    now: datetime,
    roles: Roles | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction (it lands with the action or not at all)."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target=target,
        scope=await scope_of(session, roles) if roles is not None else "-",
        details=details or {},
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def record_apart(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    actor_id: int,
    action: str,
    now: datetime,
    roles: Roles | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry in a transaction of its own, for work that runs outside any update (an
    export in the background)."""
    async with sessionmaker() as session:
        await record(
            session, actor_id=actor_id, action=action, now=now, roles=roles, target=target,
            details=details,
        )  # fmt: skip
        await session.commit()


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


COUNT_CAP = 10_000  # a page says "of more than 10,000" rather than count the whole log


@dataclass(frozen=True, slots=True)
class Found:
    entries: list[AuditEntry]
    total: int  # counted up to ``cap`` + 1: more than ``cap`` reads as "more than"
    cap: int

    @property
    def over_cap(self) -> bool:
        return self.total > self.cap


async def find(
    session: AsyncSession, where: AuditFilter, *, offset: int = 0, limit: int = 10
) -> Found:
    """Newest first, with the count for paging. The log only grows (500,000 entries in a
    region's two years), so the count stops past COUNT_CAP (or past this page, deeper in):
    counting everything cost ~20 ms on PostgreSQL for a number nobody pages through."""
    conditions = []
    if where.actor_id is not None:
        conditions.append(AuditEntry.actor_id == where.actor_id)
    if where.action is not None:
        conditions.append(AuditEntry.action == where.action)
    if where.since is not None:
        conditions.append(AuditEntry.created_at >= where.since)
    if where.until is not None:
        conditions.append(AuditEntry.created_at < where.until)
    cap = max(COUNT_CAP, offset + limit)
    matching = select(AuditEntry.id).where(*conditions).limit(cap + 1).subquery()
    total = await session.scalar(select(func.count()).select_from(matching))
    entries = await session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return Found(list(entries.all()), total or 0, cap)
