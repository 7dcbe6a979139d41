"""Initial schema: persons and their screenings, walks, pain and core logs, plans, reviews.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:39:59.162891
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("height_m", sa.Double(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name=op.f("ck_persons_birth_year"),
        ),
        sa.CheckConstraint(
            "height_m IS NULL OR (height_m > 0 AND height_m < 3)", name=op.f("ck_persons_height_m")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_persons_name_not_empty")),
        sa.CheckConstraint("length(time_zone) > 0", name=op.f("ck_persons_time_zone_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("name", name=op.f("uq_persons_name")),
    )
    op.create_table(
        "core_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exercise", sa.String(length=100), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.CheckConstraint("length(exercise) > 0", name=op.f("ck_core_logs_exercise_not_empty")),
        sa.CheckConstraint("reps IS NULL OR reps >= 0", name=op.f("ck_core_logs_reps")),
        sa.CheckConstraint("seconds IS NULL OR seconds >= 0", name=op.f("ck_core_logs_seconds")),
        sa.CheckConstraint("sets IS NULL OR sets >= 0", name=op.f("ck_core_logs_sets")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_core_logs_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_logs")),
    )
    with op.batch_alter_table("core_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_logs_person_id_at"), ["person_id", "at"], unique=False
        )

    op.create_table(
        "pain_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 10", name=op.f("ck_pain_logs_score")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_pain_logs_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_logs")),
    )
    with op.batch_alter_table("pain_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pain_logs_person_id_at"), ["person_id", "at"], unique=False
        )

    op.create_table(
        "plan_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("plan", sa.JSON(none_as_null=True), nullable=False),
        sa.CheckConstraint("week >= 0", name=op.f("ck_plan_weeks_week")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_plan_weeks_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_weeks")),
        sa.UniqueConstraint("person_id", "week", name=op.f("uq_plan_weeks_person_id_week")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=50), nullable=False),
        sa.Column("reasons", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("stats", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(decision) > 0", name=op.f("ck_reviews_decision_not_empty")),
        sa.CheckConstraint("week >= 0", name=op.f("ck_reviews_week")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_reviews_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("person_id", "week", name=op.f("uq_reviews_person_id_week")),
    )
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("red_flags", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("baseline_pain", sa.Double(), nullable=True),
        sa.Column("psfs_score", sa.Double(), nullable=True),
        sa.Column("baseline_walking_min_per_day", sa.Double(), nullable=True),
        sa.Column("baseline_days_per_week", sa.Double(), nullable=True),
        sa.CheckConstraint(
            "baseline_days_per_week IS NULL "
            "OR (baseline_days_per_week >= 0 AND baseline_days_per_week <= 7)",
            name=op.f("ck_screenings_baseline_days"),
        ),
        sa.CheckConstraint(
            "baseline_pain IS NULL OR (baseline_pain >= 0 AND baseline_pain <= 10)",
            name=op.f("ck_screenings_baseline_pain"),
        ),
        sa.CheckConstraint(
            "baseline_walking_min_per_day IS NULL "
            "OR (baseline_walking_min_per_day >= 0 AND baseline_walking_min_per_day <= 1440)",
            name=op.f("ck_screenings_baseline_walking_min"),
        ),
        sa.CheckConstraint(
            "psfs_score IS NULL OR (psfs_score >= 0 AND psfs_score <= 10)",
            name=op.f("ck_screenings_psfs_score"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_screenings_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screenings_person_id_taken_at"), ["person_id", "taken_at"], unique=False
        )

    op.create_table(
        "walks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("end_utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.String(length=500), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("walking_s", sa.Double(), nullable=True),
        sa.Column("steps", sa.BigInteger(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("cadence_spm", sa.Double(), nullable=True),
        sa.Column("moderate_s", sa.Double(), nullable=True),
        sa.Column("vigorous_s", sa.Double(), nullable=True),
        sa.Column("brisk_intervals", sa.BigInteger(), nullable=True),
        sa.Column("elevation_gain_m", sa.Double(), nullable=True),
        sa.Column("elevation_loss_m", sa.Double(), nullable=True),
        sa.Column("mean_grade_pct", sa.Double(), nullable=True),
        sa.Column("speed_mps", sa.Double(), nullable=True),
        sa.Column("stride_length_m", sa.Double(), nullable=True),
        sa.Column("step_regularity", sa.Double(), nullable=True),
        sa.Column("stride_regularity", sa.Double(), nullable=True),
        sa.Column("symmetry", sa.Double(), nullable=True),
        sa.Column("trunk_rom_deg", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("trunk_lean_deg", sa.Double(), nullable=True),
        sa.Column("impact_mps2", sa.Double(), nullable=True),
        sa.Column("effort_0_10", sa.Double(), nullable=True),
        sa.Column("pain_before", sa.Double(), nullable=True),
        sa.Column("pain_after", sa.Double(), nullable=True),
        sa.Column("extra", sa.JSON(none_as_null=True), nullable=False),
        sa.CheckConstraint(
            "brisk_intervals IS NULL OR brisk_intervals >= 0", name=op.f("ck_walks_brisk_intervals")
        ),
        sa.CheckConstraint(
            "distance_m IS NULL OR distance_m >= 0", name=op.f("ck_walks_distance_m")
        ),
        sa.CheckConstraint(
            "duration_s IS NULL OR duration_s >= 0", name=op.f("ck_walks_duration_s")
        ),
        sa.CheckConstraint(
            "effort_0_10 IS NULL OR (effort_0_10 >= 0 AND effort_0_10 <= 10)",
            name=op.f("ck_walks_effort_0_10"),
        ),
        sa.CheckConstraint("end_utc >= start_utc", name=op.f("ck_walks_ends_after_start")),
        sa.CheckConstraint("length(source_hash) > 0", name=op.f("ck_walks_source_hash_not_empty")),
        sa.CheckConstraint(
            "moderate_s IS NULL OR moderate_s >= 0", name=op.f("ck_walks_moderate_s")
        ),
        sa.CheckConstraint(
            "pain_after IS NULL OR (pain_after >= 0 AND pain_after <= 10)",
            name=op.f("ck_walks_pain_after"),
        ),
        sa.CheckConstraint(
            "pain_before IS NULL OR (pain_before >= 0 AND pain_before <= 10)",
            name=op.f("ck_walks_pain_before"),
        ),
        sa.CheckConstraint(
            "start_utc_offset_min BETWEEN -1440 AND 1440 "
            "AND end_utc_offset_min BETWEEN -1440 AND 1440",
            name=op.f("ck_walks_utc_offset_min"),
        ),
        sa.CheckConstraint("steps IS NULL OR steps >= 0", name=op.f("ck_walks_steps")),
        sa.CheckConstraint(
            "vigorous_s IS NULL OR vigorous_s >= 0", name=op.f("ck_walks_vigorous_s")
        ),
        sa.CheckConstraint("walking_s IS NULL OR walking_s >= 0", name=op.f("ck_walks_walking_s")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_walks_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walks")),
        sa.UniqueConstraint(
            "person_id", "source_hash", name=op.f("uq_walks_person_id_source_hash")
        ),
    )
    with op.batch_alter_table("walks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_walks_person_id_start_utc"), ["person_id", "start_utc"], unique=False
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("walks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walks_person_id_start_utc"))

    op.drop_table("walks")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_person_id_taken_at"))

    op.drop_table("screenings")
    op.drop_table("reviews")
    op.drop_table("plan_weeks")
    with op.batch_alter_table("pain_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pain_logs_person_id_at"))

    op.drop_table("pain_logs")
    with op.batch_alter_table("core_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_logs_person_id_at"))

    op.drop_table("core_logs")
    op.drop_table("persons")
