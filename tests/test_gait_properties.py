"""Properties that hold for any input: bouts are ordered and disjoint, tables agree."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backstride import Recording, analyze
from backstride.gait.bouts import BoutRules, assemble_bouts, join_across_turns

times = arrays(
    np.float64,
    st.integers(0, 120),
    elements=st.floats(0, 300, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None)
@given(times, st.data())
def test_bouts_are_ordered_disjoint_and_long_enough(raw: np.ndarray, data: st.DataObject) -> None:
    t = np.unique(raw)
    prominence = np.asarray(
        data.draw(st.lists(st.floats(0.0, 5.0), min_size=t.size, max_size=t.size)), dtype=float
    )
    rules = BoutRules()
    bouts = assemble_bouts(t, rules, prominence)
    previous_end = -np.inf
    for members in bouts:
        assert members.size >= rules.min_strides + 2
        assert np.all(np.diff(members) > 0)
        assert t[members[0]] > previous_end
        previous_end = t[members[-1]]
        gaps = np.diff(t[members])
        assert gaps.max() <= max(rules.max_step_s, rules.max_pause_s) + 1e-9


#: Noise on gravity: a seed, a rate, a length (s) and a size (m/s^2 per axis). Up to 6 m/s^2:
#: beyond that the median magnitude leaves the 0.5-2 g a raw accelerometer has, which is
#: refused (test_a_signal_without_gravity_is_refused).
NOISE_ON_GRAVITY = {
    "seed": st.integers(0, 2**32 - 1),
    "fs": st.sampled_from([20.0, 50.0, 100.0]),
    "seconds": st.floats(3.0, 60.0),
    "scale": st.floats(0.01, 6.0),
}


@settings(max_examples=25, deadline=None)
@given(**NOISE_ON_GRAVITY)
def test_any_signal_gives_consistent_tables(
    seed: int, fs: float, seconds: float, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    acc = rng.standard_normal((n, 3)) * scale + np.array([9.81, 0.0, 0.0])
    result = analyze(Recording(acc=acc, sample_rate_hz=fs, sensor_height_m=1.0))
    bouts, steps = result.bouts, result.steps
    assert len(steps) == int(bouts["n_steps"].sum()) == result.summary["steps"]
    assert (bouts["end_s"] >= bouts["start_s"]).all()
    assert (bouts["start_s"].iloc[1:].to_numpy() > bouts["end_s"].iloc[:-1].to_numpy()).all()
    assert ((steps["ic_s"] >= 0) & (steps["ic_s"] <= seconds)).all()
    # contacts are in time order within a bout and no closer than the shortest step (to the
    # sample), so every cadence is finite and at most 240 steps/min
    shortest = round(BoutRules().min_step_s * fs) / fs
    for _, ic in steps.groupby("bout_id")["ic_s"]:
        assert (np.diff(ic.to_numpy()) >= shortest - 1e-9).all()
    assert np.isfinite(steps["cadence_spm"].dropna()).all()
    assert (steps["cadence_spm"].dropna() <= 60 / shortest + 1e-6).all()
    # per-second cadence is given to 0.01 steps/min
    assert (result.per_second["cadence_spm"] <= 60 / shortest + 0.005).all()
    assert result.summary["walking_s"] <= seconds
    assert (result.days["walking_s"] <= result.days["recorded_s"] + 1e-9).all()


@pytest.mark.parametrize(
    ("seed", "fs", "scale"), [(186, 20.0, 10.0), (192, 20.0, 3.0), (448, 50.0, 10.0)]
)
def test_two_coarse_peaks_sharing_one_loading_peak_give_one_contact(
    seed: int, fs: float, scale: float
) -> None:
    """Noise in which two coarse peaks pick the same loading peak (seeds found by search)."""
    from backstride.gait.initial_contacts import detect_contact_candidates
    from backstride.gait.orientation import gravity_and_vertical

    rng = np.random.default_rng(seed)
    acc = rng.standard_normal((int(30 * fs), 3)) * scale + np.array([9.81, 0.0, 0.0])
    _, _, vertical = gravity_and_vertical(acc, fs)
    candidates = detect_contact_candidates(vertical, fs)
    assert np.unique(candidates.index).size == candidates.index.size > 0
    assert candidates.peak_index.size == candidates.prominence_mps2.size == candidates.index.size


def test_bouts_are_joined_only_where_a_turn_fills_the_whole_pause() -> None:
    t = np.r_[np.arange(0.0, 6.0, 0.5), np.arange(10.0, 16.0, 0.5), np.arange(30.0, 36.0, 0.5)]
    bouts = assemble_bouts(t)
    assert [b.size for b in bouts] == [12, 12, 12]
    last, first = t[11], t[12]  # 5.5 s and 10.0 s: a pause of 4.5 s
    join = partial(join_across_turns, bouts, t)
    # a turn that leaves at most one step (1.5 s) of the pause, before and after it together,
    # joins them; the contacts stay those of the two bouts
    joined = join(np.array([last + 0.7]), np.array([first - 0.7]))
    assert [b.size for b in joined] == [24, 12]
    np.testing.assert_array_equal(joined[0], np.r_[bouts[0], bouts[1]])
    # a turn that started with the walk and runs into the next fills the whole pause
    assert len(join(np.array([last - 3.0]), np.array([first + 1.0]))) == 2
    assert len(join(np.array([last + 1.4]), np.array([first + 0.5]))) == 2
    # a turn that leaves more than a step of it standing, on one side or both, does not
    assert len(join(np.array([last + 0.8]), np.array([first - 0.8]))) == 3
    assert len(join(np.array([last]), np.array([first - 1.6]))) == 3
    # nor does a turn in another pause, or none at all
    assert len(join(np.array([20.0]), np.array([25.0]))) == 3
    assert len(join(np.zeros(0), np.zeros(0))) == 3
