"""Reader for ActiLife's raw-data CSV export of ActiGraph devices (GT3X+, wGT3X-BT, GT9X).

ActiGraph monitors are the classic hip- and waist-worn research accelerometers, and many data
sets are shared as ActiLife's CSV export rather than the device's ``.gt3x`` file. The export
starts with a ten-line header::

    ------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v2.5.0 date
    format M/d/yyyy at 30 Hz  Filter Normal -----------
    Serial Number: NEO1C04110003
    Start Time 11:55:00
    Start Date 12/20/2021
    Epoch Period (hh:mm:ss) 00:00:00
    Download Time 12:09:58
    Download Date 12/20/2021
    Current Memory Address: 0
    Current Battery Voltage: 4.26     Mode = 12
    --------------------------------------------------

(the first line is one line in the file), then, if the export included column headers, a line
such as ``Timestamp,Accelerometer X,Accelerometer Y,Accelerometer Z`` (the timestamp column
is optional, and the GT9X's IMU export adds ``Gyroscope X`` ... in deg/s), then one row per
sample.

What the reader does
--------------------
- The sample rate is the header's ``at N Hz``; the start is ``Start Date`` (in the header's
  ``date format``, a .NET pattern such as ``M/d/yyyy`` or ``dd.MM.yyyy``) and ``Start Time``,
  the device's local clock. The file stores no time zone: with ``time_zone`` the clock is
  read in that zone, otherwise it is marked as UTC with a note (as for Axivity files).
- Acceleration must be the calibrated export, in g. ActiLife can also export uncalibrated
  counts (LSB); their scale depends on the device's range and calibration, which the CSV does
  not carry, so such a file is refused with the fix rather than guessed. An *epoch* export
  (``Epoch Period`` other than ``00:00:00``: activity counts per epoch) is not raw
  acceleration and is refused too.
- Rows are read by pandas' C parser; a non-numeric value is reported with its line number.
  ActiLife writes idle-sleep stretches as repeated last samples, so the grid is uniform and
  the row index is the sample index.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    IntArray,
    PathLike,
    existing_file,
    numeric_column,
    read_table,
    read_text_lines,
    shorten,
)
from backstride.recording import (
    MAX_SAMPLE_RATE_HZ,
    MIN_SAMPLE_RATE_HZ,
    STANDARD_GRAVITY,
    FloatArray,
    Recording,
)

DEVICE = "ActiGraph"
FIRST_LINE_RE = re.compile(r"data file created by actigraph", re.IGNORECASE)
_TITLE_RE = re.compile(
    r"actigraph\s+(?P<model>.+?)\s+actilife.*?date format\s+(?P<date>\S+)\s+at\s+"
    r"(?P<rate>\d+(?:\.\d+)?)\s*hz",
    re.IGNORECASE,
)
#: The header is 10 lines; a column-name line may follow.
HEADER_LINES = 10
#: At rest a calibrated export reads about 1 g; counts read hundreds (256-341 LSB per g).
MAX_PLAUSIBLE_MEDIAN_G = 8.0
_NET_DATE_TOKENS = (("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("M", "%m"), ("dd", "%d"),
                    ("d", "%d"))  # fmt: skip
_AXES = ("x", "y", "z")


def is_actilife_csv(first_line: str) -> bool:
    """Whether a file's first line is ActiLife's export title."""
    return bool(FIRST_LINE_RE.search(first_line))


def _strptime_pattern(net_pattern: str) -> str | None:
    """A .NET date pattern (``M/d/yyyy``) as a ``strptime`` pattern (``%m/%d/%Y``)."""
    out, i = "", 0
    while i < len(net_pattern):
        for token, code in _NET_DATE_TOKENS:
            if net_pattern.startswith(token, i):
                out += code
                i += len(token)
                break
        else:
            char = net_pattern[i]
            if char.isalpha():
                return None  # a token this reader does not know (e.g. a month name)
            out += "%%" if char == "%" else char
            i += 1
    codes = set(re.findall(r"%[a-zA-Z]", out))
    return out if {"%m", "%d"} <= codes and codes & {"%Y", "%y"} else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header_value(lines: list[str], label: str) -> str:
    for line in lines:
        if line.lower().startswith(label.lower()):
            return line[len(label) :].strip(" :\t")
    return ""


def _column_kinds(cells: list[str]) -> dict[str, int] | None:
    """Map ``acc_x``... (and ``gyr_x``... if present) to column positions in a header line."""
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        words = cell.strip().lower().split()
        if len(words) == 2 and words[1] in _AXES:
            if words[0] == "accelerometer":
                found[f"acc_{words[1]}"] = position
            elif words[0] == "gyroscope":
                found[f"gyr_{words[1]}"] = position
    return found if all(f"acc_{a}" in found for a in _AXES) else None


def read_actilife_csv(path: PathLike, *, time_zone: dt.tzinfo | None = None) -> Recording:
    """Read an ActiLife raw-data CSV export.

    Parameters
    ----------
    path
        The CSV file with its ActiLife header.
    time_zone
        Where the recording was made; the file's clock times are read in it (UTC when
        ``None``, with a note).

    Returns
    -------
    Recording
        Acceleration in m/s^2 (and angular velocity in deg/s for an IMU export), device
        ``"ActiGraph <model>"``.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A header that is not ActiLife's, an epoch or count export, or values that are not
        numbers.
    """
    p = existing_file(path)
    lines = read_text_lines(p, HEADER_LINES + 2)
    title = _TITLE_RE.search(lines[0]) if lines else None
    if title is None or len(lines) < HEADER_LINES:
        raise InvalidInputError(
            f"The file {p.name} does not start with ActiLife's ten-line header (a title line "
            "ending in 'at N Hz'); export it again from ActiLife with the header included."
        )
    header = lines[:HEADER_LINES]
    epoch = _header_value(header, "Epoch Period (hh:mm:ss)")
    if epoch and epoch != "00:00:00":
        raise InvalidInputError(
            f"The file {p.name} is an epoch export (activity counts every {epoch}), not raw "
            "acceleration; export the raw data (Epoch Period 00:00:00) from ActiLife instead."
        )
    rate = float(title.group("rate"))
    if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
        # the rate is the file's own; --sample-rate-hz does not apply to this format
        raise InvalidInputError(
            f"The header of {p.name} gives a sample rate of {rate:g} Hz, outside the "
            f"{MIN_SAMPLE_RATE_HZ:g}-{MAX_SAMPLE_RATE_HZ:g} Hz BackStride reads; the header is "
            "damaged, so export the file from ActiLife again."
        )
    pattern = _strptime_pattern(title.group("date"))
    date_text = _header_value(header, "Start Date")
    time_text = _header_value(header, "Start Time")
    try:
        if pattern is None:
            raise ValueError(title.group("date"))
        clock = dt.datetime.strptime(f"{date_text} {time_text}", f"{pattern} %H:%M:%S")
    except ValueError as exc:
        raise InvalidInputError(
            f"The start '{date_text} {time_text}' in {p.name} does not match its date format "
            f"'{title.group('date')}'; export the file again from ActiLife."
        ) from exc

    names_line = lines[HEADER_LINES] if len(lines) > HEADER_LINES else ""
    columns = _column_kinds(names_line.split(","))
    first_row = HEADER_LINES + (1 if columns is not None else 0)
    if columns is None:
        # no column names: the three accelerometer axes, after a timestamp if there is one
        offset = 0 if _is_number(names_line.split(",")[0]) else 1
        columns = {f"acc_{a}": offset + k for k, a in enumerate(_AXES)}
    wanted = sorted(columns.values())
    frame = read_table(p, header=None, skiprows=first_row, usecols=wanted)
    if any(position not in frame.columns for position in wanted):
        # pandas reads a missing usecols position as no column at all
        raise InvalidInputError(
            f"The data rows of {p.name} have {frame.shape[1]} fields, fewer than the "
            f"{wanted[-1] + 1} that line {HEADER_LINES + 1} ({shorten(names_line)}) calls for; "
            "export the file again from ActiLife."
        )
    frame = frame.dropna(how="all")
    if len(frame) < 2:
        raise InvalidInputError(
            f"The file {p.name} holds fewer than two samples; record for at least a few seconds."
        )
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + first_row + 1

    def block(kind: str, label: str) -> FloatArray:
        out = np.empty((len(frame), 3), dtype=np.float64)
        for k, axis in enumerate(_AXES):
            out[:, k] = numeric_column(frame[columns[f"{kind}_{axis}"]], f"{label} {axis}", line_of)
        return out

    acc_g = block("acc", "acceleration")
    magnitude = np.sqrt(np.einsum("ij,ij->i", acc_g, acc_g))
    if float(np.median(magnitude)) > MAX_PLAUSIBLE_MEDIAN_G:
        raise InvalidInputError(
            f"The file {p.name} holds uncalibrated counts (a median of "
            f"{float(np.median(magnitude)):.0f} where a calibrated export reads about 1 g); "
            "export it again from ActiLife with calibrated values in g."
        )
    has_gyr = all(f"gyr_{a}" in columns for a in _AXES)
    gyr = block("gyr", "angular velocity") if has_gyr else None

    notes = ["acceleration converted from g (ActiLife calibrated export)"]
    if gyr is not None:
        notes.append("gyroscope in deg/s as exported")
    if time_zone is None:
        time_zone = dt.UTC
        notes.append(
            "the file stores the device's local clock without a time zone, so the times were "
            "taken as UTC"
        )
    meta: dict[str, Any] = {"format": "actigraph_csv", "source_path": str(p)}
    serial = _header_value(header, "Serial Number")
    if serial:
        meta["device_serial"] = serial
    return Recording(
        acc=acc_g * STANDARD_GRAVITY,
        gyr=gyr,
        sample_rate_hz=rate,
        start=clock.replace(tzinfo=time_zone),
        device=f"{DEVICE} {title.group('model').strip()}",
        name=p.stem,
        notes=tuple(notes),
        meta=meta,
    )
