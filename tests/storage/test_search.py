import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, table
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessions
from storage.migrate import alembic_config
from storage.models import Candidate, Note, Referral
from storage.repositories import search as index
from storage.repositories.search import SearchQuery, parse_query, search
from storage.types import CandidateSource, CandidateStatus, NoteKind

Sessions = sessionmaker[Session]
TEAM, OTHER_TEAM = "T0001", "T0002"
NOW = datetime(2025, 3, 30, 7, 30, tzinfo=UTC)
SYNTAX = list("\"'*:()^-+&|!<>{}\\ aAé1_.@")  # FTS5's and tsquery's, and separators
HOSTILE = [
    'c++ "unterminated',
    "AND OR NOT *",
    '"',
    '""',
    "*",
    "NEAR(a b)",
    "name:ada",
    "-python",
    "^start",
    "a:* & !b | (c <-> d)",
    "'; DROP TABLE candidates; --",
    "\\",
    "{name email}: x",
    "x" * 500,
    "é" * 70,
    "\x00",
    "🙂",
    "status : snoozed",
]


def given_candidate(
    sessions: Sessions,
    name: str,
    *,
    notes: Sequence[str] = (),
    referral_notes: Sequence[str] = (),
    **fields: object,
) -> int:
    """A candidate of TEAM (unless ``team_id`` says otherwise) with its notes and referrals."""
    with sessions.begin() as s:
        candidate = Candidate(
            **{
                "team_id": TEAM,
                "name": name,
                "source": CandidateSource.REFERRAL,
                "last_activity_at": NOW,
                "created_at": NOW,
                **fields,
            }
        )
        s.add(candidate)
        s.flush()
        for body in notes:
            s.add(
                Note(
                    team_id=candidate.team_id,
                    candidate_id=candidate.id,
                    author_id="U0RITA",
                    kind=NoteKind.NOTE,
                    body=body,
                    created_at=NOW,
                )
            )
        for note in referral_notes:
            s.add(
                Referral(
                    team_id=candidate.team_id,
                    candidate_id=candidate.id,
                    referrer_id="U0ALICE",
                    candidate_knows=True,
                    can_intro=True,
                    note=note,
                    created_at=NOW,
                )
            )
        return candidate.id


def find(
    sessions: Sessions, text: str, *, statuses: Sequence[str] | None = None, limit: int = 10
) -> list[int]:
    query, _ = parse_query(text)
    with sessions.read_transaction() as s:
        found = search(s, TEAM, query, statuses=statuses, limit=limit)
    return [candidate_id for candidate_id, _ in found]


def documents(sessions: Sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(table("search_documents"))) or 0


def test_every_field_is_found_by_a_word_prefix(sessions: Sessions) -> None:
    ada = given_candidate(
        sessions,
        "Ada Lovelace",
        email="ada@analytical.example",
        company="Babbage Engines",
        headline="Staff engineer, compilers",
        tags="python, rust",
        notes=["met at PyCon"],
        referral_notes=["we shipped the hackathon winner together"],
    )
    given_candidate(sessions, "Grace Hopper")

    for text in ("ada", "lovel", "analytical", "babb", "compil", "pyth", "pycon", "hackath"):
        assert find(sessions, text) == [ada], text
    assert find(sessions, "ADA LOVELACE") == [ada]
    assert find(sessions, "ada@analytical.example") == [ada]


def test_accents_fold_both_ways(sessions: Sessions) -> None:
    accented = given_candidate(sessions, "Hélène Dupré", company="Société Générale")
    plain = given_candidate(sessions, "Helene Martin")

    assert set(find(sessions, "Helene")) == {accented, plain}
    assert set(find(sessions, "Hélène")) == {accented, plain}
    assert set(find(sessions, "HÉL")) == {accented, plain}
    assert find(sessions, "dupre") == [accented]
    assert find(sessions, "martín") == [plain]
    assert find(sessions, '"societe generale"') == [accented]


def test_punctuation_separates_words_as_in_the_documents(sessions: Sessions) -> None:
    irish = given_candidate(sessions, "Siobhán O’Brien", email="s.obrien@example.ie")

    assert find(sessions, "brien") == [irish]
    assert find(sessions, "O'Brien") == [irish]
    assert find(sessions, "obrien") == [irish]  # the email's local part
    assert find(sessions, "siobhan o’brien") == [irish]


def test_a_phrase_matches_only_its_words_together_and_in_order(sessions: Sessions) -> None:
    together = given_candidate(sessions, "Ada", headline="Builds the data platform")
    apart = given_candidate(sessions, "Grace", headline="Platform team, data quality")

    assert find(sessions, '"data platform"') == [together]
    assert set(find(sessions, "data platform")) == {together, apart}
    assert find(sessions, '"platform data"') == []


def test_every_word_must_match_somewhere_in_the_candidate(sessions: Sessions) -> None:
    both = given_candidate(sessions, "Ada", tags="python", notes=["based in Berlin"])
    given_candidate(sessions, "Grace", tags="python")
    given_candidate(sessions, "Linus", notes=["Berlin office"])

    assert find(sessions, "python berlin") == [both]
    assert find(sessions, "python berlin haskell") == []


def test_another_teams_better_matches_do_not_crowd_ours_out(sessions: Sessions) -> None:
    for i in range(30):
        given_candidate(sessions, f"Python {i}", team_id=OTHER_TEAM, tags="python")
    ours = given_candidate(sessions, "Ada", notes=["some python"])

    assert find(sessions, "python", limit=2) == [ours]


def test_every_status_is_searched_unless_the_caller_narrows_it(sessions: Sessions) -> None:
    archived = given_candidate(sessions, "Ada Byron", status=CandidateStatus.ARCHIVED)
    snoozed = given_candidate(sessions, "Ada King", status=CandidateStatus.SNOOZED)
    new = given_candidate(sessions, "Ada Lovelace")

    assert set(find(sessions, "ada")) == {archived, snoozed, new}
    assert find(sessions, "ada", statuses=["snoozed"]) == [snoozed]
    assert set(find(sessions, "ada", statuses=[CandidateStatus.ARCHIVED, "new"])) == {
        archived,
        new,
    }
    assert find(sessions, "ada", statuses=[]) == []
    assert find(sessions, "snoozed") == []  # the status filters; it is not searched

    with sessions.begin() as s:
        candidate = s.get(Candidate, new)
        assert candidate is not None
        candidate.status = CandidateStatus.NOT_A_FIT

    assert find(sessions, "ada", statuses=["new"]) == []
    assert find(sessions, "ada", statuses=["not_a_fit"]) == [new]


def test_another_teams_candidates_are_never_found(sessions: Sessions) -> None:
    given_candidate(sessions, "Ada Lovelace", team_id=OTHER_TEAM, notes=["python"])

    assert find(sessions, "ada") == []
    assert find(sessions, "python") == []


def test_changes_to_candidates_notes_and_referrals_are_reindexed(sessions: Sessions) -> None:
    ada = given_candidate(
        sessions, "Ada", company="Initech", notes=["knows kotlin"], referral_notes=["ex colleague"]
    )

    with sessions.begin() as s:
        candidate = s.get(Candidate, ada)
        assert candidate is not None
        candidate.company = "Globex"
        candidate.notes[0].body = "knows rust"
        candidate.referrals[0].note = None
        s.add(
            Note(
                team_id=TEAM,
                candidate_id=ada,
                author_id="U0RITA",
                kind=NoteKind.SNOOZE,
                body="back after exams",
                created_at=NOW,
            )
        )

    for gone in ("initech", "kotlin", "colleague"):
        assert find(sessions, gone) == [], gone
    for present in ("globex", "rust", "exams"):
        assert find(sessions, present) == [ada], present

    with sessions.begin() as s:
        candidate = s.get(Candidate, ada)
        assert candidate is not None
        s.delete(candidate.notes[-1])
        candidate.status = CandidateStatus.ARCHIVED  # not indexed, but still found after it

    assert find(sessions, "exams") == []
    assert find(sessions, "rust") == [ada]


def test_a_deleted_candidate_leaves_the_index(sessions: Sessions) -> None:
    ada = given_candidate(sessions, "Ada", notes=["python"], referral_notes=["python too"])
    grace = given_candidate(sessions, "Grace", notes=["python"])

    with sessions.begin() as s:
        s.delete(s.get(Candidate, ada))

    assert find(sessions, "python") == [grace]
    assert documents(sessions) == 1


@pytest.mark.parametrize("text", HOSTILE)
def test_query_syntax_in_user_text_never_raises(sessions: Sessions, text: str) -> None:
    given_candidate(sessions, "Ada", tags="c++, c#", headline="unterminated")

    assert isinstance(find(sessions, text), list)


def test_odd_statuses_from_the_caller_never_raise(sessions: Sessions) -> None:
    given_candidate(sessions, "Ada")

    assert find(sessions, "ada", statuses=['new" OR "x', "*", "", "not a status"]) == []


def test_syntax_characters_are_searched_as_separators(sessions: Sessions) -> None:
    ada = given_candidate(sessions, "Ada", tags="c++, node.js", headline="unterminated")

    assert find(sessions, 'c++ "unterminated') == [ada]
    assert find(sessions, "node.js") == [ada]
    assert find(sessions, "AND OR NOT *") == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.sampled_from(SYNTAX) | st.characters()))
def test_no_text_makes_the_search_raise(sessions: Sessions, text: str) -> None:
    assert isinstance(find(sessions, text), list)


def test_a_name_match_ranks_above_a_note_only_match(sessions: Sessions) -> None:
    in_a_note = given_candidate(sessions, "Linus Torvalds", notes=["grace under pressure"])
    in_the_name = given_candidate(sessions, "Grace Hopper")

    assert find(sessions, "grace") == [in_the_name, in_a_note]
    with sessions.read_transaction() as s:
        [(_, first), (_, second)] = search(s, TEAM, SearchQuery(words=("grace",)))
    assert first > second > 0


def test_the_limit_keeps_the_best(sessions: Sessions) -> None:
    for i in range(5):
        given_candidate(sessions, f"Person {i}", notes=["python"])
    best = given_candidate(sessions, "Python Jones")

    assert find(sessions, "python", limit=2)[0] == best
    assert len(find(sessions, "python", limit=2)) == 2
    assert find(sessions, "python", limit=0) == []


def test_nothing_to_search_finds_nothing(sessions: Sessions) -> None:
    given_candidate(sessions, "Ada")

    assert find(sessions, "") == []
    assert find(sessions, "status:snoozed") == []


def test_parse_query_splits_words_phrases_and_filters() -> None:
    query, filters = parse_query(
        'pyth "data platform" status:snoozed tag:go role:"Data Engineer" http://x.io "open'
    )

    assert query == SearchQuery(words=("pyth", "http://x.io"), phrases=("data platform", "open"))
    assert filters == {"status": "snoozed", "tag": "go", "role": "Data Engineer"}
    assert parse_query("ROLE:backend role:frontend")[1] == {"role": "frontend"}
    assert parse_query('"" status:')[0] == SearchQuery(words=("status:",))


def test_the_migration_indexes_existing_rows_and_downgrades_cleanly(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0002")
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    try:
        ada = given_candidate(sessions, "Ada", notes=["python"], referral_notes=["berlin"])

        command.upgrade(config, "head")
        assert find(sessions, "ada python berlin") == [ada]
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
        assert find(sessions, "ada python berlin") == [ada]
        assert documents(sessions) == 1
    finally:
        engine.dispose()


@given(st.text())
def test_folding_a_text_character_by_character_equals_folding_it_whole(text: str) -> None:
    """Ranking folds accents with a per-character table: the same as decomposing the whole."""
    whole = unicodedata.normalize("NFKD", text)
    expected = "".join(ch for ch in whole if not unicodedata.combining(ch)).casefold()
    assert index._fold(text) == expected
