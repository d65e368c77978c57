"""Candidates in and out: ATS exports (Lever, Greenhouse, refbot's own) imported with dedupe,
and everything a team holds exported as CSV or JSON (DESIGN §3, §8). Pure domain and storage.

Import rules, for operators:

- Columns are found by header, case-insensitively, with the aliases in ``_ALIASES``; other
  columns are ignored. A name (or first and last name) column and an email or profile URL column
  are required. Comma, semicolon and tab separated files are recognised by their header line.
- A row needs a name and at least one valid email or profile URL; otherwise it is skipped and
  reported with its line number. Cells holding several emails or links (Lever's "Links") give the
  first valid email and the first LinkedIn profile (else the first valid link).
- Status: a refbot status (``new``, ``snoozed``…) is kept as is; anything hired-like becomes
  ``hired``, rejected-like ``not_a_fit``, everything else, blank included, ``archived``: people
  from an ATS are a rediscovery pool, not referrals awaiting review. Lever's "Archive Reason",
  when filled, decides before the stage.
- Duplicates (by normalized email or profile URL, against the database and within the file) are
  merged into the existing candidate, never added twice: missing email, profile URL, company and
  headline are filled in, tags united, and the note added unless that exact note is there. Name
  and status of an existing candidate are never changed: the live pipeline wins.
- Rows commit in batches of ``BATCH``, so re-running a file after a failure completes it;
  re-running a file that was imported changes nothing.
"""

import csv
import itertools
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bot.clock import Clock
from bot.transfer import reading, shapes
from bot.transfer.records import BATCH, Counts, ImportFileError, ImportReport, Person, Skip
from bot.transfer.saving import audit_run, save
from storage.db import Sessions
from storage.models import Candidate, Member


def import_csv(
    sessions: Sessions,
    path: Path,
    *,
    team_id: str,
    clock: Clock,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import candidates from a CSV file, merging duplicates; ImportFileError if unreadable."""
    counts = Counts()
    try:
        with reading.lines(path) as lines:
            header_line = next(lines, None)
            if header_line is None:
                raise ImportFileError("the file is empty")
            reader = csv.reader(itertools.chain([header_line], lines), reading.dialect(header_line))
            columns = shapes.columns(next(reader))
            records = reading.records(reader)
            while chunk := list(itertools.islice(records, BATCH)):
                parsed: list[Person] = []
                for line, values in chunk:
                    try:
                        parsed.append(shapes.parse(values, columns))
                    except Skip as skip:
                        counts.errors.append((line, str(skip)))
                save(sessions, team_id, clock, parsed, counts)
                counts.rows += len(chunk)
                if progress is not None:
                    progress(counts.rows)
    except ImportFileError:
        if counts.rows:
            audit_run(sessions, team_id, clock, counts, aborted=True)  # earlier batches are in
        raise
    audit_run(sessions, team_id, clock, counts, aborted=False)
    return ImportReport(counts.imported, counts.merged, len(counts.errors), counts.errors)


def default_team(sessions: Sessions) -> str | None:
    """The workspace's team id when the database holds exactly one (members, candidates)."""
    with sessions() as s:
        teams = s.scalars(select(Member.team_id).union(select(Candidate.team_id)).limit(2)).all()
    return teams[0] if len(teams) == 1 else None
