"""Whether a referred person knows about the referral may be unknown (NULL): the referrer did
not say, and a default must not answer for them.

SQLite changes a column's nullability by copying the table (Alembic's batch mode); the search
triggers of 0003 read `referrals` (and those on it go with the old table), so they are dropped
before the copy and created again after it, as 0003 wrote them.

Revision ID: 0006_candidate_knows_unknown
Revises: 0005_token_encryption
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0006_candidate_knows_unknown"
down_revision: str | Sequence[str] | None = "0005_token_encryption"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _search() -> ModuleType:
    """Revision 0003 (a file name Python cannot import by statement)."""
    spec = importlib.util.spec_from_file_location(
        "_search", Path(__file__).with_name("0003_search.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _set_nullable(nullable: bool) -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    search = _search() if sqlite else None
    if search is not None:
        for name in search.SQLITE_TRIGGERS:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    with op.batch_alter_table("referrals") as batch:
        batch.alter_column("candidate_knows", existing_type=sa.Boolean(), nullable=nullable)
    if search is not None:
        for statement in search.SQLITE_UPGRADE:
            if statement.startswith("CREATE TRIGGER"):
                op.execute(sa.text(statement))


def upgrade() -> None:
    _set_nullable(True)


def downgrade() -> None:
    # Before this revision an unanswered question was recorded as "knows".
    op.execute(sa.text("UPDATE referrals SET candidate_knows = TRUE WHERE candidate_knows IS NULL"))
    _set_nullable(False)
