"""Slack credentials are stored encrypted (Fernet): their columns become TEXT, since ciphertext
outgrows the library's VARCHAR(200). Existing values are left as they are (a migration has no
key): `refbot db rotate-secrets` encrypts them.

Revision ID: 0005_token_encryption
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_token_encryption"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRET_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
        "incoming_webhook_url",
    ),
}


def upgrade() -> None:
    for table, columns in SECRET_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column, existing_type=sa.String(length=200), type_=sa.Text(), nullable=True
                )


def downgrade() -> None:
    # Encrypted values are longer than 200 characters: PostgreSQL refuses to narrow a column
    # that holds one, so this only runs once the installations are deleted (and reinstalled).
    for table, columns in SECRET_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column, existing_type=sa.Text(), type_=sa.String(length=200), nullable=True
                )
