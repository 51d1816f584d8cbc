"""Statements that differ by dialect but mean the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from models import Base


def insert_ignore(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> Insert:
    """INSERT that does nothing when a unique key already exists."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).values(**values).on_conflict_do_nothing()
    return sqlite.insert(model).values(**values).on_conflict_do_nothing()
