"""Command-line interface: a thin layer over :func:`backstride.analyze` and validation.

Every error BackStride raises on purpose becomes one sentence on stderr and exit code 2.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from backstride import __version__
from backstride.exceptions import BackstrideError
from backstride.gait.pipeline import TRUNK_PLACEMENTS, AnalysisParameters, WalkingAnalysis
from backstride.gait.wear import not_worn_sentence

# Tables are wide; when the output is a pipe or a file, do not squeeze them into 80 columns.
console = Console() if Console().is_terminal else Console(width=160)
err_console = Console(stderr=True)


class BackstrideGroup(click.Group):
    """Turn BackStride errors into one sentence and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, reporting expected errors as one sentence."""
        try:
            return super().invoke(ctx)
        except BackstrideError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(2)
        except MemoryError:
            err_console.print("[bold red]error:[/] Not enough memory for this recording.")
            sys.exit(2)
        except OSError as exc:
            err_console.print(
                f"[bold red]error:[/] {exc.strerror or exc}: {exc.filename or ''}", soft_wrap=True
            )
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            # --help, a usage error (unknown option, missing argument), Ctrl-C: click's own
            # handling says what to do and exits 0, 1 or 2; they are not BackStride bugs
            raise
        except Exception as exc:
            # A bug, not bad input: say so in one line; BACKSTRIDE_DEBUG=1 shows the traceback.
            if os.environ.get("BACKSTRIDE_DEBUG"):
                raise
            err_console.print(
                f"[bold red]internal error:[/] {type(exc).__name__}: {exc}. This is a bug in "
                "BackStride; please report it (set BACKSTRIDE_DEBUG=1 for details)."
            )
            sys.exit(1)


@click.group(cls=BackstrideGroup)
@click.version_option(__version__, prog_name="backstride")
def main() -> None:
    """BackStride: measure walks from wearable sensors for a stronger lower back."""


class OutputPath(click.Path):
    """A file or folder to write, never the empty string.

    ``--out-dir ""`` (an unset shell variable) was the current folder, and the health data
    of a recording landed among whatever files were there.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Refuse an empty or blank name, else convert as :class:`click.Path` does."""
        if isinstance(value, str) and not value.strip():
            self.fail("is empty; give a file or folder name.", param, ctx)
        return super().convert(value, param, ctx)


#: ``--json -`` writes the document to standard output (the summary then goes to stderr).
STDOUT = Path("-")


def _fmt(value: Any, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


MAX_BOUTS_PRINTED = 40


def _check_outputs(
    files: dict[str, Path | None],
    folders: dict[str, Path | None],
    folder_files: tuple[str, ...] = (),
) -> None:
    """Refuse output paths of the wrong kind up front, not after a long analysis.

    ``folder_files`` are the names (or ``fnmatch`` patterns, for names made per recording)
    of the files every folder of ``folders`` receives: the fixed ones are checked too, and a
    file option may not be the folder itself nor one of its files (the folder's would
    replace it).
    """
    from fnmatch import fnmatch

    from backstride.exceptions import InvalidInputError
    from backstride.output import check_writable

    files = {option: path for option, path in files.items() if path != STDOUT}
    for option, path in files.items():
        if path is not None and path.is_dir():
            raise InvalidInputError(f"{path} is a folder; give {option} a file name.")
        if path is not None:
            check_writable(path, f"give {option} a file name, or - to write to standard output")
    for option, path in folders.items():
        if path is None:
            continue
        if path.is_symlink() and not path.exists():
            raise InvalidInputError(
                f"{path} is a link to a folder that does not exist; give {option} another folder."
            )
        if path.exists() and not path.is_dir():
            raise InvalidInputError(
                f"{path} is a file; give {option} a folder (it is created if missing)."
            )
        for name in folder_files:
            if "*" not in name:
                check_writable(path / name)
        for file_option, file in files.items():
            if file is None:
                continue
            if file.resolve() == path.resolve():
                raise InvalidInputError(
                    f"{file} is given as both {file_option} and {option}; give each its own name."
                )
            inside = file.resolve().parent == path.resolve()
            taken = next((n for n in folder_files if fnmatch(file.name, n)), None)
            if inside and taken is not None:
                raise InvalidInputError(
                    f"{file_option} {file} is where {option} writes its {file.name}; give "
                    f"{file_option} another name."
                )


def _print_days(analysis: WalkingAnalysis, out: Console) -> None:
    table = Table(box=None, header_style="bold", pad_edge=False, title="per day")
    for col in (
        "day", "recorded h", "worn h", "walking min", "bouts", ">=30 s", "steps", "moderate min",
        "turns", "cadence /min", "speed m/s", "speed >=30 s",
    ):  # fmt: skip
        table.add_column(col, justify="right")
    for d in analysis.days.to_dict(orient="records"):
        table.add_row(
            str(d["day"]), _fmt(float(d["recorded_s"]) / 3600),
            _fmt(None if d["worn_s"] is None else float(d["worn_s"]) / 3600),
            _fmt(float(d["walking_s"]) / 60),
            str(d["n_bouts"]), str(d["n_bouts_30s"]), str(d["steps"]),
            _fmt(float(d["moderate_s"]) / 60), _fmt(d["n_turns"], "d"),
            _fmt(d["cadence_spm"], ".0f"),
            _fmt(d["walking_speed_mps"], ".2f"), _fmt(d["walking_speed_30s_mps"], ".2f"),
        )  # fmt: skip
    out.print(table)


def _print_analysis(analysis: WalkingAnalysis, out: Console) -> None:
    rec = analysis.recording
    s = analysis.summary
    out.print(
        f"[bold]{rec['name']}[/]  {rec['device']}, {rec['sample_rate_hz']:g} Hz, "
        f"{rec['duration_s']:.1f} s, gyroscope: {'yes' if rec['has_gyroscope'] else 'no'}"
    )
    for note in rec["notes"]:
        out.print(f"  [dim]{note}[/]")
    turns = s.get("n_turns")
    out.print(
        f"  walking {s['walking_s']:.0f} s in {s['n_bouts']} "
        f"bout{'' if s['n_bouts'] == 1 else 's'}"
        + (f" with {turns} turn{'' if turns == 1 else 's'}" if turns is not None else "")
        + f", {s['steps']} steps, "
        f"median cadence per walking second {_fmt(s['cadence_spm'], '.0f')} steps/min; "
        f"moderate (>=100 steps/min) {s['moderate_s']:.0f} s, vigorous (>=130) "
        f"{s['vigorous_s']:.0f} s, brisk intervals {s['brisk_intervals']}",
        soft_wrap=True,  # one line in a file; the terminal wraps it
    )
    off = not_worn_sentence(analysis.non_wear, float(rec["duration_s"]))
    if off is not None:
        out.print(f"  {off}", soft_wrap=True)
    basis = s["stride_length_basis"]
    if rec["placement"] not in TRUNK_PLACEMENTS:
        # where the sensor was and what that leaves out, trunk lean included
        out.print(f"  [dim]{basis}[/]")
    else:
        if basis.startswith("no "):
            stride = "stride length and speed not computed: give --height-m or --sensor-height-m"
        else:
            stride = f"stride length from {basis}"
        out.print(f"  [dim]{stride}; posture: {s['posture_reference']}[/]")
    if len(analysis.days) > 1:
        _print_days(analysis, out)
    if len(analysis.bouts) == 0:
        out.print("  no walking bouts found")
        return
    if len(analysis.bouts) > MAX_BOUTS_PRINTED:
        out.print(
            f"  {len(analysis.bouts)} bouts: too many to list here; --out-dir writes bouts.csv"
        )
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in (
        "bout",
        "start s",
        "end s",
        "steps",
        "cadence /min",
        "stride m",
        "speed m/s",
        "stride reg.",
        "step-time ratio",
        "trunk ROM sag/fro/tra deg",
        "turns",
        "lean fwd deg",
    ):
        table.add_column(col, justify="right")
    for b in analysis.bouts.itertuples():
        rom = "/".join(
            _fmt(v, ".0f")
            for v in (b.trunk_rom_sagittal_deg, b.trunk_rom_frontal_deg, b.trunk_rom_transverse_deg)
        )
        table.add_row(
            str(b.bout_id), _fmt(b.start_s), _fmt(b.end_s), str(b.n_steps), _fmt(b.cadence_spm),
            _fmt(b.stride_length_m, ".2f"), _fmt(b.walking_speed_mps, ".2f"),
            _fmt(b.stride_regularity, ".2f"), _fmt(b.step_time_ratio, ".2f"), rom,
            _fmt(b.n_turns, ".0f"), _fmt(b.forward_lean_deg),
        )  # fmt: skip
    out.print(table)


#: Units of a CSV's columns, for the commands that read recordings (analyze, import).
acc_unit_option = click.option(
    "--acc-unit", type=click.Choice(["g", "mps2"]), help="Accelerometer unit (CSV)."
)
gyr_unit_option = click.option(
    "--gyr-unit", type=click.Choice(["dps", "rads"]), help="Gyroscope unit (CSV)."
)


@main.command()
@click.argument("recording", type=click.Path(path_type=Path))
@click.option("--height-m", type=float, help="Body height of the wearer, m.")
@click.option("--sensor-height-m", type=float, help="Height of the sensor above the floor, m.")
@click.option("--sample-rate-hz", type=float, help="Sample rate for a CSV without a time column.")
@acc_unit_option
@gyr_unit_option
@click.option(
    "--time-zone",
    help="Where the recording was made (IANA name, e.g. Europe/London): local clock times "
    "without a zone (Axivity, CSV) are read in it, and days follow its calendar.",
)
@click.option(
    "--json",
    "json_path",
    type=OutputPath(path_type=Path, allow_dash=True),
    help="Write the analysis as JSON (schema backstride.analysis/1); '-' for standard output.",
)
@click.option(
    "--out-dir",
    type=OutputPath(path_type=Path),
    help="Write bouts.csv, steps.csv, seconds.csv, days.csv, turns.csv, info.json and an overview "
    "figure (overview.png) to this folder.",
)
def analyze(
    recording: Path,
    height_m: float | None,
    sensor_height_m: float | None,
    sample_rate_hz: float | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    time_zone: str | None,
    json_path: Path | None,
    out_dir: Path | None,
) -> None:
    """Find walking bouts, steps, cadence, stride length, speed and trunk motion."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from backstride.api import analyze_file
    from backstride.output import (
        OUT_DIR_FILES,
        atomic_write_text,
        to_json_document,
        write_out_dir,
    )

    _check_outputs(
        files={"--json": json_path},
        folders={"--out-dir": out_dir},
        folder_files=(*OUT_DIR_FILES, "overview-*.png"),  # one figure per trial of a file
    )
    params = AnalysisParameters(height_m=height_m, sensor_height_m=sensor_height_m)
    # a bar for recordings long enough to be analysed in windows (a week takes a minute or two)
    columns = (
        TextColumn(f"analysing {recording.name}"),
        BarColumn(),
        TextColumn("{task.fields[hours]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("analyse", total=None, hours="", visible=False)

        def tell(done_s: float, total_s: float) -> None:
            hours = f"{done_s / 3600:.0f} of {total_s / 3600:.0f} h"
            bar.update(task, total=total_s, completed=done_s, hours=hours, visible=True)

        analyses = analyze_file(
            recording,
            params,
            sample_rate_hz=sample_rate_hz,
            acc_unit=acc_unit,
            gyr_unit=gyr_unit,
            time_zone=time_zone,
            progress=tell,
        )
    # the files first, then the words: a reader that stops early (`| head`) closes the pipe,
    # and the files asked for must not be lost with the rest of the printout
    written: list[Path] = []
    # with the JSON on standard output, the words go to stderr, so the output parses
    out = err_console if json_path == STDOUT else console
    if json_path is not None:
        document = json.dumps(to_json_document(analyses, recording), indent=2)
        if json_path == STDOUT:
            click.echo(document)
        else:
            atomic_write_text(json_path, document)
            written.append(json_path)
    if out_dir is not None:
        parameters = {
            "height_m": height_m, "sensor_height_m": sensor_height_m,
            "sample_rate_hz": sample_rate_hz, "acc_unit": acc_unit, "gyr_unit": gyr_unit,
            "time_zone": time_zone, "bout_rules": params.bout_rules.__dict__,
            "window_s": params.window_s,
        }  # fmt: skip
        written.extend(write_out_dir(out_dir, analyses, recording, parameters))
    for a in analyses:
        _print_analysis(a, out)
    for path in written:
        out.print(f"wrote {path}")


@main.command()
@click.argument("dataset_dir", type=click.Path(path_type=Path))
@click.option(
    "--json",
    "json_path",
    type=OutputPath(path_type=Path, allow_dash=True),
    help="Also write the per-recording and pooled agreement as JSON; '-' for standard output.",
)
@click.option(
    "--plots",
    "plots_dir",
    type=OutputPath(path_type=Path),
    help="Also write Bland-Altman plots per measure, a contact timeline per recording and, "
    "for phone recordings, a chart of step-total errors (PNG) into this folder.",
)
def validate(dataset_dir: Path, json_path: Path | None, plots_dir: Path | None) -> None:
    """Compare measurements with the independent reference of a dataset folder."""
    from backstride.output import (
        atomic_write_bytes,
        atomic_write_text,
        check_writable,
        json_safe,
    )
    from backstride.validation.report import (
        course_lines,
        places_lines,
        report_table,
        report_to_dict,
        step_time_ratio_lines,
        targets_lines,
        turn_lines,
    )
    from backstride.validation.runner import run_validation

    _check_outputs(
        files={"--json": json_path},
        folders={"--plots": plots_dir},
        folder_files=("*.png",),  # every figure validate draws is a PNG
    )
    with console.status("analysing") as status:
        done = [0]  # recordings are found as they are read, so the total is not known up front

        def tell(name: str) -> None:
            done[0] += 1
            status.update(f"analysing recording {done[0]}: {name}")

        report = run_validation(dataset_dir, progress=tell)
    # every output is made before the first is written (a figure that cannot be drawn leaves
    # no JSON behind), and written before the table is printed (a reader that stops early,
    # `| head`, closes the pipe, and the files asked for must not be lost with it)
    document = json.dumps(json_safe(report_to_dict(report)), indent=2) if json_path else ""
    figures: dict[str, bytes] = {}
    if plots_dir is not None:
        from backstride.validation.plots import validation_figures

        with console.status("drawing"):
            figures = validation_figures(report)
        for name in figures:
            check_writable(plots_dir / name)
    if json_path == STDOUT:
        click.echo(document)
    elif json_path is not None:
        atomic_write_text(json_path, document)
    if plots_dir is not None:
        for name, image in figures.items():
            atomic_write_bytes(plots_dir / name, image)
    # with the JSON on standard output, the table goes to stderr, so the output parses
    out = err_console if json_path == STDOUT else console
    # into a file or a pipe the table is not squeezed to 160 columns, which cut recording
    # names to "Test5-Tria..." and the last column to "+0."
    wide = out if out.is_terminal else Console(width=220, stderr=out.stderr)
    wide.print(report_table(report))
    lines = (
        places_lines(report)
        + step_time_ratio_lines(report)
        + course_lines(report)
        + turn_lines(report)
    )
    for line in lines + targets_lines(report):
        out.print(line, highlight=False, soft_wrap=True)
    for skipped in report.skipped:
        err_console.print(
            f"[yellow]skipped[/] {skipped.name}: {skipped.reason}", highlight=False, soft_wrap=True
        )
    if json_path is not None and json_path != STDOUT:
        out.print(f"wrote {json_path}")
    if plots_dir is not None:
        out.print(f"wrote {len(figures)} figures to {plots_dir}")


# The program commands register themselves on ``main``.
from backstride import cli_program  # noqa: E402, F401
