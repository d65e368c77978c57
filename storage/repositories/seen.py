"""Slack requests already handled (event ids, trigger ids): the retry dedupe."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import SeenRequest


def first_sight(s: Session, *, key: str, team_id: str, at: datetime) -> bool:
    """Record the key; False when it was already there (a retry or a duplicate)."""
    statement = _RECORD[s.get_bind().dialect.name]
    values = {"key": key, "team_id": team_id, "seen_at": at}
    return s.connection().execute(statement, values).first() is not None


def _record(insert: Any) -> Any:
    # Built once, run with Core: a referral's transaction runs it first (bot.services.requests).
    table = SeenRequest.__table__
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.key)


_RECORD = {"postgresql": _record(pg_insert), "sqlite": _record(sqlite_insert)}


def forget(s: Session, key: str) -> None:
    s.execute(delete(SeenRequest).where(SeenRequest.key == key))


def purge(s: Session, *, before: datetime) -> int:
    result = s.execute(delete(SeenRequest).where(SeenRequest.seen_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
