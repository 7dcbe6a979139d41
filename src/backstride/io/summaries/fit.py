"""Garmin FIT activities, decoded with fitdecode.

What is read
    ``record`` messages (``timestamp``; ``position_lat``/``position_long`` in semicircles,
    converted to degrees by ``* 180 / 2**31``; ``enhanced_altitude`` before ``altitude``;
    ``distance``; ``enhanced_speed`` before ``speed``; ``cadence`` plus
    ``fractional_cadence``; ``heart_rate``), ``session`` messages (one walk each: sport,
    start, elapsed and timer time, distance, ``total_strides``/``total_cycles``, calories,
    the watch's own ascent and descent), ``activity`` (``local_timestamp`` minus
    ``timestamp`` is the watch's UTC offset, used for the walk's time zone) and ``file_id``
    (maker and product).
Units
    For walking, running and hiking, FIT cadence is strides per minute (one foot): steps
    per minute are ``2 * (cadence + fractional_cadence)`` and steps ``2 * total_strides``
    (EVIDENCE.md section 5). Cycling cadence is pedal revolutions and is kept in ``extra``.
Integrity
    The header and file CRCs are checked; a truncated, corrupt or non-FIT file raises
    :class:`~backstride.exceptions.InvalidInputError` (a watch that lost power leaves a
    truncated file: copy it again or let the watch repair it).
Check
    The decoded records of ``garmin-fenix-5-walk.fit`` and ``garmin-fenix-5-run.fit`` match
    the independent record CSVs shipped with them field by field.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import (
    MAX_FILE_BYTES,
    ON_FOOT_ACTIVITIES,
    activity_name,
    read_capped,
    short_label,
    shown,
    to_float,
)
from backstride.io.summaries._track import (
    FloatArray,
    TrackPoints,
    believable_times,
    summarise_track,
    walk_from_track,
)
from backstride.io.summaries._xml import _reason
from backstride.walks.walk import Walk

SEMICIRCLE_DEG = 180.0 / 2**31
_RECORD_FIELDS = (
    "time_s",
    "lat_semicircles",
    "lon_semicircles",
    "altitude_m",
    "distance_m",
    "speed_mps",
    "cadence_rpm",
    "heart_rate_bpm",
)


@dataclass(frozen=True)
class FitRecords:
    """The ``record`` messages of a FIT file, as decoded (NaN where a field is missing).

    Attributes
    ----------
    time_s
        Unix time, s.
    lat_semicircles, lon_semicircles
        Position as stored, semicircles.
    altitude_m
        ``enhanced_altitude`` (or ``altitude``), m.
    distance_m
        Cumulative distance, m.
    speed_mps
        ``enhanced_speed`` (or ``speed``), m/s.
    cadence_rpm
        ``cadence + fractional_cadence`` as stored (strides/min on foot).
    heart_rate_bpm
        Heart rate.
    """

    time_s: FloatArray
    lat_semicircles: FloatArray
    lon_semicircles: FloatArray
    altitude_m: FloatArray
    distance_m: FloatArray
    speed_mps: FloatArray
    cadence_rpm: FloatArray
    heart_rate_bpm: FloatArray

    def __len__(self) -> int:
        return int(self.time_s.size)

    def points(self, mask: Any, cadence_factor: float | None) -> TrackPoints:
        """Track points of the selected records; cadence times ``cadence_factor`` (or none)."""
        cadence = (
            self.cadence_rpm[mask] * cadence_factor
            if cadence_factor is not None
            else np.full(int(np.count_nonzero(mask)), np.nan)
        )
        return TrackPoints(
            time_s=self.time_s[mask],
            lat_deg=self.lat_semicircles[mask] * SEMICIRCLE_DEG,
            lon_deg=self.lon_semicircles[mask] * SEMICIRCLE_DEG,
            alt_m=self.altitude_m[mask],
            distance_m=self.distance_m[mask],
            cadence_spm=cadence,
            heart_rate_bpm=self.heart_rate_bpm[mask],
        )


@dataclass(frozen=True)
class FitActivity:
    """Everything :func:`read_fit` uses from a FIT file.

    Attributes
    ----------
    records
        All ``record`` messages.
    sessions
        Each ``session`` message's fields (name -> value).
    sport
        The ``sport`` message's sport, if any (used when there is no session).
    utc_offset_s
        The watch's offset from UTC (``activity.local_timestamp - timestamp``), if known.
    device
        Maker and product, e.g. ``"garmin fenix5"``.
    barometer
        Whether the device reports a barometric altimeter.
    """

    records: FitRecords
    sessions: list[dict[str, Any]]
    sport: str | None
    utc_offset_s: float | None
    device: str
    barometer: bool


@dataclass
class _Collector:
    columns: tuple[array[float], ...] = field(
        default_factory=lambda: tuple(array("d") for _ in _RECORD_FIELDS)
    )
    sessions: list[dict[str, Any]] = field(default_factory=list)
    sport: str | None = None
    offset: float | None = None
    device: str = ""
    barometer: bool = False


def _value(message: Any, *names: str) -> Any:
    """The first present, non-``None`` value among ``names`` of a data message."""
    for name in names:
        if message.has_field(name):
            value = message.get_value(name, fallback=None)
            if value is not None:
                return value
    return None


def _seconds(value: Any) -> float | None:
    """Unix seconds of a decoded FIT time (fitdecode gives aware datetimes)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        try:
            return moment.timestamp()
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _number(value: Any) -> float:
    """A decoded numeric field as float (NaN when missing or not a number)."""
    number = to_float(value) if not isinstance(value, str | bytes) else None
    return math.nan if number is None else number


def _record(message: Any, collector: _Collector) -> None:
    cadence = _number(_value(message, "cadence"))
    fraction = _number(_value(message, "fractional_cadence"))
    if math.isfinite(cadence) and math.isfinite(fraction):
        cadence += fraction
    seconds = _seconds(_value(message, "timestamp"))
    values = (
        math.nan if seconds is None else seconds,
        _number(_value(message, "position_lat")),
        _number(_value(message, "position_long")),
        _number(_value(message, "enhanced_altitude", "altitude")),
        _number(_value(message, "distance")),
        _number(_value(message, "enhanced_speed", "speed")),
        cadence,
        _number(_value(message, "heart_rate")),
    )
    for column, value in zip(collector.columns, values, strict=True):
        column.append(value)


def _collect(message: Any, collector: _Collector) -> None:
    name = message.name
    if name == "record":
        _record(message, collector)
    elif name == "session":
        fields: dict[str, Any] = {}
        for item in message.fields:
            if item.value is not None and isinstance(item.name, str):
                fields[item.name] = item.value
        collector.sessions.append(fields)
    elif name == "sport" and collector.sport is None:
        sport = _value(message, "sport")
        collector.sport = str(sport) if sport is not None else None
    elif name == "activity":
        utc = _seconds(_value(message, "timestamp"))
        local = _seconds(_value(message, "local_timestamp"))
        if utc is not None and local is not None and abs(local - utc) <= 14 * 3600:
            collector.offset = round((local - utc) / 900.0) * 900.0
    elif name == "file_id" and not collector.device:
        maker = _value(message, "manufacturer")
        product = _value(message, "garmin_product", "product_name", "product")
        collector.device = short_label(" ".join(str(v) for v in (maker, product) if v), 60)
    elif name == "device_info" and str(_value(message, "local_device_type") or "") == "barometer":
        collector.barometer = True


def read_fit_activity(path: str | Path) -> FitActivity:
    """Decode a FIT file into its records, sessions and device facts.

    Raises
    ------
    InvalidInputError
        Not a FIT file, truncated, CRC mismatch, or otherwise undecodable.
    """
    p = Path(path)
    data = read_capped(p, MAX_FILE_BYTES)
    return decode_fit(data, shown(p.name))


def decode_fit(data: bytes, name: str) -> FitActivity:
    """Decode FIT bytes (see :func:`read_fit_activity`)."""
    if len(data) < 12 or data[8:12] != b".FIT":
        raise InvalidInputError(
            f"The file {name} is not a FIT file (no '.FIT' signature in its header); give the "
            "activity's .fit file."
        )
    collector = _Collector()
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    _collect(frame, collector)
    except fitdecode.FitEOFError as exc:
        raise InvalidInputError(
            f"The FIT file {name} ends early (it is truncated); copy it from the watch again."
        ) from exc
    except fitdecode.FitCRCError as exc:
        raise InvalidInputError(
            f"The FIT file {name} is damaged (its checksum does not match); copy it from the "
            "watch again."
        ) from exc
    except fitdecode.FitHeaderError as exc:
        raise InvalidInputError(
            f"The FIT file {name} has a damaged or truncated header ({_reason(exc)}); copy it "
            "from the watch again."
        ) from exc
    except InvalidInputError:
        raise
    except Exception as exc:  # fitdecode raises assorted errors on corrupt definitions
        raise InvalidInputError(
            f"The FIT file {name} could not be decoded ({_reason(exc)}); it is damaged, so "
            "copy it from the watch again."
        ) from exc
    records = FitRecords(
        *(np.frombuffer(column, dtype=np.float64).copy() for column in collector.columns)
    )
    return FitActivity(
        records=records,
        sessions=collector.sessions,
        sport=collector.sport,
        utc_offset_s=collector.offset,
        device=collector.device,
        barometer=collector.barometer,
    )


def read_fit(path: str | Path, *, default_tz: dt.tzinfo = dt.UTC) -> list[Walk]:
    """Read the walks of a FIT activity file (one per session).

    Parameters
    ----------
    path
        The ``.fit`` file.
    default_tz
        Zone used when the file does not state the watch's UTC offset.

    Returns
    -------
    list of Walk
        One walk per session with timed records (or one for the whole file when it has no
        session message), in time order.

    Raises
    ------
    InvalidInputError
        Unreadable, truncated, corrupt or not FIT, or no timed record.
    """
    p = Path(path)
    activity = read_fit_activity(p)
    tz = (
        dt.timezone(dt.timedelta(seconds=activity.utc_offset_s))
        if activity.utc_offset_s is not None
        else default_tz
    )
    records = activity.records
    times = records.time_s
    windows: list[tuple[dict[str, Any], float, float]] = []
    for session in activity.sessions:
        start = _seconds(session.get("start_time"))
        end = _seconds(session.get("timestamp"))
        elapsed = to_float(session.get("total_elapsed_time"))
        if start is not None and elapsed is not None:
            end = start + elapsed if end is None else max(end, start + elapsed)
        if start is not None and end is not None and end >= start:
            windows.append((session, start, end))
    if not windows:
        windows = [({"sport": activity.sport}, -math.inf, math.inf)]
    walks = []
    for session, start, end in windows:
        mask = np.isfinite(times) & (times >= start - 1.0) & (times <= end + 1.0)
        if np.count_nonzero(mask) < 2:
            continue
        walk = _walk(activity, session, mask, tz)
        if walk is not None:
            walks.append(walk)
    if not walks:
        raise InvalidInputError(
            f"The FIT file {shown(p.name)} holds no track records timed between 1980 and 2100, "
            "so it has no walk (it may be a settings, course or monitoring file); give an "
            "activity file."
        )
    return sorted(walks, key=lambda w: w.start)


def _walk(activity: FitActivity, session: dict[str, Any], mask: Any, tz: dt.tzinfo) -> Walk | None:
    sport = activity_name(str(session.get("sport") or activity.sport or ""))
    on_foot = sport in ON_FOOT_ACTIVITIES or sport in {"mountaineering", "snowshoeing"}
    points = activity.records.points(mask, 2.0 if on_foot else None)
    timed = points.time_s[believable_times(points)]
    if timed.size < 2 or float(timed.max() - timed.min()) <= 0:
        return None
    summary = summarise_track(points, on_foot=on_foot)
    strides = to_float(session.get("total_strides", session.get("total_cycles")))
    steps = round(2 * strides) if on_foot and strides is not None and strides >= 0 else None
    extra: dict[str, Any] = {"format": "fit"}
    sub_sport = session.get("sub_sport")
    if sub_sport is not None:
        extra["sub_sport"] = short_label(str(sub_sport), 40)
    for key, label in (
        ("total_timer_time", "timer_time_s"),
        ("total_elapsed_time", "elapsed_time_s"),
        ("total_distance", "device_distance_m"),
        ("total_calories", "energy_kcal"),
        ("total_ascent", "device_ascent_m"),
        ("total_descent", "device_descent_m"),
        ("avg_heart_rate", "device_heart_rate_bpm_mean"),
    ):
        value = to_float(session.get(key))
        if value is not None:
            extra[label] = round(value, 3)
    if on_foot:
        cadence = to_float(session.get("avg_running_cadence", session.get("avg_cadence")))
        fraction = to_float(session.get("avg_fractional_cadence")) or 0.0
        if cadence is not None:
            extra["device_cadence_spm_mean"] = round(2.0 * (cadence + fraction), 2)
        step_length = to_float(session.get("avg_step_length"))
        if step_length is not None:
            extra["device_step_length_m"] = round(step_length / 1000.0, 3)
    else:
        cad = activity.records.cadence_rpm[mask]
        cad = cad[np.isfinite(cad) & (cad > 0)]
        if cad.size:
            extra["bike_cadence_rpm_median"] = float(np.median(cad))
    extra["altitude_source"] = "barometer" if activity.barometer else "device (GPS or unknown)"
    source = f"Garmin FIT ({activity.device})" if activity.device else "FIT"
    return walk_from_track(
        summary,
        tz=tz,
        source=source,
        activity=sport,
        steps=steps,
        distance_m=to_float(session.get("total_distance")),
        extra=extra,
    )
