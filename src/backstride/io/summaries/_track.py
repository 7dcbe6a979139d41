"""Summaries of a GPS or device track: distance, moving time, elevation, grade and hills.

Every track reader (GPX, TCX, FIT, Apple Health routes) turns its points into
:class:`TrackPoints` and calls :func:`summarise_track`, so every format is measured the same
way.

Distance
    The device's own cumulative distance (TCX ``DistanceMeters``, FIT ``distance``) when at
    least half of the points carry it (devices filter GPS jitter and use foot pods);
    otherwise the haversine distance between consecutive positions on a sphere of radius
    6,371,008.8 m (the mean Earth radius).
Moving time (``walking_s``)
    The time between points minus stops: a run of consecutive intervals slower than
    :data:`STOP_SPEED_MPS` (0.3 m/s) that lasts more than :data:`STOP_MIN_S` (10 s) in total
    is a stop and is excluded. Shorter slow runs (a step aside, a glance at the map) count as
    moving.
Elevation gain and loss
    GPS altitude is noisy (metres from fix to fix), so summing raw differences overstates
    climbing (EVIDENCE.md section 5). The altitude is put on the distance axis (points at the
    same distance are averaged, so drift while standing still cancels), resampled every
    :data:`PROFILE_STEP_M` (10 m), smoothed by a running median over
    :data:`MEDIAN_WINDOW_M` (50 m, removes spikes such as a first fix 90 m off) and a running
    mean over :data:`MEAN_WINDOW_M` (50 m), and then climbed with a
    :data:`HYSTERESIS_M` (1 m) dead band: a climb or descent counts only once the altitude
    has moved at least 1 m from the last turning point. The final partial move is added so
    that gain minus loss equals the smoothed net change. On the Garmin fenix 2 sample this
    gives 57 m up and 53 m down against the watch's own session totals of 64 and 61 m (the
    raw sums, 257 and 253 m, count a first fix 87 m off and every wobble); on the TCX sample
    106 and 117 m against raw sums of 154 and 166 m. The raw sums are kept in ``extra`` as
    ``elevation_gain_raw_m`` and ``elevation_loss_raw_m`` (what many tools report). A 0.5 m
    band would match the fenix 2 totals more closely (68 and 63 m) but lets more GPS noise
    through on tracks without a barometer; 1 m is within the 1-3 m EVIDENCE.md suggests.
Mean grade (``mean_grade_pct``)
    The mean steepness: ``100 * (gain + loss) / horizontal distance``, 0 on flat ground
    whatever the direction (a loop's net grade is always 0 and says nothing).
Cadence, steps and intensity
    ``cadence_spm`` is the median cadence of the points that have one (readers convert
    strides/min to steps/min); when the file has no step total, steps are the cadence
    integrated over the moving intervals (``extra["steps_method"]`` says so);
    ``moderate_s`` and ``vigorous_s`` are the moving time at a cadence of at least 100 and
    130 steps/min (DESIGN.md).
Gentle hills (``extra["gentle_hills"]``)
    The grade of every 10 m of the smoothed profile, measured over :data:`GRADE_WINDOW_M`
    (50 m) centred on it, sorted into uphill 2-8% (the gentle inclines the programme asks
    for), uphill steeper than 8%, downhill steeper than -2% and flat; distances in m and,
    when the track has times, durations in s. ``present`` is true when at least
    :data:`GENTLE_HILLS_MIN_M` (200 m) went up at 2-8%.
"""

from __future__ import annotations

import datetime as dt
import math
from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.ndimage import median_filter, uniform_filter1d

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import (
    EARLIEST_TIME,
    LATEST_TIME,
    MAX_TRACK_POINTS,
    summary_hash,
    unix_to_local,
)
from backstride.walks.walk import Walk

FloatArray = npt.NDArray[np.float64]

STOP_SPEED_MPS = 0.3
STOP_MIN_S = 10.0
PROFILE_STEP_M = 10.0
MEDIAN_WINDOW_M = 50.0
MEAN_WINDOW_M = 50.0
HYSTERESIS_M = 1.0
GRADE_WINDOW_M = 50.0
GENTLE_GRADE_PCT = (2.0, 8.0)
FLAT_GRADE_PCT = 2.0
GENTLE_HILLS_MIN_M = 200.0
#: Cadence thresholds of ``Walk.moderate_s`` and ``Walk.vigorous_s`` (DESIGN.md), steps/min.
MODERATE_SPM = 100.0
VIGOROUS_SPM = 130.0
EARTH_RADIUS_M = 6_371_008.8
#: Device distance is used when at least this share of points carry it.
DEVICE_DISTANCE_SHARE = 0.5
#: Most samples of the elevation profile (the step grows beyond 2,000 km of track).
MAX_PROFILE_SAMPLES = 200_000
#: Altitudes outside this range (m) are device error markers, not places on Earth.
ALTITUDE_RANGE_M = (-1000.0, 10000.0)
#: Cadence outside this range (steps/min) is not walking or running.
CADENCE_RANGE_SPM = (0.0, 400.0)

_FIELDS = ("time_s", "lat_deg", "lon_deg", "alt_m", "distance_m", "cadence_spm", "heart_rate_bpm")


@dataclass(frozen=True)
class TrackPoints:
    """Points of one track, as parallel float arrays (NaN where a value is missing).

    Attributes
    ----------
    time_s
        Unix time, s.
    lat_deg, lon_deg
        WGS84 position, degrees.
    alt_m
        Altitude, m.
    distance_m
        Device cumulative distance, m.
    cadence_spm
        Cadence, steps/min (readers convert strides/min).
    heart_rate_bpm
        Heart rate, beats/min.
    """

    time_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    distance_m: FloatArray
    cadence_spm: FloatArray
    heart_rate_bpm: FloatArray

    def __len__(self) -> int:
        return int(self.time_s.size)

    def select(self, mask: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> TrackPoints:
        """The points picked by a boolean mask or index array."""
        return TrackPoints(*(getattr(self, name)[mask] for name in _FIELDS))

    @staticmethod
    def concat(parts: list[TrackPoints]) -> TrackPoints:
        """All points of ``parts``, in order."""
        return TrackPoints(
            *(
                np.concatenate([getattr(part, name) for part in parts])
                if parts
                else np.empty(0, dtype=np.float64)
                for name in _FIELDS
            )
        )


class TrackBuilder:
    """Collect points compactly (8 bytes a value) with a cap on their number.

    Parameters
    ----------
    name
        File name for messages.
    max_points
        Most points accepted; more raises :class:`InvalidInputError`.
    """

    def __init__(self, name: str, max_points: int = MAX_TRACK_POINTS) -> None:
        self._name = name
        self._max = max_points
        self._columns = tuple(array("d") for _ in _FIELDS)

    def __len__(self) -> int:
        return len(self._columns[0])

    def add(
        self,
        time_s: float | None,
        lat_deg: float | None = None,
        lon_deg: float | None = None,
        alt_m: float | None = None,
        distance_m: float | None = None,
        cadence_spm: float | None = None,
        heart_rate_bpm: float | None = None,
    ) -> None:
        """Append one point; values out of their physical range are stored as missing."""
        if len(self) >= self._max:
            raise InvalidInputError(
                f"The file {self._name} holds more than {self._max:,} track points, more than "
                "any walk records; split it."
            )
        nan = math.nan
        lat = lat_deg if lat_deg is not None and -90.0 <= lat_deg <= 90.0 else nan
        lon = lon_deg if lon_deg is not None and -180.0 <= lon_deg <= 180.0 else nan
        if math.isnan(lat) or math.isnan(lon):
            lat = lon = nan
        alt = alt_m if alt_m is not None and _within(alt_m, ALTITUDE_RANGE_M) else nan
        dist = distance_m if distance_m is not None and 0.0 <= distance_m < 1e8 else nan
        cad = (
            cadence_spm
            if cadence_spm is not None and _within(cadence_spm, CADENCE_RANGE_SPM)
            else nan
        )
        hr = heart_rate_bpm if heart_rate_bpm is not None and 20 <= heart_rate_bpm <= 260 else nan
        t = time_s if time_s is not None and math.isfinite(time_s) else nan
        for column, value in zip(self._columns, (t, lat, lon, alt, dist, cad, hr), strict=True):
            column.append(value)

    def build(self) -> TrackPoints:
        """The points collected so far."""
        return TrackPoints(
            *(np.frombuffer(column, dtype=np.float64).copy() for column in self._columns)
        )


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return math.isfinite(value) and bounds[0] <= value <= bounds[1]


@dataclass(frozen=True)
class TrackSummary:
    """What :func:`summarise_track` measured (``None`` where the track cannot tell).

    Attributes
    ----------
    start_s, end_s
        Unix times of the first and last point, s.
    duration_s
        ``end_s - start_s``.
    walking_s
        Moving time, s.
    distance_m
        Distance, m.
    distance_source
        ``"device"``, ``"positions"`` or ``"none"``.
    elevation_gain_m, elevation_loss_m
        Smoothed climb and descent, m.
    elevation_gain_raw_m, elevation_loss_raw_m
        Sums of raw altitude differences, m (what many tools report).
    elevation_range_m
        Highest minus lowest smoothed altitude, m.
    mean_grade_pct
        Mean steepness, %.
    cadence_spm
        Median cadence of the points with cadence, steps/min.
    steps_from_cadence
        Steps integrated from cadence over the moving time.
    moderate_s, vigorous_s
        Moving time at a cadence of at least 100 and 130 steps/min, s.
    heart_rate_bpm
        Mean heart rate.
    hills
        The gentle-hills summary (see the module docstring).
    n_points
        Points with a time.
    """

    start_s: float
    end_s: float
    duration_s: float
    walking_s: float | None
    distance_m: float | None
    distance_source: str
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    elevation_gain_raw_m: float | None
    elevation_loss_raw_m: float | None
    elevation_range_m: float | None
    mean_grade_pct: float | None
    cadence_spm: float | None
    steps_from_cadence: int | None
    moderate_s: float | None
    vigorous_s: float | None
    heart_rate_bpm: float | None
    hills: dict[str, Any] | None
    n_points: int

    @property
    def speed_mps(self) -> float | None:
        """Distance over moving time, m/s."""
        if self.distance_m is None or not self.walking_s:
            return None
        return self.distance_m / self.walking_s


def haversine_steps(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Great-circle distance from each point to the next, m (0 where a position is missing).

    Returns
    -------
    numpy.ndarray
        ``len(lat_deg) - 1`` distances.
    """
    if lat_deg.size < 2:
        return np.zeros(0)
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    a = (
        np.sin(np.diff(lat) / 2.0) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2.0) ** 2
    )
    with np.errstate(invalid="ignore"):
        steps = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return np.nan_to_num(steps, nan=0.0)


def cumulative_distance(points: TrackPoints) -> tuple[FloatArray, str]:
    """Cumulative distance at each point from the first, m, and where it came from."""
    n = len(points)
    device = points.distance_m
    has_device = np.isfinite(device)
    if n and has_device.sum() >= max(1, DEVICE_DISTANCE_SHARE * n):
        first = int(np.argmax(has_device))
        # A point without device distance keeps the last one (the device did not move it on).
        index = np.where(has_device, np.arange(n), first)
        np.maximum.accumulate(index, out=index)
        cum = np.maximum.accumulate(device[index]) - device[first]
        return cum, "device"
    positioned = np.isfinite(points.lat_deg)
    if positioned.sum() >= 2:
        steps = haversine_steps(points.lat_deg, points.lon_deg)
        return np.concatenate([[0.0], np.cumsum(steps)]), "positions"
    return np.full(n, np.nan), "none"


def _stop_mask(dt: FloatArray, dd: FloatArray) -> npt.NDArray[np.bool_]:
    """Intervals (with ``dt > 0``) that belong to a stop (see the module docstring)."""
    slow = dd < STOP_SPEED_MPS * dt
    stop = np.zeros(dt.size, dtype=bool)
    if not slow.any():
        return stop
    edges = np.diff(np.concatenate([[0], slow.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    elapsed = np.concatenate([[0.0], np.cumsum(dt)])
    for begin, end in zip(starts, ends, strict=True):
        if elapsed[end] - elapsed[begin] > STOP_MIN_S:
            stop[begin:end] = True
    return stop


def _profile(cum: FloatArray, alt: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """Altitude resampled every 10 m (or coarser on very long tracks), unsmoothed."""
    ok = np.isfinite(cum) & np.isfinite(alt)
    if ok.sum() < 2:
        return None
    distances, inverse = np.unique(cum[ok], return_inverse=True)
    if distances.size < 2:
        return None
    mean_alt = np.bincount(inverse, alt[ok]) / np.bincount(inverse)
    length = float(distances[-1] - distances[0])
    step = max(PROFILE_STEP_M, length / MAX_PROFILE_SAMPLES)
    if length < step:
        return distances, mean_alt
    x = distances[0] + np.arange(int(length // step) + 1) * step
    return x, np.interp(x, distances, mean_alt)


def _smooth(x: FloatArray, h: FloatArray) -> FloatArray:
    """Running median then running mean over about 50 m each (module docstring)."""
    if h.size < 3:
        return h
    step = float(np.median(np.diff(x))) or PROFILE_STEP_M
    median_n = max(1, round(MEDIAN_WINDOW_M / step)) | 1
    mean_n = max(1, round(MEAN_WINDOW_M / step))
    smoothed = median_filter(h, size=median_n, mode="nearest")
    return np.asarray(uniform_filter1d(smoothed, mean_n, mode="nearest"), dtype=np.float64)


def climb(h: FloatArray, threshold_m: float = HYSTERESIS_M) -> tuple[float, float]:
    """Gain and loss of a profile with a dead band of ``threshold_m`` (module docstring)."""
    if h.size < 2:
        return 0.0, 0.0
    gain = loss = 0.0
    reference = float(h[0])
    for value in h[1:].tolist():
        if value - reference >= threshold_m:
            gain += value - reference
            reference = value
        elif reference - value >= threshold_m:
            loss += reference - value
            reference = value
    rest = float(h[-1]) - reference
    if rest > 0:
        gain += rest
    else:
        loss -= rest
    return gain, loss


def _hills(x: FloatArray, h: FloatArray, t_at_x: FloatArray | None) -> dict[str, Any]:
    """Distance and time by grade class over the smoothed profile (module docstring)."""
    n = x.size
    step = float(np.median(np.diff(x)))
    k = max(1, round(GRADE_WINDOW_M / 2 / step))
    index = np.arange(n)
    upper = np.minimum(index + k, n - 1)
    lower = np.maximum(index - k, 0)
    run = x[upper] - x[lower]
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = np.where(run > 0, 100.0 * (h[upper] - h[lower]) / run, 0.0)
    seg_len = np.diff(x)
    seg_grade = grade[:-1]
    low, high = GENTLE_GRADE_PCT
    classes = {
        "uphill_2_8_pct": (seg_grade >= low) & (seg_grade <= high),
        "uphill_over_8_pct": seg_grade > high,
        "downhill_over_2_pct": seg_grade <= -FLAT_GRADE_PCT,
        "flat": np.abs(seg_grade) < FLAT_GRADE_PCT,
    }
    out: dict[str, Any] = {}
    seg_time = np.diff(t_at_x) if t_at_x is not None else None
    for label, mask in classes.items():
        out[f"{label}_m"] = round(float(seg_len[mask].sum()), 1)
        out[f"{label}_s"] = round(float(seg_time[mask].sum()), 1) if seg_time is not None else None
    out["max_uphill_grade_pct"] = round(float(max(seg_grade.max(initial=0.0), 0.0)), 1)
    out["present"] = bool(out["uphill_2_8_pct_m"] >= GENTLE_HILLS_MIN_M)
    out["method"] = (
        "grade over 50 m of a 10 m profile smoothed by 50 m median and mean; "
        "present = at least 200 m uphill at 2-8%"
    )
    return out


def believable_times(points: TrackPoints) -> npt.NDArray[np.bool_]:
    """Points whose time lies between 1980 and 2100 (others are placeholders or missing)."""
    low, high = EARLIEST_TIME.timestamp(), LATEST_TIME.timestamp()
    with np.errstate(invalid="ignore"):
        return np.isfinite(points.time_s) & (points.time_s >= low) & (points.time_s <= high)


def summarise_track(points: TrackPoints, *, on_foot: bool = True) -> TrackSummary:
    """Measure a track (see the module docstring for every method).

    Parameters
    ----------
    points
        The track; points without a believable time (:func:`believable_times`) are ignored,
        the rest are taken in time order.
    on_foot
        Whether cadence counts steps (it is ignored for cycling).

    Returns
    -------
    TrackSummary
        The measures.

    Raises
    ------
    InvalidInputError
        No point has a believable time.
    """
    timed = believable_times(points)
    if not timed.any():
        raise InvalidInputError(
            "The track has no point with a time between 1980 and 2100, so it is not a walk."
        )
    order = np.flatnonzero(timed)
    order = order[np.argsort(points.time_s[order], kind="stable")]
    pts = points.select(order)
    t = pts.time_s
    cum, source = cumulative_distance(pts)
    dt = np.diff(t)
    has_distance = source != "none"
    walking_s: float | None = None
    moving = np.zeros(dt.size, dtype=bool)
    if has_distance:
        dd = np.diff(cum)
        positive = dt > 0
        stop = np.zeros(dt.size, dtype=bool)
        stop[positive] = _stop_mask(dt[positive], dd[positive])
        moving = positive & ~stop
        walking_s = float(dt[moving].sum())
    distance = float(cum[-1] - cum[0]) if has_distance and len(pts) > 1 else None

    raw_gain = raw_loss = None
    alt = pts.alt_m[np.isfinite(pts.alt_m)]
    if alt.size >= 2:
        diffs = np.diff(alt)
        raw_gain = float(diffs[diffs > 0].sum())
        raw_loss = float(-diffs[diffs < 0].sum())

    gain = loss = grade = elevation_range = None
    hills = None
    profile = _profile(cum, pts.alt_m) if has_distance else None
    if profile is not None:
        x, h = profile
        smoothed = _smooth(x, h)
        gain, loss = climb(smoothed)
        elevation_range = float(smoothed.max() - smoothed.min())
        length = float(x[-1] - x[0])
        if length >= GRADE_WINDOW_M:
            grade = 100.0 * (gain + loss) / length
            t_at_x = _time_at_distance(cum, t, x)
            hills = _hills(x, smoothed, t_at_x)

    cadence = steps = moderate = vigorous = None
    if on_foot:
        cad = pts.cadence_spm
        valid = np.isfinite(cad) & (cad > 0)
        if valid.any():
            cadence = float(np.median(cad[valid]))
            if dt.size:
                use = (moving if has_distance else dt > 0) & valid[1:]
                steps = round(float(np.sum(cad[1:][use] * dt[use]) / 60.0))
                moderate = float(dt[use & (cad[1:] >= MODERATE_SPM)].sum())
                vigorous = float(dt[use & (cad[1:] >= VIGOROUS_SPM)].sum())
    hr = pts.heart_rate_bpm[np.isfinite(pts.heart_rate_bpm)]
    return TrackSummary(
        start_s=float(t[0]),
        end_s=float(t[-1]),
        duration_s=float(t[-1] - t[0]),
        walking_s=walking_s,
        distance_m=distance,
        distance_source=source,
        elevation_gain_m=gain,
        elevation_loss_m=loss,
        elevation_gain_raw_m=raw_gain,
        elevation_loss_raw_m=raw_loss,
        elevation_range_m=elevation_range,
        mean_grade_pct=grade,
        cadence_spm=cadence,
        steps_from_cadence=steps,
        moderate_s=moderate,
        vigorous_s=vigorous,
        heart_rate_bpm=float(hr.mean()) if hr.size else None,
        hills=hills,
        n_points=len(pts),
    )


def _time_at_distance(cum: FloatArray, t: FloatArray, x: FloatArray) -> FloatArray | None:
    """Time at which the track passed each profile distance (first pass), s."""
    ok = np.isfinite(cum)
    if ok.sum() < 2:
        return None
    distances, first = np.unique(cum[ok], return_index=True)
    if distances.size < 2:
        return None
    return np.interp(x, distances, t[ok][first])


def round_or_none(value: float | None, digits: int = 2) -> float | None:
    """``round(value, digits)``, keeping ``None``."""
    return None if value is None else round(value, digits)


def summary_extra(summary: TrackSummary) -> dict[str, Any]:
    """The ``Walk.extra`` entries every track reader adds."""
    extra: dict[str, Any] = {
        "track_points": summary.n_points,
        "distance_source": summary.distance_source,
        "elevation_gain_raw_m": round_or_none(summary.elevation_gain_raw_m),
        "elevation_loss_raw_m": round_or_none(summary.elevation_loss_raw_m),
        "elevation_range_m": round_or_none(summary.elevation_range_m),
        "elevation_method": ("10 m distance profile, 50 m running median and mean, 1 m hysteresis"),
        "moving_rule": "stops (< 0.3 m/s for more than 10 s) excluded",
    }
    speed = summary.speed_mps
    if speed:
        extra["pace_min_per_km"] = round(1000.0 / speed / 60.0, 2)
    if summary.heart_rate_bpm is not None:
        extra["heart_rate_bpm_mean"] = round(summary.heart_rate_bpm, 1)
    if summary.hills is not None:
        extra["gentle_hills"] = summary.hills
    return extra


def walk_from_track(
    summary: TrackSummary,
    *,
    tz: dt.tzinfo,
    source: str,
    activity: str,
    steps: int | None = None,
    distance_m: float | None = None,
    extra: dict[str, Any] | None = None,
) -> Walk:
    """Build the :class:`Walk` of a measured track.

    Parameters
    ----------
    summary
        From :func:`summarise_track`.
    tz
        Zone in which the walk's times are expressed (the instant does not change).
    source
        Device or app description.
    activity
        BackStride activity name.
    steps
        Steps counted by the device; when ``None`` the steps integrated from cadence are
        used (``extra["steps_method"] = "cadence"``).
    distance_m
        Device total distance, used only when the track itself has no distance.
    extra
        Further ``extra`` entries.
    """
    all_extra: dict[str, Any] = {"activity": activity, **summary_extra(summary)}
    if steps is None and summary.steps_from_cadence is not None:
        steps = summary.steps_from_cadence
        all_extra["steps_method"] = "integrated from cadence over the moving time"
    distance = summary.distance_m if summary.distance_m is not None else distance_m
    all_extra.update(extra or {})
    speed = distance / summary.walking_s if distance is not None and summary.walking_s else None
    start = unix_to_local(summary.start_s, tz)
    return Walk(
        start=start,
        end=unix_to_local(summary.end_s, tz),
        source=source,
        source_hash=summary_hash(start, activity, distance, steps),
        duration_s=round(summary.duration_s, 3),
        walking_s=round_or_none(summary.walking_s, 3),
        steps=steps,
        distance_m=round_or_none(distance),
        cadence_spm=round_or_none(summary.cadence_spm),
        moderate_s=round_or_none(summary.moderate_s, 1),
        vigorous_s=round_or_none(summary.vigorous_s, 1),
        elevation_gain_m=round_or_none(summary.elevation_gain_m),
        elevation_loss_m=round_or_none(summary.elevation_loss_m),
        mean_grade_pct=round_or_none(summary.mean_grade_pct),
        speed_mps=round_or_none(speed, 3),
        extra=all_extra,
    )
