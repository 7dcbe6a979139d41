"""Initial contacts (heel strikes) from the vertical acceleration of the lower back.

Method
------
At initial contact the body's downward fall is stopped, which shows at the lower back as a
sharp rise to a peak of upward vertical acceleration (Zijlstra and Hof 2003; McCamley et al.
2012, Gait Posture 36:316-318, locate contacts from the same vertical signal after integration
and Gaussian continuous-wavelet differentiation). We follow the same physics in two scales:

1. *Coarse*: the vertical acceleration smoothed with a Gaussian of sigma 100 ms (equivalent to
   McCamley's integrate-then-differentiate with a Gaussian wavelet) has one dominant peak per
   step. Peaks at least 250 ms apart (a cadence ceiling of 240 steps/min) with a prominence of
   at least ``min_prominence_mps2`` (0.2 m/s^2) are step candidates. The floor is set by the
   slowest walking to be found, not by noise: the trunk rises and falls by ``h`` once per step,
   so its vertical acceleration at step frequency ``f`` is about ``h (2 pi f)^2``. Brisk
   walking (h 2-3 cm, f 1.8 Hz) gives 3 m/s^2; a slow, short-stepped walk (h 5-10 mm at
   0.8-1 Hz, 75 steps/min, as in frail or painful gait) only 0.13-0.4 m/s^2. Smoothed sensor
   noise is a few hundredths of a m/s^2, so the floor could be lower still; it is the rhythm
   rule in :mod:`backstride.gait.bouts` that rejects non-walking movement. Lowering the floor
   from 0.3 to 0.2 m/s^2 recovered slow and turning steps on the Mobilise-D daily-life trials
   (contact recall 0.72 -> 0.87) at no cost on the IPOL set (docs/validation.md).
2. *Fine*: within 200 ms before to 100 ms after each coarse peak, in the vertical
   acceleration smoothed with sigma 40 ms, the loading-response peak is the *first* hump
   after the fall's trough (see :func:`_first_loading_peak`), not simply the highest. The
   trunk's upward acceleration peaks while the fall is being arrested early in double
   support, a short, stable delay after heel strike; the contact is placed
   ``loading_delay_s`` (40 ms) before it. In asymmetric gait a second, higher hump follows
   on one side 0.15-0.2 s after contact (the other leg's push-off at the end of double
   support); taking the highest peak put those contacts 0.14 s late, every other step, on
   IPOL subjects 2 and 3, and tripled the step-time asymmetry BackStride reported
   (docs/validation.md). The delay was measured against foot-sensor references on the
   development recordings (median signed error 0 ms on the IPOL set, +10 ms on the
   Mobilise-D lab set, median absolute deviation 20 ms on both); the steepest-rise
   alternative had a spread of 70 ms on IPOL.
3. *Pace*: the search window is set for steps of up to ``design_step_s`` (0.55 s, about 110
   steps/min); for slower walking it stretches with the walk's step duration, up to twice
   (:func:`_pace_scale`). On the IPOL walks slowed 1.75-fold (every phase stretched alike,
   ``bench/slowed_walking.py``) the fixed window found 92.0% of straight-walking contacts
   with 74 extra; the stretched one 95.6% with 32 extra. The delay stays 40 ms: stretching it
   too lowered the timing error on those slowed walks (0.052 -> 0.039 s), which stretch
   every phase by construction, but not on real walks (0.041 s on the Mobilise-D lab set
   either way), and a fractional delay rounded to whole samples moved 3% of contacts by
   more than one sample between 50 and 100 Hz.

Candidates are not yet steps: :mod:`backstride.gait.bouts` keeps only those in a regular
walking rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal
from scipy.ndimage import gaussian_filter1d

from backstride.recording import FloatArray

IntArray = npt.NDArray[np.int64]

#: Shortest step, s: a cadence ceiling of 240 steps/min. No two contacts are closer; the
#: rhythm rule (:class:`backstride.gait.bouts.BoutRules`) joins no shorter step.
MIN_STEP_S = 0.25
#: Smallest prominence of a step's vertical-acceleration hump, m/s^2 ("Coarse" above).
MIN_PROMINENCE_MPS2 = 0.2
#: Gaussian smoothing (sigma) of the fine vertical signal the contact is placed in, s.
FINE_SIGMA_S = 0.04
#: Delay from initial contact to the loading-response peak, s ("Fine" above).
LOADING_DELAY_S = 0.04


@dataclass(frozen=True)
class ContactCandidates:
    """Step candidates found in a vertical acceleration signal.

    Attributes
    ----------
    index
        Sample index of each candidate initial contact.
    peak_index
        Sample index of the coarse (smoothed) vertical-acceleration peak of each candidate.
    prominence_mps2
        Prominence of that peak, m/s^2.
    fine_mps2
        The vertical signal smoothed with the fine sigma, in which the contacts were placed
        (:func:`find_stopping_steps` searches it too); ``None`` where no candidate was found.
    """

    index: IntArray
    peak_index: IntArray
    prominence_mps2: FloatArray
    fine_mps2: FloatArray | None = None


def detect_contact_candidates(
    vertical: FloatArray,
    fs: float,
    *,
    coarse_sigma_s: float = 0.10,
    fine_sigma_s: float = FINE_SIGMA_S,
    min_step_s: float = MIN_STEP_S,
    min_prominence_mps2: float = MIN_PROMINENCE_MPS2,
    search_before_s: float = 0.20,
    search_after_s: float = 0.10,
    loading_delay_s: float = LOADING_DELAY_S,
    first_peak_fraction: float = 0.5,
    design_step_s: float | None = 0.55,
    max_pace_scale: float = 2.0,
) -> ContactCandidates:
    """Find candidate initial contacts.

    Parameters
    ----------
    vertical
        Dynamic vertical acceleration, m/s^2, positive up.
    fs
        Sample rate, Hz.
    coarse_sigma_s, fine_sigma_s
        Gaussian smoothing of the coarse and fine signals, s.
    min_step_s
        Shortest step, s.
    min_prominence_mps2
        Smallest coarse-peak prominence, m/s^2.
    search_before_s, search_after_s
        Window around the coarse peak searched for the loading-response peak, s.
    loading_delay_s
        Delay from initial contact to the loading-response peak, s.
    first_peak_fraction
        The loading-response peak is the first local peak after the fall's trough that rises
        at least this fraction as far as the window's highest peak (see
        :func:`_first_loading_peak`).
    design_step_s
        The step duration the search window is set for, s. Where the walker's steps are
        longer, the window stretches in proportion (see :func:`_pace_scale`); ``None`` keeps
        it fixed. ``loading_delay_s`` does not stretch.
    max_pace_scale
        The most the window stretches.

    Returns
    -------
    ContactCandidates
    """
    empty = np.zeros(0, dtype=np.int64)
    if vertical.size < 3:
        return ContactCandidates(empty, empty, np.zeros(0))
    coarse = gaussian_filter1d(vertical, coarse_sigma_s * fs)
    peaks, props = signal.find_peaks(
        coarse, distance=max(1, round(min_step_s * fs)), prominence=min_prominence_mps2
    )
    if peaks.size == 0:
        return ContactCandidates(empty, empty, np.zeros(0))
    fine = gaussian_filter1d(vertical, fine_sigma_s * fs)
    pace = _pace_scale(peaks / fs, design_step_s, max_pace_scale)
    before = np.round(search_before_s * fs * pace).astype(np.int64)
    after = np.round(search_after_s * fs * pace).astype(np.int64)
    n = vertical.size
    # Vectorised search of the fine signal over each window [peak - before, peak + after]:
    # one row per peak, as wide as the widest window; a narrower window repeats its edge
    # samples, which adds no hump (a local peak must rise above its successor).
    offsets = np.arange(-int(before.max()), int(after.max()) + 1)
    within = np.clip(offsets[None, :], -before[:, None], after[:, None])
    windows = np.clip(peaks[:, None] + within, 0, n - 1)
    loading_peak = windows[
        np.arange(peaks.size), _first_loading_peak(fine[windows], first_peak_fraction)
    ]
    contact = np.clip(loading_peak - round(loading_delay_s * fs), 0, n - 1)
    prominence = props["prominences"].astype(np.float64)
    # Two coarse peaks 250-300 ms apart can share one loading peak, or find two a sample or
    # two apart (the search windows overlap, and at 30 Hz a window is a dozen samples): no
    # two contacts are closer than the shortest step, so of such a pair the one with the
    # larger prominence is kept. (A 30-Hz wrist file gave steps of 0.033 s, 1800 steps/min.)
    keep = _apart(contact, prominence, max(1, round(min_step_s * fs)))
    if not keep.all():
        contact, peaks, prominence = contact[keep], peaks[keep], prominence[keep]
    return ContactCandidates(contact.astype(np.int64), peaks.astype(np.int64), prominence, fine)


def _apart(index: IntArray, weight: FloatArray, distance: int) -> npt.NDArray[np.bool_]:
    """Which of the sorted ``index`` to keep so that kept ones are ``distance`` or more apart.

    The heaviest first, as :func:`scipy.signal.find_peaks` does for its ``distance``; only
    the clusters of close indices are visited (a day has tens of thousands of candidates and
    hardly any such clusters).
    """
    keep = np.ones(index.size, dtype=bool)
    close = np.flatnonzero(np.diff(index) < distance)
    if close.size == 0:
        return keep
    # clusters: runs of indices linked by close neighbours
    starts = close[np.r_[True, np.diff(close) > 1]]
    ends = close[np.r_[np.diff(close) > 1, True]] + 1
    for first, last in zip(starts, ends, strict=True):
        members = np.arange(first, last + 1)
        for k in members[np.argsort(-weight[members], kind="stable")]:
            if keep[k]:
                near = members[np.abs(index[members] - index[k]) < distance]
                keep[near[near != k]] = False
    return keep


#: How many intervals on either side of a coarse peak give its local step duration: about 16
#: steps, so it is the pace of the walk, not of one step.
PACE_NEIGHBOURS = 8


def _pace_scale(peak_s: FloatArray, design_step_s: float | None, most: float) -> FloatArray:
    """Per coarse peak, how much longer the walker's steps are than ``design_step_s``.

    Phases of the gait cycle last a roughly fixed share of it (loading response about 10% of
    the cycle, each double support 10-12%; Perry and Burnfield 2010, Gait Analysis, 2nd ed.),
    so at half the cadence the loading-response hump may lie twice as far from the smoothed
    step peak; a window set for brisk steps then cuts it off and takes the fall's trough or
    the other leg's push-off instead. The local step is the median interval between coarse
    peaks over :data:`PACE_NEIGHBOURS` intervals on either side (about 9 s of walking): the
    pace of the walk, which one pivot step of a turn or one pause does not set. Over two
    intervals either side, the turns of the Mobilise-D daily-life trials moved contacts and
    stride length got worse against INDIP (0.106 -> 0.121 m); over four, contact F1 fell
    (0.705 -> 0.693); eight was kept (docs/validation.md).

    The result is clipped to 1..``most``: the window stretches for slow walking but does not
    shrink for brisk walking, where the fixed one already fits (shrinking made no difference
    on the IPOL walks sped up 1.25-fold: contact F1 0.971 either way).
    """
    if design_step_s is None or peak_s.size < 2:
        return np.ones(peak_s.size)
    depth = PACE_NEIGHBOURS
    gaps = np.r_[np.full(depth, np.nan), np.diff(peak_s), np.full(depth, np.nan)]
    around = np.stack([gaps[k : k + peak_s.size] for k in range(2 * depth)], axis=1)
    local = np.nanmedian(around, axis=1)
    return np.asarray(np.clip(local / design_step_s, 1.0, most), dtype=np.float64)


#: How far the signal must dip after an earlier hump, as a fraction of the rise from the
#: trough to the highest peak, for that hump to count as a peak of its own.
SEPARATE_HUMP_DIP = 0.05

#: A shoulder on the rise: the slope falls to a local minimum of at most this fraction of the
#: rise's steepest slope, then steepens again (the loading hump merged into the push-off's).
SHOULDER_SLOPE = 0.2

#: How far up the rise (from the trough to the highest peak) a shoulder must lie to be the
#: loading response, not the fall's end or the arrest's onset.
SHOULDER_LEVEL = 0.7


def _first_loading_peak(w: FloatArray, fraction: float) -> IntArray:
    """Per row of ``w`` (the fine signal around each step), the index of the loading peak.

    The loading response is the *first* upward peak after the fall is arrested: the trough
    (the lowest point before the highest peak) is where the fall ends, and the first local
    peak after it that rises at least ``fraction`` as far as the highest one, and after which
    the signal dips by :data:`SEPARATE_HUMP_DIP` of that rise again, is taken. A
    later, higher hump within the same step comes from the other leg's push-off at the end of
    double support (contralateral toe-off, 10-15% of the gait cycle, 0.1-0.2 s after
    contact), not from this contact; taking the highest peak there places the contact that
    much late, on one side only, in asymmetric gait (measured on the IPOL set, see
    docs/validation.md).

    Where the two humps lie closer than the 40-ms smoothing can part, the loading hump is a
    *shoulder* on the way up to the push-off's: the rise's slope falls to a local minimum of
    at most :data:`SHOULDER_SLOPE` of its steepest, at least :data:`SHOULDER_LEVEL` of the
    way up, then steepens again. The flattest point of a shoulder is its peak. On IPOL subject
    3 most left contacts sat on the push-off (0.10-0.16 s late), so that a healthy walker's
    step-time ratio read 1.43 (reference 1.04) on trial 3-5. A bump that sensor rounding
    makes on a flat stretch (ActiLife's 3-decimal CSV) is not a hump of its own but lies on
    such a shoulder, which is found with or without it.
    """
    n_rows, width = w.shape
    idx = np.arange(width)[None, :]
    top = np.argmax(w, axis=1)
    before_top = idx <= top[:, None]
    trough = np.argmin(np.where(before_top, w, np.inf), axis=1)
    rows = np.arange(n_rows)
    rise = w[rows, top] - w[rows, trough]
    local = np.zeros_like(before_top)
    local[:, 1:-1] = (w[:, 1:-1] >= w[:, :-2]) & (w[:, 1:-1] > w[:, 2:])
    high = (w - w[rows, trough][:, None]) >= fraction * rise[:, None]
    # a hump of its own: the signal dips again before the highest peak (a flat shoulder on
    # the way up, which sensor rounding can turn into a "peak", is not one)
    up_to_top = np.where(before_top, w, np.inf)
    later_min = np.full_like(w, np.inf)
    later_min[:, :-1] = np.minimum.accumulate(up_to_top[:, ::-1], axis=1)[:, ::-1][:, 1:]
    separate = later_min <= w - SEPARATE_HUMP_DIP * rise[:, None]
    # a shoulder: the slope's local minimum on the rise, well below its steepest
    slope = np.zeros_like(w)
    slope[:, :-1] = np.diff(w, axis=1)
    rising = (idx >= trough[:, None]) & (idx < top[:, None])
    steepest = np.max(np.where(rising, slope, -np.inf), axis=1, initial=-np.inf)
    flattest = np.zeros_like(before_top)
    flattest[:, 1:-1] = (slope[:, 1:-1] < slope[:, :-2]) & (slope[:, 1:-1] <= slope[:, 2:])
    shoulder = (
        flattest
        & rising
        & (slope <= SHOULDER_SLOPE * steepest[:, None])
        & ((w - w[rows, trough][:, None]) >= SHOULDER_LEVEL * rise[:, None])
    )
    ok = ((local & separate) | shoulder) & high & (idx > trough[:, None]) & before_top
    ok[rows, top] = True
    return np.asarray(np.argmax(ok, axis=1), dtype=np.int64)


def find_stopping_steps(
    vertical: FloatArray,
    fs: float,
    walks: list[IntArray],
    *,
    most: int = 2,
    window_steps: tuple[float, float] = (0.7, 1.4),
    min_prominence_mps2: float = MIN_PROMINENCE_MPS2,
    fine_sigma_s: float = FINE_SIGMA_S,
    loading_delay_s: float = LOADING_DELAY_S,
    min_step_s: float = MIN_STEP_S,
    fine: FloatArray | None = None,
) -> list[IntArray]:
    """The steps that bring each walk to a stop, after its last rhythmic contact.

    A walker stops over one or two steps: a braking step and the step that brings the
    trailing foot beside the other (gait termination; Sparrow and Tirosh 2005, Gait Posture
    22:362-371). The body is already slowing, so these contacts load the trunk weakly: the
    coarse (100-ms) vertical peak that :func:`detect_contact_candidates` needs is under its
    floor or missing, and the rhythm rule of :mod:`backstride.gait.bouts` ends the walk
    before them. Foot sensors mark them: on the IPOL set 27 of 68 first and last contacts
    were missed this way, and the motion capture of the Mobilise-D lab set has the closing
    step that INDIP's bout leaves out (docs/validation.md, "Stopping steps").

    After a walk's last contact the search looks for the first hump of the fine (40-ms)
    vertical signal with a prominence of at least ``min_prominence_mps2`` (the candidates'
    floor), between ``window_steps`` times the walk's median step after the previous
    contact. Stopping steps do not come sooner than the walk's steps: on the IPOL set the
    foot sensors' last interval of a walk is 0.76-1.11 median steps (10th-90th percentile of
    34 walks; the one before it 0.91-1.21), so a hump sooner is the last step's settling, and
    one later than 1.4 steps is not part of the walk. The contact is placed
    ``loading_delay_s`` before the hump, as for the walk's other contacts. Having found one,
    it looks once more after it, up to ``most``. The search stops short of the next walk's
    first contact by ``min_step_s``.

    Parameters
    ----------
    vertical
        Dynamic vertical acceleration, m/s^2, positive up.
    fs
        Sample rate, Hz.
    walks
        Each walk's contacts (sample indices, sorted), the walks in time order.
    most
        The most stopping steps per walk.
    window_steps
        Where the next stopping step may lie, in the walk's median steps after the previous
        contact.
    min_prominence_mps2
        Smallest prominence of the fine signal's hump, m/s^2.
    fine_sigma_s, loading_delay_s, min_step_s
        As for :func:`detect_contact_candidates`.
    fine
        ``vertical`` already smoothed with ``fine_sigma_s``
        (:attr:`ContactCandidates.fine_mps2`), so as not to smooth it twice.

    Returns
    -------
    list of arrays
        For each walk, the sample indices of its stopping steps (possibly none), in order.
    """
    empty = np.zeros(0, dtype=np.int64)
    walking = [k for k, w in enumerate(walks) if w.size >= 2] if most >= 1 else []
    if not walking:
        return [empty] * len(walks)
    n = vertical.size
    delay = round(loading_delay_s * fs)
    gap = max(1, round(min_step_s * fs))
    # all walk ends at once, one stopping step per round: a day has thousands of walks, and
    # smoothing and searching each end on its own cost about 1 s of 9 per 24 h
    if fine is None:
        fine = gaussian_filter1d(vertical, fine_sigma_s * fs)
    margin = int(4.0 * fine_sigma_s * fs) + 2  # prominences are measured this far around
    ends = np.array(walking, dtype=np.int64)
    # each walk's median step, grouped as the pipeline takes its bouts' medians
    intervals = [np.diff(walks[k]) for k in ends]
    walk_of = np.repeat(np.arange(ends.size), [d.size for d in intervals])
    step = pd.Series(np.concatenate(intervals)).groupby(walk_of).median().to_numpy(dtype=float)
    first_of = np.array([w[0] if w.size else n - 1 + gap for w in walks[1:]] + [n - 1 + gap])
    until = first_of[ends] - gap  # short of the next walk, or the signal's end
    last = np.array([walks[k][-1] for k in ends], dtype=np.int64)
    extra: list[list[int]] = [[] for _ in walks]
    for _ in range(most):
        lo = last + np.ceil(window_steps[0] * step).astype(np.int64)
        hi = np.minimum(np.minimum(until, n - 1), last + (window_steps[1] * step).astype(np.int64))
        hump = _first_humps(fine, lo, hi, margin, min_prominence_mps2)
        contact = np.maximum(last + gap, hump - delay)
        go = (hi - lo >= 2) & (hump >= 0) & (contact <= until)
        for k, c in zip(ends[go], contact[go], strict=True):
            extra[k].append(int(c))
        ends, step, until, last = ends[go], step[go], until[go], contact[go]
        if ends.size == 0:
            break
    return [np.asarray(e, dtype=np.int64) for e in extra]


def _first_humps(
    fine: FloatArray, lo: IntArray, hi: IntArray, margin: int, min_prominence: float
) -> IntArray:
    """The first hump of ``fine`` in each window ``[lo, hi]``, or -1 where none is.

    A hump is a local peak (:func:`scipy.signal.find_peaks`) whose prominence, measured
    within the window and ``margin`` samples either side (cut at the signal's ends), is at
    least ``min_prominence``. The windows are searched in one call: each one's stretch of
    the signal is laid end to end with the next, divided by an infinite sample. A peak's
    prominence is bounded by the first higher sample on each side, so the divider ends its
    search where the stretch's own end would, and no stretch's edge is a peak (it does not
    fall, or rise, to the divider).
    """
    n = fine.size
    a = np.maximum(0, lo - margin)
    b = np.maximum(a, np.minimum(n, hi + margin + 1))
    length = b - a
    begin = np.cumsum(length + 1) - (length + 1)  # where each stretch starts when joined
    owner = np.repeat(np.arange(lo.size), length)
    within = np.arange(owner.size) - np.repeat(begin - np.arange(lo.size), length)
    joined = np.full(int((length + 1).sum()), np.inf)
    joined[begin[owner] + within] = fine[a[owner] + within]
    peaks, _ = signal.find_peaks(joined)
    stretch = np.searchsorted(begin, peaks, side="right") - 1
    at = peaks - begin[stretch]  # place within the stretch (its divider at ``length``)
    index = a[stretch] + at
    ok = (at < length[stretch]) & (index >= lo[stretch]) & (index <= hi[stretch])
    peaks, stretch, index = peaks[ok], stretch[ok], index[ok]
    if peaks.size:
        high = signal.peak_prominences(joined, peaks)[0] >= min_prominence
        stretch, index = stretch[high], index[high]
    first = np.full(lo.size, -1, dtype=np.int64)
    which, at_first = np.unique(stretch, return_index=True)  # peaks are in order
    first[which] = index[at_first]
    return first
