"""Printing a validation report: per recording and pooled, against the targets."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from rich.table import Table

from backstride import __version__
from backstride.validation.metrics import PlaceCounts, limits_of_agreement
from backstride.validation.runner import (
    TARGETS,
    RecordingResult,
    ValidationReport,
    mean_or_nan,
    mean_relative_error,
)


def _f(value: float | None, spec: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return format(value, spec)


def _pair(detected: float | None, reference: float | None) -> str:
    if detected is None or reference is None:
        return "-"
    return f"{detected:.0f}/{reference:.0f}"


def _abs_rel(
    absolute: float | None, relative: float | None, spec: str, percent_spec: str = ".0f"
) -> str:
    """A mean absolute error with its mean relative error: ``"3.1 (3%)"``."""
    text = _f(absolute, spec)
    if text == "-" or relative is None or not math.isfinite(relative):
        return text
    return f"{text} ({100 * relative:{percent_spec}}%)"


def _mean_abs_rel(errors: list[float], refs: list[float]) -> tuple[float, float]:
    """Mean absolute error and mean relative error, as the pooled figures are taken."""
    return mean_or_nan(errors), mean_relative_error(errors, refs)


def _steps_error(r: RecordingResult) -> str:
    """A phone step total's error, in steps and relative: ``"+3 (+1.4%)"``."""
    if r.steps_detected is None or not r.steps_reference:
        return "-"
    return f"{r.steps_detected - r.steps_reference:+d} ({100 * r.steps_rel_error:+.1f}%)"


def report_table(report: ValidationReport) -> Table:
    """A rich table: one row per recording, then one pooled row per dataset kind."""
    table = Table(title="BackStride validation", header_style="bold", box=None)
    for col in (
        "dataset",
        "recording",
        "IC P",
        "IC R",
        "IC F1",
        "IC MAE s",
        "walk F1",
        "bouts",
        "cad MAE (%)",
        "SL MAE m (%)",
        "speed MAE (%)",
        "moderate s",
        "foot %",
        "steps err (%)",
    ):
        table.add_column(col, justify="right")
    for r in report.results:
        cad = _mean_abs_rel(r.cadence_errors, r.cadence_ref)
        sl = _mean_abs_rel(r.stride_length_errors, r.stride_length_ref)
        sp = _mean_abs_rel(r.speed_errors, r.speed_ref)
        table.add_row(
            r.dataset, r.name, _f(r.ic_precision, ".2f"), _f(r.ic_recall, ".2f"),
            _f(r.ic_f1, ".3f"), _f(r.ic_mae_s, ".3f"), _f(r.walking_f1, ".3f"),
            f"{r.n_matched_bouts}/{r.n_ref_bouts}" if r.n_ref_bouts else "-",
            _abs_rel(*cad, ".1f"), _abs_rel(*sl, ".3f"), _abs_rel(*sp, ".3f"),
            _pair(r.moderate_det_s, r.moderate_ref_s), _f(100 * r.side_agreement, ".0f"),
            _steps_error(r),
        )  # fmt: skip
    for kind in sorted({r.dataset for r in report.results}):
        p = report.pooled(kind)
        table.add_row(
            f"[bold]{kind}[/]", "[bold]overall[/]", _f(p["ic_precision"], ".2f"),
            _f(p["ic_recall"], ".2f"), _f(p["ic_f1"], ".3f"), _f(p["ic_mae_s"], ".3f"),
            _f(p["walking_f1"], ".3f"),
            f"{int(p['matched_bouts'])}/{int(p['ref_bouts'])}" if p["ref_bouts"] else "-",
            _abs_rel(p["cadence_mae_spm"], p["cadence_rel"], ".1f"),
            _abs_rel(p["stride_length_mae_m"], p["stride_length_rel"], ".3f"),
            _abs_rel(p["speed_mae_mps"], p["speed_rel"], ".3f"),
            _pair(p["moderate_detected_s"], p["moderate_reference_s"])
            if p["moderate_reference_s"] else "-",
            _f(100 * p["side_agreement"], ".1f"),
            _abs_rel(
                p["phone_mean_abs_error_steps"], p["phone_mean_abs_rel_error"], ".1f", ".1f"
            ),
        )  # fmt: skip
    table.caption = (
        "IC: initial contacts, +-0.25 s one-to-one; walk F1: sample-wise; bout errors are mean "
        "absolute over matched reference bouts, with the mean relative error (%); moderate s: "
        "seconds at >= 100 steps/min, "
        "BackStride / the same rule on the reference's contacts; foot: matched contacts given "
        "the reference's foot (left/right; needs a gyroscope); steps err: phone step total vs "
        "ground truth, in steps and % "
        f"(overall row: mean |error|). Targets: IC F1 >= {TARGETS['ic_f1_mobilised']} "
        f"(Mobilise-D) / {TARGETS['ic_f1_ipol']} (IPOL), MAE <= {TARGETS['ic_mae_s']} s, walk "
        f"F1 >= {TARGETS['walking_f1']}, cadence <= {TARGETS['cadence_mae_spm']}, stride <= "
        f"{TARGETS['stride_length_mae_m']} m, speed <= {TARGETS['speed_mae_mps']} m/s, phone "
        f"<= {100 * TARGETS['phone_mean_rel_error']:.0f}% mean, "
        f"{100 * TARGETS['phone_max_rel_error']:.0f}% each."
    )
    if any(r.dataset == "mobilised-stereo" for r in report.results):
        table.caption += (
            " mobilised-stereo: the lab's motion capture, scored only inside its capture volume"
            " (contacts within its bouts, strides within them); walking time is not compared."
        )
    return table


def places_lines(report: ValidationReport) -> list[str]:
    """Per dataset kind, the contacts found and the extra detections by where they fall."""
    lines = []
    for kind in sorted({r.dataset for r in report.results}):
        places = report.places(kind)
        if not any(c.reference or c.extra for c in places.values()):
            continue  # phone step totals: no contact times
        parts = []
        for place, c in places.items():
            label = PLACE_LABELS[place]
            if c.reference:
                found = f"{c.found}/{c.reference} found ({100 * c.recall:.0f}%"
                found += f", timing {c.mean_abs_error_s:.3f} s)" if c.found else ")"
                parts.append(f"{label} {found}, {c.extra} extra")
            else:
                parts.append(f"{label} {c.extra} extra")
        lines.append(f"{kind} contacts by place: " + "; ".join(parts))
    return lines


def step_time_ratio_lines(report: ValidationReport) -> list[str]:
    """Per dataset kind, the bouts' step-time ratio against the reference's own."""
    lines = []
    for kind in sorted({r.dataset for r in report.results}):
        pooled = report.pooled(kind)
        n = int(pooled["step_time_ratio_bouts"])
        if not n:
            continue
        refs = [x for r in report.results if r.dataset == kind for x in r.step_time_ratio_ref]
        lines.append(
            f"{kind} step-time ratio (one foot's median step time over the other's) against "
            f"the reference's, from its own contacts and feet: mean absolute error "
            f"{pooled['step_time_ratio_mae']:.3f} over {n} bout{'' if n == 1 else 's'} "
            f"(the reference's range {min(refs):.2f}-{max(refs):.2f})"
        )
    return lines


def course_lines(report: ValidationReport) -> list[str]:
    """Per dataset kind with a protocol course, the distance BackStride's steps add up to.

    Not a target: the sum runs from BackStride's first contact in the trial to its last, so
    it leaves out the first step from standing (before any contact) and a closing step where
    that is missed, and the course is the protocol's, not a measured path (a U-turn adds
    its arc). It does check the step lengths on walkers whose references carry none.
    """
    lines = []
    for kind in sorted({r.dataset for r in report.results}):
        pooled = report.pooled(kind)
        n = int(pooled["course_trials"])
        if not n:
            continue
        course = next(r.course_m for r in report.results if r.dataset == kind and r.course_m)
        lines.append(
            f"{kind} distance walked per trial, BackStride's step lengths summed from its first "
            f"contact in the trial to its last: mean {pooled['distance_mean_m']:.1f} m "
            f"({pooled['distance_min_m']:.1f}-{pooled['distance_max_m']:.1f}) over {n} "
            f"trial{'' if n == 1 else 's'}, against the protocol's {course:g} m "
            f"({pooled['distance_rel_error']:+.1%}; the step before the first contact is not "
            "in the sum)"
        )
    return lines


def turn_lines(report: ValidationReport) -> list[str]:
    """Per dataset kind whose reference marks turns, how BackStride's turns agree.

    Not a target (the issue sets none). The angle is compared as a size (the IPOL U-turn's
    side is not marked); its edges and so its angle depend on each reference's own
    convention (a motion capture's turns end at its capture volume's edge), so the IPOL
    U-turn, marked by hand over a whole walk, is the check of the angle.
    """
    lines = []
    for kind in sorted({r.dataset for r in report.results}):
        pooled = report.pooled(kind)
        n_ref = int(pooled["turns_reference"])
        if not pooled["turn_recordings"]:
            continue
        n_det, n_hit = int(pooled["turns_detected"]), int(pooled["turns_matched"])
        line = (
            f"{kind} turns (BackStride's within the reference's walks or trial): {n_hit} of "
            f"{n_ref} found, {n_det - n_hit} extra"
        )
        n_angles = int(pooled["turn_angles_compared"])
        if n_angles:
            line += (
                "; size of the turn against the reference's, mean absolute difference "
                f"{pooled['turn_angle_mae_deg']:.1f} deg "
                f"(bias {pooled['turn_angle_bias_deg']:+.1f}) over {n_angles}"
            )
        if n_hit:
            line += (
                f"; edges {pooled['turn_start_bias_s']:+.2f} s at the start, "
                f"{pooled['turn_end_bias_s']:+.2f} s at the end"
            )
        scored = [r for r in report.results if r.dataset == kind]
        n_dirs = sum(r.turn_directions_scored for r in scored)
        if n_dirs:
            agreed = sum(r.turn_directions_agreed for r in scored)
            line += f"; direction agreed {agreed} of {n_dirs}"
        lines.append(line)
    return lines


class TargetCheck(NamedTuple):
    """A pooled figure (``key`` of :meth:`ValidationReport.pooled`) against a target."""

    key: str
    target: str  # the key of TARGETS
    label: str
    spec: str  # how the figure and the target are printed
    unit: str
    at_least: bool  # the figure must reach the target (an F1), else stay within it (an error)


_BOUT_CHECKS = (
    TargetCheck("ic_mae_s", "ic_mae_s", "contact timing", ".3f", " s", False),
    TargetCheck("cadence_mae_spm", "cadence_mae_spm", "cadence", ".1f", " steps/min", False),
    TargetCheck("stride_length_mae_m", "stride_length_mae_m", "stride length", ".3f", " m", False),
    TargetCheck("speed_mae_mps", "speed_mae_mps", "speed", ".3f", " m/s", False),
)
_WALKING = TargetCheck("walking_f1", "walking_f1", "walking-time F1", ".3f", "", True)
_F1_MOBILISED = TargetCheck("ic_f1", "ic_f1_mobilised", "contact F1", ".3f", "", True)
#: Per dataset kind, the targets that apply to it (walking time is not compared against the
#: motion capture, which sees only its volume).
TARGET_CHECKS: dict[str, tuple[TargetCheck, ...]] = {
    "mobilised": (_F1_MOBILISED, _WALKING, *_BOUT_CHECKS),
    "mobilised-stereo": (_F1_MOBILISED, *_BOUT_CHECKS),
    "ipol": (
        TargetCheck("ic_f1", "ic_f1_ipol", "contact F1", ".3f", "", True),
        _WALKING,
        *_BOUT_CHECKS,
    ),
    "phone": (
        TargetCheck(
            "phone_mean_abs_rel_error", "phone_mean_rel_error", "mean step-total error",
            ".1%", "", False,
        ),
        TargetCheck(
            "phone_max_abs_rel_error", "phone_max_rel_error", "worst step-total error",
            ".1%", "", False,
        ),
    ),
}  # fmt: skip


def targets_met(report: ValidationReport) -> dict[str, dict[str, bool]]:
    """Per dataset kind, each target that applies and has a figure: met or not."""
    out: dict[str, dict[str, bool]] = {}
    for kind in sorted({r.dataset for r in report.results}):
        pooled = report.pooled(kind)
        checks = {}
        for check in TARGET_CHECKS.get(kind, ()):
            value, target = pooled.get(check.key, float("nan")), TARGETS[check.target]
            if math.isfinite(value):
                checks[check.key] = value >= target if check.at_least else value <= target
        if checks:
            out[kind] = checks
    return out


def targets_lines(report: ValidationReport) -> list[str]:
    """Per dataset kind, one line: each pooled figure against its target, met or not."""
    lines = []
    met = targets_met(report)
    for kind, checks in met.items():
        pooled = report.pooled(kind)
        parts = []
        for c in TARGET_CHECKS[kind]:
            if c.key not in checks:
                continue
            sign = ">=" if c.at_least else "<="
            limit = format(TARGETS[c.target], c.spec)
            verdict = "met" if checks[c.key] else "not met"
            parts.append(
                f"{c.label} {pooled[c.key]:{c.spec}}{c.unit} ({sign} {limit}{c.unit}: {verdict})"
            )
        lines.append(
            f"{kind} against the targets, {sum(checks.values())} of {len(checks)} met: "
            + "; ".join(parts)
        )
    return lines


#: How :data:`~backstride.validation.metrics.PLACES` are said in the report.
PLACE_LABELS = {
    "straight": "straight walking",
    "turns": "turns",
    "ends": "first and last contact of a walk",
    "outside": "outside the reference's walks",
}


def _agreement(report: ValidationReport, dataset: str) -> dict[str, dict[str, float]]:
    """Bland-Altman bias and 95% limits per measure over a dataset's matched bouts."""
    out = {}
    for measure in ("cadence_spm", "stride_length_m", "walking_speed_mps"):
        pairs = [
            (d, v)
            for r in report.results
            if r.dataset == dataset
            for m, d, v in r.bout_values
            if m == measure
        ]
        if pairs:
            a = limits_of_agreement([d for d, _ in pairs], [v for _, v in pairs])
            out[measure] = {"n": a.n, "bias": a.bias, "lower": a.lower, "upper": a.upper}
    return out


def _place_dict(counts: PlaceCounts) -> dict[str, float]:
    return {
        "reference": counts.reference,
        "found": counts.found,
        "recall": counts.recall,
        "mean_abs_error_s": counts.mean_abs_error_s,
        "extra": counts.extra,
    }


#: Names the layout of ``backstride validate --json``; with the version that produced the
#: numbers, so that figures kept from different versions can be told apart.
VALIDATION_SCHEMA = "backstride.validation/1"


def report_to_dict(report: ValidationReport) -> dict[str, Any]:
    """JSON-ready report."""
    kinds = sorted({r.dataset for r in report.results})
    return {
        "schema": VALIDATION_SCHEMA,
        "backstride_version": __version__,
        "targets": TARGETS,
        "skipped": [{"name": k.name, "reason": k.reason} for k in report.skipped],
        "pooled": {k: report.pooled(k) for k in kinds},
        "limits_of_agreement": {k: _agreement(report, k) for k in kinds},
        "targets_met": targets_met(report),
        "contacts_by_place": {
            k: {place: _place_dict(c) for place, c in report.places(k).items()} for k in kinds
        },
        "recordings": [
            {
                "dataset": r.dataset,
                "name": r.name,
                "ic_precision": r.ic_precision,
                "ic_recall": r.ic_recall,
                "ic_f1": r.ic_f1,
                "ic_mae_s": r.ic_mae_s,
                "ic_detected": r.contacts.n_detected,
                "ic_reference": r.contacts.n_reference,
                "ic_matched": r.contacts.n_matched,
                "ic_unverifiable": r.contacts.n_unverifiable,
                "contacts_by_place": {p: _place_dict(c) for p, c in r.places.items()},
                "walking_f1": r.walking_f1,
                "ref_bouts": r.n_ref_bouts,
                "matched_bouts": r.n_matched_bouts,
                "cadence_errors": r.cadence_errors,
                "stride_length_errors": r.stride_length_errors,
                "speed_errors": r.speed_errors,
                "moderate_detected_s": r.moderate_det_s,
                "moderate_reference_s": r.moderate_ref_s,
                "step_time_ratio_errors": r.step_time_ratio_errors,
                "course_m": r.course_m,
                "distance_m": r.distance_m,
                "turns_reference": r.turns_reference,
                "turns_detected": r.turns_detected,
                "turns_matched": r.turns_matched,
                "turn_angle_errors_deg": r.turn_angle_errors,
                "turn_directions_scored": r.turn_directions_scored,
                "turn_directions_agreed": r.turn_directions_agreed,
                "side_scored": r.side_scored,
                "side_agreed": r.side_agreed,
                "steps_detected": r.steps_detected,
                "steps_reference": r.steps_reference,
                "matched_bout_values": [
                    {"measure": m, "detected": d, "reference": v} for m, d, v in r.bout_values
                ],
            }
            for r in report.results
        ],
    }
