"""A query with more matches than `RECENT` ranks its newest matches only (a million
candidates would cost a ranking of every match); with fewer, every match is ranked. role: and
tag: keep those of the newest they fit; when none does, every match they fit is found."""

from collections.abc import Iterator

import pytest

from storage.db import Sessions
from storage.repositories import search as index
from storage.repositories.search import parse_query
from tests.storage.test_search import TEAM, given_candidate


@pytest.fixture
def few(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(index, "RECENT", 4)
    yield 4


def found(sessions: Sessions, text: str, limit: int = 2) -> list[int]:
    query, filters = parse_query(text)
    with sessions.read_transaction() as s:
        return [
            candidate_id
            for candidate_id, _ in index.search(
                s, TEAM, query, role=filters.get("role"), tag=filters.get("tag"), limit=limit
            )
        ]


def test_a_vague_query_ranks_its_newest_matches_and_a_precise_one_all_of_them(
    sessions: Sessions, few: int
) -> None:
    oldest = given_candidate(sessions, "Python Pat", headline="Python developer", tags="python")
    plain = [given_candidate(sessions, f"Sam {i}", headline="Python developer") for i in range(5)]
    newest = given_candidate(sessions, "Python Pia", headline="Python developer")

    vague = found(sessions, "python")
    assert vague[0] == newest  # the name match among the 4 newest
    assert oldest not in vague  # a better match, but older than the 4 newest
    assert found(sessions, "python pat") == [oldest]  # one match: ranked exactly
    assert plain[-1] in found(sessions, "python", limit=4)


def test_filters_that_fit_none_of_the_newest_matches_find_older_ones(
    sessions: Sessions, few: int
) -> None:
    oldest = given_candidate(sessions, "Rusty Pat", headline="Python developer", tags="rust")
    for i in range(6):
        given_candidate(sessions, f"Sam {i}", headline="Python developer", tags="java")

    assert found(sessions, "python tag:rust", limit=1) == [oldest]


def test_filters_keep_the_newest_matches_they_fit(sessions: Sessions, few: int) -> None:
    oldest = given_candidate(sessions, "Rusty Pat", headline="Python developer", tags="rust")
    for i in range(5):
        given_candidate(sessions, f"Sam {i}", headline="Python developer", tags="java")
    newest = given_candidate(sessions, "Rita", headline="Python developer", tags="rust")

    assert found(sessions, "python tag:rust") == [newest]  # one of the 4 newest fits
    assert oldest not in found(sessions, "python tag:rust", limit=5)
    assert found(sessions, "python pat tag:rust") == [oldest]  # precise: every match


@pytest.mark.parametrize("walk_row_cost", [0.0, 1e9], ids=["walk", "index"])
def test_past_the_sample_the_newest_matches_are_found_walking_or_through_the_index(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, walk_row_cost: float
) -> None:
    """A team larger than the sample PostgreSQL walks first: the matches past it are found
    whichever way the rest is read (a walk newest first, or the GIN index), and the team's
    matches only; SQLite has one way, and must agree."""
    monkeypatch.setattr(index, "RECENT", 3)
    monkeypatch.setattr(index, "SAMPLE", 4)
    monkeypatch.setattr(index, "WALK_ROW_COST", walk_row_cost)
    oldest = given_candidate(sessions, "Kotlin Kim", tags="kotlin")
    older = [given_candidate(sessions, f"Sam {i}", tags="kotlin") for i in range(3)]
    given_candidate(sessions, "Kotlin Elsewhere", team_id="T0THER")
    newer = [given_candidate(sessions, f"Lee {i}", tags="java") for i in range(6)]
    newest = given_candidate(sessions, "Kotlin Kai", tags="kotlin")

    vague = found(sessions, "kotlin", limit=5)
    assert vague[0] == newest  # the name match first, among the 3 newest
    assert set(vague) == {newest, older[2], older[1]}
    assert found(sessions, "kim", limit=5) == [oldest]  # one match, well past the sample
    assert set(found(sessions, "lee", limit=9)) == set(newer[-3:])  # vague too
    assert found(sessions, "kotlin kim tag:kotlin", limit=5) == [oldest]
