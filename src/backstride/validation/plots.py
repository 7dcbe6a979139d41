"""Validation figures: where detection and reference agree, and by how much they differ.

Two kinds, the ones gait-validation papers show:

- **Bland-Altman** plots per dataset and measure (Bland and Altman 1986, Lancet 1:307-310):
  for every matched reference bout, the difference BackStride minus reference against the
  mean of the two, with the mean difference (bias) and the 95% limits of agreement
  (bias +- 1.96 SD of the differences). A trend in the cloud shows an error that grows with
  the value, such as stride length overestimated on short, turning strides.
- **Timelines** per recording: reference and detected walking bouts as bars, and every
  initial contact as a tick, coloured by whether it was matched (within +-0.25 s) or not,
  with each row's turns shaded (the reference's and BackStride's). Missed and extra
  contacts are where the pooled numbers come from.
- **Contacts by place** per dataset: found, missed and extra contacts in straight walking,
  turns, at the ends of walks and outside the reference's walks.

Figures are built with matplotlib's object API (no pyplot state), so they render the same
from the CLI, tests or a notebook and need no display.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from backstride.validation.metrics import limits_of_agreement
from backstride.validation.runner import RecordingResult, ValidationReport

#: Measure name in :attr:`RecordingResult.bout_values` -> axis label.
MEASURES = {
    "cadence_spm": "cadence (steps/min)",
    "stride_length_m": "stride length (m)",
    "walking_speed_mps": "walking speed (m/s)",
}
MATCHED = "#4d4d4d"
EXTRA = "#d62728"
MISSED = "#ff7f0e"
TURN = "#f3e6d0"


def bland_altman_figure(
    detected: Sequence[float], reference: Sequence[float], label: str, title: str
) -> Figure:
    """Difference (BackStride - reference) against the mean, with bias and limits."""
    det = np.asarray(detected, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    agreement = limits_of_agreement(det, ref)
    fig = Figure(figsize=(6.0, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter((det + ref) / 2, det - ref, s=22, color=MATCHED, alpha=0.8, label="bout")
    ax.axhline(0.0, color="#bbbbbb", linewidth=0.8)
    if math.isfinite(agreement.bias):
        # three significant digits, trailing zeros kept, so that biases of one measure read
        # alike ("+0.0700", not "+0.07" beside "+0.0527")
        bias = f"{agreement.bias:+#.3g}".rstrip(".")
        ax.axhline(agreement.bias, color="#1f77b4", label=f"bias {bias}")
    if math.isfinite(agreement.lower):
        for y in (agreement.lower, agreement.upper):
            ax.axhline(y, color="#1f77b4", linestyle="--", linewidth=1)
        ax.plot([], [], color="#1f77b4", linestyle="--", label="95% limits of agreement")
    ax.set_xlabel(f"mean of BackStride and reference, {label}")
    ax.set_ylabel(f"BackStride - reference, {label}")
    ax.set_title(f"{title} (n = {agreement.n} bouts)")
    fig.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    return fig


def timeline_figure(result: RecordingResult) -> Figure:
    """Reference and detected bouts and contacts of one recording on a shared time axis."""
    det = np.asarray(result.detected_contacts_s, dtype=np.float64)
    ref = np.asarray(result.reference_contacts_s, dtype=np.float64)
    matched_det = np.zeros(det.size, dtype=bool)
    matched_ref = np.zeros(ref.size, dtype=bool)
    for i, j in result.contacts.pairs:
        matched_det[i] = True
        matched_ref[j] = True
    ends = [e for _, e in (*result.detected_bouts, *result.reference_bouts)]
    span = max([*ends, *det.tolist(), *ref.tolist(), 1.0])
    fig = Figure(figsize=(max(8.0, min(24.0, span / 8)), 3.0), layout="constrained")
    ax = fig.add_subplot()
    # each row's turns shaded in its half: the reference's above, BackStride's below
    for k, (a, b) in enumerate(result.turns_s):
        ax.axvspan(a, b, ymin=0.5, color=TURN, zorder=0, label="turn" if k == 0 else None)
    for a, b in result.detected_turns_s:
        ax.axvspan(a, b, ymax=0.5, color=TURN, zorder=0, label=None if result.turns_s else "turn")
    for row, bouts in ((1, result.reference_bouts), (0, result.detected_bouts)):
        ax.broken_barh(
            [(s, e - s) for s, e in bouts], (row - 0.3, 0.6), color="#dde8f3", edgecolor="#9ab"
        )
    for row, times, matched, miss_colour, miss_label in (
        (1, ref, matched_ref, MISSED, "reference contact not found"),
        (0, det, matched_det, EXTRA, "contact not in the reference"),
    ):
        ax.vlines(times[matched], row - 0.25, row + 0.25, color=MATCHED, linewidth=1)
        ax.vlines(
            times[~matched], row - 0.25, row + 0.25, color=miss_colour, linewidth=1.6,
            label=f"{miss_label} ({int((~matched).sum())})",
        )  # fmt: skip
    ax.set_yticks([0, 1], ["BackStride", "reference"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(0, span + 1)
    ax.set_xlabel("time from the first sample (s)")
    walking = (
        f"walking-time F1 {result.walking_f1:.2f}"
        if math.isfinite(result.walking_f1)
        else "walking time not compared (the reference saw only its bouts)"
    )
    ax.set_title(
        f"{result.dataset} {result.name}: contact F1 {result.ic_f1:.2f}, {walking}",
        fontsize="medium",
    )
    fig.legend(loc="outside lower center", fontsize="small", ncols=2, frameon=False)
    return fig


def places_figure(report: ValidationReport, dataset: str) -> Figure:
    """Reference contacts found and missed, and extra detections, by where they fall.

    One row per place (straight walking, turns, first and last contact of a walk, outside
    the reference's walks). Left panel: extra detections; right panel: the reference's
    contacts, found and missed stacked. Each panel has its own scale, since extras are
    usually far fewer than the contacts found.
    """
    from backstride.validation.report import PLACE_LABELS

    places = report.places(dataset)
    names = list(places)
    y = np.arange(len(names))[::-1]
    found = np.array([places[n].found for n in names], dtype=float)
    missed = np.array([places[n].reference - places[n].found for n in names], dtype=float)
    extra = np.array([places[n].extra for n in names], dtype=float)
    fig = Figure(figsize=(8.5, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1, 3])
    left.barh(y, extra, color=EXTRA, height=0.6, label="contact not in the reference")
    right.barh(y, found, color=MATCHED, height=0.6, label="reference contact found")
    right.barh(y, missed, left=found, color=MISSED, height=0.6, label="reference contact missed")
    for k, name in enumerate(names):
        c = places[name]
        if c.reference:
            right.annotate(
                f"{c.found}/{c.reference} ({100 * c.recall:.0f}%)", (c.reference, y[k]),
                xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
            )  # fmt: skip
        left.annotate(
            f"{c.extra}", (c.extra, y[k]), xytext=(-4, 0), textcoords="offset points",
            va="center", ha="right", fontsize=8,
        )  # fmt: skip
    # room for the count labels beside the longest bar of each panel
    left.set_xlim(1.35 * float(extra.max()) + 1.0, 0.0)  # extras grow to the left
    right.set_xlim(0.0, 1.3 * float((found + missed).max()) + 1.0)
    left.set_yticks(y, [PLACE_LABELS[n] for n in names], fontsize=8)
    left.set_xlabel("extra detections")
    right.set_xlabel("reference contacts")
    fig.suptitle(f"{dataset}: where contacts are found, missed and added")
    fig.legend(loc="outside lower center", fontsize="small", ncols=3, frameon=False)
    return fig


def step_totals_figure(results: Sequence[RecordingResult], dataset: str) -> Figure:
    """Relative error of the step total per phone recording, against the targets.

    One bar per recording (carry position), signed (over- or undercount), with the 2% mean
    and 5% per-recording targets of the issue shaded.
    """
    from backstride.validation.runner import TARGETS

    rows = [r for r in results if r.steps_reference]
    labels = [r.name for r in rows]
    errors = [100 * r.steps_rel_error for r in rows]
    fig = Figure(figsize=(7.0, 0.5 * max(len(rows), 2) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    worst = 100 * TARGETS["phone_max_rel_error"]
    mean_target = 100 * TARGETS["phone_mean_rel_error"]
    ax.axvspan(-worst, worst, color="#e8f5e9", label=f"within {worst:g}% (each)")
    ax.axvspan(-mean_target, mean_target, color="#c8e6c9", label=f"within {mean_target:g}% (mean)")
    ax.barh(y, errors, color=MATCHED, height=0.6)
    for k, r in enumerate(rows):
        ax.annotate(
            f"{r.steps_detected} / {r.steps_reference}", (max(errors[k], 0.0), k), xytext=(4, 0),
            textcoords="offset points", va="center", fontsize=8,
        )  # fmt: skip
    ax.axvline(0.0, color="#888888", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    span = max([worst * 1.4, *(abs(e) * 1.3 for e in errors)])
    ax.set_xlim(-span, span)
    ax.set_xlabel("step total error, % (detected / ground truth shown at each bar)")
    ax.set_title(f"{dataset}: step totals against the ground-truth counter")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "recording"


def validation_figures(report: ValidationReport, fmt: str = "png") -> dict[str, bytes]:
    """Render every figure of a report; returns file name -> image bytes.

    One Bland-Altman plot per dataset and measure with at least one matched bout, one
    timeline per recording compared contact by contact, and for phone recordings one chart
    of the step-total errors.
    """
    figures: dict[str, Figure] = {}
    for dataset in dict.fromkeys(r.dataset for r in report.results):
        results = [r for r in report.results if r.dataset == dataset]
        for measure, label in MEASURES.items():
            pairs = [(d, v) for r in results for m, d, v in r.bout_values if m == measure]
            if pairs:
                det, ref = zip(*pairs, strict=True)
                name = measure.rsplit("_", 1)[0].replace("_", "-")
                figures[f"bland-altman-{dataset}-{name}"] = bland_altman_figure(
                    det, ref, label, f"{dataset}: {name.replace('-', ' ')}"
                )
        for r in results:
            if r.steps_reference is None:
                figures[f"timeline-{dataset}-{_slug(r.name)}"] = timeline_figure(r)
        if any(r.steps_reference for r in results):
            figures[f"step-totals-{dataset}"] = step_totals_figure(results, dataset)
        if any(r.places for r in results):
            figures[f"contacts-by-place-{dataset}"] = places_figure(report, dataset)
    out: dict[str, bytes] = {}
    for name, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=100)
        out[f"{name}.{fmt}"] = buffer.getvalue()
    return out
