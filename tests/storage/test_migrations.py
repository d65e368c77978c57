from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import make_engine
from storage.installations import SLACK_METADATA
from storage.migrate import current_revision, head_revision, include_name, is_empty, upgrade
from storage.models import Base


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
