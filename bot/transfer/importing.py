"""`refbot import FILE`: what kind of file it is, and the path each kind takes.

- refbot's own export (the JSON document, or the CSV with its ``*_json`` columns) is restored
  exactly by ``backup``: everything it holds, keyed by public id, so importing it twice, or into
  the database it came from, changes nothing.
- Anything else is people from an ATS or a spreadsheet: ``reading`` turns the bytes into records
  (encoding, delimiter, line numbers), ``shapes`` the records (or an ATS's JSON list) into
  ``Person``s, and ``saving`` merges them into the database a batch at a time.

The rules, for operators, are in the README ("Importing and exporting") and in each module's
docstring.
"""

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from sqlalchemy import select

from bot.clock import Clock
from bot.transfer import backup, reading, shapes
from bot.transfer.records import BATCH, Counts, ImportFileError, ImportReport, Person, Skip
from bot.transfer.saving import audit_run, notices, save
from storage.db import Sessions
from storage.models import Candidate, Member


def import_file(
    sessions: Sessions,
    path: Path,
    *,
    team_id: str,
    clock: Clock,
    encoding: str | None = None,
    recruiters: Collection[str] = (),
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import people from a CSV or JSON file into workspace `team_id`, merging duplicates, or
    restore refbot's own export; ImportFileError (one line) when the file can't be read.
    `recruiters`: REFBOT_RECRUITERS, told when an imported snooze ends."""
    counts = Counts()
    ignored: tuple[str, ...] = ()
    assumed: list[str] = []
    place = "line"

    def saved(people: Iterable[Person | tuple[int, str]], rows: int) -> None:
        batch: list[Person] = []
        for person in people:
            if isinstance(person, Person):
                batch.append(person)
            else:
                counts.errors.append(person)
        save(sessions, team_id, clock, batch, counts, recruiters=recruiters)
        counts.rows += rows
        if progress is not None:
            progress(counts.rows)

    try:
        if reading.file_kind(path, encoding=encoding) == "json":
            data = reading.read_json(path, encoding=encoding)
            place = "item"
            if backup.is_refbot_json(data):
                backup.restore_json(sessions, data, team_id=team_id, clock=clock, counts=counts)
            else:
                people = shapes.json_people(data)
                while chunk := list(itertools.islice(people, BATCH)):
                    saved(chunk, len(chunk))
        else:
            with reading.open_table(path, encoding=encoding) as table:
                assumed = table.assumed
                if backup.is_refbot_export(table.header):
                    backup.restore_csv(sessions, table, team_id=team_id, clock=clock, counts=counts)
                else:
                    columns = shapes.columns(table.header)
                    ignored = columns.ignored
                    while chunk := list(itertools.islice(table.records, BATCH)):
                        saved(_parsed(chunk, columns), len(chunk))
                counts.errors.extend(table.errors)  # records the reader could not read
    except ImportFileError:
        if counts.rows:
            audit_run(sessions, team_id, clock, counts, aborted=True)  # earlier batches are in
        raise
    audit_run(sessions, team_id, clock, counts, aborted=False)
    counts.errors.sort(key=lambda error: error[0])
    return ImportReport(
        counts.imported,
        counts.merged,
        len(counts.errors),
        counts.errors,
        ignored=ignored,
        assumed=tuple(assumed),
        notices=notices(counts),
        warnings=sorted(counts.warnings),
        place=place,
    )


def _parsed(
    chunk: list[tuple[int, list[str]]], columns: shapes.Columns
) -> Iterator[Person | tuple[int, str]]:
    for line, values in chunk:
        try:
            yield shapes.parse(line, values, columns)
        except Skip as skip:
            yield line, str(skip)


def default_team(sessions: Sessions) -> str | None:
    """The workspace's team id when the database holds exactly one (members, candidates)."""
    with sessions() as s:
        teams = s.scalars(select(Member.team_id).union(select(Candidate.team_id)).limit(2)).all()
    return teams[0] if len(teams) == 1 else None
