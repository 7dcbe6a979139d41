"""Fuzz target for the device readers (Axivity .cwa, GENEActiv .bin, ActiGraph .gt3x).

Run ``python tests/fuzz/fuzz_devices.py --runs 10000``: for each format it reads that many
mutated copies of the real sample files (bytes flipped, overwritten, inserted, deleted,
duplicated and truncated; CWA blocks changed with their checksums fixed; ActiGraph archive
members changed and zipped again) through :func:`backstride.io.read_recordings`. Every
outcome must be a Recording that honours the data contract or a ``BackstrideError``; any
other exception (``MemoryError`` included: the address space is capped) is a failure. It
prints counts per format and exits 1 on any failure, saving the inputs that failed under
``--crash-dir``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backstride.exceptions import BackstrideError
from backstride.io import read_recordings
from backstride.recording import MIN_SAMPLE_RATE_HZ, Recording

from fuzz.device_seeds import FORMATS, mutated_input, seeds

SUFFIX = {
    "axivity_cwa": ".cwa",
    "geneactiv_bin": ".bin",
    "actigraph_gt3x": ".gt3x",
    "actigraph_csv": ".csv",
}


def check_recording(recording: Recording) -> None:
    """Assert the data contract on a recording a reader returned."""
    assert recording.acc.ndim == 2 and recording.acc.shape[1] == 3
    assert recording.acc.dtype == np.float64
    assert recording.acc.shape[0] >= 2
    assert np.isfinite(recording.sample_rate_hz)
    assert recording.sample_rate_hz >= MIN_SAMPLE_RATE_HZ
    assert recording.start is not None and recording.start.tzinfo is not None
    if recording.gyr is not None:
        assert recording.gyr.shape == recording.acc.shape
    assert all(isinstance(note, str) and note for note in recording.notes)


def run_one(path: Path, content: bytes) -> str:
    """Read one input; return ``"read"`` or ``"rejected"``, raising on anything else."""
    path.write_bytes(content)
    try:
        recordings = read_recordings(path)
    except BackstrideError as error:
        message = str(error)
        assert message.strip() and "\n" not in message, f"bad error message: {message!r}"
        return "rejected"
    for recording in recordings:
        check_recording(recording)
    return "read"


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz campaign; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="inputs per format")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)
    parser.add_argument(
        "--max-memory-mb", type=int, default=4096, help="address-space cap (0: none)"
    )
    parser.add_argument("--crash-dir", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args(argv)

    if args.max_memory_mb > 0:
        limit = args.max_memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            print(f"warning: could not cap memory at {args.max_memory_mb} MB", file=sys.stderr)

    all_seeds = seeds()
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        for fmt in args.formats:
            seed_files = all_seeds[fmt]
            if not seed_files:
                print(f"{fmt}: no seed files found; skipped", file=sys.stderr)
                failures += 1
                continue
            rng = random.Random(f"{args.seed}-{fmt}")
            path = Path(folder) / f"input{SUFFIX[fmt]}"
            counts = {"read": 0, "rejected": 0, "failed": 0}
            slowest = 0.0
            started = time.perf_counter()
            for run in range(args.runs):
                content = mutated_input(fmt, seed_files, rng)
                t0 = time.perf_counter()
                try:
                    counts[run_one(path, content)] += 1
                except Exception:  # any escape is what this target looks for
                    counts["failed"] += 1
                    args.crash_dir.mkdir(parents=True, exist_ok=True)
                    crash = args.crash_dir / f"{fmt}-{args.seed}-{run}{SUFFIX[fmt]}"
                    crash.write_bytes(content)
                    print(f"{fmt} run {run}: saved {crash}", file=sys.stderr)
                    traceback.print_exc()
                slowest = max(slowest, time.perf_counter() - t0)
            elapsed = time.perf_counter() - started
            failures += counts["failed"]
            print(
                f"{fmt}: {args.runs} inputs from {len(seed_files)} seeds in {elapsed:.1f} s "
                f"(slowest {slowest:.2f} s): {counts['read']} read, {counts['rejected']} "
                f"rejected with a BackstrideError, {counts['failed']} failed"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
