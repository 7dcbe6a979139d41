"""Known-answer tests: synthetic walking whose cadence, contacts and excursion are set."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from backstride import analyze
from backstride.exceptions import InvalidInputError
from backstride.gait.parameters import (
    VAULTING_SPREADS,
    ZIJLSTRA_CORRECTION,
    exchange_cosines,
    step_excursions,
    vaulting_weights,
)
from backstride.gait.pipeline import TRUNK_BOUT_COLUMNS, AnalysisParameters, step_time_ratio
from backstride.recording import Recording, placement_words
from backstride.validation.metrics import match_contacts

from messages import raises_one_sentence
from synthetic import rotation, standing_signal, walking_signal


@pytest.mark.parametrize("step_hz", [1.5, 2.0, 2.3])
def test_cadence_equals_the_step_rhythm(step_hz: float) -> None:
    rec, contacts = walking_signal(step_hz=step_hz)
    result = analyze(rec)
    assert len(result.bouts) == 1
    assert result.bouts.loc[0, "cadence_spm"] == pytest.approx(60 * step_hz, abs=1.0)
    agreement = match_contacts(result.initial_contacts_s, contacts, tolerance_s=0.05)
    assert agreement.f1 >= 0.97
    assert agreement.mean_abs_error_s <= 0.03


def test_a_two_hertz_rhythm_is_120_steps_per_minute_moderate_not_vigorous() -> None:
    rec, _ = walking_signal(step_hz=2.0, walk_s=40)
    s = analyze(rec).summary
    assert s["cadence_spm"] == pytest.approx(120, abs=1)
    assert s["moderate_s"] >= 35  # every whole second of the 40 s walk is >= 100 steps/min
    assert s["vigorous_s"] == 0


def test_bout_spans_the_walk_only() -> None:
    rec, contacts = walking_signal(stand_before_s=10, walk_s=20, stand_after_s=10)
    bout = analyze(rec).bouts.iloc[0]
    assert bout.start_s == pytest.approx(contacts[0], abs=0.1)
    assert bout.end_s == pytest.approx(contacts[-1], abs=0.1)


@pytest.mark.parametrize(
    "angles", [(0, 0, 0), (90, 0, 0), (30, 40, -20), (0, 90, 0), (170, 10, 180)]
)
def test_any_sensor_mounting_gives_the_same_result(angles: tuple[float, float, float]) -> None:
    rec, contacts = walking_signal(rot=rotation(*angles))
    result = analyze(rec)
    assert result.bouts.loc[0, "cadence_spm"] == pytest.approx(120, abs=1.0)
    assert match_contacts(result.initial_contacts_s, contacts, 0.05).f1 >= 0.97


def test_stride_length_follows_the_inverted_pendulum() -> None:
    excursion = 0.04
    rec, _ = walking_signal(excursion_m=excursion, walk_s=40)
    bout = analyze(rec).bouts.iloc[0]
    leg = 1.0
    expected_step = ZIJLSTRA_CORRECTION * 2 * np.sqrt(2 * leg * excursion - excursion**2)
    assert bout.stride_length_m == pytest.approx(2 * expected_step, rel=0.12)
    assert bout.walking_speed_mps == pytest.approx(2 * expected_step * 1.0, rel=0.12)


def _steps(position: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.arange(0, position.size - step, step, dtype=np.int64)
    return starts, starts + step


def test_excursion_of_a_sinusoidal_vault_is_its_peak_to_peak() -> None:
    step = 55  # samples: 0.55 s at 100 Hz
    t = np.arange(20 * step)
    position = 0.02 * np.cos(2 * np.pi * t / step + 0.7)
    h = step_excursions(position, *_steps(position, step))
    assert h == pytest.approx(np.full(19, 0.04), rel=0.01)


def test_excursion_ignores_motion_that_does_not_repeat_each_step() -> None:
    """A harmonic (a sharper vault) and irregular trunk motion do not add to the vault."""
    step = 60
    t = np.arange(30 * step)
    vault = 0.015 * np.cos(2 * np.pi * t / step)
    sharper = vault + 0.006 * np.cos(4 * np.pi * t / step)
    starts, ends = _steps(t.astype(float), step)
    assert step_excursions(sharper, starts, ends) == pytest.approx(np.full(29, 0.03), rel=0.01)
    irregular = np.random.default_rng(3).normal(0, 0.01, t.size)
    h = step_excursions(irregular, starts, ends)
    peak_to_peak = np.array(
        [np.ptp(irregular[a : b + 1]) for a, b in zip(starts, ends, strict=True)]
    )
    assert np.median(h / peak_to_peak) < 0.25


@pytest.mark.parametrize("lag_deg", [0.0, 30.0, 90.0, 150.0, 180.0])
def test_exchange_cosine_is_the_phase_between_height_and_forward_speed(lag_deg: float) -> None:
    """An inverted pendulum is highest where slowest (180 degrees: 1); motion a quarter
    period off (90: 0) does not trade; the sign of the forward axis does not matter."""
    step = 55
    t = np.arange(20 * step)
    position = 0.02 * np.cos(2 * np.pi * t / step)
    velocity = 0.1 * np.cos(2 * np.pi * t / step + np.radians(lag_deg))
    starts, ends = _steps(position, step)
    expected = abs(np.cos(np.radians(lag_deg)))
    assert exchange_cosines(position, velocity, starts, ends) == pytest.approx(
        np.full(19, expected), abs=0.01
    )
    assert exchange_cosines(position, -velocity, starts, ends) == pytest.approx(
        np.full(19, expected), abs=0.01
    )


def test_vaulting_weights_scale_only_steps_well_below_the_bouts_own_exchange() -> None:
    # bout 0: ordinary scatter around 0.95 and one step at 0.3; bout 1 exchanges at 0.3
    # throughout, its own usual (the IPOL walker whose straight walks run at about 105
    # degrees), so none of its steps is scaled
    usual = [0.97, 0.93, 0.96, 0.94, 0.95, 0.92, 0.98]
    cos = np.array([*usual, 0.3, 0.31, 0.29, 0.30, 0.32, 0.28])
    groups = np.array([0] * 7 + [0] + [1] * 5)
    weights = vaulting_weights(cos, groups)
    assert weights[:7] == pytest.approx(np.ones(7))
    spread = 1.4826 * np.median(np.abs(np.array([*usual, 0.3]) - 0.945))
    assert weights[7] == pytest.approx(0.3 / (0.945 - VAULTING_SPREADS * spread))
    assert weights[8:] == pytest.approx(np.ones(5))
    # a bout so scattered that its threshold falls to zero or below keeps every excursion
    assert vaulting_weights(np.array([0.0, 1.0, 0.0, 1.0]), np.zeros(4, dtype=np.int64)) == (
        pytest.approx(np.ones(4))
    )


def test_regular_synthetic_gait_is_regular() -> None:
    bout = analyze(walking_signal(noise=0.02)[0]).bouts.iloc[0]
    assert bout.step_regularity > 0.8
    assert bout.stride_regularity > 0.8


def test_standing_still_is_a_valid_result_with_zero_bouts() -> None:
    result = analyze(standing_signal())
    assert len(result.bouts) == 0
    assert result.summary["steps"] == 0
    assert result.summary["walking_s"] == 0


def test_no_gyroscope_gives_null_trunk_range_not_zero() -> None:
    bout = analyze(walking_signal()[0]).bouts.iloc[0]
    assert np.isnan(bout.trunk_rom_sagittal_deg)


def test_short_gaps_of_nan_are_bridged() -> None:
    rec, contacts = walking_signal()
    acc = rec.acc.copy()
    acc[1500:1510] = np.nan
    result = analyze(Recording(acc=acc, sample_rate_hz=100.0, sensor_height_m=1.0))
    assert match_contacts(result.initial_contacts_s, contacts, 0.05).f1 >= 0.95
    # and said: an empty cell or a 'nan' in a CSV was bridged without a word
    assert (
        "10 acceleration samples missing or not a number were bridged by straight lines"
        in (result.recording["notes"])
    )


@pytest.mark.parametrize("glitch", [1e300, -1e20, 1e6])
def test_a_sample_beyond_any_sensors_range_is_a_gap_not_a_crash(glitch: float) -> None:
    """One such sample ended the analysis in an internal error (1e300) or hid the walk
    (1e20: the smoothing spread it over seconds); it is bridged like a gap, and said."""
    rec, truth = walking_signal(sagittal_rom_deg=4.0)
    clean = analyze(rec)
    acc, gyr = rec.acc.copy(), rec.gyr.copy()
    acc[1500, 0] = glitch
    gyr[1700, 2] = glitch
    result = analyze(dataclasses.replace(rec, acc=acc, gyr=gyr))
    assert result.initial_contacts_s == pytest.approx(clean.initial_contacts_s, abs=0.011)
    assert len(result.initial_contacts_s) == len(clean.initial_contacts_s) >= truth.size - 2
    assert (
        "1 acceleration sample beyond +-200 g, outside any body-worn sensor's range, was "
        "treated as missing and bridged" in result.recording["notes"]
    )
    assert any(n.startswith("1 angular velocity sample beyond") for n in result.recording["notes"])
    # a missing gyroscope sample is bridged and said too
    gyr[1800, 1] = np.nan
    again = analyze(dataclasses.replace(rec, acc=acc, gyr=gyr))
    assert (
        "1 angular velocity sample missing or not a number was bridged by straight lines"
        in (again.recording["notes"])
    )
    assert not any("beyond" in n for n in clean.recording["notes"])


def test_glitches_are_found_in_every_block_of_a_long_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The range checks run a block of rows at a time (a week's boolean temporaries were
    540 MB); glitches on either side of a block's edge are all found, counted and marked."""
    import backstride.recording as recording_module

    monkeypatch.setattr(recording_module, "CHECK_CHUNK_ROWS", 1000)
    rec, _ = walking_signal()
    acc = rec.acc.copy()
    acc[[999, 1000, 2999], [0, 1, 2]] = 1e9
    acc[[1500, 2000], 1] = np.nan
    checked = recording_module.without_impossible_samples(Recording(acc=acc, sample_rate_hz=100.0))
    assert np.isnan(checked.acc[[999, 1000, 2999, 1500, 2000]]).any(axis=1).all()
    assert np.isfinite(checked.acc).all(axis=1).sum() == acc.shape[0] - 5
    assert checked.acc is not acc and np.isfinite(acc[999, 0])  # the input is not written to
    assert any(n.startswith("3 acceleration samples beyond") for n in checked.notes)
    assert any(n.startswith("2 acceleration samples missing") for n in checked.notes)


def test_mostly_nan_is_rejected_with_one_sentence() -> None:
    rec, _ = walking_signal()
    acc = rec.acc.copy()
    acc[::2] = np.nan
    with pytest.raises(InvalidInputError, match=r"missing or not numbers"):
        analyze(Recording(acc=acc, sample_rate_hz=100.0))


def test_a_gyroscope_of_mostly_nan_is_rejected_with_one_sentence() -> None:
    rec, _ = walking_signal()
    gyr = np.full_like(rec.acc, np.nan)
    with pytest.raises(
        InvalidInputError,
        match=r"angular velocity .* remove them to analyse the acceleration alone",
    ):
        analyze(Recording(acc=rec.acc, gyr=gyr, sample_rate_hz=100.0))


@pytest.mark.parametrize(
    "change",
    [
        lambda acc: acc / 9.80665,  # in g, but passed as m/s^2
        lambda acc: acc * 9.80665,  # in m/s^2, but converted again as if in g
        lambda acc: acc - np.median(acc, axis=0),  # a linear acceleration: gravity removed
    ],
    ids=["g-as-mps2", "mps2-as-g", "gravity-removed"],
)
def test_a_signal_without_gravity_is_refused(change: Any) -> None:
    """Without gravity in the signal there is no 'up'; results would be invented, so none."""
    rec, _ = walking_signal()
    acc = change(rec.acc)
    wrong = Recording(acc=acc, sample_rate_hz=rec.sample_rate_hz)
    median = float(np.median(np.linalg.norm(acc, axis=1)))
    message = raises_one_sentence(InvalidInputError, lambda: analyze(wrong), "gravity alone")
    assert f"is {median:.3g} m/s^2" in message and "--acc-unit" in message


def test_zero_filled_stretches_do_not_count_against_gravity() -> None:
    """Exports fill gaps with zeros: two thirds zeros around a walk is still a recording."""
    rec, contacts = walking_signal(walk_s=30)
    acc = np.vstack([np.zeros((4000, 3)), rec.acc, np.zeros((4000, 3))])
    result = analyze(Recording(acc=acc, sample_rate_hz=rec.sample_rate_hz))
    assert len(result.bouts) == 1
    assert result.bouts.loc[0, "n_steps"] == pytest.approx(len(contacts), abs=2)
    zeros = Recording(acc=np.zeros((1000, 3)), sample_rate_hz=100.0)
    raises_one_sentence(InvalidInputError, lambda: analyze(zeros), "zero throughout")


def test_too_short_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="at least"):
        analyze(Recording(acc=np.tile([9.81, 0, 0], (150, 1)), sample_rate_hz=100.0))


def test_too_slow_sample_rate_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="20 Hz"):
        Recording(acc=np.zeros((1000, 3)), sample_rate_hz=10.0)


def test_a_rate_no_body_worn_sensor_has_is_refused() -> None:
    """A 3.2-s file at 1 MHz (a time column in the wrong unit) ran for minutes; now one
    sentence, before any filtering."""
    raises_one_sentence(
        InvalidInputError,
        lambda: Recording(acc=np.zeros((1000, 3)), sample_rate_hz=1e6),
        "above any body-worn accelerometer's",
    )
    Recording(acc=np.tile([9.81, 0.0, 0.0], (1000, 1)), sample_rate_hz=3200.0)  # an AX3's top


def test_empty_recording_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        analyze(Recording(acc=np.zeros((0, 3)), sample_rate_hz=100.0))


def test_implausible_height_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="metres"):
        Recording(acc=np.zeros((1000, 3)), sample_rate_hz=100.0, height_m=175)


@pytest.mark.parametrize("angles", [(0, 0, 0), (40, 25, -10)])
def test_trunk_range_of_motion_per_plane(angles: tuple[float, float, float]) -> None:
    rec, _ = walking_signal(sagittal_rom_deg=4.0, frontal_rom_deg=8.0, rot=rotation(*angles))
    bout = analyze(rec).bouts.iloc[0]
    assert bout.trunk_rom_sagittal_deg == pytest.approx(4.0, abs=0.5)
    assert bout.trunk_rom_frontal_deg == pytest.approx(8.0, abs=0.8)
    assert bout.trunk_rom_transverse_deg < 1.0


@pytest.mark.parametrize("lean", [-4.0, 3.0, 8.0])
def test_forward_lean_relative_to_standing(lean: float) -> None:
    rec, _ = walking_signal(lean_deg=lean, walk_s=40, rot=rotation(20, 30, 0))
    result = analyze(rec)
    assert result.summary["posture_reference"].startswith("quiet standing within 10 s")
    assert result.bouts.loc[0, "forward_lean_deg"] == pytest.approx(lean, abs=1.0)
    assert abs(result.bouts.loc[0, "sideways_lean_deg"]) < 1.0


@pytest.mark.parametrize("angles", [(0, 0, 0), (20, 30, 0), (150, -20, 170)])
@pytest.mark.parametrize("to_right", [4.0, -3.0])
def test_sideways_lean_is_positive_to_the_left(
    angles: tuple[float, float, float], to_right: float
) -> None:
    # the trunk leans to the walker's right (positive) or left (negative) while walking;
    # however the sensor is mounted, the lean reads positive to the left
    rec, _ = walking_signal(side_lean_deg=to_right, walk_s=40, rot=rotation(*angles))
    bout = analyze(rec).bouts.iloc[0]
    assert bout.sideways_lean_deg == pytest.approx(-to_right, abs=1.0)
    assert abs(bout.forward_lean_deg) < 1.0


def test_sitting_before_a_walk_is_not_taken_for_standing() -> None:
    # seated still (pelvis 25 degrees back) just before the walk, standing still after it
    rec, _ = walking_signal(stand_before_s=8, stand_after_s=8, lean_deg=3, tilt_before_deg=-25)
    bout = analyze(rec).bouts.iloc[0]
    assert bout.forward_lean_deg == pytest.approx(3.0, abs=1.0)
    # sitting on both sides: no upright reference, so no lean rather than one against a chair
    rec, _ = walking_signal(stand_before_s=8, stand_after_s=0.5, lean_deg=3, tilt_before_deg=-25)
    assert np.isnan(analyze(rec).bouts.loc[0, "forward_lean_deg"])


def test_no_standing_means_no_lean_rather_than_a_guess() -> None:
    rec, _ = walking_signal(stand_before_s=0.5, stand_after_s=0.5, lean_deg=5)
    result = analyze(rec)
    assert np.isnan(result.bouts.loc[0, "forward_lean_deg"])
    assert "no quiet standing next to a walk" in result.summary["posture_reference"]


def test_a_brisk_interval_is_found_and_timed() -> None:
    # 60 s at 96 steps/min, 90 s brisk at 120, 60 s back at 96
    profile = np.concatenate([np.full(60, 1.6), np.full(90, 2.0), np.full(60, 1.6)])
    rec, _ = walking_signal(walk_s=210, cadence_profile=profile)
    bout = analyze(rec).bouts.iloc[0]
    assert bout.brisk_intervals == 1
    assert bout.brisk_s == pytest.approx(90, abs=8)
    assert bout.moderate_s == pytest.approx(90, abs=5)
    assert bout.vigorous_s == 0


def test_steady_walking_has_no_brisk_interval() -> None:
    rec, _ = walking_signal(walk_s=120, step_hz=2.0)
    assert analyze(rec).bouts.loc[0, "brisk_intervals"] == 0


def test_vigorous_cadence_counts_as_vigorous() -> None:
    rec, _ = walking_signal(walk_s=40, step_hz=2.3)  # 138 steps/min
    s = analyze(rec).summary
    assert s["vigorous_s"] >= 35
    assert s["vigorous_s"] == s["moderate_s"]


def test_steps_table_matches_bouts() -> None:
    result = analyze(walking_signal()[0])
    assert len(result.steps) == result.bouts["n_steps"].sum()
    assert (np.diff(result.steps["ic_s"]) > 0).all()
    lengths = result.steps["step_length_m"].dropna()
    assert len(lengths) == len(result.steps) - 1
    assert set(result.steps["side"]) == {"A", "B"}
    assert result.bouts.loc[0, "alternation"] > 0.9


def test_step_time_ratio_of_each_foot_and_when_it_is_not_told() -> None:
    """One foot's median step time over the other's, the longer on top; only steps whose
    next contact is the other foot's count, and a foot needs 3 of them."""
    # bout 0: steps from L last 0.6 s, from R 0.5 s, and one L-L step (a missed contact)
    # of 1.1 s that must not count; bout 1: only two steps from R
    step_d = np.array([0.6, 0.5, 0.6, 0.5, 1.1, 0.5, 0.6, np.nan, 0.5, 0.6, 0.5, np.nan])
    sides = np.array(["L", "R", "L", "R", "L", "L", "R", "L", "A", "B", "A", "B"])
    bouts = np.array([0] * 8 + [1] * 4, dtype=np.int64)
    ratio = step_time_ratio(step_d, sides, bouts, 2)
    assert ratio[0] == pytest.approx(0.6 / 0.5)
    assert np.isnan(ratio[1])
    # even steps: 1
    even = step_time_ratio(np.full(8, 0.55), np.array(list("LRLRLRLR")), np.zeros(8, np.int64), 1)
    assert even[0] == pytest.approx(1.0)
    # a foot not known ("", a reference's gap) ends the steps on either side of it
    unknown = np.array(["L", "R", "L", "", "L", "R", "L", "R"])
    assert np.isnan(step_time_ratio(np.full(8, 0.55), unknown, np.zeros(8, np.int64), 1)[0])


def _double_hump_walk() -> tuple[np.ndarray, np.ndarray]:
    """Vertical acceleration of 20 s of walking, 100 Hz, with known contacts.

    Each step: a fall (a negative half-sine), then the loading peak 40 ms after contact; on
    every other step, as in asymmetric gait, a later and higher hump 210 ms after contact
    (the other leg's push-off), separated from it by a dip (the IPOL shape).
    """
    fs, step = 100.0, 0.56
    t = np.arange(int(25 * fs)) / fs
    v = np.zeros_like(t)
    contacts = np.arange(2.0, 22.0, step)

    def bump(centre: float, width: float, height: float) -> np.ndarray:
        return height * np.exp(-0.5 * ((t - centre) / width) ** 2)

    for k, c in enumerate(contacts):
        v -= bump(c - 0.15, 0.08, 1.2)  # the fall before contact
        v += bump(c + 0.04, 0.03, 1.6)
        if k % 2:
            v += bump(c + 0.21, 0.03, 2.4)
    return v, contacts


def test_the_loading_peak_is_the_first_hump_not_the_highest() -> None:
    """A later, higher hump (push-off of the other leg) must not make every other contact late."""
    from backstride.gait.initial_contacts import detect_contact_candidates

    v, truth = _double_hump_walk()
    found = detect_contact_candidates(v, 100.0).index / 100.0
    matched = match_contacts(found, truth, tolerance_s=0.25)
    assert matched.n_matched == truth.size
    assert matched.mean_abs_error_s <= 0.02
    # the old rule (highest peak) put every other contact 140 ms late
    late = detect_contact_candidates(v, 100.0, first_peak_fraction=1.01).index / 100.0
    assert match_contacts(late, truth, tolerance_s=0.25).mean_abs_error_s > 0.05


@pytest.mark.parametrize(
    ("interval_s", "scale"), [(0.40, 1.0), (0.55, 1.0), (0.825, 1.5), (1.10, 2.0), (1.60, 2.0)]
)
def test_pace_scale_is_the_step_duration_over_the_design_step(
    interval_s: float, scale: float
) -> None:
    from backstride.gait.initial_contacts import _pace_scale

    peaks = np.arange(30) * interval_s
    assert _pace_scale(peaks, 0.55, 2.0) == pytest.approx(np.full(30, scale))


def test_pace_scale_is_the_walks_pace_not_one_long_step() -> None:
    """One pause of 3 s among 0.55-s steps leaves the window as it is, even next to it."""
    from backstride.gait.initial_contacts import _pace_scale

    gaps = np.full(40, 0.55)
    gaps[20] = 3.0
    peaks = np.r_[0.0, np.cumsum(gaps)]
    assert _pace_scale(peaks, 0.55, 2.0) == pytest.approx(np.ones(41))
    # and a walk that slows down from 0.55-s to 1.1-s steps stretches the window where it is slow
    slowing = np.r_[0.0, np.cumsum(np.r_[np.full(20, 0.55), np.full(20, 1.1)])]
    scale = _pace_scale(slowing, 0.55, 2.0)
    assert scale[:10] == pytest.approx(np.ones(10)) and scale[-10:] == pytest.approx(np.full(10, 2))


def test_pace_scale_without_a_design_step_or_a_rhythm_is_one() -> None:
    from backstride.gait.initial_contacts import _pace_scale

    assert _pace_scale(np.arange(10) * 1.1, None, 2.0) == pytest.approx(np.ones(10))
    assert _pace_scale(np.array([3.0]), 0.55, 2.0) == pytest.approx(np.ones(1))
    assert _pace_scale(np.zeros(0), 0.55, 2.0).size == 0


def _rise_with_a_flat_stretch(level: float) -> np.ndarray:
    """From -1 up to ``level``, flat for four samples, then on up to 0.9 and down."""
    rise = np.r_[np.linspace(-1.0, level, 8), [level] * 4, np.linspace(level + 0.07, 0.9, 5)]
    return np.r_[rise, [0.7, 0.3]][None, :]


def test_a_flat_shoulder_high_on_the_rise_is_the_loading_peak() -> None:
    """The loading hump merged into the push-off's: the contact is the shoulder's, not the
    push-off's 0.07-0.1 s later (IPOL subject 3). A rounding bump on the flat stretch
    (ActiLife's 3 decimals) neither makes nor moves it."""
    from backstride.gait.initial_contacts import _first_loading_peak

    w = _rise_with_a_flat_stretch(0.5)  # 79% of the way up
    assert 7 <= _first_loading_peak(w, 0.5)[0] <= 10
    rounded = w.copy()
    rounded[0, 10] += 1e-4
    assert _first_loading_peak(rounded, 0.5)[0] == _first_loading_peak(w, 0.5)[0]
    humps = w.copy()
    humps[0, 11:13] = [0.35, 0.3]  # a real dip after the first hump: still that hump
    assert 7 <= _first_loading_peak(humps, 0.5)[0] <= 10


def test_a_flat_stretch_low_on_the_rise_is_not_a_loading_peak() -> None:
    """Half way up (below SHOULDER_LEVEL) the fall is still being arrested: the peak is the
    highest point, as for a smooth rise."""
    from backstride.gait.initial_contacts import SHOULDER_LEVEL, _first_loading_peak

    w = _rise_with_a_flat_stretch(-0.05)
    level = (-0.05 + 1.0) / (0.9 + 1.0)
    assert level < SHOULDER_LEVEL
    assert _first_loading_peak(w, 0.5)[0] == int(np.argmax(w))
    smooth = np.r_[np.linspace(-1.0, 0.9, 17), [0.7, 0.3]][None, :]
    assert _first_loading_peak(smooth, 0.5)[0] == 16


def _alternating_walk(turn_dps: float, turn_mps2: float) -> dict[str, np.ndarray]:
    """Contacts every 0.55 s, left first; a turn from contact 7 to 14."""
    fs, step = 100.0, 55
    contacts = np.arange(3 * step, 3 * step + 20 * step, step, dtype=np.int64)
    n = contacts[-1] + 3 * step
    t = np.arange(n) / fs
    # the pelvis turns one way in the left step and back in the right: a stride-periodic
    # yaw rate that is most negative at each left contact
    yaw = -20.0 * np.cos(np.pi * (np.arange(n) - contacts[0]) / step)
    lateral = np.zeros(n)
    for k, c in enumerate(contacts):
        lateral[c : c + step] = -0.5 if k % 2 == 0 else 0.5  # pushed away from the stance foot
    # the turn builds up and dies away over a step at each end
    ramp = step / fs
    start, end = contacts[8] / fs, contacts[14] / fs
    turning = np.clip(np.minimum(t - start + ramp, end - t) / ramp, 0.0, 1.0)
    yaw += turn_dps * turning
    lateral += turn_mps2 * turning  # centripetal acceleration towards the turn's centre
    gyr = np.column_stack([np.zeros(n), np.zeros(n), yaw])
    return {"lateral": lateral, "gyr": gyr, "contacts": contacts, "fs": np.array(fs)}


@pytest.mark.parametrize(("turn_dps", "turn_mps2"), [(0.0, 0.0), (90.0, 1.5), (-120.0, -2.0)])
def test_feet_alternate_through_a_turn(turn_dps: float, turn_mps2: float) -> None:
    from backstride.gait.laterality import foot_sides

    walk = _alternating_walk(turn_dps, turn_mps2)
    up, forward = np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])
    bout = np.zeros(walk["contacts"].size, dtype=np.int64)
    fs = float(walk["fs"])
    sides = foot_sides(walk["lateral"], walk["gyr"], up, forward, walk["contacts"], bout, fs)
    assert "".join(sides) == "LR" * 10
    # without a gyroscope the feet still alternate, but are not named; a gyroscope that
    # reads only zeros (switched off) is no gyroscope
    grouped = foot_sides(walk["lateral"], None, up, forward, walk["contacts"], bout, fs)
    assert "".join(grouped) == "AB" * 10
    silent = np.zeros_like(walk["gyr"])
    grouped = foot_sides(walk["lateral"], silent, up, forward, walk["contacts"], bout, fs)
    assert "".join(grouped) == "AB" * 10


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_handedness_of_the_sensor_axes_from_gravity_and_rotation(axis: int) -> None:
    """A sensor that tilts slowly back and forth: right-handed axes give +1, mirrored -1.

    The sensor turns about its x axis by theta(t); gravity, fixed in the world, then turns
    the other way in the sensor's axes. Relabelling one axis (negating it in both the
    accelerometer and the gyroscope, as a careless export does) makes the axes a mirror
    image, and the test must say so whichever axis it was.
    """
    from scipy.spatial.transform import Rotation

    from backstride.gait.orientation import frame_handedness, gravity_and_vertical

    fs = 100.0
    t = np.arange(int(120 * fs)) / fs
    theta = 0.4 * np.sin(2 * np.pi * 0.05 * t) + 0.2 * np.sin(2 * np.pi * 0.11 * t)
    rate = np.gradient(theta) * fs  # rad/s about the sensor's x axis
    world_to_sensor = Rotation.from_rotvec(np.outer(theta, [1.0, 0.0, 0.0])).inv()
    acc = world_to_sensor.apply([0.0, 0.0, 9.81])
    gyr = np.degrees(np.column_stack([rate, np.zeros_like(t), np.zeros_like(t)]))
    gyr = Rotation.from_rotvec([0.0, 0.3, 0.2]).apply(gyr)  # mounted at an angle: all axes move
    acc = Rotation.from_rotvec([0.0, 0.3, 0.2]).apply(acc)
    up, _, _ = gravity_and_vertical(acc, fs)
    assert frame_handedness(up, gyr, fs) > 0.9
    mirror = np.ones(3)
    mirror[axis] = -1.0
    up_m, _, _ = gravity_and_vertical(acc * mirror, fs)
    assert frame_handedness(up_m, gyr * mirror, fs) < -0.9


@pytest.mark.parametrize("placement", ["wrist", "hand", "frontpocket", "bag", "ankle", "left_shoe"])
def test_away_from_the_trunk_only_steps_and_cadence_are_given(placement: str) -> None:
    """The pendulum and the trunk's measures describe a limb or a bag there: null, not guessed."""
    rec, _ = walking_signal(walk_s=40, sagittal_rom_deg=4.0, lean_deg=3.0)
    rec = dataclasses.replace(rec, height_m=1.75)
    on_trunk = analyze(rec)
    elsewhere = analyze(dataclasses.replace(rec, placement=placement))
    # the same steps, cadence and intensity
    assert elsewhere.initial_contacts_s == on_trunk.initial_contacts_s
    for column in ("n_steps", "cadence_spm", "moderate_s", "step_duration_s"):
        assert elsewhere.bouts[column].tolist() == on_trunk.bouts[column].tolist()
    # on the trunk every one of these is a number here; elsewhere none is
    assert on_trunk.bouts[TRUNK_BOUT_COLUMNS].notna().all(axis=None)
    assert elsewhere.bouts[TRUNK_BOUT_COLUMNS].isna().all(axis=None)
    assert elsewhere.steps[["step_length_m", "impact_mps2"]].isna().all(axis=None)
    assert f"worn {placement_words(placement)}, away" in elsewhere.summary["stride_length_basis"]
    assert "not on the trunk" in elsewhere.summary["posture_reference"]


def test_away_from_the_trunk_a_long_recording_says_so_too() -> None:
    """Analysed in windows, the merged summary names the placement as a short one does."""
    rec, _ = walking_signal(walk_s=300, lean_deg=3.0)
    rec = dataclasses.replace(rec, height_m=1.75, placement="wrist")
    windowed = analyze(rec, AnalysisParameters(window_s=120.0))
    assert windowed.bouts[TRUNK_BOUT_COLUMNS].isna().all(axis=None)
    assert "not on the trunk" in windowed.summary["posture_reference"]
    assert "worn on the wrist" in windowed.summary["stride_length_basis"]


def test_a_hip_sensor_moves_with_the_trunk() -> None:
    rec, _ = walking_signal(walk_s=40)
    rec = dataclasses.replace(rec, height_m=1.75)
    at_hip = analyze(dataclasses.replace(rec, placement="hip")).bouts
    assert at_hip["stride_length_m"].tolist() == analyze(rec).bouts["stride_length_m"].tolist()
    assert at_hip["stride_length_m"].notna().all()


def test_close_candidates_keep_the_most_prominent() -> None:
    from backstride.gait.initial_contacts import _apart

    index = np.array([10, 11, 40, 45, 49, 80, 200])
    weight = np.array([1.0, 2.0, 5.0, 1.0, 3.0, 1.0, 1.0])
    keep = _apart(index, weight, 8)
    # 10/11: the heavier; 40/45/49: 40 (heaviest) and 49 is 9 away, 45 is within 8 of 40
    assert index[keep].tolist() == [11, 40, 49, 80, 200]
    assert np.diff(index[keep]).min() >= 8
    assert _apart(np.array([0, 100]), np.ones(2), 8).all()


def test_a_high_rate_recording_is_analysed_at_a_lower_one() -> None:
    """A 3200-Hz file took as long per hour as a day at 100 Hz (kernels sized in samples);
    above 400 Hz it is decimated to 100-200 Hz, with the same contacts and a note."""
    from scipy import signal

    from backstride.gait.pipeline import analysis_rate

    assert analysis_rate(200.0) == (1, 200.0)
    assert analysis_rate(3200.0) == (32, 100.0)
    assert analysis_rate(450.0) == (4, 112.5)
    rec, truth = walking_signal(sagittal_rom_deg=4.0, noise=0.0)
    high = dataclasses.replace(
        rec,
        acc=signal.resample_poly(rec.acc, 10, 1, axis=0),
        gyr=signal.resample_poly(rec.gyr, 10, 1, axis=0),
        sample_rate_hz=1000.0,
    )
    at_100, at_1000 = analyze(rec), analyze(high)
    assert len(at_1000.initial_contacts_s) == len(at_100.initial_contacts_s) >= truth.size - 2
    assert at_1000.initial_contacts_s == pytest.approx(at_100.initial_contacts_s, abs=0.011)
    assert at_1000.bouts["cadence_spm"].iloc[0] == pytest.approx(
        at_100.bouts["cadence_spm"].iloc[0], abs=0.5
    )
    assert (
        "recorded at 1000 Hz, analysed at 100 Hz after anti-alias filtering (walking lies "
        "below 20 Hz)" in at_1000.recording["notes"]
    )
    # the record describes the recording as it was made, not the analysis's copy
    assert at_1000.recording["sample_rate_hz"] == 1000.0
    assert at_1000.recording["n_samples"] == high.acc.shape[0]
