"""Slack requests already handled (event ids, trigger ids): the retry dedupe."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import SeenRequest


def first_sight(s: Session, *, key: str, team_id: str, at: datetime) -> bool:
    """Record the key; False when it was already there (a retry or a duplicate)."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = s.execute(
        insert(SeenRequest)
        .values(key=key, team_id=team_id, seen_at=at)
        .on_conflict_do_nothing(index_elements=[SeenRequest.key])
        .returning(SeenRequest.key)
    ).first()
    return inserted is not None


def forget(s: Session, key: str) -> None:
    s.execute(delete(SeenRequest).where(SeenRequest.key == key))


def purge(s: Session, *, before: datetime) -> int:
    result = s.execute(delete(SeenRequest).where(SeenRequest.seen_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
