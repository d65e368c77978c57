"""Candidates in (Lever, Greenhouse, refbot CSV) and out (CSV, JSON), on both databases."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.transfer import ImportFileError, export_candidates, import_file
from storage.db import Sessions, make_engine, make_sessions
from storage.migrate import upgrade
from storage.models import AuditLog, Candidate, Note, Outreach, Referral, Role
from storage.types import (
    CandidateSource,
    CandidateStatus,
    NoteKind,
    OutreachChannel,
    ReferralStrength,
    RoleStatus,
)

FIXTURES = Path(__file__).parent / "fixtures"
LEVER, GREENHOUSE, BAD_ROWS = (
    FIXTURES / "lever_export.csv",
    FIXTURES / "greenhouse_export.csv",
    FIXTURES / "bad_rows.csv",
)
TEAM = "T0001"
NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def run_import(sessions: Sessions, path: Path, **options: Any) -> tuple[int, int, int]:
    report = import_file(sessions, path, team_id=TEAM, clock=clock, **options)
    return report.imported, report.merged, report.skipped


def candidate(sessions: Sessions, email: str) -> Candidate:
    with sessions() as s:
        found = s.scalars(select(Candidate).where(Candidate.email == email)).one()
        found.notes  # noqa: B018 - loaded while the session is open
        return found


def count(sessions: Sessions, model: type[Any]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def snapshot(sessions: Sessions) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every candidate and note row as stored."""
    with sessions() as s:
        people = s.execute(
            select(
                *(Candidate.id, Candidate.public_id, Candidate.name, Candidate.email),
                *(Candidate.profile_url, Candidate.company, Candidate.headline, Candidate.tags),
                *(Candidate.status, Candidate.created_at, Candidate.archived_at),
            ).order_by(Candidate.id)
        ).all()
        notes = s.execute(
            select(Note.id, Note.candidate_id, Note.kind, Note.body, Note.author_id).order_by(
                Note.id
            )
        ).all()
    return [tuple(p) for p in people], [tuple(n) for n in notes]


def test_lever_then_greenhouse_merge_duplicates_within_and_across_files(
    sessions: Sessions,
) -> None:
    lever = run_import(sessions, LEVER)
    greenhouse = run_import(sessions, GREENHOUSE)

    assert lever == (18, 2, 0)  # Zoë by email in capitals, Priya by a LinkedIn URL variant
    assert greenhouse == (14, 6, 0)  # 4 known from Lever, Giulia and Leïla twice in the file
    assert count(sessions, Candidate) == 32
    # 12 notes (one already held is not added again) and a row's pipeline facts, 40 rows
    assert count(sessions, Note) == 12 + 40
    zoe = candidate(sessions, "zoe.dubois@example.fr")
    assert (zoe.name, zoe.profile_url, zoe.company) == (
        "Zoë Dubois",
        "https://linkedin.com/in/zoe-dubois",  # tracking parameters gone
        "Doctolib",
    )
    assert zoe.tags == "python, backend, distributed systems, Leadership"
    assert [n.body for n in zoe.notes] == [  # oldest first: the rows' facts carry their dates
        "From the import: source LinkedIn; origin sourced; job Senior Backend Engineer; "
        "stage Phone Screen; owner Rita Okafor",
        "From the import: source Referral; origin referred; job Staff Backend Engineer; "
        "stage New lead; owner Rita Okafor",
        "Strong on distributed systems; open to chat in Q3.",
        "Referred again by the platform team.",
        "From the import: source LinkedIn (Prospecting); job Staff Backend Engineer; "
        "stage Hiring Manager Screen; owner Rita Okafor",
    ]
    assert {(n.kind, n.author_id) for n in zoe.notes} == {(NoteKind.NOTE, "import")}
    assert (zoe.source, zoe.status, zoe.created_at, zoe.archived_at) == (
        CandidateSource.IMPORT,
        CandidateStatus.ARCHIVED,
        datetime(2024, 3, 4, 9, 12, 44, tzinfo=UTC),  # Lever's "Created At (GMT)"
        NOW,  # the file has no archive date
    )
    mateus = candidate(sessions, "mateus@example.br")  # learnt from Greenhouse
    assert (mateus.name, mateus.company, mateus.tags) == (
        "Mateus Conceição",
        "Nubank",
        "security, appsec",
    )
    priya = candidate(sessions, "priya.raman@example.in")
    assert (priya.tags, len(priya.notes)) == ("data, sql, airflow", 3)
    statuses = {
        email: candidate(sessions, email).status
        for email in (
            "ingrid.odegaard@example.no",  # Lever archive reason "Hired"
            "lukasz.nowak@example.pl",  # "Underqualified"
            "bjorn.andersson@example.se",  # "Not a fit"
            "jose.martinez@example.es",  # "Withdrew"
            "renee.fontaine@example.fr",  # Greenhouse status "Hired"
            "lan.nguyen@example.vn",  # "Rejected"
        )
    }
    assert list(statuses.values()) == [
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
        CandidateStatus.NOT_A_FIT,
        CandidateStatus.ARCHIVED,
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
    ]
    with sessions() as s:
        audits = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(a.actor_id, a.action, a.subject, a.detail) for a in audits] == [
        (None, "import", "team:T0001", {"imported": 18, "merged": 2, "skipped": 0}),
        (None, "import", "team:T0001", {"imported": 14, "merged": 6, "skipped": 0}),
    ]


def test_bad_rows_are_reported_by_line_and_the_others_imported(sessions: Sessions) -> None:
    seen: list[int] = []

    report = import_file(sessions, BAD_ROWS, team_id=TEAM, clock=clock, progress=seen.append)

    # Grace's note spans lines 3-4, so the rows after it start one line later.
    assert report.errors == [
        (5, "missing name"),
        (7, "no email or profile URL"),
        (9, "invalid email"),
    ]
    assert report.summary() == "imported 7, merged 0, skipped 3 (see errors)"
    assert seen == [10] and count(sessions, Candidate) == 7
    grace = candidate(sessions, "grace@example.com")
    assert [n.body for n in grace.notes] == [
        "Invented the first compiler.\nAsk her about nanoseconds."
    ]
    assert grace.tags == "cobol, compilers"
    assert [
        candidate(sessions, e).status
        for e in ("ada@example.com", "hedy@example.com", "barbara@example.com", "radia@example.com")
    ] == [
        CandidateStatus.NEW,
        CandidateStatus.ARCHIVED,
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
    ]


def test_importing_the_same_files_again_changes_nothing(sessions: Sessions) -> None:
    for path in (LEVER, GREENHOUSE, BAD_ROWS):
        run_import(sessions, path)
    before = snapshot(sessions)

    again = [run_import(sessions, path) for path in (LEVER, GREENHOUSE, BAD_ROWS)]

    assert again == [(0, 20, 0), (0, 20, 0), (0, 7, 3)]
    assert snapshot(sessions) == before


def test_a_row_matching_two_people_joins_the_email_and_leaves_the_url_alone(
    sessions: Sessions, tmp_path: Path
) -> None:
    run_import(sessions, given_csv(tmp_path, "a.csv", "name,email,profile_url\nAda,ada@x.org,\n"))
    run_import(sessions, given_csv(tmp_path, "b.csv", "Name;LinkedIn\nAda L;linkedin.com/in/ada"))

    merged = run_import(
        sessions,
        given_csv(tmp_path, "c.csv", "name,email,profile_url\nAda,ADA@x.org,linkedin.com/in/ada\n"),
    )

    assert merged == (0, 1, 0)
    assert candidate(sessions, "ada@x.org").profile_url is None  # Ada L holds it
    assert count(sessions, Candidate) == 2


def test_export_then_import_into_an_empty_database_round_trips_every_field(
    sessions: Sessions, tmp_path: Path
) -> None:
    run_import(sessions, LEVER)
    run_import(sessions, GREENHOUSE)
    given_a_referred_snoozed_candidate(sessions)
    exported = io.StringIO()
    written = export_candidates(sessions, team_id=TEAM, fmt="csv", out=exported)
    as_json = io.StringIO()
    export_candidates(sessions, team_id=TEAM, fmt="json", out=as_json)
    path = tmp_path / "export.csv"
    path.write_text(exported.getvalue(), encoding="utf-8", newline="")
    target_url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(target_url)
    engine = make_engine(target_url)
    target = make_sessions(engine)

    try:
        report = import_file(target, path, team_id=TEAM, clock=clock)
        copied = fields(target)
    finally:
        engine.dispose()

    assert written == 33 and (report.imported, report.merged, report.skipped) == (33, 0, 0)
    assert copied == fields(sessions)
    # Formula-like text stays text in a spreadsheet, and comes back as typed.
    [row] = [
        r
        for r in csv.DictReader(io.StringIO(exported.getvalue()))
        if r["email"] == "ada@example.com"
    ]
    assert (row["name"], row["headline"], row["company"]) == (
        '\'=HYPERLINK("https://evil.example","Ada")',
        "'-10x engineer",
        "'@Analytical Engines",
    )
    ada = json.loads(as_json.getvalue())["candidates"][-1]
    [referral] = ada["referrals"]
    assert {k: v for k, v in referral.items() if k not in ("public_id", "role")} == {
        "referrer": "U0ALICE",
        "referrer_name": None,
        "relationship": "former_colleague",
        "strength": "strong",
        "candidate_knows": True,
        "can_intro": True,
        "note": "Brilliant, & knows <everyone>",
        "session": None,
        "credited": True,
        "created_at": "2026-11-02T14:00:00+00:00",
    }
    assert referral["role"]["title"] == "Staff Backend Engineer"
    assert ada["outreach"] == [
        {
            "template": None,
            "variant": "B",
            "channel": "email",
            "recruiter": "U0RITA",
            "sent_at": NOW.isoformat(),
            "replied_at": None,
            "created_at": NOW.isoformat(),
        }
    ]
    assert ada["tags"] == ["math", "engines"] and ada["status"] == "snoozed"


def test_the_cli_imports_and_exports(migrated_url: str, tmp_path: Path) -> None:
    imported = refbot_cli(migrated_url, tmp_path, "import", str(BAD_ROWS), "--team", TEAM)
    again = refbot_cli(migrated_url, tmp_path, "import", str(BAD_ROWS))  # the only team
    missing = refbot_cli(migrated_url, tmp_path, "import", str(tmp_path / "nope.csv"))
    exported = refbot_cli(migrated_url, tmp_path, "export", "--format", "json")

    assert (imported.returncode, imported.stdout) == (
        0,
        "imported 7, merged 0, skipped 3 (see errors)\n",
    )
    assert "line 5: missing name\nline 7: no email or profile URL\nline 9: invalid email\n" in (
        imported.stderr
    )
    assert (again.returncode, again.stdout) == (0, "imported 0, merged 7, skipped 3 (see errors)\n")
    assert missing.returncode == 1 and "nope.csv" in missing.stderr
    assert exported.returncode == 0 and len(json.loads(exported.stdout)["candidates"]) == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("email,company\nada@x.org,ACME\n", "no name column"),
        ("name,company\nAda,ACME\n", "no email or profile URL column"),
    ],
    ids=["empty", "no_name_column", "no_contact_column"],
)
def test_a_file_that_is_no_candidate_csv_is_refused(
    sessions: Sessions, tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        run_import(sessions, given_csv(tmp_path, "x.csv", content))


def test_a_legacy_excel_file_is_read_as_cp1252_and_the_summary_says_so(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,email\nAda,ada@x.org\nRenée,renee@x.org\n".encode("cp1252"))

    report = import_file(sessions, path, team_id=TEAM, clock=clock)

    assert report.summary() == "imported 2, merged 0, skipped 0; assumed: cp1252 text (not UTF-8)"
    assert candidate(sessions, "renee@x.org").name == "Renée"


def test_an_encoding_given_that_does_not_fit_is_refused_at_its_line(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,email\nAda,ada@x.org\nRenée,renee@x.org\n".encode("latin-1"))

    with pytest.raises(ImportFileError, match="line 3: not utf-8 text"):
        import_file(sessions, path, team_id=TEAM, clock=clock, encoding="utf-8")

    assert count(sessions, Candidate) == 0  # the batch was not complete
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


# -- helpers ---------------------------------------------------------------------------------


def given_csv(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def given_a_referred_snoozed_candidate(sessions: Sessions) -> None:
    with sessions.begin() as s:
        role = Role(
            team_id=TEAM,
            title="Staff Backend Engineer",
            recruiter_id="U0RITA",
            status=RoleStatus.OPEN,
            created_at=NOW,
        )
        ada = Candidate(
            team_id=TEAM,
            name='=HYPERLINK("https://evil.example","Ada")',
            email="ada@example.com",
            profile_url="https://github.com/ada",
            headline="-10x engineer",
            company="@Analytical Engines",
            tags="math, engines",
            source=CandidateSource.REFERRAL,
            status=CandidateStatus.SNOOZED,
            owner_id="U0RITA",
            last_activity_at=NOW,
            created_at=NOW,
        )
        for kind, body in ((NoteKind.SNOOZE, "after exams"), (NoteKind.NOTE, "- line\n- two")):
            ada.notes.append(
                Note(team_id=TEAM, author_id="U0RITA", kind=kind, body=body, created_at=NOW)
            )
        s.add_all([role, ada])
        s.flush()
        s.add(
            Referral(
                team_id=TEAM,
                candidate_id=ada.id,
                referrer_id="U0ALICE",
                role_id=role.id,
                relationship="former_colleague",
                strength=ReferralStrength.STRONG,
                candidate_knows=True,
                can_intro=True,
                note="Brilliant, & knows <everyone>",
                created_at=NOW,
            )
        )
        s.add(
            Outreach(
                team_id=TEAM,
                candidate_id=ada.id,
                recruiter_id="U0RITA",
                variant="B",
                channel=OutreachChannel.EMAIL,
                sent_at=NOW,
                created_at=NOW,
            )
        )


def fields(sessions: Sessions) -> dict[str, tuple[Any, ...]]:
    """Every candidate field an export carries, keyed by contact."""
    with sessions() as s:
        return {c.email or c.profile_url or "": _fields(s, c) for c in s.scalars(select(Candidate))}


def _fields(s: Session, c: Candidate) -> tuple[Any, ...]:
    notes = s.execute(
        select(Note.kind, Note.body, Note.author_id, Note.created_at)
        .where(Note.candidate_id == c.id)
        .order_by(Note.created_at, Note.id)
    ).all()
    contact = (c.name, c.email, c.profile_url, c.company, c.headline, c.tags, c.status)
    return (*contact, [tuple(n) for n in notes])


def refbot_cli(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,  # away from any .env in the checkout
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stats_in_the_terminal(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/stats.db"
    fixture = Path(__file__).parent / "fixtures" / "lever_export.csv"
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")},
        "DATABASE_URL": database,
    }
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", str(fixture), "--team", "T0001"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "stats", "--days", "3650"],  # the file's dates
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "What works — the last 3,650 days" in done.stdout
    assert "Imports: 1/18 hired" in done.stdout
