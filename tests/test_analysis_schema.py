"""The JSON document ``backstride analyze --json`` writes, checked against its JSON Schema.

``src/backstride/schemas/analysis-1.schema.json`` is the machine-readable contract of
``backstride.analysis/1`` (docs/analysis-schema.md is its prose). Every object in it is
closed (no property it does not name), so a field added to the output without the schema, a
count written as a float, a NaN written as a number or a value out of its range fails here,
for every kind of recording the readers produce: multi-trial lab files with a gyroscope,
phones in six carry positions, devices without a gyroscope, a recording without walking,
and one that runs over midnight.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride import Recording, analyze
from backstride.api import analyze_file
from backstride.cli import main
from backstride.io import read_recordings
from backstride.output import SCHEMA, analysis_json_schema, to_json_document
from shared_data import SHARED, shared
from test_gait_properties import NOISE_ON_GRAVITY

from synthetic import rotation, standing_signal, walking_signal

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = analysis_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator: jsonschema.Draft202012Validator, doc: Any) -> list[str]:
    """Every way ``doc`` breaks the schema, as ``path: message`` lines (empty when none)."""
    # the document as a reader gets it: written and parsed again (NaN would not survive)
    parsed = json.loads(json.dumps(doc, allow_nan=False))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(parsed)
    ]


def _document(path: Path) -> dict[str, Any]:
    return to_json_document(analyze_file(path), source=path)


@pytest.fixture(scope="module")
def lab_doc() -> dict[str, Any]:
    return _document(DATA / "mobilised-lab" / "HA-001" / "data.mat")


def test_the_schema_names_itself_as_the_documents_do() -> None:
    schema = analysis_json_schema()
    assert schema["title"] == SCHEMA
    assert schema["properties"]["schema"] == {"const": SCHEMA}


def test_a_multi_trial_lab_file_with_a_gyroscope_meets_the_schema(
    validator: jsonschema.Draft202012Validator, lab_doc: dict[str, Any]
) -> None:
    assert _errors(validator, lab_doc) == []
    daily = lab_doc["recordings"][-1]
    # what the schema is checked on here: bouts with every trunk measure, and turns
    assert len(daily["bouts"]) >= 5 and len(daily["turns"]) >= 10
    assert all(b["trunk_rom_deg"]["sagittal"] is not None for b in daily["bouts"])
    assert lab_doc["source"]["companions"]


@pytest.mark.parametrize(
    "path",
    [
        *sorted((DATA / "oxford-phone-steps").glob("user1_*.csv")),
        DATA / "gaitpy-demo" / "demo_data.csv",
        DATA / "mobilised-lab" / "HA-002" / "data.mat",
        DATA / "devices" / "axivity-cwa" / "ax6_sample.cwa",
        DATA / "devices" / "geneactiv-bin" / "gnactv_sample.bin",
    ],
    ids=lambda p: p.name,
)
def test_every_kind_of_bundled_recording_meets_the_schema(
    validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    """Phones (no trunk measures: nulls), a lower-back device without a gyroscope (no turns,
    feet A/B), a lab file with a trial without walking, and device files."""
    doc = _document(path)
    assert _errors(validator, doc) == []


def test_an_ipol_recording_meets_the_schema(validator: jsonschema.Draft202012Validator) -> None:
    path = shared(SHARED / "ipol-lumbar" / "GaitData" / "1-1_lb.txt")
    doc = _document(path)
    assert _errors(validator, doc) == []
    assert doc["source"]["companions"]  # the sidecar with the walker's height


def test_a_recording_without_walking_meets_the_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    doc = to_json_document([analyze(standing_signal())])
    assert doc["bouts"] == [] and doc["summary"]["cadence_spm"] is None
    assert _errors(validator, doc) == []


def test_a_walk_over_midnight_gives_two_days_that_meet_the_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    (rec,) = [
        r
        for r in read_recordings(DATA / "mobilised-lab" / "HA-001" / "data.mat")
        if r.name == "Test11-Trial1"
    ]
    start = dt.datetime(2020, 12, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    doc = to_json_document([analyze(dataclasses.replace(rec, start=start))])
    assert [d["day"] for d in doc["days"]] == ["2020-12-10", "2020-12-11"]
    assert _errors(validator, doc) == []
    unknown = to_json_document([analyze(dataclasses.replace(rec, start=None))])
    assert unknown["recording"]["start"] is None and unknown["days"][0]["day"] == "day 1"
    assert _errors(validator, unknown) == []


@settings(max_examples=60, deadline=None)
@given(
    fs=st.sampled_from([20.0, 32.0, 50.0, 100.0, 128.0]),
    step_hz=st.floats(1.0, 2.6),
    noise=st.floats(0.0, 1.5),
    gyro=st.booleans(),
    turn_deg=st.sampled_from([0.0, 90.0, -180.0]),
    mount=st.tuples(st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180)),
    seed=st.integers(0, 2**16),
)
def test_any_walk_gives_a_document_that_meets_the_schema(
    validator: jsonschema.Draft202012Validator,
    fs: float,
    step_hz: float,
    noise: float,
    gyro: bool,
    turn_deg: float,
    mount: tuple[float, float, float],
    seed: int,
) -> None:
    """Walks slow to brisk, clean to noisy, at device rates from 20 to 128 Hz, mounted any
    way, with or without a gyroscope and a turn: whatever the analysis makes of them (a walk,
    pieces of one, or nothing), the document meets the schema."""
    rec, _ = walking_signal(
        fs=fs,
        step_hz=step_hz,
        walk_s=20.0,
        noise=noise,
        seed=seed,
        rot=rotation(*mount),
        sagittal_rom_deg=4.0 if gyro else None,
        turns=((10.0, 2.0, turn_deg),) if gyro and turn_deg else (),
    )
    doc = to_json_document([analyze(rec)])
    assert _errors(validator, doc) == []
    assert doc["recording"]["has_gyroscope"] is gyro
    assert np.isfinite([b["cadence_spm"] for b in doc["bouts"]]).all()


@settings(max_examples=40, deadline=None)
@given(
    **NOISE_ON_GRAVITY,
    gyro_dps=st.sampled_from([0.0, 5.0, 200.0]),
    placement=st.sampled_from(["lower_back", "wrist", "frontpocket"]),
)
def test_any_signal_gives_a_document_that_meets_the_schema(
    validator: jsonschema.Draft202012Validator,
    seed: int,
    fs: float,
    seconds: float,
    scale: float,
    gyro_dps: float,
    placement: str,
) -> None:
    """Noise of any size on gravity, with no gyroscope or a still or wild one, worn on the
    trunk or not: the analysis finds what it finds, and says it in the schema's terms."""
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    acc = rng.standard_normal((n, 3)) * scale + np.array([9.81, 0.0, 0.0])
    gyr = rng.standard_normal((n, 3)) * gyro_dps if gyro_dps else None
    rec = Recording(acc=acc, gyr=gyr, sample_rate_hz=fs, placement=placement, name="noise")
    doc = to_json_document([analyze(rec)])
    assert _errors(validator, doc) == []


def test_the_cli_writes_a_document_that_meets_the_schema(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    path = DATA / "mobilised-lab" / "HA-001" / "Test5-Trial1.imu.csv"
    out = tmp_path / "a.json"
    result = CliRunner().invoke(main, ["analyze", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert "recordings" not in doc and doc["bouts"]
    assert _errors(validator, doc) == []


def test_the_run_record_describes_its_input_and_recordings_as_the_document_does(
    tmp_path: Path,
) -> None:
    """``info.json`` (``--out-dir``) is the run's record, not an analysis document, but its
    ``input`` and each of its ``recordings`` have the document's ``source`` and
    ``recording`` layout, and the same values."""
    path = DATA / "mobilised-lab" / "HA-001" / "data.mat"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["analyze", str(path), "--out-dir", str(out), "--json", str(tmp_path / "a.json")]
    )
    assert result.exit_code == 0, result.output
    info = json.loads((out / "info.json").read_text())
    doc = json.loads((tmp_path / "a.json").read_text())
    defs = analysis_json_schema()["$defs"]
    for part, value in [("source", info["input"])] + [("recording", r) for r in info["recordings"]]:
        checker = jsonschema.Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{part}"})
        assert [e.message for e in checker.iter_errors(value)] == []
    assert info["schema"] == doc["schema"] and info["input"] == doc["source"]
    assert info["recordings"] == [r["recording"] for r in doc["recordings"]]


def _broken(doc: dict[str, Any], where: str) -> dict[str, Any]:
    """``doc`` with one thing wrong, as a change to the output could get it wrong."""
    bad = copy.deepcopy(doc)
    trial = bad["recordings"][-1]
    bout, turn, day = trial["bouts"][0], trial["turns"][0], trial["days"][0]
    if where == "undocumented bout field":
        bout["speed_kmh"] = 3.5
    elif where == "count as a float":
        bout["n_steps"] = float(bout["n_steps"]) + 0.5
    elif where == "bout field missing":
        del bout["step_time_ratio"]
    elif where == "cadence as text":
        bout["cadence_spm"] = "103"
    elif where == "harmonic ratio below zero":
        bout["harmonic_ratio_v"] = -2.4
    elif where == "unknown foot":
        trial["initial_contact_sides"][0] = "left"
    elif where == "turn under 45 degrees":
        turn["angle_deg"] = 30.0
    elif where == "direction misspelt":
        turn["direction"] = "Left"
    elif where == "day not a date":
        day["day"] = "10/12/2020"
    elif where == "summary field missing":
        del trial["summary"]["n_turns"]
    elif where == "start without its offset":
        trial["recording"]["start"] = "2020-12-10T13:09:03"
    elif where == "one recording under recordings":
        bad["recordings"] = bad["recordings"][:1]
    elif where == "recordings and a recording at the top":
        bad["bouts"] = []
    elif where == "other schema":
        bad["schema"] = "backstride.analysis/2"
    elif where == "short hash":
        bad["source"]["sha256"] = bad["source"]["sha256"][:40]
    return bad


@pytest.mark.parametrize(
    ("where", "said_at"),
    [
        ("undocumented bout field", "recordings/2/bouts/0: Additional properties"),
        ("count as a float", "recordings/2/bouts/0/n_steps: 10.5 is not of type 'integer'"),
        ("bout field missing", "recordings/2/bouts/0: 'step_time_ratio' is a required"),
        ("cadence as text", "recordings/2/bouts/0/cadence_spm: '103' is not of type"),
        ("harmonic ratio below zero", "recordings/2/bouts/0/harmonic_ratio_v: -2.4 is less"),
        ("unknown foot", "recordings/2/initial_contact_sides/0: 'left' is not one of"),
        ("turn under 45 degrees", "recordings/2/turns/0/angle_deg: 30.0 should not be valid"),
        ("direction misspelt", "recordings/2/turns/0/direction: 'Left' is not one of"),
        ("day not a date", "recordings/2/days/0/day: '10/12/2020' does not match"),
        ("summary field missing", "recordings/2/summary: 'n_turns' is a required"),
        ("start without its offset", "recordings/2/recording/start: '2020-12-10T13:09:03'"),
        ("one recording under recordings", "recordings: "),
        ("recordings and a recording at the top", ": Unevaluated properties"),
        ("other schema", "schema: 'backstride.analysis/1' was expected"),
        ("short hash", "source/sha256: "),
    ],
)
def test_the_schema_refuses_a_document_with_one_thing_wrong(
    validator: jsonschema.Draft202012Validator,
    lab_doc: dict[str, Any],
    where: str,
    said_at: str,
) -> None:
    """Each fault is refused, and at its own place (not as a vague 'no branch matched')."""
    assert _errors(validator, lab_doc) == []
    (error,) = _errors(validator, _broken(lab_doc, where))
    assert error.startswith(said_at)


def test_the_prose_names_the_fields_the_schema_holds() -> None:
    """docs/analysis-schema.md's example bout, turn, summary and day hold exactly the fields
    the schema requires, so the two documents cannot drift apart."""
    text = (ROOT / "docs" / "analysis-schema.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    defs = analysis_json_schema()["$defs"]
    assert set(example["bouts"][0]) == set(defs["bout"]["required"])
    assert set(example["turns"][0]) == set(defs["turn"]["required"])
    assert set(example["summary"]) == set(defs["summary"]["required"])
    assert set(example["days"][0]) == set(defs["day"]["required"])
    assert set(example["recording"]) == set(defs["recording"]["required"])
    assert set(example) - {"schema", "backstride_version", "source"} == set(
        defs["analysis"]["required"]
    )
