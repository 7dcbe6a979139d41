"""The contact candidates' prominence floor swept, and where each floor's contacts come from.

The IPOL contact-F1 target (0.97) is reached with a floor of 0.05 m/s^2 instead of 0.2; this
script shows what that costs and why it is not kept. Each floor is run over the IPOL set
(``../shared/data/ipol-lumbar``, read in place) and the bundled Mobilise-D lab set (against
INDIP and, inside its volume, motion capture), and reports per reference system the pooled
agreement, the contacts by place (straight walking, turns, the first and last contact of a
walk, outside the reference's walks), and, for IPOL, how far BackStride's walks run past the
trial's last reference contact: a lower floor finds the IPOL walks' closing steps because it
lets the walks run on over the weak humps after the walker stopped, which in the Mobilise-D
daily-life trials are not steps.

Usage::

    python bench/prominence_floor.py     # writes bench/results/prominence-floor.json
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from sweeps import candidates_with, present_roots, write_rows

import backstride.gait.pipeline as pipeline
from backstride.validation.metrics import PlaceCounts
from backstride.validation.runner import (
    Case,
    RecordingResult,
    ValidationReport,
    compare,
    find_cases,
)

FLOORS = (0.3, 0.2, 0.1, 0.05)
#: The pooled measures each JSON row keeps.
KEYS = ("ic_f1", "walking_f1", "cadence_mae_spm", "stride_length_mae_m")


def overrun_s(result: RecordingResult) -> float | None:
    """How far the detected walks run past the reference's last contact, s (IPOL trials)."""
    if not result.reference_contacts_s or not result.detected_bouts:
        return None
    last_ref = max(result.reference_contacts_s)
    ends = [end for start, end in result.detected_bouts if start <= last_ref + 1.0]
    return max(ends) - last_ref if ends else None


@dataclass
class FloorScore:
    """One reference system's agreement at one floor."""

    dataset: str
    floor_mps2: float
    pooled: dict[str, float]
    bouts: int
    places: dict[str, PlaceCounts]
    overruns_s: list[float] = field(default_factory=list)

    def line(self) -> str:
        """The printed summary."""
        p = self.pooled
        places = "; ".join(
            f"{name} {c.found}/{c.reference} +{c.extra}" for name, c in self.places.items()
        )
        overrun = (
            f"  walks end a median {np.median(self.overruns_s):.2f} s (at most "
            f"{np.max(self.overruns_s):.2f} s) after the trial's last reference contact"
            if self.overruns_s
            else ""
        )
        return (
            f"{self.dataset:16s} floor {self.floor_mps2:.2f}  F1 {p['ic_f1']:.3f}  walking "
            f"{p['walking_f1']:.3f}  cadence {p['cadence_mae_spm']:.1f}  stride "
            f"{p['stride_length_mae_m']:.3f} m  bouts {self.bouts}  | {places}{overrun}"
        )

    def row(self) -> dict[str, object]:
        """The JSON row."""
        return {
            "dataset": self.dataset,
            "floor_mps2": self.floor_mps2,
            **{k: self.pooled[k] for k in KEYS},
            "bouts": self.bouts,
            "places": {n: dataclasses.asdict(c) for n, c in self.places.items()},
            "overrun_median_s": float(np.median(self.overruns_s)) if self.overruns_s else None,
            "overrun_max_s": float(np.max(self.overruns_s)) if self.overruns_s else None,
        }


def score(cases: list[Case], floor: float) -> list[FloorScore]:
    """Pooled agreement and contacts by place per reference system at ``floor``."""
    with candidates_with(min_prominence_mps2=floor):
        results = [compare(d, rec, pipeline.analyze(rec), ref) for d, rec, ref in cases]
    report = ValidationReport(results)
    out = []
    for dataset in dict.fromkeys(r.dataset for r in results):
        mine = [r for r in results if r.dataset == dataset]
        overruns = [x for x in map(overrun_s, mine) if x is not None] if dataset == "ipol" else []
        out.append(
            FloorScore(
                dataset,
                floor,
                report.pooled(dataset),
                sum(len(r.detected_bouts) for r in mine),
                report.places(dataset),
                overruns,
            )
        )
    return out


def main() -> None:
    rows = []
    for root in present_roots():
        cases = find_cases(root)
        for floor in FLOORS:
            for s in score(cases, floor):
                print(s.line(), flush=True)
                rows.append(s.row())
    write_rows("prominence-floor.json", rows)


if __name__ == "__main__":
    main()
