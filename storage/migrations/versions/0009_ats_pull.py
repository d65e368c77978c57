"""ATS pull (issue 16, phase 2b): the last applied state of each ATS application (one update per
stage change, whether a webhook or a poll reports it), the role each ATS job became, and the
polling cursors.

Revision ID: 0009_ats_pull
Revises: 0008_ats_connections
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_ats_pull"
down_revision: str | Sequence[str] | None = "0008_ats_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ats_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_applications")),
        sa.UniqueConstraint(
            "team_id",
            "ats",
            "application_id",
            name=op.f("uq_ats_applications_team_id_ats_application_id"),
        ),
    )
    op.create_index(
        op.f("ix_ats_applications_team_id"), "ats_applications", ["team_id"], unique=False
    )
    op.create_table(
        "ats_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_ats_jobs_role_id_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_jobs")),
        sa.UniqueConstraint(
            "team_id", "ats", "job_id", name=op.f("uq_ats_jobs_team_id_ats_job_id")
        ),
    )
    op.create_index(op.f("ix_ats_jobs_role_id"), "ats_jobs", ["role_id"], unique=False)
    op.create_index(op.f("ix_ats_jobs_team_id"), "ats_jobs", ["team_id"], unique=False)
    op.create_table(
        "ats_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ats", sa.String(length=24), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_cursors")),
        sa.UniqueConstraint(
            "team_id", "ats", "resource", name=op.f("uq_ats_cursors_team_id_ats_resource")
        ),
    )
    op.create_index(op.f("ix_ats_cursors_team_id"), "ats_cursors", ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ats_cursors_team_id"), table_name="ats_cursors")
    op.drop_table("ats_cursors")
    op.drop_index(op.f("ix_ats_jobs_team_id"), table_name="ats_jobs")
    op.drop_index(op.f("ix_ats_jobs_role_id"), table_name="ats_jobs")
    op.drop_table("ats_jobs")
    op.drop_index(op.f("ix_ats_applications_team_id"), table_name="ats_applications")
    op.drop_table("ats_applications")
