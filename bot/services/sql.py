"""Statements that differ by dialect but mean the same on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from models import Base

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any] | None = None
) -> Insert:
    """INSERT that does nothing for a row whose unique key already exists. Without ``values``,
    execute it with a list of rows: SQLAlchemy sends them as one multi-row statement and
    caches its compiled form."""
    # The dialect's module only: a bot on SQLite never loads PostgreSQL's (about 2 MB).
    dialect = importlib.import_module(f"sqlalchemy.dialects.{session.get_bind().dialect.name}")
    statement: postgresql.Insert | sqlite.Insert = dialect.insert(model)
    if values is not None:
        statement = statement.values(**values)
    return statement.on_conflict_do_nothing()
