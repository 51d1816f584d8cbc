"""PostgreSQL trigger fixes after review:

- request_pushes_last never waits for a volunteer's row: a push insert took that row's lock
  (UPDATE volunteers), so a transaction that had changed a volunteer and then offered a task
  (blocking a volunteer, /forget) deadlocked with an offer of another request to that
  volunteer. A row another transaction holds keeps its time (a heuristic for fairness: the
  next push writes it); our own transaction's lock does not count as held.
- users_count: a change between NULL and '' fired the trigger (IS DISTINCT FROM) with equal
  counter keys, and the counter was added to without being taken from. Keys are compared as
  counted, in the trigger's condition and in the function.

SQLite has one writer at a time and compared the keys as counted already: nothing changes.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PUSHES_LAST = """
CREATE OR REPLACE FUNCTION request_pushes_last() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM volunteers WHERE id = NEW.volunteer_id
        AND (last_pushed_at IS NULL OR last_pushed_at < NEW.created_at)
        FOR NO KEY UPDATE SKIP LOCKED;
    IF FOUND THEN
        UPDATE volunteers SET last_pushed_at = NEW.created_at WHERE id = NEW.volunteer_id;
    END IF;
    RETURN NULL;
END
$$
"""

_PUSHES_LAST_BEFORE = """
CREATE OR REPLACE FUNCTION request_pushes_last() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE volunteers SET last_pushed_at = NEW.created_at WHERE id = NEW.volunteer_id
        AND (last_pushed_at IS NULL OR last_pushed_at < NEW.created_at);
    RETURN NULL;
END
$$
"""

_USERS_COUNT = """
CREATE OR REPLACE FUNCTION users_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key text[];
    new_key text[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_key := ARRAY[coalesce(OLD.locale, ''), coalesce(OLD.language_code, ''),
                         OLD.blocked_bot::text];
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := ARRAY[coalesce(NEW.locale, ''), coalesce(NEW.language_code, ''),
                         NEW.blocked_bot::text];
    END IF;
    IF old_key IS NOT NULL AND new_key IS NOT NULL AND old_key = new_key THEN
        RETURN NULL;  -- counted alike before and after
    END IF;
    IF old_key IS NOT NULL AND (new_key IS NULL OR old_key < new_key) THEN
        UPDATE user_counts SET n = n - 1
         WHERE locale = old_key[1] AND language_code = old_key[2] AND blocked = OLD.blocked_bot;
    END IF;
    IF new_key IS NOT NULL THEN
        INSERT INTO user_counts (locale, language_code, blocked, n)
        VALUES (new_key[1], new_key[2], NEW.blocked_bot, 1)
        ON CONFLICT (locale, language_code, blocked) DO UPDATE SET n = user_counts.n + 1;
    END IF;
    IF old_key IS NOT NULL AND new_key IS NOT NULL AND old_key > new_key THEN
        UPDATE user_counts SET n = n - 1
         WHERE locale = old_key[1] AND language_code = old_key[2] AND blocked = OLD.blocked_bot;
    END IF;
    RETURN NULL;
END
$$
"""

_UPDATE_TRIGGER = (
    "CREATE TRIGGER tr_users_count_update AFTER UPDATE OF locale, language_code, blocked_bot"
    " ON users FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION users_count()"
)
_CHANGED_AS_COUNTED = (
    "coalesce(OLD.locale, '') <> coalesce(NEW.locale, '')"
    " OR coalesce(OLD.language_code, '') <> coalesce(NEW.language_code, '')"
    " OR OLD.blocked_bot IS DISTINCT FROM NEW.blocked_bot"
)
_CHANGED_BEFORE = (
    "OLD.locale IS DISTINCT FROM NEW.locale"
    " OR OLD.language_code IS DISTINCT FROM NEW.language_code"
    " OR OLD.blocked_bot IS DISTINCT FROM NEW.blocked_bot"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_PUSHES_LAST)
    op.execute(_USERS_COUNT)
    op.execute("DROP TRIGGER IF EXISTS tr_users_count_update ON users")
    op.execute(_UPDATE_TRIGGER.format(changed=_CHANGED_AS_COUNTED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_PUSHES_LAST_BEFORE)
    op.execute("DROP TRIGGER IF EXISTS tr_users_count_update ON users")
    op.execute(_UPDATE_TRIGGER.format(changed=_CHANGED_BEFORE))
