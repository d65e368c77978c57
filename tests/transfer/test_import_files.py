"""Each vendor-shaped fixture (tests/fixtures/import, sources cited in each file or in
SOURCES.md) through `import_file` into a real database: the counts a recruiter reads in the
summary, the columns it says it ignored, and the rows it reports by line."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.transfer import import_file
from storage.db import Sessions

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
PAST_SNOOZE = "1 snoozed until a date already past: back at the next sweep"

EXPECTED = {
    "ashby_candidates.csv": (
        "imported 2, merged 0, skipped 0; ignored columns: Phone Number, Location",
        [],
    ),
    "greenhouse_candidates.csv": (
        "imported 4, merged 0, skipped 0; ignored columns: Phone, Address, Desired Salary",
        [],
    ),
    "greenhouse_harvest.json": (
        "imported 2, merged 0, skipped 1 (see errors)",
        [(3, "missing name")],
    ),
    "lever_candidates.csv": (  # Zoë's two opportunities are one person
        "imported 4, merged 1, skipped 0; "
        "ignored columns: Opportunity ID, Contact ID, Location, Phone",
        [],
    ),
    "lever_opportunities.json": (
        f"imported 2, merged 0, skipped 1 (see errors); {PAST_SNOOZE}",
        [(3, "invalid profile URL")],
    ),
    "spreadsheet_snoozed.csv": (
        f"imported 3, merged 0, skipped 0; {PAST_SNOOZE}; "
        "1 snoozed without a date: back in 6 months (the workspace default)",
        [],
    ),
    "workable_candidates.csv": (
        "imported 2, merged 0, skipped 1 (see errors); ignored columns: phone, address",
        [(6, "no email or profile URL")],
    ),
}


def test_every_fixture_has_its_expectation() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".md") == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_vendor_export_imports_with_the_right_counts_and_says_what_it_ignored(
    sessions: Sessions, name: str
) -> None:
    summary, errors = EXPECTED[name]

    report = import_file(
        sessions, FIXTURES / name, team_id="T0001", clock=lambda: NOW, recruiters=("U0REC",)
    )

    assert (report.summary(), report.errors) == (summary, errors)
    again = import_file(
        sessions, FIXTURES / name, team_id="T0001", clock=lambda: NOW, recruiters=("U0REC",)
    )
    assert (again.imported, again.skipped) == (0, report.skipped)  # nothing added twice


def test_the_cli_names_a_json_lists_bad_item_by_its_position(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'refbot.db'}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "import",
            str(FIXTURES / "greenhouse_harvest.json"),
            "--team",
            "T1",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (done.returncode, done.stderr) == (0, "item 3: missing name\n"), done.stderr
    assert done.stdout == "imported 2, merged 0, skipped 1 (see errors)\n"
