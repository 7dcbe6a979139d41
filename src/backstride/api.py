"""Public entry points used by the CLI, the tests and other programs alike."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from backstride.gait.pipeline import (
    AnalysisParameters,
    ProgressCallback,
    RecordingInfo,
    WalkingAnalysis,
)
from backstride.gait.pipeline import analyze as analyze_recording
from backstride.recording import Recording


def analyze(
    recording: Recording | str | Path, params: AnalysisParameters | None = None
) -> WalkingAnalysis:
    """Analyse a Recording, or a file holding exactly one recording.

    Parameters
    ----------
    recording
        A :class:`~backstride.recording.Recording` or a path to a supported file.
    params
        Wearer heights and bout rules.
    """
    if isinstance(recording, Recording):
        return analyze_recording(recording, params)
    from backstride.io import read_recording

    return analyze_recording(read_recording(Path(recording)), params)


def analyze_file(
    path: Path,
    params: AnalysisParameters | None = None,
    *,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    time_zone: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[WalkingAnalysis]:
    """Analyse every recording in a file (a multi-trial container gives several).

    Heights in ``params`` replace those the file carries. See :func:`analyze_file_recordings`
    for the other arguments.
    """
    return [
        analysis
        for _, analysis in analyze_file_recordings(
            path,
            params,
            sample_rate_hz=sample_rate_hz,
            acc_unit=acc_unit,
            gyr_unit=gyr_unit,
            time_zone=time_zone,
            progress=progress,
        )
    ]


def analyze_file_recordings(
    path: Path,
    params: AnalysisParameters | None = None,
    *,
    heights_from: Literal["params", "file"] = "params",
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    time_zone: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[tuple[RecordingInfo, WalkingAnalysis]]:
    """Every recording in a file with its analysis.

    An Axivity, GENEActiv ``.bin`` or ActiGraph ``.gt3x`` file longer than the analysis
    window is read a part at a time (:func:`backstride.io.open_parts`), in bounded memory;
    other files are read whole.

    Parameters
    ----------
    path
        A sensor file of any supported format.
    params
        Analysis parameters, including the wearer's heights.
    heights_from
        Which height wins when both the file and ``params`` give one: ``"params"`` (what the
        user typed for this run, as ``backstride analyze`` does) or ``"file"`` (what was
        recorded with the file, as ``backstride import`` does with a profile's height).
    sample_rate_hz, acc_unit, gyr_unit
        For files that do not state them (see :func:`backstride.io.read_recordings`).
    time_zone
        IANA name of where the recording was made, for clock times without a zone.
    progress
        Told how far a long recording's analysis has got.
    """
    from backstride.gait.pipeline import CONTEXT_S, analyze_parts
    from backstride.io import open_parts, read_recordings

    base = params or AnalysisParameters()

    def own(info: RecordingInfo) -> AnalysisParameters:
        if heights_from == "params":
            return base
        return replace(
            base,
            height_m=None if info.height_m else base.height_m,
            sensor_height_m=None if info.sensor_height_m else base.sensor_height_m,
        )

    parts = open_parts(path, longer_than_s=base.window_s + CONTEXT_S, time_zone=time_zone)
    if parts is not None:
        return [(parts.info, analyze_parts(parts, own(parts.info), progress))]
    out: list[tuple[RecordingInfo, WalkingAnalysis]] = []
    for rec in read_recordings(
        path,
        sample_rate_hz=sample_rate_hz,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        time_zone=time_zone,
    ):
        p = own(rec)
        # the recording reports the heights the analysis used, and says which it replaced:
        # the reader's note ("height 1.75 m from 1-1.json") would otherwise stand unanswered
        replaced = tuple(
            f"the {label} given, {given:g} m, is used instead of the file's {read:g} m"
            for label, given, read in (
                ("height", p.height_m, rec.height_m),
                ("sensor height", p.sensor_height_m, rec.sensor_height_m),
            )
            if given and read and given != read
        )
        rec = replace(
            rec,
            height_m=p.height_m or rec.height_m,
            sensor_height_m=p.sensor_height_m or rec.sensor_height_m,
            notes=rec.notes + replaced,
        )
        out.append((rec, analyze_recording(rec, p, progress)))
    return out
