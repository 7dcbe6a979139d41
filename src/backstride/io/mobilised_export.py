"""Mobilise-D per-trial exports: ``<Test>-<Trial>.imu.csv`` with its ``.reference.json``.

The lab recordings also come as one CSV per trial, exported from ``data.mat``: columns
``samples, acc_x, acc_y, acc_z`` (g) and ``gyr_x, gyr_y, gyr_z`` (deg/s), with no time column.
What the CSV leaves out is in the JSON beside it, ``<Test>-<Trial>.reference.json``:
``sample_rate_hz``, ``start_datetime`` (ISO 8601 with its offset), ``timezone``, and
``participant_info`` (``height_m``, ``sensor_height_m``), next to the INDIP reference that
``backstride validate`` reads (:func:`backstride.validation.references.load_mobilised_reference`).

The CSV is read as any generic CSV (:func:`backstride.io.generic_csv.read_csv`: units detected,
axes found from gravity); this module only takes the rate, start, names and heights from the
JSON, so that the CSV reads without ``--sample-rate-hz`` and gives the same recording as the
trial inside ``data.mat``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from backstride.exceptions import InvalidInputError
from backstride.io._common import PathLike, existing_file, parse_zone, read_text_lines
from backstride.io.generic_csv import RATE_MISMATCH_TOLERANCE, find_header, read_csv
from backstride.recording import Recording

CSV_SUFFIX = ".imu.csv"
JSON_SUFFIX = ".reference.json"


def export_sidecar(path: PathLike) -> Path | None:
    """The ``<name>.reference.json`` of a ``<name>.imu.csv``, if it exists and states a rate.

    Only for a CSV without a time of its own (the export's ``samples`` column, or none): a
    ``time_s`` or ``timestamp`` column sets the rate of a generic CSV, whatever a JSON says.
    """
    found = _sidecar(Path(path))
    return None if found is None else found[0]


def _sidecar(p: Path) -> tuple[Path, dict[str, Any]] | None:
    """:func:`export_sidecar` with the JSON's content, read once."""
    found, _ = _inspect(p)
    return found


def unusable_sidecar(path: PathLike) -> str | None:
    """Why the ``.reference.json`` beside an export CSV cannot give its rate, or ``None``.

    ``None`` also where there is nothing to explain: a CSV that is not an export, one with a
    time column of its own, one without a JSON beside it, or one whose JSON is usable.
    """
    _, problem = _inspect(Path(path))
    return problem


def _inspect(p: Path) -> tuple[tuple[Path, dict[str, Any]] | None, str | None]:
    """The usable sidecar of an export CSV with its content, or why it cannot be used.

    ``(None, None)`` where ``p`` is no export (another name, its own time column, no JSON
    beside it): then the CSV is read as a generic one and there is nothing to explain.
    """
    if not p.name.endswith(CSV_SUFFIX):
        return None, None
    found = find_header(read_text_lines(p, 200)) if p.is_file() else None
    if found is None or {"time_s", "timestamp"} & set(found[2]):
        return None, None
    sidecar = p.with_name(p.name.removesuffix(CSV_SUFFIX) + JSON_SUFFIX)
    if not sidecar.is_file():
        return None, None
    try:
        info = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{sidecar.name} beside it cannot be read ({exc.__class__.__name__})"
    except ValueError:
        return None, f"{sidecar.name} beside it is not valid JSON"
    if not isinstance(info, dict):
        return None, f"{sidecar.name} beside it holds no JSON object"
    if "sample_rate_hz" not in info:
        return None, f"{sidecar.name} beside it states no sample_rate_hz"
    return (sidecar, info), None


def _number(info: dict[str, Any], key: str, sidecar: Path) -> float | None:
    value = info.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(
            f"The {key} in {sidecar.name} is {value!r}, not a number; fix the file or remove "
            "the field."
        )
    return float(value)


def read_mobilised_export(
    path: PathLike,
    *,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    height_m: float | None = None,
    sensor_height_m: float | None = None,
    time_zone: str | dt.tzinfo | None = None,
) -> Recording:
    """Read a ``<Test>-<Trial>.imu.csv`` with the rate, start and heights of its JSON.

    Parameters
    ----------
    path
        The CSV; its ``.reference.json`` must lie beside it (:func:`export_sidecar`).
    sample_rate_hz
        Checked against the JSON's rate: more than 5% apart is an error.
    acc_unit, gyr_unit
        As for :func:`~backstride.io.generic_csv.read_csv` (detected when ``None``).
    height_m, sensor_height_m
        Replace the JSON's ``participant_info`` values when given.
    time_zone
        Where the start is expressed; the JSON's ``timezone`` otherwise.

    Raises
    ------
    InvalidInputError
        No sidecar, a sidecar whose rate, start or heights cannot be used, or a CSV that
        :func:`~backstride.io.generic_csv.read_csv` refuses.
    """
    p = existing_file(path)
    found = _sidecar(p)
    if found is None:
        raise InvalidInputError(
            f"The file {p.name} has no {JSON_SUFFIX} beside it stating sample_rate_hz; pass "
            "--sample-rate-hz instead."
        )
    sidecar, info = found
    rate = _number(info, "sample_rate_hz", sidecar)
    if rate is None:
        if sample_rate_hz is None:
            raise InvalidInputError(
                f"The sample_rate_hz in {sidecar.name} is empty; give the rate in Hz there or "
                "pass --sample-rate-hz."
            )
        rate = sample_rate_hz  # read_csv checks it
        notes = [f"sample rate {rate:g} Hz as given; {sidecar.name} states none"]
    elif sample_rate_hz is not None and abs(sample_rate_hz - rate) > RATE_MISMATCH_TOLERANCE * rate:
        raise InvalidInputError(
            f"--sample-rate-hz says {sample_rate_hz:g} Hz but {sidecar.name} says {rate:g} Hz; "
            "drop the option or fix the file."
        )
    else:
        notes = [f"sample rate {rate:g} Hz from {sidecar.name}"]
    if rate <= 0:
        raise InvalidInputError(
            f"The sample_rate_hz in {sidecar.name} is {rate:g}, not a rate in Hz; fix the file "
            "or pass --sample-rate-hz."
        )
    person = info.get("participant_info")
    person = person if isinstance(person, dict) else {}
    heights = {}
    for key, given in (("height_m", height_m), ("sensor_height_m", sensor_height_m)):
        heights[key] = given if given is not None else _number(person, key, sidecar)
    start = _start(info, sidecar)
    zone_name = info.get("timezone") if isinstance(info.get("timezone"), str) else None
    file_zone = None
    if zone_name is not None:
        try:
            file_zone = parse_zone(zone_name)
        except InvalidInputError:
            # the start keeps its offset; only the days would follow the zone
            notes.append(f"the timezone {zone_name!r} in {sidecar.name} is unknown and ignored")
            zone_name = None
    zone = parse_zone(time_zone) if time_zone is not None else file_zone
    if start is not None and zone is not None:
        start = start.astimezone(zone)
    recording = read_csv(
        p,
        sample_rate_hz=rate,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        height_m=heights["height_m"],
        sensor_height_m=heights["sensor_height_m"],
    )
    test, trial = info.get("test"), info.get("trial")
    name = f"{test}-{trial}" if test and trial else p.name.removesuffix(CSV_SUFFIX)
    participant = "-".join(str(info[k]) for k in ("cohort", "participant") if info.get(k))
    meta = {
        **recording.meta,
        "format": "mobilised_export",
        **({"participant_id": participant} if participant else {}),
        **({"test": str(test)} if test else {}),
        **({"trial": str(trial)} if trial else {}),
        **({"time_zone": zone_name} if zone_name else {}),
    }
    return dataclasses.replace(
        recording,
        start=start,
        name=name,
        device="Mobilise-D export",
        notes=tuple(notes) + recording.notes,
        meta=meta,
    )


def _start(info: dict[str, Any], sidecar: Path) -> dt.datetime | None:
    """The JSON's ``start_datetime``, time-zone aware; ``None`` when absent."""
    text = info.get("start_datetime")
    if text is None:
        return None
    try:
        start = dt.datetime.fromisoformat(str(text))
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise InvalidInputError(
            f"The start_datetime {text!r} in {sidecar.name} is not an ISO 8601 time with an "
            "offset (e.g. 2020-12-10T13:57:44.733+01:00); fix it or remove the field."
        )
    return start
