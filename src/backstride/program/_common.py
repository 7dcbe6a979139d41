"""Small helpers shared by the program modules (walk minutes, local dates, number wording)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from backstride.exceptions import InvalidInputError
from backstride.walks import Walk


def walk_minutes(walk: Walk) -> float:
    """Length of a walk in minutes: its session duration, else end minus start.

    The session duration (pauses at a crossing included) is what a walker counts as "a
    30-minute walk", and is what a walk logged by hand records; ``walking_s`` (time in gait
    bouts) would make every measured walk look shorter than the same walk logged by hand.
    """
    if walk.duration_s is not None:
        return walk.duration_s / 60.0
    return (walk.end - walk.start).total_seconds() / 60.0


def minutes_walked(walks: Iterable[Walk]) -> float:
    """Minutes walked in a set of walks, counting time recorded twice only once.

    A walker with a lower-back sensor and a watch brings the same walk twice, from two
    sources whose records differ (start, length, steps), so the import cannot tell they are
    one walk. Time is what the program counts, so measured walks (any source but ``manual``)
    count as the union of their time spans; walks logged by hand carry only a day and a
    length (at a nominal noon), so they are added as logged.
    """
    total = 0.0
    spans: list[tuple[float, float]] = []
    for walk in walks:
        if walk.source == "manual":
            total += walk_minutes(walk)
        else:
            begin = walk.start.timestamp()
            spans.append((begin, begin + 60.0 * walk_minutes(walk)))
    covered_until = -float("inf")
    for begin, end in sorted(spans):
        if end > covered_until:
            total += (end - max(begin, covered_until)) / 60.0
            covered_until = end
    return total


def local_date(moment: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The person's local calendar date of ``moment`` (a date is already local)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise InvalidInputError(
                "Times given to the program must be time-zone aware; add the person's time zone."
            )
        return moment.astimezone(tz).date()
    if isinstance(moment, dt.date):
        return moment
    raise InvalidInputError(f"Expected a date or a time-zone aware datetime; got {moment!r}.")


def unique_walks(walks: Iterable[Walk]) -> list[Walk]:
    """Walks with repeated ``source_hash`` kept once (the same data never counts twice)."""
    seen: set[str] = set()
    kept = []
    for walk in walks:
        if not isinstance(walk, Walk):
            raise InvalidInputError(f"Expected Walk records; got {type(walk).__name__}.")
        if walk.source_hash in seen:
            continue
        seen.add(walk.source_hash)
        kept.append(walk)
    return kept


def num(value: float, digits: int = 1) -> str:
    """A number in words-friendly form: ``3`` rather than ``3.0``, else ``digits`` decimals."""
    rounded = round(value, digits)
    if float(rounded).is_integer():
        return str(int(rounded))
    return f"{rounded:.{digits}f}"


def day_name(day: dt.date) -> str:
    """``Tue 4 Mar`` (English, independent of the locale)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
