"""Per-stride stride length against the references, for two definitions of the excursion.

The inverted pendulum (Zijlstra and Hof 2003) turns a step's vertical excursion ``h`` into a
step length. BackStride takes ``h`` as the peak-to-peak size of the position's step-periodic
component (:func:`backstride.gait.parameters.step_excursions`); the earlier definition, and
mobgap's, is the maximum minus the minimum of the position between the two contacts. This
script scores both, stride by stride, against the per-stride lengths the Mobilise-D
``data.mat`` files carry for INDIP and for the lab's motion capture
(``ContinuousWalkingPeriod.Stride_InitialContacts`` and ``Stride_Length``), grouped by how
fast the trunk turns during the stride (the gyroscope's rate about "up").

A reference stride is matched to a BackStride stride (contact i to i + 2 of one bout) whose
first and last contacts are both within 0.25 s of the reference's. Everything else (bouts,
contacts, the position signal, the leg length, the scaling factor) is BackStride's own, so
the two columns differ only in ``h``. BackStride's column is its output, so it includes the
vaulting share (:func:`backstride.gait.parameters.vaulting_weights`) since that was added.

Usage::

    python bench/stride_excursion.py     # writes bench/results/stride-excursion.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from backstride.gait.orientation import gravity_and_vertical
from backstride.gait.parameters import (
    pendulum_length,
    pendulum_step_lengths,
    resample_segments,
    vertical_displacement,
)
from backstride.gait.pipeline import analyze
from backstride.io.mobilised import read_mobilised_mat
from backstride.validation.references import load_mobilised_mat_reference_systems

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "data" / "mobilised-lab"
RESULTS = ROOT / "bench" / "results" / "stride-excursion.json"
TOLERANCE_S = 0.25
SYSTEMS = ("INDIP", "Stereophoto")
YAW_BINS = [0.0, 20.0, 40.0, np.inf]  # deg/s, mean |rate about "up"| during the stride


def _max_minus_min(position: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The earlier excursion: highest minus lowest position between the two contacts."""
    seg = resample_segments(position, starts, ends, 32)
    return np.asarray(seg.max(axis=1) - seg.min(axis=1))


def measure(dataset: Path = DATASET) -> pd.DataFrame:
    """One row per matched reference stride: system, yaw rate, reference and both estimates.

    The step-periodic estimate is BackStride's own output (``step_length_m`` of the two
    steps); the max-minus-min one is recomputed from the same contacts and position.
    """
    rows = []
    for mat in sorted(dataset.rglob("data.mat")):
        systems = load_mobilised_mat_reference_systems(mat)
        for rec in read_mobilised_mat(mat):
            references = {s: systems[s][rec.name] for s in SYSTEMS if rec.name in systems[s]}
            leg, _ = pendulum_length(rec.sensor_height_m, rec.height_m)
            if not references or leg is None or rec.gyr is None:
                continue
            fs = rec.sample_rate_hz
            up, _, vertical = gravity_and_vertical(rec.acc, fs)
            position = vertical_displacement(vertical, fs)
            yaw_rate = np.abs(np.einsum("ij,ij->i", rec.gyr, up))
            steps = analyze(rec).steps
            steps = steps[~steps["stopping"]]  # the walks' strides, as their values take them
            t = steps["ic_s"].to_numpy(dtype=float)
            bout = steps["bout_id"].to_numpy()
            step_length = steps["step_length_m"].to_numpy(dtype=float)
            for system, reference in references.items():
                for c0, c1, length in (s for b in reference.bouts for s in b.strides):
                    i = int(np.argmin(np.abs(t - c0))) if t.size else -1
                    if i < 0 or i + 2 >= t.size or bout[i + 2] != bout[i]:
                        continue
                    if abs(t[i] - c0) > TOLERANCE_S or abs(t[i + 2] - c1) > TOLERANCE_S:
                        continue
                    idx = np.round(t[i : i + 3] * fs).astype(np.int64)
                    excursion = _max_minus_min(position, idx[:-1], idx[1:])
                    rows.append(
                        {
                            "trial": f"{mat.parent.name}/{rec.name}",
                            "system": system,
                            "yaw_rate_dps": float(yaw_rate[idx[0] : idx[-1]].mean()),
                            "reference_m": length,
                            "max_minus_min_m": float(pendulum_step_lengths(excursion, leg).sum()),
                            "step_periodic_m": float(step_length[i] + step_length[i + 1]),
                        }
                    )
    return pd.DataFrame(rows)


def summarise(strides: pd.DataFrame) -> pd.DataFrame:
    """Bias and MAE of both estimates per yaw-rate band."""
    band = pd.cut(strides["yaw_rate_dps"], YAW_BINS, right=False)
    out = {}
    for name in ("max_minus_min_m", "step_periodic_m"):
        err = strides[name] - strides["reference_m"]
        grouped = err.groupby(band, observed=True)
        out[f"bias {name}"] = grouped.mean()
        out[f"MAE {name}"] = grouped.apply(lambda e: e.abs().mean())
    table = pd.DataFrame(out)
    table.insert(0, "strides", band.value_counts().reindex(table.index))
    return table


def main() -> None:
    strides = measure()
    table = summarise(strides)
    with pd.option_context("display.width", 200, "display.float_format", "{:+.3f}".format):
        print(f"{len(strides)} matched strides ({', '.join(SYSTEMS)}), by mean |yaw rate|, deg/s")
        print(table.to_string())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "strides": strides.to_dict(orient="records"),
                "by_yaw_rate": {str(k): v for k, v in table.to_dict(orient="index").items()},
            },
            indent=1,
        )
    )
    print(f"[stride-excursion] wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
