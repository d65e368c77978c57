from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from storage.models import Candidate
from storage.repositories import candidates
from storage.types import CandidateSource

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
