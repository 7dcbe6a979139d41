"""Tests of the walk-summary readers (GPX, TCX, FIT, Apple Health, Fitbit JSON).

Real samples come from ``data/devices`` (permissive licences, copied with them) and, if a
copy is missing, from ``../shared/data/devices`` in place; a missing sample skips its test
except in CI (``CI`` set), where it fails. Each decode is checked against the independent
reference shipped with the sample, with the tolerance stated in the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import itertools
import math
import os
import random
import re
import struct
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import gpxpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.exceptions import (
    BackstrideError,
    InputNotFoundError,
    InvalidInputError,
    UnsupportedFormatError,
)
from backstride.io.summaries import _zip as zip_module
from backstride.io.summaries import (
    deduplicate_walks,
    detect_summary_format,
    read_apple_daily_steps,
    read_apple_health,
    read_daily_steps,
    read_fit,
    read_fit_activity,
    read_fitbit_walks,
    read_gpx,
    read_tcx,
    read_walk_summaries,
    same_workout,
    summary_hash,
)
from backstride.io.summaries._base import read_capped
from backstride.io.summaries._track import (
    TrackBuilder,
    climb,
    summarise_track,
)
from backstride.io.summaries.gpx import gpx_tracks, parse_gpx_bytes
from backstride.walks.walk import Walk

from messages import assert_one_sentence

ROOT = Path(__file__).resolve().parents[1]
DEVICES = ROOT / "data" / "devices"
SHARED_DEVICES = ROOT.parent / "shared" / "data" / "devices"
PDT = dt.timezone(dt.timedelta(hours=-7))


def _load_fuzz_module() -> ModuleType:
    path = ROOT / "tests" / "fuzz" / "fuzz_summaries.py"
    spec = importlib.util.spec_from_file_location("fuzz_summaries_for_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz_module()


def sample(folder: str, name: str) -> Path:
    """A real sample: the repository copy, else the shared folder, else skip (fail in CI)."""
    for base in (DEVICES, SHARED_DEVICES):
        path = base / folder / name
        if path.exists():
            return path
    if os.environ.get("CI"):
        pytest.fail(f"sample {folder}/{name} is missing; CI must have it", pytrace=False)
    pytest.skip(f"sample {folder}/{name} is not available")


def refused(call: object, *args: object, match: str = "", **kwargs: object) -> str:
    """Call and expect a BackstrideError with a one-sentence message matching ``match``."""
    assert callable(call)
    with pytest.raises(BackstrideError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert_one_sentence(message)
    assert re.search(match, message, flags=re.IGNORECASE), message
    return message


# --- GPX --------------------------------------------------------------------------------------


def test_gpx_korita_is_one_walk_of_3_7_hours_on_the_local_day() -> None:
    path = sample("gpx", "korita-zbevnica.gpx")
    (walk,) = read_gpx(path, default_tz=ZoneInfo("Europe/Ljubljana"))
    # README: 871 points over 3.7 h. 871 in all tracks; the two timed tracks hold 513.
    gpx = parse_gpx_bytes(path.read_bytes(), path.name)
    assert sum(len(track.points) for track in gpx_tracks(gpx, path.name)) == 871
    assert walk.extra["track_points"] == 513
    assert walk.duration_s == pytest.approx(3.7 * 3600, abs=0.05 * 3600)
    assert walk.start == dt.datetime(2010, 10, 3, 9, 36, 30, tzinfo=dt.UTC)
    assert walk.start.utcoffset() == dt.timedelta(hours=2)  # CEST: dates are local
    assert walk.start.date() == dt.date(2010, 10, 3)
    assert walk.extra["tracks"] == ["ACTIVE LOG", "ACTIVE LOG #2"]  # 4 min 48 s apart
    assert any("has no times" in note for note in walk.extra["file_notes"])
    assert walk.walking_s is not None and walk.duration_s is not None
    assert walk.distance_m is not None
    assert 0 < walk.walking_s <= walk.duration_s
    assert walk.speed_mps == pytest.approx(walk.distance_m / walk.walking_s, rel=1e-3)


def test_gpx_distance_matches_gpxpy_within_half_a_percent() -> None:
    # Independent decode: gpxpy's own 2-D track length, per timed track.
    path = sample("gpx", "korita-zbevnica.gpx")
    gpx = gpxpy.parse(path.read_text())
    ours = {t.name: t for t in gpx_tracks(parse_gpx_bytes(path.read_bytes(), path.name), "x")}
    for track in gpx.tracks:
        if track.name not in {"ACTIVE LOG", "ACTIVE LOG #2"}:
            continue
        summary = summarise_track(ours[track.name].points)
        assert summary.distance_m == pytest.approx(track.length_2d(), rel=0.005)


def test_gpx_elevation_is_smoothed_and_consistent() -> None:
    path = sample("gpx", "korita-zbevnica.gpx")
    (walk,) = read_gpx(path)
    gain, loss = walk.elevation_gain_m, walk.elevation_loss_m
    assert gain is not None and loss is not None and walk.distance_m is not None
    # Noise removal only removes: the smoothed totals are below the raw sums.
    assert 0.5 * walk.extra["elevation_gain_raw_m"] < gain < walk.extra["elevation_gain_raw_m"]
    assert 0.5 * walk.extra["elevation_loss_raw_m"] < loss < walk.extra["elevation_loss_raw_m"]
    assert walk.mean_grade_pct == pytest.approx(100 * (gain + loss) / walk.distance_m, rel=0.01)
    hills = walk.extra["gentle_hills"]
    assert hills["present"] is True and hills["uphill_2_8_pct_m"] >= 200
    assert hills["uphill_2_8_pct_s"] > 0


def test_gpx_placeholder_times_are_refused_with_a_reason() -> None:
    path = sample("gpx", "Mojstrovka.gpx")
    refused(read_gpx, path, match=r"placeholder times.*1901-12-13")
    refused(read_walk_summaries, path, match="placeholder")


def test_gpx_outings_are_split_and_car_legs_flagged() -> None:
    walks = read_gpx(sample("gpx", "cerknicko-jezero.gpx"))
    assert len(walks) == 5
    assert walks[-1].extra["tracks"] == ["ACTIVE LOG #6", "ACTIVE LOG #7", "ACTIVE LOG #8"]
    flagged = [w for w in walks if "likely_not_walking" in w.extra]
    assert len(flagged) == 2 and all(w.speed_mps and w.speed_mps > 2.5 for w in flagged)


def _gpx(points: list[tuple[str, float, float, float]], extra: str = "") -> bytes:
    body = "".join(
        f'<trkpt lat="{lat}" lon="{lon}"><ele>{ele}</ele><time>{when}</time>{extra}</trkpt>'
        for when, lat, lon, ele in points
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        f"{body}</trkseg></trk></gpx>"
    ).encode()


def test_gpx_walk_lands_on_the_local_day(tmp_path: Path) -> None:
    points = [(f"2021-05-01T22:{m:02d}:00Z", 52.5 + m * 0.0005, 13.4, 40.0) for m in range(30, 60)]
    path = tmp_path / "late.gpx"
    path.write_bytes(_gpx(points))
    (walk,) = read_walk_summaries(path, default_tz="Europe/Berlin")
    assert walk.start.astimezone(dt.UTC).date() == dt.date(2021, 5, 1)
    assert walk.start.date() == dt.date(2021, 5, 2)  # 00:30 in Berlin
    assert walk.start.tzinfo == ZoneInfo("Europe/Berlin")


def test_moving_time_excludes_stops_longer_than_10_s() -> None:
    builder = TrackBuilder("synthetic")
    # 1.2 m/s north for 60 s, stand 30 s, 1.2 m/s for 60 s, pause 8 s (kept), 20 s more.
    t = 1.6e9
    lat = 48.0
    metres_per_degree = 111_195.0
    for step_s, speed in [(1.0, 1.2)] * 60 + [(1.0, 0.0)] * 30 + [(1.0, 1.2)] * 60:
        builder.add(t, lat_deg=lat, lon_deg=11.0)
        t += step_s
        lat += speed * step_s / metres_per_degree
    for step_s, speed in [(8.0, 0.0)] + [(1.0, 1.2)] * 20:
        builder.add(t, lat_deg=lat, lon_deg=11.0)
        t += step_s
        lat += speed * step_s / metres_per_degree
    builder.add(t, lat_deg=lat, lon_deg=11.0)
    summary = summarise_track(builder.build())
    assert summary.duration_s == pytest.approx(178.0)
    # The 30 s stand is a stop (excluded); the 8 s pause is shorter than 10 s (kept).
    assert summary.walking_s == pytest.approx(178.0 - 30.0, abs=1.0)
    assert summary.distance_m == pytest.approx(140 * 1.2, rel=0.01)


def test_climb_dead_band_and_net_change() -> None:
    noise = np.array([0.0, 0.4, -0.3, 0.5, 0.0, 5.0, 5.3, 4.8, 10.0, 2.0, 2.4])
    gain, loss = climb(noise, threshold_m=1.0)
    assert gain - loss == pytest.approx(noise[-1] - noise[0])
    assert gain == pytest.approx(10.0 + 0.4)  # the final 0.4 m rise counts, wiggles do not
    assert loss == pytest.approx(8.0)


# --- TCX --------------------------------------------------------------------------------------


def test_tcx_matches_the_shipped_totals() -> None:
    (walk,) = read_tcx(sample("tcx", "test.tcx"))
    # Independent totals (python-tcxparser): distance 4686.31 m, ascent 153.81 m, descent
    # 166.31 m, the sums of raw altitude differences. Decode tolerance: 0.01 m.
    assert walk.distance_m == pytest.approx(4686.31, abs=0.01)
    assert walk.extra["elevation_gain_raw_m"] == pytest.approx(153.81, abs=0.01)
    assert walk.extra["elevation_loss_raw_m"] == pytest.approx(166.31, abs=0.01)
    # Smoothed (GPS noise removed): 60-100% of the raw sums, with the same net descent
    # within 3 m (the smoothing trims the ends).
    gain, loss = walk.elevation_gain_m, walk.elevation_loss_m
    assert gain is not None and loss is not None
    assert 0.6 * 153.81 <= gain <= 153.81
    assert 0.6 * 166.31 <= loss <= 166.31
    assert gain - loss == pytest.approx(153.81 - 166.31, abs=3.0)
    assert walk.duration_s == pytest.approx(1992.0)
    assert walk.extra["laps"] == 3
    assert walk.extra["lap_distance_m"] == pytest.approx(4689.24, abs=0.01)
    assert walk.extra["activity"] == "running"
    assert walk.start == dt.datetime(2012, 12, 26, 21, 29, 53, tzinfo=dt.UTC)
    assert walk.extra["heart_rate_bpm_mean"] > 100
    assert walk.source == "TCX (Forerunner 410 Software Version 2.20)"


def test_tcx_run_cadence_is_doubled_and_lap_steps_read(tmp_path: Path) -> None:
    path = tmp_path / "a.tcx"
    path.write_bytes(fuzz.tcx_seed())
    (walk,) = read_tcx(path)
    # RunCadence 58-61 strides/min -> 116-122 steps/min; LX Steps 300 + 300.
    assert walk.cadence_spm is not None and 116 <= walk.cadence_spm <= 122
    assert walk.steps == 600
    assert walk.distance_m == pytest.approx(362.5)
    assert walk.extra["activity"] == "other"


# --- FIT --------------------------------------------------------------------------------------


def _records_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("stem", ["garmin-fenix-5-walk", "garmin-fenix-5-run"])
def test_fit_records_match_the_reference_csv(stem: str) -> None:
    fit = read_fit_activity(sample("garmin-fit", f"{stem}.fit"))
    rows = _records_csv(sample("garmin-fit", f"{stem}-records.csv"))
    records = fit.records
    assert len(records) == len(rows)
    for k, row in enumerate(rows):
        when = dt.datetime.strptime(row["timestamp"].replace(" PDT", ""), "%a %b %d %H:%M:%S %Y")
        assert records.time_s[k] == when.replace(tzinfo=PDT).timestamp()
        assert records.lat_semicircles[k] == int(row["position_lat"])
        assert records.lon_semicircles[k] == int(row["position_long"])
        assert records.altitude_m[k] == pytest.approx(float(row["altitude"]), abs=0.01)
        assert records.distance_m[k] == pytest.approx(float(row["distance"]), abs=0.005)
        assert records.speed_mps[k] == pytest.approx(float(row["speed"]), abs=0.0005)
        assert records.heart_rate_bpm[k] == int(row["heart_rate"])
        # The CSV shows whole strides/min; we add fractional_cadence (0 <= f < 1).
        assert math.floor(records.cadence_rpm[k]) == int(row["cadence"])


def test_fit_walk_converts_strides_and_uses_the_watch_offset() -> None:
    (walk,) = read_walk_summaries(sample("garmin-fit", "garmin-fenix-5-walk.fit"))
    rows = _records_csv(sample("garmin-fit", "garmin-fenix-5-walk-records.csv"))
    strides = np.array([float(r["cadence"]) for r in rows])
    # Cadence: steps/min = 2 x strides/min (plus the fraction): within 1 step/min.
    assert walk.cadence_spm == pytest.approx(2 * np.median(strides[strides > 0]), abs=1.0)
    assert walk.steps == 2 * 41  # session total_strides
    assert walk.distance_m == pytest.approx(float(rows[-1]["distance"]))
    # The watch's own offset (local_timestamp - timestamp) wins over default_tz.
    assert walk.start.utcoffset() == dt.timedelta(hours=-7)
    assert walk.start.replace(tzinfo=None) == dt.datetime(2017, 6, 11, 7, 32, 51)
    assert walk.extra["activity"] == "walking"
    assert walk.extra["device_cadence_spm_mean"] == pytest.approx(2 * (61 + 0.2265625), abs=0.01)


def test_fit_fenix2_agrees_with_the_watch_session_totals() -> None:
    fit = read_fit_activity(sample("garmin-fit", "activity-small-fenix2-run.fit"))
    (walk,) = read_fit(sample("garmin-fit", "activity-small-fenix2-run.fit"))
    (session,) = fit.sessions
    assert walk.distance_m == pytest.approx(session["total_distance"], rel=0.001)
    # The watch's own filtered ascent/descent (64/61 m) versus our smoothed profile: 20%.
    assert walk.elevation_gain_m == pytest.approx(64, rel=0.2)
    assert walk.elevation_loss_m == pytest.approx(61, rel=0.2)
    # Raw sums are far off (the first fix is 87 m wrong): smoothing matters.
    assert walk.extra["elevation_gain_raw_m"] > 3 * 64
    assert walk.cadence_spm == pytest.approx(2 * 83, abs=4)  # running cadence ~81-85 strides
    assert walk.start.utcoffset() == dt.timedelta(hours=2)


def test_fit_truncated_and_corrupt_are_refused(tmp_path: Path) -> None:
    data = sample("garmin-fit", "garmin-fenix-5-walk.fit").read_bytes()
    cut = tmp_path / "cut.fit"
    cut.write_bytes(data[: len(data) // 2])
    refused(read_walk_summaries, cut, match="truncated")
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    bad = tmp_path / "bad.fit"
    bad.write_bytes(bytes(flipped))
    refused(read_walk_summaries, bad, match="checksum|damaged")
    header_only = tmp_path / "header.fit"
    header_only.write_bytes(data[:14])
    refused(read_walk_summaries, header_only, match="truncated|damaged")


# --- Apple Health -------------------------------------------------------------------------------


def _apple(body: str, dtd: str = fuzz.APPLE_DTD) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}<HealthData locale="en_US">'
        f'<ExportDate value="2020-09-20 10:00:00 -0700"/>{body}</HealthData>'
    ).encode()


def _record(kind: str, source: str, start: str, end: str, value: str, unit: str) -> str:
    return (
        f'<Record type="HKQuantityTypeIdentifier{kind}" sourceName="{source}" unit="{unit}" '
        f'startDate="{start}" endDate="{end}" value="{value}"/>'
    )


def _steps(source: str, start: str, end: str, value: int) -> str:
    return _record("StepCount", source, start, end, str(value), "count")


def _walk_export(route: str = "") -> bytes:
    records = []
    for minute in range(0, 40, 5):
        for source, base in (("Anna’s iPhone", 500), ("Anna’s Apple Watch", 540)):
            records.append(
                _steps(
                    source,
                    f"2020-09-16 18:{minute:02d}:00 -0700",
                    f"2020-09-16 18:{minute + 5:02d}:00 -0700",
                    base + minute,
                )
            )
    records += [
        # Half inside the walk: 50 of 100 steps count (iPhone stays below the Watch anyway).
        _steps("Anna’s iPhone", "2020-09-16 17:55:00 -0700", "2020-09-16 18:05:00 -0700", 100),
        # After the walk: not counted.
        _steps("Anna’s Apple Watch", "2020-09-16 19:00:00 -0700", "2020-09-16 19:05:00 -0700", 999),
        _record(
            "WalkingSpeed",
            "iPhone",
            "2020-09-16 18:10:00 -0700",
            "2020-09-16 18:11:00 -0700",
            "4.68",
            "km/hr",
        ),
        _record(
            "WalkingStepLength",
            "iPhone",
            "2020-09-16 18:10:00 -0700",
            "2020-09-16 18:11:00 -0700",
            "71",
            "cm",
        ),
        _record(
            "WalkingAsymmetryPercentage",
            "iPhone",
            "2020-09-16 18:10:00 -0700",
            "2020-09-16 18:11:00 -0700",
            "0.04",
            "%",
        ),
        _record(
            "WalkingDoubleSupportPercentage",
            "iPhone",
            "2020-09-16 18:10:00 -0700",
            "2020-09-16 18:11:00 -0700",
            "0.294",
            "%",
        ),
        _record(
            "WalkingDoubleSupportPercentage",
            "iPhone",
            "2020-09-16 18:20:00 -0700",
            "2020-09-16 18:21:00 -0700",
            "29.0",
            "%",
        ),
        _record(
            "AppleWalkingSteadiness",
            "iPhone",
            "2020-09-14 00:00:00 -0700",
            "2020-09-21 00:00:00 -0700",
            "0.95",
            "%",
        ),
    ]
    workout = (
        '<Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="38.5" '
        'durationUnit="min" totalDistance="2.95" totalDistanceUnit="km" totalEnergyBurned="150" '
        'totalEnergyBurnedUnit="kcal" sourceName="Anna’s Apple Watch" '
        'startDate="2020-09-16 18:00:00 -0700" endDate="2020-09-16 18:40:00 -0700">'
        '<MetadataEntry key="HKTimeZone" value="America/Los_Angeles"/>'
        '<MetadataEntry key="HKElevationAscended" value="1520 cm"/>'
        f"{route}</Workout>"
    )
    running = workout.replace("Walking", "Running").replace("18:", "20:")
    return _apple("".join(records) + workout + running)


def test_apple_walk_steps_metrics_and_local_day(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(_walk_export())
    assert detect_summary_format(path) == "apple_health"
    (walk,) = read_walk_summaries(path)
    # The Watch (sum 4460) beats the iPhone (4140 + 50): the two are never added.
    assert walk.steps == 4460
    assert walk.extra["steps_method"].startswith("StepCount records of the source")
    assert walk.distance_m == pytest.approx(2950.0)
    assert walk.walking_s == pytest.approx(38.5 * 60)
    assert walk.duration_s == pytest.approx(40 * 60)
    assert walk.cadence_spm == pytest.approx(60 * 4460 / 2310, abs=0.01)
    assert walk.speed_mps == pytest.approx(2950 / 2310, abs=0.001)
    assert walk.elevation_gain_m == pytest.approx(15.2)
    assert walk.extra["energy_kcal"] == pytest.approx(150.0)
    # Walking metrics: SI units, percentages as fractions (29.0 % read as 0.290).
    assert walk.extra["walking_speed_mps"] == pytest.approx(1.3, abs=1e-4)
    assert walk.extra["walking_step_length_m"] == pytest.approx(0.71)
    assert walk.stride_length_m == pytest.approx(1.42)
    assert walk.extra["walking_asymmetry_fraction"] == pytest.approx(0.04)
    assert walk.extra["walking_double_support_fraction"] == pytest.approx((0.294 + 0.29) / 2)
    assert walk.extra["walking_steadiness_fraction"] == pytest.approx(0.95)
    # 18:00 -0700 is 01:00 UTC the next day; the walk belongs to the 16th in Los Angeles.
    assert walk.start.astimezone(dt.UTC).date() == dt.date(2020, 9, 17)
    assert walk.start.date() == dt.date(2020, 9, 16)
    assert walk.start.tzinfo == ZoneInfo("America/Los_Angeles")
    # Running is not a walk unless asked for.
    assert len(read_apple_health(path, activities={"walking", "running"})) == 2
    # Progress for a progress bar: two passes over the file, ending at the total.
    calls: list[tuple[int, int]] = []
    read_apple_health(path, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] == 2 * path.stat().st_size
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))


def test_apple_daily_steps_deduplicate_sources_and_split_at_midnight(tmp_path: Path) -> None:
    body = "".join(
        [
            _steps("iPhone", "2020-09-16 10:00:00 -0800", "2020-09-16 10:30:00 -0800", 1000),
            _steps("Apple Watch", "2020-09-16 10:05:00 -0800", "2020-09-16 10:35:00 -0800", 1200),
            _steps("iPhone", "2020-09-16 11:10:00 -0800", "2020-09-16 11:20:00 -0800", 500),
            _steps("Apple Watch", "2020-09-16 23:30:00 -0800", "2020-09-17 00:30:00 -0800", 600),
            _steps("iPhone", "2020-09-16 23:50:00 -0800", "2020-09-16 23:55:00 -0800", 100),
            # A record in another zone still lands on its own local day.
            _steps("iPhone", "2020-09-18 23:10:00 +0900", "2020-09-18 23:20:00 +0900", 70),
        ]
    )
    path = tmp_path / "export.xml"
    path.write_bytes(_apple(body))
    expected = {
        dt.date(2020, 9, 16): 1200 + 500 + 300,  # hour 10: Watch; 11: iPhone; 23: Watch 300
        dt.date(2020, 9, 17): 300,
        dt.date(2020, 9, 18): 70,
    }
    assert read_apple_daily_steps(path) == expected
    assert read_daily_steps(path) == expected


def test_apple_zip_route_gives_moving_time_and_hills(tmp_path: Path) -> None:
    reference = "/workout-routes/route_2020-09-16_6.00pm.gpx"
    route = f'<WorkoutRoute><FileReference path="{reference}"/></WorkoutRoute>'
    path = tmp_path / "export.zip"
    path.write_bytes(fuzz.apple_zip_seed(_walk_export(route)))
    before = sorted(tmp_path.iterdir())
    (walk,) = read_walk_summaries(path)
    assert sorted(tmp_path.iterdir()) == before  # nothing extracted
    assert walk.extra["route"] == "route_2020-09-16_6.00pm.gpx"
    assert walk.extra["moving_time_source"] == "route"
    assert walk.walking_s == pytest.approx(38 * 60)
    assert walk.extra["elevation_gain_route_m"] == pytest.approx(19.0, abs=2.0)
    assert walk.elevation_gain_m == pytest.approx(15.2)  # barometric metadata wins
    # 19 m up over 38 min at 0.0008 degrees of latitude a minute (3380 m): 0.56 %.
    assert walk.mean_grade_pct == pytest.approx(100 * 19 / (38 * 0.0008 * 111_195), rel=0.2)
    assert "gentle_hills" in walk.extra
    assert walk.steps == 4460


def test_apple_real_sample_workout_and_route_reference(tmp_path: Path) -> None:
    path = sample("apple-health", "export.xml")
    assert read_walk_summaries(path) == []  # its only workout is a run
    (run,) = read_apple_health(path, activities={"running"})
    assert run.distance_m == pytest.approx(0.4971749504535062 * 1609.344, abs=0.01)
    assert run.extra["active_duration_s"] == pytest.approx(5.19412346680959 * 60, abs=0.1)
    assert run.extra["energy_kcal"] == pytest.approx(48.7)
    assert run.extra["route"] == "inline locations"
    # 07:25:41 -0700 in HKTimeZone America/Los_Angeles (PST in November) is 06:25:41 -0800.
    assert run.start.utcoffset() == dt.timedelta(hours=-8)
    assert run.start.replace(tzinfo=None) == dt.datetime(2016, 11, 14, 6, 25, 41)
    folder = sample("apple-health", "zip_contents") / "apple_health_export"
    (from_folder,) = read_apple_health(folder, activities={"running"})
    assert any("does not overlap" in note for note in from_folder.extra["file_notes"])
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for file in folder.rglob("*"):
            if file.is_file():
                out.write(file, str(file.relative_to(folder.parent)))
    (from_zip,) = read_apple_health(archive, activities={"running"})
    assert from_zip.source_hash == from_folder.source_hash == run.source_hash
    assert detect_summary_format(archive) == "apple_health"
    assert detect_summary_format(folder) == "apple_health"


def test_apple_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    record = (
        '<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" '
        'startDate="2020-09-16 18:{m:02d}:{s:02d} -0700" endDate="2020-09-16 18:{m:02d}:{s:02d} '
        '-0700" value="100"><MetadataEntry key="HKMetadataKeyHeartRateMotionContext" '
        'value="0"/></Record>\n'
    )
    records = "".join(record.format(m=(i // 60) % 60, s=i % 60) for i in range(9000))
    workout = (
        '<Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" '
        'durationUnit="min" startDate="2020-09-16 18:00:00 -0700" '
        'endDate="2020-09-16 18:30:00 -0700"/>'
    )
    path = tmp_path / "export.xml"
    path.write_bytes(_apple(records + workout))
    size = path.stat().st_size
    assert size > 2_000_000
    tracemalloc.start()
    try:
        (walk,) = read_apple_health(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert walk.extra["heart_rate_bpm_mean"] == pytest.approx(100.0)
    assert peak < size / 4, f"peak {peak} bytes for a {size} byte export"


# --- Fitbit ---------------------------------------------------------------------------------------


def test_fitbit_sample_totals_607_steps_and_one_walk() -> None:
    path = sample("fitbit-json", "steps-1995-06-23_Fitbit.json")
    assert detect_summary_format(path) == "fitbit_json"
    assert read_daily_steps(path) == {dt.date(1995, 6, 24): 607}  # README: 607 in total
    (walk,) = read_walk_summaries(path, default_tz="Europe/Amsterdam")
    # 16:21-16:25 have 79, 95, 98, 102, 90 steps (>= 60): five stepping minutes.
    assert walk.start == dt.datetime(1995, 6, 24, 16, 21, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert walk.end - walk.start == dt.timedelta(minutes=5)
    assert walk.steps == 79 + 95 + 98 + 102 + 90
    assert walk.cadence_spm == 95
    assert walk.walking_s == 300 and walk.moderate_s == 60 and walk.vigorous_s == 0


def test_fitbit_calories_are_not_steps(tmp_path: Path) -> None:
    calories = sample("fitbit-json", "calories-1995-06-23_Fitbit.json")
    assert detect_summary_format(calories) is None
    refused(read_daily_steps, calories, match="not a walk summary")
    renamed = tmp_path / "steps-renamed.json"
    renamed.write_bytes(calories.read_bytes())
    assert detect_summary_format(renamed) is None  # fractional values
    refused(read_walk_summaries, renamed, match="not a walk summary")


def test_fitbit_walk_rule_joins_short_gaps(tmp_path: Path) -> None:
    minutes = [70] * 3 + [0, 0] + [80] * 2 + [0, 0, 0] + [90] * 5 + [10] * 4 + [65] * 4
    entries = ",".join(
        f'{{"dateTime": "2021-03-04 07:{k:02d}:00", "value": "{v}"}}' for k, v in enumerate(minutes)
    )
    path = tmp_path / "steps-2021-03-04.json"
    path.write_text(f"[{entries}]")
    walks = read_fitbit_walks(path, default_tz=ZoneInfo("Europe/Paris"))
    # 3 + 2 stepping minutes joined across a 2-minute gap (5 stepping minutes: a walk);
    # a 3-minute gap splits; the last run has only 4 stepping minutes (too short).
    assert [(w.start.minute, w.extra["stepping_minutes"]) for w in walks] == [(0, 5), (10, 5)]
    assert walks[0].steps == 3 * 70 + 2 * 80 and walks[0].duration_s == 7 * 60


def test_fitbit_web_api_layout(tmp_path: Path) -> None:
    path = tmp_path / "intraday.json"
    path.write_bytes(fuzz.fitbit_seeds()[1])
    assert detect_summary_format(path) == "fitbit_json"
    assert read_daily_steps(path) == {dt.date(2021, 3, 4): 787}


# --- Re-import and duplicates ---------------------------------------------------------------------


def test_same_workout_from_two_apps_counts_once(tmp_path: Path) -> None:
    # The FIT walk re-exported as GPX from its own records (another app's export).
    rows = _records_csv(sample("garmin-fit", "garmin-fenix-5-walk-records.csv"))
    points = []
    for row in rows:
        when = dt.datetime.strptime(row["timestamp"].replace(" PDT", ""), "%a %b %d %H:%M:%S %Y")
        stamp = when.replace(tzinfo=PDT).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = int(row["position_lat"]) * 180 / 2**31
        lon = int(row["position_long"]) * 180 / 2**31
        points.append((stamp, lat, lon, float(row["altitude"])))
    gpx = tmp_path / "walk.gpx"
    gpx.write_bytes(_gpx(points))
    (from_gpx,) = read_walk_summaries(gpx, default_tz="America/Los_Angeles")
    (from_fit,) = read_walk_summaries(sample("garmin-fit", "garmin-fenix-5-walk.fit"))
    assert from_gpx.distance_m == pytest.approx(from_fit.distance_m, rel=0.02)
    assert from_gpx.source_hash == from_fit.source_hash
    assert same_workout(from_gpx, from_fit)
    (kept,) = deduplicate_walks([from_gpx, from_fit])
    assert set(kept.extra["duplicate_hashes"]) == {from_fit.source_hash}
    # Reading the same file twice gives the same hashes.
    again = read_walk_summaries(sample("garmin-fit", "garmin-fenix-5-walk.fit"))
    assert again[0].source_hash == from_fit.source_hash


def _walk_at(start: dt.datetime, distance: float | None, activity: str = "walking") -> Walk:
    return Walk(
        start=start,
        end=start + dt.timedelta(minutes=30),
        source="test",
        source_hash=summary_hash(start, activity, distance),
        distance_m=distance,
        extra={"activity": activity},
    )


def test_summary_hash_rounding_and_the_exact_rule() -> None:
    start = dt.datetime(2024, 5, 1, 10, 0, 5, tzinfo=dt.UTC)
    a = _walk_at(start, 5000.0)
    b = _walk_at(start + dt.timedelta(seconds=20), 5020.0)
    assert a.source_hash == b.source_hash
    assert summary_hash(start, "hiking", 5000.0) == a.source_hash  # walking class
    assert summary_hash(start, "running", 5000.0) != a.source_hash
    assert same_workout(a, b)
    assert not same_workout(a, _walk_at(start + dt.timedelta(seconds=61), 5000.0))
    assert not same_workout(a, _walk_at(start, 5110.0))  # 2.2% apart
    assert not same_workout(a, _walk_at(start, 5000.0, "cycling"))
    # Near a bin edge the hashes can differ; the exact rule still merges them.
    c = _walk_at(dt.datetime(2024, 5, 1, 10, 0, 29, tzinfo=dt.UTC), 5000.0)
    d = _walk_at(dt.datetime(2024, 5, 1, 10, 0, 31, tzinfo=dt.UTC), 5000.0)
    assert c.source_hash != d.source_hash and len(deduplicate_walks([c, d])) == 1


# --- Hostile and bad input ------------------------------------------------------------------------

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE {root} [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">'
        for k in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("bomb.gpx", '<gpx version="1.1" creator="x"><trk><name>&lol9;</name></trk></gpx>'),
        (
            "bomb.tcx",
            "<TrainingCenterDatabase><Activities>&lol9;</Activities></TrainingCenterDatabase>",
        ),
        ("export.xml", '<HealthData locale="en"><Record type="&lol9;"/></HealthData>'),
    ],
)
def test_billion_laughs_is_refused_quickly(tmp_path: Path, name: str, document: str) -> None:
    root = re.match(r"<(\w+)", document).group(1)  # type: ignore[union-attr]
    path = tmp_path / name
    path.write_text('<?xml version="1.0"?>\n' + BILLION_LAUGHS_DTD.format(root=root) + document)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        refused(read_walk_summaries, path, match="entit|DTD")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 2_000_000


def test_external_entity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(
        _apple(
            '<Record type="&xxe;"/>',
            dtd='<!DOCTYPE HealthData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
        )
    )
    refused(read_walk_summaries, path, match="entit")
    refused(read_daily_steps, path, match="entit")


def test_huge_tag_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(_apple("").replace(b'locale="en_US"', b'locale="' + b"a" * 2_000_000 + b'"'))
    refused(read_daily_steps, path, match="longer than")
    tcx = tmp_path / "big.tcx"
    tcx.write_bytes(fuzz.tcx_seed().replace(b"<Id>", b"<Id>" + b"x" * 2_000_000))
    refused(read_tcx, tcx, match="longer than")
    refused(read_capped, tcx, 1000, match="larger than")


def test_zip_bomb_by_ratio_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    xml = b'<HealthData locale="en">' + b" " * 60_000_000 + b"</HealthData>"
    path.write_bytes(fuzz.zip_bytes({"apple_health_export/export.xml": xml}))
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    refused(read_walk_summaries, path, match="zip bomb")
    assert time.perf_counter() - started < 2


def _patch_declared_size(data: bytes, size: int) -> bytes:
    """Make a one-member zip claim an uncompressed ``size`` in both of its headers."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    out[local + 22 : local + 26] = struct.pack("<I", size)
    central = out.find(b"PK\x01\x02")
    out[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(out)


def test_zip_member_larger_than_declared_is_refused(tmp_path: Path) -> None:
    xml = fuzz.apple_seed() + b"<!--" + b"x" * 5_000_000 + b"-->"
    path = tmp_path / "export.zip"
    path.write_bytes(_patch_declared_size(fuzz.zip_bytes({"export.xml": xml}), 4000))
    refused(read_walk_summaries, path, match="could not be read to the end")


def test_zip_caps_entries_and_uncompressed_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(fuzz.apple_zip_seed())
    refused(read_apple_health, path, max_uncompressed_bytes=1000, match="more than")
    monkeypatch.setattr(zip_module, "MAX_ENTRIES", 1)
    refused(read_apple_health, path, match="entries")


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt", "C:\\evil"])
def test_zip_with_paths_outside_is_refused(tmp_path: Path, member: str) -> None:
    path = tmp_path / "inner" / "export.zip"
    path.parent.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("apple_health_export/export.xml", fuzz.apple_seed())
        info = zipfile.ZipInfo("placeholder")
        info.filename = member  # ZipInfo would normalise the name; keep it hostile
        archive.writestr(info, b"owned")
    path.write_bytes(buffer.getvalue())
    refused(read_walk_summaries, path, match="unsafe path")
    assert not (tmp_path / "evil.txt").exists()


def test_route_reference_outside_the_export_is_ignored(tmp_path: Path) -> None:
    route = '<WorkoutRoute><FileReference path="/../../secret.gpx"/></WorkoutRoute>'
    folder = tmp_path / "apple_health_export"
    folder.mkdir()
    (tmp_path / "secret.gpx").write_bytes(fuzz.route_gpx_seed())
    (folder / "export.xml").write_bytes(_walk_export(route))
    (walk,) = read_walk_summaries(folder)
    assert "route" not in walk.extra
    assert any("leaves the export" in note for note in walk.extra["file_notes"])


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", UnsupportedFormatError),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), UnsupportedFormatError),
        (b"time_s,acc_x,acc_y,acc_z\n0,1,2,3\n", UnsupportedFormatError),
        (b"<html><body>hi</body></html>", UnsupportedFormatError),
        (
            b'<?xml version="1.0"?><gpx version="1.1"><wpt lat="1" lon="2"/></gpx>',
            InvalidInputError,
        ),
        (b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt', InvalidInputError),
        (b"<TrainingCenterDatabase><Activities/></TrainingCenterDatabase>", InvalidInputError),
        (b'<HealthData locale="en"><Record', InvalidInputError),
        (
            b'[{"dateTime": "06/24/95 16:00:00", "value": "12"}, {"dateTime": "x", "value": "1"}]',
            InvalidInputError,
        ),
        (b"PK\x03\x04" + bytes(60), UnsupportedFormatError),
    ],
)
def test_bad_files_give_one_sentence(tmp_path: Path, content: bytes, error: type) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        read_walk_summaries(path)
    assert_one_sentence(str(info.value))


def test_missing_paths_folders_and_zones(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        read_walk_summaries(tmp_path / "nope.gpx")
    with pytest.raises(InputNotFoundError):
        detect_summary_format(tmp_path / "nope.gpx")
    assert detect_summary_format(tmp_path) is None
    refused(read_walk_summaries, tmp_path, match="not a walk summary")
    refused(read_daily_steps, sample("tcx", "test.tcx"), match="not daily step counts")
    refused(read_walk_summaries, sample("tcx", "test.tcx"), default_tz="Mars/Base", match="zone")
    refused(read_walk_summaries, sample("tcx", "test.tcx"), default_tz="../etc", match="zone")


def test_odd_file_names_still_give_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname\x1b.gpx"
    path.write_bytes(b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt')
    message = refused(read_walk_summaries, path, match="not well-formed")
    assert "bad name" in message


def test_many_namespaces_are_refused(tmp_path: Path) -> None:
    attributes = " ".join(f'xmlns:n{k}="u{k}"' for k in range(300))
    path = tmp_path / "ns.gpx"
    path.write_text(f'<?xml version="1.0"?><gpx version="1.1" {attributes}></gpx>')
    refused(read_walk_summaries, path, match="namespaces")


# --- Short fuzz (the long one: tests/fuzz/fuzz_summaries.py --runs 10000) -------------------------

FUZZ_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
SEEDS = fuzz.seeds()


@pytest.mark.parametrize("fmt", fuzz.FORMATS)
@FUZZ_SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_inputs_raise_only_backstride_errors(
    tmp_path: Path, fmt: str, rng: random.Random
) -> None:
    name, data = rng.choice(SEEDS[fmt])
    path = tmp_path / name
    path.write_bytes(fuzz.mutate_for(fmt, rng, data))
    assert fuzz.read_everything(path) in {"read", "refused"}


def test_deduplicate_keeps_walks_far_apart() -> None:
    """Walks days apart are all kept (a look-back that stops early must not drop them)."""
    import datetime as _dt

    from backstride.io.summaries import deduplicate_walks
    from backstride.walks import Walk

    start = _dt.datetime(2026, 3, 2, 8, 0, tzinfo=_dt.UTC)
    walks = [
        Walk(start=start + _dt.timedelta(days=k), end=start + _dt.timedelta(days=k, minutes=30),
             source="app", source_hash=f"w{k}", distance_m=2000.0 + k)
        for k in range(3)
    ]  # fmt: skip
    assert [w.source_hash for w in deduplicate_walks(walks)] == ["w0", "w1", "w2"]
