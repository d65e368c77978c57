"""A candidate's other emails and profile links (an ATS export holds several per person), each
finding her as her primary ones do.

Revision ID: 0007_candidate_contacts
Revises: 0006_candidate_knows_unknown
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_candidate_contacts"
down_revision: str | Sequence[str] | None = "0006_candidate_knows_unknown"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidate_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_contacts_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_contacts")),
        sa.UniqueConstraint(
            "team_id", "kind", "value", name=op.f("uq_candidate_contacts_team_id_kind_value")
        ),
    )
    op.create_index(
        op.f("ix_candidate_contacts_candidate_id"),
        "candidate_contacts",
        ["candidate_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_candidate_contacts_team_id"), "candidate_contacts", ["team_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_contacts_team_id"), table_name="candidate_contacts")
    op.drop_index(op.f("ix_candidate_contacts_candidate_id"), table_name="candidate_contacts")
    op.drop_table("candidate_contacts")
