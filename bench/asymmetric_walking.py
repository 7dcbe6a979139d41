"""Contacts and step times on real walks re-timed into a limp.

Each trial of the IPOL set (``../shared/data/ipol-lumbar``, read in place) and of the bundled
Mobilise-D lab set is re-timed so that every other step of each reference bout is ``r`` times
longer than the ones between (:mod:`backstride.validation.transforms`, strides unchanged), for
``r`` from 1 (the walk as recorded) to 1.6, and validated against its reference re-timed
alike. Besides the pooled contact agreement, it reports what BackStride measures of the limp
on the straight walks (the Mobilise-D ``Test5`` trials against motion capture, the IPOL
trials): the longest bout's ``step_time_ratio`` (one foot's median step time over the
other's) and its step symmetry (step / stride regularity).

Usage::

    python bench/asymmetric_walking.py     # writes bench/results/asymmetric-walking.json
"""

from __future__ import annotations

import numpy as np
from sweeps import present_roots, write_rows

import backstride.gait.pipeline as pipeline
from backstride.validation.references import Reference
from backstride.validation.runner import (
    ValidationReport,
    compare,
    find_cases,
    reference_step_time_ratio,
)
from backstride.validation.transforms import asymmetric_recording, asymmetric_reference

RATIOS = (1.0, 1.15, 1.3, 1.45, 1.6)


def longest_reference_ratio(reference: Reference) -> float:
    """The step-time ratio of the reference's longest bout, by BackStride's own rule."""
    if not reference.bouts:
        return float("nan")
    return reference_step_time_ratio(max(reference.bouts, key=lambda b: b.end_s - b.start_s))


def main() -> None:
    rows = []
    for root in present_roots():
        cases = find_cases(root)
        for ratio in RATIOS:
            results = []
            measured: list[tuple[float, float, float]] = []
            for dataset, rec, ref in cases:
                if not ref.bouts:
                    continue
                limping = asymmetric_recording(rec, ref, ratio)
                analysis = pipeline.analyze(limping)
                results.append(
                    compare(dataset, limping, analysis, asymmetric_reference(ref, ratio))
                )
                straight = dataset == "ipol" or (
                    dataset == "mobilised-stereo" and "Test5" in rec.name
                )
                if straight and not analysis.bouts.empty:
                    longest = analysis.bouts.iloc[int(analysis.bouts["duration_s"].argmax())]
                    measured.append(
                        (
                            float(longest["step_time_ratio"]),
                            float(longest["step_symmetry"]),
                            longest_reference_ratio(asymmetric_reference(ref, ratio)),
                        )
                    )
            report = ValidationReport(results)
            ratios = np.array([m[0] for m in measured])
            symmetries = np.array([m[1] for m in measured])
            truth = np.array([m[2] for m in measured])
            both = np.isfinite(ratios) & np.isfinite(truth)
            for dataset in dict.fromkeys(r.dataset for r in results):
                pooled = report.pooled(dataset)
                row = {
                    "dataset": dataset,
                    "step_time_ratio": ratio,
                    "ic_f1": pooled["ic_f1"],
                    "ic_precision": pooled["ic_precision"],
                    "ic_recall": pooled["ic_recall"],
                    "ic_mae_s": pooled["ic_mae_s"],
                    "walking_f1": pooled.get("walking_f1", float("nan")),
                    "cadence_mae_spm": pooled["cadence_mae_spm"],
                    "measured_step_time_ratio": float(np.nanmedian(ratios)),
                    "step_symmetry": float(np.nanmedian(symmetries)),
                    "reference_step_time_ratio": float(np.nanmedian(truth)),
                    "step_time_ratio_mae": float(np.mean(np.abs(ratios - truth)[both])),
                    "step_time_ratio_walks": int(both.sum()),
                }
                rows.append(row)
                print(
                    f"{dataset:16s} r {ratio:.2f}  F1 {row['ic_f1']:.3f} "
                    f"(P {row['ic_precision']:.3f} R {row['ic_recall']:.3f})  "
                    f"timing {row['ic_mae_s']:.3f} s  walk F1 "
                    f"{row['walking_f1']:.3f}  cadence {row['cadence_mae_spm']:.2f}  measured "
                    f"step-time ratio {row['measured_step_time_ratio']:.2f} (reference "
                    f"{row['reference_step_time_ratio']:.2f}, error "
                    f"{row['step_time_ratio_mae']:.3f} over {row['step_time_ratio_walks']} "
                    f"walks), step symmetry {row['step_symmetry']:.2f} (straight walks of "
                    f"{root.name})",
                    flush=True,
                )
    write_rows("asymmetric-walking.json", rows)


if __name__ == "__main__":
    main()
