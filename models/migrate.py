"""Apply and revert Alembic migrations from code (CLI, app start-up, tests).

Alembic is imported only when there is something to do: on an ordinary restart the database
is already at head, and the bot need not carry Alembic in memory.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

_REVISION = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?::[^=]+)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def _script_location() -> Path:
    # importlib.resources: migrations are found after a plain (non-editable) install too.
    return Path(str(files("models") / "migrations"))


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_script_location()))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head_revision() -> str | None:
    """The newest revision, read from the migration files without importing Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (_script_location() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision and down:
            revisions[revision.group(1)] = down.group(1)
    parents = {down for down in revisions.values() if down}
    heads = [rev for rev in revisions if rev not in parents]
    return heads[0] if len(heads) == 1 else None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.upgrade(alembic_config(connection=sync), revision)
        )


async def upgrade_if_needed(engine: AsyncEngine) -> bool:
    """Upgrade to head unless the database is there already; True when it migrated."""
    head = head_revision()
    if head is not None and await current_revision(engine) == head:
        return False
    await upgrade(engine)
    return True


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(connection=sync), revision)
        )


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None  # no alembic_version table yet: a new database
        return result.scalar()
