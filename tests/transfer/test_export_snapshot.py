"""An export is one moment of the team, however long it reads: what is written meanwhile is in
the next export, never in half of this one (PostgreSQL gave each page a snapshot of its own)."""

import io
import json
from typing import Any

from sqlalchemy import event, select

from bot.transfer.exporting import export_candidates
from bot.transfer.records import BATCH
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Candidate
from tests.storage.test_models import TEAM, candidate, referral


def test_what_is_written_during_an_export_is_not_half_in_it(
    sessions: Sessions, migrated_url: str
) -> None:
    with sessions.begin() as s:
        s.add_all(candidate(email=f"c{i}@example.com") for i in range(BATCH + 1))  # two pages
    with sessions() as s:
        ada = s.scalars(select(Candidate).order_by(Candidate.id)).first()
        assert ada is not None
    writer = make_sessions(make_engine(migrated_url))
    written: list[bool] = []

    def meanwhile(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Once the first page of candidates is read: her first referral comes in, and someone new.
        if written or not statement.lstrip().startswith("SELECT candidates."):
            return
        written.append(True)
        with writer.begin() as s:
            s.add(candidate(name="Grace Hopper", email="grace@example.com"))
            s.add(referral(ada.id))

    engine = sessions.kw["bind"]
    event.listen(engine, "after_cursor_execute", meanwhile)
    try:
        out = io.StringIO()
        count = export_candidates(sessions, team_id=TEAM, fmt="json", out=out)
    finally:
        event.remove(engine, "after_cursor_execute", meanwhile)
        writer.kw["bind"].dispose()

    exported = json.loads(out.getvalue())["candidates"]
    assert written
    assert count == len(exported) == BATCH + 1  # not Grace: she came after
    assert "grace@example.com" not in {c["email"] for c in exported}
    first = next(c for c in exported if c["public_id"] == ada.public_id)
    assert first["referrals"] == []  # as her page was read: the referral came after
