"""Throughput and memory benchmark of ``backstride.gait.pipeline.analyze``.

Builds a 24-hour, 100 Hz, 6-axis recording by tiling a real Mobilise-D lab recording, analyses
it in a fresh child process pinned to one core (so the peak memory is that of the analysis),
and runs mobgap's Mobilise-D pipeline on one hour of the same data for comparison. A 7-day
recording (a free-living wear protocol) is analysed too, to show that the memory the
analysis adds does not grow with the recording (it works in 4-hour windows), and the same week
is written as an Axivity AX6 .cwa file and analysed from the file, read a part at a time.

Usage::

    python bench/bench_analyze.py            # whole benchmark, writes bench/results/bench.json
    python bench/bench_analyze.py --child NAME   # internal: one measurement in a fresh process

Each child prints one JSON line prefixed with ``RESULT `` on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv"
RESULTS = ROOT / "bench" / "results" / "bench.json"
WEEK_CWA = ROOT / "bench" / "results" / "week.cwa"

FS_HZ = 100.0
G = 9.80665
SENSOR_HEIGHT_M = 0.964
HEIGHT_M = 1.59
N_24H = 24 * 3600 * int(FS_HZ)
N_7D = 7 * N_24H
N_MOBGAP = 3600 * int(FS_HZ)

TARGET_WALL_S = 10.0
TARGET_PEAK_MB = 1500.0
TARGET_RATIO = 20.0

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
RESULT_PREFIX = "RESULT "


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# child side
# --------------------------------------------------------------------------------------------


def _pin_to_one_core() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _rss_now_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def _maxrss_kib() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _load_base() -> tuple[Any, Any]:
    """The real recording: acc in m/s^2 and gyr in deg/s, as float64 ``(n, 3)`` arrays."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(CSV)
    acc = df[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=np.float64) * G
    gyr = df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=np.float64)
    return np.ascontiguousarray(acc), np.ascontiguousarray(gyr)


def _tile(base: Any, n: int) -> Any:
    """Repeat ``base`` along time until it has ``n`` rows (allocates the result only once)."""
    import numpy as np

    return np.resize(base, (n, base.shape[1]))


def child_backstride(n_samples: int = N_24H) -> dict[str, Any]:
    cpu = _pin_to_one_core()
    import numpy as np

    from backstride.gait.pipeline import analyze
    from backstride.recording import Recording

    base_acc, base_gyr = _load_base()
    # warm-up on the original short trial (imports, lazy initialisation), not timed
    analyze(
        Recording(acc=base_acc, gyr=base_gyr, sample_rate_hz=FS_HZ, sensor_height_m=SENSOR_HEIGHT_M)
    )
    hours = n_samples / FS_HZ / 3600
    log(f"backstride: building the {hours:g} h recording ({n_samples:,} samples)")
    recording = Recording(
        acc=_tile(base_acc, n_samples),
        gyr=_tile(base_gyr, n_samples),
        sample_rate_hz=FS_HZ,
        sensor_height_m=SENSOR_HEIGHT_M,
        name=f"tiled-{hours:g}h",
    )
    assert recording.acc.dtype == np.float64 and recording.n_samples == n_samples
    rss_before = _rss_now_kib()
    maxrss_before = _maxrss_kib()
    log(f"backstride: analysing {hours:g} h on cpu {cpu} (RSS before {rss_before / 1024:.0f} MB)")
    t0 = time.perf_counter()
    result = analyze(recording)
    wall = time.perf_counter() - t0
    maxrss_after = _maxrss_kib()
    log(f"backstride: done in {wall:.2f} s")
    return {
        "tool": "backstride",
        "cpu": cpu,
        "n_samples": recording.n_samples,
        "duration_h": recording.duration_s / 3600,
        "wall_s": wall,
        "samples_per_s": recording.n_samples / wall,
        "rss_before_kib": rss_before,
        "maxrss_before_kib": maxrss_before,
        "peak_rss_kib": maxrss_after,
        "peak_increment_kib": maxrss_after - rss_before,
        "n_bouts": int(result.summary["n_bouts"]),
        "n_steps": int(result.summary["steps"]),
    }


def child_write_week_cwa() -> dict[str, Any]:
    import datetime as dt

    sys.path.insert(0, str(ROOT / "tests"))
    from cwa_writer import write_ax6

    base_acc, base_gyr = _load_base()
    WEEK_CWA.parent.mkdir(parents=True, exist_ok=True)  # bench/results/ is not in git
    t0 = time.perf_counter()
    write_ax6(
        WEEK_CWA,
        _tile(base_acc / G, N_7D),
        _tile(base_gyr, N_7D),
        dt.datetime(2024, 6, 3, 0, 0, 0),
    )
    return {
        "path": str(WEEK_CWA),
        "bytes": WEEK_CWA.stat().st_size,
        "write_s": time.perf_counter() - t0,
    }


def child_backstride_week_cwa() -> dict[str, Any]:
    cpu = _pin_to_one_core()
    from backstride.api import analyze_file
    from backstride.gait.pipeline import AnalysisParameters

    rss_before = _rss_now_kib()
    t0 = time.perf_counter()
    (result,) = analyze_file(WEEK_CWA, AnalysisParameters(sensor_height_m=SENSOR_HEIGHT_M))
    wall = time.perf_counter() - t0
    peak = _maxrss_kib()
    return {
        "tool": "backstride-week-cwa",
        "cpu": cpu,
        "file_bytes": WEEK_CWA.stat().st_size,
        "n_samples": int(result.recording["n_samples"]),
        "wall_s": wall,
        "samples_per_s": result.recording["n_samples"] / wall,
        "rss_before_kib": rss_before,
        "peak_rss_kib": peak,
        "n_bouts": int(result.summary["n_bouts"]),
        "n_days": len(result.days),
        "read_in_parts": any("read in parts" in n for n in result.recording["notes"]),
    }


def child_mobgap() -> dict[str, Any]:
    cpu = _pin_to_one_core()
    import warnings

    import numpy as np
    import pandas as pd

    try:
        from mobgap.data import GaitDatasetFromData
        from mobgap.pipeline import MobilisedPipelineHealthy
    except Exception as exc:  # ImportError, or a broken install of one of its dependencies
        return {"tool": "mobgap", "skipped": f"mobgap cannot be imported: {exc!r}"}
    import mobgap

    # mobgap's bundled scikit-learn models warn about the pickling version on every run
    warnings.filterwarnings("ignore")
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]

    # The Mobilise-D csv is already in mobgap's sensor frame (acc_x vertical), acc in m/s^2
    base = np.hstack(_load_base())

    def datapoint(n: int) -> Any:
        data = pd.DataFrame(_tile(base, n), columns=cols)
        meta = {"height_m": HEIGHT_M, "sensor_height_m": SENSOR_HEIGHT_M, "cohort": "HA"}
        dataset = GaitDatasetFromData(
            {"tiled": {"LowerBack": data}},
            FS_HZ,
            {"tiled": meta},
            {"tiled": {"measurement_condition": "free_living"}},
        )
        return dataset[0]

    # warm-up on the original short trial: numba JIT compilation and model loading, not timed
    log("mobgap: warm-up on the original trial (JIT compilation, not timed)")
    MobilisedPipelineHealthy().run(datapoint(base.shape[0]))
    dp = datapoint(N_MOBGAP)
    rss_before = _rss_now_kib()
    log(f"mobgap: running MobilisedPipelineHealthy on 1 h ({N_MOBGAP:,} samples) on cpu {cpu}")
    t0 = time.perf_counter()
    pipe = MobilisedPipelineHealthy().run(dp)
    wall = time.perf_counter() - t0
    maxrss_after = _maxrss_kib()
    log(f"mobgap: done in {wall:.2f} s")
    return {
        "tool": "mobgap",
        "version": getattr(mobgap, "__version__", "unknown"),
        "pipeline": "MobilisedPipelineHealthy (cohort HA)",
        "cpu": cpu,
        "n_samples": N_MOBGAP,
        "duration_h": N_MOBGAP / FS_HZ / 3600,
        "wall_s": wall,
        "samples_per_s": N_MOBGAP / wall,
        "rss_before_kib": rss_before,
        "peak_rss_kib": maxrss_after,
        "n_gait_sequences": len(pipe.gs_list_),
        "n_walking_bouts": len(pipe.per_wb_parameters_),
        "n_strides": len(pipe.per_stride_parameters_),
        "n_initial_contacts": len(pipe.raw_ic_list_),
    }


# --------------------------------------------------------------------------------------------
# parent side
# --------------------------------------------------------------------------------------------


def child_result(script: Path, args: list[str], env_extra: dict[str, str] | None = None) -> Any:
    """Run ``script args`` in a fresh single-threaded process; its RESULT line, or None."""
    env = dict(os.environ)
    env.update(dict.fromkeys(THREAD_VARS, "1"))
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    return None


def run_child(which: str) -> dict[str, Any]:
    extra = {"PYTHONWARNINGS": "ignore"} if which == "mobgap" else None
    result = child_result(Path(__file__).resolve(), ["--child", which], extra)
    if result is None:
        return {"tool": which, "failed": "child exited without a result"}
    return dict(result)


def _mb(kib: float) -> float:
    return kib / 1024


def _mark(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def report(
    bs: dict[str, Any], mg: dict[str, Any], week: dict[str, Any], week_cwa: dict[str, Any]
) -> dict[str, Any]:
    ok_bs = "wall_s" in bs
    ok_mg = "wall_s" in mg
    ratio = bs["samples_per_s"] / mg["samples_per_s"] if ok_bs and ok_mg else None
    rows: list[tuple[str, str, str, str]] = []
    if ok_bs:
        peak_mb = _mb(bs["peak_rss_kib"])
        rows += [
            ("backstride 24 h wall time", f"{bs['wall_s']:.2f} s", f"< {TARGET_WALL_S:g} s",
             _mark(bs["wall_s"] < TARGET_WALL_S)),
            ("backstride throughput", f"{bs['samples_per_s']:,.0f} samples/s", "", ""),
            ("backstride RSS before analyze", f"{_mb(bs['rss_before_kib']):.0f} MB", "", ""),
            ("backstride peak RSS", f"{peak_mb:.0f} MB", f"< {TARGET_PEAK_MB:g} MB",
             _mark(peak_mb < TARGET_PEAK_MB)),
            ("backstride peak increment", f"{_mb(bs['peak_increment_kib']):.0f} MB", "", ""),
            ("backstride bouts / steps", f"{bs['n_bouts']:,} / {bs['n_steps']:,}", "", ""),
        ]  # fmt: skip
    else:
        rows.append(("backstride", bs.get("failed", "failed"), "", "FAIL"))
    if "wall_s" in week:
        rows += [
            ("backstride 7 d wall time", f"{week['wall_s']:.1f} s", "", ""),
            ("backstride 7 d throughput", f"{week['samples_per_s']:,.0f} samples/s", "", ""),
            ("backstride 7 d RSS before (input)", f"{_mb(week['rss_before_kib']):.0f} MB", "", ""),
            ("backstride 7 d peak increment", f"{_mb(week['peak_increment_kib']):.0f} MB",
             "as 24 h", ""),
        ]  # fmt: skip
    else:
        rows.append(("backstride 7 d", week.get("failed", "failed"), "", "FAIL"))
    if "wall_s" in week_cwa:
        rows += [
            ("backstride 7 d .cwa file", f"{week_cwa['file_bytes'] / 1e6:.0f} MB", "", ""),
            ("backstride 7 d .cwa read + analyse", f"{week_cwa['wall_s']:.1f} s", "", ""),
            ("backstride 7 d .cwa peak RSS", f"{_mb(week_cwa['peak_rss_kib']):.0f} MB", "", ""),
        ]
    else:
        rows.append(("backstride 7 d .cwa", week_cwa.get("failed", "failed"), "", "FAIL"))
    if ok_mg:
        rows += [
            ("mobgap 1 h wall time", f"{mg['wall_s']:.2f} s", "", ""),
            ("mobgap throughput", f"{mg['samples_per_s']:,.0f} samples/s", "", ""),
            ("mobgap peak RSS", f"{_mb(mg['peak_rss_kib']):.0f} MB", "", ""),
            ("mobgap WBs / strides", f"{mg['n_walking_bouts']:,} / {mg['n_strides']:,}", "", ""),
        ]
    else:
        rows.append(("mobgap", "skipped: " + mg.get("skipped", mg.get("failed", "?")), "", ""))
    if ratio is not None:
        rows.append(
            ("throughput backstride/mobgap", f"{ratio:.1f}x", f">= {TARGET_RATIO:g}x",
             _mark(ratio >= TARGET_RATIO))
        )  # fmt: skip
    else:
        rows.append(("throughput backstride/mobgap", "n/a (comparison skipped)", "", ""))

    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("measure", "value", "target", "")
    w = [max(w[i], len(head[i])) for i in range(4)]
    line = "  ".join("-" * x for x in w)
    print()
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)).rstrip())
    print(line)
    for r in rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    print()

    return {
        "input": {
            "source": str(CSV.relative_to(ROOT)),
            "sample_rate_hz": FS_HZ,
            "backstride_samples": N_24H,
            "backstride_7d_samples": N_7D,
            "mobgap_samples": N_MOBGAP,
            "sensor_height_m": SENSOR_HEIGHT_M,
            "height_m": HEIGHT_M,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "threads_per_process": 1,
        },
        "targets": {
            "wall_s_24h": TARGET_WALL_S,
            "peak_rss_mb": TARGET_PEAK_MB,
            "throughput_ratio": TARGET_RATIO,
        },
        "backstride": bs,
        "backstride_7d": week,
        "backstride_7d_cwa": week_cwa,
        "mobgap": mg,
        "throughput_ratio": ratio,
        "meets": {
            "wall_s_24h": ok_bs and bs["wall_s"] < TARGET_WALL_S,
            "peak_rss_mb": ok_bs and _mb(bs["peak_rss_kib"]) < TARGET_PEAK_MB,
            "throughput_ratio": ratio is not None and ratio >= TARGET_RATIO,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--child",
        choices=[
            "backstride",
            "backstride-week",
            "write-week-cwa",
            "backstride-week-cwa",
            "mobgap",
        ],
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()

    if args.child:
        if args.child == "backstride":
            result = child_backstride()
        elif args.child == "backstride-week":
            result = child_backstride(N_7D)
        elif args.child == "write-week-cwa":
            result = child_write_week_cwa()
        elif args.child == "backstride-week-cwa":
            result = child_backstride_week_cwa()
        else:
            result = child_mobgap()
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0

    log(f"input: {CSV.relative_to(ROOT)} tiled to 24 h at {FS_HZ:g} Hz, one core per child")
    log("phase 1/5: backstride analyze on 24 h (child process)")
    bs = run_child("backstride")
    log("phase 2/5: backstride analyze on 7 days (child process)")
    week = run_child("backstride-week")
    log("phase 3/5: the 7 days as an AX6 .cwa file, analysed from the file (child processes)")
    written = run_child("write-week-cwa")
    week_cwa = run_child("backstride-week-cwa") if "bytes" in written else written
    WEEK_CWA.unlink(missing_ok=True)
    log("phase 4/5: mobgap Mobilise-D pipeline on 1 h (child process)")
    mg = run_child("mobgap")
    if "skipped" in mg:
        log(f"mobgap comparison skipped: {mg['skipped']}")
    log("phase 5/5: report")
    out = report(bs, mg, week, week_cwa)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if "wall_s" in bs else 1


if __name__ == "__main__":
    sys.exit(main())
