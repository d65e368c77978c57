"""Multi-workspace OAuth: Bolt's own SQLAlchemy installation and state stores, in refbot's
database. Their tables are declared here (by the library's builders) so Alembic migrates them
with the rest and `tests/storage` checks they match the revisions."""

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData

BOTS = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name
STATE_SECONDS = 600  # an install started and not finished within 10 minutes starts over

SLACK_METADATA = MetaData()
SQLAlchemyInstallationStore.build_bots_table(SLACK_METADATA, BOTS)
SQLAlchemyInstallationStore.build_installations_table(SLACK_METADATA, INSTALLATIONS)
SQLAlchemyOAuthStateStore.build_oauth_states_table(SLACK_METADATA, STATES)

_log = logging.getLogger("refbot.oauth")


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=_log)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=_log)
