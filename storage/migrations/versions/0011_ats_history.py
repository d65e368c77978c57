"""Rediscovery at an enterprise's scale (issue 16): `/refbot find` with a filter alone (status:,
role:, tag:) lists the most recently active candidates; this index walks them in that order
instead of sorting a million rows. A plain index: on SQLite, no table rebuild (the search
triggers of revision 0003 stay).

Revision ID: 0011_ats_history
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_ats_history"
down_revision: str | Sequence[str] | None = "0009_ats_pull"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_candidates_team_id_last_activity_at",
        "candidates",
        ["team_id", "last_activity_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_candidates_team_id_last_activity_at", table_name="candidates")
