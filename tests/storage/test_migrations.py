import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from storage.db import make_engine, make_sessions
from storage.installations import SLACK_METADATA
from storage.migrate import current_revision, head_revision, include_name, is_empty, upgrade
from storage.models import Base
from storage.repositories import audit, deliveries, members


def test_upgrade_on_empty_database_builds_the_schema_of_the_models(database_url: str) -> None:
    assert is_empty(database_url)
    assert current_revision(database_url) is None

    upgrade(database_url)

    assert not is_empty(database_url)
    assert current_revision(database_url) == head_revision() is not None
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            assert compare_metadata(context, [Base.metadata, SLACK_METADATA]) == []
    finally:
        engine.dispose()


def test_upgrade_twice_changes_nothing(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as connection:
            before = sorted(inspect(connection).get_table_names())

        upgrade(migrated_url)

        with engine.connect() as connection:
            assert sorted(inspect(connection).get_table_names()) == before
    finally:
        engine.dispose()
    assert current_revision(migrated_url) == head_revision()
    assert set(Base.metadata.tables) < set(before)


# Read in acks, by every card, by every digest: SQLite, with no statistics, took the team_id
# index for each of these and read every delivery, audit entry or member the team ever had.
LOOKUPS: dict[str, tuple[Callable[[Session], object], set[str]]] = {
    "the cards to edit": (
        lambda s: deliveries.keys_like(s, "T1", "candidate:c1", "card:", "hm:", "sla:"),
        {"ix_deliveries_team_id_subject"},
    ),
    "a candidate's trail": (
        lambda s: audit.trail(s, team_id="T1", subject="candidate:c1", actions=("a", "b")),
        {"ix_audit_logs_team_id_subject"},
    ),
    "a sent message's deliveries": (
        lambda s: deliveries.sent_together(s, "T1", "D1", "1700000000.000100"),
        {"ix_deliveries_channel_id_sent_ts"},
    ),
    "one person's follow-ups": (
        lambda s: deliveries.follow_ups_open(s, "T1", "U1", since=NOW, before=NOW, limit=5),
        {"ix_deliveries_team_id_recipient_kind_due_at"},
    ),
    "the recruiters and the referrer": (
        lambda s: members.recruiters_or(s, "T1", ["U1", "U2"]),
        {"ix_members_team_id_is_recruiter", "sqlite_autoindex_members_1"},
    ),
}
NOW = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_lookups_walk_an_index_of_their_own_not_the_whole_team(
    migrated_url: str, lookup: str
) -> None:
    engine = make_engine(migrated_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics; SQLite has none unless ANALYZEd")
    run, indexes = LOOKUPS[lookup]
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with make_sessions(engine)() as s:
            run(s)
        event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = sent[-1]
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    finally:
        engine.dispose()

    searched = {m[1] for row in plan if (m := re.match(r"SEARCH \w+ USING INDEX (\w+)", row[-1]))}
    assert searched == indexes, plan
    assert not [row for row in plan if str(row[-1]).startswith("SCAN")], plan
