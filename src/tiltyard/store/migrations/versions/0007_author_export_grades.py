"""submission_grades (the grades a submission had before `tiltyard regrade`, with their bundle
hash) and arena_bundles (bundles instructors uploaded to a class, with their checks)

Revision ID: 0007_author_export_grades
Revises: 0006_final_reveals
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_author_export_grades"
down_revision = "0006_final_reveals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_grades",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer(),
                  sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("challenge_id", sa.String(120), nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("public_score", sa.Float(), nullable=True),
        sa.Column("private_score", sa.Float(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
    )
    op.create_index("ix_submission_grades_submission_id", "submission_grades", ["submission_id"])
    op.create_table(
        "arena_bundles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("class_id", sa.Integer(), sa.ForeignKey("arena_classes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("arena_users.id"), nullable=False),
        sa.Column("challenge_id", sa.String(120), nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_arena_bundles_class_id", "arena_bundles", ["class_id"])
    op.create_index("ix_arena_bundles_challenge_id", "arena_bundles", ["challenge_id"])


def downgrade() -> None:
    op.drop_index("ix_arena_bundles_challenge_id", table_name="arena_bundles")
    op.drop_index("ix_arena_bundles_class_id", table_name="arena_bundles")
    op.drop_table("arena_bundles")
    op.drop_index("ix_submission_grades_submission_id", table_name="submission_grades")
    op.drop_table("submission_grades")
