"""Campaign statistics (issue 17): the counts of a mixed campaign (each person once, by the
latest state), a read-only viewer's territories only, the planned dates by week, and the chart
a valid PNG with the Kazakh letters drawn (no missing glyph)."""

from __future__ import annotations

import io
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import campaign_chart, campaign_stats
from bot.services.territories import load_from_file
from models import (
    Campaign,
    CampaignAlert,
    CampaignContact,
    CampaignPerson,
    CampaignTerritory,
    Territory,
    migrate,
)
from models.db import create_engine, create_sessionmaker

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
World = tuple[async_sessionmaker[AsyncSession], int, dict[str, int]]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """A campaign in Yurga and Belovo: ten people in every state (see the comments)."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await load_from_file(session, "kuzbass", NOW)
        ids = {
            code: (await session.scalar(select(Territory.id).where(Territory.code == code))) or 0
            for code in ("yurga", "belovo")
        }
        campaign = Campaign(
            name="Обзвон", status="active", rounds=[0, 7], window_start=600, window_end=1140,
            attempts=3, retry_minutes=120, visit_after=None, volunteers="all", created_by=1,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        session.add(campaign)
        await session.flush()
        cid = campaign.id
        session.add_all(CampaignTerritory(campaign_id=cid, territory_id=t) for t in ids.values())
        no = {"vaccinated": False}
        people: list[tuple[str, str, dict[str, Any], list[tuple[str, dict[str, Any]]]]] = [
            # vaccinated, unwell
            ("yurga", "done", {"vaccinated_on": date(2026, 12, 1)},
             [("reached", {"vaccinated": True, "feeling": "unwell"})]),
            # planning, «fear»
            ("yurga", "queued", {"planned_on": date(2026, 12, 10)},
             [("reached", {**no, "reason": "fear", "planned_on": "2026-12-10"})]),
            # first «no», then «yes» (the answers alone say so): vaccinated, no reason counted
            ("yurga", "queued", {},
             [("reached", {**no, "reason": "time"}), ("reached", {"vaccinated": True})]),
            # refused
            ("yurga", "stopped", {"last_outcome": "refused"}, [("refused", {})]),
            # unreachable
            ("yurga", "unreachable", {}, [("no_answer", {}), ("no_answer", {})]),
            # not called
            ("yurga", "queued", {}, []),
            # reached, «no» without a date («ill»), then no answer
            ("yurga", "queued", {},
             [("reached", {**no, "reason": "ill", "planned_on": None}), ("no_answer", {})]),
            # wrong number: stopped
            ("belovo", "stopped", {"last_outcome": "wrong_number"}, [("wrong_number", {})]),
            # called, not reached yet
            ("belovo", "queued", {}, [("busy", {})]),
            # planning, «transport»
            ("belovo", "queued", {"planned_on": date(2026, 12, 1)},
             [("reached", {**no, "reason": "transport", "planned_on": "2026-12-01"})]),
        ]  # fmt: skip
        for n, (where, status, extra, contacts) in enumerate(people):
            person = CampaignPerson(
                campaign_id=cid, territory_id=ids[where], full_name=f"Человек{n}",
                phone="+79030000000", consent_on=date(2026, 11, 1), kind="call", status=status,
                created_at=NOW, updated_at=NOW, **extra,
            )  # fmt: skip
            session.add(person)
            await session.flush()
            for k, (outcome, answers) in enumerate(contacts):
                session.add(
                    CampaignContact(
                        campaign_id=cid,
                        person_id=person.id,
                        by_user_id=901,
                        kind="call",
                        round=0,
                        outcome=outcome,
                        answers=answers,
                        created_at=NOW - timedelta(days=3 - k),
                    )
                )
            await session.flush()
            if n == 0:
                for status in ("open", "acknowledged"):  # two alerts, one person
                    session.add(
                        CampaignAlert(
                            campaign_id=cid,
                            person_id=person.id,
                            reported_by=901,
                            status=status,
                            created_at=NOW,
                        )
                    )
        await session.commit()
    yield sessions, cid, ids
    await engine.dispose()


async def test_counts_of_a_mixed_campaign(world: World) -> None:
    sessions, cid, _ids = world
    async with sessions() as session:
        stats = await campaign_stats.collect(session, cid)
    total = stats.total
    assert (total.people, total.called, total.reached, total.unwell, total.stopped) == (
        10, 9, 5, 1, 2,
    )  # fmt: skip
    assert dict(total.categories) == {
        "vaccinated": 2, "planning": 2, "declined": 1, "refused": 1, "unreachable": 1,
        "stopped": 1, "in_progress": 1, "not_called": 1,
    }  # fmt: skip
    assert (total.vaccinated, total.planning, total.refused, total.unreachable) == (2, 2, 1, 1)
    assert dict(total.reasons) == {"fear": 1, "ill": 1, "transport": 1}
    assert stats.planned == [(date(2026, 12, 1), 1), (date(2026, 12, 10), 1)]
    assert [item.territory.code for item in stats.territories] == ["yurga", "belovo"]
    yurga, belovo = (item.counts for item in stats.territories)
    assert (yurga.people, yurga.called, yurga.reached, yurga.vaccinated) == (7, 6, 4, 2)
    assert (belovo.people, belovo.planning, belovo.stopped) == (3, 1, 1)
    weeks = campaign_stats.by_week(stats.planned, date(2026, 12, 5))
    assert weeks == campaign_stats.Weeks(1, [(date(2026, 12, 7), 1)], 0)


async def test_a_read_only_viewer_counts_their_territories(world: World) -> None:
    sessions, cid, ids = world
    async with sessions() as session:
        stats = await campaign_stats.collect(session, cid, frozenset({ids["belovo"]}))
    assert [item.territory.code for item in stats.territories] == ["belovo"]
    total = stats.total
    assert (total.people, total.called, total.reached, total.planning) == (3, 3, 1, 1)
    assert dict(total.reasons) == {"transport": 1}
    assert stats.planned == [(date(2026, 12, 1), 1)]
    async with sessions() as session:
        empty = await campaign_stats.collect(session, cid, frozenset())
    assert empty.total.people == 0 and empty.territories == []


def test_top_sums_up_the_rest() -> None:
    items = [
        campaign_stats.TerritoryCounts(Territory(id=n), campaign_stats.Counts(people=20 - n))
        for n in range(17)
    ]
    shown, rest = campaign_stats.top(items, 15)
    assert len(shown) == 15 and rest.people == 5 + 4


def test_the_chart_is_a_png_with_kazakh_letters() -> None:
    import matplotlib.image

    segments = ["Екпе алды", "Екпе алмақ (күні бар)", "Бас тартты", "Әлі қоңырау шалынбады"]
    bars = [campaign_chart.Bar("Барлығы", [5, 3, 1, 2])] + [
        campaign_chart.Bar(f"Әғқңөұүһі {n}", [1, 1, 0, 1]) for n in range(16)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = campaign_chart.render("Науқан «Күз»: статистика $5", segments, bars)
    assert not [w for w in caught if "missing" in str(w.message).lower()], caught
    assert png.startswith(b"\x89PNG")
    image = matplotlib.image.imread(io.BytesIO(png))
    assert image.shape[1] == campaign_chart.WIDTH_PX
    assert image.shape[0] > 1000  # grows with the territories
