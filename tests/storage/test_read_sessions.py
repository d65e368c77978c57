"""Read sessions: on PostgreSQL they hold no transaction open (autocommit), so a write in one
would stay; it is refused instead, on both engines. A read that needs one transaction (the
search's SET LOCAL) asks for it."""

import pytest
from sqlalchemy import func, insert, select, text, update

from storage.db import ReadSessionWriteError, Sessions
from storage.models import Member
from storage.repositories import search
from storage.repositories.search import SearchQuery


def members(sessions: Sessions) -> list[tuple[str, str | None]]:
    with sessions() as s:
        return [(m.user_id, m.display_name) for m in s.scalars(select(Member).order_by(Member.id))]


def test_a_read_session_writes_nothing(sessions: Sessions) -> None:
    with sessions.begin() as s:
        s.add(Member(team_id="T1", user_id="U1", display_name="Ada"))

    with sessions() as s, pytest.raises(ReadSessionWriteError):
        s.execute(insert(Member).values(team_id="T1", user_id="U2"))
    with sessions() as s, pytest.raises(ReadSessionWriteError):
        s.execute(update(Member).values(display_name="Grace"))
    with sessions() as s, pytest.raises(ReadSessionWriteError):
        s.add(Member(team_id="T1", user_id="U3"))
        s.flush()
    with sessions() as s:
        s.scalars(select(Member)).one().display_name = "Grace"
        assert s.scalar(select(func.count()).select_from(Member)) == 1  # no flush before it
    with sessions() as s, pytest.raises(ReadSessionWriteError):
        s.scalars(select(Member)).one().display_name = "Grace"
        s.flush()

    assert members(sessions) == [("U1", "Ada")]


def test_on_postgresql_a_read_session_holds_no_transaction_open(
    sessions: Sessions, migrated_url: str
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite reads in a deferred transaction of its own")
    with sessions() as s:
        backend = s.scalar(text("SELECT pg_backend_pid()"))
        with sessions() as other:
            state = other.scalar(
                text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}
            )
    assert state == "idle"  # not "idle in transaction": nothing held while a card is composed

    with sessions.read_transaction() as s:
        backend = s.scalar(text("SELECT pg_backend_pid()"))
        with sessions() as other:
            state = other.scalar(
                text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}
            )
    assert state == "idle in transaction"


def test_on_postgresql_search_plans_each_query_in_a_transaction_of_its_own(
    sessions: Sessions, migrated_url: str
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite plans every query anew")
    query = SearchQuery(words=("ada",))

    with sessions.read_transaction() as s:
        assert search.search(s, "T1", query) == []
        assert s.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    with sessions() as s, pytest.raises(ValueError, match="read_transaction"):
        search.search(s, "T1", query)  # SET LOCAL would be lost in autocommit
