"""The digests of forgotten people's contact details (storage.models.ForgottenContact)."""

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ForgottenContact


def digest(value: str) -> str:
    """The digest of one normalized email or profile URL."""
    return hashlib.sha256(value.encode()).hexdigest()


def add(s: Session, team_id: str, values: Iterable[str], *, now: datetime) -> None:
    known = matching(s, team_id, values)
    for value in dict.fromkeys(values):
        if (d := digest(value)) not in known:
            known.add(d)
            s.add(ForgottenContact(team_id=team_id, digest=d, created_at=now))


def matching(s: Session, team_id: str, values: Iterable[str]) -> set[str]:
    """The digests among `values`' that belong to someone forgotten."""
    digests = {digest(v) for v in values}
    if not digests:
        return set()
    return set(
        s.scalars(
            select(ForgottenContact.digest).where(
                ForgottenContact.team_id == team_id, ForgottenContact.digest.in_(digests)
            )
        )
    )
