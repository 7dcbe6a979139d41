"""How far the two Mobilise-D reference systems agree with each other.

The lab recordings carry two references: INDIP (foot IMUs, pressure insoles, distance
sensors) over the whole trial, and stereophotogrammetry (motion capture), the gold standard
INDIP was validated against, inside the lab's capture volume. Here the motion capture's
contacts are scored against INDIP's with BackStride's own scorer
(:func:`backstride.validation.metrics.match_contacts`: +-0.25 s, one to one, a motion-capture
contact where INDIP counted a contact it could not time unverifiable, as ``backstride
validate`` scores BackStride's), counting only INDIP contacts inside the capture volume (its
bouts, +-0.25 s), where both systems saw the walker. Where the motion capture itself lost a
contact (NaN), the INDIP contact there counts as one it missed, which can only lower F1.

The pooled F1 is the most any method that agrees perfectly with the motion capture could
score against INDIP inside the volume; outside it, INDIP also leaves out whole walks that
the trunk shows (docs/validation.md).

Per bout, each motion-capture bout is matched to the INDIP bout overlapping it most (the rule
``backstride validate`` uses for BackStride's bouts) and their cadence, stride length and
walking speed are compared, as each system reports them for its whole bout.

Usage::

    python bench/reference_agreement.py     # writes bench/results/reference-agreement.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from backstride.validation.metrics import match_bouts, match_contacts
from backstride.validation.references import load_mobilised_mat_reference_systems

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "mobilised-lab"
OUT = ROOT / "bench" / "results" / "reference-agreement.json"
TOLERANCE_S = 0.25
MEASURES = ("cadence_spm", "stride_length_m", "walking_speed_mps")


def main() -> None:
    rows: list[dict[str, Any]] = []
    bouts: list[dict[str, Any]] = []
    for mat in sorted(DATA.rglob("data.mat")):
        systems = load_mobilised_mat_reference_systems(mat)
        for trial, optical in systems["Stereophoto"].items():
            indip = systems["INDIP"].get(trial)
            if indip is None or not indip.bouts or not optical.bouts:
                continue
            spans = np.array([(b.start_s, b.end_s) for b in optical.bouts])
            spans = spans + np.array([-TOLERANCE_S, TOLERANCE_S])
            seen = [
                t
                for t in indip.initial_contacts_s
                if ((spans[:, 0] <= t) & (t <= spans[:, 1])).any()
            ]
            indip_spans = [(b.start_s, b.end_s) for b in indip.bouts]
            optical_spans = [(b.start_s, b.end_s) for b in optical.bouts]
            for bout, k in zip(optical.bouts, match_bouts(indip_spans, optical_spans), strict=True):
                if k is None:
                    continue
                other = indip.bouts[k]
                bouts.append(
                    {
                        "recording": f"{mat.parent.name}/{trial}",
                        "start_s": bout.start_s,
                        **{
                            f"{m}_{who}": getattr(b, m)
                            for m in MEASURES
                            for who, b in (("motion_capture", bout), ("indip", other))
                        },
                    }
                )
            agreement = match_contacts(
                optical.initial_contacts_s, seen, TOLERANCE_S, untimed=indip.untimed_contacts
            )
            rows.append(
                {
                    "recording": f"{mat.parent.name}/{trial}",
                    "motion_capture_contacts": agreement.n_detected,
                    "indip_contacts_in_volume": agreement.n_reference,
                    "matched": agreement.n_matched,
                    "unverifiable": agreement.n_unverifiable,
                    "f1": agreement.f1,
                    "mean_abs_error_s": agreement.mean_abs_error_s,
                }
            )
    matched = sum(r["matched"] for r in rows)
    scored = sum(r["motion_capture_contacts"] - r["unverifiable"] for r in rows)
    reference = sum(r["indip_contacts_in_volume"] for r in rows)
    pooled = 2 * matched / (scored + reference) if scored + reference else float("nan")
    print("motion capture scored against INDIP, inside the capture volume")
    print(f"{'recording':<24} {'mocap':>5} {'INDIP':>5} {'matched':>7} {'F1':>6} {'MAE s':>6}")
    for r in rows:
        print(
            f"{r['recording']:<24} {r['motion_capture_contacts']:>5} "
            f"{r['indip_contacts_in_volume']:>5} {r['matched']:>7} {r['f1']:>6.3f} "
            f"{r['mean_abs_error_s']:>6.3f}"
        )
    print(f"{'pooled':<24} {scored:>5} {reference:>5} {matched:>7} {pooled:>6.3f}")
    print("\nper bout (matched by overlap): motion capture / INDIP")
    print(f"{'recording':<24} {'start s':>7} {'cadence':>13} {'stride m':>13} {'speed m/s':>13}")
    mae = {}
    for m in MEASURES:
        pairs = [
            (float(b[f"{m}_motion_capture"]), float(b[f"{m}_indip"]))
            for b in bouts
            if b[f"{m}_motion_capture"] is not None and b[f"{m}_indip"] is not None
        ]
        mae[m] = float(np.mean([abs(a - c) for a, c in pairs])) if pairs else float("nan")
    for b in bouts:
        cells = [
            f"{b[f'{m}_motion_capture']:.{d}f} / {b[f'{m}_indip']:.{d}f}"
            for m, d in zip(MEASURES, (1, 2, 2), strict=True)
        ]
        print(f"{b['recording']:<24} {b['start_s']:>7.1f} " + " ".join(f"{c:>13}" for c in cells))
    print(
        f"{'mean |difference|':<32} {mae['cadence_spm']:>13.1f} "
        f"{mae['stride_length_m']:>13.3f} {mae['walking_speed_mps']:>13.3f}"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {"recordings": rows, "pooled_f1": pooled, "bouts": bouts, "bout_mae": mae}, indent=1
        )
    )
    print(f"[reference-agreement] wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
