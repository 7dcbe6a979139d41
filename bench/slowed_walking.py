"""Contacts on real walks slowed down, with the search window scaled to the pace and fixed.

Each trial of the IPOL set (``../shared/data/ipol-lumbar``, read in place) and of the bundled
Mobilise-D lab set is slowed 1 to 2 times (:mod:`backstride.validation.transforms`: cadence
from about 105 down to about 52 steps/min, the trunk's path unchanged) and validated against
its reference, slowed alike. Two versions of the contact search are compared: the loading-peak
search window stretched with the walker's pace (BackStride's,
``detect_contact_candidates(design_step_s=0.55)``), and fixed (``design_step_s=None``, the
previous version). The +-0.25 s matching tolerance is not stretched, so even a method that
scaled perfectly would lose contacts whose timing error grows past it.

Usage::

    python bench/slowed_walking.py     # writes bench/results/slowed-walking.json
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from sweeps import candidates_with, present_roots, write_rows

import backstride.gait.pipeline as pipeline
from backstride.validation.metrics import PlaceCounts
from backstride.validation.runner import ValidationReport, compare, find_cases
from backstride.validation.transforms import slowed_recording, slowed_reference

FACTORS = (1.0, 1.25, 1.5, 1.75, 2.0)


def score(root: Path, k: float) -> dict[str, dict[str, float]]:
    """Pooled agreement per reference system of the recordings under ``root``, k times slower."""
    results = []
    for dataset, rec, ref in find_cases(root):
        slow = slowed_recording(rec, k)
        results.append(compare(dataset, slow, pipeline.analyze(slow), slowed_reference(ref, k)))
    report = ValidationReport(results)
    out = {}
    for dataset in dict.fromkeys(r.dataset for r in results):
        pooled = report.pooled(dataset)
        straight = sum(
            (r.places["straight"] for r in results if r.dataset == dataset), PlaceCounts()
        )
        out[dataset] = {
            "ic_f1": pooled["ic_f1"],
            "ic_mae_s": pooled["ic_mae_s"],
            "cadence_mae_spm": pooled["cadence_mae_spm"],
            "stride_length_mae_m": pooled["stride_length_mae_m"],
            "straight_recall": straight.recall,
            "straight_extra": straight.extra,
            "straight_reference": straight.reference,
        }
    return out


def main() -> None:
    rows = []
    for root in present_roots():
        for k in FACTORS:
            for method in ("scaled", "fixed"):
                with candidates_with(design_step_s=None) if method == "fixed" else nullcontext():
                    scores = score(root, k)
                for dataset, v in scores.items():
                    rows.append({"dataset": dataset, "slowed": k, "window": method, **v})
                    print(
                        f"{dataset:16s} x{k:.2f} {method:6s} F1 {v['ic_f1']:.3f}  "
                        f"timing {v['ic_mae_s']:.3f} s  cadence {v['cadence_mae_spm']:.2f}  "
                        f"stride {v['stride_length_mae_m']:.3f} m  straight walking "
                        f"{v['straight_recall']:.3f} found, {v['straight_extra']} extra",
                        flush=True,
                    )
    write_rows("slowed-walking.json", rows)


if __name__ == "__main__":
    main()
