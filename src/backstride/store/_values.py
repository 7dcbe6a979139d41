"""Checks and conversions of values on their way into the database.

Each function returns the value as the database will hold it, or raises
:class:`~backstride.exceptions.InvalidInputError` with one sentence naming the value. The
point is that what is stored reads back the same on SQLite and on PostgreSQL alike: values
one backend would silently change (NaN becomes NULL in SQLite, a tuple becomes a list in
JSON) or only one backend would refuse (text with a NUL character in PostgreSQL) are refused
here, on both.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backstride.exceptions import InvalidInputError

_INT64 = (-(2**63), 2**63 - 1)


def name(value: object, what: str = "name", *, max_length: int) -> str:
    """A person's name: text on one line, without control characters.

    A name is printed in tables, file names and calendar events; a line break or a control
    character in it broke the iCalendar export (an internal error) and would break the rest.
    """
    checked = text(value, what, max_length=max_length)
    bad = next((ch for ch in checked if unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise InvalidInputError(
            f"The {what} contains a control character ({bad!r}), such as a line break; give it "
            "on one line."
        )
    return checked


def text(value: object, what: str, *, max_length: int | None = None, empty: bool = False) -> str:
    """Text without NUL characters or unpaired surrogates, within ``max_length``."""
    if not isinstance(value, str):
        raise InvalidInputError(f"The {what} must be text; got {type(value).__name__}.")
    if not empty and not value.strip():
        raise InvalidInputError(f"The {what} cannot be empty; give it as text.")
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(f"The {what} is longer than {max_length} characters; shorten it.")
    if "\x00" in value:
        raise InvalidInputError(f"The {what} contains a NUL character, which cannot be stored.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(f"The {what} is not valid Unicode text ({exc.reason}).") from exc
    return value


def optional_text(value: object, what: str, *, max_length: int | None = None) -> str | None:
    """:func:`text` or ``None`` (empty text allowed)."""
    return None if value is None else text(value, what, max_length=max_length, empty=True)


def number(
    value: object, what: str, *, low: float | None = None, high: float | None = None
) -> float:
    """A finite number in ``[low, high]`` as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"The {what} must be a number; got {type(value).__name__}.")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidInputError(f"The {what} must be a finite number; got {result}.")
    if low is not None and high is not None and not low <= result <= high:
        raise InvalidInputError(f"The {what} must be between {low:g} and {high:g}; got {result:g}.")
    if low is not None and result < low:
        raise InvalidInputError(f"The {what} must be at least {low:g}; got {result:g}.")
    if high is not None and result > high:
        raise InvalidInputError(f"The {what} must be at most {high:g}; got {result:g}.")
    return result


def optional_number(
    value: object, what: str, *, low: float | None = None, high: float | None = None
) -> float | None:
    """:func:`number` or ``None``."""
    return None if value is None else number(value, what, low=low, high=high)


def whole(value: object, what: str, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number (Python or NumPy integer) in ``[low, high]`` that fits 64 bits."""
    if isinstance(value, bool):
        raise InvalidInputError(f"The {what} must be a whole number; got {value}.")
    if not isinstance(value, numbers.Integral):  # Python and NumPy integers, not 2.0
        raise InvalidInputError(f"The {what} must be a whole number; got {value!r}.")
    result = int(value)
    low = _INT64[0] if low is None else low
    high = _INT64[1] if high is None else high
    if not low <= result <= high:
        raise InvalidInputError(f"The {what} must be between {low} and {high}; got {result}.")
    return result


def optional_whole(
    value: object, what: str, *, low: int | None = None, high: int | None = None
) -> int | None:
    """:func:`whole` or ``None``."""
    return None if value is None else whole(value, what, low=low, high=high)


def _numpy_scalar(value: Any) -> Any:
    # NumPy numbers are common in analysis results; store them as the Python number they are.
    if type(value).__module__ == "numpy" and hasattr(value, "item") and not value.shape:
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _has_nul(value: Any) -> bool:
    """Whether decoded JSON holds a NUL character in any text or key (PostgreSQL refuses it).

    Searched in the decoded data, not the encoded text, where a literal backslash followed by
    ``u0000`` would look the same as an escaped NUL.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any("\x00" in k or _has_nul(v) for k, v in value.items())
    return False


def json_data(value: object, what: str) -> Any:
    """JSON data that reads back equal to ``value``.

    Returns the decoded JSON (NumPy scalars become Python numbers). Refuses what JSON cannot
    hold (NaN, infinity, sets, objects) and what it would silently change (tuples become
    lists, non-text keys become text).
    """
    try:
        encoded = json.dumps(value, allow_nan=False, ensure_ascii=False, default=_numpy_scalar)
        encoded.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"The {what} must be JSON data (text, finite numbers, true/false/null, lists and "
            f"objects with text keys): {exc}."
        ) from exc
    decoded = json.loads(encoded)
    if _has_nul(decoded):
        raise InvalidInputError(f"The {what} contains a NUL character, which cannot be stored.")
    if decoded != value:
        raise InvalidInputError(
            f"The {what} would not read back the same from JSON; use lists (not tuples) and "
            "text keys."
        )
    return decoded


def aware(value: object, what: str) -> dt.datetime:
    """A time-zone aware datetime that can be converted to UTC."""
    if not isinstance(value, dt.datetime):
        raise InvalidInputError(f"The {what} must be a date and time; got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"The {what} must be time-zone aware; got {value.isoformat()}.")
    try:
        value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise InvalidInputError(f"The {what} ({value.isoformat()}) is out of range.") from exc
    return value


def utc_offset_min(value: dt.datetime) -> int:
    """The UTC offset of an aware datetime in whole minutes (rounded, as zones since 1972)."""
    offset = value.utcoffset()
    assert offset is not None  # checked by aware()
    return round(offset.total_seconds() / 60)


def time_zone(name: object) -> ZoneInfo:
    """The IANA time zone called ``name``."""
    zone_name = text(name, "time zone", max_length=64)
    try:
        return ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"Unknown time zone {zone_name!r}; use an IANA name such as Europe/Berlin."
        ) from exc


def date(value: object, what: str) -> dt.date:
    """A calendar date (not a datetime)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInputError(f"The {what} must be a date; got {value!r}.")
    return value
