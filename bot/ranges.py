"""Integer ranges of the database's columns, for numbers that come from outside (callback
data, command arguments, deep links). A number beyond a column's range makes SQLite raise
OverflowError and PostgreSQL a DataError: such input is refused before any query."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INT32_MAX = 2**31 - 1  # Integer columns on PostgreSQL (territories.id, counters)
INT64_MAX = 2**63 - 1  # BigInteger columns (Telegram ids, record ids)

# A record id (volunteers, help requests, audit entries: BigInteger primary keys).
RecordId = Annotated[int, Field(ge=1, le=INT64_MAX)]
# A territory id (Integer primary key: 32-bit on PostgreSQL); 0 where the field is unused.
TerritoryId = Annotated[int, Field(ge=0, le=INT32_MAX)]
# A Telegram user id, or 0 for "none" (users.id is BigInteger).
UserId = Annotated[int, Field(ge=0, le=INT64_MAX)]
# List offsets and page numbers: far beyond any real list, inside every integer type.
Offset = Annotated[int, Field(ge=0, le=INT32_MAX)]
# Days since 1970-01-01 in audit filters (0: open); 10**6 days is year 4707.
Day = Annotated[int, Field(ge=0, le=10**6)]


def parse_int(text: str, low: int, high: int) -> int | None:
    """``text`` as an int in [low, high], or None: not ASCII digits (an optional leading
    minus), or out of range. Never raises, whatever the length."""
    body = text.strip()
    digits = body[1:] if body.startswith("-") else body
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 20:
        return None
    value = int(body)
    return value if low <= value <= high else None
