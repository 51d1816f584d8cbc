"""What `python -m bot sandbox` adds to the bare emulator: its people kept next to the
database, the HQ coordinators and everyone the bot knows present on the page, demo data on
the first start, the territories for the location picker and each person's role."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot import demo_data
from models import Territory

if TYPE_CHECKING:
    from bot.app import App
    from bot.sandbox import Emulator

log = logging.getLogger(__name__)

STATE_SUFFIX = ".people.json"


def state_file_for(database_url: str) -> Path:
    """The emulator's state file: next to a SQLite database (sandbox.sqlite3 ->
    sandbox.people.json), else sandbox.people.json in the current folder."""
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        return path.with_name(path.stem + STATE_SUFFIX)
    return Path("sandbox" + STATE_SUFFIX)


def add_admins(emulator: Emulator, admin_ids: list[int], language: str) -> None:
    """The HQ coordinators exist from the start, with a chat the bot may write to first."""
    for admin_id in admin_ids:
        known = admin_id in emulator.profiles
        emulator.user(
            admin_id,
            first_name=None if known else "Штаб",  # as the demo data names them
            language_code=None if known else language,
            started=True,
        )


async def prepare(emulator: Emulator, app: App, *, demo: bool) -> list[str]:
    """Demo data when asked (the first start), then everyone the bot knows on the page."""
    settings = app.settings
    report: list[str] = []
    if demo:
        try:
            report = await demo_data.seed(
                app.sessionmaker,
                now=app.clock.now(),
                admin_ids=settings.admin_ids,
                default_locale=settings.default_locale,
                territories_file=settings.territories,
            )
        except Exception:  # the sandbox is still worth having without its demo
            log.exception("demo data not added; the sandbox goes on without it")
            report = ["not added (see the log)"]
    async with app.sessionmaker() as session:
        known = await demo_data.people_to_show(session)
    phones = {p.id: p.phone for p in demo_data.PEOPLE}
    for user in known:
        if user.id in emulator.profiles:
            continue
        emulator.user(
            user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            language_code=user.locale or user.language_code or settings.default_locale,
            phone=phones.get(user.id),
            started=not user.blocked_bot,
        )

    async def places() -> list[dict[str, Any]]:
        async with app.sessionmaker() as session:
            rows = (await session.scalars(select(Territory).order_by(Territory.id))).all()
        big = demo_data.BIG_CITIES
        ordered = sorted(
            rows,
            key=lambda t: (big.index(t.code) if t.code in big else len(big), t.name_ru),
        )
        return [
            {"name": t.name_ru, "lat": t.lat, "lon": t.lon, "radius_km": t.radius_km}
            for t in ordered
        ]

    async def roles() -> dict[int, str]:
        async with app.sessionmaker() as session:
            return await demo_data.roles_of(session, settings.admin_ids)

    emulator.places = places
    emulator.roles = roles
    found = await places()
    if found:  # where a new person is: the biggest city (first of the picker's places)
        centre = found[0]
        old, emulator.default_location = (
            emulator.default_location,
            (float(centre["lat"]), float(centre["lon"])),
        )
        for person in emulator.people():
            if person.location == old:
                person.location = emulator.default_location
    return report
