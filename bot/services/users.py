"""People who write to the bot, and the roles they hold."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.services.language import negotiate_locale
from bot.services.sql import insert_ignore
from models import (
    Coordinator,
    CoordinatorTerritory,
    FsmRecord,
    User,
    UserCount,
    Volunteer,
    VolunteerStatus,
)

SEEN_EVERY = timedelta(hours=12)  # last_seen_at is written at most this often (N days)


@dataclass(frozen=True, slots=True)
class Profile:
    """What Telegram tells about a person on every update."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Roles:
    """A person is a citizen always; the other roles are granted. HQ coordinators see every
    territory; other coordinators only ``territory_ids``: every coordinator check asks
    ``can_act_in``, never compares ids itself."""

    is_volunteer: bool = False
    is_coordinator: bool = False
    is_hq: bool = False
    territory_ids: frozenset[int] = frozenset()

    @property
    def is_citizen(self) -> bool:
        return True

    def can_act_in(self, territory_id: int | None) -> bool:
        if self.is_hq:
            return True
        return territory_id is not None and territory_id in self.territory_ids


# The person and what their roles need, in one statement built once: every update loads them
# (issue 15: two statements fewer per update than the user, then the coordinator row, then
# the approved application, each asked apart).
_PERSON = (
    select(
        User,
        Coordinator.user_id,
        Coordinator.is_hq,
        select(Volunteer.id)
        .where(Volunteer.user_id == User.id, Volunteer.status == VolunteerStatus.APPROVED)
        .limit(1)
        .scalar_subquery(),
    )
    .outerjoin(Coordinator, Coordinator.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


# The same and the person's form state, for the first read of an update: aiogram's FSM
# middleware reads the state (inside the person's lock) before the user middleware runs, so
# bot.fsm_storage asks this once and the person waits in the session (issue 15: one
# statement fewer on every update). A row always comes back: both sides are outer-joined.
_ONE = select(literal_column("1").label("one")).subquery("one")
_PERSON_AND_FORM = (
    select(
        User,
        Coordinator.user_id,
        Coordinator.is_hq,
        select(Volunteer.id)
        .where(Volunteer.user_id == User.id, Volunteer.status == VolunteerStatus.APPROVED)
        .limit(1)
        .scalar_subquery(),
        FsmRecord.key,
        FsmRecord.state,
        FsmRecord.data,
    )
    .select_from(_ONE)
    .outerjoin(User, User.id == bindparam("user_id"))
    .outerjoin(Coordinator, Coordinator.user_id == User.id)
    .outerjoin(FsmRecord, FsmRecord.key == bindparam("form_key"))
)
PERSON_CACHE = "person_rows"  # Session.info: user id -> the row of _PERSON (or None)
PREFETCHED = "person_prefetched"  # Session.info: the update's first read was done (kept)


async def person_and_form(
    session: AsyncSession, user_id: int, form_key: str
) -> tuple[str | None, dict[str, Any] | None] | None:
    """The person's form state and data as stored (None: no form record), the person kept
    for ``load_person``."""
    user, coordinator, coordinator_is_hq, volunteer, key, state, data = (
        await session.execute(_PERSON_AND_FORM, {"user_id": user_id, "form_key": form_key})
    ).one()
    session.info[PREFETCHED] = True
    cache = session.info.setdefault(PERSON_CACHE, {})
    cache[user_id] = None if user is None else (user, coordinator, coordinator_is_hq, volunteer)
    return None if key is None else (state, data)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(PERSON_CACHE, None)  # as the form records: read again after it


async def load_person(
    session: AsyncSession, user_id: int, admin_ids: frozenset[int] | set[int] | list[int]
) -> tuple[User, Roles] | None:
    """The person (now in the session, so ``session.get`` finds them without asking again)
    and their roles; None for someone the bot has never seen."""
    cached = session.info.get(PERSON_CACHE, {})
    if user_id in cached:
        row = cached.pop(user_id)
    else:
        row = (await session.execute(_PERSON, {"user_id": user_id})).first()
    if row is None:
        return None
    user, coordinator, coordinator_is_hq, volunteer = row
    territory_ids: frozenset[int] = frozenset()
    if coordinator is not None and not coordinator_is_hq:
        territory_ids = await _territories_of(session, user.id)
    is_hq = user.id in admin_ids or bool(coordinator_is_hq)
    return user, Roles(
        is_volunteer=volunteer is not None,
        is_coordinator=is_hq or bool(territory_ids),
        is_hq=is_hq,
        territory_ids=territory_ids,
    )


async def _territories_of(session: AsyncSession, user_id: int) -> frozenset[int]:
    return frozenset(
        (
            await session.scalars(
                select(CoordinatorTerritory.territory_id).where(
                    CoordinatorTerritory.user_id == user_id
                )
            )
        ).all()
    )


async def roles_for(
    session: AsyncSession, user: User, admin_ids: frozenset[int] | set[int] | list[int]
) -> Roles:
    """ADMIN_IDS and appointed HQ coordinators see everything; territory coordinators their
    territories; a volunteer is one whose application was approved."""
    coordinator = await session.get(Coordinator, user.id)
    territory_ids: frozenset[int] = frozenset()
    if coordinator is not None and not coordinator.is_hq:
        territory_ids = await _territories_of(session, user.id)
    is_hq = user.id in admin_ids or (coordinator is not None and coordinator.is_hq)
    volunteer = await session.scalar(
        select(Volunteer.id).where(
            Volunteer.user_id == user.id, Volunteer.status == VolunteerStatus.APPROVED
        )
    )
    return Roles(
        is_volunteer=volunteer is not None,
        is_coordinator=is_hq or bool(territory_ids),
        is_hq=is_hq,
        territory_ids=territory_ids,
    )


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def locale_of(session: AsyncSession, user_id: int, default: str) -> str:
    """The language to write to someone in (their choice, else Telegram's, else default)."""
    user = await session.get(User, user_id)
    if user is None:
        return default
    return negotiate_locale(user.locale, user.language_code, default)


async def locales_of(
    session: AsyncSession, user_ids: Collection[int], default: str
) -> dict[int, str]:
    """``locale_of`` for many people in one query."""
    rows = await session.execute(
        select(User.id, User.locale, User.language_code).where(User.id.in_(user_ids))
    )
    found = {row[0]: negotiate_locale(row[1], row[2], default) for row in rows.all()}
    return {user_id: found.get(user_id, default) for user_id in user_ids}


async def touch_user(
    session: AsyncSession, profile: Profile, now: datetime, *, wrote_to_bot: bool
) -> tuple[User, bool]:
    """Create or refresh a person from Telegram's data.

    Returns the user and whether anything was written, so the caller commits only then.
    ``wrote_to_bot``: the person sent something to the bot in private, so they have not
    blocked it (a block is only ever undone by them).
    """
    fresh: dict[str, Any] = {
        "first_name": profile.first_name[:256],
        "last_name": profile.last_name[:256] if profile.last_name else None,
        "username": profile.username,
        "language_code": profile.language_code,
    }
    user = await session.get(User, profile.id)
    if user is None:
        # Insert-or-ignore: two first updates of one person may race on PostgreSQL.
        values = {**fresh, "id": profile.id, "blocked_bot": False, "last_seen_at": now}
        await session.execute(
            insert_ignore(session, User, {**values, "created_at": now, "updated_at": now})
        )
        user = await session.get(User, profile.id, populate_existing=True)
        assert user is not None
        return user, True
    changed = False
    for field, value in fresh.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    if wrote_to_bot and user.blocked_bot:
        user.blocked_bot = False
        changed = True
    if changed:
        user.updated_at = now
    if user.last_seen_at is None or now - user.last_seen_at >= SEEN_EVERY:
        user.last_seen_at = now  # «active in the last N days» (broadcasts)
        changed = True
    return user, changed


async def set_locale(session: AsyncSession, user: User, locale: str, now: datetime) -> None:
    user.locale = locale
    user.updated_at = now
    await session.flush()


async def set_blocked(session: AsyncSession, user: User, blocked: bool, now: datetime) -> None:
    if user.blocked_bot != blocked:
        user.blocked_bot = blocked
        user.updated_at = now
        await session.flush()


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    name = username.removeprefix("@").lower()
    result = await session.execute(select(User).where(func.lower(User.username) == name))
    return result.scalars().first()


@dataclass(frozen=True, slots=True)
class UserStats:
    total: int
    blocked: int
    by_locale: dict[str, int]


async def user_stats(session: AsyncSession, default_locale: str) -> UserStats:
    """From the counters the database keeps (models.UserCount): a few rows, however many
    people there are."""
    rows = await session.execute(
        select(UserCount.locale, UserCount.language_code, UserCount.blocked, UserCount.n).where(
            UserCount.n > 0
        )
    )
    total = blocked = 0
    by_locale: dict[str, int] = {}
    for chosen, code, is_blocked, count in rows:
        total += count
        if is_blocked:
            blocked += count
        locale = negotiate_locale(chosen or None, code or None, default_locale)
        by_locale[locale] = by_locale.get(locale, 0) + count
    return UserStats(total=total, blocked=blocked, by_locale=by_locale)
