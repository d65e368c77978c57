"""CVs attached to referrals (issue 17, item 3): Slack's reference to the referrer's upload, and
the copies refbot shared into recruiters' DMs (what a forget deletes).

Revision ID: 0014_candidate_files
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_candidate_files"
down_revision: str | Sequence[str] | None = "0013_roundups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidate_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("slack_file_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("filetype", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_files_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_candidate_files_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_files")),
        sa.UniqueConstraint(
            "referral_id",
            "slack_file_id",
            name=op.f("uq_candidate_files_referral_id_slack_file_id"),
        ),
    )
    op.create_index(
        op.f("ix_candidate_files_candidate_id"), "candidate_files", ["candidate_id"], unique=False
    )
    op.create_index(
        op.f("ix_candidate_files_referral_id"), "candidate_files", ["referral_id"], unique=False
    )
    op.create_index(
        op.f("ix_candidate_files_team_id"), "candidate_files", ["team_id"], unique=False
    )
    op.create_table(
        "candidate_file_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("slack_file_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["candidate_files.id"],
            name=op.f("fk_candidate_file_copies_file_id_candidate_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_file_copies")),
        sa.UniqueConstraint(
            "file_id", "recipient", name=op.f("uq_candidate_file_copies_file_id_recipient")
        ),
    )
    op.create_index(
        op.f("ix_candidate_file_copies_file_id"), "candidate_file_copies", ["file_id"], unique=False
    )
    op.create_index(
        op.f("ix_candidate_file_copies_team_id"), "candidate_file_copies", ["team_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_file_copies_team_id"), table_name="candidate_file_copies")
    op.drop_index(op.f("ix_candidate_file_copies_file_id"), table_name="candidate_file_copies")
    op.drop_table("candidate_file_copies")
    op.drop_index(op.f("ix_candidate_files_team_id"), table_name="candidate_files")
    op.drop_index(op.f("ix_candidate_files_referral_id"), table_name="candidate_files")
    op.drop_index(op.f("ix_candidate_files_candidate_id"), table_name="candidate_files")
    op.drop_table("candidate_files")
