"""The walking program driven through the real CLI against a real database (both backends).

A simulated 12-week program: a pain flare in week 3, a missed week 4, a red flag at the
week-6 review (which stops the program), a new screening after a clinician's check, and
six more weeks. Decisions and their reasons are asserted, and so is the bounded increase.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from backstride.cli import main
from backstride.program import load_instruments
from backstride.settings import get_settings

from messages import assert_one_sentence
from synthetic import walking_signal
from wear_signals import HOUR, on_a_table, walking, write_csv

START = dt.date(2026, 3, 2)  # a Monday; the clocks change in Europe on 29 March
RED_FLAG_ITEMS = [item.id for item in load_instruments()["red_flags"].items]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    monkeypatch.setenv("BACKSTRIDE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, today: dt.date, ok: bool = True) -> Any:
        monkeypatch.setenv("BACKSTRIDE_TODAY", today.isoformat())
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield run
    get_settings.cache_clear()


def _answers(tmp: Path, name: str, red_flag: str | None = None, **extra: Any) -> str:
    doc = {"red_flags": {item: item == red_flag for item in RED_FLAG_ITEMS}, **extra}
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(doc))
    return str(path)


SCREEN = {
    "pain_nrs": {"average_last_week": 4},
    "psfs": {"activities": [
        {"activity": "gardening", "rating": 4},
        {"activity": "sitting through a film", "rating": 5},
        {"activity": "carrying shopping", "rating": 6},
    ]},
    "walking_now": {"days_per_week": 3, "minutes_per_day": 15},
}  # fmt: skip


def _do_week(run: Any, week_start: dt.date, *, walk: bool = True, flare: bool = False) -> None:
    """Walk the planned sessions (by reading the plan) and log pain each walking day."""
    today = week_start
    plan = json.loads(run("plan", "--json", today=today).output)
    assert plan["start_date"] == week_start.isoformat()
    end = week_start + dt.timedelta(days=6)
    if walk:
        for session in plan["sessions"]:
            day = session["date"]
            run("log", "walk", "--minutes", str(session["minutes"]), "--date", day, today=end)
    for offset in range(7):
        day = week_start + dt.timedelta(days=offset)
        score = 7 if flare and offset in (2, 3, 4) else 3
        if offset in (0, 2, 3, 4, 6):
            run("log", "pain", str(score), "--date", day.isoformat(), today=end)
    if walk:
        for offset in plan["core_days"]:
            day = (week_start + dt.timedelta(days=offset)).isoformat()
            run("log", "core", "glute_bridge", "--sets", "2", "--reps", "8", "--date", day,
                today=end)  # fmt: skip


def _review(run: Any, tmp: Path, week_start: dt.date, red_flag: str | None = None) -> Any:
    answers = _answers(tmp, f"review-{week_start}", red_flag)
    out = run("review", "--answers", answers, "--json", today=week_start + dt.timedelta(days=7))
    return json.loads(out.output)


def test_twelve_week_program(cli: Any, tmp_path: Path) -> None:
    run = cli
    run("init", "--name", "ana", "--height-m", "1.65", "--time-zone", "Europe/Berlin",
        today=START)  # fmt: skip
    screened = json.loads(
        run("screen", "--answers", _answers(tmp_path, "s1", **SCREEN), "--json", today=START).output
    )
    assert screened["screening"]["stop"] is False
    first_minutes = screened["plan"]["sessions"]
    assert sum(s["minutes"] for s in first_minutes) <= 3 * 15  # starts from what she does now

    decisions: dict[int, dict[str, Any]] = {}
    weekly_minutes: list[int] = [sum(s["minutes"] for s in first_minutes)]
    for week in range(1, 7):
        start = START + dt.timedelta(weeks=week - 1)
        _do_week(run, start, walk=week != 4, flare=week == 3)
        decisions[week] = _review(run, tmp_path, start, "saddle_numbness" if week == 6 else None)
        nxt = decisions[week]["next_plan"]
        if nxt is not None:
            weekly_minutes.append(sum(s["minutes"] for s in nxt["sessions"]))

    assert decisions[1]["decision"] == "progress"
    assert decisions[2]["decision"] == "progress"
    assert decisions[3]["decision"] == "regress"
    assert any("flare" in r.lower() for r in decisions[3]["reasons"])
    assert decisions[4]["decision"] == "regress"
    assert decisions[4]["missed"] is True
    assert any("restart" in r.lower() or "missed" in r.lower() or "did not" in r.lower()
               for r in decisions[4]["reasons"])  # fmt: skip
    assert decisions[5]["decision"] in {"progress", "hold"}
    assert decisions[6]["decision"] == "stop"
    assert decisions[6]["next_plan"] is None
    assert any("emergency" in a.lower() for a in decisions[6]["advice"])
    for before, after in itertools.pairwise(weekly_minutes):
        assert after - before <= 10  # bounded weekly increase

    # stopped: no plan until a new screening
    week7 = START + dt.timedelta(weeks=6)
    stopped = run("plan", today=week7, ok=False)
    assert stopped.exit_code == 2
    assert "stopped for safety" in stopped.output

    # after a clinician's check, a new screening restarts the program
    rescreen = json.loads(
        run("screen", "--answers", _answers(tmp_path, "s2", **SCREEN), "--json", today=week7).output
    )
    assert rescreen["screening"]["stop"] is False
    later = {}
    for k in range(6):
        start = week7 + dt.timedelta(weeks=k)
        _do_week(run, start)
        later[k + 1] = _review(run, tmp_path, start)
    assert all(r["decision"] == "progress" for r in later.values()), [
        (r["decision"], r["reasons"]) for r in later.values()
    ]
    assert all(r["reasons"] for r in later.values())

    report = tmp_path / "report.html"
    progress = run("progress", "--out", str(report), "--json", today=week7 + dt.timedelta(weeks=6))
    doc = json.loads(progress.output)
    assert len(doc["weeks"]) == 7  # the restarted program: 6 reviewed weeks and the next plan
    assert report.read_text().count("<img") == 6
    assert doc["gait"] == []  # walks logged by hand measure no gait


def test_bad_input_writes_nothing(cli: Any, tmp_path: Path) -> None:
    run = cli
    run("init", "--name", "ben", "--time-zone", "Europe/London", today=START)
    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    before = json.loads(run("export", today=START).output)
    cases = [
        (("log", "pain", "11"), "0 to 10"),
        (("log", "walk", "--minutes", "-5"), "--minutes"),
        (("log", "walk", "--minutes", "20", "--date", "2026-02-30"), "real date"),
        (("log", "walk", "--minutes", "20", "--date", "2027-01-01"), "future"),
        (("log", "core", "crunches", "--reps", "10"), "not one of"),
        (("plan", "--person", "nobody"), "nobody"),
        (("import", str(tmp_path / "missing.csv")), "No file"),
    ]
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_text("time_s,acc_x,acc_y,acc_z\n0,1,0,0\n0.01,x,0,0\n")
    cases.append((("import", str(corrupt)), "non-numeric"))
    for args, expect in cases:
        result = run(*args, today=START, ok=False)
        assert result.exit_code == 2, (args, result.output)
        assert expect.lower() in result.output.lower(), (args, result.output)
        assert "Traceback" not in result.output
    after = json.loads(run("export", today=START).output)
    for table in ("walks", "pain", "core", "screenings", "reviews"):
        assert after[table] == before[table]


def test_a_week_is_reviewed_only_after_it_has_ended(cli: Any, tmp_path: Path) -> None:
    """QA: reviewing on a week's first or last day judged the days to come as days without a
    walk (REGRESS, "7 days in a row without a walk"); now it is refused and nothing is stored."""
    run = cli
    run("init", "--name", "Alice", "--time-zone", "Europe/Berlin", today=START)
    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    answers = _answers(tmp_path, "review")
    week2 = START + dt.timedelta(weeks=1)

    def refused(*args: str, today: dt.date, says: str) -> None:
        result = run("review", "--person", "Alice", *args, today=today, ok=False)
        said = " ".join(result.output.split())
        assert result.exit_code == 2, said
        assert said == f"error: {says}", said
        assert_one_sentence(said)

    not_ended = (
        "Week 1 has not ended yet (it runs until Sun 2026-03-08); it can be reviewed from "
        "Mon 2026-03-09."
    )
    before = json.loads(run("export", today=START).output)
    refused("--answers", answers, today=START, says=not_ended)  # the week's first day
    refused("--answers", answers, "--week", "1", "--json", today=START, says=not_ended)
    _do_week(run, START)
    logged = json.loads(run("export", today=START).output)
    refused("--answers", answers, today=week2 - dt.timedelta(days=1), says=not_ended)  # last day
    refused(today=START, says=not_ended)  # refused before any safety question is asked
    for week in ("0", "-1"):
        refused("--answers", answers, "--week", week, today=week2,
                says=f"Weeks are numbered from 1; there is no week {week}.")  # fmt: skip
    refused("--answers", answers, "--week", "5", today=week2,
            says="Week 1 is the week to review next; week 5 has not been planned yet.")  # fmt: skip
    after = json.loads(run("export", today=START).output)
    for table in ("screenings", "plan_weeks", "reviews"):
        assert after[table] == before[table] == logged[table], table
    assert after["reviews"] == [] and [w["week"] for w in after["plan_weeks"]] == [1]

    # The day after the last day: the week is judged on all seven days, and it went to plan.
    reviewed = run("review", "--person", "Alice", "--answers", answers, "--json", today=week2)
    week1 = json.loads(reviewed.output)
    assert (week1["week"], week1["decision"]) == (1, "progress"), week1["reasons"]
    assert not any("days in a row without a walk" in r for r in week1["reasons"])
    assert week1["next_plan"]["week"] == 2
    # Week 2 has just begun: its review waits until Monday 16 March.
    refused("--answers", answers, today=week2,
            says="Week 2 has not ended yet (it runs until Sun 2026-03-15); it can be reviewed "
            "from Mon 2026-03-16.")  # fmt: skip
    stored = json.loads(run("export", today=week2).output)
    assert [r["week"] for r in stored["reviews"]] == [1]
    assert [w["week"] for w in stored["plan_weeks"]] == [1, 2]
    assert "Weeks are numbered from 1" in run("plan", "--week", "0", today=week2, ok=False).output


def test_import_twice_counts_once_and_forget_deletes(cli: Any, tmp_path: Path) -> None:
    run = cli
    mat = Path(__file__).resolve().parents[1] / "data" / "mobilised-lab" / "HA-001" / "data.mat"
    run("init", "--name", "cleo", "--height-m", "1.59", "--time-zone", "Europe/Berlin",
        today=START)  # fmt: skip
    first = json.loads(run("import", str(mat), "--json", today=START).output)
    second = json.loads(run("import", str(mat), "--json", today=START).output)
    assert first["result"]["added"] == 3
    assert second["result"] == {"added": 0, "skipped_duplicates": 3, "replaced": 0}
    walks = json.loads(run("export", today=START).output)["walks"]
    assert len(walks) == 3
    assert all(w["cadence_spm"] and w["steps"] for w in walks)
    # the sensor has a gyroscope, so every walk knows its feet: even steps, as walked
    assert all(1 <= w["step_time_ratio"] < 1.2 for w in walks), walks
    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    gait = json.loads(run("progress", "--json", today=START).output)["gait"]
    by_start = sorted(walks, key=lambda w: w["start"])
    assert [g["speed_mps"] for g in gait] == [w["speed_mps"] for w in by_start]
    assert [g["step_time_ratio"] for g in gait] == [w["step_time_ratio"] for w in by_start]
    run("forget", "--yes", today=START)
    missing = run("export", today=START, ok=False)
    assert missing.exit_code == 2


def test_output_paths_that_cannot_be_written_are_one_sentence(cli: Any, tmp_path: Path) -> None:
    """A folder given for a file, a file given for a folder, or a file in a file's place."""
    run = cli
    run("init", "--name", "eve", "--height-m", "1.6", "--time-zone", "Europe/Berlin", today=START)
    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    taken = tmp_path / "taken"
    taken.write_text("")
    for args, says in (
        (("progress", "--out", str(tmp_path)), "is a folder; give the name of a file"),
        (("calendar", "--out", str(tmp_path)), "is a folder; give the name of a file"),
        (("export", "--format", "csv", "--out", str(taken)), "is a file; CSV export"),
        (("export", "--out", str(taken / "x.json")), "cannot be written inside it"),
        # was an OS error, 'Not a directory: .../taken/sub'
        (("export", "--format", "csv", "--out", str(taken / "sub")), "cannot be written inside"),
    ):
        result = run(*args, today=START, ok=False)
        said = " ".join(result.output.split())
        assert result.exit_code == 2 and says in said, said
        assert "Traceback" not in said and ".tmp" not in said
    assert not list(tmp_path.glob(".*.tmp"))
    csv = Path(__file__).resolve().parents[1] / "data" / "mobilised-lab" / "HA-001"
    # refused whether or not the file carries its own start (this export's JSON gives one)
    result = run("import", str(csv / "Test11-Trial1.imu.csv"), "--sample-rate-hz", "100",
                 "--start", "yesterday", today=START, ok=False)  # fmt: skip
    assert result.exit_code == 2 and "--start must be a real date" in result.output
    alone = Path(shutil.copy(csv / "Test11-Trial1.imu.csv", tmp_path / "walk.csv"))
    result = run("import", str(alone), "--sample-rate-hz", "100", today=START, ok=False)
    assert result.exit_code == 2 and "no absolute start time; give it with --start" in " ".join(
        result.output.split()
    )


def test_an_unknown_file_names_both_kinds_import_takes(cli: Any, tmp_path: Path) -> None:
    run = cli
    run("init", "--name", "dan", "--time-zone", "Europe/Berlin", today=START)
    notes = tmp_path / "notes.txt"
    notes.write_text("walked to the shop\n")
    result = run("import", str(notes), today=START, ok=False)
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "neither a sensor recording nor a walk summary" in said
    assert "Axivity" in said and "GPX track" in said
    assert json.loads(run("export", today=START).output)["walks"] == []


def test_a_device_clock_is_read_in_the_wearers_time_zone(cli: Any) -> None:
    """An Axivity file holds local clock times: walks land at that local time for the wearer."""
    from backstride.io import read_cwa

    run = cli
    cwa = (
        Path(__file__).resolve().parents[1] / "data" / "devices" / "axivity-cwa" / "ax3_sample.cwa"
    )
    device_clock = read_cwa(cwa).start  # local clock marked as UTC
    assert device_clock is not None
    run("init", "--name", "kim", "--time-zone", "Asia/Tokyo", today=START)
    assert json.loads(run("import", str(cwa), "--json", today=START).output)["result"]["added"]
    walks = json.loads(run("export", today=START).output)["walks"]
    first = dt.datetime.fromisoformat(walks[0]["start"])
    assert first.utcoffset() == dt.timedelta(hours=9)
    # wall-clock time in Tokyo = the device clock, plus the time into the recording
    into = first.replace(tzinfo=None) - device_clock.replace(tzinfo=None)
    assert dt.timedelta(0) <= into < dt.timedelta(minutes=5)


def test_screening_and_review_on_the_terminal(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The questions asked at the prompt, answered as a person would type them."""
    monkeypatch.setenv("BACKSTRIDE_DATABASE_URL", database_url)
    monkeypatch.setenv("BACKSTRIDE_TODAY", START.isoformat())
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        created = runner.invoke(main, ["init", "--time-zone", "UTC"], input="dana\n")
        assert created.exit_code == 0, created.output
        no_flags = "n\n" * len(RED_FLAG_ITEMS)
        typed = (
            no_flags
            + "5\n"  # pain last week
            + "gardening\n4\nlong drives\n5\nlifting the grandchildren\n3\n\n"  # PSFS, then done
            + "2\n20\n"  # walking now: 2 days, 20 minutes
        )
        screened = runner.invoke(main, ["screen"], input=typed)
        assert screened.exit_code == 0, screened.output
        assert "Baseline: pain 5/10, walking 20 min on 2 days a week" in screened.output
        assert "PSFS 4.0/10" in screened.output
        assert "Week 1:" in screened.output

        monkeypatch.setenv("BACKSTRIDE_TODAY", (START + dt.timedelta(days=7)).isoformat())
        flagged = "y\n" + "n\n" * (len(RED_FLAG_ITEMS) - 1)
        reviewed = runner.invoke(main, ["review"], input=flagged)
        assert reviewed.exit_code == 0, reviewed.output
        assert "STOP" in reviewed.output
        assert "emergency department" in reviewed.output
    finally:
        get_settings.cache_clear()


def test_walk_summaries_import_once_and_keep_their_hills(cli: Any) -> None:
    run = cli
    devices = Path(__file__).resolve().parents[1] / "data" / "devices"
    run("init", "--name", "eve", "--time-zone", "Europe/Ljubljana", today=START)
    tcx, fit = devices / "tcx" / "test.tcx", devices / "garmin-fit" / "garmin-fenix-5-walk.fit"
    first = json.loads(run("import", str(tcx), str(fit), "--json", today=START).output)
    again = json.loads(run("import", str(tcx), "--json", today=START).output)
    assert first["result"] == {"added": 2, "skipped_duplicates": 0, "replaced": 0}
    assert again["result"] == {"added": 0, "skipped_duplicates": 1, "replaced": 0}
    walks = {w["source"]: w for w in json.loads(run("export", today=START).output)["walks"]}
    assert len(walks) == 2
    tcx_walk = next(w for w in walks.values() if w["distance_m"] and w["distance_m"] > 4000)
    assert tcx_walk["distance_m"] == pytest.approx(4686.31, abs=0.01)
    assert tcx_walk["elevation_gain_m"] > 50


def test_the_same_workout_from_two_apps_counts_once(store: Any) -> None:
    """A second app's export of a stored workout (other file, other hash) is not added."""
    from dataclasses import replace

    from backstride.io.summaries import read_walk_summaries
    from backstride.services import drop_known_workouts

    fit = Path(__file__).resolve().parents[1] / "data" / "devices" / "garmin-fit"
    walk = read_walk_summaries(fit / "garmin-fenix-5-walk.fit")[0]
    store.add_person("fay", time_zone="UTC")
    store.add_walks("fay", [walk])
    other_app = replace(
        walk,
        start=walk.start + dt.timedelta(seconds=40),
        end=walk.end + dt.timedelta(seconds=40),
        distance_m=(walk.distance_m or 0) * 1.015,
        source="another app",
        source_hash="a-different-export",
    )
    a_later_walk = replace(
        walk,
        start=walk.start + dt.timedelta(hours=3),
        end=walk.end + dt.timedelta(hours=3),
        source_hash="later",
    )
    fresh, dropped = drop_known_workouts(store, "fay", [other_app, a_later_walk])
    assert [w.source_hash for w in fresh] == ["later"]
    assert dropped == 1
    fresh, dropped = drop_known_workouts(store, "fay", [other_app, other_app])
    assert fresh == [] and dropped == 2


def test_csv_export_holds_the_same_rows_as_the_json_export(cli: Any, tmp_path: Path) -> None:
    """One CSV per table for the physiotherapist's spreadsheet, row for row the JSON export."""
    import csv

    run = cli
    mat = Path(__file__).resolve().parents[1] / "data" / "mobilised-lab" / "HA-001" / "data.mat"
    run("init", "--name", "dana", "--height-m", "1.70", "--time-zone", "Europe/Berlin",
        today=START)  # fmt: skip
    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    run("import", str(mat), today=START)
    run("log", "pain", "3", "--note", "after gardening, stiff", today=START)
    doc = json.loads(run("export", today=START).output)
    folder = tmp_path / "export"
    written = json.loads(
        run("export", "--format", "csv", "--out", str(folder), "--json", today=START).output
    )
    tables = {k for k, v in doc.items() if isinstance(v, list)}
    assert {Path(p).stem for p in written} == tables
    for table in tables:
        with (folder / f"{table}.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == len(doc[table]), table
    with (folder / "walks.csv").open(newline="") as fh:
        walks = list(csv.DictReader(fh))
    assert len(walks) == 3
    assert sorted(float(w["cadence_spm"]) for w in walks) == pytest.approx(
        sorted(w["cadence_spm"] for w in doc["walks"])
    )
    with (folder / "pain.csv").open(newline="") as fh:
        (pain,) = list(csv.DictReader(fh))
    assert float(pain["score"]) == 3 and pain["note"] == "after gardening, stiff"


def test_import_takes_the_units_its_error_messages_name(cli: Any, tmp_path: Path) -> None:
    """A CSV's unit advice says --acc-unit: import accepts it and passes it to the analysis."""
    run = cli
    run("init", "--name", "eve", "--time-zone", "Europe/London", today=START)
    rec, _ = walking_signal(walk_s=60)
    df = pd.DataFrame(rec.acc / 9.80665, columns=["acc_x", "acc_y", "acc_z"])  # in g
    df.insert(0, "time_s", rec.time_s)
    path = tmp_path / "walk.csv"
    df.to_csv(path, index=False)
    wrong = run("import", str(path), "--acc-unit", "mps2", "--start", "2026-03-02T10:00",
                today=START, ok=False)  # fmt: skip
    assert wrong.exit_code == 2
    assert f"is {np.median(np.linalg.norm(df.iloc[:, 1:], axis=1)):.3g} m/s^2" in wrong.output
    assert json.loads(run("export", today=START).output)["walks"] == []
    right = run("import", str(path), "--acc-unit", "g", "--gyr-unit", "dps",
                "--start", "2026-03-02T10:00", "--json", today=START)  # fmt: skip
    assert json.loads(right.output)["result"]["added"] == 1


# --- QA: bad input is one sentence, exit code 2, and nothing stored --------------------------


def _refused(result: Any, says: str) -> None:
    """Exit code 2, the one sentence ``says`` as all of stderr, no traceback."""
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2, result.output
    assert said == f"error: {says}", said
    assert_one_sentence(says)
    assert "Traceback" not in result.output and "Aborted" not in result.output


def test_walk_values_out_of_range_name_the_option_in_a_readable_sentence(cli: Any) -> None:
    """QA: --effort 12 said "The effort 0 10 must be between ..." (a field name, garbled)."""
    run = cli
    run("init", "--name", "ana", "--time-zone", "Europe/Berlin", today=START)
    for args, says in (
        (("--effort", "12"),
         "--effort 12 is outside 0-10; give how hard the walk felt on the 0-10 scale."),
        (("--effort", "nan"),
         "--effort nan is outside 0-10; give how hard the walk felt on the 0-10 scale."),
        (("--pain-before", "11"), "--pain-before 11 is outside 0-10; give your back pain "
         "before the walk on the 0-10 scale."),
        (("--pain-after", "-1"), "--pain-after -1 is outside 0-10; give your back pain after "
         "the walk on the 0-10 scale."),
    ):  # fmt: skip
        _refused(run("log", "walk", "--minutes", "10", *args, today=START, ok=False), says)
    for minutes in ("0", "-5", "nan", "721", "1440"):
        _refused(
            run("log", "walk", "--minutes", minutes, today=START, ok=False),
            f"--minutes {float(minutes):g} is not a plausible length for one walk; give the "
            "minutes you walked, more than 0 and at most 720 (12 hours).",
        )
    assert json.loads(run("export", today=START).output)["walks"] == []
    run("log", "walk", "--minutes", "720", "--effort", "10", "--pain-before", "0", today=START)


def test_questions_without_a_terminal_are_refused_in_one_sentence(
    cli: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """QA: screen </dev/null, review without --answers and forget without --yes printed
    "Aborted!" with exit code 1; now one sentence naming the option, exit 2, nothing stored."""
    run = cli
    runner = CliRunner()

    def typed(*args: str, text: str, today: dt.date) -> Any:
        monkeypatch.setenv("BACKSTRIDE_TODAY", today.isoformat())
        return runner.invoke(main, list(args), input=text, catch_exceptions=False)

    no_name = (
        "The profile's name is asked on a terminal, and the input ended before one was given; "
        "give it with --name NAME."
    )
    _refused(typed("init", "--time-zone", "UTC", text="", today=START), no_name)
    _refused(run("export", today=START, ok=False), "No profile is stored yet; create one "
             "with backstride init.")  # fmt: skip
    run("init", "--name", "Alice", "--time-zone", "Europe/Berlin", today=START)
    screening = (
        "The screening questions are asked on a terminal, and the input ended before they were "
        "answered; give the answers as a JSON file with --answers FILE."
    )
    nothing = typed("screen", "--person", "Alice", text="", today=START)
    _refused(nothing, screening)
    assert "Safety check" not in nothing.output  # found before the first question
    _refused(typed("screen", text="n\nn\n", today=START), screening)  # answers run out
    assert json.loads(run("export", today=START).output)["screenings"] == []

    run("screen", "--answers", _answers(tmp_path, "s", **SCREEN), today=START)
    week2 = START + dt.timedelta(weeks=1)
    before = json.loads(run("export", today=week2).output)
    _refused(
        typed("review", text="", today=week2),
        "The weekly safety questions are asked on a terminal, and the input ended before they "
        "were answered; give the answers as a JSON file with --answers FILE.",
    )
    confirm = (
        "Deleting everything is confirmed on a terminal, and the input ended before a yes was "
        "given; add --yes to delete without being asked."
    )
    _refused(typed("forget", text="", today=week2), confirm)
    assert json.loads(run("export", today=week2).output) | {"exported_at": None} == before | {
        "exported_at": None
    }
    # the QA's own case: a real process whose stdin is /dev/null
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "from backstride.cli import main; main()", "forget"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={**os.environ, "BACKSTRIDE_DATABASE_URL": database_url},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert " ".join(done.stderr.split()) == f"error: {confirm}"
    assert done.stdout == ""  # nothing asked
    assert json.loads(run("export", today=week2).output)["person"]["name"] == "Alice"


def test_a_profile_needs_a_plausible_height_and_year_of_birth(cli: Any) -> None:
    """QA: init --height-m 0.02 --birth-year 2099 was stored; the analysis would then refuse
    every import of that person for the height."""
    run = cli
    height = (
        "--height-m {} is not a plausible body height; give your height in metres, above 0.5 "
        "and below 2.8 (for example 1.72)."
    )
    born = (
        "--birth-year {} is not a plausible year of birth; give the year you were born, from "
        "1906 to 2026."
    )
    for args, says in (
        (("--height-m", "0.02", "--birth-year", "2099"), height.format("0.02")),
        (("--height-m", "172"), height.format("172")),  # centimetres
        (("--height-m", "2.8"), height.format("2.8")),
        (("--birth-year", "2099"), born.format(2099)),
        (("--birth-year", "2027"), born.format(2027)),
        (("--birth-year", "1905"), born.format(1905)),
    ):
        _refused(run("init", "--name", "bob", "--time-zone", "UTC", *args, today=START,
                     ok=False), says)  # fmt: skip
    assert "No profile is stored yet" in run("export", today=START, ok=False).output
    run("init", "--name", "bob", "--time-zone", "UTC", "--height-m", "1.65",
        "--birth-year", "2026", today=START)  # fmt: skip
    run("init", "--name", "old", "--time-zone", "UTC", "--birth-year", "1906", today=START)


def test_walks_logged_by_hand_cannot_overlap_or_be_implausibly_dated(cli: Any) -> None:
    """QA: three 1440-minute walks on one day were all stored (progress showed more than 24 h
    walked on a day), 1900-01-01 was taken, and a second walk of the same length on the same
    date was merged into the first ("already logged")."""
    run = cli
    day = START.isoformat()
    run("init", "--name", "ana", "--time-zone", "Europe/Berlin", today=START)
    run("log", "walk", "--minutes", "720", "--date", f"{day}T00:00", today=START)
    _refused(
        run("log", "walk", "--minutes", "720", "--date", f"{day}T11:00", today=START, ok=False),
        f"This walk ({day} 11:00 to 23:00) overlaps the walk stored from {day} 00:00 to 12:00 "
        "(logged by hand); if it is the same walk there is nothing to log, otherwise give this "
        "walk's own start time with --date YYYY-MM-DDTHH:MM.",
    )
    run("log", "walk", "--minutes", "30", "--date", f"{day}T12:00", today=START)  # touching
    again = run("log", "walk", "--minutes", "30", "--date", f"{day}T12:00", today=START)
    assert "already logged; nothing changed" in again.output  # the same walk, logged again

    # a date alone places the walk at noon: a second one needs its own start time
    sunday = (START - dt.timedelta(days=1)).isoformat()
    run("log", "walk", "--minutes", "20", "--date", sunday, today=START)
    _refused(
        run("log", "walk", "--minutes", "20", "--date", sunday, today=START, ok=False),
        f"A 20-minute walk on {sunday} is already logged (at 12:00, the time used when none is "
        f"given); to log a second walk that day, give its start time with --date {sunday}THH:MM.",
    )
    run("log", "walk", "--minutes", "20", "--date", f"{sunday}T17:00", today=START)

    # too old (90 days before the profile was made, and never before 2000) or not yet ended
    earliest = START - dt.timedelta(days=90)
    for old in ("1900-01-01", (earliest - dt.timedelta(days=1)).isoformat()):
        _refused(
            run("log", "walk", "--minutes", "20", "--date", old, today=START, ok=False),
            f"--date {old} is before {earliest}, the earliest date a log can have (90 days "
            "before this profile was made); check the year.",
        )
    run("log", "walk", "--minutes", "20", "--date", earliest.isoformat(), today=START)
    _refused(
        run("log", "walk", "--minutes", "90", "--date", f"{day}T23:00", today=START, ok=False),
        f"A walk from {day} 23:00 to {START + dt.timedelta(days=1)} 00:30 has not ended yet; "
        "give its start time with --date YYYY-MM-DDTHH:MM, or log it once it has ended.",
    )
    _refused(
        run("log", "pain", "3", "--date", "1999-12-31", today=START, ok=False),
        f"--date 1999-12-31 is before {earliest}, the earliest date a log can have (90 days "
        "before this profile was made); check the year.",
    )
    walks = json.loads(run("export", today=START).output)["walks"]
    starts = sorted(dt.datetime.fromisoformat(w["start"]).strftime("%m-%d %H:%M") for w in walks)
    assert starts == ["03-01 12:00", "03-01 17:00", "03-02 00:00", "03-02 12:00",
                      f"{earliest:%m-%d} 12:00"], starts  # fmt: skip
    progress = json.loads(run("progress", "--json", today=START).output)
    assert max(progress["walk_days"].values()) <= 24 * 60


def _recording_without_a_start(tmp_path: Path) -> Path:
    rec, _ = walking_signal(walk_s=60)
    df = pd.DataFrame(rec.acc / 9.80665, columns=["acc_x", "acc_y", "acc_z"])  # in g
    df.insert(0, "time_s", rec.time_s)
    path = tmp_path / "walk.csv"
    df.to_csv(path, index=False)
    return path


def test_an_import_start_must_be_plausible_and_can_be_corrected(cli: Any, tmp_path: Path) -> None:
    """QA: --start 1800-01-01T00:00 was taken, and importing the file again with the right
    --start said "0 new, 1 already there", so the wrong date could not be fixed."""
    run = cli
    run("init", "--name", "eve", "--time-zone", "Europe/London", today=START)
    path = _recording_without_a_start(tmp_path)
    _refused(
        run("import", str(path), "--start", "1800-01-01T00:00", today=START, ok=False),
        "--start 1800-01-01T00:00 is before 2000-01-01, the earliest date BackStride takes; "
        "check the year.",
    )
    _refused(
        run("import", str(path), "--start", "2026-03-03T10:00", today=START, ok=False),
        "--start 2026-03-03T10:00 is in the future; give the local time the recording started.",
    )
    assert json.loads(run("export", today=START).output)["walks"] == []

    wrong = json.loads(run("import", str(path), "--start", "2026-02-02T10:00", "--json",
                           today=START).output)  # fmt: skip
    assert wrong["result"] == {"added": 1, "skipped_duplicates": 0, "replaced": 0}
    stored = json.loads(run("export", today=START).output)["walks"]
    moved = run("import", str(path), "--start", "2026-03-02T10:00", today=START, ok=False)
    said = " ".join(moved.stderr.split())
    _refused(moved, said.split("error: ", 1)[1])
    assert said.startswith("error: walk.csv is already stored with its walks at another time "
                           "(one starting 2026-02-02 10:00, not 2026-03-02 10:00); to move "
                           "them, import it again with --replace"), said  # fmt: skip
    assert json.loads(run("export", today=START).output)["walks"] == stored

    fixed = json.loads(run("import", str(path), "--start", "2026-03-02T10:00", "--replace",
                           "--json", today=START).output)  # fmt: skip
    assert fixed["result"] == {"added": 1, "skipped_duplicates": 0, "replaced": 1}
    (walk,) = json.loads(run("export", today=START).output)["walks"]
    assert walk["start"].startswith("2026-03-02T10:00")
    # the same file at the same start is still counted once
    again = json.loads(run("import", str(path), "--start", "2026-03-02T10:00", "--json",
                           today=START).output)  # fmt: skip
    assert again["result"] == {"added": 0, "skipped_duplicates": 1, "replaced": 0}


@pytest.mark.parametrize(
    ("day", "minutes", "end_utc", "end_offset_h"),
    [
        (dt.date(2026, 3, 29), 60, dt.time(1, 30), 1),  # 01:00 GMT -> 02:00 BST
        (dt.date(2026, 10, 25), 120, dt.time(1, 30), 0),  # 02:00 BST -> 01:00 GMT
    ],
)
def test_a_walk_logged_across_the_clock_change_lasts_its_minutes(
    cli: Any, day: dt.date, minutes: int, end_utc: dt.time, end_offset_h: int
) -> None:
    """Minutes were added to the wall clock: a 2-hour walk from 00:30 on the night the
    clocks go back was stored as lasting 3 hours."""
    run = cli
    run("init", "--name", "dora", "--time-zone", "Europe/London", today=START)
    run("log", "walk", "--minutes", str(minutes), "--date", f"{day}T00:30", today=day)
    out = run("export", "--format", "json", "--person", "dora", today=day)
    (walk,) = json.loads(out.output)["walks"]
    start = dt.datetime.fromisoformat(walk["start"])
    end = dt.datetime.fromisoformat(walk["end"])
    assert (end - start) == dt.timedelta(minutes=minutes)
    assert end.astimezone(dt.UTC).time() == end_utc
    assert end.utcoffset() == dt.timedelta(hours=end_offset_h)


def _walk_by_its_clock(path: Path, start_utc: str) -> Path:
    """A minute of steps at 1.8 Hz in a CSV whose ISO timestamps start at ``start_utc``."""
    t = np.arange(0, 60, 0.01)
    stamps = pd.Timestamp(start_utc) + pd.to_timedelta(t, unit="s")
    frame = pd.DataFrame(
        {"timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
         "acc_x": 9.81 + 2 * np.sin(2 * np.pi * 1.8 * t), "acc_y": 0.3, "acc_z": 0.2}
    )  # fmt: skip
    frame.to_csv(path, index=False)
    return path


def test_a_recording_whose_clock_was_never_set_needs_a_start(cli: Any, tmp_path: Path) -> None:
    """A file dated 9999-12-31 by its own clock was imported, and ended in an internal
    error; one dated 1901 was stored in 1901."""
    run = cli
    run("init", "--name", "eve", "--time-zone", "Europe/London", today=START)
    csv = _walk_by_its_clock(tmp_path / "unset.csv", "1970-01-01T00:00:00Z")
    refused = run("import", str(csv), "--person", "eve", today=START, ok=False)
    assert refused.exit_code == 2
    assert "starts on 1970-01-01 by its own clock, which cannot be right" in refused.output
    assert "--start" in refused.output
    run("import", str(csv), "--person", "eve", "--start", "2026-03-01T10:00", today=START)
    out = run("export", "--format", "json", "--person", "eve", today=START)
    (walk,) = json.loads(out.output)["walks"]
    assert walk["start"].startswith("2026-03-01T10:00")


def test_a_start_given_moves_a_recording_whose_clock_reads_another_time(
    cli: Any, tmp_path: Path
) -> None:
    """--start was ignored without a word for a file with its own clock: the demo's
    lower-back recording, dated by the reference file beside it, landed in 2020 instead of
    the program's first week. Without --start the file's clock still places it."""
    run = cli
    csv = _walk_by_its_clock(tmp_path / "clock.csv", "2026-02-01T09:00:00Z")
    starts = {}
    for name, at in (("gus", []), ("hal", ["--start", "2026-03-01T10:00"])):
        run("init", "--name", name, "--time-zone", "Europe/London", today=START)
        done = run("import", str(csv), "--person", name, *at, today=START)
        (walk,) = json.loads(run("export", "--person", name, today=START).output)["walks"]
        starts[name] = dt.datetime.fromisoformat(walk["start"])
        placed = "placed at --start 2026-03-01 10:00; its own clock says 2026-02-01 09:00"
        assert (placed in " ".join(done.output.split())) == bool(at)
    assert starts["gus"].astimezone(dt.UTC).replace(microsecond=0, second=0) == dt.datetime(
        2026, 2, 1, 9, 0, tzinfo=dt.UTC
    )
    # the whole recording moved: the walk keeps its place within it
    moved = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC) - dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
    assert starts["hal"] - starts["gus"] == moved


def test_import_never_puts_one_person_on_two_walks_at_once(cli: Any, tmp_path: Path) -> None:
    """The same file imported again with another --sample-rate-hz was stored a second time
    (its walks land at other times under other hashes), and two files given one --start were
    both stored: 864 steps counted twice."""
    run = cli
    run("init", "--name", "fay", "--time-zone", "Europe/London", today=START)
    t = np.arange(0, 120, 0.01)
    walking = (t > 10) & (t < 110)
    frame = pd.DataFrame(
        {"acc_x": 9.81 + 2 * np.sin(2 * np.pi * 1.8 * t) * walking, "acc_y": 0.3, "acc_z": 0.2}
    )
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    frame.to_csv(one, index=False)
    frame.iloc[:9000].to_csv(two, index=False)
    at = ["--start", "2026-03-01T10:00", "--person", "fay"]
    run("import", str(one), "--sample-rate-hz", "100", *at, today=START)
    again = run("import", str(one), "--sample-rate-hz", "50", *at, today=START, ok=False)
    assert again.exit_code == 2
    assert "overlaps the walk stored from 2026-03-01 10:00" in " ".join(again.output.split())
    both = run("import", str(one), str(two), "--sample-rate-hz", "100", *at, "--replace",
               today=START, ok=False)  # fmt: skip
    assert both.exit_code == 2
    assert "Two of the recordings give walks at the same time" in " ".join(both.output.split())
    (walk,) = json.loads(run("export", "--person", "fay", today=START).output)["walks"]
    assert walk["steps"] > 150  # the first import, stored once
    # the same file at the same start is the same walk: counted once, not refused
    same = run("import", str(one), "--sample-rate-hz", "100", *at, "--json", today=START)
    assert json.loads(same.output)["result"]["added"] == 0


def test_a_time_the_clocks_skip_is_refused(cli: Any) -> None:
    """01:30 on the night the clocks jump from 01:00 to 02:00 was stored as 02:30."""
    run = cli
    run("init", "--name", "gil", "--time-zone", "Europe/London", today=START)
    day = dt.date(2026, 3, 29)
    result = run("log", "walk", "--minutes", "20", "--date", f"{day}T01:30", today=day, ok=False)
    assert result.exit_code == 2
    assert "does not exist in Europe/London: the clocks skip that hour" in " ".join(
        result.output.split()
    )
    run("log", "walk", "--minutes", "20", "--date", f"{day}T02:30", today=day)


def test_import_says_when_the_sensor_was_not_worn(cli: Any, tmp_path: Path) -> None:
    """Walks done while the sensor lay on a table are not in the file; the import says so
    and how to log them, and stores the walks around it."""
    run = cli
    run("init", "--name", "nia", "--height-m", "1.65", "--time-zone", "Europe/London",
        today=START)  # fmt: skip
    acc = np.vstack([walking(1.5 * HOUR), on_a_table(2 * HOUR), walking(1.5 * HOUR)])
    path = write_csv(tmp_path / "day.csv", acc)
    start = f"{START.isoformat()}T08:00"
    said = " ".join(run("import", str(path), "--start", start, today=START).output.split())
    assert (
        "day: not worn (still for an hour or more) 1.0 h of 5.0 h, from 2.00 h to 3.00 h into "
        "the recording; walks without the sensor can be logged with 'backstride log walk'"
    ) in said
    walks = json.loads(run("export", today=START).output)["walks"]
    assert walks  # the walking around the table time is stored
    table_from = dt.datetime.fromisoformat(f"{start}:00+00:00") + dt.timedelta(hours=1.5)
    on_table = [
        w for w in walks
        if table_from < dt.datetime.fromisoformat(w["start"]) < table_from + dt.timedelta(hours=2)
    ]  # fmt: skip
    assert on_table == []
