"""The steps that stop a walk (rule 7 in ``gait/bouts.py``): known answers and real walks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backstride import analyze
from backstride.gait.bouts import BoutRules
from backstride.gait.initial_contacts import find_stopping_steps
from backstride.gait.pipeline import AnalysisParameters
from backstride.io.phone_oxford import read_oxford_phone_csv
from backstride.io.xsens_ipol import read_ipol_txt
from backstride.validation.references import load_ipol_reference
from shared_data import SHARED, shared

from synthetic import walking_signal

FS = 100.0
STEP = 55  # samples: 0.55 s, about 110 steps/min
ROOT = Path(__file__).resolve().parents[1]
MAT = ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"


def _humps(at: list[int], heights: list[float], n: int) -> np.ndarray:
    """A vertical signal of 40-ms-wide humps (m/s^2) at the given samples, flat elsewhere."""
    t = np.arange(n)
    x = np.zeros(n)
    for centre, height in zip(at, heights, strict=True):
        x += height * np.exp(-0.5 * ((t - centre) / 4.0) ** 2)
    return x


def _walk(n_steps: int = 10, first: int = 100) -> np.ndarray:
    return first + STEP * np.arange(n_steps, dtype=np.int64)


def test_two_weak_steps_after_the_walk_are_its_stopping_steps() -> None:
    walk = _walk()
    last = int(walk[-1])
    # the walk's humps 40 ms after its contacts, then two weak ones a step apart, then quiet
    stops = [last + STEP + 4, last + 2 * STEP + 4]
    vertical = _humps([*(walk + 4).tolist(), *stops], [2.0] * walk.size + [0.5, 0.4], 2000)
    (found,) = find_stopping_steps(vertical, FS, [walk])
    # each placed 40 ms (4 samples) before its hump, as the walk's own contacts are
    assert found.tolist() == [s - 4 for s in stops]
    (none,) = find_stopping_steps(vertical, FS, [walk], most=0)
    assert none.size == 0
    (one,) = find_stopping_steps(vertical, FS, [walk], most=1)
    assert one.tolist() == [stops[0] - 4]


@pytest.mark.parametrize(
    ("after_steps", "height"),
    [
        (0.4, 0.5),  # sooner than a step: the last step's settling, not a step of its own
        (1.8, 0.5),  # later than 1.4 steps: the walker has stopped
        (1.0, 0.1),  # under the candidates' floor of 0.2 m/s^2: sway, not a contact
    ],
)
def test_what_is_not_a_stopping_step(after_steps: float, height: float) -> None:
    walk = _walk()
    hump = int(walk[-1]) + round(after_steps * STEP) + 4
    vertical = _humps([*(walk + 4).tolist(), hump], [2.0] * walk.size + [height], 2000)
    (found,) = find_stopping_steps(vertical, FS, [walk])
    assert found.size == 0


def test_the_next_walk_is_not_reached() -> None:
    first = _walk()
    second = _walk(first=int(first[-1]) + STEP + 20)
    # a hump a step after the first walk's last contact, but within 0.25 s of the next walk
    hump = int(first[-1]) + STEP + 4
    assert second[0] - (hump - 4) < 25
    vertical = _humps([*(first + 4).tolist(), hump, *(second + 4).tolist()], [2.0] * 21, 2200)
    found_first, found_second = find_stopping_steps(vertical, FS, [first, second])
    assert found_first.size == 0
    assert found_second.size == 0  # quiet after the second walk


def test_a_synthetic_walk_that_ends_in_quiet_standing_has_no_stopping_step() -> None:
    rec, truth = walking_signal(walk_s=20.0, noise=0.05)
    result = analyze(rec)
    assert not result.steps["stopping"].any()
    assert result.summary["steps"] == pytest.approx(truth.size, abs=1)


@pytest.mark.shared_data
@pytest.mark.parametrize("trial", ["1-1", "1-4"])
def test_the_foot_sensors_last_heel_strike_is_found_as_a_stopping_step(trial: str) -> None:
    """Trial 1-1 ends with heel strikes at 24.17 and 24.64 s; the trunk shows the last as a
    hump of a few tenths of m/s^2, under the coarse peak floor, so the walk ended at 24.17 s.
    1-4 likewise at 25.80 s (measured: 24.69 and 25.77 s)."""
    gait = shared(SHARED / "ipol-lumbar") / "GaitData"
    rec = read_ipol_txt(gait / f"{trial}_lb.txt")
    reference = load_ipol_reference(
        gait / f"{trial}.json", rec.sample_rate_hz, int(rec.meta["first_sample_index"])
    )
    steps = analyze(rec).steps
    (stop,) = steps.loc[steps["stopping"], "ic_s"]
    assert stop == pytest.approx(reference.initial_contacts_s[-1], abs=0.06)
    # without rule 7 the walk's last contact is the one before
    rhythm = analyze(rec, AnalysisParameters(bout_rules=BoutRules(stopping_steps=0))).steps
    assert rhythm["ic_s"].iloc[-1] == pytest.approx(reference.initial_contacts_s[-2], abs=0.06)
    assert rhythm["ic_s"].tolist() == steps.loc[~steps["stopping"], "ic_s"].tolist()


def test_a_phone_gets_no_stopping_steps() -> None:
    """The search reads the trunk's loading; a phone in a pocket or a hand does not carry it,
    so its walks end on their last rhythmic step (the step totals are unchanged)."""
    path = next((ROOT / "data" / "oxford-phone-steps").glob("user1_frontpocket_*.csv"))
    result = analyze(read_oxford_phone_csv(path))
    assert result.summary["steps"] > 300
    assert not result.steps["stopping"].any()


def test_a_stopping_step_does_not_set_the_walks_pace() -> None:
    """HA-001's first straight walk stops 0.45 s after its last contact (133 steps/min if
    that interval were a step of the walk). Its seconds keep the walk's pace, so no second
    reads vigorous, and its cadence is its strides' (before the seconds counted the stopping
    step, this walk had a vigorous second). Its step, and so the lag of its regularity, is
    its walking's too (with the stopping interval in the median it read 0.595 s, not 0.60)."""
    from backstride.io.mobilised import read_mobilised_mat

    (rec,) = [r for r in read_mobilised_mat(MAT) if r.name == "Test5-Trial1"]
    result = analyze(rec)
    steps = result.steps
    (stop,) = steps.loc[steps["stopping"], "ic_s"]
    last = steps.loc[~steps["stopping"], "ic_s"].iloc[-1]
    assert 0.4 <= stop - last <= 0.5
    (bout,) = result.bouts.itertuples()
    assert bout.end_s == stop and bout.n_steps == len(steps)
    assert bout.vigorous_s == 0 and result.per_second["cadence_spm"].max() < 130
    assert result.per_second["second"].iloc[-1] == int(stop)
    rhythm = analyze(rec, AnalysisParameters(bout_rules=BoutRules(stopping_steps=0)))
    assert bout.cadence_spm == rhythm.bouts["cadence_spm"].iloc[0]
    assert bout.stride_length_m == rhythm.bouts["stride_length_m"].iloc[0]
    for column in ("step_duration_s", "step_regularity", "stride_regularity", "step_symmetry"):
        assert getattr(bout, column) == rhythm.bouts[column].iloc[0], column


def _stopping_steps_one_by_one(
    vertical: np.ndarray, fs: float, walks: list[np.ndarray], most: int = 2
) -> list[list[int]]:
    """Rule 7 as written down: each walk end searched on its own.

    A hump's prominence is measured in the smoothed signal within the window and the
    filter's reach (4 sigma) and two samples more either side.
    """
    from scipy import signal
    from scipy.ndimage import gaussian_filter1d

    sigma, n = 0.04 * fs, vertical.size
    margin, delay, gap = int(4.0 * sigma) + 2, round(0.04 * fs), max(1, round(0.25 * fs))
    fine = gaussian_filter1d(vertical, sigma)
    found: list[list[int]] = []
    for k, contacts in enumerate(walks):
        extra: list[int] = []
        found.append(extra)
        if contacts.size < 2:
            continue
        step = float(np.median(np.diff(contacts)))
        until = walks[k + 1][0] - gap if k + 1 < len(walks) and walks[k + 1].size else n - 1
        last = int(contacts[-1])
        for _ in range(most):
            lo = last + int(np.ceil(0.7 * step))
            hi = min(until, n - 1, last + int(1.4 * step))
            if hi - lo < 2:
                break
            a, b = max(0, lo - margin), min(n, hi + margin + 1)
            peaks, _ = signal.find_peaks(fine[a:b], prominence=0.2)
            peaks = peaks[(peaks + a >= lo) & (peaks + a <= hi)] + a
            if peaks.size == 0:
                break
            contact = max(last + gap, int(peaks[0]) - delay)
            if contact > until:
                break
            extra.append(contact)
            last = contact
    return found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fs", [50.0, 100.0])
def test_all_walk_ends_searched_at_once_find_what_each_alone_finds(seed: int, fs: float) -> None:
    # noise with humps, walks of 0-12 contacts packed close, one ending near the signal's end
    rng = np.random.default_rng(seed)
    n = 30000
    vertical = rng.normal(0.0, 0.3, n) + _humps(
        rng.integers(0, n, 1500).tolist(), rng.uniform(0.0, 1.5, 1500).tolist(), n
    )
    walks, at = [], int(rng.integers(0, 40))
    while at < n:
        size = int(rng.integers(0, 13))
        step = int(rng.integers(round(0.3 * fs), round(1.0 * fs)))
        walk = at + step * np.arange(size, dtype=np.int64) + rng.integers(-3, 4, size)
        walk = np.sort(walk[walk < n])
        walks.append(walk)
        at = (int(walk[-1]) if walk.size else at) + int(rng.integers(1, round(2.5 * fs)))
    expected = _stopping_steps_one_by_one(vertical, fs, walks)
    found = find_stopping_steps(vertical, fs, walks)
    assert [f.tolist() for f in found] == expected
    # the search had something to find: walks with one and with two stopping steps
    assert {len(e) for e in expected} >= {1, 2}
