"""Role roundups and recognition (issue 17): where and when open roles are posted, the monthly
thank-you channel, and each person's DM roundup and naming choices.

Revision ID: 0013_roundups
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_roundups"
down_revision: str | Sequence[str] | None = "0012_rewards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roundup_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("announce_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recognition_channel", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roundup_settings")),
    )
    op.create_index(
        op.f("ix_roundup_settings_team_id"), "roundup_settings", ["team_id"], unique=True
    )
    op.create_table(
        "roundup_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("dm", sa.Boolean(), nullable=False),
        sa.Column("dm_team", sa.String(length=100), nullable=True),
        sa.Column("dm_keywords", sa.String(length=200), nullable=True),
        sa.Column("unnamed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roundup_preferences")),
        sa.UniqueConstraint(
            "team_id", "user_id", name=op.f("uq_roundup_preferences_team_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_roundup_preferences_team_id"), "roundup_preferences", ["team_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_roundup_preferences_team_id"), table_name="roundup_preferences")
    op.drop_table("roundup_preferences")
    op.drop_index(op.f("ix_roundup_settings_team_id"), table_name="roundup_settings")
    op.drop_table("roundup_settings")
