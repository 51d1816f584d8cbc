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


async def find(
    session: AsyncSession, where: AuditFilter, *, offset: int = 0, limit: int = 10
) -> tuple[list[AuditEntry], int]:
    """Newest first, with the total count for paging."""
    conditions = []
    if where.actor_id is not None:
        conditions.append(AuditEntry.actor_id == where.actor_id)
    if where.action is not None:
        conditions.append(AuditEntry.action == where.action)
    if where.since is not None:
        conditions.append(AuditEntry.created_at >= where.since)
    if where.until is not None:
        conditions.append(AuditEntry.created_at < where.until)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    entries = await session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(entries.all()), total or 0
