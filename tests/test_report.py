"""Reports: every figure renders from plain data, the HTML embeds them, the calendar parses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from icalendar import Calendar
from matplotlib.dates import num2date

from backstride.report import (
    GaitPoint,
    ProgressData,
    WeekSummary,
    progress_figures,
    write_progress_report,
)
from backstride.report.calendar import CalendarSession, sessions_to_ical
from backstride.report.figures import FIGURES, GAIT_PANELS, weekly_medians

START = dt.date(2026, 3, 2)


def _data(weeks: int = 4, with_pain: bool = True) -> ProgressData:
    summaries = tuple(
        WeekSummary(k + 1, START + dt.timedelta(weeks=k), 60 + 10 * k, 55 + 12 * k,
                    20.0 + k, 3 + k % 2, 2, 2, "progress", ("You walked on 3 days.",))
        for k in range(weeks)
    )  # fmt: skip
    days = {START + dt.timedelta(days=d): 20.0 for d in range(0, 7 * weeks, 2)}
    pain = tuple((START + dt.timedelta(days=d), 4 - d / 10) for d in range(7 * weeks))
    flare = frozenset({START + dt.timedelta(days=9), START + dt.timedelta(days=10)})
    gait = tuple(
        GaitPoint(START + dt.timedelta(days=d), 1.0 + d / 100, 1.2, 3.0 - d / 10,
                  1.3 - d / 100 if d >= 7 else None)
        for d in range(0, 7 * weeks, 2)
    )  # fmt: skip
    return ProgressData("ana", summaries, days, (95.0, 104.0, 111.0),
                        pain if with_pain else (), flare, 4.0, gait)  # fmt: skip


def test_every_figure_renders_as_png_and_svg() -> None:
    pngs = progress_figures(_data())
    assert set(pngs) == {"weekly_minutes", "active_days", "cadence", "pain", "core", "gait"}
    assert all(image.startswith(b"\x89PNG") and len(image) > 5_000 for image in pngs.values())
    svgs = progress_figures(_data(), "svg")
    assert all(b"<svg" in image for image in svgs.values())


def test_empty_program_still_draws(tmp_path: Path) -> None:
    data = ProgressData("new", (), {}, (), (), frozenset(), None)
    assert len(progress_figures(data)) == 6
    out = write_progress_report(data, tmp_path / "r.html")
    assert out.read_text().count("<img") == 6
    gait = FIGURES["gait"](data)
    assert [t.get_text() for ax in gait.axes for t in ax.texts] == ["not measured yet"] * 4


def test_html_and_pdf_reports(tmp_path: Path) -> None:
    html = write_progress_report(_data(), tmp_path / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 6
    # the walking first (how much, how often, how briskly, how well), then pain and core
    order = ["Weekly minutes", "Active days", "Walking intensity", "How the walks went", "Pain",
             "Core exercises"]  # fmt: skip
    places = [html.index(f"<h2>{title}") for title in order]
    assert places == sorted(places)
    assert "You walked on 3 days." in html
    assert "does not diagnose" in html
    pdf = write_progress_report(_data(), tmp_path / "report.pdf", pdf=True).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 6


def test_the_gait_figure_shows_each_walk_and_the_weekly_median() -> None:
    """Each panel: one point per walk that measured the value, and the median of each 7-day
    stretch from the first such walk; a panel with no values says so."""
    data = _data(weeks=3)
    fig = FIGURES["gait"](data)
    for ax, (name, _, _) in zip(fig.axes, GAIT_PANELS, strict=True):
        walks, weekly = ax.get_lines()[-2:]
        expected = [(p.day, getattr(p, name)) for p in data.gait if getattr(p, name) is not None]
        assert [num2date(x).date() for x in walks.get_xdata()] == [d for d, _ in expected]
        assert list(walks.get_ydata()) == [v for _, v in expected]
        assert list(weekly.get_ydata()) == [v for _, v in weekly_medians(expected)]
    # the step-time ratio starts in week 2: its first median is of days 8, 10, 12 and 14
    ratio = [v for _, v in weekly_medians([(p.day, p.step_time_ratio) for p in data.gait
                                           if p.step_time_ratio is not None])]  # fmt: skip
    assert ratio == [np.median([1.22, 1.20, 1.18, 1.16]), np.median([1.14, 1.12, 1.10])]
    # the lean falls 0.2 degrees every two days: days 0-6, 8-12 and 14-20
    assert list(fig.axes[2].get_lines()[-1].get_ydata()) == pytest.approx([2.7, 2.0, 1.3])


def test_weekly_medians_start_at_the_first_walk() -> None:
    days = [START + dt.timedelta(days=d) for d in (3, 4, 9, 10, 11, 30)]
    medians = weekly_medians(list(zip(days, [1.0, 3.0, 5.0, 6.0, 10.0, 7.0], strict=True)))
    assert medians == [
        (START + dt.timedelta(days=6), 3.0),  # days 3, 4 and 9: midway is day 6
        (START + dt.timedelta(days=10), 8.0),  # days 10 and 11 (whole days: day 10)
        (START + dt.timedelta(days=30), 7.0),  # day 30 alone, in the fourth stretch
    ]
    assert weekly_medians([]) == []


def test_calendar_has_events_with_reminders_in_local_time() -> None:
    sessions = [
        CalendarSession(START, "Walk 30 min", "Moderate pace", 30),
        CalendarSession(START + dt.timedelta(days=2), "Core exercises", "Plank", 15),
    ]
    cal = Calendar.from_ical(sessions_to_ical(sessions, person="ana", tz="Europe/Berlin"))
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Walk 30 min", "Core exercises"]
    first = events[0]["dtstart"].dt
    assert first.hour == 9 and str(first.tzinfo) == "Europe/Berlin"
    assert events[0]["dtend"].dt - first == dt.timedelta(minutes=30)
    assert all(len(list(e.walk("VALARM"))) == 1 for e in events)
    assert len(list(cal.walk("VTIMEZONE"))) == 1
    again = Calendar.from_ical(sessions_to_ical(sessions, person="ana", tz="Europe/Berlin"))
    assert [e["uid"] for e in again.walk("VEVENT")] == [e["uid"] for e in events]
