"""Known-answer tests: synthetic walking whose cadence, contacts and excursion are set."""

from __future__ import annotations

import numpy as np
import pytest

from backstride import analyze
from backstride.exceptions import InvalidInputError
from backstride.gait.parameters import ZIJLSTRA_CORRECTION
from backstride.recording import Recording
from backstride.validation.metrics import match_contacts

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


def test_mostly_nan_is_rejected_with_one_sentence() -> None:
    rec, _ = walking_signal()
    acc = rec.acc.copy()
    acc[::2] = np.nan
    with pytest.raises(InvalidInputError, match=r"missing or not numbers"):
        analyze(Recording(acc=acc, sample_rate_hz=100.0))


def test_too_short_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="at least"):
        analyze(Recording(acc=np.tile([9.81, 0, 0], (150, 1)), sample_rate_hz=100.0))


def test_too_slow_sample_rate_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="20 Hz"):
        Recording(acc=np.zeros((1000, 3)), sample_rate_hz=10.0)


def test_empty_recording_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        analyze(Recording(acc=np.zeros((0, 3)), sample_rate_hz=100.0))


def test_implausible_height_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="metres"):
        Recording(acc=np.zeros((1000, 3)), sample_rate_hz=100.0, height_m=175)
