"""`/refbot find role:…` at a million candidates (issue 16): the candidates referred to the
roles whose titles hold the words, read in one walk of an index (a referral's role had none:
each search, and each role deleted, read every referral).

Revision ID: 0016_referrals_by_role
Revises: 0015_forgotten_contacts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_referrals_by_role"
down_revision: str | Sequence[str] | None = "0015_forgotten_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referrals_role_id_candidate_id", "referrals", ["role_id", "candidate_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_referrals_role_id_candidate_id", table_name="referrals")
