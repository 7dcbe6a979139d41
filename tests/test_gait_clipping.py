"""An accelerometer at the limit of its range: a clipped peak is not an impact.

A sensor set to +-2 g writes every peak beyond 2 g as 2 g. The impact at such a contact
(the peak vertical acceleration within 150 ms) is then only known to be at least that, so it
is left out, and a walk's median impact is kept only while fewer than half its contacts
clipped (the clipped ones lie above every other, so the median is still known).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from backstride.gait.pipeline import WalkingAnalysis, analyze
from backstride.io import read_recordings
from backstride.recording import STANDARD_GRAVITY, saturated_samples
from shared_data import SHARED, shared

from synthetic import walking_signal

ROOT = Path(__file__).resolve().parents[1]
MAT = ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"
IMPACT_WINDOW_S = 0.15


def test_a_sensors_limit_is_found_where_it_was_reached() -> None:
    """Axivity's AX6 test file was shaken past its +-16 g: it reads 32767/2048 g there (the
    16-bit maximum), on two axes, in 26 samples, and those are at the limit. Three more lie
    just below it, where the reader's resampling onto a uniform grid drew a line from a
    clipped reading to the next; they are not (no reading stood there). The bundled and
    shared recordings that never reach a limit have none."""
    (ax6,) = read_recordings(shared(SHARED / "devices" / "axivity-cwa" / "ax6_testfile.cwa"))
    limit = 32767 / 2048 * STANDARD_GRAVITY
    at_limit = np.isclose(ax6.acc, limit, rtol=1e-9, atol=0).any(axis=1)
    near = (np.abs(ax6.acc) >= 15.99 * STANDARD_GRAVITY).any(axis=1)
    assert at_limit.sum() == 26 and (near & ~at_limit).sum() == 3
    np.testing.assert_array_equal(saturated_samples(ax6.acc), at_limit)
    for path in (
        MAT,
        ROOT / "data" / "mobilised-lab" / "HA-002" / "data.mat",
        shared(SHARED / "devices" / "axivity-cwa" / "ax3_sample.cwa"),
        shared(SHARED / "devices" / "geneactiv-bin" / "gnactv_sample.bin"),
        *sorted((ROOT / "data" / "oxford-phone-steps").glob("*.csv")),
    ):
        for recording in read_recordings(path):
            assert not saturated_samples(recording.acc).any(), (path, recording.name)


@pytest.fixture(scope="module")
def clipped_walk() -> tuple[np.ndarray, WalkingAnalysis, WalkingAnalysis]:
    """IPOL trial 5-5 (a 20-m walk with a U-turn, peaks up to 2.28 g on the lower back) as
    a +-2 g sensor records it, analysed, with the analysis as recorded."""
    path = next(shared(SHARED / "ipol-lumbar").rglob("5-5_lb.txt"))
    (recording,) = read_recordings(path)
    limit = 2 * STANDARD_GRAVITY
    acc = np.clip(recording.acc, -limit, limit)
    assert (np.abs(acc) == limit).sum() == 4
    return acc, analyze(replace(recording, acc=acc)), analyze(recording)


def test_an_impact_at_the_limit_is_left_out_and_the_others_kept(
    clipped_walk: tuple[np.ndarray, WalkingAnalysis, WalkingAnalysis],
) -> None:
    acc, result, _ = clipped_walk
    fs = result.recording["sample_rate_hz"]
    steps = result.steps
    at_limit = np.isclose(np.abs(acc), 2 * STANDARD_GRAVITY, rtol=1e-12).any(axis=1)
    first = np.round(steps["ic_s"].to_numpy() * fs).astype(int)
    touches = np.array([at_limit[i : i + round(IMPACT_WINDOW_S * fs)].any() for i in first])
    flagged = steps["impact_clipped"].to_numpy(dtype=bool)
    assert flagged.sum() == 4 and len(steps) == 33
    np.testing.assert_array_equal(flagged, touches)
    assert steps.loc[flagged, "impact_mps2"].isna().all()
    assert steps.loc[~flagged, "impact_mps2"].notna().all()
    (note,) = [n for n in result.recording["notes"] if "limit" in n]
    assert "within 150 ms of 4 of 33 contacts" in note


def test_a_walks_impact_is_kept_while_fewer_than_half_its_contacts_clipped(
    clipped_walk: tuple[np.ndarray, WalkingAnalysis, WalkingAnalysis],
) -> None:
    """4 of 33 contacts clipped: they lie above every other, so the walk's median impact
    is the median with them counted as at least the limit, and matches the unclipped
    recording's."""
    _, result, as_recorded = clipped_walk
    (bout,) = result.bouts.itertuples()
    walk = result.steps[~result.steps["stopping"].astype(bool)]
    clipped = walk["impact_clipped"].to_numpy(dtype=bool)
    assert 0 < clipped.sum() < len(walk) / 2
    values = np.where(clipped, np.inf, walk["impact_mps2"].to_numpy(dtype=float))
    assert bout.impact_mps2 == pytest.approx(np.median(values))
    assert bout.impact_mps2 == pytest.approx(as_recorded.bouts["impact_mps2"].iloc[0], abs=0.05)


def test_a_walk_whose_contacts_all_clipped_has_no_impact() -> None:
    """A hard-striking walk (peaks 2.3 g) on a +-2 g sensor clips at every contact but one:
    the walk's median impact is unknown, so null, not the limit."""
    recording, _ = walking_signal(walk_s=30, excursion_m=0.06)
    limit = 2 * STANDARD_GRAVITY
    result = analyze(replace(recording, acc=np.clip(recording.acc, -limit, limit)))
    assert np.isfinite(analyze(recording).bouts["impact_mps2"]).all()
    clipped = result.steps["impact_clipped"].to_numpy(dtype=bool)
    assert clipped.sum() >= len(clipped) - 1
    assert result.bouts["impact_mps2"].isna().all()
