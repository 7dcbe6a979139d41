"""Memory and time of reading long device files whole against a part at a time.

Two files, each analysed twice in fresh child processes pinned to one core: read whole and
analysed (in 4-h windows, from memory), and analysed with ``analyze_file``, which reads a
long file a part at a time (``open_parts``). The peak RSS of each child is the number that
matters: a week of data must fit on a laptop.

- a 24-h GENEActiv ``.bin`` at 100 Hz, written from the tiled Mobilise-D daily-life trial by
  ``tests/geneactiv_writer.py`` (about 110 MB, deleted afterwards);
- ``small.gt3x`` (13.6 h at 30 Hz, ActiGraph Link, from ``../shared/data``; skipped when
  that folder is absent).

Usage::

    python bench/bench_long_files.py        # writes bench/results/long-files.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_analyze import RESULT_PREFIX, child_result

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "long-files.json"
GENEACTIV_24H = ROOT / "bench" / "results" / "day.bin"
GT3X = ROOT.parent / "shared" / "data" / "devices" / "actigraph-gt3x" / "small.gt3x"
CSV = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv"


def log(msg: str) -> None:
    print(f"[long-files] {msg}", file=sys.stderr, flush=True)


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(which: str, path: str) -> dict[str, Any]:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from backstride.api import analyze_file
    from backstride.gait.pipeline import analyze
    from backstride.io import read_recordings

    before = _maxrss_mb()
    t0 = time.perf_counter()
    if which == "whole":
        (rec,) = read_recordings(Path(path))
        result = analyze(rec)
    else:
        (result,) = analyze_file(Path(path))
    wall = time.perf_counter() - t0
    return {
        "how": which,
        "file": Path(path).name,
        "file_mb": Path(path).stat().st_size / 1e6,
        "n_samples": int(result.recording["n_samples"]),
        "wall_s": wall,
        "rss_before_mb": before,
        "peak_rss_mb": _maxrss_mb(),
        "n_bouts": int(result.summary["n_bouts"]),
        "n_steps": int(result.summary["steps"]),
        "read_in_parts": any("read in parts" in n for n in result.recording["notes"]),
    }


def write_geneactiv_day() -> None:
    import datetime as dt

    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT / "tests"))
    from geneactiv_writer import write_geneactiv_bin

    df = pd.read_csv(CSV)
    acc = np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), (24 * 3600 * 100, 3))
    write_geneactiv_bin(GENEACTIV_24H, acc, 100.0, dt.datetime(2024, 6, 3))


def run_child(which: str, path: Path) -> dict[str, Any]:
    result = child_result(Path(__file__).resolve(), ["--child", which, str(path)])
    if result is None:
        return {"how": which, "file": path.name, "failed": "child exited without a result"}
    return dict(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("HOW", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_geneactiv_day()
        return 0
    if args.child:
        print(RESULT_PREFIX + json.dumps(child(*args.child)), flush=True)
        return 0

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    log("writing a 24-h GENEActiv .bin at 100 Hz (child process)")
    # In a child: Linux carries the peak RSS across fork and exec, so the parent must stay
    # small for the children's peaks to be their own.
    subprocess.run([sys.executable, __file__, "--write"], cwd=ROOT, check=True)
    files = [GENEACTIV_24H] + ([GT3X] if GT3X.exists() else [])
    if not GT3X.exists():
        log(f"{GT3X} is not here; the ActiGraph file is skipped")
    try:
        for path in files:
            for how in ("whole", "parts"):
                log(f"{path.name}: {how}")
                results.append(run_child(how, path))
    finally:
        GENEACTIV_24H.unlink(missing_ok=True)

    print()
    head = f"{'file':12} {'read':6} {'samples':>11} {'wall s':>7} {'peak RSS MB':>12} {'bouts':>6}"
    print(head)
    print("-" * len(head))
    for r in results:
        if "failed" in r:
            print(f"{r['file']:12} {r['how']:6} failed: {r['failed']}")
            continue
        print(
            f"{r['file']:12} {r['how']:6} {r['n_samples']:>11,} {r['wall_s']:>7.1f} "
            f"{r['peak_rss_mb']:>12.0f} {r['n_bouts']:>6,}"
        )
    print()
    RESULTS.write_text(json.dumps(results, indent=2))
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if all("failed" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
