"""Demo data: made through the services, idempotent, and shown by the sandbox with roles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot import demo_data, sandbox_setup
from bot.app import App
from bot.sandbox import Emulator
from models import (
    Campaign,
    CampaignPerson,
    HelpRequest,
    OutboxMessage,
    TipSubscription,
    User,
    Volunteer,
    VolunteerEvent,
)
from tests.e2e.conftest import StartBot

ADMIN = 1000
ROOT = Path(__file__).resolve().parents[2]


async def _counts(runner_app: App) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with runner_app.sessionmaker() as session:
        for name, column in (
            ("users", User.id),
            ("volunteers", Volunteer.id),
            ("requests", HelpRequest.id),
            ("campaigns", Campaign.id),
            ("campaign_people", CampaignPerson.id),
            ("events", VolunteerEvent.id),
            ("tip_subscriptions", TipSubscription.user_id),
            ("outbox", OutboxMessage.id),
        ):
            counts[name] = int(await session.scalar(select(func.count(column))) or 0)
    return counts


async def test_demo_data_is_real_and_idempotent(emulator: Emulator, start_bot: StartBot) -> None:
    sandbox_setup.add_admins(emulator, [ADMIN], "ru")
    runner = await start_bot(overrides={"territories": "kuzbass"}, admin_ids=[ADMIN])
    app = runner.app
    assert app is not None
    first = await sandbox_setup.prepare(emulator, app, demo=True)
    assert any(line.startswith("volunteers: 10") for line in first), first
    counts = await _counts(app)
    assert counts["volunteers"] == 10 and counts["requests"] == 4 and counts["campaigns"] == 1
    assert counts["campaign_people"] == len(demo_data.CAMPAIGN_PEOPLE)
    assert counts["events"] == 1 and counts["tip_subscriptions"] == 2
    async with app.sessionmaker() as session:
        statuses = sorted((await session.scalars(select(HelpRequest.status))).all())
        assert statuses == ["done", "new", "on_way", "taken"]
        people = (await session.scalars(select(User))).all()
        languages = {u.locale for u in people if 2001 <= u.id <= 2010}
        assert languages == {"ru", "kk"}
        skills = {s for v in (await session.scalars(select(Volunteer))).all() for s in v.skills}
        assert len(skills) >= 6
        roles = await demo_data.roles_of(session, [ADMIN])
    assert roles[ADMIN] == "coordinator (HQ)" and roles[1100] == "coordinator"
    assert roles[2001].startswith("volunteer: ") and roles[3001] == "citizen"

    # Everyone the bot knows is a person on the page, the coordinator 1000 from the start.
    on_page = {p.id for p in emulator.people()}
    assert on_page == {ADMIN, *(p.id for p in demo_data.PEOPLE)}
    # The open request was pushed to the volunteers who fit, in their language.
    push = await emulator.user(2002).wait_messages(1, timeout=10)
    assert push[0].body.startswith("🆕 № 1 тапсырма")

    again = await demo_data.seed(
        app.sessionmaker, now=app.clock.now(), admin_ids=[ADMIN], territories_file="kuzbass"
    )
    assert again == []
    assert await _counts(app) == counts


async def test_extra_seeders_run_after_the_others_and_missing_ones_are_skipped(
    emulator: Emulator, start_bot: StartBot
) -> None:
    runner = await start_bot(overrides={"territories": "kuzbass"}, admin_ids=[ADMIN])
    assert runner.app is not None
    seen: list[int] = []

    async def count_volunteers(ctx: demo_data.DemoContext) -> None:
        seen.append(int(await ctx.session.scalar(select(func.count(Volunteer.id))) or 0))

    demo_data.SEEDERS.append(count_volunteers)
    demo_data.EXTRA_SEEDERS.append("bot.no_such_feature:seed")
    try:
        await demo_data.seed(runner.app.sessionmaker, now=runner.clock.now(), admin_ids=[ADMIN])
    finally:
        demo_data.SEEDERS.remove(count_volunteers)
        demo_data.EXTRA_SEEDERS.remove("bot.no_such_feature:seed")
    assert seen == [10]


def test_demo_data_command_twice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADMIN_IDS")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3"
    env["PYTHONPATH"] = str(ROOT)
    outputs = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo-data"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "volunteers: 10 approved" in outputs[0]
    assert "requests: 4" in outputs[0]
    assert outputs[1].strip() == "demo data: everything was there already"


def test_state_file_sits_next_to_the_database() -> None:
    assert sandbox_setup.state_file_for("sqlite+aiosqlite:///sandbox.sqlite3") == Path(
        "sandbox.people.json"
    )
    assert sandbox_setup.state_file_for("sqlite+aiosqlite:////srv/hq/bot.sqlite3") == Path(
        "/srv/hq/bot.people.json"
    )
    assert sandbox_setup.state_file_for("postgresql+asyncpg://u@h/db") == Path(
        "sandbox.people.json"
    )
