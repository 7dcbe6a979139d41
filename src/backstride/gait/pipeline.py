"""The walking analysis: from a Recording to bouts, steps and their measures.

Stages (each in its own module, each citing its method):

1. :mod:`~backstride.gait.orientation` finds "up" from gravity and the vertical acceleration.
2. :mod:`~backstride.gait.initial_contacts` finds step candidates in it.
3. :mod:`~backstride.gait.bouts` keeps candidates in a walking rhythm and assembles bouts.
4. :mod:`~backstride.gait.orientation` resolves AP and ML axes from the walking samples.
5. :mod:`~backstride.gait.parameters` computes per-step and per-stride measures.
6. This module aggregates them per bout, per second (cadence, intensity) and in total.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal

from backstride.gait.bouts import BoutRules, assemble_bouts, join_across_turns
from backstride.gait.daily import DAY_COLUMNS, MODERATE_SPM, VIGOROUS_SPM, daily_measures
from backstride.gait.initial_contacts import detect_contact_candidates, find_stopping_steps
from backstride.gait.laterality import foot_sides
from backstride.gait.orientation import (
    BodyFrameSignals,
    body_frame,
    frame_handedness,
    gravity_and_vertical,
)
from backstride.gait.parameters import (
    HARMONIC_POINTS,
    ROM_POINTS,
    SegmentGrid,
    angle_range_per_stride,
    autocorrelation_regularities,
    exchange_cosines,
    forward_velocity,
    harmonic_ratio,
    pendulum_length,
    step_lengths_zijlstra,
    vaulting_weights,
    vertical_displacement,
)
from backstride.gait.turns import (
    TURN_COLUMNS,
    TurnRules,
    detect_turns,
    smooth_rate,
    turn_table,
)
from backstride.gait.wear import NON_WEAR_COLUMNS, WearStatistics, not_worn, overlap_s
from backstride.recording import (
    FloatArray,
    Recording,
    bridge_gaps,
    check_heights,
    placement_words,
    saturated_samples,
    validate_signal,
    without_impossible_samples,
)

IntArray = npt.NDArray[np.int64]

#: A brisk interval: at least 30 s whose 10-s median cadence is at least 8% above the walk's
#: usual pace (its 25th cadence percentile) and at least moderate. The program prescribes
#: 1-3 min intervals; 30 s catches a shortened one without counting a hurried few steps.
BRISK_MIN_S = 30.0
BRISK_ABOVE_BASE = 1.08
#: Quiet standing: at least 3 s with the vector magnitude's standard deviation below 0.15 m/s^2
#: (a walking trunk varies by several m/s^2, a sensor at rest by a few hundredths) ...
STANDING_MIN_S = 3.0
STANDING_MAX_SD_MPS2 = 0.15
#: ... within 10 s of the start or end of a walking bout, and within 10 degrees of its "up"
#: (see :func:`_standing_per_bout` for why 10).
STANDING_NEAR_WALK_S = 10.0
STANDING_MAX_TILT_DEG = 10.0

#: Where a sensor moves with the trunk. The inverted pendulum (stride length, speed) follows
#: the body's centre of mass, and lean, range of motion, regularity, harmonic ratios and
#: impact are the trunk's; elsewhere (a wrist, a thigh, a phone in the hand, a pocket or a
#: bag) they would describe the limb or the bag, so they are null. Steps, cadence, bouts and
#: intensity hold wherever the sensor is.
TRUNK_PLACEMENTS = frozenset({"lower_back", "hip", "chest"})
#: Bout columns that need a sensor on the trunk.
TRUNK_BOUT_COLUMNS = [
    "stride_length_m", "walking_speed_mps", "step_regularity", "stride_regularity",
    "step_symmetry", "harmonic_ratio_v", "harmonic_ratio_ap", "harmonic_ratio_ml",
    "trunk_rom_sagittal_deg", "trunk_rom_frontal_deg", "trunk_rom_transverse_deg",
    "n_turns", "impact_mps2", "forward_lean_deg", "sideways_lean_deg", "step_time_ratio",
]  # fmt: skip

BOUT_COLUMNS = [
    "bout_id", "start_s", "end_s", "duration_s", "n_steps", "n_strides", "cadence_spm",
    "step_duration_s", "stride_duration_s", "stride_length_m", "walking_speed_mps",
    "step_regularity", "stride_regularity", "step_symmetry", "harmonic_ratio_v",
    "harmonic_ratio_ap", "harmonic_ratio_ml", "trunk_rom_sagittal_deg",
    "trunk_rom_frontal_deg", "trunk_rom_transverse_deg", "n_turns", "moderate_s",
    "vigorous_s", "brisk_intervals", "brisk_s", "impact_mps2", "forward_lean_deg",
    "sideways_lean_deg", "alternation", "step_time_ratio",
]  # fmt: skip
STEP_COLUMNS = [
    "bout_id", "ic_s", "step_duration_s", "stride_duration_s", "step_length_m", "cadence_spm",
    "impact_mps2", "impact_clipped", "side", "stopping",
]  # fmt: skip


#: Years a recording's start can be in: before 1990 no body-worn sensor recorded a walk (a
#: start in 1970 is Unix time 0, a clock never set), and after 2100 is a clock gone wrong
#: (9999-12-31 has no next day to count to). Outside them days are not calendar days.
CALENDAR_YEARS = (1990, 2100)
#: Long recordings are analysed in windows of this length (see :func:`analyze`).
WINDOW_S = 4 * 3600.0
#: Signal kept before each window's first new bout, s: filter transients (the 0.1 Hz
#: high-pass settles within about 30 s) and the standing reference (10 s) need it.
CONTEXT_S = 60.0
#: Bouts are separated by pauses of more than 3 s, so a cut this far before a bout's first
#: contact falls in the pause before it.
CUT_BEFORE_BOUT_S = 1.5
#: A part shorter than this (the tail of a file, say) has no room for a bout.
MIN_WINDOW_S = 10.0
#: Times within this of a whole second are on it (float noise of a window's start time), s.
SECOND_NOISE_S = 1e-6


@dataclass(frozen=True)
class AnalysisParameters:
    """Everything that changes the result, recorded in ``info.json``."""

    height_m: float | None = None
    sensor_height_m: float | None = None
    bout_rules: BoutRules = field(default_factory=BoutRules)
    window_s: float = WINDOW_S

    def __post_init__(self) -> None:
        # the Recording's rule, checked here too so that a height of 0 is not silently
        # taken as "none given", and so that a bad value is refused before a long analysis
        check_heights(self.height_m, self.sensor_height_m)


@dataclass
class WalkingAnalysis:
    """Result of :func:`analyze`.

    Attributes
    ----------
    recording
        Metadata of the analysed recording (name, device, sample rate, duration, notes).
    bouts
        One row per walking bout (columns :data:`BOUT_COLUMNS`, units in the names).
    steps
        One row per initial contact inside a bout (columns :data:`STEP_COLUMNS`).
    per_second
        Cadence for each whole second inside a bout (``second``, ``cadence_spm``).
    summary
        Totals: walking time, steps, moderate and vigorous time, bouts, posture reference.
    days
        One row per calendar day the recording covers (columns
        :data:`~backstride.gait.daily.DAY_COLUMNS`), see :mod:`backstride.gait.daily`.
    turns
        One row per turn within a bout (columns :data:`~backstride.gait.turns.TURN_COLUMNS`,
        see :mod:`backstride.gait.turns`); empty without a gyroscope.
    non_wear
        When the sensor was not worn (``start_s``, ``end_s``; :mod:`backstride.gait.wear`),
        ``None`` for a recording shorter than the hour the rule needs.
    """

    recording: dict[str, Any]
    bouts: pd.DataFrame
    steps: pd.DataFrame
    per_second: pd.DataFrame
    summary: dict[str, Any]
    days: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DAY_COLUMNS))
    turns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TURN_COLUMNS))
    non_wear: pd.DataFrame | None = None

    @property
    def initial_contacts_s(self) -> list[float]:
        """Times of all initial contacts inside bouts, s."""
        return [float(x) for x in self.steps["ic_s"]]


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _leg_length(rec: RecordingInfo, params: AnalysisParameters) -> tuple[float | None, str]:
    if rec.placement not in TRUNK_PLACEMENTS:
        return None, (
            f"the sensor was worn {placement_words(rec.placement)}, away from the trunk: "
            "stride length, speed and the trunk's measures need it on the trunk"
        )
    return pendulum_length(
        params.sensor_height_m or rec.sensor_height_m, params.height_m or rec.height_m
    )


def _runs_at_least(flags: npt.NDArray[np.bool_], length: int) -> npt.NDArray[np.bool_]:
    """Mark the elements of runs of ``True`` that are at least ``length`` long."""
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    out = np.zeros(flags.size, dtype=bool)
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= length:
            out[start:stop] = True
    return out


def _standing_per_bout(
    acc: FloatArray,
    up: FloatArray,
    fs: float,
    walking: npt.NDArray[np.bool_],
    b_start: IntArray,
    b_stop: IntArray,
    walk_up: FloatArray,
    grid_start: int = 0,
) -> FloatArray:
    """Mean "up" over the quiet standing next to each bout; NaN rows where there is none.

    Quiet standing is still (the vector magnitude's standard deviation below 0.15 m/s^2 in
    1-s windows, for at least 3 s) and not walking, within ``STANDING_NEAR_WALK_S`` before the
    bout starts or after it ends: the stand just before setting off or just after stopping is
    the wearer's own upright posture for that walk. It must also be upright: within
    ``STANDING_MAX_TILT_DEG`` (10 degrees) of the walk's own "up". Sitting still just before
    standing up to walk tilts the pelvis back by 20-30 degrees, while standing and walking
    differ by a few degrees. The limit was 30 degrees until a seated rest passed it: on the
    Mobilise-D daily-life trials, 29 of the 105 still spells next to walks lie within 7
    degrees of the walk's "up", 63 lie 12-32 degrees away, 13 in between. Averaging them
    gave "leans" of +9.7 to +16.7 and -21.4 degrees (docs/validation.md). So a lean beyond
    10 degrees cannot be measured; such a walk gets no reference and no lean, which is
    better than a lean measured against a chair. A recording-wide reference would be wrong
    for a sensor taken off and put back on between walks.

    The 1-s windows start at sample ``grid_start``, so that a 4-h window of a long recording
    cuts them where the whole recording does.
    """
    out = np.full((b_start.size, 3), np.nan)
    win = max(1, round(fs))
    n_win = (acc.shape[0] - grid_start) // win
    if n_win <= 0 or b_start.size == 0:
        return out
    grid = slice(grid_start, grid_start + n_win * win)
    head = acc[grid]
    mag = np.sqrt(np.einsum("ij,ij->i", head, head)).reshape(n_win, win)
    still = mag.std(axis=1) < STANDING_MAX_SD_MPS2
    walk_win = walking[grid].reshape(n_win, win).any(axis=1)
    quiet = _runs_at_least(still & ~walk_win, round(STANDING_MIN_S))
    if not quiet.any():
        return out
    first = grid_start + np.arange(n_win) * win
    win_up = _segment_means(up, first, first + win)
    reach = round(STANDING_NEAR_WALK_S)
    cos_max = math.cos(math.radians(STANDING_MAX_TILT_DEG))
    # the 1-s windows up to ``reach`` before each bout's start and after its end, all at once
    offsets = np.arange(1, reach + 1)
    near = np.hstack(
        [
            ((b_start - grid_start) // win)[:, None] - offsets[None, :],
            ((b_stop - grid_start) // win)[:, None] + offsets[None, :],
        ]
    )
    inside = (near >= 0) & (near < n_win)
    near = np.clip(near, 0, n_win - 1)
    upright = np.einsum("bkj,bj->bk", win_up[near], walk_up) > cos_max
    use = inside & quiet[near] & upright
    count = use.sum(axis=1)
    has = count > 0
    ref = np.einsum("bk,bkj->bj", use.astype(np.float64), win_up[near])[has]
    out[has] = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    return out


def _lean_deg(stand_up: FloatArray, walk_up: FloatArray, axis: FloatArray) -> FloatArray:
    """Tilt of the trunk towards ``axis`` while walking relative to standing, degrees, per bout.

    Leaning forward rotates the sensor so that gravity's "up", seen from the sensor, moves
    backwards: the lean is minus the component of the walking "up" along the axis (taken
    orthogonal to the standing "up"). ``stand_up`` and ``walk_up`` are ``(n_bouts, 3)``; rows
    without quiet standing (NaN) give NaN.
    """
    ax = axis[None, :] - (stand_up @ axis)[:, None] * stand_up
    norm = np.sqrt(np.einsum("ij,ij->i", ax, ax))
    with np.errstate(divide="ignore", invalid="ignore"):
        ax = ax / norm[:, None]
        component = -np.einsum("ij,ij->i", walk_up, ax)
    lean = np.degrees(np.arcsin(np.clip(component, -1, 1)))
    return np.asarray(np.where(norm > 0, lean, np.nan), dtype=np.float64)


def per_second_cadence(
    ic_s: FloatArray, bout_ids: IntArray, n_bouts: int, ends_s: FloatArray | None = None
) -> pd.DataFrame:
    """Cadence for every whole second inside a bout, from the step durations covering it.

    ``ic_s`` are contact times, s, sorted within each bout; ``bout_ids`` their bouts
    (``0 .. n_bouts - 1``). The cadence of a second is interpolated between the step
    midpoints around it, each step at ``60 / duration``, and given to 0.01 steps/min. Also
    used to put a reference's own contacts through the same rule
    (:mod:`backstride.validation.runner`). ``ends_s`` extends each bout's seconds to its
    end where that lies after its last contact in ``ic_s`` (a walk's stopping steps, which
    end it but do not set its pace): those seconds keep the last step's cadence.

    The rounding is what lets the written table reproduce the intensity totals: moderate
    and vigorous time count these very values at >= 100 and >= 130, and without it
    floating-point noise decided them (a steady 0.6-s step at 50 Hz came out as
    99.99999999999996 or as 100.00000000000095, both written as 100.0).
    """
    seconds: list[int] = []
    values: list[float] = []
    bout_of: list[int] = []
    for b in range(n_bouts):
        t = ic_s[bout_ids == b]
        if t.size < 2:
            continue
        mid = (t[:-1] + t[1:]) / 2
        cad = 60.0 / np.diff(t)
        # a contact on a whole second may carry float noise from a window's start time
        end = max(t[-1], ends_s[b]) if ends_s is not None else t[-1]
        secs = np.arange(math.ceil(t[0] - SECOND_NOISE_S), math.floor(end + SECOND_NOISE_S) + 1)
        if secs.size == 0:
            continue
        seconds.extend(int(s) for s in secs)
        values.extend(np.round(np.interp(secs, mid, cad), 2).tolist())
        bout_of.extend([b] * secs.size)
    return pd.DataFrame({"bout_id": bout_of, "second": seconds, "cadence_spm": values})


def _brisk_intervals(cadence: FloatArray) -> list[tuple[int, int]]:
    """Find runs of clearly faster walking in a per-second cadence series: (start, length), s."""
    if cadence.size < BRISK_MIN_S:
        return []
    smooth = pd.Series(cadence).rolling(10, center=True, min_periods=1).median().to_numpy()
    base = float(np.percentile(cadence, 25))
    fast = (smooth >= BRISK_ABOVE_BASE * base) & (smooth >= MODERATE_SPM)
    runs = []
    i = 0
    while i < fast.size:
        if fast[i]:
            j = i
            while j + 1 < fast.size and fast[j + 1]:
                j += 1
            if j - i + 1 >= BRISK_MIN_S:
                runs.append((i, j - i + 1))
            i = j + 1
        else:
            i += 1
    return runs


#: Steps each foot must have in a bout for its step-time ratio.
MIN_STEPS_PER_FOOT = 3


def step_time_ratio(
    step_d: FloatArray, sides: npt.NDArray[np.str_], bout_of: IntArray, n_bouts: int
) -> FloatArray:
    """Per bout, the median step time of one foot over the other's, the longer on top.

    A limp (an antalgic gait) shortens the steps onto the painful side: the ratio is 1 for
    even steps and 1.2 where one foot's steps last 20% longer (the larger-over-smaller ratio
    that Patterson et al. 2010, Gait Posture 31:241-246, recommend for gait asymmetry). A
    step counts for the foot it starts from, and only where the next contact is the other
    foot's (a missed or extra contact would put two steps into one); ``step_d`` is the time
    to the next contact of the same bout (NaN at a bout's last), and a side ``""`` is not
    known. ``NaN`` where a foot has fewer than :data:`MIN_STEPS_PER_FOOT` such steps.
    Checked on real walks re-timed into a limp (``bench/asymmetric_walking.py``: 1.54 where
    the same rule on the reference's contacts gives 1.66).
    """
    out = np.full(n_bouts, np.nan)
    known = sides != ""
    alternates = np.zeros(sides.size, dtype=bool)
    alternates[:-1] = known[1:] & known[:-1] & (sides[1:] != sides[:-1])
    usable = np.isfinite(step_d) & alternates
    if not usable.any():
        return out
    frame = pd.DataFrame({"bout": bout_of[usable], "side": sides[usable], "step": step_d[usable]})
    per_foot = frame.groupby(["bout", "side"])["step"].agg(["median", "size"])
    per_foot = per_foot[per_foot["size"] >= MIN_STEPS_PER_FOOT]["median"].unstack()
    if per_foot.shape[1] == 2:
        both = per_foot.dropna()
        out[both.index.to_numpy(dtype=np.int64)] = both.max(axis=1) / both.min(axis=1)
    return out


def _impacts(
    frame: BodyFrameSignals, ics: IntArray, fs: float, clipped: npt.NDArray[np.bool_]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Impact per contact: the peak vertical acceleration in the 150 ms after it, m/s^2.

    With it, whether the accelerometer reached its limit in those 150 ms (``clipped``, per
    sample): that peak is then lower than the true one.
    """
    if ics.size == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    n = frame.vertical.size
    post = np.arange(max(1, round(0.15 * fs)))
    window = np.clip(ics[:, None] + post[None, :], 0, n - 1)
    return np.asarray(frame.vertical[window].max(axis=1)), clipped[window].any(axis=1)


def _clipped_at_analysis_rate(recording: Recording, n: int) -> npt.NDArray[np.bool_]:
    """The samples at the accelerometer's limit (:func:`saturated_samples`).

    As ``n`` samples at the analysis rate: a decimated sample is clipped where any of its
    recorded samples were.
    """
    clipped = saturated_samples(recording.acc)
    factor = analysis_rate(recording.sample_rate_hz)[0]
    if factor > 1:
        padded = np.zeros(n * factor, dtype=bool)
        padded[: min(clipped.size, padded.size)] = clipped[: padded.size]
        clipped = np.asarray(padded.reshape(n, factor).any(axis=1))
    return clipped[:n]


def _segment_means(x: FloatArray, starts: IntArray, stops: IntArray) -> FloatArray:
    """Mean of ``x[start:stop]`` for each segment (segments sorted and not overlapping)."""
    edges = np.column_stack([starts, stops]).ravel()
    sums = np.add.reduceat(x, np.minimum(edges, x.shape[0] - 1), axis=0)[::2]
    return np.asarray(sums / (stops - starts)[:, None])


def _step_lengths_by_contact(
    ics: IntArray,
    ic_bout: IntArray,
    position: FloatArray | None,
    velocity: FloatArray | None,
    leg_length_m: float | None,
) -> FloatArray:
    """Length of the step that starts at each contact (NaN for a bout's last contact).

    ``velocity`` is the forward velocity (:func:`forward_velocity`): a step's excursion counts
    as far as it trades with forward speed as the bout's other steps do
    (:func:`vaulting_weights`).
    """
    out = np.full(ics.size, np.nan)
    same = ic_bout[1:] == ic_bout[:-1]
    if position is not None and velocity is not None and leg_length_m and same.any():
        starts, ends = ics[:-1][same], ics[1:][same]
        vaulting = vaulting_weights(
            exchange_cosines(position, velocity, starts, ends), ic_bout[:-1][same]
        )
        out[:-1][same] = step_lengths_zijlstra(position, starts, ends, leg_length_m, vaulting)
    return out


def _turns(
    gyr: FloatArray | None,
    up: FloatArray,
    b_start: IntArray,
    b_stop: IntArray,
    fs: float,
    offset_s: float,
    read: npt.NDArray[np.bool_] | None = None,
) -> pd.DataFrame | None:
    """The turns within the bouts (:mod:`backstride.gait.turns`); ``None`` if untellable.

    Untellable without a gyroscope, or with one that reads nothing (switched off,
    zero-filled by an export, or, in one window of a long file, missing throughout: gaps
    are bridged, so what is still not a number is a window without a single reading).
    ``read`` marks the samples the gyroscope read, where some were bridged: only they
    give its offset.
    """
    yaw = _yaw_rate(gyr, up, read)
    if yaw is None:
        return None
    return turn_table(detect_turns(yaw, fs, bouts=(b_start, b_stop)), fs, offset_s)


def _yaw_rate(
    gyr: FloatArray | None, up: FloatArray, read: npt.NDArray[np.bool_] | None = None
) -> FloatArray | None:
    """Angular velocity about ``up``, deg/s, offset removed; ``None`` if untellable.

    Untellable as in :func:`_turns`: no gyroscope, or one that reads nothing. The offset
    is the median over the samples in ``read`` (all if ``None``): minutes a device lost,
    bridged by a straight line, would otherwise set it.
    """
    if gyr is None:
        return None
    yaw = gyr @ up
    if not np.any(yaw) or not np.isfinite(yaw).all():
        return None
    # the gyroscope's offset: over a window, turns either way balance
    yaw -= np.median(yaw if read is None or not read.any() else yaw[read])
    return yaw


#: Signal taken on either side of a pause to find a turn in it, s: the 0.5-Hz turn filter
#: settles within it, and the gyroscope's offset is the median over the pause and this.
TURN_CONTEXT_S = 15.0


def _joined_across_turns(
    members: list[IntArray],
    cand_idx: IntArray,
    gyr: FloatArray | None,
    read: npt.NDArray[np.bool_] | None,
    up: FloatArray,
    fs: float,
    rules: BoutRules,
) -> list[IntArray]:
    """Bouts joined where a turn fills the pause between them (rule 6 in ``gait/bouts.py``).

    ``gyr`` is the gyroscope with its gaps bridged, ``read`` the samples it read where it
    had some (``None``: all), as :func:`_turns` takes them.

    The yaw rate is the angular velocity about the mean "up" of the bouts as assembled, as
    :func:`_turns` takes it. Each pause that a turn could fill (longer than the 3-s break,
    at most a turn's 10 s and a step either side) is then looked at on its own: over the
    pause and :data:`TURN_CONTEXT_S` either side, less its median there as the gyroscope's
    offset, the turns found as :func:`_turns` finds them. A window's median would make a
    long recording's windows join other bouts than one piece does (minutes a device lost,
    bridged by a straight line, set it). A pause where the gyroscope lost samples is not
    filled: the bridged samples are a line, not a turn.

    The smoothing is linear with a gain of 1 at 0 Hz, so it is done once for the window
    and each pause's offset taken off after it. Most pauses (a day has thousands) are
    passed over without looking for turns: where the smoothed rate in the pause, but a
    step at either end, falls below a turn's edge for longer than turns are merged over,
    or turns both ways, no one turn can fill it.
    """
    if gyr is None or len(members) < 2:
        return members
    first = np.array([cand_idx[m[0]] for m in members], dtype=np.int64)
    last = np.array([cand_idx[m[-1]] for m in members], dtype=np.int64)
    pause = first[1:] - last[:-1]
    turn_rules = TurnRules()
    longest = (turn_rules.max_duration_s + 2 * rules.max_step_s) * fs
    fillable = np.flatnonzero((pause > rules.max_pause_s * fs) & (pause <= longest))
    if fillable.size == 0:
        return members
    lengths = (last + 1 - first).astype(np.float64)
    walk_up = lengths @ _segment_means(up, first, last + 1)
    walk_up /= np.linalg.norm(walk_up)
    rate = gyr @ walk_up
    if not np.any(rate):
        return members  # a gyroscope that reads nothing
    smoothed = smooth_rate(rate, fs, turn_rules)
    context, step = round(TURN_CONTEXT_S * fs), round(rules.max_step_s * fs)
    every = max(1, round(fs / 20))  # the offset's median from 20 samples a second
    merged_over = round(turn_rules.merge_gap_s * fs)
    turn_start: list[float] = []
    turn_end: list[float] = []
    for k in fillable.tolist():
        a, b = max(0, last[k] - context), min(rate.size, first[k + 1] + context)
        if read is not None and not read[a:b].all():
            continue
        sample = rate[a:b:every]
        offset = float(np.partition(sample, sample.size // 2)[sample.size // 2])  # the median
        inner = smoothed[last[k] + step : first[k + 1] - step] - offset
        slow = np.concatenate(([False], np.abs(inner) < turn_rules.edge_dps, [False]))
        change = np.flatnonzero(slow[1:] != slow[:-1])
        if (change[1::2] - change[::2]).max(initial=0) > merged_over:
            continue
        fast = inner[~slow[1:-1]]
        if fast.size and fast.min() < 0 < fast.max():
            continue
        turns = detect_turns(
            rate[a:b] - offset, fs, turn_rules, smoothed_dps=smoothed[a:b] - offset
        )
        turn_start.extend((turns.start + a) / fs)
        turn_end.extend((turns.end + a) / fs)
    return join_across_turns(
        members, cand_idx / fs, np.array(turn_start), np.array(turn_end), rules
    )


def _stride_table(
    ics: IntArray,
    ic_bout: IntArray,
    frame: BodyFrameSignals,
    step_len_from: FloatArray,
    gyr: FloatArray | None,
    fs: float,
) -> pd.DataFrame:
    """One row per stride (contact i to i + 2 in the same bout), all strides at once."""
    nan = np.nan
    first = np.flatnonzero(ic_bout[2:] == ic_bout[:-2])
    s0, s1 = ics[first], ics[first + 2]
    duration = (s1 - s0) / fs
    length = step_len_from[first] + step_len_from[first + 1]
    table = {
        "bout_id": ic_bout[first],
        "stride_duration_s": duration,
        "cadence_spm": 120.0 / duration,
        "stride_length_m": length,
        "speed_mps": length / duration,
    }
    # the three axes are resampled onto the same strides: the grid is found once
    n_samples = frame.vertical.shape[0]
    grid = SegmentGrid(s0, s1, HARMONIC_POINTS, n_samples) if first.size else None
    for name, x, odd_over_even in (
        ("v", frame.vertical, False),
        ("ap", frame.ap, False),
        ("ml", frame.ml, True),
    ):
        table[f"harmonic_ratio_{name}"] = harmonic_ratio(x, s0, s1, odd_over_even, grid)
    del grid
    rom_grid = (
        SegmentGrid(s0, s1, ROM_POINTS, n_samples) if gyr is not None and first.size else None
    )
    # rotation about ML = sagittal plane, about AP = frontal, about vertical = transverse;
    # one axis at a time so that only one day-long angle signal exists at once
    for plane, axis in (
        ("sagittal", frame.ml_unit),
        ("frontal", frame.ap_unit),
        ("transverse", frame.mean_up),
    ):
        rom = np.full(first.size, nan)
        if gyr is not None:
            angle = gyr @ axis
            np.cumsum(angle, out=angle)
            angle /= fs
            rom = angle_range_per_stride(angle, s0, s1, rom_grid)
        table[f"trunk_rom_{plane}_deg"] = rom
    return pd.DataFrame(table)


#: Called after each window of a long recording with (seconds analysed, seconds in all).
ProgressCallback = Callable[[float, float], None]


def analyze(
    recording: Recording,
    params: AnalysisParameters | None = None,
    progress: ProgressCallback | None = None,
) -> WalkingAnalysis:
    """Analyse one recording from a lower-back (or body-worn) sensor.

    Recordings longer than ``params.window_s`` (4 h) are analysed window by window, each with
    :data:`CONTEXT_S` of signal before it. A window's bouts are kept up to the last one that
    ends well inside it; the next window starts just before the first bout still in progress,
    so no walk is split or counted twice (a single walk longer than a window is the
    exception: that window is made longer). Memory then grows with the window, not the
    recording (a week at 100 Hz is 60 million samples), and the body axes are found per
    window, so a sensor taken off and put back differently on another day is handled.

    Parameters
    ----------
    recording
        The recording; units and axes as in :class:`~backstride.recording.Recording`.
    params
        Wearer heights and bout rules; the recording's own heights are used when not given.
    progress
        Told after each window of a long recording how far the analysis has got.

    Returns
    -------
    WalkingAnalysis
        A recording without walking gives zero bouts, not an error.
    """
    params = params or AnalysisParameters()
    recording = without_impossible_samples(recording)
    validate_signal(recording)
    fs = recording.sample_rate_hz
    if recording.n_samples <= round((max(params.window_s, 2 * CONTEXT_S) + CONTEXT_S) * fs):
        spans = not_worn(recording.acc, fs)
        return _with_days(recording, _analyze_worn(recording, params, spans), spans)
    return analyze_parts(_InMemory(recording), params, progress)


class RecordingParts(Protocol):
    """A long recording handed over a part at a time (so it need not be in memory whole).

    ``info`` describes the whole recording (its arrays may be empty); ``part(from_s, to_s)``
    returns a Recording covering at least ``[from_s, to_s)`` seconds from the recording's
    start, and the time of its first sample in the same seconds, or ``None`` where there is
    no signal.
    """

    @property
    def info(self) -> RecordingInfo:
        """The whole recording, described."""

    def part(self, from_s: float, to_s: float) -> tuple[Recording, float] | None:
        """The samples around ``[from_s, to_s)`` and their first time, or ``None``."""


class RecordingInfo(Protocol):
    """What is known of a recording besides its samples (a Recording is one)."""

    @property
    def sample_rate_hz(self) -> float:
        """Sample rate, Hz."""

    @property
    def duration_s(self) -> float:
        """Length, s."""

    @property
    def n_samples(self) -> int:
        """Samples in the whole recording."""

    @property
    def start(self) -> dt.datetime | None:
        """Time-zone aware start, if known."""

    @property
    def name(self) -> str:
        """Label for reports."""

    @property
    def device(self) -> str:
        """Device or format."""

    @property
    def placement(self) -> str:
        """Where it was worn."""

    @property
    def height_m(self) -> float | None:
        """Wearer's height."""

    @property
    def sensor_height_m(self) -> float | None:
        """Sensor height above the floor."""

    @property
    def notes(self) -> tuple[str, ...]:
        """What the reader detected or assumed."""

    @property
    def meta(self) -> dict[str, Any]:
        """Reader metadata (see :mod:`backstride.io`)."""

    @property
    def has_gyr(self) -> bool:
        """Whether angular velocity is recorded."""


class _InMemory:
    """Parts of a recording that is in memory: views, starting on whole seconds."""

    def __init__(self, recording: Recording) -> None:
        self.info = recording
        self._rec = recording

    def part(self, from_s: float, to_s: float) -> tuple[Recording, float] | None:
        rec, fs = self._rec, self._rec.sample_rate_hz
        step = round(fs) if float(fs).is_integer() else 1
        lo = max(0, int(from_s * fs)) // step * step
        hi = min(rec.n_samples, int(np.ceil(to_s * fs)))
        return _slice(rec, lo, hi), lo / fs


def analyze_parts(
    parts: RecordingParts,
    params: AnalysisParameters | None = None,
    progress: ProgressCallback | None = None,
) -> WalkingAnalysis:
    """Analyse a long recording window by window (see :func:`analyze`)."""
    params = params or AnalysisParameters()
    info = parts.info
    duration = info.duration_s
    window = max(params.window_s, 2 * CONTEXT_S)
    done: list[WalkingAnalysis] = []
    wear = WearStatistics()
    cut = 0.0  # seconds before ``cut`` are finished
    while cut < duration:
        lo = max(0.0, cut - CONTEXT_S)
        hi = min(duration, cut + window)
        while True:
            if duration - hi < CONTEXT_S:  # do not leave a remainder too short to analyse
                hi = duration
            got = parts.part(lo, hi)
            if (
                got is None
                or got[0].duration_s < MIN_WINDOW_S
                or np.isfinite(got[0].acc[:, 0]).mean() < 0.1  # a gap: nothing to find
            ):
                part = _no_bouts()
            else:
                window_spans = not_worn(got[0].acc, got[0].sample_rate_hz)
                part = _analyze_worn(got[0], params, window_spans, offset_s=got[1])
            start = part.bouts["start_s"].to_numpy(dtype=float)
            end = part.bouts["end_s"].to_numpy(dtype=float)
            keep = start >= cut
            running = keep & (end > hi - CONTEXT_S)
            if hi >= duration:
                next_cut = duration
            elif not running.any():
                next_cut = hi - CONTEXT_S
            elif start[running].min() - CUT_BEFORE_BOUT_S > cut:
                # bouts still running near the window's end are left to the next window
                next_cut = float(start[running].min()) - CUT_BEFORE_BOUT_S
                keep &= start < next_cut
            else:  # one walk fills the window: make the window longer
                hi = min(duration, hi + window)
                continue
            break
        if got is not None:
            wear.add(got[0].acc, got[1], got[0].sample_rate_hz, cut, next_cut)
        done.append(_subset(part, np.flatnonzero(keep)))
        cut = next_cut
        if progress is not None:
            progress(min(cut, duration), duration)
    return _with_days(info, _merged(info, params, done), wear.not_worn(duration))


def _merged(
    info: RecordingInfo, params: AnalysisParameters, parts: list[WalkingAnalysis]
) -> WalkingAnalysis:
    """:func:`_merge`, with the note of the rate the parts were analysed at."""
    merged = _merge(info, params, parts)
    factor, rate = analysis_rate(info.sample_rate_hz)
    if factor > 1:  # each part was analysed at the lower rate (see at_analysis_rate)
        merged.recording["notes"] = [
            *merged.recording["notes"],
            _rate_note(info.sample_rate_hz, rate),
        ]
    return merged


def _analyze_worn(
    recording: Recording,
    params: AnalysisParameters,
    spans: FloatArray | None,
    offset_s: float = 0.0,
) -> WalkingAnalysis:
    """Analyse a window, each stretch between the spans it was not worn on its own axes.

    The body's axes are found once per analysis (:func:`_analyze_window`): the sensor is
    taken to stay as it was put on. Taken off for an hour or more (:mod:`backstride.gait.wear`)
    it is likely put back otherwise, so the stretches before and after are analysed apart.
    A span not worn holds no walk (it is an hour without movement), so no walk is cut.
    ``spans`` are the window's (:func:`~backstride.gait.wear.not_worn`), s from its first
    sample; ``None`` for a window under an hour, not judged.
    """
    if spans is None or not spans.size:
        return _analyze_window(recording, params, offset_s)
    fs = recording.sample_rate_hz
    bounds = [0.0, *spans.ravel().tolist(), recording.duration_s]
    parts = []
    for start, end in zip(bounds[0::2], bounds[1::2], strict=True):
        lo, hi = round(start * fs), min(recording.n_samples, round(end * fs))
        if (hi - lo) / fs >= MIN_WINDOW_S:
            parts.append(_analyze_window(_slice(recording, lo, hi), params, offset_s + lo / fs))
    if not parts:  # not worn throughout: nothing to find
        return _analyze_window(recording, params, offset_s)
    return _merged(recording, params, parts)


def _with_days(
    recording: RecordingInfo, result: WalkingAnalysis, spans: FloatArray | None
) -> WalkingAnalysis:
    """Add what only the whole recording tells: its spans not worn, days and clipping.

    ``spans`` are the recording's spans not worn (``None``: not judged). Days are in the
    time zone the file names, if it names one. The note counting the contacts whose impact
    clipped is added here too, once for all windows.
    """
    start = recording.start
    named = recording.meta.get("time_zone")
    if start is not None and isinstance(named, str):
        from contextlib import suppress
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        with suppress(ZoneInfoNotFoundError, ValueError):  # unknown: the start's own zone
            start = start.astimezone(ZoneInfo(named))
    if start is not None and not CALENDAR_YEARS[0] <= start.year <= CALENDAR_YEARS[1]:
        # a device clock never set (1970, 9999): its calendar days would be fiction, and
        # 9999-12-31 has no next day to count to
        result.recording["notes"] = [
            *result.recording["notes"],
            f"the start, {start.date()}, is no real date (a device clock never set?), so days "
            "are counted as 24-hour periods from the first sample",
        ]
        start = None
    told = result.summary.get("n_turns") is not None
    result.days = daily_measures(
        result.bouts,
        start,
        recording.duration_s,
        result.steps["ic_s"],
        result.per_second,
        result.turns["start_s"] if told else None,
        spans,
    )
    clipped = int(result.steps["impact_clipped"].astype(bool).sum())
    if clipped:
        n = len(result.steps)
        result.recording["notes"] = [
            *result.recording["notes"],
            f"the acceleration reached the sensor's limit within 150 ms of {clipped} of {n} "
            "contacts; their impact is left out, as a clipped peak is below the true one (a "
            "walk's impact is null where half its contacts or more clipped)",
        ]
    if spans is None:
        result.non_wear = None
        result.summary["worn_s"] = None
    else:
        result.non_wear = pd.DataFrame(spans, columns=NON_WEAR_COLUMNS)
        result.summary["worn_s"] = recording.duration_s - overlap_s(
            spans, 0.0, recording.duration_s
        )
    return result


def _slice(recording: Recording, lo: int, hi: int) -> Recording:
    """Samples ``lo:hi`` of a recording (views, not copies)."""
    gyr = recording.gyr[lo:hi] if recording.gyr is not None else None
    return replace(recording, acc=recording.acc[lo:hi], gyr=gyr)


def _subset(part: WalkingAnalysis, keep: IntArray) -> WalkingAnalysis:
    """The given bouts of a window's analysis with their steps and seconds."""
    ids = part.bouts["bout_id"].to_numpy()[keep]
    return WalkingAnalysis(
        part.recording,
        part.bouts.iloc[keep].reset_index(drop=True),
        part.steps[part.steps["bout_id"].isin(ids)].reset_index(drop=True),
        part.per_second[part.per_second["bout_id"].isin(ids)].reset_index(drop=True),
        part.summary,
        turns=part.turns[part.turns["bout_id"].isin(ids)].reset_index(drop=True),
    )


def _no_bouts() -> WalkingAnalysis:
    """An analysis without bouts (for a window with no signal)."""
    return WalkingAnalysis(
        {},
        pd.DataFrame(columns=BOUT_COLUMNS),
        pd.DataFrame(columns=STEP_COLUMNS),
        pd.DataFrame(columns=["bout_id", "second", "cadence_spm"]),
        {},
    )


def _merge(
    recording: RecordingInfo,
    params: AnalysisParameters,
    parts: list[WalkingAnalysis],
) -> WalkingAnalysis:
    """Join window analyses (their times already in recording time) with bouts renumbered."""
    bouts, steps, seconds, turns = [], [], [], []
    next_id = 0
    for part in parts:
        if part.bouts.empty:
            continue
        renumber = {int(old): next_id + k for k, old in enumerate(part.bouts["bout_id"])}
        next_id += len(renumber)
        bouts.append(part.bouts.assign(bout_id=part.bouts["bout_id"].map(renumber)))
        steps.append(part.steps.assign(bout_id=part.steps["bout_id"].map(renumber)))
        seconds.append(part.per_second.assign(bout_id=part.per_second["bout_id"].map(renumber)))
        if not part.turns.empty:
            turns.append(part.turns.assign(bout_id=part.turns["bout_id"].map(renumber)))
    if bouts:
        all_bouts = pd.concat(bouts, ignore_index=True)[BOUT_COLUMNS]
        all_steps = pd.concat(steps, ignore_index=True)[STEP_COLUMNS]
        per_second = pd.concat(seconds, ignore_index=True)
    else:
        empty = _no_bouts()
        all_bouts, all_steps, per_second = empty.bouts, empty.steps, empty.per_second
    all_turns = (
        pd.concat(turns, ignore_index=True)[TURN_COLUMNS]
        if turns
        else pd.DataFrame(columns=TURN_COLUMNS)
    )
    with_posture = int(all_bouts["forward_lean_deg"].notna().sum())
    on_trunk = recording.placement in TRUNK_PLACEMENTS
    summary = _summary(
        all_bouts,
        per_second,
        with_posture,
        _leg_length(recording, params)[1],
        on_trunk,
        # known where some bout could tell them, or where no bout needed to
        on_trunk
        and recording.has_gyr
        and (all_bouts.empty or bool(all_bouts["n_turns"].notna().any())),
    )
    meta = _recording_meta(recording)
    return WalkingAnalysis(meta, all_bouts, all_steps, per_second, summary, turns=all_turns)


#: Above this rate a recording is analysed at a lower one (see :func:`at_analysis_rate`).
MAX_ANALYSIS_RATE_HZ = 400.0


def analysis_rate(fs: float) -> tuple[int, float]:
    """The decimation factor and the rate a recording at ``fs`` is analysed at.

    Up to :data:`MAX_ANALYSIS_RATE_HZ` the recording's own (factor 1); above it, the
    whole-number fraction of ``fs`` from 100 to 200 Hz.
    """
    if fs <= MAX_ANALYSIS_RATE_HZ:
        return 1, fs
    factor = int(fs // 100.0)
    return factor, fs / factor


def at_analysis_rate(recording: Recording) -> Recording:
    """The recording at its analysis rate (:func:`analysis_rate`), anti-alias filtered.

    Walking lives below 20 Hz, and the smoothing kernels are sized in samples: a 3200-Hz
    Axivity file took as long per hour as a day at 100 Hz, with nothing gained (the
    validation recordings at 128-200 Hz agree with the reference no better than at 100 Hz,
    docs/validation.md). Above 400 Hz the signal is decimated by a whole number to 100-200
    Hz with SciPy's polyphase filter (``resample_poly``, a Kaiser-windowed FIR low-pass at
    the new Nyquist frequency); gaps are bridged first, as the analysis would.
    """
    factor, rate = analysis_rate(recording.sample_rate_hz)
    if factor == 1:
        return recording
    acc = signal.resample_poly(bridge_gaps(recording.acc), 1, factor, axis=0)
    gyr = recording.gyr
    if gyr is not None:
        gyr = signal.resample_poly(bridge_gaps(gyr), 1, factor, axis=0)
    note = _rate_note(recording.sample_rate_hz, rate)
    return replace(recording, acc=acc, gyr=gyr, sample_rate_hz=rate, notes=(*recording.notes, note))


def _rate_note(recorded_hz: float, analysed_hz: float) -> str:
    return (
        f"recorded at {recorded_hz:g} Hz, analysed at {analysed_hz:g} Hz after anti-alias "
        "filtering (walking lies below 20 Hz)"
    )


def _contacts_and_bouts(per_bout: list[IntArray]) -> tuple[IntArray, IntArray]:
    """All bouts' contacts in one array, and the bout of each."""
    if not per_bout:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ics = np.concatenate(per_bout).astype(np.int64)
    return ics, np.repeat(np.arange(len(per_bout)), [c.size for c in per_bout]).astype(np.int64)


def _analyze_window(
    recording: Recording, params: AnalysisParameters, offset_s: float = 0.0
) -> WalkingAnalysis:
    """Analyse a recording (or one window of it) in one piece.

    ``offset_s`` is the time of the window's first sample in the whole recording, s; the
    times returned (bouts, contacts, the whole seconds of the cadence table) are counted
    from the recording's first sample. A window's seconds must be the recording's: a window
    need not start on a whole second (at 85.7 Hz, or where a file's part begins).
    """
    as_recorded = recording
    recording = at_analysis_rate(recording)
    fs = recording.sample_rate_hz
    acc = bridge_gaps(recording.acc)
    gravity = gravity_and_vertical(acc, fs)
    up, _, vertical = gravity

    cand = detect_contact_candidates(vertical, fs)
    order = np.argsort(cand.index, kind="stable")
    cand_idx = cand.index[order]
    members = assemble_bouts(cand_idx / fs, params.bout_rules, cand.prominence_mps2[order])
    fine = cand.fine_mps2  # searched again for the stopping steps, then let go
    del cand
    # the gyroscope with its gaps bridged, and where it had some, the samples it read: only
    # they give its offset, and a pause it lost is not filled by a turn
    gyr = bridge_gaps(recording.gyr) if recording.gyr is not None else None
    gyr_read: npt.NDArray[np.bool_] | None = None
    if recording.gyr is not None and gyr is not recording.gyr:
        gyr_read = np.asarray(np.isfinite(recording.gyr).all(axis=1))
    # the trunk's yaw is the body's turning; a wrist or a thigh twists on its own
    trunk_gyr = gyr if recording.placement in TRUNK_PLACEMENTS else None
    members = _joined_across_turns(
        members, cand_idx, trunk_gyr, gyr_read, up, fs, params.bout_rules
    )
    walking_contacts = [cand_idx[m] for m in members]
    n_bouts = len(walking_contacts)
    # Each walk's rhythmic contacts give its values (cadence, stride length, speed, trunk
    # motion); the steps that stop it (rule 7 in gait/bouts.py) are its contacts and steps too
    rules = params.bout_rules
    stopping = (
        find_stopping_steps(
            vertical,
            fs,
            walking_contacts,
            most=rules.stopping_steps,
            window_steps=rules.stopping_window_steps,
            fine=fine,
        )
        if recording.placement in TRUNK_PLACEMENTS
        else [np.zeros(0, dtype=np.int64)] * n_bouts
    )
    del fine
    with_stops = [np.concatenate([w, s]) for w, s in zip(walking_contacts, stopping, strict=True)]
    ics, ic_bout = _contacts_and_bouts(with_stops)
    is_stopping = np.zeros(ics.size, dtype=bool)  # which of a bout's contacts stop it
    if n_bouts:
        is_stopping[:] = np.concatenate(
            [np.arange(c.size) >= w.size for w, c in zip(walking_contacts, with_stops, strict=True)]
        )
    ics_w, ic_bout_w = ics[~is_stopping], ic_bout[~is_stopping]  # the walks' rhythmic contacts
    b_start = np.array([c[0] for c in walking_contacts], dtype=np.int64)
    walk_stop = np.array([c[-1] + 1 for c in walking_contacts], dtype=np.int64)
    b_stop = np.array([c[-1] + 1 for c in with_stops], dtype=np.int64)
    walking = np.zeros(acc.shape[0], dtype=bool)
    for a, b in zip(b_start, walk_stop, strict=True):
        walking[a:b] = True
    same_w = ic_bout_w[1:] == ic_bout_w[:-1]
    same = ic_bout[1:] == ic_bout[:-1]
    median_step_s = (
        float(np.median(np.diff(ics_w)[same_w])) / fs
        if same_w.any()
        else 0.55  # a typical adult step; only used to tell AP from ML when nothing is walking
    )

    frame = body_frame(acc, fs, gravity=gravity, walking_mask=walking, step_period_s=median_step_s)
    leg, leg_note = _leg_length(recording, params)
    position = vertical_displacement(vertical, fs) if leg and ics.size else None
    # "up" per sample is the largest array; keep only what later steps need from it
    walk_up = _segment_means(up, b_start, walk_stop) if n_bouts else np.zeros((0, 3))
    if n_bouts:
        walk_up /= np.linalg.norm(walk_up, axis=1, keepdims=True)
    # the 1-s grid of quiet standing on the whole recording's seconds (samples), not the window's
    grid_start = -round(offset_s * fs) % max(1, round(fs))
    stand_up = _standing_per_bout(acc, up, fs, walking, b_start, walk_stop, walk_up, grid_start)
    gyr = gyr if ics.size else None
    handedness = frame_handedness(up, gyr, fs) if gyr is not None else 0.0
    del gravity, up
    velocity = forward_velocity(frame.ap, fs) if position is not None else None
    step_len_w = _step_lengths_by_contact(ics_w, ic_bout_w, position, velocity, leg)
    del position, velocity
    strides = _stride_table(ics_w, ic_bout_w, frame, step_len_w, gyr, fs)
    step_len_from = np.full(ics.size, np.nan)  # a stopping step's length is not a walk's
    step_len_from[~is_stopping] = step_len_w
    impact, impact_clipped = _impacts(
        frame, ics, fs, _clipped_at_analysis_rate(as_recorded, frame.vertical.size)
    )
    sides = foot_sides(frame.ml, gyr, frame.mean_up, frame.ap_unit, ics, ic_bout, fs, handedness)
    turns = _turns(gyr, frame.mean_up, b_start, walk_stop, fs, offset_s, gyr_read)

    per_bout = strides.groupby("bout_id").agg(
        cadence_spm=("cadence_spm", "mean"),
        stride_duration_s=("stride_duration_s", "median"),
        stride_length_m=("stride_length_m", "mean"),
        walking_speed_mps=("speed_mps", "mean"),
        harmonic_ratio_v=("harmonic_ratio_v", "median"),
        harmonic_ratio_ap=("harmonic_ratio_ap", "median"),
        harmonic_ratio_ml=("harmonic_ratio_ml", "median"),
        trunk_rom_sagittal_deg=("trunk_rom_sagittal_deg", "median"),
        trunk_rom_frontal_deg=("trunk_rom_frontal_deg", "median"),
        trunk_rom_transverse_deg=("trunk_rom_transverse_deg", "median"),
    )
    # every whole second of the bout, at its walking's pace: a stopping step 0.4 s after the
    # last is the walker settling, not a second at 150 steps/min
    per_second = per_second_cadence(
        ics_w / fs + offset_s, ic_bout_w, n_bouts, ends_s=(b_stop - 1) / fs + offset_s
    )
    sec_bounds = np.searchsorted(per_second["bout_id"].to_numpy(), np.arange(n_bouts + 1))
    sec_cadence = per_second["cadence_spm"].to_numpy()
    contact_bounds = np.searchsorted(ic_bout, np.arange(n_bouts + 1))

    # Per-bout medians, counts, lean and regularity, all bouts at once; only the
    # brisk-interval search takes one bout's cadence at a time.
    step_d = np.full(ics.size, np.nan)
    step_d[:-1][same] = np.diff(ics)[same] / fs
    alternates = np.full(ics.size, np.nan)  # this contact's side differs from the next one's
    alternates[:-1][same] = sides[1:][same] != sides[:-1][same]
    # the walk's step, impact and step-time ratio are its walking's, as its cadence is: a
    # stopping step is left out (its interval is the walker settling, and the regularity's
    # lag, this step, is looked for in the walk without it)
    walk_impact = np.where(is_stopping, np.nan, impact)
    # a clipped impact is known only to be at least the limit: above any unclipped one, so
    # the walk's median is still known while fewer than half its contacts clipped
    walk_impact[impact_clipped & ~is_stopping] = np.inf
    walk_step_d = step_d.copy()
    walk_step_d[:-1][is_stopping[1:]] = np.nan
    by_contact = pd.DataFrame(
        {"step_d": walk_step_d, "impact": walk_impact, "alternates": alternates}
    )
    grouped = by_contact.groupby(ic_bout)
    step_median = grouped["step_d"].median().to_numpy()
    impact_median = grouped["impact"].median().to_numpy(dtype=float, copy=True)
    impact_median[~np.isfinite(impact_median)] = np.nan
    impact[impact_clipped] = np.nan
    alternation = grouped["alternates"].mean().to_numpy()
    step_ratio = step_time_ratio(walk_step_d, sides, ic_bout, n_bouts)
    sec_bout = per_second["bout_id"].to_numpy(dtype=np.int64)
    moderate = np.bincount(sec_bout, sec_cadence >= MODERATE_SPM, minlength=n_bouts)
    vigorous = np.bincount(sec_bout, sec_cadence >= VIGOROUS_SPM, minlength=n_bouts)
    forward_lean = _lean_deg(stand_up, walk_up, frame.ap_unit)
    sideways_lean = _lean_deg(stand_up, walk_up, frame.ml_unit)
    regularity = autocorrelation_regularities(
        [vertical[a:b] for a, b in zip(b_start, walk_stop, strict=True)], fs, step_median
    )
    brisk_n = np.zeros(n_bouts, dtype=np.int64)
    brisk_s = np.zeros(n_bouts)
    for b in range(n_bouts):
        if sec_bounds[b + 1] - sec_bounds[b] >= BRISK_MIN_S:
            brisk = _brisk_intervals(sec_cadence[sec_bounds[b] : sec_bounds[b + 1]])
            brisk_n[b] = len(brisk)
            brisk_s[b] = float(sum(length for _, length in brisk))
    step_reg, stride_reg = regularity[:, 0], regularity[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        symmetry = np.where(stride_reg > 0, step_reg / stride_reg, np.nan)
    n_contacts = np.diff(contact_bounds)
    n_turns = (
        np.bincount(turns["bout_id"].to_numpy(dtype=np.int64), minlength=n_bouts).astype(float)
        if turns is not None
        else np.full(n_bouts, np.nan)
    )
    rows = {
        "bout_id": np.arange(n_bouts),
        "start_s": b_start / fs + offset_s,
        "end_s": (b_stop - 1) / fs + offset_s,
        "duration_s": (b_stop - 1 - b_start) / fs,
        "n_steps": n_contacts,
        "n_strides": n_contacts - 2,
        "step_duration_s": step_median,
        "step_regularity": step_reg,
        "stride_regularity": stride_reg,
        "step_symmetry": symmetry,
        "moderate_s": moderate.astype(float),
        "vigorous_s": vigorous.astype(float),
        "brisk_intervals": brisk_n,
        "brisk_s": brisk_s,
        "impact_mps2": impact_median,
        "forward_lean_deg": forward_lean,
        "sideways_lean_deg": sideways_lean,
        "alternation": alternation,
        "step_time_ratio": step_ratio,
        "n_turns": n_turns,
    }
    bouts = pd.DataFrame(rows, columns=[c for c in BOUT_COLUMNS if c not in per_bout.columns])
    bouts = (
        bouts.join(per_bout, on="bout_id")[BOUT_COLUMNS]
        if n_bouts
        else pd.DataFrame(columns=BOUT_COLUMNS)
    )
    stride_d = np.full(ics.size, np.nan)  # from this contact to the next of the same foot
    same2 = ic_bout[2:] == ic_bout[:-2]
    stride_d[:-2][same2] = (ics[2:] - ics[:-2])[same2] / fs
    steps = pd.DataFrame(
        {
            "bout_id": ic_bout,
            "ic_s": ics / fs + offset_s,
            "step_duration_s": step_d,
            "stride_duration_s": stride_d,
            "step_length_m": step_len_from,
            "cadence_spm": 60.0 / step_d,
            "impact_mps2": impact,
            "impact_clipped": impact_clipped,
            "side": sides,
            "stopping": is_stopping,
        },
        columns=STEP_COLUMNS,
    )
    on_trunk = recording.placement in TRUNK_PLACEMENTS
    if not on_trunk:
        bouts[TRUNK_BOUT_COLUMNS] = np.nan
        steps["step_length_m"] = np.nan
        steps["impact_mps2"] = np.nan
        steps["impact_clipped"] = False  # no impact is reported off the trunk
        turns = None
    with_posture = int(np.isfinite(stand_up[:, 0]).sum())
    turns_known = on_trunk and recording.has_gyr and (turns is not None or not n_bouts)
    summary = _summary(bouts, per_second, with_posture, leg_note, on_trunk, turns_known)
    # the recording as it was recorded (its rate and samples), with the analysis's notes
    meta = {**_recording_meta(as_recorded), "notes": list(recording.notes)}
    table = turns if turns is not None else pd.DataFrame(columns=TURN_COLUMNS)
    return WalkingAnalysis(meta, bouts, steps, per_second, summary, turns=table)


def _summary(
    bouts: pd.DataFrame,
    per_second: pd.DataFrame,
    with_posture: int,
    leg_note: str,
    on_trunk: bool,
    turns_known: bool,
) -> dict[str, Any]:
    """Recording totals from the bouts and per-second cadence.

    ``turns_known``: whether turns could be told (a gyroscope that reads, on the trunk);
    else ``n_turns`` is ``None``.
    """
    if not on_trunk:
        posture = "trunk lean not computed: the sensor was not on the trunk"
    elif with_posture:
        posture = (
            f"quiet standing within {STANDING_NEAR_WALK_S:g} s of the walk "
            f"({with_posture} of {len(bouts)} bout{'' if len(bouts) == 1 else 's'})"
        )
    else:
        posture = "no quiet standing next to a walk: trunk lean not computed"
    return {
        "n_bouts": len(bouts),
        "walking_s": float(bouts["duration_s"].sum()),
        "steps": int(bouts["n_steps"].sum()),
        "cadence_spm": (
            _nan_to_none(float(np.median(per_second["cadence_spm"]))) if len(per_second) else None
        ),
        "moderate_s": float(bouts["moderate_s"].sum()),
        "vigorous_s": float(bouts["vigorous_s"].sum()),
        "brisk_intervals": int(bouts["brisk_intervals"].sum()),
        "n_turns": int(np.nansum(bouts["n_turns"].to_numpy(dtype=float))) if turns_known else None,
        "posture_reference": posture,
        "stride_length_basis": leg_note,
    }


def _recording_meta(recording: RecordingInfo) -> dict[str, Any]:
    return {
        "name": recording.name,
        "device": recording.device,
        "placement": recording.placement,
        "sample_rate_hz": recording.sample_rate_hz,
        "n_samples": recording.n_samples,
        "duration_s": recording.duration_s,
        "start": recording.start.isoformat() if recording.start else None,
        "has_gyroscope": recording.has_gyr,
        "notes": list(recording.notes),
    }
