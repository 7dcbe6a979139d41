"""Planned sessions as iCalendar events with reminders (RFC 5545, via the icalendar library)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event


@dataclass(frozen=True)
class CalendarSession:
    """One planned session: a walk or a core-exercise block on a local date."""

    day: dt.date
    title: str
    description: str
    minutes: float


def sessions_to_ical(
    sessions: Sequence[CalendarSession],
    *,
    person: str,
    tz: str,
    at: dt.time = dt.time(9, 0),
    remind_minutes_before: int = 30,
) -> bytes:
    """An ``.ics`` calendar with one event per session and a display reminder before each.

    Events start at ``at`` local time on their day (the walker moves them in their calendar);
    UIDs are derived from person, day and title, so exporting again updates the same events
    instead of duplicating them.
    """
    zone = ZoneInfo(tz)
    cal = Calendar()
    cal.add("prodid", "-//BackStride//walking program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"BackStride: {person}")
    for s in sessions:
        start = dt.datetime.combine(s.day, at, tzinfo=zone)
        event = Event()
        uid = hashlib.sha256(f"{person}|{s.day.isoformat()}|{s.title}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@backstride")
        event.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=max(5.0, s.minutes)))
        event.add("summary", s.title)
        event.add("description", s.description)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Reminder: {s.title}")
        alarm.add("trigger", dt.timedelta(minutes=-remind_minutes_before))
        event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()  # RFC 5545: every TZID used needs its VTIMEZONE
    return bytes(cal.to_ical())
