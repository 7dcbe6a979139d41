"""Plans and reviews belong to a program: key them by (person, program start, week).

A new screening starts a new program whose weeks are numbered from 1 again; keyed by week
alone, its reviews would overwrite the earlier program's. Rows stored before this revision
get the program start of their person's first screening (its UTC date), or the week's own
start date when there is none.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_SCREENING = (
    "(SELECT MIN(CAST(s.taken_at AS DATE)) FROM screenings s WHERE s.person_id = {table}.person_id)"
)


def upgrade() -> None:
    """Add ``program_start`` and widen the unique keys."""
    for table in ("plan_weeks", "reviews"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("program_start", sa.Date(), nullable=True))
        fallback = "start_date" if table == "plan_weeks" else "CAST(created_at AS DATE)"
        op.execute(
            f"UPDATE {table} SET program_start = "
            f"COALESCE({FIRST_SCREENING.format(table=table)}, {fallback})"
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("program_start", existing_type=sa.Date(), nullable=False)
            batch_op.drop_constraint(f"uq_{table}_person_id_week", type_="unique")
            batch_op.create_unique_constraint(
                f"uq_{table}_person_id_program_start_week", ["person_id", "program_start", "week"]
            )


def downgrade() -> None:
    """Drop ``program_start``, keeping the latest program's row for each week."""
    for table in ("plan_weeks", "reviews"):
        op.execute(
            f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {table} newer "
            f"WHERE newer.person_id = {table}.person_id AND newer.week = {table}.week "
            f"AND newer.program_start > {table}.program_start)"
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_person_id_program_start_week", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_person_id_week", ["person_id", "week"])
            batch_op.drop_column("program_start")
