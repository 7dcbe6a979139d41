"""``backstride validate`` on IPOL lumbar trials written the ways other trials may be.

The bundled set holds 6 of the data set's 19 subjects. Each test writes a variant of a
bundled trial into ``tmp_path`` at test time (the AGPL files stay where they are) and checks
that it validates with the numbers the untouched trial gives, or is listed as skipped with
one sentence saying why, never scored against a reference it does not match.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import signal

from backstride.exceptions import InvalidInputError
from backstride.io import companion_files, read_ipol_txt, read_recordings
from backstride.validation.runner import RecordingResult, ValidationReport, run_validation
from shared_data import SHARED, shared

IPOL = SHARED / "ipol-lumbar" / "GaitData"
COUNTER_MODULUS = 65536

pytestmark = pytest.mark.shared_data

Meta = dict[str, Any]


def _lines(source: Path, stem: str) -> list[str]:
    return (source / f"{stem}_lb.txt").read_text().splitlines()


def _meta(source: Path, stem: str) -> Meta:
    return json.loads((source / f"{stem}.json").read_text())  # type: ignore[no-any-return]


def _write(
    folder: Path,
    lines: list[str],
    meta: Meta | None,
    *,
    txt_name: str = "1-1_lb.txt",
    json_name: str = "1-1.json",
    encoding: str = "utf-8",
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / txt_name).write_text("\n".join(lines) + "\n")
    if meta is not None:
        (folder / json_name).write_bytes(json.dumps(meta, ensure_ascii=False).encode(encoding))


def _original(source: Path, stem: str, tmp_path: Path) -> RecordingResult:
    """The untouched trial's result (validated alone, linked rather than copied)."""
    folder = tmp_path / "original"
    folder.mkdir()
    for name in (f"{stem}_lb.txt", f"{stem}.json"):
        (folder / name).symlink_to(source / name)
    (result,) = run_validation(folder).results
    return result


def _only_result(report: ValidationReport) -> RecordingResult:
    assert report.skipped == []
    (result,) = report.results
    return result


def _events(meta: Meta, change: Callable[[int], int]) -> Meta:
    """``meta`` with every sample number (boundaries and foot events) changed."""
    out = dict(meta)
    for key in ("TrialBoundaries", "UTurnBoundaries"):
        out[key] = [change(v) for v in meta[key]]
    for key in ("LeftFootEvents", "RightFootEvents"):
        out[key] = [[change(a), change(b)] for a, b in meta[key]]
    return out


def test_mixed_case_file_names_validate_as_the_originals(tmp_path: Path) -> None:
    """``1-1_LB.txt`` with ``1-1.JSON``, ``2-3_lb.TXT`` with ``2-3_Meta.json``: both used to be
    passed over ("No recordings with a reference were found") on a case-sensitive disk."""
    source = shared(IPOL)
    folder = tmp_path / "GaitData"
    _write(folder, _lines(source, "1-1"), _meta(source, "1-1"), txt_name="1-1_LB.txt",
           json_name="1-1.JSON")  # fmt: skip
    _write(folder, _lines(source, "2-3"), _meta(source, "2-3"), txt_name="2-3_lb.TXT",
           json_name="2-3_Meta.json")  # fmt: skip
    report = run_validation(tmp_path)
    assert report.skipped == []
    assert sorted(r.name for r in report.results) == ["1-1", "2-3"]
    originals = run_validation(source).results
    for result in report.results:
        (original,) = (r for r in originals if r.name == result.name)
        assert result.contacts == original.contacts
        assert result.contacts.n_reference > 25
    recording = read_recordings(folder / "1-1_LB.txt")[0]
    assert recording.name == "1-1"
    assert recording.height_m == pytest.approx(1.75)
    assert companion_files(folder / "2-3_lb.TXT") == [folder / "2-3_Meta.json"]


def test_a_trial_without_its_sidecar_is_listed_as_skipped(tmp_path: Path) -> None:
    """A ``_lb.txt`` with no JSON beside it was silently left out of the run."""
    source = shared(IPOL)
    _write(tmp_path, _lines(source, "1-1"), _meta(source, "1-1"))
    _write(tmp_path, _lines(source, "2-3"), None, txt_name="2-3_lb.txt")
    report = run_validation(tmp_path)
    assert [r.name for r in report.results] == ["1-1"]
    (skipped,) = report.skipped
    assert skipped.name == "2-3_lb.txt"
    assert "no 2-3.json or 2-3_meta.json" in skipped.reason


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_sidecars_saved_with_a_bom_or_in_windows_1252_validate(
    encoding: str, tmp_path: Path
) -> None:
    """A sidecar saved by Windows Notepad (a UTF-8 BOM) or in Windows-1252 with an accented
    note: the trial used to be skipped ("Unexpected UTF-8 BOM", "'utf-8' codec can't
    decode") and the reader ignored the walker's height."""
    source = shared(IPOL)
    meta = {**_meta(source, "1-1"), "Comment": "côté droit"}
    _write(tmp_path / "variant", _lines(source, "1-1"), meta, encoding=encoding)
    result = _only_result(run_validation(tmp_path / "variant"))
    original = _original(source, "1-1", tmp_path)
    assert result.contacts == original.contacts
    assert read_ipol_txt(tmp_path / "variant" / "1-1_lb.txt").height_m == pytest.approx(1.75)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda m: {**m, "LeftFootEvents": []}, "no LeftFootEvents"),
        (lambda m: {**m, "LeftFootEvents": [], "RightFootEvents": []}, "no LeftFootEvents"),
        (lambda m: {k: v for k, v in m.items() if k != "RightFootEvents"}, "no RightFootEvents"),
    ],
)
def test_a_foot_without_events_is_skipped_not_scored(
    change: Callable[[Meta], Meta], says: str, tmp_path: Path
) -> None:
    """With the left foot's list empty, its 17 contacts counted as extras (contact F1 0.615
    instead of 0.957); with both empty the trial scored 0.000."""
    source = shared(IPOL)
    _write(tmp_path, _lines(source, "1-1"), change(_meta(source, "1-1")))
    with pytest.raises(InvalidInputError, match="No recording under") as info:
        run_validation(tmp_path)
    assert says in str(info.value)


def test_a_pair_with_its_toe_off_after_its_heel_strike_is_skipped(tmp_path: Path) -> None:
    """``[574, 527]``: the toe-off was read as the contact (F1 0.928 instead of 0.957)."""
    source = shared(IPOL)
    _write(tmp_path, _lines(source, "1-1"), _meta(source, "1-1"))
    meta = _meta(source, "2-3")
    toe_off, heel_strike = meta["LeftFootEvents"][5]
    meta["LeftFootEvents"][5] = [heel_strike, toe_off]
    _write(tmp_path, _lines(source, "2-3"), meta, txt_name="2-3_lb.txt", json_name="2-3.json")
    report = run_validation(tmp_path)
    assert [r.name for r in report.results] == ["1-1"]
    (skipped,) = report.skipped
    assert skipped.name == "2-3_lb.txt"
    assert f"pair 6 of LeftFootEvents, [{heel_strike}, {toe_off}]" in skipped.reason
    assert "toe-off" in skipped.reason


def test_events_beyond_the_recording_are_skipped_not_scored(tmp_path: Path) -> None:
    """A heel strike past the file's last sample dropped the true one silently (F1 0.941);
    a recording cut short of the trial counted the trial's last 9 contacts as misses
    (F1 0.820 instead of 0.957)."""
    source = shared(IPOL)
    lines, meta = _lines(source, "1-1"), _meta(source, "1-1")
    typo = {**meta, "LeftFootEvents": [list(p) for p in meta["LeftFootEvents"]]}
    typo["LeftFootEvents"][6][1] = 5000
    _write(tmp_path / "typo", lines, typo)
    _write(tmp_path / "cut", lines[:2000], meta)
    for folder, sample in (("typo", 5000), ("cut", 2464)):
        with pytest.raises(InvalidInputError, match="No recording under") as info:
            run_validation(tmp_path / folder)
        assert f"sample {sample}" in str(info.value)
        assert "after the recording's last" in str(info.value)


def test_marks_after_the_trial_do_not_cost_it(tmp_path: Path) -> None:
    """Only the trial is scored, so only its events must fit the recording: steps marked
    after it that run past the file's end, or a pair there in the wrong order, leave the
    trial as it was (the foot sensors may have recorded longer than the lower back)."""
    source = shared(IPOL)
    original = _original(source, "1-1", tmp_path)
    meta = _meta(source, "1-1")  # the trial ends at 2464; the recording at packet 3036
    after = {**meta, "LeftFootEvents": [*meta["LeftFootEvents"], [3300, 3250], [3400, 3450]]}
    _write(tmp_path / "after", _lines(source, "1-1"), after)
    result = _only_result(run_validation(tmp_path / "after"))
    assert result.contacts == original.contacts
    assert result.walking_f1 == original.walking_f1


@pytest.mark.parametrize("events_wrap", [False, True])
def test_a_packet_counter_that_wraps_mid_trial(events_wrap: bool, tmp_path: Path) -> None:
    """The 16-bit counter passes 65535 in the middle of the walk. Events written as the
    counter shows them (wrapped) used to fall before the recording: F1 0.464."""
    source = shared(IPOL)
    offset = COUNTER_MODULUS - 1500  # the wrap lands at sample 1500, during the walk
    lines = _lines(source, "1-1")
    shifted = lines[:2]
    for line in lines[2:]:
        counter, rest = line.split("\t", 1)
        shifted.append(f"{(float(counter) + offset) % COUNTER_MODULUS:.1f}\t{rest}")
    meta = _events(
        _meta(source, "1-1"),
        lambda v: (v + offset) % COUNTER_MODULUS if events_wrap else v + offset,
    )
    _write(tmp_path / "variant", shifted, meta)
    result = _only_result(run_validation(tmp_path / "variant"))
    original = _original(source, "1-1", tmp_path)
    assert result.contacts == original.contacts
    assert result.walking_f1 == pytest.approx(original.walking_f1)


def test_a_packet_number_on_two_lines_validates_as_the_original(tmp_path: Path) -> None:
    """Trial 11-1 of the data set (not bundled) writes packet 308 on two lines with different
    readings; the reader refused the whole trial ("does not increase on line 312"). Here the
    line of packet 1200, mid-walk, is written twice, the copy with other readings."""
    source = shared(IPOL)
    lines = _lines(source, "1-1")
    at = next(k for k, line in enumerate(lines) if line.startswith("1200.0\t"))
    counter, acc_x, rest = lines[at].split("\t", 2)
    repeat = "\t".join([counter, f"{float(acc_x) + 0.5:.6f}", rest])
    _write(tmp_path / "variant", [*lines[: at + 1], repeat, *lines[at + 1 :]], _meta(source, "1-1"))
    result = _only_result(run_validation(tmp_path / "variant"))
    original = _original(source, "1-1", tmp_path)
    assert result.contacts == original.contacts
    assert result.walking_f1 == original.walking_f1
    recording = read_ipol_txt(tmp_path / "variant" / "1-1_lb.txt")
    assert recording.n_samples == read_ipol_txt(source / "1-1_lb.txt").n_samples
    assert any("stood on two lines" in note for note in recording.notes)


def test_decimal_commas_are_read(tmp_path: Path) -> None:
    """A French-locale export (``8,225546``, ``100,0 Hz``) was refused as non-numeric."""
    source = shared(IPOL)
    lines = _lines(source, "1-1")
    comma = ["Acquisition frequency: 100,0 Hz"] + [line.replace(".", ",") for line in lines[1:]]
    _write(tmp_path / "variant", comma, _meta(source, "1-1"))
    result = _only_result(run_validation(tmp_path / "variant"))
    assert result.contacts == _original(source, "1-1", tmp_path).contacts
    recording = read_ipol_txt(tmp_path / "variant" / "1-1_lb.txt")
    assert recording.sample_rate_hz == 100
    np.testing.assert_allclose(recording.acc[0], [8.225546, 0.091094, 5.899778])


@pytest.mark.parametrize("kept", [2, 11])
def test_a_last_line_cut_short_is_left_out(kept: int, tmp_path: Path) -> None:
    """An export cut off inside its last line (``30`` of ``3036.0\\t...``) was refused: "The
    PacketCounter column does not increase on line 2915"."""
    source = shared(IPOL)
    lines = _lines(source, "1-1")
    _write(tmp_path / "variant", [*lines[:-1], lines[-1][:kept]], _meta(source, "1-1"))
    result = _only_result(run_validation(tmp_path / "variant"))
    assert result.contacts == _original(source, "1-1", tmp_path).contacts
    recording = read_ipol_txt(tmp_path / "variant" / "1-1_lb.txt")
    assert recording.n_samples == 3035  # packets 0 to 3034; the cut packet 3036 is left out
    assert any("line 2915" in note and "cut short" in note for note in recording.notes)


def _at_rate(source: Path, rate_hz: int) -> tuple[list[str], Meta]:
    """Trial 1-1 as a ``rate_hz`` recording, its events at that rate."""
    recording = read_ipol_txt(source / "1-1_lb.txt")
    assert recording.gyr is not None
    acc = signal.resample_poly(recording.acc, rate_hz, 100, axis=0)
    gyr = np.radians(signal.resample_poly(recording.gyr, rate_hz, 100, axis=0))
    lines = [f"Acquisition frequency: {rate_hz} Hz", "PacketCounter\tAcc_X\tAcc_Y\tAcc_Z\tGyr_X"
             "\tGyr_Y\tGyr_Z"]  # fmt: skip
    for k, row in enumerate(np.hstack([acc, gyr])):
        lines.append("\t".join([f"{k}.0", *(f"{v:.6f}" for v in row)]))
    meta = _events(_meta(source, "1-1"), lambda v: round(v * rate_hz / 100))
    return lines, meta


def test_variants_that_read_as_the_original(tmp_path: Path) -> None:
    """Variants handled already, pinned: other rates with events at that rate, a ``.0``
    rate, CRLF line endings, trailing blank lines, extra columns in another order, a null
    U-turn and a subject folder."""
    source = shared(IPOL)
    original = _original(source, "1-1", tmp_path)
    lines, meta = _lines(source, "1-1"), _meta(source, "1-1")
    header = lines[1].split("\t")
    extra = ["FreeAcc_X", "Quat_q0", "Quat_q1"]
    reordered = [
        "\t".join([*reversed(line.split("\t")), *(extra if i == 0 else ["0.1", "1.0", "0.0"])])
        for i, line in enumerate(lines[1:])
    ]
    same = {
        "100.0 Hz": (["Acquisition frequency: 100.0 Hz", *lines[1:]], meta),
        "blank lines": ([*lines, "", "\t" * (len(header) - 1), ""], meta),
        "reordered": ([lines[0], *reordered], {**meta, "UTurnBoundaries": None}),
    }
    for name, (variant_lines, variant_meta) in same.items():  # the same samples and events
        _write(tmp_path / name / "GaitData" / "1", variant_lines, variant_meta)
        result = _only_result(run_validation(tmp_path / name))
        assert result.contacts == original.contacts, name
        assert result.walking_f1 == original.walking_f1, name
    for rate_hz in (120, 60):
        name = f"{rate_hz} Hz"
        _write(tmp_path / name / "GaitData" / "1", *_at_rate(source, rate_hz))
        result = _only_result(run_validation(tmp_path / name))
        counts = ("n_reference", "n_detected", "n_matched")
        assert [getattr(result.contacts, k) for k in counts] == [
            getattr(original.contacts, k) for k in counts
        ], name
        # resampled, a contact lies on the new rate's samples: its timing error moves by up
        # to a sample (measured 0.4 ms at 120 Hz, 3.9 ms at 60 Hz), the walk's edges likewise
        # (walking F1 moved by 3e-4)
        assert result.ic_mae_s == pytest.approx(original.ic_mae_s, abs=1 / rate_hz), name
        assert result.walking_f1 == pytest.approx(original.walking_f1, abs=1e-3), name
    crlf = tmp_path / "crlf"
    crlf.mkdir()
    (crlf / "1-1_lb.txt").write_bytes((source / "1-1_lb.txt").read_bytes().replace(b"\n", b"\r\n"))
    (crlf / "1-1.json").symlink_to(source / "1-1.json")
    assert _only_result(run_validation(crlf)).contacts == original.contacts
