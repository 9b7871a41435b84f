"""labs: stored queries of simulation labs

Revision ID: 0003_lab_queries
Revises: 0002_coach_lessons_met
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_lab_queries"
down_revision = "0002_coach_lessons_met"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lab_queries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("challenge_id", sa.String(120), nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("designs", sa.Integer(), nullable=False),
        sa.Column("charged", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
    )
    op.create_index("ix_lab_queries_challenge_id", "lab_queries", ["challenge_id"])
    op.create_index("ix_lab_queries_owner", "lab_queries", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_lab_queries_owner", table_name="lab_queries")
    op.drop_index("ix_lab_queries_challenge_id", table_name="lab_queries")
    op.drop_table("lab_queries")
