"""A subject's deliveries and audit trail found in one walk of an index (issue 15).

A duplicate referral and every decision on a card look up the cards already queued for the
candidate (in the ack), and every card composed reads the candidate's trail. SQLite has no
statistics: for a query on team_id and subject it took the team_id index (the deliveries'
(subject, kind) index went unused) and read every delivery, or every audit entry, the team ever
had. At 300,000 deliveries that was 62 ms of each such ack; with these, 0.1 ms.

Revision ID: 0017_by_subject
Revises: 0016_referrals_by_role
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_by_subject"
down_revision: str | Sequence[str] | None = "0016_referrals_by_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_team_id_subject", "deliveries", ["team_id", "subject"], unique=False
    )
    op.drop_index("ix_deliveries_subject_kind", table_name="deliveries")
    op.create_index(
        "ix_audit_logs_team_id_subject", "audit_logs", ["team_id", "subject"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_logs_team_id_subject", table_name="audit_logs")
    op.create_index("ix_deliveries_subject_kind", "deliveries", ["subject", "kind"], unique=False)
    op.drop_index("ix_deliveries_team_id_subject", table_name="deliveries")
