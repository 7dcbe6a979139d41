"""Turns while walking: known answers on synthetic walks (real walks in test_validation.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backstride.gait import pipeline
from backstride.gait.pipeline import analyze
from backstride.gait.turns import TURN_COLUMNS, TurnRules, detect_turns, smooth_rate
from backstride.output import analysis_document

from synthetic import rotation, walking_signal

# a 40-s walk from 5 s to 45 s between two quiet stands, with the trunk's pitch and roll of
# each step (about horizontal axes: no part of them is a turn)
WALK = {"walk_s": 40.0, "sagittal_rom_deg": 4.0}


def _turns(**kwargs: object) -> tuple[object, object]:
    rec, _ = walking_signal(**{**WALK, **kwargs})  # type: ignore[arg-type]
    return rec, analyze(rec)


def test_a_half_turn_to_the_left_is_one_turn_of_180_degrees() -> None:
    _, a = _turns(turns=((20.0, 2.5, 180.0),))
    assert list(a.turns.columns) == TURN_COLUMNS
    (turn,) = a.turns.itertuples()
    assert turn.angle_deg == pytest.approx(180.0, abs=3.0)
    assert turn.direction == "left"
    # the edges are where the 0.5-Hz smoothed rate passes 5 deg/s, which spreads the turn
    assert 19.0 <= turn.start_s <= 20.0 and 22.5 <= turn.end_s <= 23.5
    assert turn.duration_s == pytest.approx(turn.end_s - turn.start_s)
    # a raised cosine peaks at twice its mean rate (144 deg/s); the smoothing lowers it
    assert 80.0 <= turn.peak_velocity_dps <= 144.0
    assert a.bouts["n_turns"].tolist() == [1.0]
    assert a.summary["n_turns"] == 1


def test_turns_to_the_right_and_small_ones() -> None:
    # 90 to the right, then 30 to the left: below the 45 degrees of a turn
    _, a = _turns(turns=((15.0, 1.5, -90.0), (30.0, 1.5, 30.0)))
    (turn,) = a.turns.itertuples()
    assert turn.direction == "right"
    assert turn.angle_deg == pytest.approx(-90.0, abs=3.0)
    assert 14.0 <= turn.start_s <= 15.0


def test_turns_do_not_depend_on_how_the_sensor_is_mounted() -> None:
    _, upright = _turns(turns=((20.0, 2.5, 180.0), (32.0, 2.0, -120.0)))
    _, tilted = _turns(turns=((20.0, 2.5, 180.0), (32.0, 2.0, -120.0)), rot=rotation(40, 75, -25))
    np.testing.assert_allclose(tilted.turns["angle_deg"], upright.turns["angle_deg"], atol=1.0)
    assert tilted.turns["direction"].tolist() == ["left", "right"]


def test_a_turn_on_the_spot_before_setting_off_is_not_a_walking_turn() -> None:
    # standing from 0 to 5 s: a turn at 1-3 s is over before the walk's first contact
    _, a = _turns(turns=((1.0, 2.0, 180.0),))
    assert a.turns.empty
    assert a.summary["n_turns"] == 0
    assert a.bouts["n_turns"].tolist() == [0.0]


def test_a_walk_that_sets_off_turning_counts_the_part_it_walks() -> None:
    # a 4-s, 200-degree turn from 3 s: half of it before the walk starts (5 s)
    _, a = _turns(turns=((3.0, 4.0, 200.0),))
    (turn,) = a.turns.itertuples()
    first_contact = float(a.bouts["start_s"].iloc[0])
    assert turn.start_s == pytest.approx(first_contact, abs=0.011)
    # the raised cosine's second half turns 100 degrees, from 5 s on; less what the walk's
    # first contact, just after 5 s, leaves out
    assert 80.0 <= turn.angle_deg <= 105.0


def test_no_gyroscope_or_a_silent_one_tells_no_turns() -> None:
    rec, _ = walking_signal(**WALK)
    blind = analyze(dataclasses.replace(rec, gyr=None))
    silent = analyze(dataclasses.replace(rec, gyr=np.zeros_like(rec.acc)))
    for a in (blind, silent):
        assert a.turns.empty
        assert a.summary["n_turns"] is None
        assert a.bouts["n_turns"].isna().all()
        document = analysis_document(a)
        assert document["turns"] == [] and document["bouts"][0]["n_turns"] is None


def test_a_window_whose_gyroscope_read_nothing_tells_no_turns() -> None:
    # in a long file one window's gyroscope can be missing throughout while the file's is not
    rec, a = _turns(turns=((20.0, 2.5, -180.0),))
    bouts = (a.bouts["start_s"].to_numpy() * rec.sample_rate_hz).astype(np.int64)
    stops = (a.bouts["end_s"].to_numpy() * rec.sample_rate_hz).astype(np.int64)
    up = np.array([1.0, 0.0, 0.0])  # column 0 is up in the synthetic walk
    found = pipeline._turns(rec.gyr, up, bouts, stops, rec.sample_rate_hz, 0.0)
    assert found is not None and len(found) == 1
    lost = np.full_like(rec.gyr, np.nan)
    assert pipeline._turns(lost, up, bouts, stops, rec.sample_rate_hz, 0.0) is None


def test_a_turn_counts_in_the_json_document() -> None:
    _, a = _turns(turns=((20.0, 2.5, -180.0),))
    document = analysis_document(a)
    (turn,) = document["turns"]
    assert set(turn) == set(TURN_COLUMNS)
    assert turn["direction"] == "right" and turn["bout_id"] == 0
    assert document["bouts"][0]["n_turns"] == 1 and isinstance(document["bouts"][0]["n_turns"], int)
    assert document["summary"]["n_turns"] == 1


def test_turns_the_same_way_a_moment_apart_are_one() -> None:
    fs = 100.0
    yaw = np.zeros(1000)
    yaw[200:300] = 60.0  # 60 degrees in 1 s
    yaw[303:403] = 60.0  # and again 0.03 s later
    yaw[600:700] = -60.0  # the other way
    # barely smoothed, with a high edge, so that the gap stays a gap
    rules = TurnRules(cutoff_hz=20.0, edge_dps=20.0)
    turns = detect_turns(yaw, fs, rules)
    np.testing.assert_allclose(turns.angle_deg, [120.0, -60.0], atol=1.5)
    apart = detect_turns(yaw, fs, dataclasses.replace(rules, merge_gap_s=0.01))
    np.testing.assert_allclose(apart.angle_deg, [60.0, 60.0, -60.0], atol=1.5)


def test_turns_outside_the_limits_are_left_out() -> None:
    fs = 100.0
    yaw = np.zeros(3000)
    yaw[100:130] = 200.0  # 60 degrees in 0.3 s: shorter than half a second
    yaw[500:1700] = 20.0  # 240 degrees in 12 s: longer than ten
    yaw[2000:2200] = 20.0  # 40 degrees in 2 s: less than 45
    rules = TurnRules(cutoff_hz=20.0)
    assert detect_turns(yaw, fs, rules).angle_deg.size == 0
    yaw[2000:2300] = 20.0  # 60 degrees in 3 s: a turn
    (angle,) = detect_turns(yaw, fs, rules).angle_deg
    assert angle == pytest.approx(60.0, abs=1.5)


def test_a_signal_too_short_or_with_gaps_gives_no_turns() -> None:
    assert detect_turns(np.full(10, 90.0), 100.0).angle_deg.size == 0
    gapped = np.full(1000, 90.0)
    gapped[500] = np.nan
    assert detect_turns(gapped, 100.0).angle_deg.size == 0


def test_a_long_turn_goes_to_the_bout_it_overlaps_most() -> None:
    fs = 100.0
    yaw = np.zeros(6000)
    yaw[500:5500] = 20.0  # turning slowly for 50 s, across five walks
    starts = np.array([0, 1500, 2000, 3000, 4000], dtype=np.int64)
    stops = np.array([1400, 1700, 2200, 3200, 4200], dtype=np.int64)  # the first overlaps most
    rules = TurnRules(cutoff_hz=20.0, max_duration_s=60.0)
    turns = detect_turns(yaw, fs, rules, bouts=(starts, stops))
    assert turns.bout.tolist() == [0]
    # cut to the bout at the end; it starts as the (barely) smoothed rate passes 5 deg/s
    assert abs(turns.start[0] - 500) <= 2 and turns.end[0] == 1400
    assert turns.angle_deg[0] == pytest.approx(180.0, abs=1.0)  # 9 s at 20 deg/s


def _two_walks_with_a_pause(pause_s: float, turn: tuple[float, float] | None) -> tuple:
    """A 15-s walk from 5 s, a pause of ``pause_s`` with no step, and another 15-s walk.

    ``turn`` is ``(start s into the pause, angle deg)``, a 3-s raised-cosine turn about
    the vertical (body axis 0) added to the gyroscope; the trunk's vertical acceleration
    shows no step while it turns, as in a slow U-turn whose pivot steps do not load it.
    """
    first, contacts_1 = walking_signal(walk_s=15.0, stand_after_s=pause_s / 2, sagittal_rom_deg=4.0)
    second, contacts_2 = walking_signal(
        walk_s=15.0, stand_before_s=pause_s / 2, sagittal_rom_deg=4.0, seed=1
    )
    assert first.gyr is not None and second.gyr is not None
    fs = first.sample_rate_hz
    acc = np.vstack([first.acc, second.acc])
    gyr = np.vstack([first.gyr, second.gyr])
    walk_1_end = 20.0
    if turn is not None:
        start, angle = walk_1_end + turn[0], turn[1]
        t = np.arange(acc.shape[0]) / fs
        inside = (t >= start) & (t < start + 3.0)
        gyr[inside, 0] += angle / 3.0 * (1 - np.cos(2 * np.pi * (t[inside] - start) / 3.0))
    rec = dataclasses.replace(first, acc=acc, gyr=gyr)
    offset = first.acc.shape[0] / fs
    return rec, np.r_[contacts_1, contacts_2 + offset]


def test_a_turn_that_fills_the_pause_between_two_walks_makes_them_one() -> None:
    # 4 s without a loading step (over the 3-s pause rule) while the walker turns round
    rec, contacts = _two_walks_with_a_pause(4.0, turn=(0.5, 180.0))
    a = analyze(rec)
    (bout,) = a.bouts.itertuples()
    assert bout.start_s == pytest.approx(contacts[0], abs=0.06)
    assert bout.end_s == pytest.approx(contacts[-1], abs=0.06)
    (found,) = a.turns.itertuples()
    assert found.angle_deg == pytest.approx(180.0, abs=5.0) and found.bout_id == 0
    # without the turn the same signal is two walks, as rule 3 says
    plain = analyze(_two_walks_with_a_pause(4.0, turn=None)[0])
    assert len(plain.bouts) == 2 and plain.turns.empty
    # and no contact is made up in the pause: the joined walk's steps are the two walks'
    np.testing.assert_array_equal(a.steps["ic_s"], plain.steps["ic_s"])
    assert bout.n_steps == plain.bouts["n_steps"].sum()
    assert not ((a.steps["ic_s"] > 20.5) & (a.steps["ic_s"] < 23.5)).any()


def test_a_small_turn_or_one_followed_by_standing_does_not_join_two_walks() -> None:
    # 30 degrees is no turn (45 at least)
    small = analyze(_two_walks_with_a_pause(4.0, turn=(0.5, 30.0))[0])
    assert len(small.bouts) == 2
    # turned round, then stood 3.5 s before walking on: a pause, not a turning walk
    stood = analyze(_two_walks_with_a_pause(7.0, turn=(0.5, 180.0))[0])
    assert len(stood.bouts) == 2
    # without a gyroscope nothing tells the turn
    rec, _ = _two_walks_with_a_pause(4.0, turn=(0.5, 180.0))
    assert len(analyze(dataclasses.replace(rec, gyr=None)).bouts) == 2
    # nor does one on the wrist, which twists on its own while the body stands
    assert len(analyze(dataclasses.replace(rec, placement="wrist")).bouts) == 2


def test_a_rate_smoothed_once_finds_the_same_turns_as_smoothed_each_time() -> None:
    """The bout joining smooths a window's rate once and takes each pause's own offset off
    after it; that is only right because the smoothing is linear with a gain of 1 at 0 Hz."""
    rec, _ = walking_signal(**WALK, turns=((12.0, 2.5, 180.0), (30.0, 1.5, -90.0)))
    assert rec.gyr is not None
    fs = rec.sample_rate_hz
    yaw = rec.gyr[:, 0] + 1.7  # a gyroscope's offset
    whole = smooth_rate(yaw, fs)
    for offset in (1.7, 0.0, -3.0):
        np.testing.assert_allclose(smooth_rate(yaw - offset, fs), whole - offset, atol=1e-9)
        alone = detect_turns(yaw - offset, fs)
        shared = detect_turns(yaw - offset, fs, smoothed_dps=whole - offset)
        np.testing.assert_array_equal(shared.start, alone.start)
        np.testing.assert_array_equal(shared.end, alone.end)
        np.testing.assert_allclose(shared.angle_deg, alone.angle_deg)
    assert detect_turns(yaw - 1.7, fs).angle_deg.size == 2
