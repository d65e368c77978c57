from collections.abc import Callable
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
from storage.repositories import audit, deliveries


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


# Read in acks and by every card: SQLite, with no statistics, took the team_id index for these
# and read every delivery, or every audit entry, the team ever had.
SUBJECT_LOOKUPS: dict[str, tuple[Callable[[Session], object], str]] = {
    "the cards to edit": (
        lambda s: deliveries.keys_like(s, "T1", "candidate:c1", "card:", "hm:", "sla:"),
        "SEARCH deliveries USING INDEX ix_deliveries_team_id_subject (team_id=? AND subject=?)",
    ),
    "a candidate's trail": (
        lambda s: audit.trail(s, team_id="T1", subject="candidate:c1", actions=("a", "b")),
        "SEARCH audit_logs USING INDEX ix_audit_logs_team_id_subject (team_id=? AND subject=?)",
    ),
}


@pytest.mark.parametrize("lookup", SUBJECT_LOOKUPS)
def test_a_subjects_rows_are_found_without_reading_the_rest_of_the_team(
    migrated_url: str, lookup: str
) -> None:
    engine = make_engine(migrated_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics; SQLite has none unless ANALYZEd")
    run, expected = SUBJECT_LOOKUPS[lookup]
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

    assert [row[-1] for row in plan] == [expected]
