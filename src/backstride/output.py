"""Machine-readable outputs of an analysis: the JSON document and the CSV/JSON folder.

Schema ``backstride.analysis/1`` is documented in ``docs/analysis-schema.md`` and, as a JSON
Schema (draft 2020-12) that other programs can check a document against, in
``backstride/schemas/analysis-1.schema.json`` (:func:`analysis_json_schema`). Values that
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
import stat
import tempfile
from collections.abc import Sequence
from importlib import resources
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


def analysis_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``backstride.analysis/1``, shipped with the package."""
    text = resources.files("backstride").joinpath("schemas", "analysis-1.schema.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


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
        turns = row.get("n_turns")
        if isinstance(turns, float) and math.isfinite(turns):
            row["n_turns"] = int(turns)  # a count (a float column, for its nulls)
        out.append(json_safe(row))
    return out


def turn_records(analysis: WalkingAnalysis) -> list[dict[str, Any]]:
    """Turns as JSON-ready dictionaries (empty without a gyroscope)."""
    return [json_safe(row) for row in analysis.turns.to_dict(orient="records")]


def analysis_document(analysis: WalkingAnalysis) -> dict[str, Any]:
    """One recording's entry in the JSON schema."""
    return {
        "recording": json_safe(analysis.recording),
        "bouts": bout_records(analysis),
        # unrounded, as the bouts' times are: a bout starts and ends on a contact, and at a
        # rate that is not a whole number of samples per millisecond (30 or 85.7 Hz) a
        # contact rounded to 1 ms lay outside its own bout
        "initial_contacts_s": analysis.initial_contacts_s,
        "initial_contact_sides": [str(x) for x in analysis.steps["side"]],
        "cadence_per_second": {
            "second": [int(x) for x in analysis.per_second["second"]],
            "cadence_spm": [round(float(x), 2) for x in analysis.per_second["cadence_spm"]],
        },
        "summary": json_safe(analysis.summary),
        "days": [json_safe(row) for row in analysis.days.to_dict(orient="records")],
        "turns": turn_records(analysis),
        "non_wear": (
            None
            if analysis.non_wear is None
            else [json_safe(row) for row in analysis.non_wear.to_dict(orient="records")]
        ),
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


def check_writable(path: Path, instead: str = "give the name of a file to write") -> Path:
    """The file ``path`` will be written to, or one sentence on why it cannot be.

    Checked before a long analysis, and again just before writing. A symbolic link is
    followed (the file it points to is replaced, the link kept); a folder, a device or a
    pipe where the file should go, a file where its folder should be, and a folder the user
    may not write into are refused by name (never by the temporary file's name in an OS
    error, nor by silently replacing ``/dev/stdout`` with a regular file). ``instead`` is
    what the sentence for a device or a pipe tells the user to do.
    """
    for link in (path, *path.parents):
        if link.is_symlink() and not link.exists():
            raise InvalidInputError(
                f"{link} is a link to a place that does not exist, so {path} cannot be "
                "written; choose another place."
            )
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise InvalidInputError(f"{path} is a folder; give the name of a file to write.")
    # through the link itself: /dev/stdout's into a pipe resolves to no path realpath can name
    if path.exists() and not path.is_file():
        raise InvalidInputError(f"{path} is not a regular file (a device or a pipe); {instead}.")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InvalidInputError(
                    f"{parent} is a file, so {path} cannot be written inside it; choose "
                    "another place."
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                raise InvalidInputError(
                    f"{parent} is not writable, so {path} cannot be written there; choose "
                    "another place."
                )
            break
    return target


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename.

    See :func:`check_writable` for what is refused. New files are readable by their owner
    only (they hold health data); a file that is replaced keeps its permissions.
    """
    target = check_writable(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InvalidInputError(
            f"{path} cannot be written ({exc.strerror}); choose another place."
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InvalidInputError(
                f"{path} could not be written ({exc.strerror}); nothing was changed there."
            ) from exc
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file and an atomic rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


#: The files ``--out-dir`` always writes (a multi-trial file's figures are named per trial).
OUT_DIR_FILES = (
    "bouts.csv",
    "steps.csv",
    "seconds.csv",
    "days.csv",
    "turns.csv",
    "info.json",
    "overview.png",
)


def write_out_dir(
    out_dir: Path,
    analyses: Sequence[WalkingAnalysis],
    source: Path,
    parameters: dict[str, Any],
) -> list[Path]:
    """Write the tables, ``info.json`` and an overview figure per recording.

    The tables are ``bouts.csv``, ``steps.csv``, ``seconds.csv``, ``days.csv`` and
    ``turns.csv``.
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
    days_df, turns_df = table("days"), table("turns")
    info = {
        "schema": SCHEMA,
        "backstride_version": __version__,
        "input": _input_record(source),
        "parameters": json_safe(parameters),
        "recordings": [json_safe(a.recording) for a in analyses],
        "units": "times s from the first sample; cadence steps/min; lengths m; speed m/s; "
        "angles degrees; acceleration m/s^2",
    }
    # everything is rendered, and every target checked, before the first file is written:
    # a figure that fails or a folder where a table should go leaves the folder as it was
    contents: list[tuple[str, bytes]] = [
        (name, text.encode("utf-8"))
        for name, text in (
            ("bouts.csv", bouts_df.to_csv(index=False, float_format="%.4f")),
            ("steps.csv", steps_df.to_csv(index=False, float_format="%.4f")),
            ("seconds.csv", seconds_df.to_csv(index=False, float_format="%.2f")),
            ("days.csv", days_df.to_csv(index=False, float_format="%.4f")),
            ("turns.csv", turns_df.to_csv(index=False, float_format="%.4f")),
            ("info.json", json.dumps(info, indent=2)),
        )
    ]
    for analysis in analyses:
        name = "overview.png"
        if len(analyses) > 1:
            name = f"overview-{_file_safe(str(analysis.recording.get('name') or 'recording'))}.png"
        contents.append((name, analysis_png(analysis)))
    for name, _ in contents:
        check_writable(out_dir / name)
    written = []
    for name, data in contents:
        atomic_write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written


def _file_safe(name: str) -> str:
    """A recording name as part of a file name (letters, digits, '-', '_' and '.')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "recording"
