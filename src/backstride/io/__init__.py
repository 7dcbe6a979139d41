"""Readers: turn a recording file into :class:`~backstride.recording.Recording` objects.

:func:`read_recordings` recognises the format from the file's content (its first 8 KB), not
its name, and hands it to the matching reader; only a per-trial Mobilise-D CSV export is also
known by the JSON named like it beside it, which holds its rate. Every reader converts units
and time bases to the data contract (acceleration in m/s^2, angular velocity in deg/s, sensor
axes, one uniform sample rate, a time-zone aware start when known) and raises only
:mod:`backstride.exceptions` errors with one-sentence messages.

Formats
-------

Each entry: format id, reader, what identifies it, and the units read.

``mobilised_mat`` (:func:`read_mobilised_mat`)
    ``MATLAB 5.0 MAT-file`` header; Mobilise-D layout
    ``data.TimeMeasure1.<Test>.<Trial>.SU.LowerBack``; acc in g, gyr in deg/s; one recording
    per trial.
``xsens_ipol`` (:func:`read_ipol_txt`)
    First line ``Acquisition frequency: N Hz``, then a tab-separated
    ``PacketCounter Acc_X ... Mag_Z`` header; acc in m/s^2, gyr in rad/s.
``geneactiv_csv`` (:func:`read_geneactiv_csv`)
    A ``Device Type,GENEActiv`` header line, then rows ``YYYY-MM-DD hh:mm:ss:mmm,x,y,z,...``;
    acc in g.
``oxford_phone`` (:func:`read_oxford_phone_csv`)
    7 numeric columns, the first a whole number (the clock since boot, in ns, us or ms), the
    last three whole step counts, under a header row or none (a header that names acc_x,
    acc_y or acc_z makes a generic CSV); acc in m/s^2 (or g) at about 100 Hz.
``mobilised_export`` (:func:`read_mobilised_export`)
    A generic CSV named ``<Test>-<Trial>.imu.csv`` with a ``<Test>-<Trial>.reference.json``
    beside it that states ``sample_rate_hz`` (the Mobilise-D per-trial export); the rate,
    start and heights come from the JSON; acc in g, gyr in deg/s (detected as for
    ``generic_csv``).
``generic_csv`` (:func:`read_csv`)
    A header row naming ``acc_x`` (or ``gyr_x``, ``time_s``, ``timestamp``, ``samples``);
    units and time base detected or given as options.
``axivity_cwa`` (:func:`read_cwa`)
    Binary; starts with ``MD`` and the header length 1020 (or an ``AX`` data block at byte
    1024); AX3 acc, AX6 acc and gyr, in g and deg/s; blocks failing their checksum skipped.
``geneactiv_bin`` (:func:`read_geneactiv_bin`)
    Text whose first line is ``Device Identity``; hexadecimal pages of 300 samples,
    calibrated with the header's gain and offset; acc in g.
``actigraph_csv`` (:func:`read_actilife_csv`)
    ActiLife's raw-data CSV export: a first line ``--- Data File Created By ActiGraph ...
    date format M/d/yyyy at 30 Hz ...``, a ten-line header, optional column names, then x, y,
    z in g (calibrated export; counts and epoch exports are refused).
``actigraph_gt3x`` (:func:`read_gt3x`)
    A zip archive holding ``info.txt`` and ``log.bin`` (``.gt3x``/``.agdc``) or the legacy
    NEO ``activity.bin``; acc in g; idle-sleep gaps filled with the last sample.

Glossary of ``Recording.meta`` keys
-----------------------------------

``format``
    The format id above (every reader).
``source_path``
    The file read, as given (every reader).
``participant_id``
    Participant label from the file or its folder: ``"HA-001"`` (Mobilise-D folder), ``"1"``
    (IPOL subject), ``"user1"`` (Oxford), the GENEActiv ``Subject Code``, the CWA ``_sc``
    subject code, the ActiGraph ``Subject Name``.
``device_serial``
    Serial number of the device (CWA device id, GENEActiv ``Device Unique Serial Code``,
    ActiGraph ``Serial Number``).
``bad_blocks``
    Damaged blocks skipped: CWA data blocks, GENEActiv pages, places in the ActiGraph log.
``idle_sleep_samples``
    ActiGraph samples filled with the last value because the device was in idle sleep mode.
``time_measure``, ``test``, ``trial``
    Mobilise-D struct names of the recording (``"TimeMeasure1"``, ``"Test11"``,
    ``"Trial1"``); IPOL gives ``trial`` only (``"1"``).
``time_zone``
    IANA time zone named by the file (Mobilise-D ``TimeZone``); ``start`` itself is UTC.
``weight_kg``
    Body mass from the IPOL sidecar JSON.
``first_sample_index``
    Source sample number of the recording's first sample (IPOL ``PacketCounter``): a
    reference event at source sample ``k`` is recording sample ``k - first_sample_index``.
``reference_steps``
    Ground-truth step count over the file (Oxford: last minus first of column 6).
``hardware_steps``
    Steps counted by the phone's hardware step counter (Oxford column 7; 0 if it was off).
``algorithm_steps``
    Steps counted by the data set authors' own algorithm (Oxford column 5).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from backstride.exceptions import InvalidInputError, UnsupportedFormatError
from backstride.io._common import PathLike, existing_file, parse_zone, read_head
from backstride.io._device_common import detect_device_format
from backstride.io.actigraph_csv import is_actilife_csv, read_actilife_csv
from backstride.io.actigraph_gt3x import Gt3xParts, read_gt3x
from backstride.io.actigraph_gt3x import duration_hint_s as gt3x_duration_hint
from backstride.io.axivity_cwa import CwaParts, read_cwa
from backstride.io.axivity_cwa import duration_hint_s as cwa_duration_hint
from backstride.io.geneactiv_bin import GeneactivParts, read_geneactiv_bin
from backstride.io.geneactiv_bin import duration_hint_s as geneactiv_duration_hint
from backstride.io.geneactiv_csv import read_geneactiv_csv
from backstride.io.generic_csv import (
    ACC_COLUMNS,
    GYR_COLUMNS,
    KNOWN_COLUMNS,
    find_header,
    normalise_name,
    read_csv,
    resolve_names,
)
from backstride.io.mobilised import INFO_FILE, participant_folder, read_mobilised_mat
from backstride.io.mobilised_export import (
    export_sidecar,
    read_mobilised_export,
    unusable_sidecar,
)
from backstride.io.phone_oxford import N_COLUMNS, read_oxford_phone_csv
from backstride.io.xsens_ipol import ipol_sidecar, is_ipol_txt, read_ipol_txt
from backstride.recording import Recording

__all__ = [
    "SUPPORTED_FORMATS",
    "CwaParts",
    "GeneactivParts",
    "Gt3xParts",
    "companion_files",
    "detect_format",
    "open_parts",
    "read_actilife_csv",
    "read_csv",
    "read_cwa",
    "read_geneactiv_bin",
    "read_geneactiv_csv",
    "read_gt3x",
    "read_ipol_txt",
    "read_mobilised_export",
    "read_mobilised_mat",
    "read_oxford_phone_csv",
    "read_recording",
    "read_recordings",
]

#: Format id -> description shown when a file is not recognised.
SUPPORTED_FORMATS: dict[str, str] = {
    "mobilised_mat": "Mobilise-D data.mat (MATLAB 5)",
    "xsens_ipol": "Xsens text export with an 'Acquisition frequency' first line",
    "geneactiv_csv": "GENEActiv CSV export",
    "oxford_phone": "Oxford step-counter phone CSV (7 columns: clock, x, y, z, 3 step counts)",
    "generic_csv": "CSV with a header naming acc_x, acc_y and acc_z",
    "mobilised_export": "Mobilise-D per-trial <Test>-<Trial>.imu.csv with its .reference.json",
    "axivity_cwa": "Axivity AX3/AX6 .cwa",
    "geneactiv_bin": "GENEActiv .bin",
    "actigraph_gt3x": "ActiGraph .gt3x or .agdc",
    "actigraph_csv": "ActiGraph ActiLife raw-data CSV export (calibrated, in g)",
}

SNIFF_BYTES = 8192
_GENEACTIV_RE = re.compile(r"device type\s*,\s*geneactiv")
_NUMBER_RE = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def _supported_list() -> str:
    return "; ".join(SUPPORTED_FORMATS.values())


def _is_integer_text(text: str) -> bool:
    """Whether ``text`` is a number with no fractional part (``12``, ``12.0``)."""
    if not _NUMBER_RE.match(text):
        return False
    value = float(text)
    return value == int(value) if abs(value) < 1e300 else False


def _looks_like_oxford(line: str) -> bool:
    """Whether a first line is an Oxford phone log row (see the module table)."""
    cells = [cell.strip() for cell in line.split(",")]
    if len(cells) != N_COLUMNS or not all(_NUMBER_RE.match(cell) for cell in cells):
        return False
    return (
        _is_integer_text(cells[0])
        and float(cells[0]) >= 0
        and all(_is_integer_text(cell) for cell in cells[4:])
    )


def _is_oxford_header(line: str) -> bool:
    """Whether a first line names the 7 columns of an Oxford phone log.

    Any 7 names that are not numbers, except a header naming acc_x, acc_y or acc_z (as
    written, not through the generic CSV's aliases: ``accx`` heads a phone log as well), or
    naming a gyroscope through them (``gyroX``, ``wx``): that is an IMU's 7 columns, the
    generic CSV's, whose first gyroscope row may be whole numbers (``0,0,0`` as the sensor
    starts), which would otherwise pass for the log's three step counts.
    """
    cells = [cell.strip() for cell in line.split(",")]
    resolved = resolve_names([normalise_name(cell) for cell in cells])
    return (
        len(cells) == N_COLUMNS
        and not any(_NUMBER_RE.match(cell) for cell in cells)
        and not {cell.strip("\"'").strip().lower() for cell in cells} & set(ACC_COLUMNS)
        and not set(resolved) & set(GYR_COLUMNS)
    )


def detect_format(path: PathLike) -> str:
    """Return the format id of a file from its content.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        One of the keys of :data:`SUPPORTED_FORMATS`.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        ``path`` is a folder or the file is empty.
    UnsupportedFormatError
        The content matches no supported format.
    """
    p = existing_file(path)
    head = read_head(p, SNIFF_BYTES)
    if head.startswith(b"MATLAB 5.0 MAT-file"):
        return "mobilised_mat"
    if head.startswith(b"MATLAB 7.3 MAT-file"):
        raise UnsupportedFormatError(
            f"The file {p.name} is a MATLAB 7.3 (HDF5) file, which BackStride cannot read; "
            "re-save it in MATLAB with save(..., '-v7')."
        )
    device_format = detect_device_format(p, head)
    if device_format is not None:
        return device_format
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte-order mark
        raise UnsupportedFormatError(
            f"The file {p.name} is UTF-16 text, which BackStride does not read; save it as "
            "UTF-8 (in Excel: CSV UTF-8) and try again."
        )
    if not head.strip():
        raise InvalidInputError(
            f"The file {p.name} holds only blank space; check that the recording was exported "
            "completely."
        )
    # Some exports pad header fields with NUL bytes (GENEActiv "Subject Notes"): drop them.
    text = head.replace(b"\x00", b"").decode("utf-8-sig", errors="replace")
    lines = [line.strip() for line in text.splitlines()]
    content = [line for line in lines if line]
    first = content[0] if content else ""
    lowered = text.lower()
    if (
        first.lower().startswith("acquisition frequency")
        and len(content) > 1
        and "acc_x" in content[1].lower()
    ):
        return "xsens_ipol"
    if is_actilife_csv(first):
        return "actigraph_csv"
    if _GENEACTIV_RE.search(lowered):
        return "geneactiv_csv"
    # under a header, the next rows too: an IMU's first gyroscope row may be 0,0,0 as its
    # sensor starts, like three step counts, but not its second
    if _looks_like_oxford(first) or (
        len(content) > 1
        and _is_oxford_header(first)
        and all(_looks_like_oxford(row) for row in content[1:4] if row.strip())
    ):
        return "oxford_phone"
    header = find_header(content)
    if header is not None and set(header[2]) & KNOWN_COLUMNS:
        # the CSV's rate and start are in a JSON beside it (its name ties the two)
        return "mobilised_export" if export_sidecar(p) is not None else "generic_csv"
    raise UnsupportedFormatError(
        f"The file {p.name} is not in a format BackStride reads; the supported formats are: "
        f"{_supported_list()}."
    )


def companion_files(path: PathLike) -> list[Path]:
    """Files beside ``path`` that its reader may take values from, for the record of a run.

    A Mobilise-D per-trial export's ``.reference.json`` (rate, start, heights), an IPOL
    recording's JSON (height), and next to a Mobilise-D ``data.mat`` its ``infoForAlgo.mat``
    and the study's ``participant_metadata.json`` (heights, when the file itself has none).
    Only those that exist; listing one the reader did not need costs a hash, leaving out one
    it used would make the record incomplete.
    """
    p = Path(path)
    if is_ipol_txt(p):
        found = [ipol_sidecar(p)]
    elif p.suffix.lower() == ".mat":
        found = [p.with_name(INFO_FILE), participant_folder(p).metadata_file]
    else:
        found = [export_sidecar(p)]
    return [f for f in found if f is not None and f.is_file() and f != p]


def open_parts(
    path: PathLike, *, longer_than_s: float, time_zone: str | None = None
) -> CwaParts | GeneactivParts | Gt3xParts | None:
    """A file to be read a part at a time, if its format allows it and it is that long.

    Axivity, GENEActiv ``.bin`` and ActiGraph ``.gt3x`` files (multi-day free-living
    recordings, 60 million samples a week) can be read in parts
    (:class:`~backstride.io.axivity_cwa.CwaParts`,
    :class:`~backstride.io.geneactiv_bin.GeneactivParts`,
    :class:`~backstride.io.actigraph_gt3x.Gt3xParts`); for them, and only when they last
    longer than ``longer_than_s``, this returns the parts for
    :func:`backstride.gait.pipeline.analyze_parts`. Otherwise ``None``: read the file whole.
    ``time_zone`` is where the recording was made: an Axivity clock is read in it, a
    GENEActiv or ActiGraph start (which carries its own offset) is expressed in it.
    """
    kind = _PARTS_READERS.get(detect_format(path))
    if kind is None:
        return None
    hint, reader = kind
    estimate = hint(path)  # an upper bound, from the header and the file size alone
    if estimate is None or estimate <= longer_than_s:
        return None  # short (or unreadable): the whole-file reader takes it
    try:
        parts = reader(path, time_zone=time_zone)
    except InvalidInputError:
        return None  # e.g. damaged first blocks, a legacy layout: the whole-file reader
    return parts if parts.info.duration_s > longer_than_s else None


#: Format id -> (upper estimate of its length from the file alone, its parts reader).
_PARTS_READERS: dict[
    str,
    tuple[
        Callable[[PathLike], float | None],
        Callable[..., CwaParts | GeneactivParts | Gt3xParts],
    ],
] = {
    "axivity_cwa": (cwa_duration_hint, CwaParts),
    "geneactiv_bin": (geneactiv_duration_hint, GeneactivParts),
    "actigraph_gt3x": (gt3x_duration_hint, Gt3xParts),
}


def _in_zone(recordings: list[Recording], zone: dt.tzinfo | None) -> list[Recording]:
    """Express start times in ``zone`` (the same instants) and name it as their time zone.

    Days then follow the zone the user gave rather than one the file names.
    """
    if zone is None:
        return recordings
    name = getattr(zone, "key", None)  # an IANA zone (ZoneInfo) has a name; an offset has none
    out = []
    for r in recordings:
        meta = {**r.meta, "time_zone": name} if name else r.meta
        start = r.start.astimezone(zone) if r.start is not None else None
        out.append(dataclasses.replace(r, start=start, meta=meta))
    return out


def read_recordings(
    path: PathLike,
    *,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    height_m: float | None = None,
    sensor_height_m: float | None = None,
    time_zone: str | None = None,
) -> list[Recording]:
    """Read every recording in a file, whatever its supported format.

    Parameters
    ----------
    path
        The file; its format is detected from its content (:func:`detect_format`).
    sample_rate_hz, acc_unit, gyr_unit
        Passed to :func:`read_csv` for generic CSV files; the other formats state their own
        rate and units, so these are ignored for them (with a note).
    height_m, sensor_height_m
        Wearer's height and sensor height, m; when given they replace what the file says.
    time_zone
        IANA name of where the recording was made. Clock times stored without a zone (an
        Axivity file, an ActiLife CSV export, ISO times without an offset in a CSV) are read as
        local times there; every other start time keeps its instant and is expressed in that
        zone, so that per-day results follow the wearer's calendar.

    Returns
    -------
    list of Recording
        One or more recordings (several for a Mobilise-D file with several trials).

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A folder, an empty file, or content that cannot be used.
    UnsupportedFormatError
        The content matches no supported format.
    """
    zone = parse_zone(time_zone)
    fmt = detect_format(path)
    if fmt in ("generic_csv", "mobilised_export"):
        # a "generic" CSV may be an export whose JSON is damaged: say so, not that the CSV
        # lacks a time column (with --sample-rate-hz it reads without the JSON)
        problem = (
            unusable_sidecar(path) if fmt == "generic_csv" and sample_rate_hz is None else None
        )
        if problem is not None:
            raise InvalidInputError(
                f"The file {Path(path).name} is a Mobilise-D export, but {problem}; fix it, or "
                "pass --sample-rate-hz to read the CSV without it."
            )
        reader = read_csv if fmt == "generic_csv" else read_mobilised_export
        return _in_zone(
            [
                reader(
                    path,
                    sample_rate_hz=sample_rate_hz,
                    acc_unit=acc_unit,
                    gyr_unit=gyr_unit,
                    height_m=height_m,
                    sensor_height_m=sensor_height_m,
                    time_zone=zone,
                )
            ],
            zone,
        )
    if fmt == "mobilised_mat":
        recordings = read_mobilised_mat(path)
    elif fmt == "xsens_ipol":
        recordings = [read_ipol_txt(path)]
    elif fmt == "geneactiv_csv":
        recordings = [read_geneactiv_csv(path)]
    elif fmt == "axivity_cwa":
        recordings = [read_cwa(path, time_zone=zone)]
    elif fmt == "geneactiv_bin":
        recordings = [read_geneactiv_bin(path)]
    elif fmt == "actigraph_gt3x":
        recordings = [read_gt3x(path)]
    elif fmt == "actigraph_csv":
        recordings = [read_actilife_csv(path, time_zone=zone)]
    else:
        recordings = [read_oxford_phone_csv(path)]
    ignored = [
        option
        for option, value in (
            ("--sample-rate-hz", sample_rate_hz),
            ("--acc-unit", acc_unit),
            ("--gyr-unit", gyr_unit),
        )
        if value is not None
    ]
    extra: list[str] = []
    if ignored:
        extra.append(
            f"{', '.join(ignored)} ignored because the {SUPPORTED_FORMATS[fmt]} states its own "
            "rate and units"
        )
    if height_m is not None:
        extra.append(f"height {height_m:g} m as given")
    if sensor_height_m is not None:
        extra.append(f"sensor height {sensor_height_m:g} m as given")
    recordings = _in_zone(recordings, zone)
    if not extra:
        return recordings
    return [
        dataclasses.replace(
            recording,
            notes=recording.notes + tuple(extra),
            height_m=recording.height_m if height_m is None else height_m,
            sensor_height_m=(
                recording.sensor_height_m if sensor_height_m is None else sensor_height_m
            ),
        )
        for recording in recordings
    ]


def read_recording(
    path: PathLike,
    *,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    height_m: float | None = None,
    sensor_height_m: float | None = None,
) -> Recording:
    """Read a file that holds exactly one recording.

    Parameters are those of :func:`read_recordings`.

    Returns
    -------
    Recording
        The one recording.

    Raises
    ------
    InvalidInputError
        The file holds several recordings (e.g. a Mobilise-D file with several trials), or
        any error of :func:`read_recordings`.
    """
    recordings = read_recordings(
        path,
        sample_rate_hz=sample_rate_hz,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        height_m=height_m,
        sensor_height_m=sensor_height_m,
    )
    if len(recordings) != 1:
        names = ", ".join(recording.name for recording in recordings[:5])
        raise InvalidInputError(
            f"The file {path} holds {len(recordings)} recordings ({names}); read them with "
            "read_recordings and analyse them one at a time."
        )
    return recordings[0]
