"""An out-of-sample check on a walker with multiple sclerosis from mobgap's example data.

mobgap's repository (github.com/mobilise-d/mobgap, ``example_data/``) holds, besides the two
healthy adults bundled here, one participant with multiple sclerosis, ``MS/001``: its
lower-back recordings as CSV (``data_csv/MS/001/TimeMeasure1_Test*.csv``: ``samples``, acc in g,
gyr in deg/s, 100 Hz) and, in ``original_results/icd_{ionescu,shin_improved,hklee_improved}/
lab/MS/001/SD_Output.json`` (saved here as ``icd_{ionescu,shin,hklee}_SD_Output.json``), the
contacts that the Mobilise-D consortium's original MATLAB detectors found inside INDIP's
walking bouts, with those bouts' start and end (the same spans as the INDIP bouts in
``data.mat``: checked on HA-001, whose six daily-life bouts they reproduce to the 0.01 s).
Its INDIP contacts are only in the binary ``data.mat``. The files are not in this repository
and CI cannot fetch them; download them into one folder and run::

    python bench/mobgap_example_walker.py FOLDER

For each trial it prints walking-time F1 against INDIP's bouts (the measure ``backstride
validate`` reports), and how BackStride's contacts inside those bouts agree with each
MATLAB detector's (+-0.25 s, one to one: agreement between two estimates, not accuracy).
Nothing was tuned on this walker; it shows how the method carries to a patient's gait.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import backstride
from backstride.io import read_recording
from backstride.validation.metrics import match_contacts, walking_time_agreement
from backstride.validation.runner import CONTACT_TOLERANCE_S

#: From ``data_csv/participant_metadata.json``.
HEIGHT_M, SENSOR_HEIGHT_M = 1.68, 0.975
TRIALS = (("Test5", "Trial1"), ("Test5", "Trial2"), ("Test11", "Trial1"))
DETECTORS = ("ionescu", "shin", "hklee")
#: SHA-256 of each file as mobgap 1.2.0's example-data registry lists it, so that the numbers
#: are known to come from the published files.
SHA256 = {
    "TimeMeasure1_Test5_Trial1.csv": (
        "8f16a312f155d712198702714401b4f39bfa5a0c5f6398eae2a7de0c7a49f87a"
    ),
    "TimeMeasure1_Test5_Trial2.csv": (
        "d070619d181cf9d090926efe75a8921c7caa41a1a762079452d308b57ee3e589"
    ),
    "TimeMeasure1_Test11_Trial1.csv": (
        "d1e85592854134608a63793a3eab061c168dfc3ac69017e4f1ec178b2be06c00"
    ),
    "icd_ionescu_SD_Output.json": (
        "d456685ad17cf5a2df1640665b908d93c942f88420a63f88511cf3ab2054374f"
    ),
    "icd_shin_SD_Output.json": "962dadeb6b100b70ad1d0fc3aa7e1f21791f09bc7d9e55527634a4a3f9edfe50",
    "icd_hklee_SD_Output.json": (
        "56de9aedc753a55e3c92614c3af6f4d2cf24902a85eb2cd317a98e0e13bb7ea6"
    ),
}


def detector_output(folder: Path, name: str, test: str, trial: str) -> list[dict[str, Any]]:
    """One MATLAB detector's walking bouts (``Start``, ``End``, ``IC``) for one trial."""
    doc = json.loads((folder / f"icd_{name}_SD_Output.json").read_text())
    sd = doc["SD_Output"]["TimeMeasure1"][test][trial]["SU"]["LowerBack"]["SD"]
    return sd if isinstance(sd, list) else [sd]


def check_files(folder: Path) -> None:
    """Stop with one sentence unless every file is there and is the published one."""
    for name, digest in SHA256.items():
        path = folder / name
        if not path.is_file():
            sys.exit(f"{path} is missing; download it as the docstring says.")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            sys.exit(f"{path} is not the file mobgap publishes (its SHA-256 differs).")


def main(folder: Path) -> None:
    check_files(folder)
    for test, trial in TRIALS:
        csv = folder / f"TimeMeasure1_{test}_{trial}.csv"
        rec = read_recording(
            csv, sample_rate_hz=100.0, height_m=HEIGHT_M, sensor_height_m=SENSOR_HEIGHT_M
        )
        result = backstride.analyze(rec)
        ours = result.initial_contacts_s
        bouts = list(zip(result.bouts["start_s"], result.bouts["end_s"], strict=True))
        indip = [
            (float(b["Start"]), float(b["End"]))
            for b in detector_output(folder, DETECTORS[0], test, trial)
        ]
        walking = walking_time_agreement(bouts, indip, rec.duration_s)
        print(
            f"MS-001 {test}-{trial}: walking-time F1 {walking.f1:.3f} against INDIP's "
            f"{len(indip)} bout(s); BackStride {len(bouts)} bout(s), {len(ours)} contacts"
        )
        tol = CONTACT_TOLERANCE_S  # as `backstride validate` scores contacts
        inside = [t for t in ours if any(a - tol <= t <= b + tol for a, b in indip)]
        for name in DETECTORS:
            bouts_of = detector_output(folder, name, test, trial)
            theirs = [float(t) for b in bouts_of for t in b["IC"]]
            agree = match_contacts(inside, theirs, tol)
            print(
                f"  contacts inside INDIP's bouts against {name}'s: {len(inside)} / "
                f"{len(theirs)}, F1 {agree.f1:.3f}, timing {agree.mean_abs_error_s:.3f} s"
            )


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: python bench/mobgap_example_walker.py FOLDER (see the docstring)")
    main(Path(sys.argv[1]))
