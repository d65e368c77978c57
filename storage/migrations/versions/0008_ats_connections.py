"""ATS connections per workspace (credentials encrypted at rest), the link between a refbot
candidate and her person and application in the ATS, and the settings' copy of the push mode.

Revision ID: 0008_ats_connections
Revises: 0007_candidate_contacts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_ats_connections"
down_revision: str | Sequence[str] | None = "0007_candidate_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ats_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("acting_user_id", sa.String(length=64), nullable=False),
        sa.Column("acting_user_name", sa.String(length=200), nullable=True),
        sa.Column("mode", sa.String(length=24), nullable=False),
        sa.Column("push", sa.String(length=24), nullable=False),
        sa.Column("connected_by", sa.String(length=32), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_connections")),
    )
    op.create_index(op.f("ix_ats_connections_team_id"), "ats_connections", ["team_id"], unique=True)
    op.create_table(
        "ats_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("ats_candidate_id", sa.String(length=64), nullable=False),
        sa.Column("ats_application_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("referrer_credited", sa.Boolean(), nullable=False),
        sa.Column("credited_to", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_ats_links_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_ats_links_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_links")),
        sa.UniqueConstraint("candidate_id", "ats", name=op.f("uq_ats_links_candidate_id_ats")),
    )
    op.create_index(op.f("ix_ats_links_referral_id"), "ats_links", ["referral_id"], unique=False)
    op.create_index(op.f("ix_ats_links_team_id"), "ats_links", ["team_id"], unique=False)
    op.create_index(
        "ix_ats_links_team_id_ats_ats_candidate_id",
        "ats_links",
        ["team_id", "ats", "ats_candidate_id"],
        unique=False,
    )
    # Existing workspaces have no ATS: nothing is pushed until an admin connects one.
    with op.batch_alter_table("settings") as batch:
        batch.add_column(
            sa.Column("ats_auto_push", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("ats_auto_push")
    op.drop_index("ix_ats_links_team_id_ats_ats_candidate_id", table_name="ats_links")
    op.drop_index(op.f("ix_ats_links_team_id"), table_name="ats_links")
    op.drop_index(op.f("ix_ats_links_referral_id"), table_name="ats_links")
    op.drop_table("ats_links")
    op.drop_index(op.f("ix_ats_connections_team_id"), table_name="ats_connections")
    op.drop_table("ats_connections")
