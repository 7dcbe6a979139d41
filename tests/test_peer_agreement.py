"""Agreement with a published peer tool on its own data: GaitPy's demo recording.

GaitPy (Czech and Patel 2019, MIT) ships a GENEActiv recording from the lower back (50 Hz,
in g) and its own per-stride output for it (``data/gaitpy-demo``). GaitPy is not a
reference: where the two tools disagree, neither is known to be right. What the comparison
does check is the part of the pipeline the reference sets do not exercise (a 50 Hz device
export with an irregular clock, read and resampled by BackStride), against contacts that an
independent implementation of the same physics (McCamley's wavelet method) found. Stride
*lengths* are not compared: GaitPy takes the pendulum's excursion as the position's maximum
minus its minimum, BackStride as its step-periodic part (docs/validation.md), so they differ
by design.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backstride.gait.pipeline import WalkingAnalysis, analyze
from backstride.io import read_recordings
from backstride.validation.metrics import ContactAgreement, match_contacts
from backstride.validation.runner import CONTACT_TOLERANCE_S, TARGETS

DEMO = Path(__file__).resolve().parents[1] / "data" / "gaitpy-demo"
#: The demo subject's height, from GaitPy's own demo script.
GAITPY_HEIGHT_M = 1.77


@pytest.fixture(scope="module")
def demo() -> tuple[WalkingAnalysis, pd.DataFrame]:
    """BackStride's analysis of the demo and GaitPy's strides with start times in its seconds."""
    recording = read_recordings(DEMO / "demo_data.csv", height_m=GAITPY_HEIGHT_M)[0]
    assert recording.start is not None
    strides = pd.read_csv(DEMO / "demo_gait_features.csv")
    # GaitPy writes each stride's initial contact as milliseconds of the wall-clock time
    # stored as if it were UTC; the recording starts at that wall-clock time in -04:00.
    wall_start = recording.start.replace(tzinfo=dt.UTC).timestamp()
    strides["ic_s"] = strides["IC"] / 1000.0 - wall_start
    return analyze(recording), strides


@pytest.fixture(scope="module")
def contacts(demo: tuple[WalkingAnalysis, pd.DataFrame]) -> ContactAgreement:
    analysis, strides = demo
    return match_contacts(analysis.initial_contacts_s, strides["ic_s"], CONTACT_TOLERANCE_S)


def test_gaitpy_strides_lie_inside_the_recording(
    demo: tuple[WalkingAnalysis, pd.DataFrame],
) -> None:
    # guards the time conversion: a wrong zone would put every stride hours away
    _, strides = demo
    assert strides["ic_s"].between(0.0, 168.5).all()
    assert len(strides) == 102


def test_every_contact_gaitpy_reports_is_found(contacts: ContactAgreement) -> None:
    # each GaitPy stride starts at a contact; BackStride finds each, one-to-one, within the
    # validation tolerance and the timing target of the reference comparisons
    assert contacts.n_matched / contacts.n_reference >= 0.98
    assert contacts.mean_abs_error_s <= TARGETS["ic_mae_s"]


def test_contact_times_agree_without_offset(
    demo: tuple[WalkingAnalysis, pd.DataFrame], contacts: ContactAgreement
) -> None:
    analysis, strides = demo
    ours = np.asarray(analysis.initial_contacts_s)
    theirs = strides["ic_s"].to_numpy()
    signed = [ours[i] - theirs[k] for i, k in contacts.pairs]
    # both place the contact before the loading peak; at 50 Hz two samples are 0.04 s
    assert abs(float(np.median(signed))) <= 0.04


def test_stride_durations_agree_stride_by_stride(
    demo: tuple[WalkingAnalysis, pd.DataFrame], contacts: ContactAgreement
) -> None:
    analysis, strides = demo
    ours = analysis.steps["stride_duration_s"].to_numpy()
    theirs = strides["stride_duration"].to_numpy()
    diff = np.array(
        [ours[i] - theirs[k] for i, k in contacts.pairs if np.isfinite(ours[i])], dtype=float
    )
    assert diff.size >= 0.95 * len(strides)
    # 90% within 0.05 s: each end of a stride may differ by a sample (0.02 s) or so
    assert np.mean(np.abs(diff) <= 0.05) >= 0.9


def test_a_peers_stand_in_analysis_is_scored_as_backstrides_own() -> None:
    """``make bench`` scores mobgap through the same compare(), with a stand-in for
    BackStride's analysis built from the peer's contacts and bouts (``bench/peer_accuracy.py``).
    Twice the bench stopped with a KeyError when compare() came to read a column of the
    steps table the stand-in lacked. Given BackStride's own contacts and bouts, the stand-in
    must be scored as BackStride's analysis is, against INDIP and, where compare() takes a
    bout's strides within the reference's span, against the motion capture."""
    import importlib.util
    import sys

    from backstride.validation.runner import compare, iter_cases

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "peer_accuracy", root / "bench" / "peer_accuracy.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["peer_accuracy"] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    scored = 0
    for dataset, recording, reference in iter_cases(root / "data" / "mobilised-lab"):
        if recording.name != "HA-001/Test11-Trial1":
            continue
        ours = analyze(recording)
        columns = ["bout_id", "start_s", "end_s", "cadence_spm", "stride_length_m"]
        bouts = ours.bouts[[*columns, "walking_speed_mps", "step_time_ratio"]]
        stand_in = bench.PeerAnalysis(
            initial_contacts_s=ours.initial_contacts_s,
            bouts=bouts,
            steps=bench.peer_steps(ours.initial_contacts_s, list(ours.steps["side"]), bouts),
        )
        mine, theirs = (
            compare(dataset, recording, ours, reference),
            compare(dataset, recording, stand_in, reference),
        )
        assert theirs.contacts == mine.contacts
        assert theirs.n_matched_bouts == mine.n_matched_bouts > 0
        assert len(theirs.cadence_errors) == len(mine.cadence_errors) > 0
        scored += 1
    assert scored == 2  # INDIP and the motion capture
