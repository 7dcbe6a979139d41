"""The command line as a user meets it: outputs, the JSON schema, and bad input."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import backstride
from backstride.cli import main

from synthetic import walking_signal

ROOT = Path(__file__).resolve().parents[1]
MAT = ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write_csv(path: Path, *, unit: str = "g", gyro: bool = False, seconds: float = 40) -> Path:
    rec, _ = walking_signal(walk_s=seconds, sagittal_rom_deg=4.0 if gyro else None)
    acc = rec.acc / 9.80665 if unit == "g" else rec.acc
    df = pd.DataFrame(acc, columns=["acc_x", "acc_y", "acc_z"])
    df.insert(0, "time_s", rec.time_s)
    if gyro and rec.gyr is not None:
        df[["gyr_x", "gyr_y", "gyr_z"]] = rec.gyr
    df.to_csv(path, index=False)
    return path


def test_analyze_writes_schema_json_and_out_dir(runner: CliRunner, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "walk.csv")
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["analyze", str(csv), "--sensor-height-m", "1.0", "--json", str(tmp_path / "a.json"),
         "--out-dir", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "acceleration unit detected as g" in result.output
    # one walk: "1 bout", and the summary cadence says what kind of median it is
    assert " in 1 bout, " in result.output and "(1 of 1 bout)" in result.output
    assert "median cadence per walking second 120 steps/min" in result.output
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["schema"] == "backstride.analysis/1"
    assert len(doc["source"]["sha256"]) == 64
    assert len(doc["bouts"]) == 1
    bout = doc["bouts"][0]
    assert bout["cadence_spm"] == pytest.approx(120, abs=1)
    assert bout["trunk_rom_deg"] == {"sagittal": None, "frontal": None, "transverse": None}
    assert bout["stride_length_m"] > 0
    assert doc["summary"]["steps"] == len(doc["initial_contacts_s"]) == bout["n_steps"]
    # no gyroscope in this file: the feet alternate in groups A/B, no foot is named
    assert set(doc["initial_contact_sides"]) == {"A", "B"}
    assert len(doc["initial_contact_sides"]) == len(doc["initial_contacts_s"])
    bouts = pd.read_csv(out / "bouts.csv")
    steps = pd.read_csv(out / "steps.csv")
    info = json.loads((out / "info.json").read_text())
    assert len(bouts) == 1 and len(steps) == bout["n_steps"]
    seconds = pd.read_csv(out / "seconds.csv")
    assert len(seconds) == len(doc["cadence_per_second"]["second"]) >= 35
    assert seconds["cadence_spm"].between(119, 121).all()
    assert steps["stride_duration_s"].dropna().between(0.99, 1.01).all()
    assert info["parameters"]["sensor_height_m"] == 1.0
    assert info["input"]["sha256"] == doc["source"]["sha256"]
    assert "companions" not in info["input"]  # a plain CSV: nothing else was read
    assert not list(out.glob(".*.tmp"))


def test_turns_are_written_to_the_json_and_turns_csv(runner: CliRunner, tmp_path: Path) -> None:
    """A real multi-trial file with a gyroscope: its daily-life trial turns, its straight
    walks do not; turns.csv holds the JSON's turns with the recording's name."""
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["analyze", str(ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"),
         "--json", str(tmp_path / "a.json"), "--out-dir", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "turns" in result.output
    doc = json.loads((tmp_path / "a.json").read_text())
    by_trial = {r["recording"]["name"]: r for r in doc["recordings"]}
    assert by_trial["Test5-Trial1"]["turns"] == [] == by_trial["Test5-Trial2"]["turns"]
    daily = by_trial["Test11-Trial1"]
    assert daily["summary"]["n_turns"] == len(daily["turns"]) >= 10
    assert sum(b["n_turns"] for b in daily["bouts"]) == len(daily["turns"])
    assert {t["direction"] for t in daily["turns"]} == {"left", "right"}
    written = pd.read_csv(out / "turns.csv")
    assert len(written) == len(daily["turns"])
    assert set(written["recording"]) == {"Test11-Trial1"}
    np.testing.assert_allclose(
        written["angle_deg"], [t["angle_deg"] for t in daily["turns"]], atol=1e-4
    )


def test_the_record_of_a_run_hashes_the_files_its_reader_used(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A Mobilise-D export's rate, start and heights come from its JSON: both are recorded."""
    source = ROOT / "data" / "mobilised-lab" / "HA-001"
    for name in ("Test5-Trial1.imu.csv", "Test5-Trial1.reference.json"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["analyze", str(tmp_path / "Test5-Trial1.imu.csv"), "--out-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    (companion,) = json.loads((out / "info.json").read_text())["input"]["companions"]
    sidecar = tmp_path / "Test5-Trial1.reference.json"
    assert companion == {
        "path": str(sidecar),
        "sha256": hashlib.sha256(sidecar.read_bytes()).hexdigest(),
    }


def test_unknown_values_are_null_not_invented(runner: CliRunner, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "walk.csv")
    result = runner.invoke(main, ["analyze", str(csv), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    bout = json.loads((tmp_path / "a.json").read_text())["bouts"][0]
    # no height given and none in the file: no stride length or speed, and the fix is said
    assert "stride length and speed not computed: give --height-m" in " ".join(
        result.output.split()
    )
    assert bout["stride_length_m"] is None
    assert bout["walking_speed_mps"] is None
    assert bout["cadence_spm"] is not None


def test_gyroscope_gives_trunk_range_of_motion(runner: CliRunner, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "walk.csv", gyro=True)
    result = runner.invoke(main, ["analyze", str(csv), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    rom = json.loads((tmp_path / "a.json").read_text())["bouts"][0]["trunk_rom_deg"]
    assert rom["sagittal"] == pytest.approx(4.0, abs=0.5)


def test_multi_trial_container_lists_recordings(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["analyze", str(MAT), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "a.json").read_text())
    names = [r["recording"]["name"] for r in doc["recordings"]]
    assert names == ["Test5-Trial1", "Test5-Trial2", "Test11-Trial1"]
    assert all(r["recording"]["has_gyroscope"] for r in doc["recordings"])
    assert doc["recordings"][2]["summary"]["n_bouts"] >= 5
    # each bout's step-time ratio is in the printed table, as the JSON has it
    lines = result.output.splitlines()
    header = next(line for line in lines if "step-time ratio" in line)
    first = lines[lines.index(header) + 1].split()
    ratio = doc["recordings"][0]["bouts"][0]["step_time_ratio"]
    assert f"{ratio:.2f}" in first


def test_standing_still_is_zero_bouts_not_an_error(runner: CliRunner, tmp_path: Path) -> None:
    n = 3000
    df = pd.DataFrame({"time_s": np.arange(n) / 100, "acc_x": 1.0, "acc_y": 0.0, "acc_z": 0.0})
    df.to_csv(tmp_path / "still.csv", index=False)
    result = runner.invoke(main, ["analyze", str(tmp_path / "still.csv")])
    assert result.exit_code == 0, result.output
    assert "no walking bouts found" in result.output


def _bad_csvs(tmp: Path) -> dict[str, tuple[Path, str]]:
    t = np.arange(1000) / 100
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, text: str, expect: str) -> None:
        path = tmp / f"{name}.csv"
        path.write_text(text)
        cases[name] = (path, expect)

    ok = pd.DataFrame({"time_s": t, "acc_x": 1.0, "acc_y": 0.0, "acc_z": 0.0})
    put("no_acc", ok[["time_s", "acc_x"]].to_csv(index=False), "acc_")
    bad = ok.astype(object)
    bad.loc[500, "acc_y"] = "oops"
    put("non_numeric", bad.to_csv(index=False), "non-numeric value 'oops' on line 502")
    back = ok.copy()
    back.loc[600, "time_s"] = 1.0
    put("non_increasing", back.to_csv(index=False), "increas")
    slow = ok.assign(time_s=np.arange(1000) / 10.0)
    put("slow", slow.to_csv(index=False), "20 Hz")
    put("short", ok.iloc[:150].to_csv(index=False), "at least")
    put("empty", "", "empty")
    put("garbage", "this is not a recording\n\x00\x01", "")
    # an axis without a number said 'values reach 11.8, far beyond any accelerometer's range'
    put("empty_axis", ok.assign(acc_y=np.nan).to_csv(index=False), "y column holds no numbers")
    # a time_s in milliseconds said 'the sample rate is 0.1 Hz ... record at a higher rate'
    put("time_in_ms", ok.assign(time_s=t * 1000).to_csv(index=False), "if it holds millisec")
    return cases


@pytest.mark.parametrize(
    "case",
    ["no_acc", "non_numeric", "non_increasing", "slow", "short", "empty", "garbage",
     "empty_axis", "time_in_ms"],
)  # fmt: skip
def test_bad_input_is_one_sentence_exit_2_nothing_written(
    runner: CliRunner, tmp_path: Path, case: str
) -> None:
    path, expect = _bad_csvs(tmp_path)[case]
    out_json = tmp_path / "result.json"
    out_dir = tmp_path / "out"
    result = runner.invoke(
        main, ["analyze", str(path), "--json", str(out_json), "--out-dir", str(out_dir)]
    )
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith("error:")
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1
    assert expect.lower() in message.lower()
    assert not out_json.exists()
    assert not out_dir.exists()


def test_utf16_text_is_named(runner: CliRunner, tmp_path: Path) -> None:
    """Excel's 'Unicode text' export: the column list was printed as mojibake."""
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    utf16 = tmp_path / "walk16.csv"
    utf16.write_bytes(csv.read_text().encode("utf-16"))
    result = runner.invoke(main, ["analyze", str(utf16)])
    assert result.exit_code == 2
    assert "is UTF-16 text, which BackStride does not read; save it as UTF-8" in result.output


def test_times_at_the_calendars_end_in_a_zone_are_one_sentence(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Local times from 9999-12-31 23:50 read in America/New_York ended in 'internal error:
    NotImplementedError: Localizing Timestamps ... (year 10000 is out of range)'."""
    csv = tmp_path / "late.csv"
    t = np.arange(0, 600, 0.04)
    rows = [f"9999-12-31T23:{50 + int(x // 60):02d}:{x % 60:09.6f},9.81,0,0" for x in t]
    csv.write_text("timestamp,acc_x,acc_y,acc_z\n" + "\n".join(rows) + "\n")
    result = runner.invoke(main, ["analyze", str(csv), "--time-zone", "America/New_York"])
    assert result.exit_code == 2, result.output
    assert "cannot be placed in America/New_York" in result.output


def test_a_rate_given_over_a_time_column_is_said(runner: CliRunner, tmp_path: Path) -> None:
    """Within 5% the option wins over the time column; it did so without a word."""
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    result = runner.invoke(main, ["analyze", str(csv), "--sample-rate-hz", "104"])
    assert result.exit_code == 0, result.output
    assert "sample rate 104 Hz as given, not the time_s column's 100 Hz" in result.output
    result = runner.invoke(main, ["analyze", str(csv), "--sample-rate-hz", "100"])
    assert "as given, not" not in result.output


def test_a_closed_pipe_does_not_lose_the_files_asked_for(tmp_path: Path) -> None:
    """`backstride analyze X --out-dir D | head -1` wrote nothing: the summary was printed
    first, the pipe was closed, and the run ended before the files were written."""
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "backstride"
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    for args, outputs in (
        (["analyze", str(csv), "--json", "a.json", "--out-dir", "od"], ["a.json", "od/bouts.csv"]),
        (["validate", str(MAT.parents[1]), "--json", "v.json"], ["v.json"]),
    ):
        proc = subprocess.Popen([exe, *args], cwd=tmp_path, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.close()  # the reader is gone before a word is printed
        proc.wait(timeout=120)
        for name in outputs:
            assert (tmp_path / name).is_file(), (args[0], name)


def test_json_to_standard_output_parses(tmp_path: Path) -> None:
    """``--json /dev/stdout`` into a pipe failed with "No such file or directory" (the
    temporary file was made beside the pipe's link); ``--json -`` writes the document to
    standard output and the words to stderr, so that the output parses as it is."""
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "backstride"
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    for args, key in (
        (["analyze", str(csv), "--json", "-"], "schema"),
        (["validate", str(ROOT / "data" / "oxford-phone-steps"), "--json", "-"], "recordings"),
    ):
        proc = subprocess.run([exe, *args], cwd=tmp_path, capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert key in json.loads(proc.stdout), args[0]
        assert b"walking" in proc.stderr or b"overall" in proc.stderr  # the words, not lost
        assert not (tmp_path / "-").exists()
    proc = subprocess.run(
        [exe, "analyze", str(csv), "--json", "/dev/stdout"], capture_output=True, timeout=300
    )
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"not a regular file" in proc.stderr and b"- to write to standard output" in proc.stderr


@pytest.mark.parametrize("option", ["--out-dir", "--json"])
def test_an_empty_output_name_is_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    """``--out-dir ""`` (an unset shell variable) wrote the recording's tables and figure
    into the current folder."""
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    work = tmp_path / "here"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(main, ["analyze", str(csv), option, ""])
    assert result.exit_code == 2
    assert "is empty" in result.output
    assert list(work.iterdir()) == []


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["analyze", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "No file" in result.output


def test_validate_prints_the_table_and_json(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main,
        ["validate", str(ROOT / "data" / "oxford-phone-steps"), "--json", str(tmp_path / "v.json")],
    )
    assert result.exit_code == 0, result.output
    assert "overall" in result.output
    doc = json.loads((tmp_path / "v.json").read_text())
    # which layout, and which version's figures (they change from version to version)
    assert doc["schema"] == "backstride.validation/1"
    assert doc["backstride_version"] == backstride.__version__
    assert len(doc["recordings"]) == 6
    assert doc["pooled"]["phone"]["phone_mean_abs_rel_error"] <= 0.02
    assert doc["targets_met"] == {
        "phone": {"phone_mean_abs_rel_error": True, "phone_max_abs_rel_error": True}
    }


def test_validate_writes_whole_recording_names_into_a_pipe(runner: CliRunner) -> None:
    """Squeezed to 160 columns the table cut names to "HA-001/Test11-Tri..." in logs."""
    result = runner.invoke(main, ["validate", str(ROOT / "data")])  # Mobilise-D and phones
    assert result.exit_code == 0, result.output
    assert "\u2026" not in result.output  # no ellipsis anywhere
    for name in ("mobilised-lab/HA-001/Test11-Trial1", "mobilised-lab/HA-002/Test11-Trial1"):
        assert name in result.output
    # a verdict per dataset under the table (the figures themselves are pinned elsewhere)
    verdicts = [line for line in result.output.splitlines() if "against the targets" in line]
    assert [line.split(" ")[0] for line in verdicts] == ["mobilised", "mobilised-stereo", "phone"]
    assert "phone against the targets, 2 of 2 met" in result.output
    phone_rows = [line for line in result.output.splitlines() if "user1_" in line]
    assert len(phone_rows) == 6
    # the last cell whole: "+1 (+0.3%)"
    assert all(re.search(r" [+-]\d+ \([+-]\d+\.\d%\)$", line.rstrip()) for line in phone_rows)


def test_validate_says_where_contacts_were_found_and_missed(
    runner: CliRunner, tmp_path: Path
) -> None:
    """One line per reference system, and the same counts in the JSON, adding up to the totals."""
    out = tmp_path / "v.json"
    trials = ROOT / "data" / "mobilised-lab" / "HA-001"
    result = runner.invoke(main, ["validate", str(trials), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "mobilised contacts by place: straight walking" in result.output
    assert "mobilised-stereo contacts by place" in result.output
    doc = json.loads(out.read_text())
    for rec in doc["recordings"]:
        places = rec["contacts_by_place"]
        assert sorted(places) == ["ends", "outside", "straight", "turns"]
        assert sum(p["found"] for p in places.values()) == rec["ic_matched"]
        assert sum(p["reference"] for p in places.values()) == rec["ic_reference"]
    pooled = doc["contacts_by_place"]["mobilised"]
    assert pooled["turns"]["reference"] > 0 and pooled["outside"]["extra"] > 0


def test_validate_on_a_folder_without_references(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "No recordings with a reference" in result.output


@pytest.mark.parametrize("command", ["analyze", "validate", "screen", "import"])
def test_help_of_every_command_is_help_not_an_internal_error(
    runner: CliRunner, command: str
) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output and "internal error" not in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["analyze", "--no-such-option"], "No such option"),
        (["analyze"], "Missing argument"),
        (["analyze", "x.csv", "--acc-unit", "furlongs"], "Invalid value"),
    ],
)
def test_usage_errors_are_usage_errors(runner: CliRunner, args: list[str], says: str) -> None:
    """click's own message and exit code 2, not BackStride's 'internal error' (a past bug)."""
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert says in result.output and "internal error" not in result.output
    assert "Traceback" not in result.output


def test_an_unusable_output_path_is_refused_before_the_analysis(
    runner: CliRunner, tmp_path: Path
) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    result = runner.invoke(main, ["analyze", str(MAT), "--out-dir", str(a_file)])
    assert result.exit_code == 2
    assert "is a file; give --out-dir a folder" in result.output
    assert "walking" not in result.output  # nothing was analysed or printed first
    result = runner.invoke(main, ["analyze", str(MAT), "--json", str(tmp_path)])
    assert result.exit_code == 2 and "give --json a file name" in result.output
    result = runner.invoke(main, ["validate", str(MAT.parents[1]), "--json", str(tmp_path)])
    assert result.exit_code == 2 and "give --json a file name" in result.output
    assert "overall" not in result.output  # refused before validating


def test_outputs_that_would_collide_or_dangle_are_refused_first(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a pass over the output checks: each wrote a file before failing, or let a
    figure overwrite the JSON with exit 0."""
    monkeypatch.chdir(tmp_path)
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere" / "deeper")
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    for args, says in (
        (["analyze", str(csv), "--out-dir", "o", "--json", "o"], "given as both --json and"),
        (["validate", str(MAT.parents[1]), "--plots", "p", "--json", "p"], "given as both"),
        (["analyze", str(MAT), "--out-dir", "m", "--json", "m/overview-Test5-Trial1.png"],
         "is where --out-dir writes its overview-Test5-Trial1.png"),
        (["validate", str(MAT.parents[1]), "--plots", "q", "--json", "q/x.png"],
         "is where --plots writes its x.png"),
        (["analyze", str(csv), "--out-dir", "dangling", "--json", "j.json"],
         "is a link to a folder that does not exist"),
        (["analyze", str(csv), "--json", "loop_a"], "is a link to a place that does not exist"),
    ):  # fmt: skip
        before = sorted(p.name for p in tmp_path.iterdir())
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 2, (args, result.output)
        assert says in " ".join(result.output.split()), result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == before, args
    assert (tmp_path / "loop_a").is_symlink()


def test_a_pipe_is_not_replaced_by_a_file(runner: CliRunner, tmp_path: Path) -> None:
    """The JSON was written by renaming a temporary file over the target: as root, that
    turned /dev/full into a regular file. (A pipe stands in for the device here, so that a
    regression cannot damage the machine's /dev.)"""
    import os
    import stat

    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = runner.invoke(main, ["analyze", str(csv), "--json", str(fifo)])
    assert result.exit_code == 2, result.output
    assert "is not a regular file (a device or a pipe)" in result.output
    assert "walking" not in result.output  # refused before the analysis
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symbolic_link_is_written_through(runner: CliRunner, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    target.chmod(0o644)
    link.symlink_to(target)
    result = runner.invoke(main, ["analyze", str(csv), "--json", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()  # still a link, to a file that now holds the analysis
    assert json.loads(target.read_text())["schema"] == "backstride.analysis/1"
    assert target.stat().st_mode & 0o777 == 0o644  # a replaced file keeps its permissions


def test_out_dir_targets_are_checked_before_anything_is_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    csv = _write_csv(tmp_path / "walk.csv", seconds=20)
    out = tmp_path / "out"
    (out / "steps.csv").mkdir(parents=True)  # a folder where a table goes
    result = runner.invoke(
        main, ["analyze", str(csv), "--out-dir", str(out), "--json", str(tmp_path / "a.json")]
    )
    assert result.exit_code == 2
    assert "steps.csv is a folder" in result.output
    assert not (tmp_path / "a.json").exists() and sorted(p.name for p in out.iterdir()) == [
        "steps.csv"
    ]
    # the JSON may not be one of the files the folder receives
    result = runner.invoke(
        main, ["analyze", str(csv), "--out-dir", str(tmp_path / "o2"), "--json",
               str(tmp_path / "o2" / "info.json")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is where --out-dir writes its info.json" in result.output
    assert not (tmp_path / "o2").exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{bad", "is not valid JSON"),
        ("", "is not valid JSON"),
        ("[1, 2]", "holds no JSON object"),
        ('{"timezone": "Europe/Berlin"}', "states no sample_rate_hz"),
        ('{"sample_rate_hz": -100}', "The sample_rate_hz in Test5-Trial1.reference.json is -100"),
    ],
)
def test_a_damaged_export_sidecar_is_named(
    runner: CliRunner, tmp_path: Path, content: str, says: str
) -> None:
    """It was read past as a generic CSV: 'has a samples column but no time_s column; pass
    --sample-rate-hz', or for a rate of -100 'give --sample-rate-hz in Hz', an option the
    user had not given."""
    csv = tmp_path / "Test5-Trial1.imu.csv"
    csv.write_bytes((MAT.parent / csv.name).read_bytes())
    (tmp_path / "Test5-Trial1.reference.json").write_text(content)
    result = runner.invoke(main, ["analyze", str(csv)])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    # the way out the message names works
    result = runner.invoke(main, ["analyze", str(csv), "--sample-rate-hz", "100"])
    # (a file stating -100 Hz disagrees with the option, and is refused again)
    assert result.exit_code == (0 if "-100" not in content else 2), result.output


def test_a_phone_log_in_reverse_order_is_named(runner: CliRunner, tmp_path: Path) -> None:
    """Every row but the first was dropped as 'not advancing', which ended in 'advance by a
    median of nan per row'."""
    (source,) = sorted((ROOT / "data" / "oxford-phone-steps").glob("*_hand_*.csv"))
    reversed_log = tmp_path / source.name
    reversed_log.write_text("\n".join(source.read_text().splitlines()[::-1]) + "\n")
    result = runner.invoke(main, ["analyze", str(reversed_log)])
    assert result.exit_code == 2
    assert "mostly go backwards or repeat; sort the rows by the first column" in result.output


def test_a_geneactiv_zone_that_is_no_offset_is_said(runner: CliRunner, tmp_path: Path) -> None:
    """'GMT +99' was taken as UTC with the note that the header gives no time zone."""
    source = ROOT / "data" / "gaitpy-demo" / "demo_data.csv"
    lines = source.read_bytes().split(b"\n")
    (k,) = [i for i, line in enumerate(lines[:100]) if line.startswith(b"Time Zone,")]
    lines[k] = b"Time Zone,GMT +99"
    odd = tmp_path / "demo_data.csv"
    odd.write_bytes(b"\n".join(lines))
    result = runner.invoke(main, ["analyze", str(odd), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    notes = json.loads((tmp_path / "a.json").read_text())["recording"]["notes"]
    assert (
        "the header's time zone 'GMT +99' is not an offset from GMT of under 24 h, so the "
        "times were taken as UTC" in notes
    )


@pytest.mark.parametrize("height", ["0", "9", "-1.7"])
def test_an_implausible_height_is_refused_not_ignored(runner: CliRunner, height: str) -> None:
    """A height of 0 used to be taken as 'none given' and silently dropped."""
    for option in ("--height-m", "--sensor-height-m"):
        result = runner.invoke(main, ["analyze", str(MAT), option, height])
        assert result.exit_code == 2, result.output
        assert "not a plausible human value" in result.output
        assert "walking" not in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--sensor-height-m", "2.5"], "sensor height 2.5 m is not a plausible human value"),
        (["--sensor-height-m", "1.5", "--height-m", "1.0"], "is above the trunk of a 1-m person"),
        (["--sensor-height-m", "1.0", "--height-m", "1.0"], "is above the trunk"),
        (["--sensor-height-m", "0.99", "--height-m", "1.0"], "at most 0.8 of body height"),
        (["--height-m", "1.0"], "sensor height 0.964 m is above the trunk of a 1-m person"),
    ],
)
def test_a_sensor_above_the_wearers_reach_is_refused(
    runner: CliRunner, args: list[str], says: str
) -> None:
    """Both were accepted and gave strides of 1.4-1.9 m from a walk of 1.2-m strides."""
    result = runner.invoke(main, ["analyze", str(MAT), *args])
    assert result.exit_code == 2, result.output
    assert says in result.output and "walking" not in result.output
    ok = runner.invoke(
        main, ["analyze", str(MAT), "--sensor-height-m", "0.95", "--height-m", "1.7"]
    )
    assert ok.exit_code == 0, ok.output


def test_a_recording_across_midnight_prints_one_row_per_day(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Two walks, one each side of midnight (ISO timestamps): the per-day table shows both."""
    first, _ = walking_signal(walk_s=40, stand_before_s=5, stand_after_s=5)
    second, _ = walking_signal(walk_s=40, stand_before_s=5, stand_after_s=5, step_hz=1.5)
    acc = np.vstack([first.acc, second.acc]) / 9.80665
    start = pd.Timestamp("2024-06-01T23:59:25")
    stamps = start + pd.to_timedelta(np.arange(acc.shape[0]) / 100.0, unit="s")
    df = pd.DataFrame(acc, columns=["acc_x", "acc_y", "acc_z"])
    df.insert(0, "timestamp", stamps.strftime("%Y-%m-%dT%H:%M:%S.%f"))
    df.to_csv(tmp_path / "night.csv", index=False)
    result = runner.invoke(main, ["analyze", str(tmp_path / "night.csv")])
    assert result.exit_code == 0, result.output
    assert "per day" in result.output
    days = [line.split() for line in result.output.splitlines() if line.startswith("2024-06-0")]
    assert [d[0] for d in days] == ["2024-06-01", "2024-06-02"]
    # the first walk (120 steps/min) before midnight, the second (90) after
    assert [d[2] for d in days] == ["-", "-"]  # worn: not judged in under an hour
    assert [int(d[4]) for d in days] == [1, 1]  # bouts
    assert [d[8] for d in days] == ["-", "-"]  # turns: no gyroscope to tell them
    assert [int(d[9]) for d in days] == pytest.approx([120, 90], abs=2)  # cadence /min


def test_a_bug_is_one_line_exit_1_and_names_itself(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception is not bad input: exit 1, 'internal error', no traceback."""
    import backstride.api

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(backstride.api, "analyze_file", broken)
    monkeypatch.delenv("BACKSTRIDE_DEBUG", raising=False)
    out_json = tmp_path / "r.json"
    result = runner.invoke(
        main, ["analyze", str(_write_csv(tmp_path / "w.csv")), "--json", str(out_json)]
    )
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith("internal error: ZeroDivisionError: division by zero")
    assert "BACKSTRIDE_DEBUG=1" in message and "Traceback" not in message
    assert not out_json.exists()


def test_a_linear_acceleration_export_is_refused_not_analysed(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Phones also export 'linear' acceleration, gravity removed: no 'up', so no results."""
    rec, _ = walking_signal(walk_s=30)
    df = pd.DataFrame(rec.acc - rec.acc.mean(axis=0), columns=["acc_x", "acc_y", "acc_z"])
    df.insert(0, "time_s", rec.time_s)
    df.to_csv(tmp_path / "linear.csv", index=False)
    out_dir = tmp_path / "out"
    result = runner.invoke(
        main,
        ["analyze", str(tmp_path / "linear.csv"), "--acc-unit", "mps2", "--out-dir", str(out_dir)],
    )
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith("error:") and len(message.splitlines()) == 1
    assert "not a linear or user acceleration" in message
    assert not out_dir.exists()


def test_a_phone_in_the_hand_counts_steps_but_gives_no_stride_length(
    runner: CliRunner, tmp_path: Path
) -> None:
    """With a height given, the pendulum would still turn the hand's bobbing into strides."""
    phone = ROOT / "data" / "oxford-phone-steps" / "user1_hand_1506421989895.csv"
    out = tmp_path / "phone.json"
    result = runner.invoke(main, ["analyze", str(phone), "--height-m", "1.75", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "worn in the hand, away from the trunk" in result.output
    assert "posture:" not in result.output  # said once, in the placement sentence
    doc = json.loads(out.read_text())
    (bout,) = doc["bouts"]
    assert bout["n_steps"] > 300 and 90 < bout["cadence_spm"] < 115
    for key in ("stride_length_m", "walking_speed_mps", "step_regularity", "impact_mps2"):
        assert bout[key] is None, key
    assert set(bout["trunk_rom_deg"].values()) == {None}
