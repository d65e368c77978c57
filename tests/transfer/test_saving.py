"""Saving imported people: every contact kept and used for dedupe, two people sharing an inbox
kept apart, the furthest stage and the file's dates kept, snoozes that come back like Slack's,
and no batch lost to one bad row; on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import Runtime
from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from bot.timecalc import on_date
from bot.transfer.records import BATCH, IMPORT_AUTHOR, Counts, NoteIn, Person
from bot.transfer.saving import FORGOTTEN, NUL, REFUSED, SHARED_INBOX, notices, save
from storage.db import Sessions
from storage.models import AuditLog, Candidate, CandidateContact, Delivery, Member, Note
from storage.repositories import candidates, settings
from storage.repositories.candidates import REMOVED_NAME
from storage.types import (
    CandidateSource,
    CandidateStatus,
    DeliveryKind,
    DeliveryStatus,
    NoteKind,
)
from tests.conftest import RECRUITER, TEAM
from tests.services.conftest import FixedClock, now, runtime  # noqa: F401 - fixtures

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
ADA = ("ada@example.com", "ada.lovelace@analytical.example")
ADA_LINKS = ("https://linkedin.com/in/ada-lovelace", "https://github.com/ada")
ARCHIVED, HIRED, SNOOZED = CandidateStatus.ARCHIVED, CandidateStatus.HIRED, CandidateStatus.SNOOZED


def clock() -> datetime:
    return NOW


def person(
    line: int,
    name: str,
    emails: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
    **given: Any,
) -> Person:
    fields: dict[str, Any] = {
        "company": None,
        "headline": None,
        "tags": (),
        "status": ARCHIVED,
        "notes": (),
        **given,
    }
    return Person(line=line, name=name, emails=emails, profile_urls=urls, **fields)


def imported(
    sessions: Sessions, *people: Person, counts: Counts | None = None, **options: Any
) -> Counts:
    counts = counts or Counts()
    save(sessions, TEAM, clock, list(people), counts, **options)
    return counts


def stored(sessions: Sessions) -> list[tuple[Any, ...]]:
    """Each candidate: name, primary email, primary link, status, and her other contacts."""
    with sessions() as s:
        others = s.execute(
            select(
                CandidateContact.candidate_id, CandidateContact.kind, CandidateContact.value
            ).order_by(CandidateContact.id)
        ).all()
        return [
            (
                c.name,
                c.email,
                c.profile_url,
                c.status,
                [(kind.value, value) for id_, kind, value in others if id_ == c.id],
            )
            for c in s.scalars(select(Candidate).order_by(Candidate.id))
        ]


def one(sessions: Sessions, email: str) -> Candidate:
    with sessions() as s:
        found = candidates.find_duplicate(s, TEAM, email=email, profile_url=None)
        assert found is not None
        return found


def snooze_ends(sessions: Sessions) -> list[Delivery]:
    with sessions() as s:
        return list(
            s.scalars(
                select(Delivery)
                .where(Delivery.kind == DeliveryKind.SNOOZE_END)
                .order_by(Delivery.recipient)
            )
        )


def a_recruiter(sessions: Sessions, user_id: str = RECRUITER, tz: str = "Europe/Paris") -> None:
    with sessions.begin() as s:
        s.add(Member(team_id=TEAM, user_id=user_id, is_recruiter=True, tz=tz))


# Several emails and links


def test_every_email_and_link_of_a_person_is_kept_the_first_as_primary(sessions: Sessions) -> None:
    counts = imported(sessions, person(2, "Ada Lovelace", ADA, ADA_LINKS))

    assert (counts.imported, counts.merged, counts.errors) == (1, 0, [])
    assert stored(sessions) == [
        (
            "Ada Lovelace",
            ADA[0],
            ADA_LINKS[0],
            ARCHIVED,
            [("email", ADA[1]), ("profile_url", ADA_LINKS[1])],
        )
    ]


def test_a_row_by_any_of_a_persons_emails_or_links_joins_her_in_the_batch_and_later(
    sessions: Sessions,
) -> None:
    first = imported(
        sessions,
        person(2, "Ada Lovelace", ADA, ADA_LINKS[:1]),
        person(3, "Ada Lovelace", (ADA[1],), ADA_LINKS[1:]),  # same batch: her other email
    )
    again = imported(sessions, person(2, "Ada", (), ADA_LINKS[1:]), person(3, "A", (ADA[1],)))

    assert (first.imported, first.merged, again.imported, again.merged) == (1, 1, 0, 2)
    assert stored(sessions) == [
        (
            "Ada Lovelace",
            ADA[0],
            ADA_LINKS[0],
            ARCHIVED,
            [("email", ADA[1]), ("profile_url", ADA_LINKS[1])],
        )
    ]


def test_a_row_by_a_second_email_joins_a_person_saved_in_an_earlier_batch(
    sessions: Sessions,
) -> None:
    counts = Counts()
    fillers = [person(i, f"Person {i}", (f"p{i}@example.com",)) for i in range(3, BATCH + 2)]
    imported(sessions, person(2, "Ada Lovelace", ADA), *fillers, counts=counts)

    imported(sessions, person(BATCH + 2, "Ada", (ADA[1], "ada@third.example")), counts=counts)

    assert (counts.imported, counts.merged) == (BATCH, 1)
    assert one(sessions, "ada@third.example").email == ADA[0]


def test_a_contact_someone_else_holds_stays_theirs(sessions: Sessions) -> None:
    imported(
        sessions,
        person(2, "Ada Lovelace", (ADA[0],)),
        person(3, "Grace Hopper", ("grace@example.com",), ("https://linkedin.com/in/grace",)),
    )

    # Ada's email first: the row is hers; Grace's email and link stay Grace's.
    imported(
        sessions,
        person(2, "Ada", (ADA[0], "grace@example.com"), ("https://linkedin.com/in/grace",)),
    )

    assert stored(sessions) == [
        ("Ada Lovelace", ADA[0], None, ARCHIVED, []),
        ("Grace Hopper", "grace@example.com", "https://linkedin.com/in/grace", ARCHIVED, []),
    ]


def test_joining_a_held_candidate_adds_her_new_contacts(sessions: Sessions) -> None:
    with sessions.begin() as s:  # referred in Slack with an email alone
        s.add(
            Candidate(
                team_id=TEAM,
                name="Ada Lovelace",
                email=ADA[0],
                source=CandidateSource.REFERRAL,
                status=CandidateStatus.REVIEWING,
                last_activity_at=NOW,
                created_at=NOW,
                tags="",
            )
        )

    counts = imported(sessions, person(2, "Ada Lovelace", ADA, ADA_LINKS))

    assert counts.merged == 1
    assert stored(sessions) == [
        (
            "Ada Lovelace",
            ADA[0],
            ADA_LINKS[0],  # she had none: primary
            CandidateStatus.REVIEWING,  # the live pipeline wins
            [("email", ADA[1]), ("profile_url", ADA_LINKS[1])],
        )
    ]


def test_find_duplicate_finds_a_person_by_her_other_contacts_the_email_first(
    sessions: Sessions,
) -> None:
    imported(
        sessions,
        person(2, "Ada Lovelace", ADA, ADA_LINKS),
        person(3, "Grace Hopper", ("grace@example.com",), ("https://linkedin.com/in/grace",)),
    )

    with sessions() as s:
        by_email = candidates.find_duplicate(s, TEAM, email=ADA[1], profile_url=None)
        by_link = candidates.find_duplicate(s, TEAM, email=None, profile_url=ADA_LINKS[1])
        # Grace's link is a primary one, Ada's email another contact: the email wins.
        both = candidates.find_duplicate(
            s, TEAM, email=ADA[1], profile_url="https://linkedin.com/in/grace"
        )
        other_team = candidates.find_duplicate(s, "T0OTHER", email=ADA[1], profile_url=None)

    assert [c.name for c in (by_email, by_link, both) if c] == ["Ada Lovelace"] * 3
    assert other_team is None


def test_a_referral_by_an_imported_persons_second_email_joins_her(
    runtime: Runtime,  # noqa: F811
) -> None:
    sessions = runtime.dispatcher.sessions
    imported(sessions, person(2, "Ada Lovelace", ADA))

    result = runtime.services.referrals.refer(
        team_id=TEAM,
        referrer_id="U0ALICE",
        form=ReferralForm(name="Ada King", email=ADA[1].upper(), candidate_knows=True),
    )

    assert result.errors == {} and result.duplicate
    assert [row[:2] for row in stored(sessions)] == [("Ada Lovelace", ADA[0])]


def test_forgetting_a_person_by_her_second_email_erases_all_her_contacts(
    runtime: Runtime,  # noqa: F811
) -> None:
    sessions = runtime.dispatcher.sessions
    imported(sessions, person(2, "Ada Lovelace", ADA, ADA_LINKS))
    privacy = runtime.services.privacy

    preview = privacy.preview(team_id=TEAM, actor_id=RECRUITER, key=ADA[1])
    assert preview.errors == {} and preview.name == "Ada Lovelace"
    privacy.forget(team_id=TEAM, actor_id=RECRUITER, candidate=preview.candidate or "")

    assert stored(sessions) == [(REMOVED_NAME, None, None, ARCHIVED, [])]
    again = privacy.preview(team_id=TEAM, actor_id=RECRUITER, key=ADA_LINKS[1])
    assert again.errors == {"key": "no_one"}


def test_a_file_does_not_bring_back_someone_forgotten_at_her_request(
    runtime: Runtime,  # noqa: F811
) -> None:
    sessions = runtime.dispatcher.sessions
    imported(sessions, person(2, "Ada Lovelace", ADA, ADA_LINKS))
    privacy = runtime.services.privacy
    preview = privacy.preview(team_id=TEAM, actor_id=RECRUITER, key=ADA[0])
    privacy.forget(team_id=TEAM, actor_id=RECRUITER, candidate=preview.candidate or "")

    counts = imported(
        sessions,
        person(2, "Ada King", (ADA[1],)),  # by her second email
        person(3, "A. Lovelace", (), (ADA_LINKS[0],)),  # by her profile
        person(4, "Grace Hopper", ("grace@example.com",)),
    )

    assert counts.errors == [(2, FORGOTTEN), (3, FORGOTTEN)] and counts.imported == 1
    assert [row[0] for row in stored(sessions)] == [REMOVED_NAME, "Grace Hopper"]


def test_retention_counts_from_the_files_archive_date_and_erases_other_contacts(
    runtime: Runtime,  # noqa: F811
    now: FixedClock,  # noqa: F811
) -> None:
    sessions = runtime.dispatcher.sessions
    long_ago = now.at - timedelta(days=3 * 365)
    imported(
        sessions,
        person(2, "Ada Lovelace", ADA, archived_at=long_ago),
        person(3, "Grace Hopper", ("grace@example.com", "g@navy.example")),  # no date: today
    )

    erased = runtime.services.privacy.purge()

    assert erased == 1
    assert stored(sessions) == [
        (REMOVED_NAME, None, None, ARCHIVED, []),
        ("Grace Hopper", "grace@example.com", None, ARCHIVED, [("email", "g@navy.example")]),
    ]


# A shared inbox


def test_two_people_sharing_an_inbox_are_both_imported_and_the_line_reported(
    sessions: Sessions,
) -> None:
    counts = imported(
        sessions,
        person(2, "Ada Lovelace", ("jobs@acme.example",), ("https://linkedin.com/in/ada",)),
        person(3, "Grace Hopper", ("jobs@acme.example",), ("https://linkedin.com/in/grace",)),
    )
    again = imported(
        sessions,
        person(3, "Grace Hopper", ("jobs@acme.example",), ("https://linkedin.com/in/grace",)),
    )

    assert (counts.imported, counts.merged, counts.errors) == (2, 0, [])
    assert counts.warnings == [(3, SHARED_INBOX)]
    assert (again.imported, again.merged, again.warnings) == (0, 1, [(3, SHARED_INBOX)])
    assert stored(sessions) == [
        ("Ada Lovelace", "jobs@acme.example", "https://linkedin.com/in/ada", ARCHIVED, []),
        ("Grace Hopper", None, "https://linkedin.com/in/grace", ARCHIVED, []),
    ]


def test_a_shared_email_is_one_person_unless_both_names_and_links_differ(
    sessions: Sessions,
) -> None:
    counts = imported(
        sessions,
        person(2, "Ada Lovelace", ("ada@acme.example",), ("https://linkedin.com/in/ada",)),
        person(3, "ada  lovelace", ("ada@acme.example",), ("https://github.com/ada",)),
        person(4, "Ada L.", ("ada@acme.example",)),  # no link to tell her apart
    )

    assert (counts.imported, counts.merged, counts.warnings) == (1, 2, [])
    assert stored(sessions) == [
        (
            "Ada Lovelace",
            "ada@acme.example",
            "https://linkedin.com/in/ada",
            ARCHIVED,
            [("profile_url", "https://github.com/ada")],
        )
    ]


# Stages and dates


def test_the_furthest_stage_of_a_persons_rows_gives_her_status_across_batches(
    sessions: Sessions,
) -> None:
    counts = Counts()
    imported(
        sessions,
        person(2, "Ada Lovelace", ADA[:1], status=HIRED, stage=9),
        person(3, "Ada Lovelace", ADA[:1], status=ARCHIVED, stage=1),  # an older opportunity
        person(4, "Grace Hopper", ("grace@example.com",), status=ARCHIVED, stage=1),
        counts=counts,
    )
    imported(  # the next batch of the same run
        sessions,
        person(BATCH + 2, "Grace Hopper", ("grace@example.com",), status=HIRED, stage=9),
        counts=counts,
    )

    assert [(name, status) for name, _, _, status, _ in stored(sessions)] == [
        ("Ada Lovelace", HIRED),
        ("Grace Hopper", HIRED),
    ]
    assert one(sessions, "grace@example.com").archived_at is None


def test_a_candidate_held_before_the_run_keeps_her_status(sessions: Sessions) -> None:
    imported(sessions, person(2, "Ada Lovelace", ADA[:1], status=ARCHIVED, stage=1))

    imported(sessions, person(2, "Ada Lovelace", ADA[:1], status=HIRED, stage=9))  # a new run

    assert stored(sessions)[0][3] == ARCHIVED


def test_dates_from_the_file_are_kept_and_a_hire_date_goes_to_the_status_history(
    sessions: Sessions,
) -> None:
    created, archived, hired = (datetime(2021, m, 1, tzinfo=UTC) for m in (3, 6, 9))

    imported(
        sessions,
        person(2, "Ada Lovelace", ADA[:1], created_at=created, archived_at=archived),
        person(3, "Grace Hopper", ("grace@example.com",), status=HIRED, hired_at=hired),
        person(4, "Grace Hopper", ("grace@example.com",), created_at=created - timedelta(days=1)),
        person(5, "Kay", ("kay@example.com",), status=CandidateStatus.NOT_A_FIT),
        person(6, "Joan", ("joan@example.com",), status=CandidateStatus.NEW),
    )

    ada, grace = one(sessions, ADA[0]), one(sessions, "grace@example.com")
    kay, joan = one(sessions, "kay@example.com"), one(sessions, "joan@example.com")
    assert (ada.created_at, ada.archived_at, ada.last_activity_at) == (created, archived, archived)
    assert (grace.created_at, grace.archived_at, grace.status) == (
        created - timedelta(days=1),
        None,
        HIRED,
    )
    assert (kay.archived_at, joan.archived_at, joan.created_at) == (NOW, None, NOW)
    with sessions() as s:
        history = s.execute(
            select(AuditLog.subject, AuditLog.action, AuditLog.created_at, AuditLog.detail)
        ).all()
    assert [tuple(h[:3]) for h in history] == [
        (f"candidate:{grace.public_id}", "candidate.status", hired)
    ]
    assert history[0].detail["to"] == "hired"


# Snoozes


def test_an_imported_snooze_comes_back_to_each_recruiter_on_its_date_with_its_note(
    sessions: Sessions,
) -> None:
    a_recruiter(sessions, RECRUITER, "Europe/Paris")
    a_recruiter(sessions, "U0SAM", "America/New_York")
    until = datetime(2027, 3, 15, tzinfo=UTC)  # a date alone

    counts = imported(
        sessions,
        person(2, "Ada", ADA[:1], status=SNOOZED, snoozed_until=until, snooze_note="after exams"),
    )

    ada = one(sessions, ADA[0])
    with sessions() as s:
        [note] = s.scalars(select(Note).where(Note.kind == NoteKind.SNOOZE)).all()
    assert (ada.status, note.body, note.author_id, note.candidate_id) == (
        SNOOZED,
        "after exams",
        IMPORT_AUTHOR,
        ada.id,
    )
    assert [
        (d.recipient, d.due_at, d.subject, d.payload, d.dedupe_key, d.status)
        for d in snooze_ends(sessions)
    ] == [
        (
            RECRUITER,
            on_date(date(2027, 3, 15), "Europe/Paris"),
            f"candidate:{ada.public_id}",
            {"candidate": ada.public_id, "note": note.id},
            f"snooze:{ada.public_id}:{note.id}:{RECRUITER}",
            DeliveryStatus.PENDING,
        ),
        (
            "U0SAM",
            on_date(date(2027, 3, 15), "America/New_York"),
            f"candidate:{ada.public_id}",
            {"candidate": ada.public_id, "note": note.id},
            f"snooze:{ada.public_id}:{note.id}:U0SAM",
            DeliveryStatus.PENDING,
        ),
    ]
    assert notices(counts) == ()


def test_a_snooze_note_the_file_holds_is_the_snoozes_note_not_a_second_one(
    sessions: Sessions,
) -> None:
    a_recruiter(sessions)
    then = datetime(2026, 5, 1, tzinfo=UTC)
    snoozed_note = NoteIn(NoteKind.SNOOZE, "after exams", RECRUITER, then)

    imported(
        sessions,
        person(2, "Ada", ADA[:1], status=SNOOZED, notes=(snoozed_note,)),
        person(3, "Grace", ("grace@example.com",), status=SNOOZED, notes=(snoozed_note,)),
        person(
            4, "Grace", ("grace@example.com",), status=SNOOZED, snooze_note="after exams", stage=1
        ),
    )

    with sessions() as s:
        notes = s.execute(select(Note.id, Note.body, Note.author_id, Note.created_at)).all()
    assert [tuple(n[1:]) for n in notes] == [("after exams", RECRUITER, then)] * 2
    assert sorted(d.payload["note"] for d in snooze_ends(sessions)) == [n.id for n in notes]


def test_a_snooze_without_a_date_gets_the_workspace_default_and_says_so(
    sessions: Sessions,
) -> None:
    a_recruiter(sessions, tz="UTC")
    with sessions.begin() as s:
        settings.save(s, TEAM, snooze_default_months=3)

    counts = imported(
        sessions,
        person(2, "Ada", ADA[:1], status=SNOOZED),
        person(3, "Grace", ("grace@example.com",), status=SNOOZED),
    )

    assert [d.due_at for d in snooze_ends(sessions)] == [datetime(2027, 2, 2, 9, tzinfo=UTC)] * 2
    assert notices(counts) == (
        "2 snoozed without a date: back in 3 months (the workspace default)",
    )


def test_a_snooze_date_already_past_is_due_now(sessions: Sessions) -> None:
    a_recruiter(sessions)

    counts = imported(
        sessions,
        person(2, "Ada", ADA[:1], status=SNOOZED, snoozed_until=NOW - timedelta(days=30)),
    )

    assert [d.due_at for d in snooze_ends(sessions)] == [NOW]
    assert notices(counts) == ("1 snoozed until a date already past: back at the next sweep",)


def test_a_snooze_with_no_recruiter_to_tell_stays_snoozed_and_says_so(sessions: Sessions) -> None:
    counts = imported(sessions, person(2, "Ada", ADA[:1], status=SNOOZED, snooze_note="later"))
    configured = imported(
        sessions,
        person(2, "Grace", ("grace@example.com",), status=SNOOZED),
        recruiters=(f"{TEAM}:U0SAM", "T0OTHER:U0BOB"),  # REFBOT_RECRUITERS, not met yet
    )

    assert one(sessions, ADA[0]).status == SNOOZED
    assert notices(counts) == (
        "1 snoozed without a date: back in 6 months (the workspace default)",
        "1 snoozed with no recruiter to tell yet: they stay snoozed (/refbot snoozed)",
    )
    assert [d.recipient for d in snooze_ends(sessions)] == ["U0SAM"]
    assert len(notices(configured)) == 1


def test_a_later_row_that_went_further_ends_an_imported_snooze(sessions: Sessions) -> None:
    a_recruiter(sessions)
    counts = imported(sessions, person(2, "Ada", ADA[:1], status=SNOOZED, stage=2))

    imported(sessions, person(BATCH + 2, "Ada", ADA[:1], status=HIRED, stage=9), counts=counts)

    assert one(sessions, ADA[0]).status == HIRED
    assert [d.status for d in snooze_ends(sessions)] == [DeliveryStatus.CANCELLED]


def test_an_imported_snooze_dms_the_recruiter_with_its_note_when_it_ends(
    runtime: Runtime,  # noqa: F811
    now: FixedClock,  # noqa: F811
    slack: SlackEmulator,
) -> None:
    until = now.at + timedelta(days=30)
    imported(
        runtime.dispatcher.sessions,
        person(2, "Ada", ADA[:1], status=SNOOZED, snoozed_until=until, snooze_note="after exams"),
        recruiters=runtime.settings.refbot_recruiters,
    )

    now.travel(days=31)
    runtime.sweep()

    [dm] = [m for m in slack.dms(RECRUITER) if m.has_button("candidate_reactivate")]
    assert "after exams" in dm.plain_text() and "Ada" in dm.plain_text()


# No lost batch


def test_a_nul_byte_or_an_overlong_value_rejects_its_row_and_keeps_the_batch(
    sessions: Sessions,
) -> None:
    counts = imported(
        sessions,
        person(2, "Ada Lovelace", ADA[:1]),
        person(3, "Grace\x00Hopper", ("grace@example.com",)),
        person(4, "Kay", ("kay@example.com",), company="x" * 10_000),
        person(5, "J" * 201, ("joan@example.com",)),
        person(
            6,
            "Edsger",
            ("edsger@example.com",),
            notes=(NoteIn(NoteKind.NOTE, "a\x00b", "x", None),),
        ),
        person(7, "Barbara", ("barbara@example.com",), tags=("t" * 10_000,)),  # tags: text
    )

    assert counts.errors == [
        (3, NUL),
        (4, "company longer than 200 characters"),
        (5, "name longer than 200 characters"),
        (6, NUL),
    ]
    assert counts.imported == 2
    assert [row[0] for row in stored(sessions)] == ["Ada Lovelace", "Barbara"]


def test_a_row_the_database_refuses_all_the_same_costs_only_that_row(sessions: Sessions) -> None:
    naive = NoteIn(NoteKind.NOTE, "met at a meetup", "import", datetime(2020, 1, 1))  # no zone

    counts = imported(
        sessions,
        person(2, "Ada Lovelace", ADA[:1]),
        person(3, "Grace Hopper", ("grace@example.com",), notes=(naive,)),
        person(4, "Kay", ("kay@example.com",)),
        person(5, "Joan", ("joan@example.com",), company="Acme \udc80"),  # not encodable
    )

    assert counts.errors == [(3, REFUSED), (5, REFUSED)]
    assert (counts.imported, counts.merged) == (2, 0)
    assert [row[0] for row in stored(sessions)] == ["Ada Lovelace", "Kay"]
