"""Form (FSM) state kept in the database, so a half-filled form survives a restart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, String, Table, bindparam, delete, event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime


class FsmRecord(Base):
    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# bot.fsm_storage keeps each form it read or changed here, in Session.info: key -> Form.
FSM_CACHE = "fsm_records"


@dataclass(slots=True)
class Form:
    """One person's form as a session knows it. Changes are written when the session commits
    (``unwritten`` until then): a form step that sets the state and stores an answer costs one
    statement, not one per call."""

    state: str | None
    data: dict[str, Any]
    stored: bool  # a row exists (as far as this session knows)
    unwritten: bool = False
    updated_at: datetime | None = None


_TABLE = cast(Table, FsmRecord.__table__)
# Built once: these run on most updates, and building a statement costs more than SQLite
# takes to run it.
READ = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("form_key"))
_INSERT = insert(_TABLE)
_UPDATE = update(_TABLE).where(_TABLE.c.key == bindparam("form_key"))
_DELETE = delete(_TABLE).where(_TABLE.c.key == bindparam("form_key"))


def forget_cached_records(session: Session | AsyncSession) -> None:
    """Drop what the session knows of forms (after a rollback, or a bulk DELETE of form
    state): the next read asks the database again. Changes not yet written are lost."""
    session.info.pop(FSM_CACHE, None)


@event.listens_for(Session, "before_commit")
def _write_forms(session: Session) -> None:
    """Write the changed forms in the transaction being committed. The cache is kept after
    the commit: within an update only this person's own update changes their form (the
    per-person lock), so it stays true. The one exception, an erasure running beside the
    update, deletes the row: an UPDATE then finds nothing, and the form is not brought back."""
    forms: dict[str, Form] | None = session.info.get(FSM_CACHE)
    if not forms or session.in_nested_transaction():
        return  # a savepoint released: the forms go with the transaction's own commit
    for key, form in forms.items():
        if not form.unwritten:
            continue
        empty = form.state is None and not form.data
        values = {"state": form.state, "data": form.data, "updated_at": form.updated_at}
        if not form.stored:
            if not empty:
                session.execute(_INSERT, {"key": key, **values})
                form.stored = True
        elif empty:
            session.execute(_DELETE, {"form_key": key})
            form.stored = False
        elif session.execute(_UPDATE, {"form_key": key, **values}).rowcount == 0:  # type: ignore[attr-defined]
            form.stored, form.state, form.data = False, None, {}  # erased meanwhile
        form.unwritten = False


@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    # A savepoint rolled back leaves the transaction, and the forms' changes, in place:
    # they are not part of savepoints.
    if not session.in_nested_transaction():
        forget_cached_records(session)
