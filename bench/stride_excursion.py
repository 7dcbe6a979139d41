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
the two columns differ only in ``h``.

Usage::

    python bench/stride_excursion.py     # writes bench/results/stride-excursion.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.io import loadmat

from backstride.gait.orientation import gravity_and_vertical
from backstride.gait.parameters import (
    ZIJLSTRA_CORRECTION,
    resample_segments,
    step_excursions,
    vertical_displacement,
)
from backstride.gait.pipeline import analyze
from backstride.io.mobilised import read_mobilised_mat, test_levels

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "data" / "mobilised-lab"
RESULTS = ROOT / "bench" / "results" / "stride-excursion.json"
TOLERANCE_S = 0.25
SYSTEMS = ("INDIP", "Stereophoto")
YAW_BINS = [0.0, 20.0, 40.0, np.inf]  # deg/s, mean |rate about "up"| during the stride


def _pendulum(h: np.ndarray, leg: float) -> np.ndarray:
    h = np.minimum(h, leg)
    return np.asarray(ZIJLSTRA_CORRECTION * 2 * np.sqrt(2 * leg * h - h * h))


def _max_minus_min(position: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    seg = resample_segments(position, starts, ends, 32)
    return np.asarray(seg.max(axis=1) - seg.min(axis=1))


def _reference_strides(standard: dict[str, Any]) -> list[tuple[float, float, float]]:
    """(first contact s, last contact s, length m) of every timed stride of one system."""
    wbs = standard.get("ContinuousWalkingPeriod")
    wbs = [wbs] if isinstance(wbs, dict) else list(np.atleast_1d(wbs).tolist())
    fs = float(standard.get("Fs", 100.0))
    out = []
    for wb in wbs:
        if not isinstance(wb, dict):
            continue
        ics = np.atleast_2d(np.asarray(wb.get("Stride_InitialContacts", []), dtype=float))
        lengths = np.atleast_1d(np.asarray(wb.get("Stride_Length", []), dtype=float))
        events = np.asarray(wb.get("InitialContact_Event", []), dtype=float)
        if ics.shape[-1] != 2 or ics.shape[0] != lengths.size or not np.isfinite(events).any():
            continue
        # INDIP stores the stride contacts as sample numbers, the motion capture in seconds
        if np.nanmax(ics) > 2 * np.nanmax(events):
            ics = ics / fs
        out += [(a, b, s) for (a, b), s in zip(ics, lengths, strict=True) if np.isfinite(s)]
    return out


def measure(dataset: Path = DATASET) -> pd.DataFrame:
    """One row per matched reference stride: system, yaw rate, reference and both estimates."""
    rows = []
    for mat in sorted(dataset.rglob("data.mat")):
        doc = loadmat(mat, simplify_cells=True)["data"]
        standards = {}
        for key, measure_ in doc.items():
            if str(key).lower().startswith("timemeasure") and isinstance(measure_, dict):
                for names, content in test_levels(measure_):
                    standards["-".join(names)] = content.get("Standards", {})
        for rec in read_mobilised_mat(mat):
            trial = rec.name.split("/")[-1]
            leg = rec.sensor_height_m or (0.53 * rec.height_m if rec.height_m else None)
            if trial not in standards or leg is None or rec.gyr is None:
                continue
            fs = rec.sample_rate_hz
            up, _, vertical = gravity_and_vertical(rec.acc, fs)
            position = vertical_displacement(vertical, fs)
            yaw_rate = np.abs(np.einsum("ij,ij->i", rec.gyr, up))
            steps = analyze(rec).steps
            t = steps["ic_s"].to_numpy(dtype=float)
            bout = steps["bout_id"].to_numpy()
            for system in SYSTEMS:
                standard = standards[trial].get(system)
                if not isinstance(standard, dict):
                    continue
                for c0, c1, length in _reference_strides(standard):
                    i = int(np.argmin(np.abs(t - c0))) if t.size else -1
                    if i < 0 or i + 2 >= t.size or bout[i + 2] != bout[i]:
                        continue
                    if abs(t[i] - c0) > TOLERANCE_S or abs(t[i + 2] - c1) > TOLERANCE_S:
                        continue
                    idx = np.round(t[i : i + 3] * fs).astype(np.int64)
                    starts, ends = idx[:-1], idx[1:]
                    rows.append(
                        {
                            "trial": f"{mat.parent.name}/{trial}",
                            "system": system,
                            "yaw_rate_dps": float(yaw_rate[idx[0] : idx[-1]].mean()),
                            "reference_m": length,
                            "max_minus_min_m": float(
                                _pendulum(_max_minus_min(position, starts, ends), leg).sum()
                            ),
                            "step_periodic_m": float(
                                _pendulum(step_excursions(position, starts, ends), leg).sum()
                            ),
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
