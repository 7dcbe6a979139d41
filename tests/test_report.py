"""Reports: every figure renders from plain data, the HTML embeds them, the calendar parses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from icalendar import Calendar

from backstride.report import ProgressData, WeekSummary, progress_figures, write_progress_report
from backstride.report.calendar import CalendarSession, sessions_to_ical

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
    return ProgressData("ana", summaries, days, (95.0, 104.0, 111.0),
                        pain if with_pain else (), flare, 4.0)  # fmt: skip


def test_every_figure_renders_as_png_and_svg() -> None:
    pngs = progress_figures(_data())
    assert set(pngs) == {"weekly_minutes", "active_days", "cadence", "pain", "core"}
    assert all(image.startswith(b"\x89PNG") and len(image) > 5_000 for image in pngs.values())
    svgs = progress_figures(_data(), "svg")
    assert all(b"<svg" in image for image in svgs.values())


def test_empty_program_still_draws(tmp_path: Path) -> None:
    data = ProgressData("new", (), {}, (), (), frozenset(), None)
    assert len(progress_figures(data)) == 5
    out = write_progress_report(data, tmp_path / "r.html")
    assert out.read_text().count("<img") == 5


def test_html_and_pdf_reports(tmp_path: Path) -> None:
    html = write_progress_report(_data(), tmp_path / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 5
    assert "You walked on 3 days." in html
    assert "does not diagnose" in html
    pdf = write_progress_report(_data(), tmp_path / "report.pdf", pdf=True).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 5


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
