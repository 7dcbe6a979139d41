"""Reader for Xsens MTw text exports as published in the IPOL lumbar gait data set.

Layout (tab-separated)::

    Acquisition frequency: 100 Hz
    PacketCounter  Acc_X  Acc_Y  Acc_Z  Gyr_X  Gyr_Y  Gyr_Z  Mag_X  Mag_Y  Mag_Z
    0.0            8.22   0.09   5.89   -0.003 ...

Acceleration is in m/s^2 and angular velocity in rad/s (converted to deg/s). Dropped packets
show as jumps in ``PacketCounter``; they are filled by linear interpolation so that sample
``i`` of the recording is packet ``PacketCounter[0] + i`` (kept in
``meta["first_sample_index"]``, because the data set's gait events are packet numbers). A
packet that reached the recording software late and stands after its successors is put back
in packet order. A packet number that stands on two lines in a row (an export glitch the data
set has) keeps the first of the two.

A sibling ``<subject>-<trial>.json`` (``1-1_lb.txt`` -> ``1-1.json``, or ``1-1_meta.json`` as
the data set's README names it; the case of the names does not matter) supplies the body
height (cm), weight and identifiers. The data set is AGPL-licensed: read it where it lies,
never copy it into this repository.

Exports from a French-locale Xsens installation write decimal commas (``8,225546``); with
tabs between the fields they cannot be mistaken for separators and are read as such.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    THOUSANDS_RE,
    IntArray,
    PathLike,
    decimal_mark,
    existing_file,
    height_in_m,
    numeric_column,
    read_table,
    read_text_lines,
    resample_uniform,
    second_recording,
    time_steps,
)
from backstride.recording import MIN_SAMPLE_RATE_HZ, FloatArray, Recording

DEVICE = "Xsens MTw"
_RATE_RE = re.compile(r"acquisition\s+frequency\s*:?\s*([0-9]+(?:[.,][0-9]*)?)\s*hz", re.IGNORECASE)
_LB_SUFFIX = "_lb.txt"
#: Xsens packet counters are 16-bit and wrap around.
COUNTER_MODULUS = 65536
#: Share of lines that may repeat the packet number before them (a glitch of the export)
#: before the file is refused as broken.
MAX_REPEATED_SHARE = 0.01


def _rate_hz(text: str) -> float:
    """The stated rate, Hz; a comma is a decimal mark (``100,0``) or a thousands separator.

    A thousands separator (``1,000``) only where, read as a decimal mark, the rate would be
    too low for any gait recording.
    """
    rate = float(text.replace(",", "."))
    if rate < MIN_SAMPLE_RATE_HZ and "," in text and THOUSANDS_RE.match(text):
        return float(text.replace(",", ""))
    return rate


def read_ipol_txt(path: PathLike) -> Recording:
    """Read an Xsens ``*_lb.txt`` export with an ``Acquisition frequency`` first line.

    Parameters
    ----------
    path
        The text file.

    Returns
    -------
    Recording
        The lower-back recording, with dropped packets filled by interpolation.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        No rate line, missing ``Acc_*`` columns, non-numeric values or a packet counter that
        goes backwards.
    """
    p = existing_file(path)
    lines = read_text_lines(p, 3)
    match = _RATE_RE.search(lines[0]) if lines else None
    if match is None:
        raise InvalidInputError(
            f"The first line of {p.name} does not state the rate as 'Acquisition frequency: "
            "N Hz'; export the file again from Xsens software with that header."
        )
    rate = _rate_hz(match.group(1))
    if not 0 < rate < 1e6:
        raise InvalidInputError(
            f"The file {p.name} states an acquisition frequency of {rate:g} Hz; correct the "
            "rate in its first line."
        )
    decimal = decimal_mark(lines, 1, "\t")  # the header is the second line
    frame = read_table(p, sep="\t", header=0, skiprows=1, skip_blank_lines=False, decimal=decimal)
    by_name = {str(column).strip().lower(): column for column in frame.columns}
    acc_names = ("acc_x", "acc_y", "acc_z")
    missing = [name for name in acc_names if name not in by_name]
    if missing:
        raise InvalidInputError(
            f"The file {p.name} has no {' or '.join(n.title() for n in missing)} column; "
            "export the calibrated acceleration Acc_X, Acc_Y and Acc_Z."
        )
    frame = frame.dropna(how="all")
    cut_line = _cut_last_line(frame)
    if cut_line is not None:
        frame = frame.iloc[:-1]
    if len(frame) < 2:
        raise InvalidInputError(
            f"The file {p.name} holds fewer than two samples; record for at least a few seconds."
        )
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + 3
    gyr_names = ("gyr_x", "gyr_y", "gyr_z")
    has_gyr = all(name in by_name for name in gyr_names)
    names = list(acc_names) + (list(gyr_names) if has_gyr else [])
    values: FloatArray = np.empty((len(frame), len(names)), dtype=np.float64)
    for position, name in enumerate(names):
        values[:, position] = numeric_column(frame[by_name[name]], by_name[name], line_of)

    notes = [f"sample rate {rate:g} Hz from the file header"]
    if cut_line is not None:
        notes.append(f"line {cut_line}, the last, was cut short mid-line and was left out")
    meta: dict[str, Any] = {"format": "xsens_ipol", "source_path": str(p)}
    if "packetcounter" in by_name:
        counter = numeric_column(frame[by_name["packetcounter"]], "PacketCounter", line_of)
        with np.errstate(invalid="ignore", over="ignore"):
            packet = _unwrap(counter)
        order = _packet_order(packet, rate)
        if order is not None:
            late = packet < np.maximum.accumulate(packet)
            n_late = int(late.sum())
            notes.append(
                f"{n_late} {'packet' if n_late == 1 else 'packets'} stood after later ones "
                f"(first on line {int(line_of[np.argmax(late)])}) and were put back in packet "
                "order"
            )
            counter, packet, values, line_of = (
                counter[order],
                packet[order],
                values[order],
                line_of[order],
            )
        repeated = _repeated_packets(packet, line_of, p.name)
        if repeated.any():
            n_repeated = int(repeated.sum())
            notes.append(
                f"{n_repeated} packet {'number' if n_repeated == 1 else 'numbers'} stood on "
                f"two lines (first on line {int(line_of[np.argmax(repeated)])}); the first "
                "of the two was kept"
            )
            keep = ~repeated
            counter, packet, values, line_of = (
                counter[keep],
                packet[keep],
                values[keep],
                line_of[keep],
            )
        time_s = (packet - counter[0]) / rate
        steps = time_steps(time_s, "PacketCounter", line_of)
        meta["first_sample_index"] = int(counter[0])
        if steps.irregular:
            values, _ = resample_uniform(time_s, values, rate, steps, "PacketCounter", line_of)
            notes.append(
                f"{values.shape[0] - len(frame)} dropped packets were filled by linear "
                "interpolation"
            )

    with np.errstate(over="ignore"):
        gyr = np.degrees(values[:, 3:6]) if has_gyr else None
    notes.append("acceleration in m/s^2 as stored, gyroscope converted from rad/s")
    stem = ipol_stem(p)
    height = _sidecar(p, meta, notes)
    return Recording(
        acc=values[:, :3],
        sample_rate_hz=rate,
        gyr=gyr,
        device=DEVICE,
        placement="lower_back",
        height_m=height,
        name=stem,
        notes=tuple(notes),
        meta=meta,
    )


def _cut_last_line(frame: pd.DataFrame) -> int | None:
    """The file line of the last row if the export stopped inside it, else ``None``.

    A row that lacks the last column's value while the row before has one was cut off
    mid-line (an interrupted copy or export); what it holds may be part of a number.
    """
    if len(frame) < 2:
        return None
    last_column = frame.iloc[-2:, -1]
    if pd.isna(last_column.iloc[1]) and not pd.isna(last_column.iloc[0]):
        return int(frame.index[-1]) + 3
    return None


def _repeated_packets(packet: FloatArray, line_of: IntArray, name: str) -> npt.NDArray[np.bool_]:
    """Rows whose packet number repeats the row before's.

    The data set's exports hold such rows now and then (trial 11-1 has packet 308 on two
    lines, with different readings, and runs on 309, 310 after them). Both readings cannot be
    packet 308, and sample ``i`` must stay packet ``first + i`` for the gait events (packet
    numbers) to land where they belong, so the later line is left out. Many repeats are not a
    glitch but a broken export, and refused.
    """
    repeated = np.zeros(packet.size, dtype=bool)
    repeated[1:] = np.diff(packet) == 0
    count = int(repeated.sum())
    if count > MAX_REPEATED_SHARE * packet.size:
        raise InvalidInputError(
            f"The file {name} repeats its PacketCounter on {count} of {packet.size} lines "
            f"(first on line {int(line_of[np.argmax(repeated)])}); export the recording "
            "again from the Xsens software."
        )
    return repeated


def _unwrap(counter: FloatArray) -> FloatArray:
    """Undo the 16-bit wrap-around of an Xsens packet counter.

    A step back by more than half the counter's range is a wrap forward; a step forward by
    more than half is a packet from before the wrap arriving after it (65535 after 0).
    """
    steps = np.diff(counter)
    wraps = (steps < -COUNTER_MODULUS / 2).astype(np.int64) - (steps > COUNTER_MODULUS / 2)
    if not wraps.any():
        return counter
    return counter + COUNTER_MODULUS * np.concatenate([[0], np.cumsum(wraps)])


def _packet_order(packet: FloatArray, rate: float) -> IntArray | None:
    """The row order that puts late packets back in place; ``None`` if none is late.

    A wireless MTw's packet can reach the recording software after its successors and stand
    a few lines late in the export; its number says where it belongs, so sorting by it
    restores the recording. A counter that goes back and stays back for more than a second
    (two recordings joined, a counter reset) is not sorted: interleaving the two would
    invent a recording, and :func:`time_steps` refuses the file with the line to split at.
    """
    steps = np.diff(packet)
    if not (steps < 0).any():
        return None
    if second_recording(packet / rate, int(np.argmin(steps)) + 1):
        return None
    order: IntArray = np.argsort(packet, kind="stable")
    return order


def is_ipol_txt(path: Path) -> bool:
    """Whether ``path`` is named as an IPOL lower-back file, ``<s>-<t>_lb.txt`` in any case."""
    return path.name.lower().endswith(_LB_SUFFIX)


def ipol_stem(path: Path) -> str:
    """``1-1`` for ``1-1_lb.txt`` (or ``1-1_LB.TXT``); the file's stem for any other name."""
    return path.name[: -len(_LB_SUFFIX)] if is_ipol_txt(path) else path.stem


def ipol_sidecar(lb_txt: Path) -> Path | None:
    """The metadata and gait-event JSON of a ``<s>-<t>_lb.txt`` file, if there is one.

    The published data set names it ``<s>-<t>.json``; its README calls it
    ``<s>-<t>_meta.json``. Either is accepted, the first when both exist, and in any case
    (``1-1.JSON``, ``1-1_Meta.json``): files copied through Windows or a zip tool may change
    it, which a case-sensitive disk would otherwise not forgive.
    """
    stem = ipol_stem(lb_txt)
    names = (f"{stem}.json", f"{stem}_meta.json")
    for name in names:
        candidate = lb_txt.with_name(name)
        if candidate.is_file():
            return candidate
    try:
        by_lower = {p.name.lower(): p for p in sorted(lb_txt.parent.iterdir()) if p.is_file()}
    except OSError:
        return None
    return next((by_lower[n.lower()] for n in names if n.lower() in by_lower), None)


def load_ipol_json(path: Path) -> Any:
    """The parsed JSON of an IPOL sidecar.

    Saved as UTF-8, with or without a byte-order mark (Windows Notepad writes one), or, if
    not UTF-8, as Windows-1252 (an accented note saved by an older Windows editor).

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        It is not JSON.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return json.loads(text)


def _sidecar(path: Path, meta: dict[str, Any], notes: list[str]) -> float | None:
    """Read the sidecar JSON next to ``path`` into ``meta``; return the height in m if given."""
    sidecar = ipol_sidecar(path)
    if sidecar is None:
        return None
    try:
        info = load_ipol_json(sidecar)
    except (OSError, ValueError):
        notes.append(f"{sidecar.name} could not be read and was ignored")
        return None
    if not isinstance(info, dict):
        return None
    if "Subject" in info:
        meta["participant_id"] = str(info["Subject"])
    if "Trial" in info:
        meta["trial"] = str(info["Trial"])
    weight = info.get("Weight")
    if isinstance(weight, int | float) and 20 <= weight <= 300:
        meta["weight_kg"] = float(weight)
    height = height_in_m(info.get("Height"))
    if height is not None:
        notes.append(f"height {height:g} m from {sidecar.name}")
    return height
