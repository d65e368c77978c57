"""Referral rewards (issue 17): a reward per role and a workspace default (amount in minor
units, ISO 4217 currency, days after the start date), and the rewards owed to referrers.

Revision ID: 0012_rewards
Revises: 0009_ats_pull
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_rewards"
down_revision: str | Sequence[str] | None = "0011_ats_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE = ("reward_amount", "reward_currency", "reward_days")


def _rule() -> list[sa.Column]:
    return [
        sa.Column("reward_amount", sa.Integer(), nullable=True),
        sa.Column("reward_currency", sa.String(length=3), nullable=True),
        sa.Column("reward_days", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    for table in ("settings", "roles"):
        with op.batch_alter_table(table) as batch:
            for column in _rule():
                batch.add_column(column)
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("referrer_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("payable_on", sa.Date(), nullable=False),
        sa.Column("payable_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("hired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sa.String(length=32), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_rewards_candidate_id_candidates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_rewards_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_rewards_role_id_roles"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint("public_id", name=op.f("uq_rewards_public_id")),
    )
    op.create_index(op.f("ix_rewards_team_id"), "rewards", ["team_id"], unique=False)
    op.create_index(op.f("ix_rewards_candidate_id"), "rewards", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_rewards_referrer_id"), "rewards", ["referrer_id"], unique=False)
    op.create_index(
        "ix_rewards_team_id_status_payable_on",
        "rewards",
        ["team_id", "status", "payable_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_rewards_team_id_status_payable_on", table_name="rewards")
    op.drop_index(op.f("ix_rewards_referrer_id"), table_name="rewards")
    op.drop_index(op.f("ix_rewards_candidate_id"), table_name="rewards")
    op.drop_index(op.f("ix_rewards_team_id"), table_name="rewards")
    op.drop_table("rewards")
    for table in ("roles", "settings"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(RULE):
                batch.drop_column(name)
