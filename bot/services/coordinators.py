"""Appointing and removing coordinators, and finding the person meant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ranges import INT64_MAX, parse_int
from bot.services.users import find_by_username, get_user
from models import Coordinator, CoordinatorTerritory, Territory, User


async def find_person(session: AsyncSession, text: str) -> User | None:
    """A person who has started the bot, by Telegram id or @username."""
    value = text.strip()
    if value.lstrip("-").isdigit():
        # users.id is a BigInteger: a longer number is nobody, not an overflowing query.
        user_id = parse_int(value, -INT64_MAX, INT64_MAX)
        return await get_user(session, user_id) if user_id is not None else None
    if value.startswith("@") or value.replace("_", "").isalnum():
        return await find_by_username(session, value)
    return None


async def appoint(
    session: AsyncSession,
    *,
    user_id: int,
    territory_ids: list[int],
    hq: bool,
    actor_id: int,
    now: datetime,
) -> Coordinator:
    """Make (or re-make) someone a coordinator: HQ, or of exactly these territories."""
    coordinator = await session.get(Coordinator, user_id)
    if coordinator is None:
        coordinator = Coordinator(
            user_id=user_id, is_hq=hq, appointed_by=actor_id, appointed_at=now
        )
        session.add(coordinator)
    else:
        coordinator.is_hq = hq
        coordinator.appointed_by = actor_id
        coordinator.appointed_at = now
    await session.flush()
    await session.execute(
        delete(CoordinatorTerritory).where(CoordinatorTerritory.user_id == user_id)
    )
    if not hq:
        session.add_all(
            CoordinatorTerritory(user_id=user_id, territory_id=tid)
            for tid in sorted(set(territory_ids))
        )
    await session.flush()
    return coordinator


async def dismiss(session: AsyncSession, user_id: int) -> bool:
    coordinator = await session.get(Coordinator, user_id)
    if coordinator is None:
        return False
    await session.delete(coordinator)
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class CoordinatorInfo:
    user_id: int
    first_name: str
    username: str | None
    is_hq: bool
    territories: list[Territory]
    appointed_at: datetime


async def list_coordinators(session: AsyncSession) -> list[CoordinatorInfo]:
    rows = (
        await session.execute(
            select(Coordinator, User)
            .join(User, User.id == Coordinator.user_id)
            .order_by(User.first_name)
        )
    ).all()
    links = (
        await session.execute(
            select(CoordinatorTerritory.user_id, Territory)
            .join(Territory, Territory.id == CoordinatorTerritory.territory_id)
            .order_by(Territory.name_ru)
        )
    ).all()
    by_user: dict[int, list[Territory]] = {}
    for user_id, territory in links:
        by_user.setdefault(user_id, []).append(territory)
    return [
        CoordinatorInfo(
            user_id=user.id,
            first_name=user.first_name,
            username=user.username,
            is_hq=coordinator.is_hq,
            territories=by_user.get(user.id, []),
            appointed_at=coordinator.appointed_at,
        )
        for coordinator, user in rows
    ]
