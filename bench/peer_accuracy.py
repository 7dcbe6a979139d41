"""Accuracy of BackStride and of mobgap side by side, scored by the same validation code.

The issue quotes mobgap 1.2.0 (the Mobilise-D consortium's pipeline) for scale. This script
measures it here instead of quoting it: mobgap's ``MobilisedPipelineHealthy`` runs on every
recording ``backstride validate`` finds (the bundled Mobilise-D trials, and the IPOL set when
``../shared/data`` is present), and both tools' outputs go through
:func:`backstride.validation.runner.compare` against the same references, so the two columns
differ only in the analysis.

What is compared from mobgap: its final walking bouts (``per_wb_parameters_``: start, end,
cadence, stride length and speed) and the initial contacts of the strides in those bouts
(``per_stride_parameters_``), as BackStride reports the contacts of its bouts, and its turns
(``raw_turn_list_``, its El-Gohary detector, the method BackStride's follows) that lie in
those bouts. mobgap gets
the recording in its sensor frame, acc in m/s^2, gyr in deg/s, and the wearer's sensor height
(0.61 x body height where only that is known, BackStride's own rule). mobgap's frame is the
Mobilise-D one: x up, y to the right, z forward. The Mobilise-D files store it so. The IPOL
Xsens sensor has x up too, but its y points left and its z backwards (in every trial, gravity
and the gait pattern agree), so for IPOL y and z are negated: a fixed 180-degree turn about
x, the same for every trial. Before this, mobgap saw the IPOL walkers walk backwards and
named their feet the wrong way round.

Usage::

    python bench/peer_accuracy.py     # writes bench/results/peer-accuracy.json
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backstride.gait.parameters import SENSOR_HEIGHT_PER_HEIGHT, pendulum_length
from backstride.gait.turns import TURN_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "data" / "mobilised-lab", ROOT.parent / "shared" / "data" / "ipol-lumbar"]
RESULTS = ROOT / "bench" / "results" / "peer-accuracy.json"
MEASURES = [
    ("IC precision", "ic_precision", ".2f"),
    ("IC recall", "ic_recall", ".2f"),
    ("IC F1", "ic_f1", ".3f"),
    ("IC MAE s", "ic_mae_s", ".3f"),
    ("walking F1", "walking_f1", ".3f"),
    ("matched bouts", "matched_bouts", ".0f"),
    ("cadence MAE spm", "cadence_mae_spm", ".1f"),
    ("stride length MAE m", "stride_length_mae_m", ".3f"),
    ("speed MAE m/s", "speed_mae_mps", ".3f"),
    ("foot named right", "side_agreement", ".3f"),
    ("turns in the reference", "turns_reference", ".0f"),
    ("turns found", "turns_matched", ".0f"),
    ("turns not in the reference", "turns_extra", ".0f"),
    ("turn size MAE deg", "turn_angle_mae_deg", ".1f"),
    ("turn size bias deg", "turn_angle_bias_deg", "+.1f"),
    ("turn direction agreement", "turn_direction_agreement", ".2f"),
    ("turn start bias s", "turn_start_bias_s", "+.2f"),
    ("turn end bias s", "turn_end_bias_s", "+.2f"),
]


def log(msg: str) -> None:
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


@dataclass
class PeerAnalysis:
    """The parts of a :class:`~backstride.gait.pipeline.WalkingAnalysis` that compare() reads."""

    initial_contacts_s: list[float]
    bouts: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    #: ``side`` of each contact: ``L``/``R``, or ``""`` where the tool does not say; and
    #: ``stopping``, which mobgap does not tell apart (no contact of its is a stopping step)
    steps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["side", "stopping"]))
    #: cadence per walking second, which mobgap does not give: no moderate seconds counted
    per_second: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["bout_id", "second", "cadence_spm"])
    )
    #: turns (:data:`~backstride.gait.turns.TURN_COLUMNS`); scored by compare() only where
    #: the summary holds ``n_turns``
    turns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TURN_COLUMNS))

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.initial_contacts_s):
            n = len(self.initial_contacts_s)
            self.steps = pd.DataFrame({"side": [""] * n, "stopping": np.zeros(n, dtype=bool)})


def _sensor_height_m(recording: Any) -> float:
    """BackStride's pendulum length for the recording (a 1.7-m walker if no height is known)."""
    leg, _ = pendulum_length(recording.sensor_height_m, recording.height_m or 1.7)
    assert leg is not None  # a height is always given here
    return leg


#: Rotation from each data set's sensor axes into mobgap's (see the module docstring).
MOBGAP_AXES = {"ipol": np.diag([1.0, -1.0, -1.0])}


def run_mobgap(recording: Any, dataset_kind: str = "mobilised") -> PeerAnalysis:
    from mobgap.data import GaitDatasetFromData
    from mobgap.pipeline import MobilisedPipelineHealthy

    fs = recording.sample_rate_hz
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    turn = MOBGAP_AXES.get(dataset_kind, np.eye(3))
    data = pd.DataFrame(np.hstack([recording.acc @ turn.T, recording.gyr @ turn.T]), columns=cols)
    sensor_h = _sensor_height_m(recording)
    meta = {
        "height_m": recording.height_m or sensor_h / SENSOR_HEIGHT_PER_HEIGHT,
        "sensor_height_m": sensor_h,
        "cohort": "HA",
    }
    dataset = GaitDatasetFromData(
        {"r": {"LowerBack": data}}, fs, {"r": meta}, {"r": {"measurement_condition": "laboratory"}}
    )
    pipe = MobilisedPipelineHealthy().run(dataset[0])
    wb = pipe.per_wb_parameters_
    strides = pipe.per_stride_parameters_
    # a stride starts and ends on the same foot, which mobgap's laterality step names
    foot = (
        {
            int(at): str(label)[:1].upper()
            for column in ("start", "end")
            for at, label in zip(strides[column], strides["lr_label"], strict=True)
        }
        if len(strides)
        else {}
    )
    ics = np.array(sorted(foot), dtype=float) / fs
    bouts = pd.DataFrame(
        {
            "bout_id": np.arange(len(wb)),
            "start_s": wb["start"].to_numpy(dtype=float) / fs if len(wb) else [],
            "end_s": wb["end"].to_numpy(dtype=float) / fs if len(wb) else [],
            "cadence_spm": wb["cadence_spm"].to_numpy(dtype=float) if len(wb) else [],
            "stride_length_m": wb["stride_length_m"].to_numpy(dtype=float) if len(wb) else [],
            "walking_speed_mps": wb["walking_speed_mps"].to_numpy(dtype=float) if len(wb) else [],
            # mobgap reports no step-time ratio: compare() leaves such bouts out of that score
            "step_time_ratio": np.full(len(wb), np.nan),
        }
    )
    starts, ends = bouts["start_s"].to_numpy(), bouts["end_s"].to_numpy()
    # mobgap's turns (its TdElGohary, run per gait sequence), each in the final walking bout
    # it overlaps most, as mobgap counts a bout's turns; those in no bout are left out
    raw = pipe.raw_turn_list_
    t_start = raw["start"].to_numpy(dtype=float) / fs if len(raw) else np.zeros(0)
    t_end = raw["end"].to_numpy(dtype=float) / fs if len(raw) else np.zeros(0)
    overlap = np.minimum(t_end[:, None], ends[None, :]) - np.maximum(
        t_start[:, None], starts[None, :]
    )
    in_bout = (overlap > 0).any(axis=1) if overlap.size else np.zeros(t_start.size, bool)
    angle = raw["angle_deg"].to_numpy(dtype=float) if len(raw) else np.zeros(0)
    turns = pd.DataFrame(
        {
            "bout_id": overlap.argmax(axis=1)[in_bout] if overlap.size else [],
            "start_s": t_start[in_bout],
            "end_s": t_end[in_bout],
            "duration_s": (t_end - t_start)[in_bout],
            "angle_deg": angle[in_bout],
            "peak_velocity_dps": np.full(int(in_bout.sum()), np.nan),
            "direction": np.where(angle[in_bout] > 0, "left", "right"),
        },
        columns=TURN_COLUMNS,
    )
    return PeerAnalysis(
        initial_contacts_s=[float(t) for t in ics],
        bouts=bouts,
        summary={"n_turns": len(turns)},
        turns=turns,
        steps=peer_steps(ics, [foot[k] for k in sorted(foot)], bouts),
    )


def peer_steps(ics: Any, sides: list[str], bouts: pd.DataFrame) -> pd.DataFrame:
    """A peer's contacts as the steps table that compare() reads from BackStride's.

    Each contact's walking bout, so that compare() can take a bout's strides within a span of
    the reference (a walk that runs on past an IPOL trial, or a motion-capture volume); no
    per-step lengths, and no stopping steps, which a peer does not tell apart.
    ``tests/test_peer_agreement.py`` checks that compare() can score such a table.
    """
    ics = np.asarray(ics, dtype=float)
    starts, ends = bouts["start_s"].to_numpy(), bouts["end_s"].to_numpy()
    inside = (ics[:, None] >= starts[None, :] - 1e-9) & (ics[:, None] <= ends[None, :] + 1e-9)
    return pd.DataFrame(
        {
            "side": sides,
            "bout_id": np.where(inside.any(axis=1), inside.argmax(axis=1), -1),
            "ic_s": ics,
            "step_length_m": np.full(ics.size, np.nan),
            "stopping": np.zeros(ics.size, dtype=bool),
        }
    )


def mobgap_stride_lengths(recording: Any, analysis: Any) -> pd.DataFrame:
    """BackStride's bouts with stride length and speed from mobgap's ``SlZijlstra`` instead.

    Each bout is cut from its first to its last contact, as mobgap cuts its gait sequences,
    and mobgap's step-length algorithm (Madgwick orientation, its filters, Hampel outlier
    removal, per-second interpolation) gets BackStride's contacts and the Mobilise-D factor
    BackStride uses. The difference to BackStride's own values is then the stride-length
    method alone, with the contacts and bouts held equal: the walks' rhythmic contacts,
    which BackStride's own stride lengths come from, not the steps that stop them.
    """
    from mobgap.stride_length import SlZijlstra
    from mobgap.utils.conversions import to_body_frame

    fs = recording.sample_rate_hz
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    data = pd.DataFrame(np.hstack([recording.acc, recording.gyr]), columns=cols)
    rhythmic = analysis.steps[~analysis.steps["stopping"]]
    contacts = np.round(rhythmic["ic_s"].to_numpy(dtype=float) * fs).astype(int)
    bout_of = rhythmic["bout_id"].to_numpy()
    bouts = analysis.bouts.copy()
    lengths = []
    for bout_id, start_s in zip(bouts["bout_id"], bouts["start_s"], strict=True):
        start = round(start_s * fs)
        mine = contacts[bout_of == bout_id]
        end = int(mine[-1])
        ics = mine - start
        segment = to_body_frame(data.iloc[start : end + 1].reset_index(drop=True))
        sl = SlZijlstra(**SlZijlstra.PredefinedParameters.step_length_scaling_factor_ms_all)
        sl.calculate(
            segment,
            pd.DataFrame({"ic": ics}),
            sampling_rate_hz=fs,
            sensor_height_m=_sensor_height_m(recording),
        )
        lengths.append(float(np.nanmean(sl.stride_length_per_sec_["stride_length_m"])))
    bouts["stride_length_m"] = lengths
    bouts["walking_speed_mps"] = bouts["stride_length_m"] * bouts["cadence_spm"] / 120.0
    return bouts


def common_bout_errors(
    reference: Any, analyses: dict[str, Any]
) -> dict[str, dict[str, list[float]]]:
    """Absolute errors per tool on the reference bouts that every tool matched.

    Each tool is otherwise scored on the bouts it found, so a tool that misses the hardest
    bouts looks better; here the bouts are the same for all.
    """
    from backstride.validation.metrics import match_bouts
    from backstride.validation.runner import bout_values

    ref = [(b.start_s, b.end_s) for b in reference.bouts]
    matched = {
        tool: match_bouts(list(zip(a.bouts["start_s"], a.bouts["end_s"], strict=True)), ref)
        for tool, a in analyses.items()
    }
    out: dict[str, dict[str, list[float]]] = {
        tool: {m: [] for m in ("cadence_spm", "stride_length_m", "walking_speed_mps")}
        for tool in analyses
    }
    for i, rb in enumerate(reference.bouts):
        if any(m[i] is None for m in matched.values()):
            continue
        for tool, a in analyses.items():
            k = matched[tool][i]
            assert k is not None  # every tool matched this bout (above)
            row = bout_values(a, k, reference, rb)  # as compare() takes them
            for measure, errors in out[tool].items():
                rv, dv = getattr(rb, measure), float(row[measure])
                if rv is not None and np.isfinite(dv):
                    errors.append(abs(dv - rv))
    return out


def main() -> int:
    try:
        import mobgap
    except ImportError as exc:
        print(f"mobgap is not installed ({exc}); run `make bench`, which installs it.")
        return 2
    from rich.console import Console
    from rich.table import Table

    from backstride.gait.pipeline import analyze
    from backstride.validation.runner import ValidationReport, compare, find_cases

    warnings.filterwarnings("ignore")  # mobgap's bundled models warn on every run
    reports: dict[str, dict[str, ValidationReport]] = {}
    timing: dict[str, dict[str, float]] = {}
    commons: dict[str, dict[str, dict[str, list[float]]]] = {}
    for root in DATASETS:
        if not root.exists():
            log(f"{root} is not here; skipped")
            continue
        # against the references that see whole recordings (INDIP, IPOL's foot sensors), as
        # mobgap is validated; the motion capture's volume-only comparison needs per-stride
        # lengths, which the peer's output here does not carry
        cases = [c for c in find_cases(root) if not c[2].covers_bouts_only]
        ours, theirs, mixed = ValidationReport([]), ValidationReport([]), ValidationReport([])
        spent = {"backstride_s": 0.0, "mobgap_s": 0.0}
        common: dict[str, dict[str, list[float]]] = {
            tool: {m: [] for m in ("cadence_spm", "stride_length_m", "walking_speed_mps")}
            for tool in ("backstride", "mobgap")
        }
        for n, (dataset, rec, ref) in enumerate(cases, 1):
            log(f"{root.name}: {n}/{len(cases)} {rec.name}")
            t0 = time.perf_counter()
            mine = analyze(rec)
            ours.results.append(compare(dataset, rec, mine, ref))
            t1 = time.perf_counter()
            if rec.gyr is not None and len(mine.bouts) and (rec.sensor_height_m or rec.height_m):
                swapped = PeerAnalysis(
                    mine.initial_contacts_s, mobgap_stride_lengths(rec, mine), steps=mine.steps
                )
                mixed.results.append(compare(dataset, rec, swapped, ref))  # type: ignore[arg-type]
            try:
                peer = run_mobgap(rec, dataset)
            except Exception as exc:  # a peer's failure on one trial is its result, not ours
                log(f"mobgap failed on {rec.name}: {exc!r}; counted as finding nothing")
                peer = PeerAnalysis([], pd.DataFrame(columns=["start_s", "end_s"]))
            t2 = time.perf_counter()
            theirs.results.append(compare(dataset, rec, peer, ref))  # type: ignore[arg-type]
            for tool, errors in common_bout_errors(
                ref, {"backstride": mine, "mobgap": peer}
            ).items():
                for measure, values in errors.items():
                    common[tool][measure].extend(values)
            spent["backstride_s"] += t1 - t0
            spent["mobgap_s"] += t2 - t1
        reports[root.name] = {"backstride": ours, "mobgap": theirs, "mixed": mixed}
        timing[root.name] = spent
        commons[root.name] = common

    console = Console()
    out: dict[str, Any] = {"mobgap_version": getattr(mobgap, "__version__", "?"), "datasets": {}}
    for name, pair in reports.items():
        pooled = {tool: rep.pooled() for tool, rep in pair.items()}
        for p in pooled.values():
            p["turns_extra"] = p["turns_detected"] - p["turns_matched"]
        mixed_sl = pooled["mixed"]["stride_length_mae_m"]
        n_ref = int(pooled["backstride"]["ref_bouts"])
        table = Table(
            title=f"{name}: {len(pair['backstride'].results)} recordings, {n_ref} ref bouts"
        )
        for col in ("measure", "BackStride", f"mobgap {out['mobgap_version']}"):
            table.add_column(col, justify="right")
        for label, key, spec in MEASURES:
            cells = []
            for tool in ("backstride", "mobgap"):
                v = pooled[tool][key]
                cells.append("-" if v != v else format(v, spec))
            table.add_row(label, *cells)
        common = commons[name]
        n_common = len(common["backstride"]["cadence_spm"])
        for label, measure, spec in (
            ("cadence MAE spm", "cadence_spm", ".1f"),
            ("stride length MAE m", "stride_length_m", ".3f"),
            ("speed MAE m/s", "walking_speed_mps", ".3f"),
        ):
            per_tool = [common[tool][measure] for tool in ("backstride", "mobgap")]
            if all(per_tool):
                table.add_row(
                    f"{label}, {n_common} bouts both matched",
                    *(format(float(np.mean(v)), spec) for v in per_tool),
                )
        if mixed_sl == mixed_sl:  # not NaN: the data set has a stride-length reference
            table.add_row(
                "SL MAE m, mobgap's SL on BackStride's bouts",
                format(mixed_sl, ".3f"),
                "",
            )
        table.add_row(
            "analysis time s",
            f"{timing[name]['backstride_s']:.1f}",
            f"{timing[name]['mobgap_s']:.1f}",
        )
        console.print(table)
        out["datasets"][name] = {
            "pooled": pooled,
            "time_s": timing[name],
            "bouts_both_matched": {
                tool: {m: float(np.mean(v)) if v else None for m, v in errors.items()}
                | {"n": len(errors["cadence_spm"])}
                for tool, errors in common.items()
            },
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, default=float))
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
