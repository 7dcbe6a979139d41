"""Build report, calendar and export data from the store (used by the CLI and the web app)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from dataclasses import astuple
from pathlib import Path
from typing import Any

from backstride import services
from backstride.output import atomic_write_text, check_writable
from backstride.report.calendar import CalendarSession
from backstride.report.data import GaitPoint, ProgressData, WeekSummary
from backstride.store import Store
from backstride.store.records import Person


def progress_data(store: Store, person: str | None) -> ProgressData:
    """The person's program as :class:`ProgressData`.

    Weeks, walking days, cadences, pain and flares, and the gait of each walk that measured
    any of speed, stride length, lean or step-time ratio.
    """
    line = services.timeline(store, person)
    who = line.person
    walks = store.list_walks(who.name)
    days: dict[dt.date, float] = defaultdict(float)
    for w in walks:
        days[w.start.date()] += (w.duration_s or (w.end - w.start).total_seconds()) / 60
    cadences = tuple(w.cadence_spm for w in walks if w.cadence_spm is not None)
    # list_walks gives them in time order; a walk logged by hand measured none of these
    points = (
        GaitPoint(
            w.start.date(), w.speed_mps, w.stride_length_m, w.trunk_lean_deg, w.step_time_ratio
        )
        for w in walks
    )
    gait = tuple(p for p in points if any(v is not None for v in astuple(p)[1:]))
    pain_by_day: dict[dt.date, list[float]] = defaultdict(list)
    for p in store.list_pain(who.name):
        pain_by_day[p.at.date()].append(p.score)
    pain = tuple((d, sum(v) / len(v)) for d, v in sorted(pain_by_day.items()))
    reviews = {r.week: r for r in line.reviews}
    flare_days = frozenset(day for r in line.reviews for f in r.flares for day in f.days)
    weeks = []
    for plan in line.plans:
        first = plan.start_date
        week_days = [first + dt.timedelta(days=i) for i in range(7)]
        walked = sum(days.get(d, 0.0) for d in week_days)
        r = reviews.get(plan.week)
        weeks.append(
            WeekSummary(
                week=plan.week,
                start=first,
                target_minutes=plan.total_minutes,
                walked_minutes=walked,
                moderate_minutes=r.moderate_minutes if r else None,
                active_days=sum(days.get(d, 0.0) >= 10 for d in week_days),
                core_sessions_done=r.core_days_done if r else 0,
                core_sessions_planned=len(plan.core_days),
                decision=r.decision.value if r else None,
                reasons=r.reasons if r else (),
            )
        )
    return ProgressData(
        person=who.name,
        weeks=tuple(weeks),
        walk_days=dict(days),
        cadences_spm=cadences,
        pain=pain,
        flare_days=flare_days,
        baseline_pain=line.baseline.pain_0_10 if line.baseline else None,
        gait=gait,
    )


def calendar_sessions(store: Store, person: str | None) -> tuple[Person, list[CalendarSession]]:
    """The current week's planned walks and core-exercise days from today on."""
    line = services.timeline(store, person)
    plan = line.current_plan
    if plan is None:
        raise services.InvalidInputError(
            "There is no current plan to put in a calendar; run backstride screen or review."
        )
    today = services.today_for(line.person)
    sessions = []
    for s in plan.sessions:
        if s.date < today:
            continue
        segments = " + ".join(f"{m} min" for m in s.segments_min)
        text = " ".join((f"Segments: {segments}.", s.intensity, *s.instructions))
        sessions.append(CalendarSession(s.date, f"Walk {s.minutes} min", text, s.minutes))
    for offset in plan.core_days:
        day = plan.start_date + dt.timedelta(days=offset)
        if day >= today:
            text = "; ".join(f"{e.name}: {e.instructions}" for e in plan.core_exercises)
            sessions.append(CalendarSession(day, "Core exercises", text, 15))
    return line.person, sorted(sessions, key=lambda s: (s.day, s.title))


def export_csv(data: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV per table of an export document."""
    if folder.exists() and not folder.is_dir():
        raise services.InvalidInputError(
            f"{folder} is a file; CSV export writes one file per table, so give a folder."
        )
    tables: list[tuple[Path, str]] = []
    for key, rows in data.items():
        if not isinstance(rows, list):
            continue
        columns: list[str] = sorted({c for row in rows for c in row}) if rows else []
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
            )
        tables.append((folder / f"{key}.csv", buffer.getvalue()))
    # every target is checked before the folder is made or a file written (a file where the
    # folder's parent should be was an OS error, 'Not a directory')
    for path, _ in tables:
        check_writable(path)
    written = []
    for path, text in tables:
        atomic_write_text(path, text)
        written.append(path)
    return written
