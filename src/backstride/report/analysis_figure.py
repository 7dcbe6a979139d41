"""One picture of an analysed recording: when the wearer walked, and how briskly.

``backstride analyze --out-dir`` writes it as ``overview.png`` (one per recording of a
multi-trial file). Two panels answer the two questions a walker or a physiotherapist asks
first:

- *When and how briskly?* The cadence of every walking second against time, coloured by
  intensity (below 100 steps/min, moderate at 100 or more, vigorous at 130 or more; Tudor-Locke
  et al. 2018), with the walking bouts as a strip underneath and each turn of 45 degrees
  or more (where a gyroscope tells them) marked above it; the hours when the sensor was
  not worn are shaded, so that no walking there reads as no walking done.
- *How much?* For a recording that spans several calendar days, walking minutes per day with
  the moderate and vigorous part; for a shorter one, cumulative walking and moderate minutes
  over the recording.

Built with matplotlib's object API (no pyplot state), so it renders without a display and the
same from the CLI, the tests or a notebook. A week has tens of thousands of bouts and several
hundred thousand walking seconds: bouts are drawn as one ``broken_barh`` and the seconds as one
rasterised scatter, so drawing stays fast.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from backstride.gait.pipeline import MODERATE_SPM, VIGOROUS_SPM, WalkingAnalysis

LIGHT = "#90a4ae"
MODERATE = "#2e7d32"
VIGOROUS = "#1b3d8f"
BOUT = "#2a7ab0"
TURN = "#c75b12"
NOT_WORN = "#eceff1"


def _time_unit(duration_s: float) -> tuple[float, str]:
    """Divisor and axis label for a recording of this length."""
    if duration_s > 2 * 3600:
        return 3600.0, "hours from the start"
    if duration_s > 600:
        return 60.0, "minutes from the start"
    return 1.0, "seconds from the start"


def analysis_figure(analysis: WalkingAnalysis) -> Figure:
    """The overview figure of one analysed recording."""
    rec = analysis.recording
    duration = float(rec.get("duration_s") or 0.0)
    scale, xlabel = _time_unit(duration)
    fig = Figure(figsize=(9.0, 6.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    title = f"{rec.get('name') or 'recording'}"
    if rec.get("start"):
        title += f", from {str(rec['start'])[:16].replace('T', ' ')}"
    fig.suptitle(title, fontsize=11)

    # --- cadence of each walking second, bouts underneath -----------------------------------
    sec = analysis.per_second
    t = (sec["second"].to_numpy(dtype=float) + 0.5) / scale
    cad = sec["cadence_spm"].to_numpy(dtype=float)
    size = 6.0 if duration <= 2 * 3600 else 1.5  # hours of walking seconds are dense
    for lo, hi, colour, label in (
        (-np.inf, MODERATE_SPM, LIGHT, f"< {MODERATE_SPM:g} steps/min"),
        (MODERATE_SPM, VIGOROUS_SPM, MODERATE, f"moderate, >= {MODERATE_SPM:g}"),
        (VIGOROUS_SPM, np.inf, VIGOROUS, f"vigorous, >= {VIGOROUS_SPM:g}"),
    ):
        sel = (cad >= lo) & (cad < hi)
        top.scatter(t[sel], cad[sel], s=size, color=colour, label=label, rasterized=True)
    for level in (MODERATE_SPM, VIGOROUS_SPM):
        top.axhline(level, color="#9e9e9e", linewidth=0.8, linestyle=":")
    finite = cad[np.isfinite(cad)]
    cad_top = max(150.0, float(finite.max()) + 10) if finite.size else 150.0
    strip = (0.0, cad_top * 0.04)
    bouts = analysis.bouts
    if len(bouts):
        spans = list(
            zip(
                bouts["start_s"].to_numpy(dtype=float) / scale,
                bouts["duration_s"].to_numpy(dtype=float) / scale,
                strict=True,
            )
        )
        top.broken_barh(spans, strip, color=BOUT, label="walking bout")
    turns = analysis.turns
    if len(turns):  # each turn of 45 degrees or more, a mark above the strip at its middle
        mid = (turns["start_s"].to_numpy(dtype=float) + turns["end_s"].to_numpy(dtype=float)) / 2
        top.plot(
            mid / scale,
            np.full(mid.size, strip[1] * 1.8),
            linestyle="none",
            marker="v",
            markersize=4,
            color=TURN,
            label="turn >= 45 deg",
        )
    off = analysis.non_wear
    off_s = np.zeros((0, 2)) if off is None else off[["start_s", "end_s"]].to_numpy(dtype=float)
    for k, (start, end) in enumerate((off_s / scale).tolist()):
        top.axvspan(start, end, color=NOT_WORN, zorder=0, label="not worn" if k == 0 else None)
    top.set_xlim(0, max(duration / scale, 1e-9))
    top.set_ylim(0, cad_top * 1.12)  # room for the legend above the highest cadence
    top.set_ylabel("cadence (steps/min)")
    top.set_xlabel(xlabel)
    s = analysis.summary
    n_bouts = int(s.get("n_bouts", 0))
    n_turns = s.get("n_turns")
    top.set_title(
        f"{n_bouts} walking bout{'' if n_bouts == 1 else 's'}, "
        f"{float(s.get('walking_s', 0)) / 60:.1f} min, "
        f"{int(s.get('steps', 0))} steps"
        + ("" if n_turns is None else f", {n_turns} turn{'' if n_turns == 1 else 's'}")
        + f"; moderate {float(s.get('moderate_s', 0)) / 60:.1f} min",
        fontsize=9,
    )
    if len(bouts) or len(sec) or len(off_s):
        top.legend(loc="upper right", fontsize=7, frameon=False, ncol=4)
    top.spines[["top", "right"]].set_visible(False)

    # --- how much: per day, or cumulative over a short recording ----------------------------
    days = analysis.days
    if len(days) > 1:
        _per_day(bottom, days)
    else:
        _cumulative(bottom, sec, scale, xlabel, duration)
    bottom.spines[["top", "right"]].set_visible(False)
    return fig


def _per_day(ax: Axes, days: pd.DataFrame) -> None:
    x = np.arange(len(days))
    walked = days["walking_s"].to_numpy(dtype=float) / 60
    moderate = days["moderate_s"].to_numpy(dtype=float) / 60
    vigorous = days["vigorous_s"].to_numpy(dtype=float) / 60
    ax.bar(x, walked, color=LIGHT, label="walking")
    ax.bar(x, moderate, color=MODERATE, width=0.6, label="moderate or faster")
    ax.bar(x, vigorous, color=VIGOROUS, width=0.35, label="vigorous")
    recorded = days["recorded_s"].to_numpy(dtype=float)
    worn = pd.to_numeric(days["worn_s"]).to_numpy(dtype=float)
    partial = np.where(np.isnan(worn), recorded, worn) < 23 * 3600
    labels = [
        f"{d}{'*' if p else ''}" for d, p in zip(days["day"].astype(str), partial, strict=True)
    ]
    ax.set_xticks(x, labels, fontsize=7, rotation=30 if len(days) > 7 else 0)
    ax.set_ylabel("minutes")
    ax.set_title("walking per day (* = day only partly recorded or worn)", fontsize=9)
    ax.legend(loc="upper left", fontsize=7, frameon=False)


def _cumulative(ax: Axes, sec: pd.DataFrame, scale: float, xlabel: str, end_s: float) -> None:
    ordered = sec.sort_values("second")
    t = np.r_[0.0, ordered["second"].to_numpy(dtype=float) + 1.0, end_s]
    cad = ordered["cadence_spm"].to_numpy(dtype=float)
    walked = np.r_[0.0, np.arange(1, cad.size + 1), cad.size] / 60
    moderate = np.r_[0.0, np.cumsum(cad >= MODERATE_SPM), int((cad >= MODERATE_SPM).sum())] / 60
    ax.step(t / scale, walked, where="post", color=BOUT, label="walking")
    ax.step(t / scale, moderate, where="post", color=MODERATE, label="moderate or faster")
    ax.set_xlim(0, max(end_s / scale, 1e-9))
    ax.set_ylim(0, max(float(walked[-1]) * 1.1, 0.5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("minutes, cumulative")
    ax.set_title("walking time so far", fontsize=9)
    ax.legend(loc="upper left", fontsize=7, frameon=False)


def analysis_png(analysis: WalkingAnalysis, dpi: int = 110) -> bytes:
    """The overview figure as PNG bytes."""
    buffer = io.BytesIO()
    analysis_figure(analysis).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
