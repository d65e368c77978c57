"""Schema migrations from code: start-up, tests and operators' scripts share one path."""

from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import make_engine, normalize_url

# Beside this file, so it is found in a checkout and in an installed package alike.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    rendered = normalize_url(url).render_as_string(hide_password=False)
    # ConfigParser interpolates "%": escape it, or a percent-encoded password breaks.
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest revision (a no-op when it is there)."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None when it was never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_empty(url: str) -> bool:
    """True when the database has no tables at all (not even Alembic's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Skip revision 0003's search index (FTS5 + shadow tables / tsvector table): triggers own
    it and no model describes it, so autogenerate must not drop it."""
    return not (type_ == "table" and name is not None and name.startswith("search_"))
