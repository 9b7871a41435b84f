"""state every process shares: named counters (board stamps, per-entrant turns), rate-limit
events, and the arena's secrets, so that several server processes and workers on other machines
agree through the store alone

Revision ID: 0008_arena_speed_state
Revises: 0007_author_export_grades
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_arena_speed_state"
down_revision = "0007_author_export_grades"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_counters",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table(
        "arena_rate_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False))
    op.create_index("ix_arena_rate_events_key_at", "arena_rate_events", ["key", "at"])
    op.create_table(
        "arena_secrets",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("arena_secrets")
    op.drop_index("ix_arena_rate_events_key_at", table_name="arena_rate_events")
    op.drop_table("arena_rate_events")
    op.drop_table("store_counters")
