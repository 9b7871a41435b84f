"""coach: lessons met per learner

Revision ID: 0002_coach_lessons_met
Revises: 0001_submissions
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_coach_lessons_met"
down_revision = "0001_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_lessons_met",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("lesson_id", sa.String(80), nullable=False),
        sa.Column("first_finding", sa.String(80), nullable=False),
        sa.Column("first_challenge", sa.String(120), nullable=True),
        sa.Column("first_met_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_met_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_met", sa.Integer(), nullable=False),
        sa.UniqueConstraint("owner", "lesson_id", name="uq_coach_lessons_met_owner_lesson"),
    )
    op.create_index("ix_coach_lessons_met_owner", "coach_lessons_met", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_coach_lessons_met_owner", table_name="coach_lessons_met")
    op.drop_table("coach_lessons_met")
