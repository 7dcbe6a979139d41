"""``backstride validate``: agreement with independent references, per recording and overall.

Layouts recognised in a dataset folder (searched recursively):

- Mobilise-D: ``<participant>/data.mat`` with ``<Test>-<Trial>.reference.json`` beside it
  (INDIP reference exported per trial; for a trial without one, the INDIP reference inside
  ``data.mat``); a trial whose reference has no bouts, or whose lower-back data cannot be
  read, is listed as skipped with the reason. Where
  ``data.mat`` also holds the lab's optical motion capture (``Standards.Stereophoto``),
  each trial is compared with it too, as the
  dataset ``mobilised-stereo``: only inside the capture volume, i.e. contacts within its
  bouts, and per-bout values; walking time is not compared there.
- Mobilise-D per-trial exports without ``data.mat``: ``<Test>-<Trial>.imu.csv`` beside its
  ``<Test>-<Trial>.reference.json`` (rate, start and heights from the JSON,
  :mod:`backstride.io.mobilised_export`), compared with that INDIP reference; the exports
  hold no turns and no motion capture, so contacts in turns count as straight walking.
- IPOL (Voisard et al. 2023): ``GaitData/<s>-<t>_lb.txt`` with ``<s>-<t>.json`` (or
  ``<s>-<t>_meta.json``; names in any case, in any subfolder), scored within the protocol's
  trial (``TrialBoundaries``; contacts, walking time and moderate seconds), since steps
  after it are marked unevenly. A trial without its JSON, or whose events cannot be scored
  as they stand (a foot with none, a toe-off after its heel strike, an event outside the
  recording), is listed as skipped with the reason.
- Phone step counts (Oxford step-counter set): phone CSVs (with or without a header row)
  whose last columns are cumulative step counts; the ground-truth device's count is the
  reference.

Overall figures pool contacts over recordings (F1 = 2 TP / (detected + reference)), pool
samples for walking time, and average per-bout errors over all matched reference bouts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from backstride.exceptions import BackstrideError, InputNotFoundError, InvalidInputError
from backstride.gait.pipeline import (
    MODERATE_SPM,
    AnalysisParameters,
    WalkingAnalysis,
    analyze,
    per_second_cadence,
    step_time_ratio,
)
from backstride.recording import Recording, validate_signal
from backstride.validation.metrics import (
    PLACES,
    ContactAgreement,
    PlaceCounts,
    contacts_by_place,
    match_bouts,
    match_contacts,
    match_turns,
    walking_time_agreement,
)
from backstride.validation.references import (
    Reference,
    ReferenceBout,
    UntimedGap,
    load_ipol_reference,
    load_mobilised_mat_reference_systems,
    load_mobilised_reference,
)

#: Targets from the issue that introduced validation (the bar the tests pin).
TARGETS = {
    "ic_f1_mobilised": 0.90,
    "ic_f1_ipol": 0.97,
    "ic_mae_s": 0.05,
    "walking_f1": 0.85,
    "cadence_mae_spm": 3.0,
    "stride_length_mae_m": 0.08,
    "speed_mae_mps": 0.08,
    "phone_mean_rel_error": 0.02,
    "phone_max_rel_error": 0.05,
}
#: Detected and reference contacts this close count as one (the issue's +-0.25 s).
CONTACT_TOLERANCE_S = 0.25


@dataclass
class RecordingResult:
    """Agreement for one recording."""

    dataset: str
    name: str
    contacts: ContactAgreement = field(default_factory=lambda: ContactAgreement(0, 0, 0, ()))
    walking_tp_s: float = 0.0
    walking_det_s: float = 0.0
    walking_ref_s: float = 0.0
    n_ref_bouts: int = 0
    n_matched_bouts: int = 0
    cadence_errors: list[float] = field(default_factory=list)
    cadence_ref: list[float] = field(default_factory=list)
    stride_length_errors: list[float] = field(default_factory=list)
    stride_length_ref: list[float] = field(default_factory=list)
    speed_errors: list[float] = field(default_factory=list)
    speed_ref: list[float] = field(default_factory=list)
    #: Per matched bout where both give one: |BackStride's step-time ratio - the
    #: reference's| (its own contacts and feet, the same rule), and the reference's ratio.
    step_time_ratio_errors: list[float] = field(default_factory=list)
    step_time_ratio_ref: list[float] = field(default_factory=list)
    steps_detected: int | None = None
    steps_reference: int | None = None
    #: Matched contacts whose foot both BackStride (left/right, from a gyroscope) and the
    #: reference give, and how many of them agree.
    side_scored: int = 0
    side_agreed: int = 0
    #: Seconds at moderate pace or faster (>= 100 steps/min) by BackStride and by the same
    #: per-second rule applied to the reference's contacts (recordings that the reference
    #: saw whole; ``None`` otherwise).
    moderate_det_s: float | None = None
    moderate_ref_s: float | None = None
    #: What was compared, kept for plots: contact times, bouts as (start, end), and per
    #: matched reference bout ``(measure, detected value, reference value)``.
    detected_contacts_s: tuple[float, ...] = ()
    reference_contacts_s: tuple[float, ...] = ()
    detected_bouts: tuple[tuple[float, float], ...] = ()
    reference_bouts: tuple[tuple[float, float], ...] = ()
    bout_values: list[tuple[str, float, float]] = field(default_factory=list)
    #: The contact agreement split by where the contacts fall (straight walking, turns, the
    #: ends of walks, outside the reference's walks; see
    #: :func:`~backstride.validation.metrics.contacts_by_place`).
    places: dict[str, PlaceCounts] = field(default_factory=dict)
    #: The reference's turns and BackStride's, ``(start s, end s)``, kept for plots.
    turns_s: tuple[tuple[float, float], ...] = ()
    detected_turns_s: tuple[tuple[float, float], ...] = ()
    #: Where the reference's protocol sets a course (:attr:`Reference.course_m`): its length,
    #: m, and BackStride's step lengths summed over the steps within the reference's span
    #: (``None`` where either is unknown, e.g. no body or sensor height).
    course_m: float | None = None
    distance_m: float | None = None
    #: Turns, where the reference marks them (``turns_reference`` ``None`` otherwise): its
    #: turns, BackStride's within the span it marked them in (its bouts, or the protocol's
    #: trial), and how many pair up (:func:`~backstride.validation.metrics.match_turns`).
    #: Per pair where the reference gives an angle: BackStride's size of the turn less the
    #: reference's, degrees, and, where its angle is signed, whether the direction agrees;
    #: and the signed start and end differences, s.
    turns_reference: int | None = None
    turns_detected: int = 0
    turns_matched: int = 0
    turn_angle_errors: list[float] = field(default_factory=list)
    turn_directions_scored: int = 0
    turn_directions_agreed: int = 0
    turn_start_errors: list[float] = field(default_factory=list)
    turn_end_errors: list[float] = field(default_factory=list)

    @property
    def ic_f1(self) -> float:
        """Initial-contact F1."""
        return self.contacts.f1

    @property
    def ic_precision(self) -> float:
        """Initial-contact precision."""
        return self.contacts.precision

    @property
    def ic_recall(self) -> float:
        """Initial-contact recall."""
        return self.contacts.recall

    @property
    def ic_mae_s(self) -> float:
        """Mean absolute timing error of matched contacts, s."""
        return self.contacts.mean_abs_error_s

    @property
    def walking_f1(self) -> float:
        """Sample-wise walking-time F1."""
        total = self.walking_det_s + self.walking_ref_s
        return 2 * self.walking_tp_s / total if total else float("nan")

    @property
    def side_agreement(self) -> float:
        """Share of matched contacts given the same foot as the reference."""
        return self.side_agreed / self.side_scored if self.side_scored else float("nan")

    @property
    def steps_rel_error(self) -> float:
        """Relative error of the step total (phone recordings)."""
        if self.steps_detected is None or not self.steps_reference:
            return float("nan")
        return (self.steps_detected - self.steps_reference) / self.steps_reference


def mean_or_nan(values: list[float]) -> float:
    """The mean of ``values``; NaN for none."""
    return float(np.mean(values)) if values else float("nan")


def mean_relative_error(errors: list[float], refs: list[float]) -> float:
    """The mean of each absolute error over its reference value (zero references left out)."""
    return mean_or_nan([e / r for e, r in zip(errors, refs, strict=True) if r])


@dataclass(frozen=True)
class Skipped:
    """A recording (or file) that could not be validated, and why (one sentence)."""

    name: str
    reason: str


@dataclass
class ValidationReport:
    """All recordings of a validation run and their pooled agreement."""

    results: list[RecordingResult]
    skipped: list[Skipped] = field(default_factory=list)

    def places(self, dataset: str | None = None) -> dict[str, PlaceCounts]:
        """Contacts by where they fall, summed over recordings (for one dataset kind or all)."""
        out = dict.fromkeys(PLACES, PlaceCounts())
        for r in self.results:
            if dataset is None or r.dataset == dataset:
                for place, counts in r.places.items():
                    out[place] += counts
        return out

    def pooled(self, dataset: str | None = None) -> dict[str, float]:
        """Overall figures, for one dataset kind or all."""
        rs = [r for r in self.results if dataset is None or r.dataset == dataset]
        contacts = ContactAgreement(
            sum(r.contacts.n_detected for r in rs),
            sum(r.contacts.n_reference for r in rs),
            sum(r.contacts.n_matched for r in rs),
            tuple(e for r in rs for e in r.contacts.abs_errors_s),
            n_unverifiable=sum(r.contacts.n_unverifiable for r in rs),
        )
        wtp = sum(r.walking_tp_s for r in rs)
        wdr = sum(r.walking_det_s + r.walking_ref_s for r in rs)
        cad = [e for r in rs for e in r.cadence_errors]
        sl = [e for r in rs for e in r.stride_length_errors]
        sp = [e for r in rs for e in r.speed_errors]
        phone = [abs(r.steps_rel_error) for r in rs if r.steps_detected is not None]
        phone_steps = [
            float(abs(r.steps_detected - r.steps_reference))
            for r in rs
            if r.steps_detected is not None and r.steps_reference is not None
        ]
        side_scored = sum(r.side_scored for r in rs)
        ratio_errors = [e for r in rs for e in r.step_time_ratio_errors]
        courses = [
            (r.distance_m, r.course_m)
            for r in rs
            if r.distance_m is not None and r.course_m is not None
        ]
        with_turns = [r for r in rs if r.turns_reference is not None]
        turn_ref = sum(r.turns_reference or 0 for r in with_turns)
        turn_det = sum(r.turns_detected for r in with_turns)
        turn_hit = sum(r.turns_matched for r in with_turns)
        turn_angle = [e for r in with_turns for e in r.turn_angle_errors]
        turn_dirs = sum(r.turn_directions_scored for r in with_turns)
        moderate_det = sum(r.moderate_det_s or 0.0 for r in rs)
        moderate_ref = sum(r.moderate_ref_s or 0.0 for r in rs)
        return {
            "recordings": float(len(rs)),
            "ic_precision": contacts.precision,
            "ic_recall": contacts.recall,
            "ic_f1": contacts.f1,
            "ic_unverifiable": float(contacts.n_unverifiable),
            "ic_mae_s": contacts.mean_abs_error_s,
            "walking_f1": 2 * wtp / wdr if wdr else float("nan"),
            "ref_bouts": float(sum(r.n_ref_bouts for r in rs)),
            "matched_bouts": float(sum(r.n_matched_bouts for r in rs)),
            "cadence_mae_spm": mean_or_nan(cad),
            "cadence_rel": mean_relative_error(cad, [c for r in rs for c in r.cadence_ref]),
            "stride_length_mae_m": mean_or_nan(sl),
            "stride_length_rel": mean_relative_error(
                sl, [c for r in rs for c in r.stride_length_ref]
            ),
            "speed_mae_mps": mean_or_nan(sp),
            "speed_rel": mean_relative_error(sp, [c for r in rs for c in r.speed_ref]),
            "side_agreement": (
                sum(r.side_agreed for r in rs) / side_scored if side_scored else float("nan")
            ),
            "step_time_ratio_mae": mean_or_nan(ratio_errors),
            "step_time_ratio_bouts": float(len(ratio_errors)),
            "moderate_detected_s": moderate_det,
            "moderate_reference_s": moderate_ref,
            "moderate_rel_error": (
                moderate_det / moderate_ref - 1.0 if moderate_ref else float("nan")
            ),
            "course_trials": float(len(courses)),
            "distance_mean_m": mean_or_nan([d for d, _ in courses]),
            "distance_min_m": min((d for d, _ in courses), default=float("nan")),
            "distance_max_m": max((d for d, _ in courses), default=float("nan")),
            "distance_rel_error": mean_or_nan([d / c - 1.0 for d, c in courses]),
            "turn_recordings": float(len(with_turns)),
            "turns_reference": float(turn_ref),
            "turns_detected": float(turn_det),
            "turns_matched": float(turn_hit),
            "turn_recall": turn_hit / turn_ref if turn_ref else float("nan"),
            "turn_precision": turn_hit / turn_det if turn_det else float("nan"),
            "turn_angle_mae_deg": mean_or_nan([abs(e) for e in turn_angle]),
            "turn_angle_bias_deg": mean_or_nan(turn_angle),
            "turn_angles_compared": float(len(turn_angle)),
            "turn_direction_agreement": (
                sum(r.turn_directions_agreed for r in with_turns) / turn_dirs
                if turn_dirs
                else float("nan")
            ),
            "turn_start_bias_s": mean_or_nan([e for r in with_turns for e in r.turn_start_errors]),
            "turn_end_bias_s": mean_or_nan([e for r in with_turns for e in r.turn_end_errors]),
            "phone_mean_abs_rel_error": mean_or_nan(phone),
            "phone_mean_abs_error_steps": mean_or_nan(phone_steps),
            "phone_max_abs_rel_error": max(phone) if phone else float("nan"),
        }


def compare(
    dataset: str, recording: Recording, analysis: WalkingAnalysis, reference: Reference
) -> RecordingResult:
    """Compare one analysis with its reference."""
    res = RecordingResult(dataset=dataset, name=recording.name)
    if reference.steps_total is not None:
        res.steps_detected = int(analysis.summary["steps"])
        res.steps_reference = int(reference.steps_total)
        return res
    detected = analysis.initial_contacts_s
    sides = [str(x) for x in analysis.steps["side"]]
    ref = [(b.start_s, b.end_s) for b in reference.bouts]
    # where the reference looked: contacts elsewhere are unseen, not wrong
    seen_spans = []
    if reference.covers_bouts_only:
        seen_spans = ref  # a motion-capture volume
    elif reference.window_s is not None:
        seen_spans = [reference.window_s]  # the span the reference annotated
    if seen_spans:
        spans = np.array(seen_spans).reshape(-1, 2) + np.array([-1.0, 1.0]) * CONTACT_TOLERANCE_S
        seen = [bool(((spans[:, 0] <= t) & (t <= spans[:, 1])).any()) for t in detected]
        detected = [t for t, ok in zip(detected, seen, strict=True) if ok]
        sides = [x for x, ok in zip(sides, seen, strict=True) if ok]
    res.detected_contacts_s = tuple(detected)
    res.reference_contacts_s = tuple(reference.initial_contacts_s)
    res.contacts = match_contacts(
        res.detected_contacts_s,
        res.reference_contacts_s,
        CONTACT_TOLERANCE_S,
        untimed=reference.untimed_contacts,
    )
    res.turns_s = tuple(reference.turns_s)
    res.detected_turns_s = tuple(
        zip(
            analysis.turns["start_s"].astype(float).tolist(),
            analysis.turns["end_s"].astype(float).tolist(),
            strict=True,
        )
    )
    res.places = contacts_by_place(
        res.contacts,
        res.detected_contacts_s,
        res.reference_contacts_s,
        [b.initial_contacts_s for b in reference.bouts],
        res.turns_s,
        CONTACT_TOLERANCE_S,
    )
    ref_sides = reference.contact_sides
    for ours_at, theirs_at in res.contacts.pairs:
        theirs = ref_sides.get(res.reference_contacts_s[theirs_at], "")
        if theirs and sides[ours_at] in ("L", "R"):  # A/B (no gyroscope) names no foot
            res.side_scored += 1
            res.side_agreed += sides[ours_at] == theirs
    det = list(
        zip(
            analysis.bouts["start_s"].astype(float).tolist(),
            analysis.bouts["end_s"].astype(float).tolist(),
            strict=True,
        )
    )
    res.detected_bouts, res.reference_bouts = tuple(det), tuple(ref)
    if not reference.covers_bouts_only:  # else walking time is not compared (nan)
        start, end = reference.window_s or (0.0, recording.duration_s)
        wt = walking_time_agreement(
            _clipped(det, start, end), _clipped(ref, start, end), end - start
        )
        res.walking_tp_s, res.walking_det_s, res.walking_ref_s = (
            wt.true_positive_s,
            wt.detected_s,
            wt.reference_s,
        )
        seconds = analysis.per_second["second"]
        moderate = analysis.per_second["cadence_spm"] >= MODERATE_SPM
        res.moderate_det_s = float((moderate & (seconds >= start) & (seconds <= end)).sum())
        res.moderate_ref_s = reference_moderate_s(reference)
    if reference.course_m is not None and reference.window_s is not None:
        res.course_m = reference.course_m
        res.distance_m = walked_distance_m(analysis, *reference.window_s)
    if reference.marks_turns:
        _compare_turns(res, analysis, reference)
    res.n_ref_bouts = len(ref)
    for ref_bout, k in zip(reference.bouts, match_bouts(det, ref), strict=True):
        if k is None:
            continue
        res.n_matched_bouts += 1
        our_ratio = float(analysis.bouts["step_time_ratio"].iloc[k])
        their_ratio = reference_step_time_ratio(ref_bout)
        if np.isfinite(our_ratio) and np.isfinite(their_ratio):
            res.step_time_ratio_errors.append(abs(our_ratio - their_ratio))
            res.step_time_ratio_ref.append(their_ratio)
        row = bout_values(analysis, k, reference, ref_bout)
        for attr, col, errs, refs in (
            ("cadence_spm", "cadence_spm", res.cadence_errors, res.cadence_ref),
            ("stride_length_m", "stride_length_m", res.stride_length_errors, res.stride_length_ref),
            ("walking_speed_mps", "walking_speed_mps", res.speed_errors, res.speed_ref),
        ):
            rv = getattr(ref_bout, attr)
            dv = float(row[col])
            if rv is not None and np.isfinite(dv):
                errs.append(abs(dv - rv))
                refs.append(rv)
                res.bout_values.append((attr, dv, rv))
    return res


def _compare_turns(res: RecordingResult, analysis: WalkingAnalysis, reference: Reference) -> None:
    """Fill ``res``'s turn agreement (see :class:`RecordingResult`).

    The reference marks turns only where it looked: within its bouts, or within the
    protocol's trial; a BackStride turn counts where it overlaps that span.
    """
    if analysis.summary.get("n_turns") is None:  # no gyroscope, or one that reads nothing
        return
    scope = (
        [reference.window_s]
        if reference.window_s is not None
        else [(b.start_s, b.end_s) for b in reference.bouts]
    )
    turns = analysis.turns
    spans = list(
        zip(
            turns["start_s"].astype(float).tolist(),
            turns["end_s"].astype(float).tolist(),
            strict=True,
        )
    )
    angles = turns["angle_deg"].astype(float).tolist()
    seen = [k for k, (a, b) in enumerate(spans) if any(min(b, e) > max(a, s) for s, e in scope)]
    theirs = reference.turns
    pairs = match_turns([spans[k] for k in seen], [(a, b) for a, b, _ in theirs])
    res.turns_reference = len(theirs)
    res.turns_detected = len(seen)
    res.turns_matched = len(pairs)
    for i, j in pairs:
        k = seen[i]
        start, end, angle = theirs[j]
        res.turn_start_errors.append(spans[k][0] - start)
        res.turn_end_errors.append(spans[k][1] - end)
        if angle is None:
            continue
        res.turn_angle_errors.append(abs(angles[k]) - abs(angle))
        if reference.turn_angles_signed and angle != 0:
            res.turn_directions_scored += 1
            res.turn_directions_agreed += (angles[k] > 0) == (angle > 0)


def bout_values(
    analysis: WalkingAnalysis, k: int, reference: Reference, ref_bout: ReferenceBout
) -> dict[str, float]:
    """Cadence, stride length and speed of detected bout ``k``, as its reference bout saw it.

    The whole bout's values, except where the reference saw only part of it: inside a
    motion-capture volume, the strides within the reference bout; for a walk that goes on
    past the span the reference annotated (an IPOL trial), its strides within that span.
    """
    bout = analysis.bouts.iloc[k]
    window = reference.window_s
    if reference.covers_bouts_only:
        return _strides_within(analysis, k, ref_bout.start_s, ref_bout.end_s)
    if window is not None and (bout["start_s"] < window[0] or bout["end_s"] > window[1]):
        return _strides_within(analysis, k, *window)
    return {m: float(bout[m]) for m in ("cadence_spm", "stride_length_m", "walking_speed_mps")}


def walked_distance_m(analysis: WalkingAnalysis, start_s: float, end_s: float) -> float | None:
    """BackStride's step lengths summed over the steps within ``[start_s, end_s]``, m.

    A step runs from one contact to the next of its bout; those whose two contacts lie
    within the span, widened by the contact tolerance, count. ``None`` where no step there has
    a length (no body or sensor height, or no steps).
    """
    steps = analysis.steps
    t = steps["ic_s"].to_numpy(dtype=float)
    length = steps["step_length_m"].to_numpy(dtype=float)
    bout = steps["bout_id"].to_numpy()
    lo, hi = start_s - CONTACT_TOLERANCE_S, end_s + CONTACT_TOLERANCE_S
    inside = np.zeros(t.size, dtype=bool)
    inside[:-1] = (t[:-1] >= lo) & (t[1:] <= hi) & (bout[1:] == bout[:-1])
    inside &= np.isfinite(length)
    return float(length[inside].sum()) if inside.any() else None


def _clipped(
    spans: list[tuple[float, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """``spans`` cut to ``[start, end]``, shifted to start at 0; those outside dropped."""
    return [(max(a, start) - start, min(b, end) - start) for a, b in spans if b > start and a < end]


def reference_step_time_ratio(bout: ReferenceBout) -> float:
    """The step-time ratio of a reference bout by BackStride's rule; ``NaN`` without feet.

    From the reference's own contacts and the foot of each
    (:func:`backstride.gait.pipeline.step_time_ratio`).
    """
    sides = np.asarray(bout.initial_contact_sides, dtype=str)
    if sides.size != len(bout.initial_contacts_s) or sides.size < 2:
        return float("nan")
    steps = np.append(np.diff(np.asarray(bout.initial_contacts_s, dtype=np.float64)), np.nan)
    return float(step_time_ratio(steps, sides, np.zeros(sides.size, dtype=np.int64), 1)[0])


def reference_moderate_s(reference: Reference) -> float:
    """Seconds at >= 100 steps/min by BackStride's per-second rule on the reference's contacts.

    A contact the reference counted but could not time is placed evenly between its timed
    neighbours: it happened, and leaving it out would halve the cadence of those seconds.
    Where a run of them reaches the bout's start or end, the outermost lies there: a bout
    runs from its first contact to its last.
    """
    contacts: list[float] = []
    bout_ids: list[int] = []
    for k, bout in enumerate(reference.bouts):
        times = list(bout.initial_contacts_s)
        for gap in bout.untimed_contacts:
            run = UntimedGap(*gap)
            at_start, at_end = run.opens_bout, run.closes_bout
            places = np.linspace(run.after_s, run.before_s, run.n_contacts + 2 - at_start - at_end)
            times.extend(
                places[(0 if at_start else 1) : len(places) - (0 if at_end else 1)].tolist()
            )
        contacts.extend(sorted(times))
        bout_ids.extend([k] * len(times))
    seconds = per_second_cadence(
        np.asarray(contacts, dtype=np.float64),
        np.asarray(bout_ids, dtype=np.int64),
        len(reference.bouts),
    )
    return float((seconds["cadence_spm"] >= MODERATE_SPM).sum())


def _strides_within(
    analysis: WalkingAnalysis, bout: int, start_s: float, end_s: float
) -> dict[str, float]:
    """Cadence, stride length and speed of a detected bout's strides within ``[start, end]``.

    ``bout`` is the bout's row in ``analysis.bouts``.

    Averaged as the bout's own values are (the mean over strides, the stopping steps left
    out), from the strides whose contacts both lie within the span, widened by the contact
    tolerance.
    """
    bout_id = analysis.bouts["bout_id"].iloc[bout]
    steps = analysis.steps[(analysis.steps["bout_id"] == bout_id) & ~analysis.steps["stopping"]]
    t = steps["ic_s"].to_numpy(dtype=float)
    step_len = steps["step_length_m"].to_numpy(dtype=float)
    lo, hi = start_s - CONTACT_TOLERANCE_S, end_s + CONTACT_TOLERANCE_S
    first = np.flatnonzero((t[:-2] >= lo) & (t[2:] <= hi))
    nan = float("nan")
    if first.size == 0:
        return {"cadence_spm": nan, "stride_length_m": nan, "walking_speed_mps": nan}
    duration = t[first + 2] - t[first]
    length = step_len[first] + step_len[first + 1]
    return {
        "cadence_spm": float(np.mean(120.0 / duration)),
        "stride_length_m": float(np.mean(length)),
        "walking_speed_mps": float(np.mean(length / duration)),
    }


def find_files(root: Path, pattern: str) -> list[Path]:
    """The files under ``root`` whose name matches ``pattern`` (case-sensitive), sorted.

    Folders that are symbolic links are followed, each real folder once: a data set
    assembled from links to where its parts lie (``study/ipol -> /data/ipol-lumbar``) was
    "No recordings with a reference were found", since :meth:`pathlib.Path.rglob` does
    not follow them before Python 3.13.
    """
    seen: set[str] = set()
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a link back up the tree, or two links to one folder
            subfolders.clear()
            continue
        seen.add(real)
        found.extend(Path(folder) / name for name in names if fnmatchcase(name, pattern))
    return sorted(found)


Case = tuple[str, Recording, Reference]
Found = Case | Skipped


#: Why a Mobilise-D file with nothing to compare against is listed, not scored.
NO_REFERENCE = (
    "it has no reference (no Standards.INDIP or Standards.Stereophoto in data.mat and no "
    "<Test>-<Trial>.reference.json beside it), so there is nothing to score it against"
)
#: Why one trial of a file with references elsewhere is listed, not scored.
NO_TRIAL_REFERENCE = (
    "this trial has no reference (data.mat holds no Standards.INDIP or Standards.Stereophoto "
    "for it and no <Test>-<Trial>.reference.json lies beside it), so there is nothing to "
    "score it against"
)


def _mobilised_cases(root: Path) -> Iterator[Found]:
    from backstride.io.mobilised import (
        UnreadableTrialsError,
        load_mobilised_mat,
        read_mobilised_mat,
    )
    from backstride.io.mobilised_export import CSV_SUFFIX

    for mat in find_files(root, "data.mat"):
        # named by the folders below the dataset root: the Mobilise-D technical validation
        # study nests <cohort>/<participant>/<Laboratory|Free-living>/data.mat
        rel = mat.parent.relative_to(root)
        folder = rel.as_posix() if rel.parts else mat.parent.name
        label = f"{folder}/{mat.name}"
        # per trial: its exported JSON when present, else the INDIP reference inside data.mat
        # (a folder may hold exports of only some of its trials)
        exported = {
            p.name.removesuffix(".reference.json"): p for p in mat.parent.glob("*.reference.json")
        }
        unreadable: list[tuple[str, str]] = []
        try:
            content = load_mobilised_mat(mat)  # read once for the references and the trials
            systems = load_mobilised_mat_reference_systems(mat, content)
            inside = systems["INDIP"]
            optical = systems["Stereophoto"]
            if not exported and not inside and not optical:
                yield Skipped(label, NO_REFERENCE)
                continue
            recordings = read_mobilised_mat(mat, content)
        except UnreadableTrialsError as exc:
            # one trial's failed sensor does not cost the file's other trials
            recordings, unreadable = exc.recordings, exc.problems
        except BackstrideError as exc:
            yield Skipped(label, str(exc))
            continue
        for trial, reason in unreadable:
            yield Skipped(f"{folder}/{trial}", reason)
        read = {rec.name for rec in recordings} | {trial for trial, _ in unreadable}
        for trial in sorted((set(exported) | set(inside) | set(optical)) - read):
            csv = mat.with_name(trial + CSV_SUFFIX)
            if trial in exported and csv.is_file():
                # not in data.mat, but exported beside it: validate the export
                yield from _export_case(exported[trial], csv, folder)
                continue
            # the technical validation study has trials whose sensor failed: say so rather
            # than leave the reference out without a word
            yield Skipped(
                f"{folder}/{trial}",
                "the trial has a reference but no lower-back sensor data (SU.LowerBack) in "
                f"{mat.name}",
            )
        for rec in recordings:
            name = f"{folder}/{rec.name}"
            try:
                if rec.name in exported:
                    reference: Reference | None = load_mobilised_reference(exported[rec.name])
                    indip = systems["INDIP"].get(rec.name)
                    if reference is not None and indip is not None:
                        # the exports leave out the turns that data.mat holds
                        reference = replace(
                            reference,
                            extra_turns_s=tuple((a, b) for a, b, _ in indip.turns),
                            extra_turn_angles_deg=tuple(g for _, _, g in indip.turns),
                            marks_turns=indip.marks_turns,
                        )
                else:
                    reference = inside.get(rec.name)
            except BackstrideError as exc:
                yield Skipped(name, str(exc))
                reference = None
            stereo = optical.get(rec.name)
            if reference is None and stereo is None and rec.name not in exported:
                yield Skipped(name, NO_TRIAL_REFERENCE)
            for dataset, ref, system in (
                ("mobilised", reference, "INDIP"),
                ("mobilised-stereo", stereo, "motion capture"),
            ):
                if ref is not None:
                    yield from _scored(dataset, _rename(rec, name), ref, system)


def _mobilised_export_cases(root: Path) -> Iterator[Found]:
    """Per-trial CSV exports with their reference JSON, in folders without a ``data.mat``.

    Where ``data.mat`` is present :func:`_mobilised_cases` reads the trials from it (the
    same samples, and the turns and motion capture the exports leave out).
    """
    from backstride.io.mobilised_export import CSV_SUFFIX, JSON_SUFFIX

    for sidecar in find_files(root, f"*{JSON_SUFFIX}"):
        csv = sidecar.with_name(sidecar.name.removesuffix(JSON_SUFFIX) + CSV_SUFFIX)
        if (sidecar.parent / "data.mat").exists() or not csv.is_file():
            continue
        rel = sidecar.parent.relative_to(root)
        folder = rel.as_posix() if rel.parts else sidecar.parent.name
        yield from _export_case(sidecar, csv, folder)


def _export_case(sidecar: Path, csv: Path, folder: str) -> Iterator[Found]:
    """One per-trial export against the INDIP reference in its JSON (none if it has no bouts)."""
    from backstride.io.mobilised_export import read_mobilised_export

    try:
        reference = load_mobilised_reference(sidecar)
        rec = read_mobilised_export(csv)
    except BackstrideError as exc:
        yield Skipped(f"{folder}/{csv.name}", str(exc))
        return
    yield from _scored("mobilised", _rename(rec, f"{folder}/{rec.name}"), reference, "INDIP")


def _scored(dataset: str, rec: Recording, reference: Reference, system: str) -> Iterator[Found]:
    """The case to score, and what of the reference cannot be scored, said.

    A reference walk that lies wholly outside the recording (a damaged or mismatched
    reference) is left out and counted, rather than scored as a walk BackStride missed.
    """
    try:
        validate_signal(rec)
    except BackstrideError:
        # a recording that cannot be analysed at all is reported once, by its analysis
        yield dataset, rec, reference
        return
    edge = CONTACT_TOLERANCE_S
    inside = tuple(
        b for b in reference.bouts if b.end_s >= -edge and b.start_s <= rec.duration_s + edge
    )
    outside = len(reference.bouts) - len(inside)
    if outside:
        yield Skipped(
            f"{rec.name} against {system}",
            f"{outside} of its {len(reference.bouts)} walks "
            f"{'lies' if outside == 1 else 'lie'} outside the recording's "
            f"{rec.duration_s:.1f} s, so {'it was' if outside == 1 else 'they were'} left out",
        )
    if inside:
        yield dataset, rec, replace(reference, bouts=inside)
    elif not outside:
        yield _no_walking(rec.name, system)


def _no_walking(name: str, system: str) -> Skipped:
    """A trial whose reference marks no walking: said, not silently left out.

    Both Mobilise-D systems can lose a whole trial (HA-002's two straight walks have no INDIP
    bout, and the first none in the motion capture either), so an empty reference in a walking
    test is not evidence that nobody walked, and the trial is not scored against it.
    """
    return Skipped(
        f"{name} against {system}",
        f"{system} marks no walking in this trial, so there is nothing to compare with",
    )


def _ipol_cases(root: Path) -> Iterator[Found]:
    from backstride.io.xsens_ipol import ipol_sidecar, ipol_stem, read_ipol_txt

    # in any case: names copied through Windows or a zip tool may change it
    for txt in find_files(root, "*_[lL][bB].[tT][xX][tT]"):
        ref_path = ipol_sidecar(txt)
        if ref_path is None:  # said, not silently left out
            stem = ipol_stem(txt)
            yield Skipped(
                txt.name,
                f"there is no {stem}.json or {stem}_meta.json beside it, so there is nothing to "
                "compare with",
            )
            continue
        try:
            rec = read_ipol_txt(txt)
            first = int(rec.meta.get("first_sample_index", 0))
            reference = load_ipol_reference(ref_path, rec.sample_rate_hz, first, rec.n_samples)
        except BackstrideError as exc:
            yield Skipped(txt.name, str(exc))
            continue
        if not reference.bouts:  # too few events for a walk: not scored as 0
            yield _no_walking(rec.name, reference.system)
            continue
        yield "ipol", rec, reference


def _phone_cases(root: Path) -> Iterator[Found]:
    from backstride.io.phone_oxford import read_oxford_phone_csv

    for csv in find_files(root, "*.csv"):
        if not _looks_like_oxford(csv):
            continue
        try:
            rec = read_oxford_phone_csv(csv)
        except BackstrideError as exc:
            yield Skipped(csv.name, str(exc))
            continue
        steps = rec.meta.get("reference_steps")
        if steps:
            yield "phone", rec, Reference(steps_total=int(steps), system="ground-truth step device")
        else:  # said, not silently left out
            yield Skipped(
                csv.name,
                rec.meta.get("reference_steps_problem")
                or "its ground-truth step count does not change, so there is nothing to compare "
                "with",
            )


def _looks_like_oxford(path: Path) -> bool:
    """Whether ``analyze`` would read the file as a phone log.

    The same detection, so that a log with a header row or a millisecond clock is not passed
    over here.
    """
    from backstride.io import detect_format

    try:
        return detect_format(path) == "oxford_phone"
    except BackstrideError:
        return False


def _rename(rec: Recording, name: str) -> Recording:
    from dataclasses import replace

    return replace(rec, name=name)


FINDERS: tuple[Callable[[Path], Iterator[Found]], ...] = (
    _mobilised_cases,
    _mobilised_export_cases,
    _ipol_cases,
    _phone_cases,
)


def find_cases(root: Path, skipped: list[Skipped] | None = None) -> list[Case]:
    """All recordings with a reference under ``root`` (see :func:`iter_cases`), as a list."""
    return list(iter_cases(root, skipped))


def iter_cases(root: Path, skipped: list[Skipped] | None = None) -> Iterator[Case]:
    """The recordings with a reference under ``root``, one file read at a time.

    A validation study holds hundreds of recordings (the Mobilise-D technical validation
    study has a 2.5-h free-living one per participant, about 40 MB of samples each), so they
    are read as they are validated rather than all up front. Files that cannot be read are
    appended to ``skipped`` (when given) with the reason, so that one damaged file does not
    stop the validation of the others. When nothing could be validated the end of the
    iteration raises :class:`InvalidInputError` with the first problem.
    """
    if not root.exists():
        raise InputNotFoundError(f"No folder at {root}; give the path of a validation dataset.")
    if not root.is_dir():
        raise InvalidInputError(f"{root} is a file; give the folder that holds the dataset.")
    n_cases = 0
    problems: list[Skipped] = []
    for finder in FINDERS:
        for found in finder(root):
            if isinstance(found, Skipped):
                problems.append(found)
                if skipped is not None:
                    skipped.append(found)
            else:
                n_cases += 1
                yield found
    if not n_cases:
        if problems:
            raise InvalidInputError(
                f"No recording under {root} could be validated; the first problem, with "
                f"{problems[0].name}: {problems[0].reason.rstrip('.')}."
            )
        raise InvalidInputError(
            f"No recordings with a reference were found under {root}; expected the Mobilise-D, "
            "IPOL or phone step-count layout (see docs/validation.md)."
        )


def run_validation(
    root: Path,
    progress: Callable[[str], None] | None = None,
    params: AnalysisParameters | None = None,
) -> ValidationReport:
    """Analyse every recording with a reference under ``root`` and compare.

    A recording that cannot be read or analysed is listed in the report's ``skipped`` with
    its reason instead of stopping the run. ``params`` changes the analysis (default: the
    shipped one), to measure what a rule does against the references.
    """
    skipped: list[Skipped] = []
    results = []
    last: tuple[Recording, WalkingAnalysis | None] | None = None
    for dataset, rec, reference in iter_cases(root, skipped):
        if progress:
            progress(rec.name)
        if last is not None and last[0].name == rec.name and last[0].acc is rec.acc:
            analysis = last[1]  # the same trial against a second reference system
        else:
            try:
                analysis = analyze(rec, params)
            except BackstrideError as exc:
                skipped.append(Skipped(rec.name, str(exc)))
                analysis = None
            last = (rec, analysis)
        if analysis is not None:
            results.append(compare(dataset, rec, analysis, reference))
    return ValidationReport(results, skipped)
