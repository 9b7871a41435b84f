"""entry lookups: a viewer's entries in a competition, and their team's, each through an index,
so the competition page costs the same however much the class has handed in

Revision ID: 0010_entry_lookups
Revises: 0009_grid_page_records
Create Date: 2026-12-03
"""
from alembic import op

revision = "0010_entry_lookups"
down_revision = "0009_grid_page_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_arena_entries_competition_user", "arena_entries",
                    ["competition_id", "user_id", "submission_id"])
    op.create_index("ix_arena_entries_competition_team", "arena_entries",
                    ["competition_id", "team_id", "submission_id"])


def downgrade() -> None:
    op.drop_index("ix_arena_entries_competition_team", "arena_entries")
    op.drop_index("ix_arena_entries_competition_user", "arena_entries")
