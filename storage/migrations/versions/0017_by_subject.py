"""What the acks and the cards look up, found in one walk of an index (issue 15).

SQLite has no statistics: for a query on team_id and anything else it took the team_id index
and read every row of the team. So a duplicate referral and every decision on a card read every
delivery the team ever had to find the candidate's cards (the deliveries' (subject, kind) index
went unused), every card composed read every audit entry for the candidate's trail, every click
on a sent message every delivery for that message, every digest and desk every delivery for one
person, and every referral every member for the recruiters. At 300,000 deliveries a lookup of
the cards took 65 ms; with these indexes, 0.06 ms (benchmarks/subjects.py).

Revision ID: 0017_by_subject
Revises: 0016_referrals_by_role
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_by_subject"
down_revision: str | Sequence[str] | None = "0016_referrals_by_role"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (table, index, columns) created; (table, index, columns) dropped, put back by downgrade.
CREATED = (
    ("deliveries", "ix_deliveries_team_id_subject", ["team_id", "subject"]),
    (
        "deliveries",
        "ix_deliveries_team_id_recipient_kind_due_at",
        ["team_id", "recipient", "kind", "due_at"],
    ),
    ("deliveries", "ix_deliveries_channel_id_sent_ts", ["channel_id", "sent_ts"]),
    ("audit_logs", "ix_audit_logs_team_id_subject", ["team_id", "subject"]),
    ("members", "ix_members_team_id_is_recruiter", ["team_id", "is_recruiter"]),
)
DROPPED = (
    ("deliveries", "ix_deliveries_subject_kind", ["subject", "kind"]),
    ("deliveries", "ix_deliveries_team_id", ["team_id"]),  # a prefix of the new ones
)


def upgrade() -> None:
    for table, name, columns in CREATED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in CREATED:
        op.drop_index(name, table_name=table)
