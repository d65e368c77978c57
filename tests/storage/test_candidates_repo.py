from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from storage.models import Candidate, CandidateContact
from storage.repositories import candidates
from storage.types import CandidateSource, ContactKind

Sessions = sessionmaker[Session]
TEAM, OTHER_TEAM = "T0001", "T0002"
NOW = datetime(2025, 3, 30, 7, 30, tzinfo=UTC)
ADA_EMAIL, ADA_URL = "ada@example.com", "https://linkedin.com/in/ada-lovelace"


def given_candidates(sessions: Sessions, *rows: dict[str, Any]) -> list[int]:
    defaults = {
        "team_id": TEAM,
        "name": "Ada Lovelace",
        "source": CandidateSource.REFERRAL,
        "last_activity_at": NOW,
        "created_at": NOW,
    }
    with sessions.begin() as s:
        added = [Candidate(**(defaults | row)) for row in rows]
        s.add_all(added)
        s.flush()
        return [candidate.id for candidate in added]


def test_find_duplicate_by_email_alone(sessions: Sessions) -> None:
    [ada] = given_candidates(sessions, {"email": ADA_EMAIL, "profile_url": ADA_URL})

    with sessions() as s:
        found = candidates.find_duplicate(s, TEAM, email=ADA_EMAIL, profile_url=None)

    assert found is not None and found.id == ada


def test_find_duplicate_by_profile_url_when_the_email_is_new(sessions: Sessions) -> None:
    [ada] = given_candidates(sessions, {"email": ADA_EMAIL, "profile_url": ADA_URL})

    with sessions() as s:
        found = candidates.find_duplicate(s, TEAM, email="ada@new.example", profile_url=ADA_URL)

    assert found is not None and found.id == ada


def test_find_duplicate_finds_nothing_for_new_contacts(sessions: Sessions) -> None:
    given_candidates(sessions, {"email": ADA_EMAIL, "profile_url": None})

    with sessions() as s:
        found = candidates.find_duplicate(
            s, TEAM, email="grace@example.com", profile_url="https://github.com/grace"
        )
        # A missing contact never matches the candidates that lack it too.
        nothing = candidates.find_duplicate(s, TEAM, email=None, profile_url=None)
        no_url = candidates.find_duplicate(s, TEAM, email="grace@example.com", profile_url=None)

    assert found is None and nothing is None and no_url is None


def test_find_duplicate_ignores_another_teams_candidate(sessions: Sessions) -> None:
    given_candidates(sessions, {"team_id": OTHER_TEAM, "email": ADA_EMAIL, "profile_url": ADA_URL})

    with sessions() as s:
        found = candidates.find_duplicate(s, TEAM, email=ADA_EMAIL, profile_url=ADA_URL)

    assert found is None


def test_find_duplicate_prefers_the_email_match_when_two_people_match(sessions: Sessions) -> None:
    by_url, by_email = given_candidates(
        sessions,
        {"name": "Ada Byron", "email": None, "profile_url": ADA_URL},
        {"email": ADA_EMAIL, "profile_url": None},
    )

    with sessions() as s:
        found = candidates.find_duplicate(s, TEAM, email=ADA_EMAIL, profile_url=ADA_URL)

    assert found is not None and found.id == by_email != by_url


def test_find_duplicate_ranks_her_email_then_one_she_holds_then_her_link_then_one_she_holds(
    sessions: Sessions,
) -> None:
    """Every query over a team where each way of matching points at someone else."""
    own = {  # name: (email, link) on the candidate
        "Ada": ("e1", "u1"),
        "Ben": (None, "u2"),
        "Cy": ("e3", None),
        "Dee": (None, None),
    }
    held = {  # name: other contacts (kind, value); Cy holds Ada's link, Dee Ada's email
        "Ben": [(ContactKind.EMAIL, "e2"), (ContactKind.PROFILE_URL, "u3")],
        "Cy": [(ContactKind.EMAIL, "e4"), (ContactKind.PROFILE_URL, "u1")],
        "Dee": [(ContactKind.EMAIL, "e1"), (ContactKind.PROFILE_URL, "u4")],
    }
    ids = given_candidates(
        sessions,
        *({"name": n, "email": e and f"{e}@x.io", "profile_url": u} for n, (e, u) in own.items()),
        {"team_id": OTHER_TEAM, "name": "Eve", "email": "e5@x.io", "profile_url": "u5"},
    )
    who = dict(zip(ids, own, strict=False))
    with sessions.begin() as s:
        s.add_all(
            CandidateContact(
                team_id=TEAM,
                candidate_id=ids[list(own).index(name)],
                kind=kind,
                value=f"{value}@x.io" if kind == ContactKind.EMAIL else value,
                created_at=NOW,
            )
            for name, contacts in held.items()
            for kind, value in contacts
        )

    def expected(email: str | None, url: str | None) -> str | None:
        ways = [
            [n for n, (e, _) in own.items() if email and e == email],
            [n for n, c in held.items() if email and (ContactKind.EMAIL, email) in c],
            [n for n, (_, u) in own.items() if url and u == url],
            [n for n, c in held.items() if url and (ContactKind.PROFILE_URL, url) in c],
        ]
        return next((names[0] for names in ways if names), None)

    for email in (None, "e1", "e2", "e3", "e4", "e5", "e9"):
        for url in (None, "u1", "u2", "u3", "u4", "u5", "u9"):
            with sessions() as s:
                address = email and f"{email}@x.io"
                found = candidates.find_duplicate(s, TEAM, email=address, profile_url=url)
            assert (found and who[found.id]) == expected(email, url), (email, url)
