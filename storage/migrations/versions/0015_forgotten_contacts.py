"""Who was forgotten on request, as digests of their contact details: what the ATS's history
pull and file imports must not bring back (issue 16: "a forget in refbot leaves the ATS alone").

Revision ID: 0015_forgotten_contacts
Revises: 0014_candidate_files
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_forgotten_contacts"
down_revision: str | Sequence[str] | None = "0014_candidate_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forgotten_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forgotten_contacts")),
        sa.UniqueConstraint("team_id", "digest", name=op.f("uq_forgotten_contacts_team_id_digest")),
    )
    op.create_index(
        op.f("ix_forgotten_contacts_team_id"), "forgotten_contacts", ["team_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_forgotten_contacts_team_id"), table_name="forgotten_contacts")
    op.drop_table("forgotten_contacts")
