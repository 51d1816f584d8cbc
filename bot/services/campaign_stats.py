"""Campaign statistics (issue 17): per territory and in total, for the coordinator's text
report and chart. No aiogram here.

Each person is counted once, by their latest state, in one of the ``CATEGORIES`` (the
chart's segments, in this priority): vaccinated (``vaccinated_on`` set, or the latest
reached contact's answers say ``vaccinated``), refused (the latest outcome), planning (not
vaccinated, with a planned date), declined (reached, not vaccinated, no date), unreachable,
stopped (wrong number, moved, died), in progress (called, not reached yet), not called.
Beside them: called (at least one contact), reached (a reached contact, or done), unwell (an
alert was raised), stopped (the status, refusals included), the script's «why not» reasons of
the not vaccinated, and the planned dates.

One grouped statement does it all, whatever the campaign's size: the people joined to their
contacts grouped per person (the latest reached contact's id) and to the latest reached
contact's answers (JSON fields read by the database), grouped by territory and state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import (
    CampaignAlert,
    CampaignContact,
    CampaignPerson,
    Outcome,
    PersonStatus,
    Territory,
)

VACCINATED = "vaccinated"
REFUSED = "refused"
PLANNING = "planning"
DECLINED = "declined"
UNREACHABLE = "unreachable"
STOPPED = "stopped"
IN_PROGRESS = "in_progress"
NOT_CALLED = "not_called"
CATEGORIES = (
    VACCINATED,
    PLANNING,
    DECLINED,
    REFUSED,
    UNREACHABLE,
    STOPPED,
    IN_PROGRESS,
    NOT_CALLED,
)
# The script's «why not» reasons (handlers/volunteer/calls.py REASONS); anything else is "other".
REASONS = ("ill", "exempt", "fear", "time", "transport", "other")


@dataclass(slots=True)
class Counts:
    people: int = 0
    called: int = 0
    reached: int = 0
    unwell: int = 0
    stopped: int = 0  # the status, refusals included
    categories: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def vaccinated(self) -> int:
        return self.categories[VACCINATED]

    @property
    def planning(self) -> int:
        return self.categories[PLANNING]

    @property
    def refused(self) -> int:
        return self.categories[REFUSED]

    @property
    def unreachable(self) -> int:
        return self.categories[UNREACHABLE]

    def add(self, other: Counts) -> None:
        self.people += other.people
        self.called += other.called
        self.reached += other.reached
        self.unwell += other.unwell
        self.stopped += other.stopped
        self.categories.update(other.categories)
        self.reasons.update(other.reasons)


@dataclass(slots=True)
class TerritoryCounts:
    territory: Territory
    counts: Counts


@dataclass(slots=True)
class Stats:
    total: Counts
    territories: list[TerritoryCounts]  # most people first
    planned: list[tuple[date, int]]  # the planning people's dates, in date order


async def collect(
    session: AsyncSession, campaign_id: int, territory_ids: Collection[int] | None = None
) -> Stats:
    """The campaign's statistics; ``territory_ids``: only the people of these territories
    (a read-only viewer's scope, see ``campaigns.access``); None: the whole campaign."""
    people = CampaignPerson
    per_person = (
        select(
            CampaignContact.person_id.label("person_id"),
            func.max(case((CampaignContact.outcome == Outcome.REACHED, CampaignContact.id))).label(
                "reached_id"
            ),
        )
        .where(CampaignContact.campaign_id == campaign_id)
        .group_by(CampaignContact.person_id)
        .subquery()
    )
    alerted = (
        select(CampaignAlert.person_id.label("person_id"))
        .where(CampaignAlert.campaign_id == campaign_id)
        .group_by(CampaignAlert.person_id)
        .subquery()
    )
    latest = aliased(CampaignContact)
    said_vaccinated = latest.answers["vaccinated"].as_boolean()
    reached = per_person.c.reached_id.is_not(None)
    done = people.status == PersonStatus.DONE
    category = case(
        (people.vaccinated_on.is_not(None), VACCINATED),
        (said_vaccinated.is_(True), VACCINATED),
        (people.last_outcome == Outcome.REFUSED, REFUSED),
        (people.planned_on.is_not(None), PLANNING),
        (reached, DECLINED),
        (done, DECLINED),
        (people.status == PersonStatus.UNREACHABLE, UNREACHABLE),
        (people.status == PersonStatus.STOPPED, STOPPED),
        (per_person.c.person_id.is_not(None), IN_PROGRESS),
        else_=NOT_CALLED,
    ).label("category")
    planned = case(
        (
            and_(
                people.vaccinated_on.is_(None),
                func.coalesce(said_vaccinated, False).is_(False),
                func.coalesce(people.last_outcome, "") != Outcome.REFUSED,
            ),
            people.planned_on,
        )
    ).label("planned")
    called = case((per_person.c.person_id.is_not(None), 1), else_=0).label("called")
    was_reached = case((reached, 1), (done, 1), else_=0).label("reached")
    unwell = case((alerted.c.person_id.is_not(None), 1), else_=0).label("unwell")
    stopped = case((people.status == PersonStatus.STOPPED, 1), else_=0).label("stopped")
    reason = latest.answers["reason"].as_string().label("reason")
    where: list[ColumnElement[bool]] = [people.campaign_id == campaign_id]
    if territory_ids is not None:
        where.append(people.territory_id.in_(sorted(territory_ids)))
    columns = (people.territory_id, category, planned, called, was_reached, unwell, stopped, reason)
    rows = (
        await session.execute(
            select(*columns, func.count())
            .select_from(people)
            .outerjoin(per_person, per_person.c.person_id == people.id)
            .outerjoin(latest, latest.id == per_person.c.reached_id)
            .outerjoin(alerted, alerted.c.person_id == people.id)
            .where(*where)
            .group_by(*columns)
        )
    ).all()
    by_territory: dict[int, Counts] = {}
    dates: Counter[date] = Counter()
    for territory_id, cat, planned_on, is_called, is_reached, is_unwell, is_stopped, why, n in rows:
        counts = by_territory.setdefault(territory_id, Counts())
        counts.people += n
        counts.called += n * is_called
        counts.reached += n * is_reached
        counts.unwell += n * is_unwell
        counts.stopped += n * is_stopped
        counts.categories[cat] += n
        if cat != VACCINATED and why is not None:
            counts.reasons[why if why in REASONS else "other"] += n
        if cat == PLANNING and planned_on is not None:
            dates[planned_on] += n
    territories = {
        t.id: t
        for t in (
            await session.scalars(select(Territory).where(Territory.id.in_(list(by_territory))))
        ).all()
    }
    listed = sorted(
        (TerritoryCounts(territories[t], c) for t, c in by_territory.items() if t in territories),
        key=lambda item: (-item.counts.people, item.territory.name_ru),
    )
    total = Counts()
    for item in listed:
        total.add(item.counts)
    return Stats(total, listed, sorted(dates.items()))


@dataclass(frozen=True, slots=True)
class Weeks:
    overdue: int  # the date has passed without news
    weeks: list[tuple[date, int]]  # the Monday of each of the nearest weeks with people
    later: int  # beyond those weeks


def by_week(planned: Iterable[tuple[date, int]], today: date, shown: int = 4) -> Weeks:
    """The planned dates grouped by week (from Monday), the nearest ``shown`` weeks with
    people; the overdue and the later ones summed up."""
    overdue = 0
    weeks: Counter[date] = Counter()
    for day, n in planned:
        if day < today:
            overdue += n
        else:
            weeks[day - timedelta(days=day.weekday())] += n
    ordered = sorted(weeks.items())
    return Weeks(overdue, ordered[:shown], sum(n for _day, n in ordered[shown:]))


def top(items: list[TerritoryCounts], limit: int = 15) -> tuple[list[TerritoryCounts], Counts]:
    """The ``limit`` territories with the most people, and the rest summed up (``people``
    0 when none)."""
    rest = Counts()
    for item in items[limit:]:
        rest.add(item.counts)
    return items[:limit], rest
