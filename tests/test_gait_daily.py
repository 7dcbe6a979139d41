"""Per-day walking measures: calendar days in the wearer's time zone, every day listed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from backstride.gait.daily import DAY_COLUMNS, daily_measures
from backstride.gait.pipeline import BOUT_COLUMNS, analyze
from backstride.output import to_json_document, write_out_dir
from backstride.recording import STANDARD_GRAVITY, Recording

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ZoneInfo("Europe/Berlin")


def _bouts(rows: list[tuple[float, float, int, float, float]]) -> pd.DataFrame:
    """Bouts from (start_s, duration_s, n_steps, cadence_spm, speed_mps)."""
    table = pd.DataFrame(
        [
            {
                "bout_id": k, "start_s": s, "end_s": s + d, "duration_s": d, "n_steps": n,
                "cadence_spm": c, "walking_speed_mps": v, "stride_length_m": 120 * v / c,
                "moderate_s": d if c >= 100 else 0.0, "vigorous_s": d if c >= 130 else 0.0,
            }
            for k, (s, d, n, c, v) in enumerate(rows)
        ]
    )  # fmt: skip
    return table.reindex(columns=BOUT_COLUMNS)


def _days(bouts: pd.DataFrame, start: dt.datetime | None, duration_s: float) -> pd.DataFrame:
    """daily_measures with each bout's steps spread evenly over it, and its whole seconds
    at its own cadence (what an analysis's steps and per-second tables hold)."""
    contacts = np.concatenate(
        [np.linspace(b.start_s, b.end_s, int(b.n_steps)) for b in bouts.itertuples()]
        or [np.zeros(0)]
    )
    seconds = [
        (second, b.cadence_spm)
        for b in bouts.itertuples()
        for second in range(int(np.ceil(b.start_s)), int(np.floor(b.end_s)))
    ]
    per_second = pd.DataFrame(seconds, columns=["second", "cadence_spm"])
    return daily_measures(bouts, start, duration_s, contacts, per_second)


def test_days_follow_the_local_calendar_across_a_clock_change() -> None:
    # Berlin moved its clocks forward on 31 March 2024: that day has 23 hours
    start = dt.datetime(2024, 3, 30, 22, 0, tzinfo=BERLIN)
    days = _days(_bouts([]), start, 30 * 3600.0)
    assert days["day"].tolist() == ["2024-03-30", "2024-03-31", "2024-04-01"]
    assert days["recorded_s"].tolist() == [2 * 3600.0, 23 * 3600.0, 5 * 3600.0]
    assert days["n_bouts"].tolist() == [0, 0, 0]
    assert days["cadence_spm"].isna().all()


def test_bouts_belong_to_the_day_they_start_their_time_is_split_at_midnight() -> None:
    start = dt.datetime(2024, 6, 1, 23, 0, tzinfo=BERLIN)
    bouts = _bouts(
        [
            (600.0, 20.0, 30, 95.0, 1.0),  # 23:10 on 1 June
            (3590.0, 80.0, 129, 110.0, 1.3),  # 23:59:50, runs past midnight
            (3 * 3600.0, 45.0, 80, 120.0, 1.4),  # 02:00 on 2 June
            (4 * 3600.0, 8.0, 12, 90.0, 0.8),  # 03:00 on 2 June
        ]
    )
    bouts["step_time_ratio"] = [1.02, 1.30, np.nan, 1.10]  # one bout's feet unknown
    days = _days(bouts, start, 5 * 3600.0)
    one, two = days.to_dict(orient="records")
    assert (one["day"], two["day"]) == ("2024-06-01", "2024-06-02")
    # a limp's median over the day's bouts that measured it
    assert one["step_time_ratio"] == pytest.approx(1.16)
    assert two["step_time_ratio"] == pytest.approx(1.10)
    # the bout that crosses midnight counts on the day it started ...
    assert (one["n_bouts"], two["n_bouts"]) == (2, 2)
    # ... but its 10 s before midnight and 70 s after go to their own days, as do its steps
    # (one every 0.625 s from 23:59:50: 16 before midnight, 113 from it) and its moderate
    # seconds
    assert one["walking_s"] == pytest.approx(20.0 + 10.0)
    assert two["walking_s"] == pytest.approx(70.0 + 45.0 + 8.0)
    assert (one["steps"], two["steps"]) == (30 + 16, 113 + 80 + 12)
    assert one["moderate_s"] == pytest.approx(10.0)
    assert two["moderate_s"] == pytest.approx(70.0 + 45.0)
    assert one["longest_bout_s"] == pytest.approx(80.0)
    assert (one["n_bouts_10s"], one["n_bouts_30s"], one["n_bouts_60s"]) == (2, 1, 1)
    assert (two["n_bouts_10s"], two["n_bouts_30s"], two["n_bouts_60s"]) == (1, 1, 0)
    assert one["cadence_spm"] == pytest.approx(102.5)  # median of 95 and 110
    assert one["walking_speed_mps"] == pytest.approx(1.15)
    assert one["walking_speed_30s_mps"] == pytest.approx(1.3)  # only the 80-s bout
    assert two["walking_speed_30s_mps"] == pytest.approx(1.4)
    assert one["recorded_s"] == pytest.approx(3600.0)
    assert two["recorded_s"] == pytest.approx(4 * 3600.0)


def test_turns_count_on_the_day_they_start() -> None:
    start = dt.datetime(2024, 6, 1, 23, 0, tzinfo=BERLIN)
    bouts = _bouts([(3590.0, 80.0, 129, 110.0, 1.3)])  # 23:59:50, runs past midnight
    contacts = np.linspace(3590.0, 3670.0, 129)
    per_second = pd.DataFrame({"second": [3600.0], "cadence_spm": [110.0]})
    turns = [3595.0, 3599.9, 3600.0, 3650.0]  # two before midnight, two from it
    days = daily_measures(bouts, start, 2 * 3600.0, contacts, per_second, turns)
    assert days["n_turns"].tolist() == [2, 2]
    # the bout counts on the day it starts, its turns on theirs
    assert days["n_bouts"].tolist() == [1, 0]
    assert daily_measures(bouts, start, 2 * 3600.0, contacts, per_second)["n_turns"].isna().all()


def test_without_a_start_time_days_are_24_hour_periods() -> None:
    bouts = _bouts([(100.0, 30.0, 50, 100.0, 1.2), (90000.0, 30.0, 52, 104.0, 1.25)])
    days = _days(bouts, None, 2.5 * 86400)
    assert days["day"].tolist() == ["day 1", "day 2", "day 3"]
    assert days["recorded_s"].tolist() == [86400.0, 86400.0, 43200.0]
    assert days["n_bouts"].tolist() == [1, 1, 0]
    assert days["steps"].tolist() == [50, 52, 0]


def test_a_short_recording_is_one_partial_day() -> None:
    days = _days(_bouts([]), dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC), 120.0)
    assert days["day"].tolist() == ["2024-01-01"]
    assert days["recorded_s"].tolist() == [120.0]
    assert list(days.columns) == DAY_COLUMNS


@pytest.fixture(scope="module")
def around_midnight() -> Recording:
    """40 min of the real daily-life trial (tiled), starting at 23:40 Berlin time."""
    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    acc = df[["acc_x", "acc_y", "acc_z"]].to_numpy(np.float64) * STANDARD_GRAVITY
    gyr = df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(np.float64)
    n = 40 * 60 * 100
    return Recording(
        acc=np.resize(acc, (n, 3)),
        gyr=np.resize(gyr, (n, 3)),
        sample_rate_hz=100.0,
        start=dt.datetime(2024, 6, 1, 23, 40, tzinfo=BERLIN),
        sensor_height_m=0.964,
        name="midnight",
    )


def test_an_analysis_reports_its_days(around_midnight: Recording, tmp_path: Path) -> None:
    result = analyze(around_midnight)
    days = result.days
    assert days["day"].tolist() == ["2024-06-01", "2024-06-02"]
    assert days["recorded_s"].tolist() == [1200.0, 1200.0]
    # the days add up to the recording's totals
    assert days["n_bouts"].sum() == result.summary["n_bouts"] > 20
    assert days["steps"].sum() == result.summary["steps"]
    assert days["walking_s"].sum() == pytest.approx(result.summary["walking_s"])
    assert days["moderate_s"].sum() == result.summary["moderate_s"]
    assert days["vigorous_s"].sum() == result.summary["vigorous_s"]
    # the daily-life trial turns again and again; each turn on the day it starts
    assert days["n_turns"].sum() == result.summary["n_turns"] > 20
    assert days["n_turns"].iloc[0] == (result.turns["start_s"] < 1200).sum()
    assert (days["walking_s"] <= days["recorded_s"]).all()
    first_day = (result.bouts["start_s"] < 1200).sum()
    assert days["n_bouts"].iloc[0] == first_day

    write_out_dir(tmp_path, [result], ROOT / "README.md", {})
    written = pd.read_csv(tmp_path / "days.csv")
    assert written["day"].tolist() == ["2024-06-01", "2024-06-02"]
    assert written["steps"].tolist() == days["steps"].tolist()
    doc = json.loads(json.dumps(to_json_document([result])))
    assert [d["day"] for d in doc["days"]] == ["2024-06-01", "2024-06-02"]
    assert doc["days"][0]["steps"] == int(days["steps"].iloc[0])
    assert doc["days"][1]["n_turns"] == int(days["n_turns"].iloc[1])
    assert written["n_turns"].tolist() == days["n_turns"].tolist()
    # without a gyroscope the days cannot tell turns either
    blind = analyze(dataclasses.replace(around_midnight, gyr=None)).days
    assert blind["n_turns"].isna().all() and blind["steps"].sum() > 0


def test_days_follow_the_time_zone_the_file_names() -> None:
    """Mobilise-D stores UTC start times and names the zone: days are local days there."""
    rec = Recording(
        acc=np.tile([9.81, 0.0, 0.0], (100 * 600, 1)),
        sample_rate_hz=100.0,
        start=dt.datetime(2024, 6, 1, 22, 30, tzinfo=dt.UTC),  # 00:30 in Berlin
        meta={"time_zone": "Europe/Berlin"},
    )
    assert analyze(rec).days["day"].tolist() == ["2024-06-02"]
    utc_only = Recording(acc=rec.acc, sample_rate_hz=100.0, start=rec.start)
    assert analyze(utc_only).days["day"].tolist() == ["2024-06-01"]


def test_analyze_command_takes_a_time_zone(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from backstride.cli import main

    cwa = ROOT / "data" / "devices" / "axivity-cwa" / "ax3_sample.cwa"
    out = tmp_path / "a.json"
    args = ["analyze", str(cwa), "--time-zone", "Asia/Tokyo", "--json", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    start = dt.datetime.fromisoformat(json.loads(out.read_text())["recording"]["start"])
    assert start.utcoffset() == dt.timedelta(hours=9)
    bad = CliRunner().invoke(main, ["analyze", str(cwa), "--time-zone", "Nowhere/Land"])
    assert bad.exit_code == 2
    assert "IANA" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("year", [1970, 9999])
def test_a_clock_never_set_gives_24_hour_periods_not_its_calendar(year: int) -> None:
    """A start of 9999-12-31 ended the analysis in 'internal error: OverflowError: date
    value out of range' (there is no next day); 1970 gave days of a year nobody walked in."""
    rec = Recording(
        acc=np.tile([9.81, 0.0, 0.0], (100 * 600, 1)),
        sample_rate_hz=100.0,
        start=dt.datetime(year, 12, 31, 23, 55, tzinfo=dt.UTC),
    )
    result = analyze(rec)
    assert result.days["day"].tolist() == ["day 1"]
    assert result.days["recorded_s"].tolist() == [600.0]
    assert any(n.startswith(f"the start, {year}-12-31, is no real date") for n in
               result.recording["notes"])  # fmt: skip
