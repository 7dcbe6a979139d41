"""Reader for the Mobilise-D MATLAB layout (``data.mat``).

The file holds ``data.<TimeMeasure>.<Test>.<Trial>.SU.LowerBack`` with ``Acc`` (g),
``Gyr`` (deg/s), ``Mag``, ``Bar``, ``Timestamp`` (Unix time of every sample) and ``Fs`` (a
number or one per sensor, e.g. ``Fs.Acc``). Every trial with a lower-back sensor becomes one
:class:`~backstride.recording.Recording` named ``"<Test>-<Trial>"``.

Participant height and sensor height are taken from the first of these that has them:

1. a ``Participant``/``Subject`` struct in ``data.mat`` (top level, in ``data`` or in the time
   measure);
2. ``infoForAlgo.mat`` next to it (``infoForAlgo.<TimeMeasure>.Height`` and ``SensorHeight``,
   in cm; for a time measure it does not describe, another's, as the note says);
3. ``participant_metadata.json`` in the folder above the participant's, keyed by cohort and
   participant number taken from the participant folder name (``HA-001`` ->
   ``["HA"]["001"]``), or, in mobgap's layout of a folder per cohort holding one per
   participant (``HA/001/data.mat``), from the two folder names, with the JSON beside the
   cohort folders. A ``Laboratory`` or ``Free-living`` folder below the participant's (the
   technical validation study's layout) is looked through.

The standardised reference (``Standards``) is left to the reference readers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    PathLike,
    existing_file,
    height_in_m,
    unix_seconds_scale,
    unix_to_datetime,
)
from backstride.io._matcheck import MatStructureError, check_mat5
from backstride.recording import MIN_SAMPLE_RATE_HZ, STANDARD_GRAVITY, FloatArray, Recording

DEVICE = "Mobilise-D"
METADATA_FILE = "participant_metadata.json"
INFO_FILE = "infoForAlgo.mat"

_FOLDER_RE = re.compile(r"^([A-Za-z]+)[-_]?(\d+)$")
#: Folders the Mobilise-D technical validation study puts a participant's two data.mat files
#: in (``<cohort>/<participant>/Laboratory/data.mat``): the participant is the folder above.
SETTING_FOLDERS = frozenset({"laboratory", "free-living", "freeliving", "free_living"})
#: A cohort folder's name in mobgap's layout (``HA``, ``MS``, ``PD``, ``CHF``, ``COPD``, ``PFF``).
_COHORT_RE = re.compile(r"^[A-Za-z]+$")


def _load_mat(path: Path) -> dict[str, Any]:
    """Load a MATLAB 5 file with cells simplified, turning any failure into our error.

    The file's structure is checked first (:func:`check_mat5`), because SciPy can hang or
    crash on damaged files instead of raising.
    """
    from scipy.io import loadmat

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            f"{path} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    if raw.startswith(b"MATLAB 7.3 MAT-file"):
        raise InvalidInputError(
            f"The MATLAB file {path.name} is in the HDF5-based v7.3 format; re-save it in "
            "MATLAB with save(..., '-v7')."
        )
    try:
        check_mat5(raw)
    except MatStructureError as exc:
        raise InvalidInputError(
            f"The MATLAB file {path.name} is damaged ({exc}); copy or export it again."
        ) from exc
    try:
        content = loadmat(path, simplify_cells=True)
    except NotImplementedError as exc:  # MATLAB 7.3 (HDF5) files
        raise InvalidInputError(
            f"The MATLAB file {path.name} is in the HDF5-based v7.3 format; re-save it in "
            "MATLAB with save(..., '-v7')."
        ) from exc
    except Exception as exc:  # scipy raises many types for damaged files
        raise InvalidInputError(
            f"The MATLAB file {path.name} could not be read ({type(exc).__name__}); check "
            "that it was copied completely."
        ) from exc
    if not isinstance(content, dict):
        raise InvalidInputError(
            f"The MATLAB file {path.name} holds no variables; check that it was copied completely."
        )
    return content


def load_mobilised_mat(path: PathLike) -> dict[str, Any]:
    """The whole content of a ``data.mat``, for a caller that reads it more than once.

    ``backstride validate`` reads both the recordings (:func:`read_mobilised_mat`) and the
    reference systems from one file; a study's files are tens of MB, so it loads each once
    and hands the content to both.
    """
    return _load_mat(existing_file(path))


def _field(struct: object, *names: str) -> object:
    """Return ``struct[name0][name1]...`` matching names case-insensitively, or ``None``."""
    current = struct
    for name in names:
        if not isinstance(current, Mapping):
            return None
        key = next((k for k in current if str(k).lower() == name.lower()), None)
        if key is None:
            return None
        current = current[key]
    return current


#: Fields that mark the level of one test in ``data.mat``: below it are the sensors and the
#: reference, above it only names (``Test5.Trial1`` in the lab, ``Recording4`` for the
#: free-living 2.5-h recording of the Mobilise-D technical validation study).
TEST_LEVEL_MARKERS = ("su", "standards")
#: Deeper than any Mobilise-D layout; a damaged file cannot send the search further.
MAX_TEST_DEPTH = 4


def test_levels(
    measure: object, _names: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every test under a time measure, as (names from the time measure down, test struct).

    The lab files nest ``<Test>.<Trial>``, the free-living ones a single ``<Recording>``;
    like mobgap's loader, the search goes down until a struct holds ``SU`` or ``Standards``.
    """
    if not isinstance(measure, Mapping) or len(_names) > MAX_TEST_DEPTH:
        return
    if _names and any(str(k).lower() in TEST_LEVEL_MARKERS for k in measure):
        yield _names, measure
        return
    for key, value in measure.items():
        yield from test_levels(value, (*_names, str(key)))


def _heights_in(struct: object) -> tuple[float | None, float | None, str | None]:
    """Find body height, sensor height (m) and sensor type in a participant struct."""
    if not isinstance(struct, Mapping):
        return None, None, None
    height = sensor = None
    sensor_type: str | None = None
    for key, value in struct.items():
        norm = re.sub(r"[^a-z]", "", str(key).lower())
        if norm in {"height", "heightm", "heightcm", "bodyheight", "bodyheightm"}:
            height = height if height is not None else height_in_m(value)
        elif norm in {"sensorheight", "sensorheightm", "sensorheightcm"}:
            sensor = sensor if sensor is not None else height_in_m(value)
        elif norm in {"sensortypesu", "sensortype"} and isinstance(value, str) and value.strip():
            sensor_type = sensor_type or value.strip()
    return height, sensor, sensor_type


def _participant_structs(mat: Mapping[str, Any], time_measure: str) -> list[object]:
    """Return the participant/subject structs of a loaded ``data.mat``, nearest first."""
    found: list[object] = []
    data = mat.get("data")
    for container in (_field(data, time_measure), data, mat):
        if isinstance(container, Mapping):
            for key, value in container.items():
                lowered = str(key).lower()
                if ("participant" in lowered or "subject" in lowered) and isinstance(
                    value, Mapping
                ):
                    found.append(value)
    return found


class ParticipantFolder(NamedTuple):
    """Who a ``data.mat`` belongs to, by the folders it lies in (see the module docstring)."""

    #: ``HA-001``; ``None`` where the folders do not name a participant.
    participant_id: str | None
    cohort: str | None
    number: str | None
    #: The folder that holds the participants' folders (and ``participant_metadata.json``).
    study_folder: Path

    @property
    def metadata_file(self) -> Path:
        """Where the study's ``participant_metadata.json`` would lie."""
        return self.study_folder / METADATA_FILE


def participant_folder(mat_path: Path) -> ParticipantFolder:
    """The participant of ``mat_path`` from the names of the folders it lies in.

    ``HA-001/data.mat``, or mobgap's ``HA/001/data.mat``, each with an optional
    ``Laboratory`` or ``Free-living`` folder below the participant's.
    """
    folder = mat_path.parent
    if folder.name.lower() in SETTING_FOLDERS:  # <participant>/Laboratory/data.mat
        folder = folder.parent
    match = _FOLDER_RE.match(folder.name)
    if match:
        return ParticipantFolder(folder.name, match.group(1), match.group(2), folder.parent)
    if folder.name.isdigit() and _COHORT_RE.match(folder.parent.name):
        # mobgap's layout, <cohort>/<number>/data.mat
        cohort, number = folder.parent.name, folder.name
        return ParticipantFolder(f"{cohort}-{number}", cohort, number, folder.parent.parent)
    return ParticipantFolder(None, None, None, folder.parent)


class _Participant:
    """Participant facts gathered from the sources listed in the module docstring."""

    def __init__(self, mat_path: Path, mat: Mapping[str, Any]) -> None:
        self.mat_path = mat_path
        self.mat = mat
        self.folder = participant_folder(mat_path)
        self.participant_id = self.folder.participant_id
        self._info: dict[str, Any] | None = None
        self._metadata: object = None
        self._loaded_side_files = False

    def _load_side_files(self) -> None:
        if self._loaded_side_files:
            return
        self._loaded_side_files = True
        info_path = self.mat_path.with_name(INFO_FILE)
        if info_path.is_file() and info_path != self.mat_path:
            try:
                self._info = _load_mat(info_path)
            except InvalidInputError:
                self._info = None
        metadata_path = self.folder.metadata_file
        if metadata_path.is_file() and self.folder.cohort is not None:
            try:
                metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                metadata = None
            self._metadata = _field(metadata, self.folder.cohort, self.folder.number or "")

    def lookup(self, time_measure: str) -> tuple[float | None, float | None, str | None, str]:
        """Return height (m), sensor height (m), sensor type and the source description."""
        for struct in _participant_structs(self.mat, time_measure):
            height, sensor, sensor_type = _heights_in(struct)
            if height is not None or sensor is not None:
                return height, sensor, sensor_type, self.mat_path.name
        self._load_side_files()
        if self._info is not None:
            measures = _field(self._info, "infoForAlgo")
            info = _field(measures, time_measure)
            height, sensor, sensor_type = _heights_in(info)
            if height is not None or sensor is not None:
                return height, sensor, sensor_type, INFO_FILE
            # a visit without its own entry (TimeMeasure2 where only TimeMeasure1 is
            # described): an adult's height and the sensor's place on the back hold
            others = sorted(measures) if isinstance(measures, Mapping) else []
            for other in (m for m in others if m != time_measure):
                height, sensor, sensor_type = _heights_in(_field(measures, other))
                if height is not None or sensor is not None:
                    return height, sensor, sensor_type, f"{INFO_FILE} ({other})"
        height, sensor, sensor_type = _heights_in(self._metadata)
        if height is not None or sensor is not None:
            return height, sensor, sensor_type, METADATA_FILE
        return None, None, sensor_type, ""


class UnreadableTrialsError(InvalidInputError):
    """Some trials of a ``data.mat`` cannot be read; the message says why for the first.

    A study's file holds tens of trials, and one sensor that failed in one trial (an empty
    ``Acc``, no ``Fs``) says nothing about the others: they are kept here for a caller that
    can use them (``backstride validate``), while a caller that needs the whole file gets the
    error as any other :class:`InvalidInputError`.
    """

    def __init__(
        self, message: str, recordings: list[Recording], problems: list[tuple[str, str]]
    ) -> None:
        super().__init__(message)
        #: The trials that were read.
        self.recordings = recordings
        #: ``(trial name, why it cannot be read)`` for each of the others.
        self.problems = problems


def _rate(fs: object, sensor: str) -> float | None:
    """Return the sample rate for ``sensor`` from an ``Fs`` number or per-sensor struct."""
    value = _field(fs, sensor) if isinstance(fs, Mapping) else fs
    try:
        rate = float(np.asarray(value, dtype=np.float64).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None
    return rate if np.isfinite(rate) and rate > 0 else None


def _xyz(value: object, label: str, trial: str) -> FloatArray:
    """Return a sensor array as ``(n, 3)`` float64, transposing a ``(3, n)`` one."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"The {label} data of {trial} is not numeric; check that the file is a Mobilise-D "
            "data.mat."
        ) from exc
    if array.size == 0:
        raise InvalidInputError(
            f"The {label} data of {trial} holds no samples (the sensor failed or was not "
            "exported), so the trial cannot be analysed."
        )
    if array.ndim == 2 and array.shape[1] != 3 and array.shape[0] == 3:
        array = array.T
    if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] < 2:
        raise InvalidInputError(
            f"The {label} data of {trial} has shape {array.shape} instead of (samples, 3); "
            "check that the file is a Mobilise-D data.mat."
        )
    return array


def _start_time(trial_struct: Mapping[str, Any], sensor: Mapping[str, Any]) -> dt.datetime | None:
    """Return the tz-aware start of a trial from ``Timestamp`` or ``StartDateTime``."""
    stamps = sensor.get("Timestamp")
    try:
        first = float(np.asarray(stamps, dtype=np.float64).ravel()[0])
    except (TypeError, ValueError, IndexError):
        first = float("nan")
    scale = unix_seconds_scale(first)
    if scale is not None:
        try:
            return unix_to_datetime(first / scale[0])
        except InvalidInputError:
            pass
    text = _field(trial_struct, "StartDateTime")
    if isinstance(text, str):
        try:
            parsed = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            return parsed.astimezone(dt.UTC)
    return None


def _trial_recording(
    trial_name: str,
    test_trial: tuple[str, str | None],
    trial_struct: Mapping[str, Any],
    sensor: Mapping[str, Any],
    participant: _Participant,
    time_measure: str,
    path: Path,
) -> Recording:
    """Build the recording of one trial's lower-back sensor."""
    notes: list[str] = []
    acc = _xyz(sensor.get("Acc"), "Acc", trial_name) * STANDARD_GRAVITY
    fs = sensor.get("Fs")
    rate = _rate(fs, "Acc")
    if rate is None:
        raise InvalidInputError(
            f"The trial {trial_name} has no sample rate (SU.LowerBack.Fs); check that the file "
            "is a Mobilise-D data.mat."
        )
    gyr: FloatArray | None = None
    gyr_value = sensor.get("Gyr")
    if gyr_value is not None and np.size(gyr_value) == 0:
        # MATLAB's [] where a gyroscope failed: the trial is still an accelerometer recording
        notes.append("gyroscope left out: SU.LowerBack.Gyr holds no samples")
        gyr_value = None
    if gyr_value is not None:
        gyr = _xyz(gyr_value, "Gyr", trial_name)
        gyr_rate = _rate(fs, "Gyr") or rate
        if gyr_rate < MIN_SAMPLE_RATE_HZ:
            # too slow to follow the trunk's rotation within a step: left out, not made up
            notes.append(
                f"gyroscope left out: its rate, {gyr_rate:g} Hz, is below {MIN_SAMPLE_RATE_HZ:g} Hz"
            )
            gyr = None
        elif gyr_rate != rate:
            source_t = np.arange(gyr.shape[0]) / gyr_rate
            target_t = np.arange(acc.shape[0]) / rate
            covered = source_t[-1] + 1.0 / gyr_rate  # its last sample stands for one period
            if target_t[-1] >= covered:
                # a gyroscope that stopped earlier: cut both, never hold its last value
                n = int(np.searchsorted(target_t, covered, side="left"))
                notes.append(
                    f"the gyroscope ends after {source_t[-1]:.2f} s, the accelerometer after "
                    f"{target_t[-1]:.2f} s; both were cut to the first"
                )
                acc, target_t = acc[:n], target_t[:n]
            gyr = np.column_stack([np.interp(target_t, source_t, gyr[:, k]) for k in range(3)])
            notes.append(f"gyroscope resampled from {gyr_rate:g} Hz to {rate:g} Hz")
        elif gyr.shape[0] != acc.shape[0]:
            n = min(gyr.shape[0], acc.shape[0])
            notes.append(
                f"accelerometer and gyroscope had {acc.shape[0]} and {gyr.shape[0]} samples; "
                f"both were cut to {n}"
            )
            acc, gyr = acc[:n], gyr[:n]
    notes.append("acceleration converted from g, gyroscope in deg/s as stored")
    height, sensor_height, sensor_type, source = participant.lookup(time_measure)
    if source:
        notes.append(f"participant height and sensor height from {source}")
    meta: dict[str, Any] = {
        "format": "mobilised_mat",
        "source_path": str(path),
        "time_measure": time_measure,
    }
    meta["test"], meta["trial"] = test_trial
    if participant.participant_id:
        meta["participant_id"] = participant.participant_id
    zone = _field(trial_struct, "TimeZone")
    if isinstance(zone, str) and zone.strip():
        meta["time_zone"] = zone.strip()
    return Recording(
        acc=acc,
        sample_rate_hz=rate,
        gyr=gyr,
        start=_start_time(trial_struct, sensor),
        device=f"{DEVICE} {sensor_type}" if sensor_type else f"{DEVICE} SU",
        placement="lower_back",
        height_m=height,
        sensor_height_m=sensor_height,
        name=trial_name,
        notes=tuple(notes),
        meta=meta,
    )


def read_mobilised_mat(path: PathLike, content: Mapping[str, Any] | None = None) -> list[Recording]:
    """Read every lower-back trial of a Mobilise-D ``data.mat``.

    Parameters
    ----------
    path
        The ``data.mat`` file (MATLAB 5 format).
    content
        The file's content if already loaded (:func:`load_mobilised_mat`); read from
        ``path`` when ``None``.

    Returns
    -------
    list of Recording
        One per trial with ``SU.LowerBack`` data, in file order, named ``"<Test>-<Trial>"``
        (``"<Recording>"`` for a free-living file, which has no trial level)
        (prefixed with the time measure when the file has more than one).

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    UnreadableTrialsError
        Some trials' lower-back data cannot be read (the others are in its ``recordings``).
    InvalidInputError
        The file cannot be loaded or holds no lower-back trials.
    """
    p = existing_file(path)
    mat = _load_mat(p) if content is None else content
    data = mat.get("data")
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            f"The MATLAB file {p.name} has no data struct; BackStride reads the Mobilise-D "
            "layout data.TimeMeasure1.<Test>.<Trial>.SU.LowerBack."
        )
    time_measures = [
        key
        for key, value in data.items()
        if str(key).lower().startswith("timemeasure") and isinstance(value, Mapping)
    ]
    participant = _Participant(p, mat)
    recordings: list[Recording] = []
    problems: list[tuple[str, str]] = []
    for time_measure in time_measures:
        for names, content in test_levels(data[time_measure]):
            sensor = _field(content, "SU", "LowerBack")
            if not isinstance(sensor, Mapping):
                continue
            name = "-".join(names)
            if len(time_measures) > 1:
                name = f"{time_measure}-{name}"
            test_trial = (names[0], "-".join(names[1:]) or None)
            try:
                recordings.append(
                    _trial_recording(
                        name, test_trial, content, sensor, participant, time_measure, p
                    )
                )
            except InvalidInputError as exc:
                problems.append((name, str(exc)))
    if problems:
        raise UnreadableTrialsError(problems[0][1], recordings, problems)
    if not recordings:
        raise InvalidInputError(
            f"The MATLAB file {p.name} holds no SU.LowerBack sensor data; BackStride reads the "
            "Mobilise-D layout data.TimeMeasure1.<Test>.<Trial>.SU.LowerBack (or "
            "<Recording>.SU.LowerBack)."
        )
    return recordings
