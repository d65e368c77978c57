"""Rediscovery at an enterprise's scale (issue 16), a million candidates:

- `/refbot find` with a filter alone (status:, role:, tag:) lists the most recently active
  candidates: an index walks them in that order instead of sorting a million rows. A plain
  index: on SQLite, no table rebuild (the search triggers of revision 0003 stay).
- PostgreSQL: a vague query ranks its newest matches (storage.repositories.search): an index
  on search_documents (team_id, candidate_id) walks a team's documents newest first. The
  table is revision 0003's, outside the models' metadata.

Revision ID: 0011_ats_history
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_ats_history"
down_revision: str | Sequence[str] | None = "0010_ats_stage_map"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_candidates_team_id_last_activity_at",
        "candidates",
        ["team_id", "last_activity_at"],
        unique=False,
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_documents_team_id_candidate_id "
            "ON search_documents (team_id, candidate_id)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_team_id_candidate_id")
    op.drop_index("ix_candidates_team_id_last_activity_at", table_name="candidates")
