"""Program commands: init, screen, plan, import, log, review, progress, calendar, export, forget.

Parsing and display only; every use case is a function in :mod:`backstride.services`.
Every command takes ``--person NAME`` (default: the single profile) and ``--json``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from backstride import services
from backstride.cli import OutputPath, acc_unit_option, console, gyr_unit_option, main
from backstride.exceptions import InvalidInputError
from backstride.output import atomic_write_bytes, atomic_write_text
from backstride.program import WeekPlan, WeekReview, load_instruments
from backstride.program.review import check_week_ended
from backstride.settings import get_settings
from backstride.store import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])


def _store() -> Store:
    return open_store(get_settings().resolved_database_url())


def program_command(func: F) -> F:
    """Add ``--person`` and ``--json`` and open the store around the command."""

    @click.option("--person", help="Whose program (default: the only profile).")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _store() as store:
            return func(store, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _emit(as_json: bool, payload: Any, text: Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(services.to_plain(payload), indent=2))
    else:
        text()


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInputError(f"No answers file at {path}; check the path.") from None
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path} must hold a JSON object of answers.")
    return data


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # closed
        return False


def _stdin_ended() -> bool:
    """Whether stdin is known to hold no answers, found without waiting for any.

    True for ``</dev/null``, a closed stdin, or an empty file or in-memory input. A terminal
    or a pipe may still bring answers, so it is not judged here: a pipe that ends before every
    question is answered is caught when the prompt meets its end (see :func:`_questions`).
    """
    stream = sys.stdin
    if stream is None or stream.closed:
        return True
    if _stdin_is_terminal():
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # no file descriptor: an in-memory stream
        mode = None
    if mode is not None and stat.S_ISCHR(mode):
        return True  # a device that is not a terminal: /dev/null
    if mode is not None and not stat.S_ISREG(mode):
        return False  # a pipe or socket: more may come
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None or not buffer.seekable():
            return False
        at = buffer.tell()
        more = buffer.read(1)
        buffer.seek(at)
    except (OSError, ValueError):
        return False
    return not more


@contextmanager
def _questions(refusal: str) -> Iterator[None]:
    """Ask on the terminal; when stdin holds no (more) answers, refuse with ``refusal``.

    Checked before the first question where it can be (nothing asked, nothing stored), and
    again when a prompt meets the end of the input: click turns that into ``Abort``
    ("Aborted!", exit 1), which here becomes the one sentence and exit code 2. At a terminal,
    Ctrl-C and Ctrl-D are the person stopping, and keep click's "Aborted!".
    """
    if _stdin_ended():
        raise InvalidInputError(refusal)
    try:
        yield
    except click.exceptions.Abort:
        if _stdin_is_terminal():
            raise
        raise InvalidInputError(refusal) from None


NO_NAME = (
    "The profile's name is asked on a terminal, and the input ended before one was given; "
    "give it with --name NAME."
)
NO_SCREENING_ANSWERS = (
    "The screening questions are asked on a terminal, and the input ended before they were "
    "answered; give the answers as a JSON file with --answers FILE."
)
NO_REVIEW_ANSWERS = (
    "The weekly safety questions are asked on a terminal, and the input ended before they "
    "were answered; give the answers as a JSON file with --answers FILE."
)
NO_CONFIRMATION = (
    "Deleting everything is confirmed on a terminal, and the input ended before a yes was "
    "given; add --yes to delete without being asked."
)


# --- init and screen ------------------------------------------------------------------------


@main.command()
@click.option("--name", help="Profile name (asked when not given).")
@click.option("--height-m", type=float, help="Body height in metres (for stride length).")
@click.option("--birth-year", type=int, help="Year of birth.")
@click.option("--goals", help="What you want from the program, in your words.")
@click.option("--time-zone", help="IANA time zone (default: this computer's).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def init(
    name: str | None,
    height_m: float | None,
    birth_year: int | None,
    goals: str | None,
    time_zone: str | None,
    as_json: bool,
) -> None:
    """Create a profile: name, height, birth year, goals."""
    zone = time_zone or services.local_time_zone()
    services.check_profile(zone, height_m, birth_year)  # what was given, before asking more
    if name is None:
        with _questions(NO_NAME):
            name = str(click.prompt("Your name (or a nickname)"))
    with _store() as store:
        person = services.create_person(
            store, name, time_zone=zone, height_m=height_m, birth_year=birth_year, goals=goals
        )
    _emit(as_json, person, lambda: console.print(
        f"Profile [bold]{person.name}[/] created (time zone {person.time_zone}). "
        "Next: backstride screen"
    ))  # fmt: skip


def _ask(item: Any) -> Any:
    spec = item.answer
    if spec.type == "boolean":
        return click.confirm(item.text, default=False)
    if spec.type in {"integer", "number"}:
        kind = (
            click.IntRange(spec.min, spec.max)
            if spec.type == "integer"
            else click.FloatRange(spec.min, spec.max)
        )
        return click.prompt(item.text, type=kind)
    return click.prompt(item.text)


def _ask_answers(walking_needed: bool) -> dict[str, Any]:
    instruments = load_instruments()
    answers: dict[str, Any] = {}
    for key in ("red_flags", "pain_nrs"):
        inst = instruments[key]
        console.print(f"\n[bold]{inst.title}[/]\n{inst.instructions}")
        answers[key] = {item.id: _ask(item) for item in inst.items}
        if key == "red_flags" and any(answers[key].values()):
            return answers  # the advice comes straight away; nothing else is needed
    console.print("\n[bold]Activities that are hard because of your back[/] (3 to 5)")
    activities: list[dict[str, Any]] = []
    while len(activities) < 5:
        name = click.prompt(
            "An activity (empty to finish)" if len(activities) >= 3 else "An activity",
            default="" if len(activities) >= 3 else None,
            show_default=False,
        )
        if not name:
            break
        rating = click.prompt("How well can you do it now (0 unable - 10 as before)?",
                              type=click.FloatRange(0, 10))  # fmt: skip
        activities.append({"activity": name, "rating": rating})
    answers["psfs"] = {"activities": activities}
    if walking_needed:
        inst = instruments["walking_now"]
        console.print(f"\n[bold]{inst.title}[/]\n{inst.instructions}")
        answers["walking_now"] = {item.id: _ask(item) for item in inst.items}
    return answers


@main.command("screen")
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path),
    help="A JSON file of answers instead of questions on the terminal.",
)
@program_command
def screen_cmd(store: Store, answers_path: Path | None, person: str | None, as_json: bool) -> None:
    """Safety screen and baseline; without red flags, week 1's plan."""
    if answers_path is not None:
        answers = _load_json(answers_path)
    else:
        who = store.get_person(person)
        today = services.today_for(who)
        recent = store.list_walks(who.name, today - dt.timedelta(days=14), today)
        with _questions(NO_SCREENING_ANSWERS):
            answers = _ask_answers(walking_needed=not recent)
    who, result = services.run_screening(store, person, answers)
    plan = services.save_initial_plan(store, who.name) if not result.stop else None

    def text() -> None:
        if result.stop:
            console.print(f"[bold red]Please stop here.[/] {result.advice}")
            return
        base = result.baseline
        console.print(f"No red flags. {result.advice}")
        console.print(
            f"Baseline: pain {base.pain_0_10:g}/10, walking {base.minutes_per_day:g} min on "
            f"{base.days_per_week:g} days a week ({base.walking_source})"
            + (f", PSFS {base.psfs_score:.1f}/10" if base.psfs_score is not None else "")
        )
        if plan is not None:
            _print_plan(plan)

    _emit(as_json, {"screening": result, "plan": plan}, text)


# --- plan and review ------------------------------------------------------------------------


def _print_plan(plan: WeekPlan) -> None:
    console.print(f"\n[bold]{plan.summary}[/]  ({plan.start_date} to {plan.end_date})")
    table = Table(box=None, header_style="bold")
    for col in ("day", "date", "minutes", "how", "intensity"):
        table.add_column(col)
    for s in plan.sessions:
        how = " + ".join(f"{m} min" for m in s.segments_min)
        if s.brisk is not None:
            how += f"; {s.brisk.short}"
        if s.terrain:
            how += f"; {s.terrain}"
        table.add_row(s.date.strftime("%a"), s.date.isoformat(), str(s.minutes), how, s.intensity)
    console.print(table)
    console.print("[bold]Core exercises[/] on " + ", ".join(
        (plan.start_date + dt.timedelta(days=d)).strftime("%a") for d in plan.core_days
    ))  # fmt: skip
    for ex in plan.core_exercises:
        dose = f"{ex.sets} x {ex.reps} reps" if ex.reps else f"{ex.sets} x {ex.hold_s} s hold"
        side = " each side" if ex.per_side else ""
        variant = f" ({ex.variant})" if ex.variant else ""
        console.print(f"  {ex.name}{variant}: {dose}{side}. {ex.instructions}")
    for line in plan.instructions:
        console.print(f"  - {line}")
    console.print(f"[bold]This week's topic: {plan.education.title}[/]\n  {plan.education.text}")
    console.print("  [dim]Sources: " + "; ".join(plan.education.sources) + "[/]")


def _check_week_number(week: int | None) -> None:
    """Refuse a week number below 1 in one sentence (weeks are counted from the first)."""
    if week is not None and week < 1:
        raise InvalidInputError(f"Weeks are numbered from 1; there is no week {week}.")


@main.command()
@click.option("--week", type=int, help="Program week (default: the week to do now).")
@program_command
def plan(store: Store, week: int | None, person: str | None, as_json: bool) -> None:
    """Show the week's sessions, core exercises and education topic."""
    _check_week_number(week)
    line = services.timeline(store, person)
    if line.stopped_advice is not None:
        raise InvalidInputError("The program is stopped for safety: " + line.stopped_advice)
    if line.current_plan is None:
        raise InvalidInputError("There is no plan yet; run backstride screen first.")
    chosen = line.plan_for(week) if week is not None else line.current_plan
    _emit(as_json, chosen, lambda: _print_plan(chosen))


def _ask_red_flags() -> dict[str, bool]:
    inst = load_instruments()["red_flags"]
    console.print(f"[bold]{inst.title}[/] (asked at every weekly review)")
    return {item.id: bool(_ask(item)) for item in inst.items}


def _print_review(r: WeekReview) -> None:
    colour = {"progress": "green", "hold": "yellow", "regress": "magenta", "stop": "red"}
    console.print(
        f"[bold]Week {r.week}[/] ({r.start_date} to {r.end_date}): "
        f"[bold {colour.get(r.decision.value, 'white')}]{r.decision.value.upper()}[/]"
    )
    console.print(
        f"  walked {r.done_minutes:.0f} of {r.prescribed_minutes} min on {r.active_days} days "
        f"(consistency {r.consistency:.2f})"
        + (f", {r.moderate_minutes:.0f} min at moderate pace (measured)"
           if r.moderate_minutes is not None else "")
    )  # fmt: skip
    for reason in r.reasons:
        console.print(f"  - {reason}")
    for advice in r.advice:
        console.print(f"  [bold]![/] {advice}")
    if r.next_plan is not None:
        console.print(f"  Next: {r.next_plan.summary}")


@main.command("review")
@click.option(
    "--week",
    type=int,
    help="Week to review (default: the next week to review; it must have ended).",
)
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path),
    help='JSON file with this week\'s safety answers ({"red_flags": {...}}).',
)
@program_command
def review_cmd(
    store: Store, week: int | None, answers_path: Path | None, person: str | None, as_json: bool
) -> None:
    """Adherence, pain trend and the decision for next week, with reasons.

    A week can be reviewed from the day after its last day (the days still to come are not
    days without a walk); earlier, the review is refused and nothing is stored. Without
    --week: the latest week that has ended and not been reviewed, because each week's plan
    comes from the review of the week before, so weeks are reviewed in order.
    """
    # The oldest unreviewed week (current_plan) is the only one with a plan to judge; no later
    # week (the calendar's current one included) has a plan yet. Both checks come before the
    # safety questions, so nobody answers them for a review that cannot be made.
    _check_week_number(week)
    line = services.timeline(store, person)
    due = services.plan_to_review(line, week)  # no plan, stopped, or another week: refused
    check_week_ended(due, services.today_for(line.person))
    if answers_path is not None:
        answers = _load_json(answers_path)
        red = answers.get("red_flags", answers)
    else:
        with _questions(NO_REVIEW_ANSWERS):
            red = _ask_red_flags()
    result = services.review(store, person, red, week)
    _emit(as_json, result, lambda: _print_review(result))


# --- import and log -------------------------------------------------------------------------


@main.command("import")
@click.argument("recordings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--start",
    help="Local start time of the recording (YYYY-MM-DDTHH:MM): needed for files without "
    "one; a file with its own clock is moved there (a clock set wrong).",
)
@click.option("--sample-rate-hz", type=float, help="Sample rate for a CSV without a time column.")
@click.option(
    "--replace",
    is_flag=True,
    help="Delete the walks stored before from the same files and store these instead "
    "(to correct a wrong --start).",
)
@acc_unit_option
@gyr_unit_option
@program_command
def import_cmd(
    store: Store, recordings: tuple[Path, ...], start: str | None,
    sample_rate_hz: float | None, replace: bool, acc_unit: str | None, gyr_unit: str | None,
    person: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Analyse sensor recordings and store their walks (the same data is never counted twice).

    A file imported before is skipped as already there; one imported before with another
    --start is refused, and --replace puts its walks at the new time.
    """
    paths = list(recordings)
    sizes = {p: p.stat().st_size if p.is_file() else 0 for p in paths}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    finished = [0]  # bytes of the files done

    with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("reading and analysing", total=max(1, sum(sizes.values())))

        def file_done(p: Path) -> None:
            finished[0] += sizes.get(p, 0)
            bar.update(task, completed=finished[0])

        def within(p: Path, share: float) -> None:  # a long recording, window by window
            bar.update(task, completed=finished[0] + share * sizes.get(p, 0))

        files, result = services.import_files(
            store, person, paths, start=start, sample_rate_hz=sample_rate_hz,
            acc_unit=acc_unit, gyr_unit=gyr_unit, replace=replace, on_file=file_done,
            on_progress=within,
        )  # fmt: skip

    def text() -> None:
        for f in files:
            if f.recordings:
                console.print(
                    f"{f.path.name}: {f.device}, {f.recordings} recording(s), "
                    f"{f.duration_s / 60:.1f} min at {f.sample_rate_hz:g} Hz, "
                    f"{len(f.walks)} walk(s)"
                )
                for note in f.notes:
                    console.print(f"  [dim]{note}[/]")
            else:
                console.print(
                    f"{f.path.name}: {f.device} walk summaries, {len(f.walks)} walk(s), "
                    f"{f.duration_s / 60:.1f} min in total"
                )
        console.print(
            f"stored {result.added} new walk(s), {result.skipped_duplicates} already there"
            + (f", in place of {result.replaced} stored before" if replace else "")
        )

    _emit(as_json, {"files": files, "result": result}, text)


@main.group()
def log() -> None:
    """Log a walk, pain or core exercises by hand."""


@log.command("walk")
@click.option("--minutes", type=float, required=True, help="How long you walked (up to 720).")
@click.option(
    "--date",
    "day",
    help="Start: YYYY-MM-DDTHH:MM, or YYYY-MM-DD for noon (default: a walk that just ended).",
)
@click.option("--effort", type=float, help="How hard it felt, 0-10.")
@click.option("--pain-before", type=float, help="Back pain before the walk, 0-10.")
@click.option("--pain-after", type=float, help="Back pain after the walk, 0-10.")
@program_command
def log_walk(
    store: Store, minutes: float, day: str | None, effort: float | None,
    pain_before: float | None, pain_after: float | None, person: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Log a walk."""
    result = services.log_walk(
        store, person, minutes=minutes, day=day, effort=effort,
        pain_before=pain_before, pain_after=pain_after,
    )  # fmt: skip
    _emit(as_json, result, lambda: console.print(
        "walk logged" if result.added
        else "that walk (same start time and length) was already logged; nothing changed"
    ))  # fmt: skip


@log.command("pain")
@click.argument("score", type=float)
@click.option("--date", "day", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now).")
@click.option("--note", help="Anything worth remembering.")
@program_command
def log_pain(
    store: Store, score: float, day: str | None, note: str | None, person: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Log back pain on the 0-10 scale."""
    entry = services.log_pain(store, person, score, day, note)
    _emit(as_json, entry, lambda: console.print(f"pain {score:g}/10 logged"))


@log.command("core")
@click.argument("exercise")
@click.option("--sets", type=int, default=1, show_default=True)
@click.option("--reps", type=int, help="Repetitions per set.")
@click.option("--seconds", type=float, help="Hold time per set.")
@click.option("--date", "day", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now).")
@program_command
def log_core(
    store: Store, exercise: str, sets: int, reps: int | None, seconds: float | None,
    day: str | None, person: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Log a core exercise (glute_bridge, bird_dog, plank, side_plank)."""
    entry = services.log_core(
        store, person, exercise, sets=sets, reps=reps, seconds=seconds, day=day
    )
    _emit(as_json, entry, lambda: console.print(f"{entry.exercise} logged"))


# --- progress, calendar, export, forget -----------------------------------------------------


@main.command()
@click.option("--out", type=OutputPath(path_type=Path), help="Write the report (HTML) here.")
@click.option("--pdf", is_flag=True, help="Write the figures as PDF instead of HTML.")
@program_command
def progress(store: Store, out: Path | None, pdf: bool, person: str | None, as_json: bool) -> None:
    """The whole program at a glance, with plots."""
    from backstride.report import write_progress_report
    from backstride.reporting import progress_data

    data = progress_data(store, person)
    if out is not None:
        write_progress_report(data, out, pdf=pdf)

    def text() -> None:
        table = Table(box=None, header_style="bold", title=f"Program of {data.person}")
        for col in ("week", "starts", "target min", "walked min", "active days", "decision"):
            table.add_column(col)
        for w in data.weeks:
            table.add_row(
                str(w.week), w.start.isoformat(), f"{w.target_minutes:.0f}",
                f"{w.walked_minutes:.0f}", str(w.active_days), w.decision or "-",
            )  # fmt: skip
        console.print(table)
        if out is not None:
            console.print(f"wrote {out}")

    _emit(as_json, data, text)


@main.command()
@click.option("--out", type=OutputPath(path_type=Path), required=True, help="The .ics file.")
@click.option("--at", "at_time", default="09:00", show_default=True, help="Time of day.")
@program_command
def calendar(store: Store, out: Path, at_time: str, person: str | None, as_json: bool) -> None:
    """Upcoming sessions as iCalendar events with reminders."""
    from backstride.report.calendar import sessions_to_ical
    from backstride.reporting import calendar_sessions

    try:
        when = dt.time.fromisoformat(at_time)
    except ValueError:
        raise InvalidInputError(f"--at must be a time such as 07:30; '{at_time}' is not.") from None
    who, sessions = calendar_sessions(store, person)
    payload = sessions_to_ical(sessions, person=who.name, tz=who.time_zone, at=when)
    atomic_write_bytes(out, payload)
    _emit(as_json, {"events": len(sessions), "path": str(out)},
          lambda: console.print(f"wrote {len(sessions)} events to {out}"))  # fmt: skip


@main.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True)  # fmt: skip
@click.option("--out", type=OutputPath(path_type=Path),
              help="File (json) or folder (csv); default: print JSON.")  # fmt: skip
@program_command
def export(store: Store, fmt: str, out: Path | None, person: str | None, as_json: bool) -> None:
    """Everything stored about a person, as JSON or CSV files."""
    from backstride.reporting import export_csv

    data = store.export_person(person)
    if fmt == "json":
        text = json.dumps(data, indent=2)
        if out is None:
            click.echo(text)
        else:
            atomic_write_text(out, text)
            console.print(f"wrote {out}")
        return
    if out is None:
        raise InvalidInputError("CSV export writes one file per table; give a folder with --out.")
    written = export_csv(data, out)
    _emit(as_json, [str(p) for p in written], lambda: console.print(
        f"wrote {len(written)} files to {out}"
    ))  # fmt: skip


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@program_command
def forget(store: Store, yes: bool, person: str | None, as_json: bool) -> None:
    """Delete everything stored about a person."""
    who = store.get_person(person)
    if not yes:
        with _questions(NO_CONFIRMATION):
            agreed = click.confirm(f"Delete everything stored about {who.name}?")
        if not agreed:
            raise InvalidInputError("Nothing was deleted.")
    counts = store.forget_person(who.name)
    _emit(as_json, counts, lambda: console.print(
        f"deleted {sum(counts.values())} records of {who.name}"
    ))  # fmt: skip
