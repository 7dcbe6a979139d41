"""Validation against real reference measurements: the proof that the measures are right.

Two tiers per dataset:

- *Regression floors*: the agreement this version reaches, pinned so that it cannot silently
  degrade (a change that lowers it fails here and must say why in its commit).
- *Targets* from the issue that defined validation. Those not yet reached are marked
  ``xfail(strict=True)``: they run every time, show as "xfailed", and turn into failures the
  moment they pass, so the marker is removed as soon as the target is met.

Bundled data (``data/``, permissive licences) always run; ``../shared/data`` (the IPOL set is
AGPL and is read in place, never copied) runs whenever that folder is beside the checkout, as
it is in CI.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import signal
from scipy.spatial.transform import Rotation

from backstride.cli import main
from backstride.exceptions import InvalidInputError
from backstride.gait.bouts import BoutRules
from backstride.gait.pipeline import AnalysisParameters, analyze
from backstride.recording import Recording
from backstride.validation.metrics import match_contacts, walking_time_agreement
from backstride.validation.references import Reference, ReferenceBout
from backstride.validation.report import course_lines, step_time_ratio_lines, turn_lines
from backstride.validation.runner import (
    TARGETS,
    RecordingResult,
    ValidationReport,
    compare,
    find_cases,
    run_validation,
    walked_distance_m,
)
from shared_data import SHARED, shared

ROOT = Path(__file__).resolve().parents[1]

not_yet = pytest.mark.xfail(strict=True, reason="target not reached yet (see docs/validation.md)")


@pytest.fixture(scope="module")
def lab_report() -> ValidationReport:
    """The bundled Mobilise-D trials against both reference systems, validated once."""
    return run_validation(ROOT / "data" / "mobilised-lab")


@pytest.fixture(scope="module")
def mobilised(lab_report: ValidationReport) -> dict[str, float]:
    return lab_report.pooled("mobilised")


@pytest.fixture(scope="module")
def phone() -> ValidationReport:
    return run_validation(ROOT / "data" / "oxford-phone-steps")


@pytest.fixture(scope="module")
def ipol_report() -> ValidationReport:
    return run_validation(shared(SHARED / "ipol-lumbar"))


@pytest.fixture(scope="module")
def ipol(ipol_report: ValidationReport) -> dict[str, float]:
    return ipol_report.pooled("ipol")


# --- Mobilise-D lab (bundled, Apache-2.0) --------------------------------------------------


def test_mobilised_all_reference_recordings_are_evaluated(mobilised: dict[str, float]) -> None:
    # HA-001 Test5 x2 and Test11, HA-002 Test11 (HA-002 Test5 has no reference bouts)
    assert mobilised["recordings"] == 4
    assert mobilised["ref_bouts"] == 11


@pytest.fixture(scope="module")
def lab_report_without_stopping() -> ValidationReport:
    """The same trials with the walks ending on their last rhythmic contact (no rule 7)."""
    rules = BoutRules(stopping_steps=0)
    return run_validation(
        ROOT / "data" / "mobilised-lab", params=AnalysisParameters(bout_rules=rules)
    )


def test_mobilised_regression_floor(
    mobilised: dict[str, float], lab_report_without_stopping: ValidationReport
) -> None:
    # the contacts the rhythm finds keep their floor; what the stopping steps change against
    # INDIP is pinned in test_stopping_steps_lie_where_indip_has_ended_the_walk
    rhythm = lab_report_without_stopping.pooled("mobilised")
    assert rhythm["ic_f1"] >= 0.70
    assert rhythm["walking_f1"] >= 0.77
    assert mobilised["ic_mae_s"] <= TARGETS["ic_mae_s"]
    assert mobilised["walking_f1"] >= 0.77
    assert mobilised["matched_bouts"] >= 10
    assert mobilised["cadence_mae_spm"] <= 4.0
    # 0.109 m and 0.099 m/s before the vaulting share (docs/validation.md), 0.092 and 0.086 since
    assert mobilised["stride_length_mae_m"] <= 0.10
    assert mobilised["speed_mae_mps"] <= 0.095


def test_stopping_steps_lie_where_indip_has_ended_the_walk(
    lab_report: ValidationReport, lab_report_without_stopping: ValidationReport
) -> None:
    """INDIP ends a walk before the steps that stop it (HA-001's first straight walk: its bout
    ends at 9.88 s, the motion capture's last contact is 10.52 s). Every contact rule 7 adds
    lies outside INDIP's walks, so it is counted as extra there; the walks' values, which
    come from their rhythmic contacts, are unchanged. Measured: 8 added, contact F1 0.709 ->
    0.691, walking-time F1 0.800 -> 0.785."""
    pairs = {(r.dataset, r.name): r for r in lab_report_without_stopping.results}
    added_total = 0
    for with_stops in lab_report.results:
        rhythm = pairs[(with_stops.dataset, with_stops.name)]
        added = set(with_stops.detected_contacts_s) - set(rhythm.detected_contacts_s)
        assert set(rhythm.detected_contacts_s) <= set(with_stops.detected_contacts_s)
        assert with_stops.contacts.n_matched == rhythm.contacts.n_matched
        assert with_stops.bout_values == rhythm.bout_values
        if with_stops.dataset == "mobilised":
            refs = with_stops.reference_bouts
            assert not any(a - 0.25 <= t <= b + 0.25 for t in added for a, b in refs)
            added_total += len(added)
    assert 1 <= added_total <= 10
    before = lab_report_without_stopping.pooled("mobilised")
    after = lab_report.pooled("mobilised")
    assert before["ic_f1"] - 0.03 <= after["ic_f1"] < before["ic_f1"]
    assert before["walking_f1"] - 0.03 <= after["walking_f1"] < before["walking_f1"]


def test_turns_agree_with_the_motion_capture_in_direction(lab_report: ValidationReport) -> None:
    """Motion capture, the gold standard, marks 13 turns in its capture volume: BackStride
    finds 12, turning the same way in 11 (measured). INDIP, whose turns come from the foot
    sensors, gives the opposite direction to both of them on HA-001's turn at 45-48 s; the
    INDIP comparison is printed, not pinned (docs/validation.md)."""
    optical = lab_report.pooled("mobilised-stereo")
    assert optical["turns_reference"] == 13
    assert optical["turns_matched"] >= 12
    assert optical["turns_detected"] - optical["turns_matched"] <= 2
    scored = [r for r in lab_report.results if r.dataset == "mobilised-stereo"]
    assert sum(r.turn_directions_scored for r in scored) == optical["turns_matched"]
    assert sum(r.turn_directions_agreed for r in scored) >= 11
    assert optical["turn_direction_agreement"] >= 11 / 12


def test_per_trial_exports_without_data_mat_validate_as_the_trials_inside_it(
    tmp_path: Path, lab_report: ValidationReport
) -> None:
    # a dataset shipped as the per-trial CSV + reference JSON exports only
    source = ROOT / "data" / "mobilised-lab" / "HA-001"
    folder = tmp_path / "HA-001"
    folder.mkdir(parents=True)
    for path in [*source.glob("*.imu.csv"), *source.glob("*.reference.json")]:
        shutil.copy(path, folder / path.name)
    report = run_validation(tmp_path)
    exported = {r.name: r for r in report.results}
    from_mat = {r.name: r for r in lab_report.results if r.dataset == "mobilised"}
    assert sorted(exported) == sorted(n for n in from_mat if n.startswith("HA-001/"))
    assert {r.dataset for r in exported.values()} == {"mobilised"}
    for name, result in exported.items():
        mat = from_mat[name]
        # the same samples (to the export's 0.03% scale) and the same reference: one
        # contact of difference at most, and the same walking time
        assert abs(result.contacts.n_matched - mat.contacts.n_matched) <= 1, name
        assert abs(result.contacts.n_scored - mat.contacts.n_scored) <= 1, name
        assert result.walking_f1 == pytest.approx(mat.walking_f1, abs=0.01), name
        assert result.n_matched_bouts == mat.n_matched_bouts, name


def test_a_dataset_of_linked_folders_is_found(tmp_path: Path) -> None:
    """A study folder assembled from links to where its parts lie found nothing ("No
    recordings with a reference were found"): folder links were not followed. Each real
    folder is read once, a link back up the tree included."""
    study = tmp_path / "study"
    study.mkdir()
    (study / "lab").symlink_to(ROOT / "data" / "mobilised-lab", target_is_directory=True)
    (study / "phones").mkdir()
    for log in sorted((ROOT / "data" / "oxford-phone-steps").glob("*.csv"))[:2]:
        (study / "phones" / log.name).symlink_to(log)
    (study / "phones" / "again").symlink_to(study, target_is_directory=True)  # a cycle
    names = {(c[0], c[1].name) for c in find_cases(study)}
    expected = {(c[0], f"lab/{c[1].name}") for c in find_cases(ROOT / "data" / "mobilised-lab")}
    assert expected <= names and len(expected) == 9
    assert sum(kind == "phone" for kind, _ in names) == 2
    assert len(names) == 11


def test_mobilised_contact_timing_target(mobilised: dict[str, float]) -> None:
    assert mobilised["ic_mae_s"] <= TARGETS["ic_mae_s"]


@not_yet
def test_mobilised_contact_f1_target(mobilised: dict[str, float]) -> None:
    assert mobilised["ic_f1"] >= TARGETS["ic_f1_mobilised"]


@not_yet
def test_mobilised_walking_time_target(mobilised: dict[str, float]) -> None:
    assert mobilised["walking_f1"] >= TARGETS["walking_f1"]


@not_yet
def test_mobilised_cadence_target(mobilised: dict[str, float]) -> None:
    assert mobilised["cadence_mae_spm"] <= TARGETS["cadence_mae_spm"]


@not_yet
def test_mobilised_stride_length_target(mobilised: dict[str, float]) -> None:
    assert mobilised["stride_length_mae_m"] <= TARGETS["stride_length_mae_m"]


@not_yet
def test_mobilised_speed_target(mobilised: dict[str, float]) -> None:
    assert mobilised["speed_mae_mps"] <= TARGETS["speed_mae_mps"]


@pytest.fixture(scope="module")
def straight(lab_report: ValidationReport) -> dict[str, list[float]]:
    """Per-bout stride-length and speed errors on the straight-walk trials (Test5), by system."""
    out: dict[str, list[float]] = {}
    for system, n_trials in (("mobilised", 2), ("mobilised-stereo", 3)):
        # INDIP has no bouts in HA-002's straight walks; motion capture has one of them
        trials = [r for r in lab_report.results if "Test5" in r.name and r.dataset == system]
        assert len(trials) == n_trials
        out[f"{system}/sl"] = [e for r in trials for e in r.stride_length_errors]
        out[f"{system}/speed"] = [e for r in trials for e in r.speed_errors]
        assert len(out[f"{system}/sl"]) == n_trials
    return out


def test_straight_walking_meets_the_stride_targets_against_motion_capture(
    straight: dict[str, list[float]],
) -> None:
    """Against the gold standard, the pendulum model meets the bar on walks without turns."""
    assert np.mean(straight["mobilised-stereo/sl"]) <= TARGETS["stride_length_mae_m"]
    assert np.mean(straight["mobilised-stereo/speed"]) <= TARGETS["speed_mae_mps"]


def test_straight_walking_stride_length_meets_the_target_against_indip(
    straight: dict[str, list[float]],
) -> None:
    assert np.mean(straight["mobilised/sl"]) <= TARGETS["stride_length_mae_m"]


@pytest.mark.xfail(
    strict=True,
    reason="0.083 m/s: INDIP reads HA-001 Test5-Trial1's strides 8% longer than motion "
    "capture, which BackStride matches to 0.011 m (docs/validation.md)",
)
def test_straight_walking_speed_meets_the_target_against_indip(
    straight: dict[str, list[float]],
) -> None:
    assert np.mean(straight["mobilised/speed"]) <= TARGETS["speed_mae_mps"]


@pytest.fixture(scope="module")
def stereo(lab_report: ValidationReport) -> ValidationReport:
    return ValidationReport([r for r in lab_report.results if r.dataset == "mobilised-stereo"])


def test_motion_capture_is_a_second_reference_inside_its_volume(stereo: ValidationReport) -> None:
    """Stereophotogrammetry (the lab's gold standard) sees only its capture volume."""
    pooled = stereo.pooled()
    # HA-001 Test5 x2 and Test11, HA-002 Test5-Trial2 and Test11
    assert pooled["recordings"] == 5
    assert pooled["ref_bouts"] == 11
    assert np.isnan(pooled["walking_f1"])  # walking outside the volume is unseen
    for r in stereo.results:
        spans = np.array(r.reference_bouts)
        for t in r.detected_contacts_s:
            assert ((spans[:, 0] - 0.25 <= t) & (t <= spans[:, 1] + 0.25)).any()
    # regression floors: this version reaches F1 0.936, timing 0.042 s, stride length 0.049 m,
    # speed 0.078 m/s (0.058 m, 0.088 m/s before the vaulting share)
    assert pooled["ic_f1"] >= 0.92
    assert pooled["ic_mae_s"] <= TARGETS["ic_mae_s"]
    assert pooled["matched_bouts"] == 11
    assert pooled["stride_length_mae_m"] <= 0.06
    assert pooled["speed_mae_mps"] <= 0.10


def test_stride_length_inside_the_motion_capture_volume_meets_the_target(
    stereo: ValidationReport,
) -> None:
    """Every matched bout, daily-life turns included, against the gold standard."""
    assert stereo.pooled()["stride_length_mae_m"] <= TARGETS["stride_length_mae_m"]


def test_speed_inside_the_motion_capture_volume_meets_the_target(
    stereo: ValidationReport,
) -> None:
    """Met once a step's excursion counts only as far as it trades with forward speed:
    0.088 m/s before, 0.078 m/s since (HA-002's shuffles and the daily-life turns)."""
    assert stereo.pooled()["speed_mae_mps"] <= TARGETS["speed_mae_mps"]


def test_contact_f1_inside_the_motion_capture_volume_meets_the_target(
    stereo: ValidationReport,
) -> None:
    assert stereo.pooled()["ic_f1"] >= TARGETS["ic_f1_mobilised"]


# --- Phone step counts (bundled, CC BY 4.0) -------------------------------------------------


def test_phone_step_totals_meet_the_targets(phone: ValidationReport) -> None:
    errors = {r.name: abs(r.steps_rel_error) for r in phone.results}
    assert len(errors) == 6  # hand, front and back pocket, bag, neck pouch, armband
    assert sum(errors.values()) / len(errors) <= TARGETS["phone_mean_rel_error"]
    assert max(errors.values()) <= TARGETS["phone_max_rel_error"], errors


# --- IPOL lumbar (../shared/data, AGPL: read in place) --------------------------------------


@pytest.mark.shared_data
def test_ipol_regression_floor(ipol: dict[str, float]) -> None:
    assert ipol["recordings"] >= 30
    # 0.963 within the trials before the stopping steps (0.952 over every marked event), 0.972
    assert ipol["ic_f1"] >= 0.955
    assert ipol["walking_f1"] >= 0.97
    # the first-hump loading peak (docs/validation.md): 0.038 s with the highest hump, 0.029
    # s before a shoulder on the rise counted as the first hump, 0.027 s since
    assert ipol["ic_mae_s"] <= 0.029
    # the foot of each contact against the foot sensors: 0.930 from rotation alone, 0.837
    # from sway alone (two trials, 4-1 and 4-2, look like swapped foot sensors)
    assert ipol["side_agreement"] >= 0.92
    # time at >= 100 steps/min against the same per-second rule on the foot sensors'
    # contacts: 428 s against 445 s over the 34 trials
    assert abs(ipol["moderate_rel_error"]) <= 0.05


@pytest.mark.shared_data
def test_stopping_steps_are_the_foot_sensors_last_contacts(ipol_report: ValidationReport) -> None:
    """The walks' first and last contacts (the places report): without rule 7, 41 of the
    68 were found with none extra; with it, 60 with 2 extra (measured), and straight walking
    and turns as before. The values of each walk are its rhythmic contacts', unchanged."""
    rules = BoutRules(stopping_steps=0)
    rhythm = run_validation(
        shared(SHARED / "ipol-lumbar"), params=AnalysisParameters(bout_rules=rules)
    )
    ends_before = rhythm.places("ipol")["ends"]
    ends = ipol_report.places("ipol")["ends"]
    assert ends.reference == ends_before.reference == 68
    assert ends_before.found <= 45 and ends.found >= ends_before.found + 12
    assert ends.extra <= ends_before.extra + 3
    for place in ("straight", "turns"):
        now, before = (r.places("ipol")[place] for r in (ipol_report, rhythm))
        assert now.found >= before.found and now.extra <= before.extra + 1
    for now_r, before_r in zip(ipol_report.results, rhythm.results, strict=True):
        assert [m for m, *_ in now_r.bout_values] == [m for m, *_ in before_r.bout_values]
        values = [x for _, *v in now_r.bout_values for x in v]
        assert values == pytest.approx([x for _, *v in before_r.bout_values for x in v], rel=1e-12)


@pytest.mark.shared_data
def test_step_time_ratio_agrees_with_the_references_own(
    ipol: dict[str, float], mobilised: dict[str, float], lab_report: ValidationReport
) -> None:
    """The bouts' step-time ratio against the same rule on the reference's contacts and feet
    (measured: IPOL 0.030 over 34 bouts, INDIP 0.078 over 10, motion capture 0.048 over 7;
    IPOL 0.044 before the loading shoulder), and the printed line that reports it."""
    stereo = lab_report.pooled("mobilised-stereo")
    assert ipol["step_time_ratio_bouts"] == 34 and ipol["step_time_ratio_mae"] <= 0.04
    assert mobilised["step_time_ratio_bouts"] >= 9 and mobilised["step_time_ratio_mae"] <= 0.12
    assert stereo["step_time_ratio_bouts"] >= 6 and stereo["step_time_ratio_mae"] <= 0.07
    (line,) = [x for x in step_time_ratio_lines(lab_report) if x.startswith("mobilised step")]
    n = int(mobilised["step_time_ratio_bouts"])
    assert f"{mobilised['step_time_ratio_mae']:.3f} over {n} bouts" in line


def test_the_distance_walked_counts_the_steps_within_the_trial_only() -> None:
    """A step counts where both its contacts lie within the trial (widened by the contact
    tolerance) and in one bout; a bout's last contact starts no step."""
    steps = pd.DataFrame(
        {
            "bout_id": [0, 0, 0, 0, 1, 1],
            "ic_s": [0.5, 1.0, 1.5, 2.0, 6.0, 6.5],
            "step_length_m": [0.6, 0.7, 0.8, np.nan, 0.5, np.nan],
        }
    )
    analysis = SimpleNamespace(steps=steps)
    # 1.0 -> 1.5 -> 2.0 inside [1.0, 5.9]; 0.5 -> 1.0 starts 0.5 s early; 2.0 -> 6.0 crosses
    # bouts; 6.0 -> 6.5 ends 0.6 s late
    assert walked_distance_m(analysis, 1.0, 5.9) == pytest.approx(0.7 + 0.8)  # type: ignore[arg-type]
    assert walked_distance_m(analysis, 0.3, 6.3) == pytest.approx(0.6 + 0.7 + 0.8 + 0.5)  # type: ignore[arg-type]
    assert walked_distance_m(analysis, 3.0, 5.0) is None  # type: ignore[arg-type]


@pytest.mark.shared_data
def test_ipol_u_turns_are_found_with_their_angle(ipol_report: ValidationReport) -> None:
    """Every IPOL trial has one hand-marked U-turn of 180 degrees (out and back along one
    line). Measured: 34 of 34 found, 1 extra, the size 5.5 degrees off on average (bias
    +2.0). The edges run 0.42 s before and 0.51 s after the hand marks: the 0.5-Hz
    smoothing spreads a turn. Trial 2-3's U-turn lies in a 3.8-s pause of the trunk's
    loading steps (the reference's pivot steps come 2 s apart); before the turn joined the
    two walks (rule 6 in ``gait/bouts.py``) the walk was cut there and the turn missed."""
    pooled = ipol_report.pooled("ipol")
    assert pooled["turns_reference"] == 34
    assert pooled["turns_matched"] == 34
    assert pooled["turns_detected"] - pooled["turns_matched"] <= 2
    assert pooled["turn_angle_mae_deg"] <= 8.0
    assert abs(pooled["turn_angle_bias_deg"]) <= 5.0
    errors = [e for r in ipol_report.results for e in r.turn_angle_errors]
    assert max(abs(e) for e in errors) <= 25.0
    assert -0.8 <= pooled["turn_start_bias_s"] <= 0.0 <= pooled["turn_end_bias_s"] <= 0.8
    (line,) = turn_lines(ipol_report)
    assert line.startswith("ipol turns") and "34 of 34 found" in line
    (trial,) = [r for r in ipol_report.results if r.name == "2-3"]
    assert len(trial.detected_bouts) == 1


@pytest.mark.shared_data
def test_ipol_step_lengths_add_up_to_the_course(ipol_report: ValidationReport) -> None:
    """The IPOL walkers give only their body height and walk the protocol's 20 m course, so
    the step lengths summed over a trial check the pendulum and its length on six walkers
    the stride-length references do not have. The sum starts at the first contact, so it
    leaves out the first step from standing (0.6-0.75 m, 3-4% of the course) and, where it
    is missed, the closing half step (about 1.5%); the U-turn's arc adds a little. So the
    mean should fall 0-7% short. Measured: -4.8% (19.0 m) now; -3.6% (19.3 m) with the sensor
    at 0.61 of body height before the vaulting share (which shortens U-turn steps by 11%);
    -10.2% (18.0 m) with leg length, 0.53, before that."""
    pooled = ipol_report.pooled("ipol")
    assert pooled["course_trials"] == 34
    assert -0.07 <= pooled["distance_rel_error"] <= 0.0
    (line,) = course_lines(ipol_report)
    assert f"mean {pooled['distance_mean_m']:.1f} m" in line and "over 34 trials" in line


@pytest.mark.shared_data
def test_a_healthy_walker_whose_loading_hump_is_a_shoulder_shows_no_limp(
    ipol_report: ValidationReport,
) -> None:
    """IPOL subject 3: on the left the loading hump merges into the other leg's push-off,
    and taking the push-off put those contacts 0.10-0.16 s late, every other step. Trial
    3-5 read a step-time ratio of 1.43 against the foot sensors' 1.04 (measured now 1.07)."""
    (trial,) = [r for r in ipol_report.results if r.name == "3-5"]
    (error,) = trial.step_time_ratio_errors
    assert error <= 0.1
    assert trial.contacts.mean_abs_error_s <= 0.04  # 0.053 s before


def test_ipol_straight_walking_floor(ipol_report: ValidationReport) -> None:
    """Where the misses are not: straight walking (997/1006 found, 9 extra, 0.027 s)."""
    straight = ipol_report.places("ipol")["straight"]
    assert straight.recall >= 0.98
    assert straight.extra <= 0.02 * straight.reference
    assert straight.mean_abs_error_s <= 0.035


def test_straight_walking_against_motion_capture_floor(lab_report: ValidationReport) -> None:
    """41/42 found, none extra, 0.027 s: inside the capture volume, straight walking is right."""
    straight = lab_report.places("mobilised-stereo")["straight"]
    assert straight.recall >= 0.95 and straight.extra <= 1
    assert straight.mean_abs_error_s <= 0.04


@pytest.mark.shared_data
def test_ipol_timing_walking_time_and_cadence_targets(ipol: dict[str, float]) -> None:
    assert ipol["ic_mae_s"] <= TARGETS["ic_mae_s"]
    assert ipol["walking_f1"] >= TARGETS["walking_f1"]
    assert ipol["cadence_mae_spm"] <= TARGETS["cadence_mae_spm"]


@pytest.mark.shared_data
def test_ipol_trials_with_meta_json_sidecars_are_found(tmp_path: Path) -> None:
    """The data set's README names the sidecar ``<s>-<t>_meta.json``; the files say ``.json``.

    Both layouts validate the same (the files are linked, not copied: AGPL data stays put).
    """
    source = shared(SHARED / "ipol-lumbar") / "GaitData"
    (tmp_path / "GaitData").mkdir()
    for stem in ("1-1", "2-3"):
        (tmp_path / "GaitData" / f"{stem}_lb.txt").symlink_to(source / f"{stem}_lb.txt")
        (tmp_path / "GaitData" / f"{stem}_meta.json").symlink_to(source / f"{stem}.json")
    renamed = {r.name: r for r in run_validation(tmp_path).results}
    original = {r.name: r for r in run_validation(source).results if r.name in ("1-1", "2-3")}
    assert sorted(renamed) == sorted(original) == ["1-1", "2-3"]
    for name, result in renamed.items():
        assert result.contacts == original[name].contacts
        assert result.contacts.n_reference > 25


@pytest.mark.shared_data
def test_ipol_reference_is_the_protocols_trial() -> None:
    """Steps after the trial are scored one way in one file and the other way in the next.

    After trial 5-2 the walker turns on the spot; the file marks 6 heel strikes within 3 s
    of the trial's end, so they joined the walk's reference bout. After trial 4-3 the walker
    turns and steps too (6 steps on the trunk, with the gyroscope turning), but the file
    marks 4 heel strikes 3.8 s after the end: too few strides for a bout by the Mobilise-D
    rules, so none was a reference contact. Scored over the whole file, the first counted
    as misses and the second as 6 extras; only the protocol's trial is marked throughout.
    """
    from backstride.io.xsens_ipol import read_ipol_txt
    from backstride.validation.references import load_ipol_reference

    gait = shared(SHARED / "ipol-lumbar") / "GaitData"
    results = {}
    for trial, outside in (("5-2", 6), ("4-3", 4)):
        rec = read_ipol_txt(gait / f"{trial}_lb.txt")
        reference = load_ipol_reference(
            gait / f"{trial}.json", rec.sample_rate_hz, int(rec.meta["first_sample_index"])
        )
        assert reference.window_s is not None
        start, end = reference.window_s
        assert reference.extra["n_contacts_outside_trial"] == outside
        contacts = reference.initial_contacts_s
        assert start - 0.02 <= contacts[0] and contacts[-1] <= end + 0.02
        assert contacts[-1] == pytest.approx(end, abs=0.02)  # the trial ends on a heel strike
        analysis = analyze(rec)
        whole = compare("ipol", rec, analysis, dataclasses.replace(reference, window_s=None))
        trial_only = compare("ipol", rec, analysis, reference)
        results[trial] = (whole, trial_only)
    whole, trial_only = results["4-3"]
    after = [t for t in whole.detected_contacts_s if t > trial_only.detected_contacts_s[-1]]
    # the unmarked steps and the one that stops them, extras only when the whole file is scored
    assert len(after) == 7
    assert whole.contacts.n_matched == trial_only.contacts.n_matched
    assert trial_only.ic_precision > whole.ic_precision
    assert trial_only.walking_f1 > whole.walking_f1


@pytest.mark.shared_data
def test_ipol_contact_f1_target(ipol: dict[str, float]) -> None:
    assert ipol["ic_f1"] >= TARGETS["ic_f1_ipol"]


# --- Invariances on real recordings -----------------------------------------------------------


def _pooled_with(
    transform: Callable[[Recording], Recording],
    root: Path = ROOT / "data" / "mobilised-lab",
    dataset: str = "mobilised",
) -> dict[str, float]:
    """The pooled agreement over ``root`` with every recording changed by ``transform``."""
    results = []
    for d, rec, ref in find_cases(root):
        changed = transform(rec)
        results.append(compare(d, changed, analyze(changed), ref))
    return ValidationReport(results).pooled(dataset)


def _ipol_pooled_with(transform: Callable[[Recording], Recording]) -> dict[str, float]:
    return _pooled_with(transform, shared(SHARED / "ipol-lumbar"), "ipol")


def _to_50_hz(rec: Recording) -> Recording:
    return _resampled(rec, 1, 2)


def _resampled(rec: Recording, up: int, down: int) -> Recording:
    """``rec`` at ``up / down`` times its rate (polyphase, with scipy's anti-aliasing filter)."""
    acc = signal.resample_poly(rec.acc, up, down, axis=0)
    gyr = signal.resample_poly(rec.gyr, up, down, axis=0) if rec.gyr is not None else None
    rate = rec.sample_rate_hz * up / down
    return dataclasses.replace(rec, acc=acc, gyr=gyr, sample_rate_hz=rate)


@pytest.mark.shared_data
@pytest.mark.parametrize("factor", [2, 4])
def test_feet_do_not_depend_on_the_sample_rate(factor: int) -> None:
    """The IPOL trials at 50 and 25 Hz name the feet as well as at 100 Hz (floor 0.92).

    The foot's rotation and sway are read in the walker's frame, so a forward axis that
    points backwards names every foot wrong. The forward sign used to come from the AP
    acceleration just before and after the detected contacts, and at 50 and 25 Hz it
    flipped in 3 and 20 of the 34 trials: the feet agreed on 0.845 and 0.669.
    """
    pooled = _ipol_pooled_with(lambda full: _resampled(full, 1, factor))
    assert pooled["side_agreement"] >= 0.92


@pytest.mark.shared_data
def test_ipol_u_turns_hold_at_20_hz() -> None:
    """A phone or watch may log at 20 Hz, the lowest rate analysed. The IPOL trials at
    20 Hz: measured 34 of 34 U-turns found, 1 extra, size 5.7 degrees off (bias +2.2),
    against 34, 1, 5.5 (+2.0) at 100 Hz (50 and 25 Hz: 34, 1, 5.6 (+2.0 and +2.1)). The
    filter's cutoff, the edges and the limits are in hertz, seconds and degrees, not
    samples."""
    pooled = _ipol_pooled_with(lambda full: _resampled(full, 1, 5))
    assert pooled["turns_reference"] == 34
    assert pooled["turns_matched"] == 34
    assert pooled["turns_detected"] - pooled["turns_matched"] <= 2
    assert pooled["turn_angle_mae_deg"] <= 8.0
    assert abs(pooled["turn_angle_bias_deg"]) <= 5.0


@pytest.mark.shared_data
@pytest.mark.parametrize("rate_hz", [30.0, 128.0, 1000.0])
def test_ipol_results_at_other_device_rates(rate_hz: float, ipol: dict[str, float]) -> None:
    """The IPOL trials resampled to 30 Hz (ActiGraph's default), 128 Hz (a ratio of 32/25)
    and 1000 Hz (analysed at 100 Hz after anti-alias filtering, see ``at_analysis_rate``).

    Every duration in the method is in seconds, so the agreement stays: contact F1
    0.971, 0.974 and 0.973 against 0.972 at 100 Hz, timing 0.029, 0.028 and 0.027 s, feet
    0.923, 0.919 and 0.921 against 0.921.
    """
    pooled = _ipol_pooled_with(
        lambda full: _resampled(full, round(rate_hz), round(full.sample_rate_hz))
    )
    assert pooled["ic_f1"] == pytest.approx(ipol["ic_f1"], abs=0.01)
    assert pooled["ic_mae_s"] <= ipol["ic_mae_s"] + 0.005
    assert pooled["walking_f1"] == pytest.approx(ipol["walking_f1"], abs=0.01)
    assert pooled["side_agreement"] == pytest.approx(ipol["side_agreement"], abs=0.01)


@pytest.mark.shared_data
def test_ipol_results_from_a_noisier_coarser_sensor(ipol: dict[str, float]) -> None:
    """The IPOL trials as a cheaper sensor would give them: white noise of 0.1 m/s^2 and
    1 deg/s added (5 to 10 times a consumer IMU's at 100 Hz, about 0.02 m/s^2 and 0.1 deg/s),
    then the acceleration rounded to a 12-bit +-16 g converter's step (0.0077 g).

    Measured: contact F1 0.973, timing 0.027 s, walking F1 0.996, feet 0.921, against 0.972,
    0.027 s, 0.996 and 0.921 as recorded: both smoothing scales (40 and 100 ms) average the
    noise out, and the 0.2 m/s^2 prominence floor lies well above what is left of it.
    """
    rng = np.random.default_rng(7)
    lsb = 16 * 2 * 9.80665 / 2**12

    def noisy(rec: Recording) -> Recording:
        acc = np.round((rec.acc + rng.normal(0.0, 0.1, rec.acc.shape)) / lsb) * lsb
        assert rec.gyr is not None
        gyr = rec.gyr + rng.normal(0.0, 1.0, rec.gyr.shape)
        return dataclasses.replace(rec, acc=acc, gyr=gyr)

    pooled = _ipol_pooled_with(noisy)
    assert pooled["ic_f1"] >= ipol["ic_f1"] - 0.005
    assert pooled["ic_mae_s"] <= ipol["ic_mae_s"] + 0.003
    assert pooled["walking_f1"] >= ipol["walking_f1"] - 0.005
    assert pooled["side_agreement"] >= ipol["side_agreement"] - 0.01


def test_results_do_not_depend_on_the_sample_rate(mobilised: dict[str, float]) -> None:
    """At 50 Hz the walking found is the walking found at 100 Hz: sample-wise F1 of one
    against the other of at least 0.95 (measured 0.969), and contacts and stride lengths
    agree with INDIP as closely.

    Walking time is compared between the rates, not through INDIP: HA-002's walk at
    141-154 s, which INDIP leaves out and motion capture confirms (docs/validation.md),
    counts against BackStride there. Before the loading-shoulder rule, 50 Hz missed that walk
    and 6 s of another, and the two errors cancelled in the INDIP score (0.808 against 0.804
    at 100 Hz) while the rates agreed at only 0.910.
    """
    at_50 = _pooled_with(_to_50_hz)
    assert at_50["ic_f1"] == pytest.approx(mobilised["ic_f1"], abs=0.03)
    assert at_50["stride_length_mae_m"] == pytest.approx(mobilised["stride_length_mae_m"], abs=0.03)
    both = found = 0.0
    for dataset, rec, _ in find_cases(ROOT / "data" / "mobilised-lab"):
        if dataset != "mobilised":
            continue
        at_100, at_50hz = (
            list(analyze(r).bouts[["start_s", "end_s"]].itertuples(index=False, name=None))
            for r in (rec, _to_50_hz(rec))
        )
        agreement = walking_time_agreement(at_50hz, at_100, rec.duration_s)
        both += agreement.true_positive_s
        found += agreement.detected_s + agreement.reference_s
    assert 2 * both / found >= 0.95


def test_contacts_do_not_depend_on_the_sample_rate() -> None:
    """Within walking found at both rates, 97% of contacts are found at both, within 20 ms.

    Per-bout cadence errors are not compared: on HA-002's shuffling walk a 3-s pause that
    is 3.0 s at one rate and 3.01 s at the other decides whether a run of slow steps joins the
    bout (Mobilise-D's break rule is a hard edge), which moves that bout's cadence by 17
    steps/min while every contact stays within one sample.
    """
    from backstride.validation.metrics import match_contacts

    matched = total = 0
    for _, rec, _ in find_cases(ROOT / "data" / "mobilised-lab"):
        a, b = analyze(rec), analyze(_to_50_hz(rec))
        common = [
            (max(x.start_s, y.start_s) - 0.05, min(x.end_s, y.end_s) + 0.05)
            for x in a.bouts.itertuples()
            for y in b.bouts.itertuples()
            if min(x.end_s, y.end_s) > max(x.start_s, y.start_s)
        ]
        assert common, rec.name

        def inside(times: list[float], spans: list[tuple[float, float]] = common) -> list[float]:
            return [t for t in times if any(s <= t <= e for s, e in spans)]

        ta, tb = inside(a.initial_contacts_s), inside(b.initial_contacts_s)
        agreement = match_contacts(ta, tb, tolerance_s=0.02)
        matched += agreement.n_matched
        total += max(len(ta), len(tb))
    assert matched >= 0.97 * total, (matched, total)


def test_results_do_not_depend_on_how_the_sensor_is_mounted(mobilised: dict[str, float]) -> None:
    rot = Rotation.from_euler("zyx", [70, -35, 120], degrees=True).as_matrix()

    def rotate(rec: Recording) -> Recording:
        gyr = rec.gyr @ rot.T if rec.gyr is not None else None
        return dataclasses.replace(rec, acc=rec.acc @ rot.T, gyr=gyr)

    rotated = _pooled_with(rotate)
    assert rotated["ic_f1"] == pytest.approx(mobilised["ic_f1"], abs=0.01)
    assert rotated["walking_f1"] == pytest.approx(mobilised["walking_f1"], abs=0.01)
    assert rotated["stride_length_mae_m"] == pytest.approx(
        mobilised["stride_length_mae_m"], abs=0.01
    )


def test_feet_are_named_against_both_reference_systems(lab_report: ValidationReport) -> None:
    # every straight-walk contact gets the reference's foot, from INDIP and motion capture
    straight = [r for r in lab_report.results if "Test5" in r.name]
    assert sum(r.side_scored for r in straight) >= 40
    assert all(r.side_agreed == r.side_scored for r in straight)
    # with daily-life turning: rotation alone gave 0.755 against INDIP, sway alone 0.955
    assert lab_report.pooled("mobilised")["side_agreement"] >= 0.90
    assert lab_report.pooled("mobilised-stereo")["side_agreement"] >= 0.90


def test_moderate_time_is_scored_against_the_references_contacts(
    lab_report: ValidationReport,
) -> None:
    from backstride.validation.runner import reference_moderate_s

    straight = [r for r in lab_report.results if r.dataset == "mobilised" and "Test5" in r.name]
    assert straight and all(r.moderate_ref_s == 3 for r in straight)
    # BackStride's walks run on to the steps that stop them, which INDIP's leave out; their
    # seconds keep the walk's last pace: Trial2's walk ends 0.55 s later, in one more whole
    # second (a pace of 100 steps/min or more), Trial1's within the same second
    assert [r.moderate_det_s for r in straight] == [3, 4]
    # the motion capture sees only its volume: no walking time, so no moderate time either
    assert all(r.moderate_ref_s is None for r in lab_report.results if "stereo" in r.dataset)
    # 120 steps/min with the contact at 2.0 s untimed: placed in its gap, all five whole
    # seconds are moderate; left out, second 2 would read 60 steps/min
    timed = (0.0, 0.5, 1.0, 1.5, 2.5, 3.0, 3.5, 4.0)
    bout = ReferenceBout(0.0, 4.0, timed, untimed_contacts=((1.5, 2.5, 1),))
    assert reference_moderate_s(Reference(bouts=(bout,))) == 5.0
    gap_ignored = ReferenceBout(0.0, 4.0, timed)
    assert reference_moderate_s(Reference(bouts=(gap_ignored,))) == 4.0


def _feet(rec: Recording, ref: Reference) -> tuple[list[str], list[str]]:
    """BackStride's and the reference's foot for each matched contact of a straight walk."""
    analysis = analyze(rec)
    result = compare("mobilised", rec, analysis, ref)
    sides = analysis.steps["side"].tolist()
    theirs = ref.contact_sides
    pairs = [(i, result.reference_contacts_s[k]) for i, k in result.contacts.pairs]
    return [sides[i] for i, _ in pairs], [theirs[t] for _, t in pairs]


def test_feet_do_not_depend_on_mounting_even_in_a_mirrored_frame() -> None:
    (_, rec, ref), *_ = find_cases(ROOT / "data" / "mobilised-lab")
    assert rec.name == "HA-001/Test5-Trial1" and rec.gyr is not None
    ours, theirs = _feet(rec, ref)
    assert ours == theirs and len(ours) == 9
    rot = Rotation.from_euler("zyx", [70, -35, 120], degrees=True).as_matrix()
    rotated = dataclasses.replace(rec, acc=rec.acc @ rot.T, gyr=rec.gyr @ rot.T)
    assert _feet(rotated, ref)[0] == theirs
    # a file whose axes were relabelled into a mirror image: rotation still names the feet
    # and sway's sign follows it (gait/laterality.py)
    mirror = np.diag([1.0, -1.0, 1.0])
    mirrored = dataclasses.replace(rec, acc=rec.acc @ mirror, gyr=rec.gyr @ mirror)
    assert _feet(mirrored, ref)[0] == theirs


def test_without_a_gyroscope_contacts_alternate_but_no_foot_is_named() -> None:
    (_, rec, ref), *_ = find_cases(ROOT / "data" / "mobilised-lab")
    no_gyro = dataclasses.replace(rec, gyr=None)
    ours, theirs = _feet(no_gyro, ref)
    assert set(ours) == {"A", "B"}
    # A is the side the sway alone calls left; on this straight walk it groups them right
    assert [{"A": "L", "B": "R"}[x] for x in ours] == theirs
    assert compare("mobilised", no_gyro, analyze(no_gyro), ref).side_scored == 0


def test_without_a_gyroscope_turns_are_not_scored() -> None:
    daily = [c for c in find_cases(ROOT / "data" / "mobilised-lab") if "Test11" in c[1].name]
    dataset, rec, ref = daily[0]
    assert ref.marks_turns and ref.turns
    with_gyro = compare(dataset, rec, analyze(rec), ref)
    assert with_gyro.turns_reference == len(ref.turns) and with_gyro.turns_matched > 0
    no_gyro = dataclasses.replace(rec, gyr=None)
    result = compare(dataset, no_gyro, analyze(no_gyro), ref)
    assert result.turns_reference is None and result.turns_detected == 0
    assert turn_lines(ValidationReport([result])) == []


def test_reference_feet_are_read_from_every_layout() -> None:
    from backstride.validation.references import (
        load_mobilised_mat_reference_systems,
        load_mobilised_reference,
    )

    folder = ROOT / "data" / "mobilised-lab" / "HA-001"
    exported = load_mobilised_reference(folder / "Test11-Trial1.reference.json")
    inside = load_mobilised_mat_reference_systems(folder / "data.mat")
    assert exported.contact_sides == inside["INDIP"]["Test11-Trial1"].contact_sides
    # the contacts INDIP could not time (NaN) are left out of both lists alike
    for bout in exported.bouts:
        assert len(bout.initial_contact_sides) == len(bout.initial_contacts_s)
    sides = list(exported.contact_sides.values())
    assert abs(sides.count("L") - sides.count("R")) <= len(exported.bouts)
    optical = inside["Stereophoto"]["Test5-Trial1"].contact_sides
    assert list(optical.values())[:4] == ["L", "R", "L", "R"]


def test_the_reference_inside_data_mat_validates_alone(
    tmp_path: Path, mobilised: dict[str, float]
) -> None:
    """Without the exported JSON files, validate reads the INDIP reference from data.mat."""
    import shutil

    for participant in ("HA-001", "HA-002"):
        folder = tmp_path / participant
        folder.mkdir()
        shutil.copy(ROOT / "data" / "mobilised-lab" / participant / "data.mat", folder)
        shutil.copy(ROOT / "data" / "mobilised-lab" / participant / "infoForAlgo.mat", folder)
    from_mat = run_validation(tmp_path).pooled("mobilised")
    assert from_mat["recordings"] == mobilised["recordings"]
    assert from_mat["ref_bouts"] == mobilised["ref_bouts"]
    assert from_mat["ic_f1"] == pytest.approx(mobilised["ic_f1"], abs=1e-9)
    assert from_mat["walking_f1"] == pytest.approx(mobilised["walking_f1"], abs=1e-3)
    assert from_mat["cadence_mae_spm"] == pytest.approx(mobilised["cadence_mae_spm"], abs=0.01)


def test_reference_bouts_the_reference_could_not_time_are_left_out(tmp_path: Path) -> None:
    """A bout with a missing start or a non-numeric end is skipped, the rest are read."""
    from scipy.io import loadmat, savemat

    from backstride.validation.references import load_mobilised_mat_references

    source = ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"
    doc = loadmat(source, simplify_cells=True)
    trial = doc["data"]["TimeMeasure1"]["Test11"]["Trial1"]
    wbs = trial["Standards"]["INDIP"]["ContinuousWalkingPeriod"]
    n = len(wbs)
    wbs[0]["Start"] = np.nan
    wbs[1]["End"] = "unknown"
    savemat(tmp_path / "data.mat", {"data": doc["data"]})
    refs = load_mobilised_mat_references(tmp_path / "data.mat")
    assert len(refs["Test11-Trial1"].bouts) == n - 2
    kept = load_mobilised_mat_references(source)["Test11-Trial1"].bouts[2:]
    assert refs["Test11-Trial1"].bouts == kept


def _intact_f1(tmp_path: Path) -> float:
    """Contact F1 of HA-001's first straight walk against its untouched export."""
    folder, doc = _export_copy(tmp_path / "intact")
    (folder / "Test5-Trial1.reference.json").write_text(json.dumps(doc))
    (result,) = run_validation(tmp_path / "intact").results
    return float(result.ic_f1)


def _export_copy(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """HA-001's first straight walk as an export in ``tmp_path/HA-001``, and its reference
    JSON to edit (written back by the caller)."""
    folder = tmp_path / "HA-001"
    folder.mkdir(parents=True)
    source = ROOT / "data" / "mobilised-lab" / "HA-001"
    shutil.copy(source / "Test5-Trial1.imu.csv", folder)
    return folder, json.loads((source / "Test5-Trial1.reference.json").read_text())


def test_impossible_reference_values_are_unknown_not_scored(tmp_path: Path) -> None:
    """A damaged exported reference: an endless bout, contacts at 1e308 s, a negative stride
    and a speed of 1e9 m/s. validate crashed on the first two (an internal error, with its
    JSON already written) and scored the others (an SL error of -139%)."""
    from backstride.validation.references import load_mobilised_reference

    folder, doc = _export_copy(tmp_path)
    (bout,) = doc["continuous_walking_periods"]
    damaged = {
        **bout,
        "initial_contacts_s": [1e308, 1e308, *bout["initial_contacts_s"]],
        "initial_contact_sides": ["Left", "Right", *bout["initial_contact_sides"]],
        "stride_length_m": -3.0,
        "walking_speed_mps": 1e9,
    }
    endless = {**bout, "end_s": float("inf")}
    doc["continuous_walking_periods"] = [damaged, endless]
    (folder / "Test5-Trial1.reference.json").write_text(json.dumps(doc))
    source = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test5-Trial1.reference.json"
    intact = load_mobilised_reference(source).bouts[0]
    (read,) = load_mobilised_reference(folder / "Test5-Trial1.reference.json").bouts
    assert read.initial_contacts_s == intact.initial_contacts_s
    assert read.initial_contact_sides == intact.initial_contact_sides
    assert read.cadence_spm == intact.cadence_spm
    assert read.stride_length_m is None and read.walking_speed_mps is None
    result = CliRunner().invoke(
        main, ["validate", str(tmp_path), "--json", str(tmp_path / "v.json"), "--plots",
               str(tmp_path / "plots")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = json.loads((tmp_path / "v.json").read_text())["recordings"]
    assert row["stride_length_errors"] == [] and row["speed_errors"] == []
    assert row["ic_f1"] == pytest.approx(_intact_f1(tmp_path / "check"))


@pytest.mark.parametrize(
    ("bouts", "says"),
    [
        ([1, 2], "is not laid out as a Mobilise-D reference export"),
        (5, "is not laid out as a Mobilise-D reference export"),
        ([{"start_s": 1.0}], "has a walking bout without 'end_s'"),
        ([{"start_s": "soon", "end_s": 2.0}], "is not laid out as a Mobilise-D reference"),
    ],
)
def test_a_reference_in_another_layout_is_said_in_words(
    tmp_path: Path, bouts: Any, says: str
) -> None:
    """Python's own words reached the user: "cannot be read ('int' object is not
    subscriptable)"."""
    from backstride.validation.references import load_mobilised_reference

    doc = json.loads((ROOT / "data/mobilised-lab/HA-001/Test5-Trial1.reference.json").read_text())
    doc["continuous_walking_periods"] = bouts
    path = tmp_path / "Test5-Trial1.reference.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InvalidInputError) as info:
        load_mobilised_reference(path)
    assert says in str(info.value)
    assert "object" not in str(info.value) and "subscriptable" not in str(info.value)


def test_reference_walks_that_cannot_be_this_recordings_are_left_out_and_said(
    tmp_path: Path,
) -> None:
    """A walk at 100-200 s in a 12.5-s trial, or one whose every contact lies 50 s away from
    it, was scored as a walk BackStride missed (contact F1 0 for the trial)."""
    folder, doc = _export_copy(tmp_path)
    (bout,) = doc["continuous_walking_periods"]
    beyond = {**bout, "start_s": 100.0, "end_s": 200.0,
              "initial_contacts_s": [100.0 + 0.6 * k for k in range(10)]}  # fmt: skip
    astray = {**bout, "initial_contacts_s": [t + 50.0 for t in bout["initial_contacts_s"]]}
    doc["continuous_walking_periods"] = [bout, beyond, astray]
    (folder / "Test5-Trial1.reference.json").write_text(json.dumps(doc))
    report = run_validation(tmp_path)
    (result,) = report.results
    assert result.n_ref_bouts == 1  # the intact walk, scored as before
    assert result.ic_f1 == pytest.approx(_intact_f1(tmp_path / "check"))
    assert [(s.name, s.reason) for s in report.skipped] == [
        ("HA-001/Test5-Trial1 against INDIP",
         "1 of its 2 walks lies outside the recording's 12.5 s, so it was left out"),
    ]  # fmt: skip


def test_a_phone_count_that_is_not_a_running_total_is_reported(tmp_path: Path) -> None:
    source = ROOT / "data" / "oxford-phone-steps"
    (good,) = sorted(source.glob("*_hand_*.csv"))
    rows = [line.split(",") for line in good.read_text().splitlines()]
    n = len(rows)
    for name, column in (
        ("user1_hand_down.csv", [str(n - i) for i in range(n)]),
        ("user1_hand_flat.csv", ["0"] * n),
        # scored as an error of -999999999664 steps (-100%)
        ("user1_hand_leap.csv", [r[5] for r in rows[:-1]] + ["1000000000000"]),
    ):
        lines = [",".join([*r[:5], c, *r[6:]]) for r, c in zip(rows, column, strict=True)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    shutil.copy(good, tmp_path)
    report = run_validation(tmp_path)
    assert [r.name for r in report.results] == [good.stem]
    reasons = {s.name: s.reason for s in report.skipped}
    assert reasons == {
        "user1_hand_down.csv": "its step count (column 6) decreases, so it is not a running total",
        "user1_hand_flat.csv": "its ground-truth step count does not change, so there is nothing "
        "to compare with",
        "user1_hand_leap.csv": "its step count (column 6) jumps by 1e+12 between two rows, more "
        "than 10 steps, so the count is damaged",
    }


def test_untimed_reference_contacts_are_read_from_the_json_and_from_data_mat() -> None:
    """INDIP writes NaN for a contact it counted but could not time; both sources keep it."""
    from backstride.validation.references import (
        UntimedGap,
        load_mobilised_mat_references,
        load_mobilised_reference,
        untimed_gaps,
    )

    assert untimed_gaps([1.0, None, 2.5, 3.0, float("nan"), float("nan")], 1.0, 4.0) == (
        UntimedGap(1.0, 2.5, 1),
        UntimedGap(3.0, 4.0, 2, closes_bout=True),
    )
    assert untimed_gaps([None, 2.0], 1.5, 2.0) == (UntimedGap(1.5, 2.0, 1, opens_bout=True),)
    folder = ROOT / "data" / "mobilised-lab" / "HA-002"
    from_json = load_mobilised_reference(folder / "Test11-Trial1.reference.json")
    from_mat = load_mobilised_mat_references(folder / "data.mat")["Test11-Trial1"]
    # the 72.29, NaN, 74.77, NaN, 77.08 end of HA-002's third walk
    assert (72.29, 74.77, 1, False, False) in from_json.untimed_contacts
    assert (74.77, 77.08, 1, False, False) in from_json.untimed_contacts
    assert len(from_json.untimed_contacts) == 8  # 2 + 4 + 2 over its three walks
    assert np.allclose(from_mat.untimed_contacts, from_json.untimed_contacts, atol=1e-3)


def test_per_stride_lengths_are_read_in_seconds_from_both_reference_systems() -> None:
    """INDIP stores stride contacts as sample numbers, the motion capture as seconds."""
    from backstride.validation.references import (
        _mat_strides,
        load_mobilised_mat_reference_systems,
    )

    systems = load_mobilised_mat_reference_systems(
        ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"
    )
    indip = systems["INDIP"]["Test5-Trial1"].bouts[0]
    optical = systems["Stereophoto"]["Test5-Trial1"].bouts[0]
    assert indip.strides[0] == pytest.approx((5.05, 6.32, 1.2806), abs=1e-3)
    assert optical.strides[0] == pytest.approx((5.03, 6.34, 1.1731), abs=1e-3)
    for bout in (indip, optical):
        # every stride starts at one of the bout's contacts and spans two steps
        assert len(bout.strides) == len(bout.initial_contacts_s) - 2
        assert bout.stride_length_m == pytest.approx(np.mean([s[2] for s in bout.strides]))
    contacts = (1.0, 1.5, 2.0, 2.5)
    lengths = {"Stride_Length": [1.2, np.nan]}
    in_samples = {**lengths, "Stride_InitialContacts": [[100, 200], [150, 250]]}
    assert _mat_strides(in_samples, contacts, 100.0) == ((1.0, 2.0, 1.2),)  # untimed left out
    unknown_unit = {**lengths, "Stride_InitialContacts": [[7, 9], [8, 10]]}
    assert _mat_strides(unknown_unit, contacts, 100.0) == ()


def test_a_detection_where_the_reference_could_not_time_a_contact_is_not_scored() -> None:
    from backstride.validation.metrics import match_contacts

    reference = [10.0, 10.6, 12.4, 13.0]  # one untimed contact between 10.6 and 12.4
    gap = [(10.6, 12.4, 1)]
    found = [10.02, 10.61, 11.5, 12.38, 13.01]
    plain = match_contacts(found, reference)
    scored = match_contacts(found, reference, untimed=gap)
    assert (plain.n_matched, plain.precision) == (4, 0.8)
    assert (scored.n_matched, scored.n_unverifiable) == (4, 1)
    assert scored.precision == 1.0
    assert scored.f1 == 1.0
    assert scored.recall == plain.recall == 1.0
    # two detections in a one-contact gap: one of them is still an extra
    two = match_contacts([*found, 11.0], reference, untimed=gap)
    assert (two.n_unverifiable, two.precision) == (1, 0.8)
    # a double detection of a timed neighbour is an extra, gap or not
    double = match_contacts([10.02, 10.61, 10.75, 12.38, 13.01], reference, untimed=gap)
    assert (double.n_unverifiable, double.precision) == (0, 0.8)


def test_a_detection_between_two_untimed_bout_ends_is_unverifiable_once() -> None:
    """A bout that closes on an untimed contact at 2.0 s and one that opens on one at 2.2 s:
    both runs reach 0.25 s past their bout, so the detection at 2.1 s counted twice and
    precision came out as 4/3 (F1 8/7)."""
    from backstride.validation.metrics import match_contacts
    from backstride.validation.references import untimed_gaps

    nan = float("nan")
    untimed = [*untimed_gaps([1.0, 1.5, nan], 1.0, 2.0), *untimed_gaps([nan, 2.8, 3.3], 2.2, 3.3)]
    agreement = match_contacts([1.0, 1.5, 2.1, 2.8, 3.3], [1.0, 1.5, 2.8, 3.3], untimed=untimed)
    assert (agreement.n_matched, agreement.unverifiable) == (4, (2,))
    assert agreement.precision == 1.0
    assert agreement.f1 == 1.0
    # two detections there: each end's run takes one
    both = match_contacts([1.0, 1.5, 2.05, 2.15, 2.8, 3.3], [1.0, 1.5, 2.8, 3.3], untimed=untimed)
    assert both.unverifiable == (2, 3)


def test_walking_bouts_not_level_walking_bouts_are_the_reference(tmp_path: Path) -> None:
    """Continuous walking periods (all walking) are used; micro WBs (level only) without them.

    In the bundled trials the two levels hold the same bouts, so each level is made different
    here: one bout is left out of the level walking bouts, as a stair climb would be.
    """
    import json

    from scipy.io import loadmat, savemat

    from backstride.validation.references import (
        load_mobilised_mat_references,
        load_mobilised_reference,
    )

    source = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.reference.json"
    doc = json.loads(source.read_text())
    n = len(doc["continuous_walking_periods"])
    doc["micro_walking_bouts"] = doc["micro_walking_bouts"][1:]
    both = tmp_path / "both.reference.json"
    both.write_text(json.dumps(doc))
    ref = load_mobilised_reference(both)
    assert len(ref.bouts) == n and ref.extra["bout_level"] == "continuous_walking_periods"
    del doc["continuous_walking_periods"]
    level_only = tmp_path / "level.reference.json"
    level_only.write_text(json.dumps(doc))
    ref = load_mobilised_reference(level_only)
    assert len(ref.bouts) == n - 1 and ref.extra["bout_level"] == "micro_walking_bouts"

    mat = loadmat(ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat", simplify_cells=True)
    indip = mat["data"]["TimeMeasure1"]["Test11"]["Trial1"]["Standards"]["INDIP"]
    indip["MicroWB"] = indip["MicroWB"][1:]
    savemat(tmp_path / "both.mat", {"data": mat["data"]})
    ref = load_mobilised_mat_references(tmp_path / "both.mat")["Test11-Trial1"]
    assert len(ref.bouts) == n and ref.extra["bout_level"] == "ContinuousWalkingPeriod"
    del indip["ContinuousWalkingPeriod"]
    savemat(tmp_path / "level.mat", {"data": mat["data"]})
    ref = load_mobilised_mat_references(tmp_path / "level.mat")["Test11-Trial1"]
    assert len(ref.bouts) == n - 1 and ref.extra["bout_level"] == "MicroWB"


def test_the_free_living_layout_of_the_validation_study_is_read(
    tmp_path: Path, lab_report: ValidationReport
) -> None:
    """``<cohort>/<participant>/Free-living/data.mat`` with ``TimeMeasure1.Recording4``.

    The Mobilise-D technical validation study's 2.5-h recordings have no trial level. Here
    the daily-life trial is moved to that place and must give the same agreement.
    """
    import shutil

    from scipy.io import loadmat, savemat

    from backstride.io.mobilised import read_mobilised_mat

    source = ROOT / "data" / "mobilised-lab" / "HA-001"
    doc = loadmat(source / "data.mat", simplify_cells=True)
    trial = doc["data"]["TimeMeasure1"]["Test11"]["Trial1"]
    folder = tmp_path / "HA" / "001" / "Free-living"
    folder.mkdir(parents=True)
    savemat(folder / "data.mat", {"data": {"TimeMeasure1": {"Recording4": trial}}})
    shutil.copy(source / "infoForAlgo.mat", folder)
    (rec,) = read_mobilised_mat(folder / "data.mat")
    assert rec.name == "Recording4" and rec.meta["test"] == "Recording4"
    assert rec.meta["trial"] is None and rec.sensor_height_m == pytest.approx(0.964)
    (original,) = [r for r in read_mobilised_mat(source / "data.mat") if r.name == "Test11-Trial1"]
    np.testing.assert_array_equal(rec.acc, original.acc)

    report = run_validation(tmp_path)
    (result,) = [r for r in report.results if r.dataset == "mobilised"]
    assert result.name == "HA/001/Free-living/Recording4"
    (same,) = [
        r
        for r in lab_report.results
        if r.name == "HA-001/Test11-Trial1" and r.dataset == "mobilised"
    ]
    assert result.contacts.n_reference == same.contacts.n_reference > 50
    assert result.ic_f1 == pytest.approx(same.ic_f1)
    assert result.walking_f1 == pytest.approx(same.walking_f1, abs=1e-3)


def test_a_file_with_two_time_measures_is_validated_per_measure(tmp_path: Path) -> None:
    """Recording names and reference keys both carry the time measure when there are two."""
    from scipy.io import loadmat, savemat

    doc = loadmat(ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat", simplify_cells=True)
    data = doc["data"]
    data["TimeMeasure2"] = data["TimeMeasure1"]
    (tmp_path / "HA-001").mkdir()
    savemat(tmp_path / "HA-001" / "data.mat", {"data": data})
    report = run_validation(tmp_path)
    names = sorted(r.name for r in report.results if r.dataset == "mobilised")
    assert names == sorted(
        f"HA-001/TimeMeasure{m}-{t}"
        for m in (1, 2)
        for t in ("Test5-Trial1", "Test5-Trial2", "Test11-Trial1")
    )
    by_name = {r.name: r for r in report.results if r.dataset == "mobilised"}
    for t in ("Test5-Trial1", "Test11-Trial1"):
        one, two = by_name[f"HA-001/TimeMeasure1-{t}"], by_name[f"HA-001/TimeMeasure2-{t}"]
        assert one.contacts.n_reference == two.contacts.n_reference > 0
        assert one.ic_f1 == two.ic_f1


def test_recordings_are_read_as_they_are_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study's recordings are not all held in memory: one file is read per step."""
    import shutil

    import backstride.io.mobilised as mobilised
    from backstride.validation.runner import iter_cases

    for participant in ("HA-001", "HA-002"):
        shutil.copytree(ROOT / "data" / "mobilised-lab" / participant, tmp_path / participant)
    reads: list[str] = []
    real = mobilised.read_mobilised_mat

    def counting(path: object, content: object = None) -> object:
        reads.append(Path(str(path)).parent.name)
        return real(path, content)  # type: ignore[arg-type]

    monkeypatch.setattr(mobilised, "read_mobilised_mat", counting)
    cases = iter_cases(tmp_path)
    first = next(cases)
    assert first[1].name == "HA-001/Test5-Trial1" and reads == ["HA-001"]
    rest = list(cases)
    assert reads == ["HA-001", "HA-002"]
    # INDIP: 3 more trials; motion capture: 3 of HA-001's and 2 of HA-002's
    assert sorted(c[0] for c in rest) == ["mobilised"] * 3 + ["mobilised-stereo"] * 5


def test_each_data_mat_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The references and the trials come from one load of a study's file (tens of MB);
    they were loaded apart, twice per file."""
    import scipy.io

    loads: list[str] = []
    real = scipy.io.loadmat

    def counting(path: object, *args: object, **kwargs: object) -> object:
        loads.append(Path(str(path)).name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scipy.io, "loadmat", counting)
    report = run_validation(ROOT / "data" / "mobilised-lab")
    assert len(report.results) == 9  # 4 trials against INDIP, 5 against motion capture
    assert loads.count("data.mat") == 2  # HA-001 and HA-002


def test_one_damaged_file_does_not_stop_the_others(tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from backstride.cli import main

    good, bad = tmp_path / "HA-001", tmp_path / "XX-999"
    good.mkdir()
    bad.mkdir()
    for name in ("data.mat", "infoForAlgo.mat"):
        shutil.copy(ROOT / "data" / "mobilised-lab" / "HA-001" / name, good)
    (bad / "data.mat").write_bytes(b"MATLAB 5.0 MAT-file" + b"\x00" * 200)
    report = run_validation(tmp_path)
    assert len([r for r in report.results if r.dataset == "mobilised"]) == 3
    assert [s.name for s in report.skipped] == ["XX-999/data.mat"]
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "skipped XX-999/data.mat" in result.output
    # with nothing left to validate it is an error that names the first problem
    shutil.rmtree(good)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "could be validated" in result.output and "XX-999/data.mat" in result.output


def _with_first_trial_edited(tmp_path: Path, edit: Callable[[dict[str, Any]], object]) -> Path:
    """Copy HA-001's data.mat into ``tmp_path/HA-001`` with Test5-Trial1 edited in place.

    Returns the folder copied from.
    """
    import shutil

    from scipy.io import loadmat, savemat

    source = ROOT / "data" / "mobilised-lab" / "HA-001"
    doc = loadmat(source / "data.mat", simplify_cells=True)
    edit(doc["data"]["TimeMeasure1"]["Test5"]["Trial1"])
    (tmp_path / "HA-001").mkdir()
    savemat(tmp_path / "HA-001" / "data.mat", {"data": doc["data"]})
    shutil.copy(source / "infoForAlgo.mat", tmp_path / "HA-001")
    return source


def test_a_trial_that_cannot_be_analysed_is_skipped_once_for_both_references(
    tmp_path: Path,
) -> None:
    """INDIP and motion capture share the trial's analysis, and so its failure."""

    def shorten(trial: dict[str, Any]) -> None:
        lower_back = trial["SU"]["LowerBack"]
        for key, value in lower_back.items():
            if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] > 150:
                lower_back[key] = value[:150]  # 1.5 s: too short to analyse

    _with_first_trial_edited(tmp_path, shorten)
    report = run_validation(tmp_path)
    assert [s.name for s in report.skipped] == ["HA-001/Test5-Trial1"]
    assert "1.5 s" in report.skipped[0].reason
    assert sorted((r.dataset, r.name) for r in report.results) == [
        (dataset, f"HA-001/{trial}")
        for dataset in ("mobilised", "mobilised-stereo")
        for trial in ("Test11-Trial1", "Test5-Trial2")
    ]


def test_a_trial_without_lower_back_data_is_reported_not_dropped(
    tmp_path: Path, lab_report: ValidationReport
) -> None:
    """The validation study has trials whose sensor failed; their references are not lost."""
    import shutil

    source = _with_first_trial_edited(tmp_path, lambda trial: trial.pop("SU"))
    report = run_validation(tmp_path)
    assert [s.name for s in report.skipped] == ["HA-001/Test5-Trial1"]
    assert "no lower-back sensor data" in report.skipped[0].reason
    assert {r.name for r in report.results} == {"HA-001/Test5-Trial2", "HA-001/Test11-Trial1"}
    # the exported per-trial references name the trial too: still reported once
    for json_file in source.glob("*.reference.json"):
        shutil.copy(json_file, tmp_path / "HA-001")
    assert [s.name for s in run_validation(tmp_path).skipped] == ["HA-001/Test5-Trial1"]
    # with the trial's CSV export beside it, the export stands in for the missing trial
    shutil.copy(source / "Test5-Trial1.imu.csv", tmp_path / "HA-001")
    report = run_validation(tmp_path)
    assert report.skipped == []
    stand_in = [r for r in report.results if r.name == "HA-001/Test5-Trial1"]
    assert [r.dataset for r in stand_in] == ["mobilised"]  # the export has no motion capture
    indip = {r.name: r for r in lab_report.results if r.dataset == "mobilised"}
    assert stand_in[0].ic_f1 == pytest.approx(indip["HA-001/Test5-Trial1"].ic_f1)
    # and a complete file reports nothing, but for references that mark no walking at all
    assert all("marks no walking" in s.reason for s in lab_report.skipped)


def test_a_reference_without_walking_is_reported_not_silently_dropped(
    tmp_path: Path, lab_report: ValidationReport
) -> None:
    """HA-002's straight walks: INDIP lost both, the motion capture the first.

    Nothing is scored against an empty reference (in a walking test it says the system
    failed, not that nobody walked), but the report names each trial and system left out.
    """
    assert sorted(s.name for s in lab_report.skipped) == [
        "HA-002/Test5-Trial1 against INDIP",
        "HA-002/Test5-Trial1 against motion capture",
        "HA-002/Test5-Trial2 against INDIP",
    ]
    scored = {(r.dataset, r.name) for r in lab_report.results}
    assert ("mobilised-stereo", "HA-002/Test5-Trial2") in scored
    assert not {name for _, name in scored} & {"HA-002/Test5-Trial1"}
    # the same from the exports alone; a folder holding only such trials cannot be validated
    folder = tmp_path / "HA-002"
    folder.mkdir()
    for suffix in (".imu.csv", ".reference.json"):
        shutil.copy(ROOT / "data" / "mobilised-lab" / "HA-002" / f"Test5-Trial1{suffix}", folder)
    with pytest.raises(InvalidInputError, match="INDIP marks no walking in this trial"):
        run_validation(tmp_path)
    for suffix in (".imu.csv", ".reference.json"):
        shutil.copy(ROOT / "data" / "mobilised-lab" / "HA-002" / f"Test11-Trial1{suffix}", folder)
    report = run_validation(tmp_path)
    assert [s.name for s in report.skipped] == ["HA-002/Test5-Trial1 against INDIP"]
    assert [r.name for r in report.results] == ["HA-002/Test11-Trial1"]


def test_the_table_says_how_motion_capture_is_scored(stereo: ValidationReport) -> None:
    from backstride.validation.report import report_table

    caption = str(report_table(stereo).caption)
    assert "capture volume" in caption and "walking time is not compared" in caption
    phone_only = run_validation(ROOT / "data" / "oxford-phone-steps")
    assert "capture volume" not in str(report_table(phone_only).caption)


def test_the_table_prints_absolute_and_relative_bout_errors() -> None:
    """The issue asks for both, per recording and overall; the relative one is per bout."""
    from rich.console import Console

    from backstride.validation.report import report_table

    result = RecordingResult(dataset="mobilised", name="walk", n_ref_bouts=2, n_matched_bouts=2)
    result.cadence_errors, result.cadence_ref = [5.0, 1.0], [100.0, 50.0]  # 5% and 2%
    result.stride_length_errors, result.stride_length_ref = [0.12, 0.0], [1.2, 1.0]
    result.speed_errors, result.speed_ref = [0.3, 0.1], [1.0, 1.0]
    console = Console(width=250, record=True)
    console.print(report_table(ValidationReport([result], [])))
    rows = [line for line in console.export_text().splitlines() if " mobilised " in line]
    assert len(rows) == 2  # the recording and the pooled row
    for row in rows:
        assert "3.0 (4%)" in row  # mean of 5 and 1; mean of 5% and 2%
        assert "0.060 (5%)" in row
        assert "0.200 (20%)" in row
    # a phone's step total: in steps and relative, per recording; overall the mean |error|
    phones = [
        RecordingResult(dataset="phone", name="bag", steps_detected=206, steps_reference=200),
        RecordingResult(dataset="phone", name="hand", steps_detected=98, steps_reference=100),
    ]
    console = Console(width=250, record=True)
    console.print(report_table(ValidationReport(phones, [])))
    text = console.export_text()
    assert "+6 (+3.0%)" in text and "-2 (-2.0%)" in text
    assert "4.0 (2.5%)" in text


def test_the_report_says_which_targets_are_met() -> None:
    """One verdict per target that applies to the dataset and has a figure."""
    from backstride.validation.report import targets_lines, targets_met

    walk = RecordingResult(dataset="ipol", name="walk", n_ref_bouts=1, n_matched_bouts=1)
    walk.contacts = match_contacts([1.0, 2.0, 3.0, 9.0], [1.01, 2.02, 3.03, 4.0])  # F1 0.75
    walk.walking_tp_s, walk.walking_det_s, walk.walking_ref_s = 9.0, 10.0, 10.0  # F1 0.9
    walk.cadence_errors, walk.cadence_ref = [2.5], [100.0]
    phones = [
        RecordingResult(dataset="phone", name=n, steps_detected=d, steps_reference=100)
        for n, d in (("bag", 106), ("hand", 99))  # 6% and 1%: mean 3.5%
    ]
    report = ValidationReport([walk, *phones], [])
    assert targets_met(report) == {
        "ipol": {
            "ic_f1": False,
            "walking_f1": True,
            "ic_mae_s": True,
            "cadence_mae_spm": True,
        },  # no stride length or speed: no verdict
        "phone": {"phone_mean_abs_rel_error": False, "phone_max_abs_rel_error": False},
    }
    ipol_line, phone_line = targets_lines(report)
    assert ipol_line.startswith("ipol against the targets, 3 of 4 met: contact F1 0.750")
    assert "(>= 0.970: not met)" in ipol_line and "cadence 2.5 steps/min" in ipol_line
    assert "worst step-total error 6.0% (<= 5.0%: not met)" in phone_line


# --- where contacts are found and missed ---------------------------------------------------


def test_contacts_are_split_by_where_they_fall() -> None:
    """Known answer: two bouts, one with a turn; every contact lands in exactly one place."""
    from backstride.validation.metrics import contacts_by_place, match_contacts

    walk = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]  # a turn from 2.4 to 3.1
    second = [10.0, 10.5, 11.0, 11.5]
    reference = walk + second
    detected = [
        1.02, 1.52, 2.01,  # the first three found
        2.9,  # in the turn: 3.0 found 0.1 s early, 2.5 missed
        3.52,  # 3.5 found; the last contact of the walk (4.0) missed
        10.01, 10.5, 10.75, 11.0, 11.5,  # 10.75 is an extra in straight walking
        20.0, 20.5,  # a walk the reference does not count
    ]  # fmt: skip
    agreement = match_contacts(detected, reference)
    places = contacts_by_place(agreement, detected, reference, [walk, second], [(2.4, 3.1)])
    assert places["turns"].reference == 2 and places["turns"].found == 1  # 2.5 missed
    assert places["ends"].reference == 4 and places["ends"].found == 3  # 4.0 missed
    assert places["straight"].reference == 5 and places["straight"].found == 5
    assert places["straight"].extra == 1 and places["outside"].extra == 2
    assert places["turns"].mean_abs_error_s == pytest.approx(0.1)  # 2.9 against 3.0
    assert places["ends"].mean_abs_error_s == pytest.approx((0.02 + 0.01 + 0.0) / 3)
    assert places["outside"].reference == 0
    assert sum(c.found for c in places.values()) == agreement.n_matched
    assert sum(c.reference for c in places.values()) == agreement.n_reference
    assert sum(c.extra for c in places.values()) == agreement.n_detected - agreement.n_matched


def test_turns_are_read_from_data_mat_and_given_to_the_exported_reference(
    lab_report: ValidationReport,
) -> None:
    """INDIP's Turn_Start/Turn_End (s) are in data.mat only; the JSON exports leave them out."""
    from backstride.validation.references import load_mobilised_mat_reference_systems

    systems = load_mobilised_mat_reference_systems(
        ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"
    )
    indip = systems["INDIP"]["Test11-Trial1"]
    np.testing.assert_allclose(indip.turns_s[:2], [(45.13, 45.64), (45.64, 48.03)], atol=0.01)
    for bout in indip.bouts:
        for a, b in bout.turns_s:
            assert bout.start_s - 0.5 <= a <= b <= bout.end_s + 0.5
    assert systems["INDIP"]["Test5-Trial1"].turns_s == []  # a straight walk
    (daily,) = [
        r for r in lab_report.results if r.dataset == "mobilised" and "HA-001/Test11" in r.name
    ]
    assert daily.places["turns"].reference > 0


def test_validation_accounts_for_every_contact_by_place(lab_report: ValidationReport) -> None:
    for r in lab_report.results:
        c, places = r.contacts, r.places
        assert sum(p.reference for p in places.values()) == c.n_reference, r.name
        assert sum(p.found for p in places.values()) == c.n_matched, r.name
        assert sum(p.extra for p in places.values()) == c.n_scored - c.n_matched, r.name
        total_error = sum(p.abs_error_s for p in places.values())
        assert total_error == pytest.approx(sum(c.abs_errors_s)), r.name
    # motion capture sees only its volume, so nothing it scores lies outside its walks
    assert lab_report.places("mobilised-stereo")["outside"].extra == 0


@pytest.mark.shared_data
def test_ipol_u_turn_is_the_reference_turn() -> None:
    from backstride.validation.references import load_ipol_reference

    path = shared(SHARED / "ipol-lumbar") / "GaitData" / "1-1.json"
    reference = load_ipol_reference(path)
    (turn,) = reference.turns_s
    contacts = reference.initial_contacts_s
    assert contacts[0] < turn[0] < turn[1] < contacts[-1]  # between walking out and back
    assert 0.5 < turn[1] - turn[0] < 5.0


def test_turns_in_seconds_or_samples_are_read_and_others_left_out() -> None:
    from backstride.validation.references import _mat_turns

    in_seconds = {"Turn_Start": [45.13, 45.64], "Turn_End": [45.64, 48.03]}
    assert _mat_turns(in_seconds, 38.54, 50.85, 100.0) == (
        ((45.13, 45.64), (45.64, 48.03)),
        (None, None),  # no angles given
    )
    in_samples = {
        "Turn_Start": [4513, 4564],
        "Turn_End": [4564, 4803],
        "Turn_Angle": [-55.5, 89.8],
    }
    spans, angles = _mat_turns(in_samples, 38.54, 50.85, 100.0)
    np.testing.assert_allclose(spans, [(45.13, 45.64), (45.64, 48.03)])
    assert angles == (-55.5, 89.8)
    outside = {"Turn_Start": [80.0], "Turn_End": [82.0]}  # not in this bout in either unit
    assert _mat_turns(outside, 38.54, 50.85, 100.0) == ((), ())
    assert _mat_turns({"Turn_Start": [], "Turn_End": []}, 0.0, 10.0, 100.0) == ((), ())
    assert _mat_turns({"Turn_Start": [1.0], "Turn_End": []}, 0.0, 10.0, 100.0) == ((), ())
    one_short = {"Turn_Start": [45.13, 45.64], "Turn_End": [45.64, 48.03], "Turn_Angle": [9.0]}
    assert _mat_turns(one_short, 38.54, 50.85, 100.0)[1] == (None, None)


def test_a_damaged_trial_span_only_loses_the_window(tmp_path: Path) -> None:
    """IPOL events are the reference; a TrialBoundaries that is not two numbers is ignored."""
    from backstride.validation.references import load_ipol_reference

    events = [[100 + 60 * k, 130 + 60 * k] for k in range(12)]
    doc = {"LeftFootEvents": events[::2], "RightFootEvents": events[1::2]}
    path = tmp_path / "1-1.json"
    for span, window in (
        ([100, 790], (1.0, 7.9)),
        (["start", 790], None),
        ([790, 100], None),
        ([100], None),
        ([100, float("nan")], None),
    ):
        path.write_text(json.dumps({**doc, "TrialBoundaries": span}))
        reference = load_ipol_reference(path)
        assert reference.window_s == window
        assert len(reference.initial_contacts_s) == 12


def test_an_unknown_toe_off_may_be_null_or_nan(tmp_path: Path) -> None:
    """Python's json writes a missing number as NaN: ``[NaN, 130]`` was refused as "not a
    [toe-off, heel-strike] pair" while ``[null, 130]`` was read (only the heel strike is a
    contact). Text where the toe-off belongs is still refused."""
    from backstride.validation.references import load_ipol_reference

    events: list[list[Any]] = [[100 + 60 * k, 130 + 60 * k] for k in range(12)]
    path = tmp_path / "1-1.json"
    for toe_off in (None, float("nan")):
        events[0][0] = toe_off
        path.write_text(
            json.dumps({"LeftFootEvents": events[::2], "RightFootEvents": events[1::2]})
        )
        assert load_ipol_reference(path).initial_contacts_s[0] == pytest.approx(1.3)
    events[0][0] = "toe"
    path.write_text(json.dumps({"LeftFootEvents": events[::2], "RightFootEvents": events[1::2]}))
    with pytest.raises(InvalidInputError, match=r"pair 1 of LeftFootEvents, \["):
        load_ipol_reference(path)


def test_a_trial_that_ends_on_the_recordings_last_sample_fits_it(tmp_path: Path) -> None:
    """The trial's end went through seconds and back (1005 / 100 * 100 > 1005), so a trial
    ending on the last of 1006 samples was refused as ending after the recording."""
    from backstride.validation.references import load_ipol_reference

    events = [[100 + 60 * k, 130 + 60 * k] for k in range(12)]
    doc = {"LeftFootEvents": events[::2], "RightFootEvents": events[1::2]}
    path = tmp_path / "1-1.json"
    path.write_text(json.dumps({**doc, "TrialBoundaries": [100, 1005]}))
    reference = load_ipol_reference(path, 100.0, 0, n_samples=1006)
    assert reference.window_s == (1.0, 10.05)
    assert len(reference.initial_contacts_s) == 12
    with pytest.raises(InvalidInputError, match="at sample 1005, after the recording's last"):
        load_ipol_reference(path, 100.0, 0, n_samples=1005)  # one sample short of the trial


@pytest.mark.shared_data
def test_a_walk_that_runs_past_the_trial_is_compared_on_its_strides_within_it() -> None:
    """After trial 4-4 BackStride's walk runs on into steps the trial does not cover.

    Its cadence over the whole walk differed from the trial's by 9.1 steps/min; over its
    strides within the trial, as the reference's cadence is taken, by under 1.
    """
    from backstride.io.xsens_ipol import read_ipol_txt
    from backstride.validation.references import load_ipol_reference

    gait = shared(SHARED / "ipol-lumbar") / "GaitData"
    rec = read_ipol_txt(gait / "4-4_lb.txt")
    reference = load_ipol_reference(
        gait / "4-4.json", rec.sample_rate_hz, int(rec.meta["first_sample_index"])
    )
    analysis = analyze(rec)
    assert reference.window_s is not None
    assert analysis.bouts["end_s"].max() > reference.window_s[1] + 1.0  # runs on past it
    result = compare("ipol", rec, analysis, reference)
    (error,) = result.cadence_errors
    assert error < 1.0
