"""submissions: when a submission was first chosen as final (its private score revealed)

Revision ID: 0006_final_reveals
Revises: 0005_arena_accounts_classes
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_final_reveals"
down_revision = "0005_arena_accounts_classes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("final_revealed_at", sa.DateTime(timezone=True), nullable=True))
    # A final chosen before this column existed has had its private score shown.
    op.execute("UPDATE submissions SET final_revealed_at = graded_at WHERE is_final")


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("final_revealed_at")
