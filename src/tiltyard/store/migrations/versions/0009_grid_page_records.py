"""grid records: the spec and cell list of every grid run through `tiltyard grid run`, so the
arena can show a grid's report from the store alone (the cells' results are queue jobs)

Revision ID: 0009_grid_page_records
Revises: 0008_arena_speed_state
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_grid_page_records"
down_revision = "0008_arena_speed_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid_records",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("challenges", sa.JSON, nullable=False),
        sa.Column("cells", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table("grid_records")
