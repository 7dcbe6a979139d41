"""Machine-readable outputs of an analysis: the JSON document and the CSV/JSON folder.

Schema ``backstride.analysis/1`` is documented in ``docs/analysis-schema.md``. Values that
cannot be known for a recording (no gyroscope, no height) are ``null``, never invented.
Files are written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written result.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from backstride import __version__
from backstride.exceptions import InvalidInputError
from backstride.gait.pipeline import WalkingAnalysis

SCHEMA = "backstride.analysis/1"
ROM_KEYS = {
    "trunk_rom_sagittal_deg": "sagittal",
    "trunk_rom_frontal_deg": "frontal",
    "trunk_rom_transverse_deg": "transverse",
}


def json_safe(value: Any) -> Any:
    """Replace NaN and infinity with None and numpy scalars with Python ones, recursively."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def bout_records(analysis: WalkingAnalysis) -> list[dict[str, Any]]:
    """Bouts as JSON-ready dictionaries, trunk range of motion grouped by plane."""
    out = []
    for row in analysis.bouts.to_dict(orient="records"):
        rom = {plane: row.pop(col) for col, plane in ROM_KEYS.items()}
        row["trunk_rom_deg"] = rom
        out.append(json_safe(row))
    return out


def analysis_document(analysis: WalkingAnalysis) -> dict[str, Any]:
    """One recording's entry in the JSON schema."""
    return {
        "recording": json_safe(analysis.recording),
        "bouts": bout_records(analysis),
        "initial_contacts_s": [round(t, 3) for t in analysis.initial_contacts_s],
        "initial_contact_sides": [str(x) for x in analysis.steps["side"]],
        "cadence_per_second": {
            "second": [int(x) for x in analysis.per_second["second"]],
            "cadence_spm": [round(float(x), 1) for x in analysis.per_second["cadence_spm"]],
        },
        "summary": json_safe(analysis.summary),
        "days": [json_safe(row) for row in analysis.days.to_dict(orient="records")],
    }


def to_json_document(
    analyses: Sequence[WalkingAnalysis], source: Path | None = None
) -> dict[str, Any]:
    """The full JSON document; several recordings (a multi-trial file) go under ``recordings``."""
    head: dict[str, Any] = {"schema": SCHEMA, "backstride_version": __version__}
    if source is not None:
        head["source"] = _input_record(source)
    if len(analyses) == 1:
        return {**head, **analysis_document(analyses[0])}
    return {**head, "recordings": [analysis_document(a) for a in analyses]}


def _input_record(source: Path) -> dict[str, Any]:
    """The input file's path and hash, with those of the files beside it its reader used."""
    from backstride.io import companion_files

    record: dict[str, Any] = {"path": str(source), "sha256": file_sha256(source)}
    companions = companion_files(source)
    if companions:
        record["companions"] = [{"path": str(p), "sha256": file_sha256(p)} for p in companions]
    return record


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename.

    A folder where the file should go, or a file where its folder should be, is one
    sentence naming the problem (not the temporary file's name in an OS error).
    """
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder; give the name of a file to write.")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InvalidInputError(
                    f"{parent} is a file, so {path} cannot be written inside it; choose "
                    "another place."
                )
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file and an atomic rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_out_dir(
    out_dir: Path,
    analyses: Sequence[WalkingAnalysis],
    source: Path,
    parameters: dict[str, Any],
) -> list[Path]:
    """Write the tables, ``info.json`` and an overview figure per recording.

    The tables are ``bouts.csv``, ``steps.csv``, ``seconds.csv`` and ``days.csv``.
    Rows of all recordings of a multi-trial file go in the same tables, with a ``recording``
    column; ``seconds.csv`` has the cadence of every whole second inside a bout. The figure
    (:mod:`backstride.report.analysis_figure`) is ``overview.png`` for a file with one
    recording and ``overview-<recording>.png`` for each recording of a multi-trial file.
    """
    from backstride.report.analysis_figure import analysis_png

    def table(attr: str) -> pd.DataFrame:
        frames = [getattr(a, attr).assign(recording=a.recording["name"]) for a in analyses]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    bouts_df, steps_df, seconds_df = table("bouts"), table("steps"), table("per_second")
    days_df = table("days")
    info = {
        "schema": SCHEMA,
        "backstride_version": __version__,
        "input": _input_record(source),
        "parameters": json_safe(parameters),
        "recordings": [json_safe(a.recording) for a in analyses],
        "units": "times s from the first sample; cadence steps/min; lengths m; speed m/s; "
        "angles degrees; acceleration m/s^2",
    }
    written = []
    for name, text in (
        ("bouts.csv", bouts_df.to_csv(index=False, float_format="%.4f")),
        ("steps.csv", steps_df.to_csv(index=False, float_format="%.4f")),
        ("seconds.csv", seconds_df.to_csv(index=False, float_format="%.2f")),
        ("days.csv", days_df.to_csv(index=False, float_format="%.4f")),
        ("info.json", json.dumps(info, indent=2)),
    ):
        target = out_dir / name
        atomic_write_text(target, text)
        written.append(target)
    for analysis in analyses:
        name = "overview.png"
        if len(analyses) > 1:
            name = f"overview-{_file_safe(str(analysis.recording.get('name') or 'recording'))}.png"
        target = out_dir / name
        atomic_write_bytes(target, analysis_png(analysis))
        written.append(target)
    return written


def _file_safe(name: str) -> str:
    """A recording name as part of a file name (letters, digits, '-', '_' and '.')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "recording"
