#!/usr/bin/env python
"""Fuzz the walk-summary readers (GPX, TCX, FIT, Apple Health, Fitbit JSON).

Every run mutates a valid seed file (byte flips, interesting bytes and tokens, deleted,
duplicated or truncated ranges, changed numbers), writes it to a temporary file and reads it
with :func:`detect_summary_format`, :func:`read_walk_summaries` and, for the formats that
count steps all day, :func:`read_daily_steps`. The only exception allowed out is
:class:`~backstride.exceptions.BackstrideError`; anything else is a crash.

FIT seeds are mutated in their body and their sizes and checksums are then repaired half of
the time, so mutations reach the decoder instead of stopping at the CRC check. Apple Health
zips are mutated either as bytes or by mutating export.xml and zipping it again.

Usage::

    .venv/bin/python tests/fuzz/fuzz_summaries.py --runs 10000 [--seed 1] [--format gpx ...]

Prints per-format counts and exits non-zero if any input crashed a reader.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import struct
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from backstride.exceptions import BackstrideError  # noqa: E402
from backstride.io.summaries import (  # noqa: E402
    detect_summary_format,
    read_daily_steps,
    read_walk_summaries,
)

FORMATS = ("gpx", "tcx", "fit", "apple_xml", "apple_zip", "fitbit")
FIT_SEED_NAMES = ("garmin-fenix-5-walk.fit", "garmin-fenix-5-run.fit")
INTERESTING_BYTES = b"\x00\xff<>/\"'&;=-.:0 \n\x7f\x80"
TOKENS = (
    b"<!ENTITY a 'aaaa'>",
    b"<!DOCTYPE gpx [<!ENTITY a 'x'>]>",
    b"&a;",
    b"]]>",
    b"<![CDATA[",
    b"NaN",
    b"inf",
    b"-1e309",
    b"1e308",
    b"99999999999999999999",
    b"-0",
    b"</",
    b"<x>",
    b"\x00",
    b"1901-12-13T20:45:52Z",
    b"9999-12-31T23:59:59Z",
    b"0000-00-00 00:00:00 +0000",
    b"2020-02-30 25:61:61 +9999",
    b'"value" : {"bpm": 1}',
    b"[]",
    b"{}",
    b"null",
    b"true",
    b"\xef\xbb\xbf",
    b"\\u0000",
    b'xmlns:a="b" ',
    b"..\\..\\",
    b"../../",
)
_NUMBER_RE = re.compile(rb"-?\d+(?:\.\d+)?")


# --- Seeds -----------------------------------------------------------------------------------


def gpx_seed() -> bytes:
    """A GPX 1.1 file with two tracks (gap of 2 minutes), elevation and Garmin extensions."""
    points = []
    for k in range(30):
        lat = 46.05 + 0.0001 * k
        lon = 14.50 + 0.00005 * k
        minute, second = divmod(10 * k, 60)
        points.append(
            f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>{300 + 0.4 * k:.1f}</ele>'
            f"<time>2021-05-01T08:{minute:02d}:{second:02d}Z</time><extensions>"
            f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{100 + k}</gpxtpx:hr>"
            f"<gpxtpx:cad>{55 + k % 5}</gpxtpx:cad></gpxtpx:TrackPointExtension>"
            "</extensions></trkpt>"
        )
    body = "".join(points)
    later = body.replace("T08:", "T09:")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>a</name><type>walking</type><trkseg>{body}</trkseg></trk>"
        f"<trk><name>b</name><trkseg>{later}</trkseg></trk></gpx>"
    ).encode()


def tcx_seed() -> bytes:
    """A TCX activity with two laps, distance, altitude, heart rate and run cadence."""
    points = []
    for k in range(30):
        minute, second = divmod(5 * k, 60)
        points.append(
            f"<Trackpoint><Time>2012-12-26T21:{30 + minute:02d}:{second:02d}Z</Time>"
            f"<Position><LatitudeDegrees>{35.95 + 0.0001 * k:.6f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{-79.09 + 0.0001 * k:.6f}</LongitudeDegrees></Position>"
            f"<AltitudeMeters>{170 + (k % 7) * 0.8:.2f}</AltitudeMeters>"
            f"<DistanceMeters>{12.5 * k:.2f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{120 + k}</Value></HeartRateBpm>"
            f"<Extensions><ns3:TPX><ns3:RunCadence>{58 + k % 4}</ns3:RunCadence></ns3:TPX>"
            "</Extensions></Trackpoint>"
        )
    lap = (
        '<Lap StartTime="2012-12-26T21:30:00Z"><TotalTimeSeconds>145</TotalTimeSeconds>'
        "<DistanceMeters>362.5</DistanceMeters><Calories>20</Calories>"
        "<Track>{}</Track><Extensions><ns3:LX><ns3:Steps>300</ns3:Steps></ns3:LX>"
        "</Extensions></Lap>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2" xmlns:ns3="http://www.garmin.com/xmlschemas/'
        'ActivityExtension/v2"><Activities><Activity Sport="Other">'
        "<Id>2012-12-26T21:30:00Z</Id>"
        + lap.format("".join(points[:15]))
        + lap.format("".join(points[15:]))
        + "<Creator><Name>Fuzz 1</Name></Creator></Activity></Activities>"
        "</TrainingCenterDatabase>"
    ).encode()


APPLE_DTD = (
    "<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>\n"
    "<!ATTLIST HealthData locale CDATA #REQUIRED>\n<!ELEMENT Record (MetadataEntry*)>\n"
    "<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED>\n]>\n"
)


def apple_seed(route_reference: str | None = None) -> bytes:
    """An Apple Health export.xml with a DTD, step records, metrics and a walking workout."""
    records = []
    for minute in range(0, 40, 5):
        for source in ("Anna’s iPhone", "Anna’s Apple Watch"):
            steps = 500 + minute + (40 if "Watch" in source else 0)
            records.append(
                f'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="{source}" '
                f'unit="count" startDate="2020-09-16 18:{minute:02d}:00 -0700" '
                f'endDate="2020-09-16 18:{minute + 5:02d}:00 -0700" value="{steps}"/>'
            )
    for kind, unit, value in (
        ("WalkingSpeed", "km/hr", "4.7"),
        ("WalkingStepLength", "cm", "71"),
        ("WalkingAsymmetryPercentage", "%", "0.04"),
        ("WalkingDoubleSupportPercentage", "%", "0.294"),
        ("HeartRate", "count/min", "101"),
    ):
        records.append(
            f'<Record type="HKQuantityTypeIdentifier{kind}" sourceName="Anna’s iPhone" '
            f'unit="{unit}" startDate="2020-09-16 18:10:00 -0700" '
            f'endDate="2020-09-16 18:12:00 -0700" value="{value}"><MetadataEntry '
            'key="HKMetadataKeyHeartRateMotionContext" value="0"/></Record>'
        )
    route = (
        f'<WorkoutRoute sourceName="Anna’s iPhone"><FileReference path="{route_reference}"/>'
        "</WorkoutRoute>"
        if route_reference
        else "<WorkoutRoute>"
        + "".join(
            f'<Location date="2020-09-16 18:{m:02d}:00 -0700" latitude="{37.77 + m * 0.0008:.5f}" '
            f'longitude="-122.42" altitude="{20 + m * 0.5:.1f}"/>'
            for m in range(0, 40, 2)
        )
        + "</WorkoutRoute>"
    )
    workout = (
        '<Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="38.5" '
        'durationUnit="min" totalDistance="2.95" totalDistanceUnit="km" '
        'totalEnergyBurned="150" totalEnergyBurnedUnit="kcal" sourceName="Anna’s Apple Watch" '
        'startDate="2020-09-16 18:00:00 -0700" endDate="2020-09-16 18:40:00 -0700">'
        '<MetadataEntry key="HKTimeZone" value="America/Los_Angeles"/>'
        '<MetadataEntry key="HKElevationAscended" value="1520 cm"/>'
        '<WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" '
        'startDate="2020-09-16 18:00:00 -0700" endDate="2020-09-16 18:40:00 -0700" sum="150" '
        f'unit="kcal"/>{route}</Workout>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + APPLE_DTD
        + '<HealthData locale="en_US"><ExportDate value="2020-09-20 10:00:00 -0700"/>'
        + "<Me/>"
        + "".join(records)
        + workout
        + "</HealthData>"
    ).encode()


def route_gpx_seed() -> bytes:
    """A workout route as Apple writes it (GPX 1.1, speed and accuracy extensions)."""
    points = "".join(
        f'<trkpt lon="-122.42" lat="{37.77 + m * 0.0008:.6f}"><ele>{20 + m * 0.5:.2f}</ele>'
        f"<time>2020-09-17T01:{m:02d}:00Z</time><extensions><speed>1.3</speed>"
        "<hAcc>5</hAcc></extensions></trkpt>"
        for m in range(0, 40, 2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health '
        'Export" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Route</name><trkseg>'
        f"{points}</trkseg></trk></gpx>"
    ).encode()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A deflated zip holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def apple_zip_seed(export: bytes | None = None) -> bytes:
    """An export.zip: export.xml referencing a route file in workout-routes/."""
    reference = "/workout-routes/route_2020-09-16_6.00pm.gpx"
    return zip_bytes(
        {
            "apple_health_export/export.xml": export or apple_seed(reference),
            "apple_health_export/workout-routes/route_2020-09-16_6.00pm.gpx": route_gpx_seed(),
        }
    )


def fitbit_seeds() -> list[bytes]:
    """A Fitbit archive steps list and a Web API intraday response."""
    values = [0, 0, 12, 70, 88, 95, 0, 101, 99, 97, 90, 5, 0, 0, 64, 66]
    archive = (
        "["
        + ",".join(
            f'{{"dateTime" : "06/24/95 16:{k:02d}:00", "value" : "{v}"}}'
            for k, v in enumerate(values)
        )
        + "]"
    )
    api = (
        '{"activities-steps": [{"dateTime": "2021-03-04", "value": "1011"}], '
        '"activities-steps-intraday": {"dataset": ['
        + ",".join(f'{{"time": "07:{k:02d}:00", "value": {v}}}' for k, v in enumerate(values))
        + '], "datasetInterval": 1, "datasetType": "minute"}}'
    )
    return [archive.encode(), api.encode()]


def _device_file(folder: str, name: str) -> bytes | None:
    for base in (ROOT / "data" / "devices", ROOT.parent / "shared" / "data" / "devices"):
        path = base / folder / name
        if path.is_file():
            return path.read_bytes()
    return None


def seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Seed files by format: ``(file name, bytes)``."""
    fit = [(n, d) for n in FIT_SEED_NAMES if (d := _device_file("garmin-fit", n)) is not None]
    if not fit:
        raise SystemExit("no FIT seed found in data/devices/garmin-fit or ../shared")
    return {
        "gpx": [("track.gpx", gpx_seed())],
        "tcx": [("activity.tcx", tcx_seed())],
        "fit": fit,
        "apple_xml": [("export.xml", apple_seed())],
        "apple_zip": [("export.zip", apple_zip_seed())],
        "fitbit": [(f"steps-{k}.json", data) for k, data in enumerate(fitbit_seeds())],
    }


# --- Mutation ------------------------------------------------------------------------------


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Apply one to four random mutations to ``data``."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        n = len(out)
        if n == 0:
            out += rng.choice(TOKENS)
            continue
        at = rng.randrange(n)
        if op == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            out[at] = rng.choice(INTERESTING_BYTES)
        elif op == 2:
            end = min(n, at + rng.randint(1, 64))
            del out[at:end]
        elif op == 3:
            end = min(n, at + rng.randint(1, 256))
            out[rng.randrange(n) : rng.randrange(n)] = out[at:end]
        elif op == 4:
            del out[at:]
        elif op == 5:
            out[at:at] = rng.choice(TOKENS)
        elif op == 6:
            numbers = list(_NUMBER_RE.finditer(out))
            if numbers:
                match = rng.choice(numbers)
                new = rng.choice(
                    [b"0", b"-1", b"1e9", b"65535", b"4294967295", b"1.5", b"-99999", b"NaN"]
                )
                out[match.start() : match.end()] = new
        else:
            out[at : at + 1] = bytes([rng.randrange(256)]) * rng.randint(1, 8)
    return bytes(out)


NUMBER_VALUES = (
    b"0",
    b"-1",
    b"1e9",
    b"65535",
    b"4294967295",
    b"1.5",
    b"-99999",
    b"NaN",
    b"inf",
    b"1e-320",
    b"00",
    b"59",
    b"60",
    b"99",
    b"1901",
    b"2262",
    b"9999",
    b"",
)


def mutate_values(rng: random.Random, data: bytes) -> bytes:
    """Replace one to four numbers in ``data`` (keeps XML and JSON well-formed)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        numbers = list(_NUMBER_RE.finditer(out))
        if not numbers:
            break
        match = rng.choice(numbers)
        out[match.start() : match.end()] = rng.choice(NUMBER_VALUES)
    return bytes(out)


def repair_fit(seed: bytes, body: bytes) -> bytes:
    """A FIT file with ``seed``'s header, ``body`` as data, and correct sizes and CRCs."""
    from fitdecode.utils import compute_crc

    header = bytearray(seed[: seed[0]])
    header[4:8] = struct.pack("<I", len(body))
    if len(header) >= 14:
        header[12:14] = struct.pack("<H", compute_crc(bytes(header[:12])))
    data = bytes(header) + body
    return data + struct.pack("<H", compute_crc(data))


def mutate_for(fmt: str, rng: random.Random, seed: bytes) -> bytes:
    """A mutated input of format ``fmt`` from ``seed`` (FIT and zips mutated structurally)."""
    if fmt == "fit" and rng.random() < 0.5:
        size = seed[0]
        body = seed[size:-2]
        return repair_fit(seed, mutate(rng, body))
    if fmt in {"gpx", "tcx", "apple_xml", "fitbit"} and rng.random() < 0.4:
        return mutate_values(rng, seed)
    if fmt == "apple_zip" and rng.random() < 0.5:
        reference = "/workout-routes/route_2020-09-16_6.00pm.gpx"
        export = apple_seed(reference)
        pick = mutate_values if rng.random() < 0.5 else mutate
        if rng.random() < 0.5:
            export = pick(rng, export)
            route = route_gpx_seed()
        else:
            route = pick(rng, route_gpx_seed())
        return zip_bytes(
            {
                "apple_health_export/export.xml": export,
                "apple_health_export/workout-routes/route_2020-09-16_6.00pm.gpx": route,
            }
        )
    return mutate(rng, seed)


# --- Running -------------------------------------------------------------------------------


def read_everything(path: Path) -> str:
    """Read a file every way a user could; ``"read"`` or ``"refused"`` (BackstrideError)."""
    try:
        fmt = detect_summary_format(path)
        read_walk_summaries(path, default_tz="Europe/Berlin")
        if fmt in {"apple_health", "fitbit_json"}:
            read_daily_steps(path)
    except BackstrideError as exc:
        message = str(exc)
        if not message or "\n" in message:
            raise AssertionError(f"error message is not one line: {message!r}") from exc
        return "refused"
    return "read"


def run(
    runs: int,
    seed: int,
    formats: tuple[str, ...],
    report: Callable[[str], None] = print,
) -> int:
    """Fuzz each format ``runs`` times; return the number of crashes."""
    all_seeds = seeds()
    crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt in formats:
            rng = random.Random(f"{seed}-{fmt}")
            counts: Counter[str] = Counter()
            started = time.perf_counter()
            for index in range(runs):
                name, data = rng.choice(all_seeds[fmt])
                mutated = mutate_for(fmt, rng, data)
                path = folder / name
                path.write_bytes(mutated)
                try:
                    counts[read_everything(path)] += 1
                except Exception:  # the point of a fuzzer: report anything else
                    crashes += 1
                    counts["crashed"] += 1
                    if counts["crashed"] <= 3:
                        kept = folder.parent / f"fuzz-crash-{fmt}-{index}-{name}"
                        kept.write_bytes(mutated)
                        report(f"CRASH {fmt} run {index} (input kept at {kept}):")
                        report(traceback.format_exc())
            elapsed = time.perf_counter() - started
            report(
                f"{fmt:10s} {runs:6d} inputs: {counts['read']:6d} read, "
                f"{counts['refused']:6d} refused with one sentence, {counts['crashed']:4d} "
                f"crashed ({elapsed:.1f} s)"
            )
    return crashes


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="inputs per format")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--format", action="append", choices=FORMATS, help="fuzz only these formats"
    )
    args = parser.parse_args(argv)
    formats = tuple(args.format) if args.format else FORMATS
    crashes = run(args.runs, args.seed, formats)
    print(f"total: {crashes} crashes over {args.runs * len(formats)} inputs")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
