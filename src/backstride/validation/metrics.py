"""Agreement measures between detected and reference gait events and bouts.

- Initial contacts: one-to-one matching within a tolerance (default 0.25 s) that minimises the
  total timing difference (Hungarian assignment, as in mobgap's ``categorize_ic_list``),
  then precision, recall, F1 and the mean absolute timing error of matched pairs. Where the
  reference counted a contact but could not time it, a detection in that gap is neither
  right nor wrong and is left out of the scores (see :func:`match_contacts`).
- Walking time: sample-wise F1 of "inside a bout" between detection and reference, on a 100 Hz
  grid (Mobilise-D's gait-sequence evaluation does the same on samples).
- Per-bout values: Bland-Altman bias and 95% limits of agreement (Bland and Altman 1986).
- Bouts: each reference bout is matched to the detected bout that overlaps it most (at least
  one sample of overlap), and per-bout parameters are compared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from backstride.validation.references import UntimedGap

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ContactAgreement:
    """Agreement of detected with reference initial contacts."""

    n_detected: int
    n_reference: int
    n_matched: int
    abs_errors_s: tuple[float, ...]
    #: ``(detected index, reference index)`` of every matched pair, in detection order.
    pairs: tuple[tuple[int, int], ...] = ()
    #: Detected contacts that fall where the reference counted a contact it could not time:
    #: they can be neither confirmed nor refuted, so precision and F1 leave them out.
    n_unverifiable: int = 0
    #: Indices of those detected contacts (empty for pooled agreements).
    unverifiable: tuple[int, ...] = ()

    @property
    def n_scored(self) -> int:
        """Detected contacts that the reference can confirm or refute."""
        return self.n_detected - self.n_unverifiable

    @property
    def precision(self) -> float:
        """Matched share of the detected contacts the reference can judge."""
        return self.n_matched / self.n_scored if self.n_scored else float("nan")

    @property
    def recall(self) -> float:
        """Matched share of reference contacts."""
        return self.n_matched / self.n_reference if self.n_reference else float("nan")

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (2 TP / (detected + reference))."""
        total = self.n_scored + self.n_reference
        return 2 * self.n_matched / total if total else float("nan")

    @property
    def mean_abs_error_s(self) -> float:
        """Mean absolute timing error of matched contacts, s."""
        return float(np.mean(self.abs_errors_s)) if self.abs_errors_s else float("nan")


def _independent_groups(
    detected: Array, reference: Array, tolerance_s: float
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Indices of detected and reference contacts in groups no pair within tolerance crosses.

    Contacts are cut wherever more than ``tolerance_s`` passes without one of either kind:
    two contacts on either side of such a gap cannot be matched, so each group is matched on
    its own. Only groups with contacts of both kinds are returned.
    """
    times = np.concatenate([detected, reference])
    order = np.argsort(times, kind="stable")
    cuts = np.flatnonzero(np.diff(times[order]) > tolerance_s) + 1
    groups = []
    for members in np.split(order, cuts):
        det = members[members < detected.size]
        ref = members[members >= detected.size] - detected.size
        if det.size and ref.size:
            groups.append((det, ref))
    return groups


def match_contacts(
    detected_s: Sequence[float] | Array,
    reference_s: Sequence[float] | Array,
    tolerance_s: float = 0.25,
    untimed: Sequence[UntimedGap | tuple[float, float, int]] = (),
) -> ContactAgreement:
    """Match detected to reference contacts one-to-one within ``tolerance_s``.

    The assignment is solved per group of contacts that lie within ``tolerance_s`` of each
    other in a chain (:func:`_independent_groups`), which finds as many matches with the
    same total timing error as one assignment over all of them: a 2.5-h recording with
    10,000 contacts of each kind would otherwise need a matrix of every pair (800 MB, and
    seconds to solve).

    ``untimed`` lists contacts the reference counted but could not time, as
    :class:`~backstride.validation.references.UntimedGap` runs between their timed
    neighbours (the INDIP reference writes NaN there, e.g. ``72.29, NaN, 74.77``; a plain
    ``(after_s, before_s, count)`` is a run between two timed contacts). Up to ``count``
    unmatched detections strictly inside such a gap, and more than ``tolerance_s`` from both
    neighbours (so not a double detection of one of them), are *unverifiable*: they are not
    counted as false, since a contact the reference itself says is there may be exactly
    what was found, nor as true, since its time cannot be checked. The untimed reference
    contacts are not counted as missed either; they are not in ``reference_s``. Where a run
    opens or closes its bout, that end is the bout's start or end, where the outermost
    untimed contact lies (a bout runs from its first contact to its last): detections
    within ``tolerance_s`` of it count as inside. The run says so itself
    (``opens_bout``, ``closes_bout``), so a caller may pass only some of the reference's
    timed contacts (those inside a capture volume, say).
    """
    det = np.asarray(detected_s, dtype=np.float64)
    ref = np.asarray(reference_s, dtype=np.float64)
    matched_det = np.zeros(det.size, dtype=bool)
    found: list[tuple[int, int, float]] = []
    big = 1e6
    for det_at, ref_at in _independent_groups(det, ref, tolerance_s):
        cost = np.abs(det[det_at, None] - ref[None, ref_at])
        masked = np.where(cost <= tolerance_s, cost, big)
        rows, cols = linear_sum_assignment(masked)
        ok = masked[rows, cols] <= tolerance_s
        found.extend(
            (int(det_at[i]), int(ref_at[j]), float(cost[i, j]))
            for i, j in zip(rows[ok], cols[ok], strict=True)
        )
    found.sort()  # in detection order
    pairs = tuple((i, j) for i, j, _ in found)
    errors = tuple(e for _, _, e in found)
    matched_det[[i for i, _ in pairs]] = True
    unverifiable: list[int] = []
    free = np.flatnonzero(~matched_det)

    for gap in untimed:
        run = UntimedGap(*gap)
        low = run.after_s + (-tolerance_s if run.opens_bout else tolerance_s)
        high = run.before_s + (tolerance_s if run.closes_bout else -tolerance_s)
        inside = free[(det[free] > low) & (det[free] < high)][: int(run.n_contacts)]
        unverifiable.extend(int(i) for i in inside)
        # runs at the ends of two bouts less than 2 tolerances apart reach over the same
        # detections; each is unverifiable once, or precision exceeds 1
        free = np.setdiff1d(free, inside, assume_unique=True)
    return ContactAgreement(
        int(det.size),
        int(ref.size),
        len(pairs),
        errors,
        pairs,
        n_unverifiable=len(unverifiable),
        unverifiable=tuple(sorted(unverifiable)),
    )


#: Where a contact falls, for :func:`contacts_by_place`, in the order reports list them.
PLACES = ("straight", "turns", "ends", "outside")


@dataclass(frozen=True)
class PlaceCounts:
    """Contacts in one kind of place: the reference's, how many were found, and extras."""

    reference: int = 0
    found: int = 0
    extra: int = 0
    #: Sum of the absolute timing errors of the contacts found here, s.
    abs_error_s: float = 0.0

    def __add__(self, other: PlaceCounts) -> PlaceCounts:
        return PlaceCounts(
            self.reference + other.reference,
            self.found + other.found,
            self.extra + other.extra,
            self.abs_error_s + other.abs_error_s,
        )

    @property
    def recall(self) -> float:
        """Found share of the reference's contacts here."""
        return self.found / self.reference if self.reference else float("nan")

    @property
    def mean_abs_error_s(self) -> float:
        """Mean absolute timing error of the contacts found here, s."""
        return self.abs_error_s / self.found if self.found else float("nan")


def contacts_by_place(
    agreement: ContactAgreement,
    detected_s: Sequence[float],
    reference_s: Sequence[float],
    bout_contacts_s: Sequence[Sequence[float]],
    turns_s: Sequence[tuple[float, float]],
    tolerance_s: float = 0.25,
) -> dict[str, PlaceCounts]:
    """Split a contact agreement by where along the walks the contacts fall.

    Places: ``ends``, the first and last contact of each reference bout (starting and
    stopping); ``turns``, inside a turn the reference marks; ``straight``, the rest of a
    reference bout; ``outside``, a detection away from every reference bout (more than
    ``tolerance_s`` before its first or after its last contact: walking the reference does
    not count, or steps beyond its ends). A missed reference contact is placed by its own
    time, an extra detection by its time, with its bout's first and last step intervals
    counting as ``ends``. Unverifiable detections (see :func:`match_contacts`) are left out,
    as precision leaves them out.

    Parameters
    ----------
    agreement
        The matching of ``detected_s`` with ``reference_s``.
    detected_s, reference_s
        The contact times that were matched, s.
    bout_contacts_s
        Each reference bout's contact times, s.
    turns_s
        ``(start s, end s)`` of each turn the reference marks.
    """
    bouts = [sorted(b) for b in bout_contacts_s if len(b)]

    def in_turn(t: float) -> bool:
        return any(a <= t <= b for a, b in turns_s)

    place_of_ref: dict[float, str] = {}
    for contacts in bouts:
        for k, t in enumerate(contacts):
            edge = k in (0, len(contacts) - 1)
            place_of_ref[t] = "ends" if edge else "turns" if in_turn(t) else "straight"
    counts = dict.fromkeys(PLACES, PlaceCounts())
    error_of = {j: e for (_, j), e in zip(agreement.pairs, agreement.abs_errors_s, strict=True)}
    for j, t in enumerate(reference_s):
        place = place_of_ref.get(t, "turns" if in_turn(t) else "straight")
        counts[place] += PlaceCounts(
            reference=1, found=int(j in error_of), abs_error_s=error_of.get(j, 0.0)
        )
    matched = {i for i, _ in agreement.pairs} | set(agreement.unverifiable)
    for i, t in enumerate(detected_s):
        if i in matched:
            continue
        bout = next((c for c in bouts if c[0] - tolerance_s <= t <= c[-1] + tolerance_s), None)
        if bout is None:
            place = "outside"
        elif in_turn(t):
            place = "turns"
        elif len(bout) < 3 or t < bout[1] or t > bout[-2]:
            place = "ends"
        else:
            place = "straight"
        counts[place] += PlaceCounts(extra=1)
    return counts


def intervals_to_mask(
    intervals: Sequence[tuple[float, float]], duration_s: float, rate_hz: float = 100.0
) -> npt.NDArray[np.bool_]:
    """Boolean mask on a ``rate_hz`` grid, true inside any ``(start_s, end_s)`` interval."""
    n = max(1, round(duration_s * rate_hz))
    mask = np.zeros(n, dtype=bool)
    for start, end in intervals:
        a = max(0, round(start * rate_hz))
        b = min(n, round(end * rate_hz) + 1)
        if b > a:
            mask[a:b] = True
    return mask


@dataclass(frozen=True)
class WalkingTimeAgreement:
    """Sample-wise agreement of walking vs not walking."""

    true_positive_s: float
    detected_s: float
    reference_s: float

    @property
    def f1(self) -> float:
        """Sample-wise F1 of walking."""
        total = self.detected_s + self.reference_s
        return 2 * self.true_positive_s / total if total else float("nan")


def walking_time_agreement(
    detected: Sequence[tuple[float, float]],
    reference: Sequence[tuple[float, float]],
    duration_s: float,
    rate_hz: float = 100.0,
) -> WalkingTimeAgreement:
    """Compare the time covered by detected and reference bouts."""
    d = intervals_to_mask(detected, duration_s, rate_hz)
    r = intervals_to_mask(reference, duration_s, rate_hz)
    return WalkingTimeAgreement(
        float((d & r).sum() / rate_hz), float(d.sum() / rate_hz), float(r.sum() / rate_hz)
    )


def match_bouts(
    detected: Sequence[tuple[float, float]], reference: Sequence[tuple[float, float]]
) -> list[int | None]:
    """For each reference bout, the index of the detected bout overlapping it most, or None."""
    out: list[int | None] = []
    for rs, re_ in reference:
        best, best_overlap = None, 0.0
        for k, (ds, de) in enumerate(detected):
            overlap = min(re_, de) - max(rs, ds)
            if overlap > best_overlap:
                best, best_overlap = k, overlap
        out.append(best)
    return out


def match_turns(
    detected: Sequence[tuple[float, float]], reference: Sequence[tuple[float, float]]
) -> list[tuple[int, int]]:
    """Detected and reference turns paired one to one by overlap, largest overlaps first.

    Returns ``(detected index, reference index)`` pairs in reference order. Two turns pair
    when their spans overlap at all: a reference's turn boundaries are its own convention
    (INDIP's and the motion capture's differ by up to 2 s on the same turn), so the angle,
    not the edges, is what is compared.
    """
    overlaps = sorted(
        (
            (min(re_, de) - max(rs, ds), k, j)
            for j, (rs, re_) in enumerate(reference)
            for k, (ds, de) in enumerate(detected)
            if min(re_, de) > max(rs, ds)
        ),
        reverse=True,
    )
    used_d: set[int] = set()
    used_r: set[int] = set()
    pairs = []
    for _, k, j in overlaps:
        if k not in used_d and j not in used_r:
            used_d.add(k)
            used_r.add(j)
            pairs.append((k, j))
    return sorted(pairs, key=lambda p: p[1])


@dataclass(frozen=True)
class Agreement:
    """Bland-Altman summary of paired measurements."""

    n: int
    bias: float
    lower: float
    upper: float


def limits_of_agreement(
    detected: Sequence[float] | npt.NDArray[np.float64],
    reference: Sequence[float] | npt.NDArray[np.float64],
) -> Agreement:
    """Bias and 95% limits of agreement (bias +- 1.96 SD of the differences).

    With fewer than two pairs the SD is undefined and the limits are NaN.
    """
    d = np.asarray(detected, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    if d.size == 0:
        return Agreement(0, math.nan, math.nan, math.nan)
    bias = float(d.mean())
    sd = float(d.std(ddof=1)) if d.size > 1 else math.nan
    return Agreement(int(d.size), bias, bias - 1.96 * sd, bias + 1.96 * sd)
