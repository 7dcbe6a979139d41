"""Progress figures (matplotlib ``Figure`` objects without pyplot: no screen, no global state).

Each figure answers one question a walker or physiotherapist asks:
weekly minutes vs target ("am I on track?"), an active-days calendar ("am I walking most
days?"), the cadence distribution ("how much is moderate?"), the pain trend with flares
("is my back settling?"), core-exercise completion, and how the measured walks went ("am I
walking faster, with longer and more even steps, more upright?").

People with chronic low back pain tend to walk slower with shorter steps (Lamoth et al.
2002), but studies disagree (EVIDENCE.md, section 4): the gait figure shows trends for the
walker and the physiotherapist to discuss, each walk and the median of each week, with no
thresholds that would read as a diagnosis.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from backstride.report.data import GaitPoint, ProgressData

MODERATE_SPM = 100.0  # Tudor-Locke et al. 2018: about 100 steps/min is moderate intensity
VIGOROUS_SPM = 130.0
TARGET_COLOUR = "#444444"
WALK_COLOUR = "#2a7ab0"
MODERATE_COLOUR = "#1b5e20"
FLARE_COLOUR = "#d84315"


def _weekly_minutes(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    weeks = [w.week for w in data.weeks]
    walked = [w.walked_minutes for w in data.weeks]
    ax.bar(weeks, walked, color=WALK_COLOUR, label="walked")
    moderate = [w.moderate_minutes for w in data.weeks]
    if any(m is not None for m in moderate):
        ax.bar(weeks, [m or 0 for m in moderate], color=MODERATE_COLOUR, width=0.5,
               label="at >= 100 steps/min (measured)")  # fmt: skip
    ax.step(weeks, [w.target_minutes for w in data.weeks], where="mid", color=TARGET_COLOUR,
            linewidth=2, label="target")  # fmt: skip
    ax.axhline(150, color=TARGET_COLOUR, linestyle=":", linewidth=1)
    ax.annotate("150 min/week (WHO 2020)", xy=(1.0, 150), xycoords=("axes fraction", "data"),
                xytext=(0, 3), textcoords="offset points", ha="right", va="bottom",
                fontsize=8, color=TARGET_COLOUR)  # fmt: skip
    ax.set_xlabel("program week")
    ax.set_ylabel("minutes walked")
    ax.set_title("Weekly walking against the plan")
    ax.set_xticks(weeks)
    ax.set_ylim(0, max([150.0, *walked, *(w.target_minutes for w in data.weeks)]) * 1.2)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _calendar(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 2.8))
    ax = fig.subplots()
    if data.weeks:
        first = data.weeks[0].start
        n_weeks = len(data.weeks)
        grid = np.full((7, n_weeks), np.nan)
        for k in range(n_weeks * 7):
            day = first + dt.timedelta(days=k)
            grid[k % 7, k // 7] = data.walk_days.get(day, 0.0)
        image = ax.imshow(grid, aspect="auto", cmap="Greens", vmin=0, vmax=45,
                          extent=(0.5, n_weeks + 0.5, 6.5, -0.5))  # fmt: skip
        for k in range(n_weeks * 7):
            if grid[k % 7, k // 7] >= 30:
                ax.text(k // 7 + 1, k % 7, "*", ha="center", va="center", fontsize=8)
        ax.set_yticks(range(7))
        ax.set_yticklabels([(first + dt.timedelta(days=d)).strftime("%a") for d in range(7)])
        ax.set_xticks(range(1, n_weeks + 1))
        fig.colorbar(image, ax=ax, label="minutes", shrink=0.8)
    ax.set_xlabel("program week")
    ax.set_title("Active days (* = 30 minutes or more)")
    fig.tight_layout()
    return fig


def _cadence(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    if data.cadences_spm:
        values = np.asarray(data.cadences_spm)
        bins = [float(b) for b in range(60, 151, 5)]
        ax.hist(np.clip(values, 60, 150), bins=bins, color=WALK_COLOUR, edgecolor="white")
        share = float(np.mean(values >= MODERATE_SPM))
        ax.set_title(f"Cadence of measured walks ({100 * share:.0f}% at moderate or faster)")
    else:
        ax.text(0.5, 0.5, "no measured walks yet: import a sensor recording",
                ha="center", va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_title("Cadence of measured walks")
    for x, label in ((MODERATE_SPM, "moderate"), (VIGOROUS_SPM, "vigorous")):
        ax.axvline(x, color=TARGET_COLOUR, linestyle="--", linewidth=1)
        ax.text(x + 1, ax.get_ylim()[1] * 0.9, label, fontsize=8, color=TARGET_COLOUR)
    ax.set_xlabel("median cadence per walk (steps/min)")
    ax.set_ylabel("walks")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _pain(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    if data.pain:
        days = [d for d, _ in data.pain]
        scores = [s for _, s in data.pain]
        ax.plot(date2num(days), scores, marker="o", color=WALK_COLOUR, linewidth=1.5, markersize=4)
        flares = sorted(data.flare_days)
        for day in flares:
            ax.axvspan(
                float(date2num(day)),
                float(date2num(day + dt.timedelta(days=1))),
                color=FLARE_COLOUR,
                alpha=0.25,
                lw=0,
            )
        if flares:
            ax.plot([], [], color=FLARE_COLOUR, alpha=0.4, linewidth=8, label="flare")
        if data.baseline_pain is not None:
            ax.axhline(data.baseline_pain, color=TARGET_COLOUR, linestyle=":",
                       label=f"baseline {data.baseline_pain:g}")  # fmt: skip
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.xaxis_date()
        fig.autofmt_xdate()
    else:
        ax.text(0.5, 0.5, "no pain logged yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylim(-0.3, 10.3)
    ax.set_ylabel("pain (0-10)")
    ax.set_title("Pain trend")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _core(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 2.8))
    ax = fig.subplots()
    weeks = [w.week for w in data.weeks]
    planned = [w.core_sessions_planned for w in data.weeks]
    done = [w.core_sessions_done for w in data.weeks]
    ax.bar(weeks, planned, color="#dddddd", label="planned")
    ax.bar(weeks, done, color=MODERATE_COLOUR, width=0.5, label="done")
    ax.set_xticks(weeks)
    ax.set_ylim(0, max([1, *planned, *done]) * 1.4)
    ax.set_xlabel("program week")
    ax.set_ylabel("core sessions")
    ax.set_title("Core exercises (glute bridge, bird-dog, plank, side plank)")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


#: The gait figure's panels: the GaitPoint field, the panel's title and its y-axis label.
GAIT_PANELS = (
    ("speed_mps", "Walking speed", "m/s"),
    ("stride_length_m", "Stride length", "m"),
    ("trunk_lean_deg", "Forward lean of the trunk, against standing", "degrees"),
    ("step_time_ratio", "Step-time ratio (1 = even steps; a limp raises it)", "ratio"),
)


def weekly_medians(points: list[tuple[dt.date, float]]) -> list[tuple[dt.date, float]]:
    """The median of each 7-day stretch from the first point's day.

    Placed midway between the stretch's first and last walk (a week of one walk on its day).
    """
    if not points:
        return []
    first = min(d for d, _ in points)
    by_week: dict[int, list[tuple[dt.date, float]]] = {}
    for day, value in points:
        by_week.setdefault((day - first).days // 7, []).append((day, value))
    out = []
    for _, week in sorted(by_week.items()):
        early, late = min(d for d, _ in week), max(d for d, _ in week)
        middle = early + dt.timedelta(days=(late - early).days // 2)
        out.append((middle, float(np.median([v for _, v in week]))))
    return out


def _gait(data: ProgressData) -> Figure:
    fig = Figure(figsize=(8, 5.6))
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (name, title, unit) in zip(axes.flat, GAIT_PANELS, strict=True):
        points = [(p.day, v) for p in data.gait if (v := _value(p, name)) is not None]
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
        if name == "step_time_ratio":
            ax.axhline(1.0, color=TARGET_COLOUR, linestyle=":", linewidth=1)
        elif name == "trunk_lean_deg":
            ax.axhline(0.0, color=TARGET_COLOUR, linestyle=":", linewidth=1)
        if not points:
            ax.text(0.5, 0.5, "not measured yet", ha="center", va="center", fontsize=8,
                    color=TARGET_COLOUR, transform=ax.transAxes)  # fmt: skip
            continue
        ax.plot(date2num([d for d, _ in points]), [v for _, v in points], "o", markersize=3,
                color=WALK_COLOUR, alpha=0.5, label="a walk")  # fmt: skip
        weekly = weekly_medians(points)
        ax.plot(date2num([d for d, _ in weekly]), [v for _, v in weekly], "-s", linewidth=2,
                markersize=4, color=MODERATE_COLOUR, label="weekly median")  # fmt: skip
    days = [p.day for p in data.gait]
    if days:  # at least two weeks wide, so one walk is not drawn against hours
        first, last = min(days), max(days)
        pad = max(1, (14 - (last - first).days) // 2)
        axes.flat[0].set_xlim(
            float(date2num(first - dt.timedelta(days=pad))),
            float(date2num(last + dt.timedelta(days=pad))),
        )
        locator = AutoDateLocator(maxticks=6)
        for ax in axes.flat:
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    drawn = [ax for ax in axes.flat if ax.get_legend_handles_labels()[0]]
    if drawn:
        drawn[0].legend(loc="best", fontsize=7, frameon=False)
    fig.suptitle("How the measured walks went (trends to discuss, not a diagnosis)", fontsize=10)
    fig.tight_layout()
    return fig


def _value(point: GaitPoint, name: str) -> float | None:
    value = getattr(point, name)
    return None if value is None or not np.isfinite(value) else float(value)


#: In the report's order: how much, how often, how briskly and how well they walked, then
#: pain and core work.
FIGURES = {
    "weekly_minutes": _weekly_minutes,
    "active_days": _calendar,
    "cadence": _cadence,
    "gait": _gait,
    "pain": _pain,
    "core": _core,
}


def progress_figures(data: ProgressData, fmt: str = "png") -> dict[str, bytes]:
    """Render every progress figure; returns name -> image bytes (``png`` or ``svg``)."""
    out: dict[str, bytes] = {}
    for name, draw in FIGURES.items():
        fig = draw(data)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=110)
        out[name] = buffer.getvalue()
    return out
