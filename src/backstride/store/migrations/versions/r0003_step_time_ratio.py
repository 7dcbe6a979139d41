"""Walks keep their step-time ratio, the limp measure of the analysis (``step_time_ratio``).

One foot's median step time over the other's, the longer on top, so at least 1. Walks stored
before this revision hold no value (NULL: unknown, never guessed); importing their recording
again with ``--replace`` measures it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``walks.step_time_ratio`` (NULL or at least 1)."""
    with op.batch_alter_table("walks") as batch_op:
        batch_op.add_column(sa.Column("step_time_ratio", sa.Double(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_walks_step_time_ratio"), "step_time_ratio IS NULL OR step_time_ratio >= 1"
        )


def downgrade() -> None:
    """Drop ``walks.step_time_ratio``."""
    with op.batch_alter_table("walks") as batch_op:
        batch_op.drop_constraint(op.f("ck_walks_step_time_ratio"), type_="check")
        batch_op.drop_column("step_time_ratio")
