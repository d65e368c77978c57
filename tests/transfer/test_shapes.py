"""Vendor-shaped exports read into people: what a recruiter would check after an import."""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.transfer import shapes
from bot.transfer.records import IMPORT_AUTHOR, ImportFileError, NoteIn, Person, Skip
from bot.transfer.values import (
    CLOSED,
    CONTACTED,
    HIRED,
    INTERVIEWING,
    NEW,
    is_placeholder,
    parse_instant,
)
from storage.types import CandidateStatus, NoteKind

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def read(name: str) -> tuple[shapes.Columns, dict[str, Person], list[tuple[int, str]]]:
    """The fixture's people by name, and (line, reason) of the rows skipped. Read with the csv
    module, leading '#' lines skipped as reading.py does, so this tests shapes alone."""
    with (FIXTURES / name).open(encoding="utf-8", newline="") as file:
        lines = file.read().splitlines(keepends=True)
    comments = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    reader = csv.reader(lines[comments:])
    columns = shapes.columns(next(reader))
    people: dict[str, Person] = {}
    skipped = []
    while True:
        line = comments + reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        try:
            person = shapes.parse(line, values, columns)
        except Skip as skip:
            skipped.append((line, str(skip)))
        else:
            people[f"{person.name} {len(people)}" if person.name in people else person.name] = (
                person
            )
    return columns, people, skipped


def bodies(person: Person) -> list[str]:
    return [note.body for note in person.notes]


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_lever_export_keeps_every_contact_note_and_opportunity() -> None:
    columns, people, skipped = read("lever_candidates.csv")

    assert columns.ignored == ("Opportunity ID", "Contact ID", "Location", "Phone")
    assert skipped == []
    zoe, zoe_hired = people["Zoë Dubois"], people["Zoë Dubois 1"]
    assert zoe.emails == ("zoe.dubois@example.fr", "zoe@dubois.dev")
    assert zoe.profile_urls == (
        "https://linkedin.com/in/zoe-dubois",
        "https://github.com/zoedubois",
    )
    assert zoe.tags == ("python", "backend")
    # One row an opportunity: the hired one ranks above the phone screen, whatever the order.
    assert (zoe.status, zoe.stage) == (CandidateStatus.ARCHIVED, CONTACTED)
    assert (zoe_hired.status, zoe_hired.stage) == (CandidateStatus.HIRED, HIRED)
    assert zoe.created_at == at(2024, 3, 4, 9, 12, 44)
    assert zoe_hired.created_at == at(2024, 5, 2, 9, 0, 10)  # epoch milliseconds
    assert zoe_hired.hired_at == at(2024, 6, 1, 10, 0, 10)
    assert bodies(zoe) == [
        "Strong on distributed systems.",
        "Open to chat in Q3.",
        "From the import: source LinkedIn; origin sourced; job Senior Backend Engineer; "
        "stage Phone Screen; owner Rita Okafor",
    ]
    jose = people["José Martínez"]
    assert (jose.status, jose.stage, jose.archived_at) == (
        CandidateStatus.NOT_A_FIT,
        CLOSED,
        at(2024, 2, 10, 16),
    )
    assert bodies(jose) == [
        "Too junior for the senior role.",
        "Revisit in 2 years.",
        "Salary expectations above band (secret).",
        "From the import: source Company website; origin applied; job Senior Backend Engineer; "
        "stage On-site Interview; owner Rita Okafor; archive reason Underqualified",
    ]
    assert {(n.kind, n.author) for n in jose.notes} == {(NoteKind.NOTE, IMPORT_AUTHOR)}


def test_lever_row_with_a_placeholder_email_is_imported_by_its_link() -> None:
    _, people, _ = read("lever_candidates.csv")

    ingrid = people["Ingrid Ødegård"]

    assert ingrid.emails == ()
    # Lever's own page about her is not one of her profiles.
    assert ingrid.profile_urls == ("https://linkedin.com/in/ingrid-odegard",)
    assert (ingrid.status, ingrid.stage) == (CandidateStatus.ARCHIVED, NEW)


def test_an_invalid_email_among_valid_ones_is_dropped_and_the_row_kept() -> None:
    _, people, _ = read("lever_candidates.csv")

    lukasz = people["Łukasz Nowak"]

    assert (lukasz.emails, lukasz.profile_urls) == (("lukasz.nowak@example.pl",), ())
    # Withdrew: archived, not "not a fit" — someone to call again.
    assert (lukasz.status, lukasz.archived_at) == (CandidateStatus.ARCHIVED, at(2024, 3, 1, 12))


def test_greenhouse_spreadsheet_keeps_several_emails_links_and_the_pipeline() -> None:
    columns, people, skipped = read("greenhouse_candidates.csv")

    assert columns.ignored == ("Phone", "Address", "Desired Salary")
    assert skipped == []
    mateus = people["Mateus Conceição"]
    assert mateus.emails == ("mateus@example.br", "mateus.c@gmail.example")
    assert mateus.profile_urls == (
        "https://linkedin.com/in/mateus-conceicao",
        "https://twitter.com/mateusc",
        "https://mateus.dev",
    )
    assert (mateus.company, mateus.headline) == ("Nubank", "Security Engineer")
    assert (mateus.status, mateus.stage) == (CandidateStatus.ARCHIVED, INTERVIEWING)
    assert mateus.created_at == at(2024, 1, 20)  # 01/20/2024: only a month/day reading exists
    assert bodies(mateus) == [
        "Found via the OWASP chapter talk.",
        "From the import: source LinkedIn (Prospecting); job Security Engineer; "
        "stage Phone Interview; credited to Rita Okafor",
    ]
    lan = people["Nguyễn Thị Lan"]
    assert (lan.status, lan.stage) == (CandidateStatus.NOT_A_FIT, CLOSED)
    assert lan.created_at is None  # 05/02/2024: May or February? The import's clock decides.
    assert bodies(lan)[-1].endswith("rejection reason Lacked Skills/Qualifications")
    renee = people["Renée Fontaine"]
    assert (renee.status, renee.stage, renee.created_at) == (
        CandidateStatus.HIRED,
        HIRED,
        at(2023, 12, 14),
    )
    anais = people["Anaïs Petit"]  # email "none": imported by her LinkedIn
    assert (anais.emails, anais.status) == ((), CandidateStatus.ARCHIVED)  # she withdrew


def test_ashby_export_takes_primary_and_other_emails_and_both_profile_columns() -> None:
    columns, people, skipped = read("ashby_candidates.csv")

    assert columns.ignored == ("Phone Number", "Location")
    assert skipped == []
    kwame = people["Kwame Mensah"]
    assert kwame.emails == ("kwame.mensah@example.gh", "kwame@mensah.dev")
    assert kwame.profile_urls == (
        "https://linkedin.com/in/kwame-mensah",
        "https://github.com/kwamemensah",
        "https://kwame.dev",
    )
    assert (kwame.headline, kwame.company, kwame.tags) == (
        "Full-stack Developer",
        "Hubtel",
        ("javascript", "react"),
    )
    assert (kwame.stage, kwame.created_at) == (INTERVIEWING, at(2024, 4, 20, 10, 30))
    priya = people["Priya Raman"]
    assert (priya.email, priya.profile_urls) == (
        "priya@raman.dev",
        ("https://linkedin.com/in/priyaraman",),
    )
    assert (priya.status, priya.created_at) == (CandidateStatus.NOT_A_FIT, at(2024, 3, 18, 1, 35))


def test_workable_disqualified_is_not_a_fit_and_its_backend_link_no_profile() -> None:
    columns, people, skipped = read("workable_candidates.csv")

    assert columns.ignored == ("phone", "address")
    hannah = people["Hannah Schmidt"]
    assert hannah.profile_urls == ("https://linkedin.com/in/hannah-schmidt-qa",)
    assert (hannah.status, hannah.stage, hannah.archived_at) == (
        CandidateStatus.NOT_A_FIT,
        CLOSED,
        at(2024, 3, 10, 9),
    )
    # The reason is kept where only recruiters read it.
    assert bodies(hannah) == [
        "From the import: job QA Engineer; stage Phone Screen; "
        "rejection reason Doesn't have required experience"
    ]
    olivia = people["Olivia Brown"]
    assert (olivia.status, olivia.hired_at, olivia.profile_urls) == (
        CandidateStatus.HIRED,
        at(2024, 5, 2, 9),
        (),
    )
    # Emeka: email "-", and only Workable's backend link: nothing to reach him by.
    assert skipped == [(6, "no email or profile URL")]


def test_a_spreadsheet_snooze_comes_with_its_date_and_note() -> None:
    _, people, _ = read("spreadsheet_snoozed.csv")

    soren, marta, chen = people["Søren Madsen"], people["Marta Kowalczyk"], people["Chen Wei"]

    assert (soren.status, soren.snoozed_until, soren.snooze_note) == (
        CandidateStatus.SNOOZED,
        at(2026, 9, 15),
        "After his parental leave",
    )
    assert soren.created_at == at(2024, 1, 20)  # 20/01/2024: day first, certainly
    # No date: saving gives the workspace's default snooze.
    assert (marta.status, marta.snoozed_until, marta.snooze_note) == (
        CandidateStatus.SNOOZED,
        None,
        "Ping her in the autumn",
    )
    assert (marta.emails, marta.company, marta.created_at) == ((), None, None)
    assert (chen.status, chen.stage, chen.profile_urls) == (CandidateStatus.ARCHIVED, CLOSED, ())
    assert (chen.created_at, chen.archived_at) == (at(2023, 12, 13, 12), at(2024, 6, 24))


def test_the_same_row_gives_the_same_notes_so_a_reimport_adds_none() -> None:
    _, first, _ = read("lever_candidates.csv")
    _, again, _ = read("lever_candidates.csv")

    assert [p.notes for p in first.values()] == [p.notes for p in again.values()]


def test_greenhouse_harvest_json_keeps_every_contact_and_the_furthest_application() -> None:
    data = json.loads((FIXTURES / "greenhouse_harvest.json").read_text(encoding="utf-8"))

    john, kate, nameless = shapes.json_people(data)

    assert isinstance(john, Person) and isinstance(kate, Person)
    assert (john.line, john.name, john.company, john.headline) == (
        1,
        "John Locke",
        "The Tustin Box Company",
        "Customer Success Representative",
    )
    assert john.emails == ("john.locke+work@example.com", "john.locke@example.com")
    assert john.profile_urls == (
        "https://linkedin.com/in/john-locke-example",
        "https://johnlocke.example.com",
    )
    assert john.tags == ("Python", "Ruby")
    # Rejected for DevOps, onsite for SRE: the live application is the furthest.
    assert (john.status, john.stage) == (CandidateStatus.ARCHIVED, INTERVIEWING)
    assert john.created_at == at(2017, 8, 15, 3, 31, 46, 637000)
    assert bodies(john) == [
        "From the import: source LinkedIn (Prospecting); job DevOps Engineer; "
        "stage Take Home Test; owner Greenhouse Admin; credited to Joel Job Admin; "
        "rejection reason Hired another candidate",
        "From the import: source Referral; job Site Reliability Engineer; "
        "stage Onsite Interview; owner Greenhouse Admin",
    ]
    assert (kate.emails, kate.profile_urls) == ((), ("https://linkedin.com/in/kate-austen",))
    assert (kate.status, kate.stage, kate.hired_at) == (
        CandidateStatus.HIRED,
        HIRED,
        at(2018, 3, 1),
    )
    assert nameless == (3, "missing name")


def test_lever_api_json_reads_epoch_dates_archive_reasons_and_snoozes() -> None:
    data = json.loads((FIXTURES / "lever_opportunities.json").read_text(encoding="utf-8"))

    shane, rachel, ravi = shapes.json_people(data)

    assert isinstance(shane, Person) and isinstance(rachel, Person)
    assert shane.emails == ("shane@exampleq3.com", "shane.smith@work.example")
    assert shane.profile_urls == (
        "https://linkedin.com/in/shanesmith",
        "https://indeed.com/r/Shane-Smith/0b17bde5b9b8d3c3",
    )
    assert (shane.status, shane.stage, shane.hired_at) == (
        CandidateStatus.HIRED,
        HIRED,
        datetime(2014, 12, 3, 6, 26, 48, 176000, tzinfo=UTC),
    )
    assert shane.created_at == datetime(2014, 8, 8, 1, 7, 51, 43000, tzinfo=UTC)
    assert bodies(shane) == [
        "From the import: source linkedin; origin sourced; job Customer Success Manager; "
        "stage Offer; owner Rachel Green; archive reason Hired"
    ]
    assert (rachel.status, rachel.snoozed_until, rachel.stage) == (
        CandidateStatus.SNOOZED,
        at(2026, 10, 1),
        CONTACTED,
    )
    assert ravi == (3, "invalid profile URL")


@pytest.mark.parametrize(
    "data",
    [{"candidates": []}, [{"id": 1, "full_name": "Ada"}], "Ada", [["Ada", "ada@x.org"]]],
    ids=["object", "unknown_fields", "string", "rows"],
)
def test_json_that_is_no_candidate_list_is_refused_naming_what_was_expected(data: object) -> None:
    with pytest.raises(ImportFileError, match="neither refbot's export nor a Greenhouse or Lever"):
        list(shapes.json_people(data))


def test_placeholders_in_contact_columns_count_as_empty() -> None:
    columns = shapes.columns(["Name", "Email", "LinkedIn", "Company", "Tags"])

    for placeholder in ("N/A", "-", "none", "n/a", "null", "NIL", "unknown", "?", ".", "  "):
        with pytest.raises(Skip, match="no email or profile URL"):
            shapes.parse(2, ["Ada", placeholder, placeholder, placeholder, placeholder], columns)
    ada = shapes.parse(2, ["Ada", "N/A", "linkedin.com/in/ada", "-", "none, math"], columns)

    assert (ada.emails, ada.company, ada.tags) == ((), None, ("math",))
    assert is_placeholder(" N/A ") and not is_placeholder("NA Corp")


def test_a_cell_of_only_invalid_emails_and_no_other_contact_is_skipped() -> None:
    columns = shapes.columns(["name", "email", "profile_url"])

    with pytest.raises(Skip, match="invalid email"):
        shapes.parse(2, ["Ada", "ada@@x.org; nope", ""], columns)
    kept = shapes.parse(2, ["Ada", "ada@@x.org", "github.com/ada"], columns)

    assert (kept.emails, kept.profile_urls, kept.line) == ((), ("https://github.com/ada",), 2)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2024-03-04", at(2024, 3, 4)),
        ("2024-03-04 09:12:44", at(2024, 3, 4, 9, 12, 44)),
        ("2024-03-04T11:12:44+02:00", at(2024, 3, 4, 9, 12, 44)),
        ("2024-03-04T09:12:44.5Z", at(2024, 3, 4, 9, 12, 44, 500000)),
        ("1709543564", at(2024, 3, 4, 9, 12, 44)),
        ("1709543564000", at(2024, 3, 4, 9, 12, 44)),
        ("01/20/2024", at(2024, 1, 20)),
        ("20/01/2024", at(2024, 1, 20)),
        ("20.01.2024 14:30", at(2024, 1, 20, 14, 30)),
        ("03/03/2024", at(2024, 3, 3)),
        ("01/20/2024 2:05 PM", at(2024, 1, 20, 14, 5)),
        ("4 Mar 2024", at(2024, 3, 4)),
        ("Mar 4, 2024 09:12", at(2024, 3, 4, 9, 12)),
        ("05/02/2024", None),  # 5 February or 2 May
        ("N/A", None),
        ("2024", None),
        ("31/31/2024", None),
        ("yesterday", None),
    ],
)
def test_dates_are_read_where_certain_and_in_utc(text: str, instant: datetime | None) -> None:
    assert parse_instant(text) == instant


def test_columns_no_alias_claims_are_reported_as_headed_in_the_file() -> None:
    columns = shapes.columns(["Full Name", "E-mail", "Phone", "Address", "", "Note-0", "Note-1"])

    assert columns.ignored == ("Phone", "Address")
    assert columns.notes == (5, 6)


def test_an_unnumbered_and_a_numbered_note_are_one_note_each_in_file_order() -> None:
    columns = shapes.columns(["name", "email", "Notes", "Note-0", "Secret Note-1"])

    person = shapes.parse(2, ["Ada", "ada@x.org", "first", "second", "third"], columns)

    assert person.notes == tuple(
        NoteIn(NoteKind.NOTE, body, IMPORT_AUTHOR, None) for body in ("first", "second", "third")
    )


def test_refbot_own_export_gets_no_summary_note_from_its_source_column() -> None:
    columns = shapes.columns(["name", "email", "status", "source", "owner_id", "notes_json"])

    person = shapes.parse(2, ["Ada", "ada@x.org", "new", "import", "U0RITA", "[]"], columns)

    assert (person.status, person.notes) == (CandidateStatus.NEW, ())


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("Underqualified", CandidateStatus.NOT_A_FIT),
        ("Withdrew", CandidateStatus.ARCHIVED),
        ("Hired another candidate", CandidateStatus.ARCHIVED),
        ("Hired", CandidateStatus.HIRED),
    ],
)
def test_an_archive_reason_about_someone_else_is_no_hire_of_this_person(
    reason: str, status: CandidateStatus
) -> None:
    columns = shapes.columns(["Name", "Email", "Archive Reason"])

    assert shapes.parse(2, ["Ada", "ada@x.org", reason], columns).status is status
