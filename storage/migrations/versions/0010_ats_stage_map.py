"""ATS write-back (issue 16): the stages refbot knows per workspace and the refbot status the
admin mapped each to; the states refbot wrote to ATS applications (so their echo is recognised);
`ats_connections.cursors` dropped (polling cursors live in `ats_cursors`).

Revision ID: 0010_ats_stage_map
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ats_stage_map"
down_revision: str | Sequence[str] | None = "0009_ats_pull"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ats_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("stage", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_stages")),
        sa.UniqueConstraint(
            "team_id", "ats", "stage", name=op.f("uq_ats_stages_team_id_ats_stage")
        ),
    )
    op.create_index(op.f("ix_ats_stages_team_id"), "ats_stages", ["team_id"], unique=False)
    op.create_table(
        "ats_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=120), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("echoed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_writes")),
    )
    op.create_index(
        "ix_ats_writes_team_id_ats_application_id",
        "ats_writes",
        ["team_id", "ats", "application_id"],
        unique=False,
    )
    with op.batch_alter_table("ats_connections") as batch:
        batch.drop_column("cursors")


def downgrade() -> None:
    with op.batch_alter_table("ats_connections") as batch:
        batch.add_column(sa.Column("cursors", sa.JSON(), nullable=False, server_default="{}"))
    op.drop_index("ix_ats_writes_team_id_ats_application_id", table_name="ats_writes")
    op.drop_table("ats_writes")
    op.drop_index(op.f("ix_ats_stages_team_id"), table_name="ats_stages")
    op.drop_table("ats_stages")
