"""The progress report as one self-contained HTML file (figures embedded) or a PDF."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages

from backstride.output import atomic_write_bytes, atomic_write_text
from backstride.report.data import ProgressData
from backstride.report.figures import FIGURES, progress_figures

TITLES = {
    "weekly_minutes": "Weekly minutes against the plan",
    "active_days": "Active days",
    "cadence": "Walking intensity",
    "gait": "How the walks went",
    "pain": "Pain",
    "core": "Core exercises",
}


def _table(data: ProgressData) -> str:
    rows = []
    for w in data.weeks:
        reasons = "<br>".join(html.escape(r) for r in w.reasons)
        rows.append(
            f"<tr><td>{w.week}</td><td>{w.start.isoformat()}</td><td>{w.target_minutes:.0f}</td>"
            f"<td>{w.walked_minutes:.0f}</td><td>{w.active_days}</td>"
            f"<td>{html.escape(w.decision or '')}</td><td>{reasons}</td></tr>"
        )
    return (
        "<table><thead><tr><th>week</th><th>starts</th><th>target min</th><th>walked min</th>"
        "<th>active days</th><th>decision</th><th>why</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def write_progress_report(data: ProgressData, out: Path, *, pdf: bool = False) -> Path:
    """Write the report to ``out`` (HTML, or PDF when ``pdf``); returns the path written."""
    if pdf:
        buffer = io.BytesIO()
        with PdfPages(buffer) as pages:
            for draw in FIGURES.values():
                pages.savefig(draw(data))
        atomic_write_bytes(out, buffer.getvalue())
        return out
    images = progress_figures(data, "png")
    sections = "".join(
        f'<section><h2>{TITLES[name]}</h2><img alt="{TITLES[name]}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></section>'
        for name, png in images.items()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>BackStride progress: {html.escape(data.person)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
img {{ max-width: 100%; }} table {{ border-collapse: collapse; font-size: 0.9rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }}
</style></head><body>
<h1>Walking program: {html.escape(data.person)}</h1>
<p>This report informs and supports; it does not diagnose. New or worsening symptoms, and any
red-flag sign, need a clinician.</p>
{_table(data)}
{sections}
</body></html>
"""
    atomic_write_text(out, page)
    return out
