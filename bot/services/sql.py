"""Statements that differ by dialect but mean the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from models import Base


def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any] | None = None
) -> Insert:
    """INSERT that does nothing for a row whose unique key already exists. Without ``values``,
    execute it with a list of rows: SQLAlchemy sends them as one multi-row statement and
    caches its compiled form."""
    statement: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(model)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(model)
    )
    if values is not None:
        statement = statement.values(**values)
    return statement.on_conflict_do_nothing()
