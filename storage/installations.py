"""Multi-workspace OAuth: Bolt's own SQLAlchemy installation and state stores, in refbot's
database. Their tables are declared here (by the library's builders) so Alembic migrates them
with the rest and `tests/storage` checks they match the revisions.

Two changes to the library's stores: tokens are encrypted at rest (`EncryptedInstallationStore`)
and OAuth states that nobody came back with are deleted (`ExpiringStateStore`)."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table, Text, delete, select, update

from storage.db import writing
from storage.encryption import EncryptedText, Secrets

BOTS = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name
STATE_SECONDS = 600  # an install started and not finished within 10 minutes starts over
PURGE_BATCH = 500  # expired states deleted per new one: an install page visit stays cheap

# The columns that hold credentials, encrypted at rest. A webhook URL lets anyone post to its
# channel, so it is one too (refbot asks for no webhook today; Bolt would store one).
SECRET_COLUMNS = {
    BOTS: ("bot_token", "bot_refresh_token"),
    INSTALLATIONS: (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
        "incoming_webhook_url",
    ),
}

SLACK_METADATA = MetaData()
SQLAlchemyInstallationStore.build_bots_table(SLACK_METADATA, BOTS)
SQLAlchemyInstallationStore.build_installations_table(SLACK_METADATA, INSTALLATIONS)
SQLAlchemyOAuthStateStore.build_oauth_states_table(SLACK_METADATA, STATES)
for _table, _columns in SECRET_COLUMNS.items():
    for _column in _columns:
        # Ciphertext outgrows the library's String(200) (revision 0005 widens them).
        SLACK_METADATA.tables[_table].c[_column].type = Text()

_log = logging.getLogger("refbot.oauth")


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, unchanged but for its credential columns: encrypted when saved,
    decrypted when found, so Bolt's OAuth flow and refbot's token lookups see plain tokens and
    the database never does."""

    def __init__(self, client_id: str, engine: Engine, secrets: Secrets) -> None:
        super().__init__(client_id=client_id, engine=writing(engine), logger=_log)
        for table in (self.bots, self.installations):
            for column in SECRET_COLUMNS[table.name]:
                table.c[column].type = EncryptedText(secrets)


class ExpiringStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store keeps every state it issues until it is used, and anyone can
    have one issued by opening /slack/install: each new state also deletes a bounded batch of
    expired ones, and the daily job (`purge`) deletes the rest."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=writing(engine), logger=_log)
        self._clock = clock

    def issue(self, *args: object, **kwargs: object) -> str:
        state = super().issue(*args, **kwargs)
        self._purge(limit=PURGE_BATCH)
        return state

    def purge(self) -> int:
        """Delete every expired state; the number deleted."""
        deleted = 0
        while count := self._purge(limit=PURGE_BATCH):
            deleted += count
        return deleted

    def _purge(self, *, limit: int) -> int:
        # expire_at is a naive UTC DateTime (the library's column), as the library writes it.
        now = self._clock().astimezone(UTC).replace(tzinfo=None)
        states = self.oauth_states
        expired = select(states.c.id).where(states.c.expire_at <= now).limit(limit)
        with self.engine.begin() as connection:
            # In a subquery, so the batch is bounded on every engine (SQLite's DELETE … LIMIT
            # is a compile-time option).
            return connection.execute(delete(states).where(states.c.id.in_(expired))).rowcount


def installation_store(
    client_id: str, engine: Engine, secrets: Secrets
) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id=client_id, engine=engine, secrets=secrets)


def state_store(engine: Engine, clock: Callable[[], datetime]) -> ExpiringStateStore:
    return ExpiringStateStore(engine=engine, clock=clock)


def rotate_secrets(engine: Engine, secrets: Secrets) -> int:
    """Re-encrypt every stored credential with the first key (encrypting any stored in clear,
    by an earlier refbot); the number of rows rewritten. One transaction: all or nothing."""
    rewritten = 0
    with engine.begin() as connection:
        for name, columns in SECRET_COLUMNS.items():
            table: Table = SLACK_METADATA.tables[name]
            fields = [table.c[column] for column in columns]
            for row in connection.execute(select(table.c.id, *fields)).all():
                values = {
                    column: secrets.rotate(value)
                    for column, value in zip(columns, row[1:], strict=True)
                    if value is not None
                }
                if values:
                    connection.execute(update(table).where(table.c.id == row.id).values(values))
                    rewritten += 1
    return rewritten
