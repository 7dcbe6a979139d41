"""Public entry points used by the CLI, the tests and other programs alike."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from backstride.gait.pipeline import AnalysisParameters, ProgressCallback, WalkingAnalysis
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

    ``progress`` is told how far a long recording's analysis has got (see
    :func:`backstride.gait.pipeline.analyze`). ``time_zone`` (an IANA name) says where the
    recording was made; see
    :func:`backstride.io.read_recordings`. An Axivity file longer than the analysis window is
    read a part at a time (:func:`backstride.io.open_parts`).
    """
    from backstride.gait.pipeline import CONTEXT_S, analyze_parts
    from backstride.io import open_parts, read_recordings

    params = params or AnalysisParameters()
    parts = open_parts(path, longer_than_s=params.window_s + CONTEXT_S, time_zone=time_zone)
    if parts is not None:  # a long Axivity file: read a part at a time, in bounded memory
        return [analyze_parts(parts, params, progress)]
    recs = read_recordings(
        path,
        sample_rate_hz=sample_rate_hz,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        time_zone=time_zone,
    )
    out = []
    for rec in recs:
        if params is not None and (params.height_m or params.sensor_height_m):
            rec = replace(
                rec,
                height_m=params.height_m or rec.height_m,
                sensor_height_m=params.sensor_height_m or rec.sensor_height_m,
            )
        out.append(analyze_recording(rec, params, progress))
    return out
