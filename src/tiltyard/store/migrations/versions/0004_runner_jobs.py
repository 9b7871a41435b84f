"""runner: the durable job queue

Revision ID: 0004_runner_jobs
Revises: 0003_lab_queries
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_runner_jobs"
down_revision = "0003_lab_queries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runner_jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("key", name="uq_runner_jobs_key"),
    )
    op.create_index("ix_runner_jobs_kind", "runner_jobs", ["kind"])
    op.create_index("ix_runner_jobs_status", "runner_jobs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_runner_jobs_status", table_name="runner_jobs")
    op.drop_index("ix_runner_jobs_kind", table_name="runner_jobs")
    op.drop_table("runner_jobs")
