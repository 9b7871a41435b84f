"""arena: accounts, tokens, classes, competitions, teams, entries

Revision ID: 0005_arena_accounts_classes
Revises: 0004_runner_jobs
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_arena_accounts_classes"
down_revision = "0004_runner_jobs"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "arena_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(40), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _created_at(),
    )
    op.create_table(
        "arena_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("arena_users.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("name", sa.String(80), nullable=False),
        _created_at(),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_arena_tokens_user_id", "arena_tokens", ["user_id"])
    op.create_table(
        "arena_classes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("join_code", sa.String(20), nullable=False, unique=True),
        sa.Column("instructor_id", sa.Integer(), sa.ForeignKey("arena_users.id"), nullable=False),
        _created_at(),
    )
    op.create_index("ix_arena_classes_instructor_id", "arena_classes", ["instructor_id"])
    op.create_table(
        "arena_memberships",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("class_id", sa.Integer(), sa.ForeignKey("arena_classes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("arena_users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("class_id", "user_id", name="uq_arena_memberships"),
    )
    op.create_index("ix_arena_memberships_class_id", "arena_memberships", ["class_id"])
    op.create_index("ix_arena_memberships_user_id", "arena_memberships", ["user_id"])
    op.create_table(
        "arena_competitions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("class_id", sa.Integer(), sa.ForeignKey("arena_classes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("challenge_id", sa.String(120), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submissions_per_day", sa.Integer(), nullable=False),
        sa.Column("max_team_size", sa.Integer(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_arena_competitions_class_id", "arena_competitions", ["class_id"])
    op.create_table(
        "arena_teams",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("competition_id", sa.Integer(),
                  sa.ForeignKey("arena_competitions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        _created_at(),
        sa.UniqueConstraint("competition_id", "name", name="uq_arena_teams_name"),
    )
    op.create_index("ix_arena_teams_competition_id", "arena_teams", ["competition_id"])
    op.create_table(
        "arena_team_members",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("arena_teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("competition_id", sa.Integer(),
                  sa.ForeignKey("arena_competitions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("arena_users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.UniqueConstraint("competition_id", "user_id", name="uq_arena_team_members"),
    )
    op.create_index("ix_arena_team_members_team_id", "arena_team_members", ["team_id"])
    op.create_table(
        "arena_entries",
        sa.Column("submission_id", sa.Integer(),
                  sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("arena_users.id"), nullable=False),
        sa.Column("challenge_id", sa.String(120), nullable=False),
        sa.Column("competition_id", sa.Integer(),
                  sa.ForeignKey("arena_competitions.id", ondelete="CASCADE"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("arena_teams.id"), nullable=True),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_arena_entries_user_id", "arena_entries", ["user_id"])
    op.create_index("ix_arena_entries_challenge_id", "arena_entries", ["challenge_id"])
    op.create_index("ix_arena_entries_competition_id", "arena_entries", ["competition_id"])
    op.create_index("ix_arena_entries_created_at", "arena_entries", ["created_at"])


def downgrade() -> None:
    for table in ("arena_entries", "arena_team_members", "arena_teams", "arena_competitions",
                  "arena_memberships", "arena_classes", "arena_tokens", "arena_users"):
        op.drop_table(table)
