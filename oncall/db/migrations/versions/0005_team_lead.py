"""Team lead: team.lead_engineer_id, a nullable engineer (SET NULL when the engineer goes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:18:46.598508
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by rebuilding the table (rows are copied).
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_engineer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_team_lead_engineer_id_engineer"),
            "engineer",
            ["lead_engineer_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_team_lead_engineer_id_engineer"), type_="foreignkey"
        )
        batch_op.drop_column("lead_engineer_id")
