"""When the sensor was not worn: the accelerometer held still for an hour or more.

A multi-day recording holds hours when the sensor lay on a table or a bedside: a day
without walking then says nothing of the walker. The rule is van Hees et al.'s, as GGIR
applies it (van Hees et al. 2011, PLoS ONE 6:e22922; 2013, PLoS ONE 8:e61691): the
recording is judged in 15-minute blocks, each from the hour of signal centred on it, and a
block is *not worn* where in that hour at least two of the three axes have a standard
deviation below 13 mg, or at least two have a range below 50 mg. Worn on the body, even in
sleep or sitting still, breathing, posture shifts and small movements keep at least two
axes above both; at rest on a surface only sensor noise (a few mg) remains. The block and
its hour are GGIR's ``detect_nonwear_clipping`` with ``nonwear_approach = "2013"``; GGIR's
later step that relabels short worn stretches between not-worn ones (its edge correction)
is not applied: a stretch that moves was worn.

Rules:

- Blocks are counted from the recording's first sample; the hour around a block is moved
  inward at the recording's ends so that it always spans an hour.
- A recording shorter than an hour is not judged (``None``): the rule needs an hour.
- A block without a single reading (a gap in the file) is not worn: nothing was measured.
- Only whole sample rows count (all three axes finite).

A long recording is handed over a window at a time; :class:`WearStatistics` keeps per
7.5-minute sums (count, sum, sum of squares, least and greatest value per axis), from
which any hour's standard deviation and range follow exactly, so memory does not grow with
the samples.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from backstride.recording import STANDARD_GRAVITY, FloatArray

#: Judged block, s (GGIR's second window size).
BLOCK_S = 900.0
#: The signal around a block that judges it, s (GGIR's third window size).
WINDOW_S = 3600.0
#: Statistics are kept per this, s: the hour around a block is then a whole number of them.
SUB_BLOCK_S = BLOCK_S / 2
#: Standard deviation below which an axis is still, g (van Hees et al. 2013).
STILL_SD_G = 0.013
#: Range below which an axis is still, g (van Hees et al. 2013).
STILL_RANGE_G = 0.050
#: Axes that must be still for the block to be not worn.
STILL_AXES = 2

#: Columns of :attr:`~backstride.gait.pipeline.WalkingAnalysis.non_wear`.
NON_WEAR_COLUMNS = ["start_s", "end_s"]

_SUBS_PER_BLOCK = round(BLOCK_S / SUB_BLOCK_S)
_SUBS_PER_WINDOW = round(WINDOW_S / SUB_BLOCK_S)


class WearStatistics:
    """Per-7.5-minute statistics of a recording's acceleration, fed a part at a time."""

    def __init__(self) -> None:
        self._count: dict[int, int] = {}
        #: per 7.5-minute block, rows: sum, sum of squares, least and greatest value (g)
        self._stats: dict[int, FloatArray] = {}

    def add(
        self,
        acc: FloatArray,
        first_s: float,
        sample_rate_hz: float,
        from_s: float = 0.0,
        to_s: float = math.inf,
    ) -> None:
        """Take in the samples of ``acc`` (m/s^2) that lie in ``[from_s, to_s)``.

        ``first_s`` is the time of ``acc[0]`` from the recording's first sample. Each sample
        must be handed over once: consecutive parts give adjoining spans.
        """
        n = acc.shape[0]
        lo = max(0, math.ceil((from_s - first_s) * sample_rate_hz - 1e-9))
        hi = n if not math.isfinite(to_s) else math.ceil((to_s - first_s) * sample_rate_hz - 1e-9)
        hi = min(n, hi)
        if hi <= lo:
            return
        values = acc[lo:hi]
        # the first sample of each 7.5-minute block, as an index into ``values``
        t_lo, t_hi = first_s + lo / sample_rate_hz, first_s + (hi - 1) / sample_rate_hz
        first_sub, last_sub = math.floor(t_lo / SUB_BLOCK_S), math.floor(t_hi / SUB_BLOCK_S)
        subs = np.arange(first_sub, last_sub + 1)
        starts = np.ceil((subs * SUB_BLOCK_S - first_s) * sample_rate_hz - 1e-9).astype(np.int64)
        starts = np.clip(starts - lo, 0, hi - lo)
        starts[0] = 0
        keep = np.concatenate([np.diff(starts) > 0, [starts[-1] < hi - lo]])
        subs, starts = subs[keep], starts[keep]
        ends = np.append(starts[1:], hi - lo)
        for index, a, b in zip(subs.tolist(), starts.tolist(), ends.tolist(), strict=True):
            self._take(index, values[a:b])

    def _take(self, index: int, values: FloatArray) -> None:
        """Fold one 7.5-minute block's samples (m/s^2) into its statistics."""
        columns = np.ascontiguousarray(values.T)  # reductions along rows are faster
        if not np.isfinite(columns.sum()):
            columns = columns[:, np.isfinite(columns).all(axis=0)]
        count = columns.shape[1]
        if count == 0:
            low, high = np.full(3, np.inf), np.full(3, -np.inf)
        else:
            low, high = columns.min(axis=1), columns.max(axis=1)
        g = STANDARD_GRAVITY
        total_sq = np.einsum("ij,ij->i", columns, columns)
        stats = np.stack([columns.sum(axis=1) / g, total_sq / g**2, low / g, high / g])
        before = self._stats.get(index)
        if before is not None:  # the block's other part came with an earlier window
            count += self._count[index]
            stats = np.stack(
                [
                    before[0] + stats[0],
                    before[1] + stats[1],
                    np.minimum(before[2], stats[2]),
                    np.maximum(before[3], stats[3]),
                ]
            )
        self._count[index] = count
        self._stats[index] = stats

    def not_worn(self, duration_s: float) -> FloatArray | None:
        """Spans when the sensor was not worn, ``(k, 2)`` start and end, s.

        ``None`` if the recording is shorter than :data:`WINDOW_S` (not judged).
        """
        if duration_s < WINDOW_S:
            return None
        n_sub = math.ceil(duration_s / SUB_BLOCK_S - 1e-9)
        count = np.zeros(n_sub, dtype=np.int64)
        stats = np.zeros((n_sub, 4, 3))
        stats[:, 2], stats[:, 3] = np.inf, -np.inf  # no reading: no least or greatest value
        for index, c in self._count.items():
            if 0 <= index < n_sub:
                count[index], stats[index] = c, self._stats[index]
        sums, sums_sq, low, high = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
        n_blocks = math.ceil(n_sub / _SUBS_PER_BLOCK)
        first = np.arange(n_blocks) * _SUBS_PER_BLOCK - (_SUBS_PER_WINDOW - _SUBS_PER_BLOCK) // 2
        first = np.clip(first, 0, max(0, n_sub - _SUBS_PER_WINDOW))
        # running totals, so each block's hour is a difference of two
        c_cum = np.concatenate([[0], np.cumsum(count)])
        s_cum = np.vstack([np.zeros((1, 3)), np.cumsum(sums, axis=0)])
        q_cum = np.vstack([np.zeros((1, 3)), np.cumsum(sums_sq, axis=0)])
        last = first + _SUBS_PER_WINDOW
        n = (c_cum[last] - c_cum[first]).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (s_cum[last] - s_cum[first]) / n[:, None]
            variance = (q_cum[last] - q_cum[first]) / n[:, None] - mean * mean
        sd = np.sqrt(np.clip(variance, 0.0, None))
        window_low = np.stack([low[a:b].min(axis=0) for a, b in zip(first, last, strict=True)])
        window_high = np.stack([high[a:b].max(axis=0) for a, b in zip(first, last, strict=True)])
        still_sd = (sd < STILL_SD_G).sum(axis=1) >= STILL_AXES
        still_range = (window_high - window_low < STILL_RANGE_G).sum(axis=1) >= STILL_AXES
        block_count = np.add.reduceat(count, np.arange(0, n_sub, _SUBS_PER_BLOCK))
        off: npt.NDArray[np.bool_] = still_sd | still_range | (block_count == 0)
        return _spans(off, duration_s)


def _spans(off: npt.NDArray[np.bool_], duration_s: float) -> FloatArray:
    """Runs of ``True`` blocks as ``(k, 2)`` start and end times, clipped to the recording."""
    padded = np.concatenate([[False], off, [False]]).astype(np.int8)
    change = np.diff(padded)
    starts = np.flatnonzero(change == 1) * BLOCK_S
    ends = np.minimum(np.flatnonzero(change == -1) * BLOCK_S, duration_s)
    spans: FloatArray = np.column_stack([starts, ends]).astype(np.float64)
    return spans


def not_worn(acc: FloatArray, sample_rate_hz: float) -> FloatArray | None:
    """Spans of an in-memory recording when its sensor was not worn (see the module)."""
    duration_s = acc.shape[0] / sample_rate_hz
    if duration_s < WINDOW_S:
        return None  # not judged: no need to read the samples
    stats = WearStatistics()
    stats.add(acc, 0.0, sample_rate_hz)
    return stats.not_worn(duration_s)


def overlap_s(spans: FloatArray, start_s: float, end_s: float) -> float:
    """Seconds of ``[start_s, end_s)`` that the spans cover (they do not overlap)."""
    if spans.size == 0:
        return 0.0
    covered = np.minimum(spans[:, 1], end_s) - np.maximum(spans[:, 0], start_s)
    return float(np.clip(covered, 0.0, None).sum())


def not_worn_sentence(spans: pd.DataFrame | None, duration_s: float) -> str | None:
    """How long the sensor was not worn and when, for a person.

    ``None`` if it was worn throughout, or not judged (a recording under an hour).
    """
    if spans is None or spans.empty:
        return None
    rows = spans.to_dict(orient="records")
    lengths = [float(row["end_s"]) - float(row["start_s"]) for row in rows]
    longest = rows[lengths.index(max(lengths))]
    head = (
        f"not worn (still for an hour or more) {sum(lengths) / 3600:.1f} h of "
        f"{duration_s / 3600:.1f} h"
    )
    start, end = float(longest["start_s"]) / 3600, float(longest["end_s"]) / 3600
    if len(rows) == 1:
        return f"{head}, from {start:.2f} h to {end:.2f} h into the recording"
    return (
        f"{head}, in {len(rows)} spans; the longest {end - start:.1f} h, from "
        f"{start:.2f} h into the recording"
    )
