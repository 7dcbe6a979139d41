"""``backstride validate`` on the variety of real Mobilise-D ``data.mat`` files.

Each test writes a variant of the bundled HA-001 ``data.mat`` (as MATLAB saves it: a bout
list of one is a 1x1 struct, none is ``[]``) and checks that it either validates with the
numbers the untouched trial gives, or is listed as skipped with its reason. The variants
are the layouts of the Mobilise-D technical validation study and of other lab files (see
mobgap's ``_mobilised_matlab_loader.py`` for the variety it handles).
"""

from __future__ import annotations

import copy
import functools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from backstride.exceptions import InvalidInputError
from backstride.io.mobilised import read_mobilised_mat
from backstride.validation.references import (
    Reference,
    ReferenceBout,
    UntimedGap,
    untimed_gaps,
)
from backstride.validation.runner import (
    RecordingResult,
    ValidationReport,
    reference_moderate_s,
    run_validation,
)

ROOT = Path(__file__).resolve().parents[1]
HA001 = ROOT / "data" / "mobilised-lab" / "HA-001"
LEVELS = ("ContinuousWalkingPeriod", "MicroWB")

Data = dict[str, Any]


@functools.cache
def _bundled() -> Data:
    return loadmat(HA001 / "data.mat", simplify_cells=True)["data"]  # type: ignore[no-any-return]


def _trials(*names: str) -> Data:
    """A copy of the bundled file's ``data`` holding only the named ``Test-Trial``s."""
    measure: Data = {}
    for name in names:
        test, trial = name.split("-")
        source = _bundled()["TimeMeasure1"][test][trial]
        measure.setdefault(test, {})[trial] = copy.deepcopy(source)
    return {"TimeMeasure1": measure}


def _struct_array(bouts: list[Data]) -> np.ndarray:
    """A 1xN MATLAB struct array, as MATLAB itself stores a list of walking bouts."""
    fields = list(dict.fromkeys(k for bout in bouts for k in bout))
    array = np.empty((1, len(bouts)), dtype=[(f, object) for f in fields])
    for k, bout in enumerate(bouts):
        for f in fields:
            array[0, k][f] = bout.get(f, np.zeros((0, 0)))
    return array


def _as_matlab(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_matlab(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        return _struct_array([_as_matlab(x) for x in value])
    return value


def _write(folder: Path, data: Data) -> Path:
    """``data`` as ``folder/data.mat``, with the participant's ``infoForAlgo.mat`` beside it."""
    folder.mkdir(parents=True)
    savemat(folder / "data.mat", {"data": _as_matlab(data)}, long_field_names=True)
    shutil.copy(HA001 / "infoForAlgo.mat", folder)
    return folder


def _bouts(data: Data, name: str, system: str = "INDIP") -> list[Data]:
    """Every walking bout (both levels) of one trial's reference system, to edit in place."""
    test, trial = name.split("-")
    standard = data["TimeMeasure1"][test][trial]["Standards"][system]
    out = []
    for level in LEVELS:
        bouts = standard[level]
        out.extend([bouts] if isinstance(bouts, dict) else bouts)
    return out


def _result(report: ValidationReport, name: str, dataset: str = "mobilised") -> RecordingResult:
    (found,) = [r for r in report.results if r.name == name and r.dataset == dataset]
    return found


def _same_scores(one: RecordingResult, other: RecordingResult) -> None:
    assert one.contacts.n_reference == other.contacts.n_reference > 0
    assert (one.contacts.n_detected, one.contacts.n_matched) == (
        other.contacts.n_detected,
        other.contacts.n_matched,
    )
    assert one.ic_mae_s == pytest.approx(other.ic_mae_s)
    assert one.n_matched_bouts == other.n_matched_bouts == other.n_ref_bouts
    assert one.cadence_errors == pytest.approx(other.cadence_errors)
    assert one.stride_length_errors == pytest.approx(other.stride_length_errors)


def _fs_int(data: Data) -> None:
    data["TimeMeasure1"]["Test5"]["Trial1"]["SU"]["LowerBack"]["Fs"] = np.int64(100)


def _no_timestamp(data: Data) -> None:
    trial = data["TimeMeasure1"]["Test5"]["Trial1"]
    del trial["SU"]["LowerBack"]["Timestamp"], trial["StartDateTime"], trial["TimeZone"]


def _sides_as_numbers(data: Data) -> None:
    for bout in _bouts(data, "Test5-Trial1"):
        bout["InitialContact_LeftRight"] = np.array(
            [1.0 if str(s).startswith("L") else 2.0 for s in bout["InitialContact_LeftRight"]]
        )


def _level_bouts_only(data: Data) -> None:
    for system in ("INDIP", "Stereophoto"):
        del data["TimeMeasure1"]["Test5"]["Trial1"]["Standards"][system][LEVELS[0]]


VARIANTS: dict[str, Callable[[Data], None]] = {
    "fs-int": _fs_int,
    "no-timestamp": _no_timestamp,
    "sides-as-numbers": _sides_as_numbers,
    "level-bouts-only": _level_bouts_only,
}


def test_layout_variants_validate_as_the_bundled_trial(tmp_path: Path) -> None:
    """Fs as one integer, no Timestamp or start, feet as numbers, MicroWB without
    ContinuousWalkingPeriod: each scores as the untouched trial does."""
    _write(tmp_path / "as-is", _trials("Test5-Trial1"))
    for name, edit in VARIANTS.items():
        data = _trials("Test5-Trial1")
        edit(data)
        _write(tmp_path / name, data)
    report = run_validation(tmp_path)
    assert report.skipped == []
    for dataset in ("mobilised", "mobilised-stereo"):
        baseline = _result(report, "as-is/Test5-Trial1", dataset)
        for name in VARIANTS:
            _same_scores(_result(report, f"{name}/Test5-Trial1", dataset), baseline)
    # a foot given as a number is no foot: not scored rather than guessed
    assert _result(report, "sides-as-numbers/Test5-Trial1").side_scored == 0
    assert _result(report, "as-is/Test5-Trial1").side_scored > 0


def test_a_second_visit_takes_the_heights_of_the_first(tmp_path: Path) -> None:
    """A trial under ``TimeMeasure2`` beside an ``infoForAlgo.mat`` that describes only
    ``TimeMeasure1`` had no height: its stride length and speed were left out."""
    _write(tmp_path / "first", _trials("Test5-Trial1"))
    second = {"TimeMeasure2": _trials("Test5-Trial1")["TimeMeasure1"]}
    _write(tmp_path / "second", second)
    assert set(loadmat(tmp_path / "second" / "infoForAlgo.mat", simplify_cells=True)[
        "infoForAlgo"
    ]) == {"TimeMeasure1"}  # fmt: skip
    (recording,) = read_mobilised_mat(tmp_path / "second" / "data.mat")
    assert recording.sensor_height_m is not None
    assert "participant height and sensor height from infoForAlgo.mat (TimeMeasure1)" in (
        recording.notes
    )
    report = run_validation(tmp_path)
    for dataset in ("mobilised", "mobilised-stereo"):
        one, other = (_result(report, f"{v}/Test5-Trial1", dataset) for v in ("first", "second"))
        assert len(other.stride_length_errors) == len(other.speed_errors) == 1
        _same_scores(other, one)


def test_one_bout_scores_as_the_same_bout_in_the_whole_trial(tmp_path: Path) -> None:
    """A trial with one walking bout: MATLAB stores a 1x1 struct, not a list of one."""
    whole = _trials("Test11-Trial1")
    _write(tmp_path / "whole", whole)
    one = _trials("Test11-Trial1")
    standards = one["TimeMeasure1"]["Test11"]["Trial1"]["Standards"]
    for level in LEVELS:
        standards["INDIP"][level] = standards["INDIP"][level][2]  # the walk with two turns
    del standards["Stereophoto"]
    _write(tmp_path / "one", one)
    report = run_validation(tmp_path)
    single = _result(report, "one/Test11-Trial1")
    assert single.n_ref_bouts == single.n_matched_bouts == 1
    values = _result(report, "whole/Test11-Trial1").bout_values
    assert single.bout_values == values[6:9]  # the third bout's cadence, stride, speed
    assert single.bout_values[0][2] == pytest.approx(89.246, abs=1e-3)  # its INDIP cadence


def test_trials_without_reference_walks_or_lower_back_data_are_said(tmp_path: Path) -> None:
    """Zero bouts (``[]``) and a trial whose only sensor is on the wrist: skipped, with why."""
    data = _trials("Test5-Trial1", "Test5-Trial2")
    trials = data["TimeMeasure1"]["Test5"]
    for system in ("INDIP", "Stereophoto"):
        for level in LEVELS:
            trials["Trial1"]["Standards"][system][level] = np.zeros((0, 0))
    trials["Trial2"]["SU"] = {"Wrist": trials["Trial2"]["SU"]["LowerBack"]}
    _write(tmp_path / "HA-001", data)
    with pytest.raises(InvalidInputError, match="could be validated"):
        run_validation(tmp_path)  # nothing else in the folder: nothing could be validated
    shutil.copytree(tmp_path / "HA-001", tmp_path / "both" / "HA-001")
    _write(tmp_path / "both" / "as-is", _trials("Test5-Trial1"))
    report = run_validation(tmp_path / "both")
    reasons = {s.name: s.reason for s in report.skipped}
    assert reasons == {
        "HA-001/Test5-Trial1 against INDIP": "INDIP marks no walking in this trial, so there "
        "is nothing to compare with",
        "HA-001/Test5-Trial1 against motion capture": "motion capture marks no walking in "
        "this trial, so there is nothing to compare with",
        "HA-001/Test5-Trial2": "the trial has a reference but no lower-back sensor data "
        "(SU.LowerBack) in data.mat",
    }
    assert {r.name for r in report.results} == {"as-is/Test5-Trial1"}


def test_a_walk_whose_every_contact_is_untimed_is_not_scored_as_wrong(tmp_path: Path) -> None:
    """INDIP counted the walk's 9 contacts but timed none (NaN).

    The detections at the walk's start and end, where its first and last contact lie, were
    counted as false (precision 0 of 3); only the ones after the walk (the closing step that
    INDIP leaves out and the stopping step BackStride adds after it), which the untouched
    trial also counts as extra, can be judged.
    """
    _write(tmp_path / "as-is", _trials("Test5-Trial1"))
    data = _trials("Test5-Trial1")
    for bout in _bouts(data, "Test5-Trial1"):
        bout["InitialContact_Event"] = np.full_like(bout["InitialContact_Event"], np.nan)
    _write(tmp_path / "untimed", data)
    report = run_validation(tmp_path)
    timed, untimed = (_result(report, f"{n}/Test5-Trial1") for n in ("as-is", "untimed"))
    assert timed.contacts.n_reference == 9 and timed.contacts.n_detected == 11
    extra = [
        t for k, t in enumerate(timed.detected_contacts_s) if k not in dict(timed.contacts.pairs)
    ]
    assert untimed.contacts.n_reference == 0
    assert untimed.contacts.n_unverifiable == 9
    judged = [
        t
        for k, t in enumerate(untimed.detected_contacts_s)
        if k not in untimed.contacts.unverifiable
    ]
    assert len(judged) == 2 and judged == extra
    assert min(judged) > untimed.reference_bouts[0][1]
    # the walk itself is still the reference's: same walking time and bout values
    assert untimed.walking_f1 == pytest.approx(timed.walking_f1)
    assert untimed.bout_values == timed.bout_values


def test_untimed_contacts_at_a_walks_ends_lie_at_its_ends() -> None:
    """A bout runs from its first contact to its last, timed or not."""
    from backstride.validation.metrics import match_contacts

    steps = [0.0, 0.5, 1.0, 1.5]
    assert untimed_gaps([None] * 4, 0.0, 1.5) == (UntimedGap(0.0, 1.5, 4, True, True),)
    found = match_contacts(steps, [], untimed=untimed_gaps([None] * 4, 0.0, 1.5))
    assert (found.n_unverifiable, found.n_scored) == (4, 0)
    first_untimed = match_contacts(
        steps, steps[1:], untimed=untimed_gaps([None, *steps[1:]], 0, 1.5)
    )
    assert (first_untimed.n_matched, first_untimed.n_unverifiable) == (3, 1)
    # 90 steps/min, not moderate: placing the untimed contacts inside the walk's ends made
    # it read as 7 contacts in 3 s, 120 steps/min
    times = tuple(np.linspace(0.0, 4.0, 7).tolist())
    as_timed = ReferenceBout(0.0, 4.0, times)
    as_untimed = ReferenceBout(0.0, 4.0, (), untimed_contacts=untimed_gaps([None] * 7, 0.0, 4.0))
    first = ReferenceBout(
        0.0, 4.0, times[1:], untimed_contacts=(UntimedGap(0.0, times[1], 1, opens_bout=True),)
    )
    moderate = [reference_moderate_s(Reference(bouts=(b,))) for b in (as_timed, as_untimed, first)]
    assert moderate == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("Acc", "The Acc data of Test5-Trial2 holds no samples"),
        ("Fs", "The trial Test5-Trial2 has no sample rate (SU.LowerBack.Fs)"),
    ],
)
def test_one_trial_with_a_failed_sensor_does_not_cost_the_others(
    tmp_path: Path, field: str, reason: str
) -> None:
    """The whole file was skipped for one trial's empty Acc or missing Fs."""
    data = _trials("Test5-Trial1", "Test5-Trial2")
    sensor = data["TimeMeasure1"]["Test5"]["Trial2"]["SU"]["LowerBack"]
    if field == "Fs":
        del sensor["Fs"]
    else:
        sensor[field] = np.zeros((0, 0))
    _write(tmp_path / "HA-001", data)
    report = run_validation(tmp_path)
    (skipped,) = report.skipped
    assert skipped.name == "HA-001/Test5-Trial2" and skipped.reason.startswith(reason)
    assert {r.name for r in report.results} == {"HA-001/Test5-Trial1"}
    assert _result(report, "HA-001/Test5-Trial1").contacts.n_matched == 9


def test_a_trial_whose_gyroscope_failed_is_validated_without_it(tmp_path: Path) -> None:
    data = _trials("Test5-Trial1")
    data["TimeMeasure1"]["Test5"]["Trial1"]["SU"]["LowerBack"]["Gyr"] = np.zeros((0, 0))
    _write(tmp_path / "no-gyr", data)
    _write(tmp_path / "as-is", _trials("Test5-Trial1"))
    report = run_validation(tmp_path)
    assert report.skipped == []
    for dataset in ("mobilised", "mobilised-stereo"):
        without = _result(report, "no-gyr/Test5-Trial1", dataset)
        as_is = _result(report, "as-is/Test5-Trial1", dataset)
        # contacts and bouts come from the acceleration: the same as with the gyroscope
        assert without.contacts == as_is.contacts
        _same_scores(without, as_is)
        assert without.side_scored == 0 < as_is.side_scored  # no gyroscope, no foot
    (recording,) = read_mobilised_mat(tmp_path / "no-gyr" / "data.mat")
    assert recording.gyr is None
    assert "gyroscope left out: SU.LowerBack.Gyr holds no samples" in recording.notes


def test_a_folder_with_exports_of_some_trials_validates_the_rest_from_data_mat(
    tmp_path: Path,
) -> None:
    """Beside an export of Test5-Trial1 only, Test5-Trial2 was not compared with INDIP."""
    data = _trials("Test5-Trial1", "Test5-Trial2")
    folder = _write(tmp_path / "some-exported", data)
    for suffix in (".imu.csv", ".reference.json"):
        shutil.copy(HA001 / f"Test5-Trial1{suffix}", folder)
    _write(tmp_path / "none-exported", data)
    report = run_validation(tmp_path)
    assert report.skipped == []
    _same_scores(
        _result(report, "some-exported/Test5-Trial2"), _result(report, "none-exported/Test5-Trial2")
    )
    # the exported trial against its export, which holds data.mat's reference to 3 decimals
    exported = _result(report, "some-exported/Test5-Trial1")
    inside = _result(report, "none-exported/Test5-Trial1")
    assert exported.contacts.n_matched == inside.contacts.n_matched == 9
    assert exported.cadence_errors == pytest.approx(inside.cadence_errors, abs=1e-3)


def test_contact_matching_never_builds_the_matrix_of_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 2.5-h recording has thousands of contacts of each kind: their dense cost matrix took
    2.7 GB and 8 s for 10,000; the assignment is solved per group of nearby contacts."""
    from scipy.optimize import linear_sum_assignment

    from backstride.validation import metrics

    rng = np.random.default_rng(7)
    reference = np.cumsum(rng.uniform(0.45, 0.7, 3000))
    extra = rng.uniform(0.0, reference[-1], 300)
    detected = np.sort(np.concatenate([reference + rng.normal(0.0, 0.05, 3000), extra]))
    shapes: list[tuple[int, ...]] = []

    def spy(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shapes.append(cost.shape)
        return linear_sum_assignment(cost)  # type: ignore[no-any-return]

    monkeypatch.setattr(metrics, "linear_sum_assignment", spy)
    found = metrics.match_contacts(detected, reference, 0.25)
    assert max(max(s) for s in shapes) < 20
    # the same as one assignment over all contacts
    cost = np.abs(detected[:, None] - reference[None, :])
    rows, cols = linear_sum_assignment(np.where(cost <= 0.25, cost, 1e6))
    ok = cost[rows, cols] <= 0.25
    assert found.n_matched == int(ok.sum()) > 2900
    assert sum(found.abs_errors_s) == pytest.approx(float(cost[rows[ok], cols[ok]].sum()))
    assert [i for i, _ in found.pairs] == sorted(i for i, _ in found.pairs)


def test_a_file_or_trial_without_any_reference_is_said(tmp_path: Path) -> None:
    """A data.mat with no Standards at all, and a trial without any, were passed over."""
    bare = _trials("Test5-Trial1")
    del bare["TimeMeasure1"]["Test5"]["Trial1"]["Standards"]
    _write(tmp_path / "bare", bare)
    partly = _trials("Test5-Trial1", "Test5-Trial2")
    del partly["TimeMeasure1"]["Test5"]["Trial2"]["Standards"]
    _write(tmp_path / "partly", partly)
    report = run_validation(tmp_path)
    reasons = {s.name: s.reason for s in report.skipped}
    assert set(reasons) == {"bare/data.mat", "partly/Test5-Trial2"}
    assert reasons["bare/data.mat"].startswith("it has no reference (no Standards.INDIP")
    assert reasons["partly/Test5-Trial2"].startswith("this trial has no reference (data.mat")
    assert {r.name for r in report.results} == {"partly/Test5-Trial1"}


def test_a_run_of_untimed_contacts_knows_its_own_ends() -> None:
    """Whether a run's end is the bout's edge comes from the run, not from ``reference_s``.

    Inferred from whether the end was one of the timed contacts passed in, it misfired for a
    caller that passes only some of them (``bench/reference_agreement.py`` keeps INDIP's
    contacts inside the capture volume): the gap was widened outwards and swallowed the
    matches of its timed neighbours' detections.
    """
    from backstride.validation.metrics import match_contacts

    reference = [1.0, 1.5, 3.0, 3.5]
    gap = untimed_gaps([1.0, 1.5, None, None, 3.0, 3.5], 1.0, 3.5)
    assert gap == (UntimedGap(1.5, 3.0, 2),)
    found = [1.0, 1.52, 2.0, 2.5, 2.98, 3.5]
    # only the contacts after 2.0 s passed: the gap's ends are still contacts, not edges
    scored = match_contacts(found, [t for t in reference if t > 2.0], untimed=gap)
    assert scored.unverifiable == (2, 3)
    whole = match_contacts(found, reference, untimed=gap)
    assert whole.unverifiable == (2, 3) and whole.n_matched == 4
