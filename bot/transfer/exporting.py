"""Everything a team holds, as CSV or JSON."""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Literal

from sqlalchemy import select

from bot.transfer.cells import escape
from bot.transfer.records import BATCH
from storage.db import Sessions
from storage.models import Candidate, Note, Outreach, Referral, Role

CSV_COLUMNS = (
    *("name", "email", "profile_url", "company", "headline", "tags", "status", "notes"),
    *("public_id", "source", "owner_id", "consent", "created_at", "last_activity_at"),
    *("archived_at", "referrals_json", "notes_json", "outreach_json"),
)


def export_candidates(
    sessions: Sessions, *, team_id: str, fmt: Literal["csv", "json"], out: IO[str]
) -> int:
    """Write every candidate of the team with its referrals, notes and outreach; the count."""
    records = _export_records(sessions, team_id)
    return _write_json(records, out) if fmt == "json" else _write_csv(records, out)


def _export_records(sessions: Sessions, team_id: str) -> Iterator[dict[str, Any]]:
    """Candidates oldest first, read BATCH at a time in one read transaction."""
    with sessions() as s:
        after = 0
        while batch := s.scalars(
            select(Candidate)
            .where(Candidate.team_id == team_id, Candidate.id > after)
            .order_by(Candidate.id)
            .limit(BATCH)
        ).all():
            ids = [c.id for c in batch]
            refs = _grouped(
                s.execute(
                    select(Referral.candidate_id, Referral, Role.title)
                    .outerjoin(Role, Referral.role_id == Role.id)
                    .where(Referral.candidate_id.in_(ids))
                    .order_by(Referral.created_at, Referral.id)
                )
            )
            notes = _grouped(
                s.execute(
                    select(Note.candidate_id, Note)
                    .where(Note.candidate_id.in_(ids))
                    .order_by(Note.created_at, Note.id)
                )
            )
            outreach = _grouped(
                s.execute(
                    select(Outreach.candidate_id, Outreach)
                    .where(Outreach.candidate_id.in_(ids))
                    .order_by(Outreach.created_at, Outreach.id)
                )
            )
            for c in batch:
                yield _candidate_record(
                    c, refs.get(c.id, []), notes.get(c.id, []), outreach.get(c.id, [])
                )
            after = batch[-1].id
            s.expunge_all()  # memory stays flat however many candidates there are


def _grouped(rows: Iterable[Any]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for candidate_id, *rest in rows:
        grouped.setdefault(candidate_id, []).append(tuple(rest))
    return grouped


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _candidate_record(
    c: Candidate,
    refs: list[tuple[Any, ...]],
    notes: list[tuple[Any, ...]],
    outreach: list[tuple[Any, ...]],
) -> dict[str, Any]:
    return {
        "public_id": c.public_id,
        "name": c.name,
        "email": c.email,
        "profile_url": c.profile_url,
        "company": c.company,
        "headline": c.headline,
        "tags": [tag for tag in (t.strip() for t in c.tags.split(",")) if tag],
        "status": c.status.value,
        "source": c.source.value,
        "owner_id": c.owner_id,
        "consent": c.consent,
        "created_at": _iso(c.created_at),
        "last_activity_at": _iso(c.last_activity_at),
        "archived_at": _iso(c.archived_at),
        "referrals": [
            {
                "referrer": r.referrer_id,
                "role": title,
                "relationship": r.relationship,
                "strength": r.strength.value if r.strength else None,
                "candidate_knows": r.candidate_knows,
                "can_intro": r.can_intro,
                "note": r.note,
                "created_at": _iso(r.created_at),
            }
            for r, title in refs
        ],
        "notes": [
            {
                "kind": n.kind.value,
                "body": n.body,
                "author": n.author_id,
                "created_at": _iso(n.created_at),
            }
            for (n,) in notes
        ],
        "outreach": [
            {
                "variant": o.variant,
                "channel": o.channel.value,
                "sent_at": _iso(o.sent_at),
                "replied_at": _iso(o.replied_at),
            }
            for (o,) in outreach
        ],
    }


def _write_json(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array, one candidate per line, written as it is read."""
    count = 0
    out.write("[")
    for count, record in enumerate(records, start=1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
    out.write("\n]\n" if count else "]\n")
    return count


def _write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """refbot's import format first, then everything else (JSON text for the lists)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        count += 1
        cells = {
            **record,
            "tags": ", ".join(record["tags"]),
            "notes": "\n\n".join(note["body"] for note in record["notes"]),
            "consent": "yes" if record["consent"] else "no",
            "referrals_json": _json_cell(record["referrals"]),
            "notes_json": _json_cell(record["notes"]),
            "outreach_json": _json_cell(record["outreach"]),
        }
        writer.writerow(escape(cells[column]) for column in CSV_COLUMNS)
    return count


def _json_cell(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""
