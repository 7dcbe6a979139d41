"""Application services: the use cases of the walking program, over the store.

The CLI (and a web front end) call these; they hold no rules of their own. The program is
recomputed from what is stored: the plan of week 1 comes from the latest screening, and each
later week's plan from the review of the week before, replayed with the safety answers given
at that review. Stored plans and reviews are a record for export and reports; the rules in
:mod:`backstride.program` stay the single source of every decision.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backstride.api import analyze_file_recordings
from backstride.exceptions import InvalidInputError, UnsupportedFormatError
from backstride.gait.pipeline import AnalysisParameters, RecordingInfo, WalkingAnalysis
from backstride.gait.wear import not_worn_sentence
from backstride.output import file_sha256
from backstride.program import (
    CORE_EXERCISE_NAMES,
    Baseline,
    CoreLog,
    PainLog,
    WeekPlan,
    WeekReview,
    initial_plan,
    review_week,
    screen,
)
from backstride.recording import BODY_HEIGHT_RANGE_M
from backstride.store import ImportResult, Store
from backstride.store.records import Person
from backstride.walks import Walk, manual_walk_hash, walks_from_analysis

DAYS_IN_WEEK = 7

#: Nothing BackStride stores (a logged walk, pain or exercise, a recording's --start) is
#: dated before this: wearable walking data and this program are 21st-century things, and an
#: earlier date is a typo (1900 for 2000, a two-digit year) or a device clock never set.
EARLIEST_DATE = dt.date(2000, 1, 1)
#: Walks, pain and exercises logged by hand may go back this far before the profile was made:
#: enough to copy in a paper diary of the last weeks (the screening looks at the last 14
#: days), short enough that a wrong year is caught.
BACKFILL_DAYS = 90
#: Longest walk one ``log walk`` takes, minutes. The program's sessions are 10-60 minutes and
#: a long day's hike, breaks included, stays within 12 hours; anything longer (the old limit
#: was 1440, a whole day without sleep) is a typo or hours given as minutes, and would count
#: as more walking than a day holds.
MAX_LOGGED_WALK_MIN = 12 * 60
#: Oldest plausible age for a year of birth, years.
OLDEST_AGE_YEARS = 120


def _pinned_today() -> dt.date | None:
    pinned = os.environ.get("BACKSTRIDE_TODAY")
    return parse_date(pinned, "BACKSTRIDE_TODAY") if pinned else None


def _today_in(zone: ZoneInfo) -> dt.date:
    return _pinned_today() or dt.datetime.now(zone).date()


def today_for(person: Person) -> dt.date:
    """The person's local date; ``BACKSTRIDE_TODAY`` (YYYY-MM-DD) pins it for demos and tests."""
    return _today_in(ZoneInfo(person.time_zone))


def _latest_moment(person: Person) -> dt.datetime:
    """Now for the person; with ``BACKSTRIDE_TODAY``, the end of that day (no clock time)."""
    zone = ZoneInfo(person.time_zone)
    pinned = _pinned_today()
    if pinned is None:
        return dt.datetime.now(zone)
    return dt.datetime.combine(pinned + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def parse_date(text: str, what: str = "--date") -> dt.date:
    """A calendar date from ``YYYY-MM-DD``, with one sentence for an impossible one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"{what} must be a real date as YYYY-MM-DD; '{text}' is not one."
        ) from None


def local_time_zone() -> str:
    """The machine's IANA time zone name (``TZ``, then /etc/localtime), else ``UTC``."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            link = os.path.realpath("/etc/localtime")
            name = link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else ""
        except OSError:
            name = ""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def check_time_zone(name: str) -> str:
    """Validate an IANA time zone name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"'{name}' is not a known time zone; use an IANA name such as Europe/Berlin."
        ) from None
    return name


def check_height(height_m: float | None) -> None:
    """Refuse a body height the gait analysis would refuse (the same rule, reused)."""
    if height_m is None:
        return
    try:
        AnalysisParameters(height_m=height_m)
    except InvalidInputError:
        raise InvalidInputError(
            f"--height-m {height_m:g} is not a plausible body height; give your height in "
            f"metres, above {BODY_HEIGHT_RANGE_M[0]:g} and below {BODY_HEIGHT_RANGE_M[1]:g} "
            "(for example 1.72)."
        ) from None


def check_birth_year(birth_year: int | None, today: dt.date) -> None:
    """Refuse a year of birth in the future or more than 120 years before ``today``."""
    if birth_year is None:
        return
    oldest = today.year - OLDEST_AGE_YEARS
    if not oldest <= birth_year <= today.year:
        raise InvalidInputError(
            f"--birth-year {birth_year} is not a plausible year of birth; give the year you "
            f"were born, from {oldest} to {today.year}."
        )


def check_profile(time_zone: str, height_m: float | None, birth_year: int | None) -> ZoneInfo:
    """Check a profile's time zone, height and year of birth; return the zone."""
    zone = ZoneInfo(check_time_zone(time_zone))
    check_height(height_m)
    check_birth_year(birth_year, _today_in(zone))
    return zone


def create_person(
    store: Store,
    name: str,
    *,
    time_zone: str,
    height_m: float | None = None,
    birth_year: int | None = None,
    goals: str | None = None,
) -> Person:
    """Check a new profile's values against plausible human bounds and store it.

    With ``BACKSTRIDE_TODAY`` the profile is made at noon of that day, so that the dates it
    allows (see :data:`BACKFILL_DAYS`) follow the pinned calendar, not the machine's.
    """
    zone = check_profile(time_zone, height_m, birth_year)
    pinned = _pinned_today()
    created = None if pinned is None else dt.datetime.combine(pinned, dt.time(12), tzinfo=zone)
    return store.add_person(
        name.strip(), time_zone=time_zone, height_m=height_m, birth_year=birth_year,
        goals=goals, created_at=created,
    )  # fmt: skip


def to_plain(value: Any) -> Any:
    """Dataclasses, enums, dates and tuples as JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    return value


# --- screening ------------------------------------------------------------------------------


def run_screening(
    store: Store, person: str | None, answers: Mapping[str, Any]
) -> tuple[Person, Any]:
    """Screen, store the result, and return the person and the :class:`ScreeningResult`."""
    who = store.get_person(person)
    zone = ZoneInfo(who.time_zone)
    today = today_for(who)
    walks = store.list_walks(who.name, today - dt.timedelta(days=14), today + dt.timedelta(days=1))
    result = screen(answers, walks=walks, today=today, tz=zone)
    taken_at = dt.datetime.combine(today, dt.time(12, 0), tzinfo=zone)
    if not os.environ.get("BACKSTRIDE_TODAY"):
        taken_at = dt.datetime.now(zone)
    base = result.baseline
    store.add_screening(
        who.name,
        answers=to_plain(dict(answers)),
        red_flags=list(result.red_flags),
        taken_at=taken_at,
        baseline_pain=base.pain_0_10 if base else None,
        psfs_score=base.psfs_score if base else None,
        baseline_walking_min_per_day=base.minutes_per_day if base else None,
        baseline_days_per_week=base.days_per_week if base else None,
    )
    return who, result


# --- the program timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """The program as it stands: plans and reviews replayed from the store."""

    person: Person
    baseline: Baseline | None
    start_date: dt.date | None
    plans: tuple[WeekPlan, ...]
    reviews: tuple[WeekReview, ...]
    stopped_advice: str | None

    @property
    def current_plan(self) -> WeekPlan | None:
        """The latest planned week (the one after the last review), if the program runs."""
        return self.plans[-1] if self.plans and self.stopped_advice is None else None

    def plan_for(self, week: int) -> WeekPlan:
        """The plan of ``week``, or one sentence on why there is none."""
        for plan in self.plans:
            if plan.week == week:
                return plan
        last = self.plans[-1].week if self.plans else 0
        raise InvalidInputError(
            f"Week {week} is not planned yet; weeks 1-{last} are. Review week {last} first "
            "(backstride review) to plan the next one."
        )

    def week_of(self, day: dt.date) -> int:
        """Program week containing ``day`` (1-based)."""
        if self.start_date is None:
            return 0
        return (day - self.start_date).days // DAYS_IN_WEEK + 1


def _baseline(screening: Any) -> Baseline:
    answers = screening.answers or {}
    psfs = answers.get("psfs", {}).get("activities", []) if isinstance(answers, dict) else []
    return Baseline(
        pain_0_10=float(screening.baseline_pain),
        minutes_per_day=float(screening.baseline_walking_min_per_day or 0.0),
        days_per_week=float(screening.baseline_days_per_week or 0.0),
        psfs_score=screening.psfs_score,
        psfs_activities=tuple(
            (str(a.get("activity", "")), float(a.get("rating", 0))) for a in psfs
        ),
    )


def _pain_logs(store: Store, who: str) -> list[PainLog]:
    return [PainLog(p.at, p.score, p.note) for p in store.list_pain(who)]


def _core_logs(store: Store, who: str) -> list[CoreLog]:
    return [CoreLog(c.at, c.exercise, c.sets or 1, c.reps, c.seconds) for c in store.list_core(who)]


def timeline(store: Store, person: str | None) -> Timeline:
    """Replay the program from the latest screening and the reviews stored since."""
    who = store.get_person(person)
    screening = store.latest_screening(who.name)
    if screening is None:
        return Timeline(who, None, None, (), (), None)
    if screening.red_flags:
        return Timeline(who, None, screening.taken_at.date(), (), (), _red_flag_advice(screening))
    baseline = _baseline(screening)
    start = screening.taken_at.date()
    zone = ZoneInfo(who.time_zone)
    stored = {r.week: r for r in store.list_reviews(who.name) if r.program_start == start}
    plans = [initial_plan(baseline, start)]
    reviews: list[WeekReview] = []
    walks = store.list_walks(who.name)
    pain = _pain_logs(store, who.name)
    core = _core_logs(store, who.name)
    while plans[-1].week in stored:
        record = stored[plans[-1].week]
        review = review_week(
            plans[-1], walks, pain, core, baseline, reviews,
            record.stats.get("red_flag_answers"), tz=zone,
        )  # fmt: skip
        reviews.append(review)
        if review.next_plan is None:
            advice = " ".join(review.advice) or "The program stopped for safety."
            return Timeline(who, baseline, start, tuple(plans), tuple(reviews), advice)
        plans.append(review.next_plan)
    return Timeline(who, baseline, start, tuple(plans), tuple(reviews), None)


def _red_flag_advice(screening: Any) -> str:
    result = screen(screening.answers)
    return str(result.advice)


def plan_to_review(line: Timeline, week: int | None = None) -> WeekPlan:
    """The plan a review of ``week`` (default: the next) judges, or why there is none.

    Checked before the safety questions are asked, so nobody answers them for a review that
    cannot be made.
    """
    if line.stopped_advice is not None:
        raise InvalidInputError(
            "The program is stopped for safety; it restarts with a new screening (backstride "
            "screen) after a clinician has checked you."
        )
    if line.current_plan is None or line.baseline is None:
        raise InvalidInputError("There is no plan yet; run backstride screen first.")
    target = week if week is not None else line.current_plan.week
    if target < 1:
        raise InvalidInputError(f"Weeks are numbered from 1; there is no week {target}.")
    if target != line.current_plan.week:
        raise InvalidInputError(
            f"Week {line.current_plan.week} is the week to review next"
            + (f" (week {target} was reviewed already)." if target < line.current_plan.week
               else f"; week {target} has not been planned yet.")
        )  # fmt: skip
    return line.current_plan


def review(
    store: Store,
    person: str | None,
    red_flag_answers: Mapping[str, Any] | None,
    week: int | None = None,
) -> WeekReview:
    """Review a week (default: the latest planned week), store it and the next plan."""
    line = timeline(store, person)
    plan = plan_to_review(line, week)
    assert line.baseline is not None  # a plan is made from a baseline
    who = line.person
    result = review_week(
        plan,
        store.list_walks(who.name),
        _pain_logs(store, who.name),
        _core_logs(store, who.name),
        line.baseline,
        line.reviews,
        red_flag_answers,
        tz=ZoneInfo(who.time_zone),
        today=today_for(who),  # a week is judged only after its last day
    )
    stats = {
        "red_flag_answers": to_plain(red_flag_answers) if red_flag_answers is not None else None,
        "prescribed_minutes": result.prescribed_minutes,
        "done_minutes": result.done_minutes,
        "active_days": result.active_days,
        "moderate_minutes": result.moderate_minutes,
        "consistency": result.consistency,
        "pain_mean": result.pain.mean,
        "flares": [to_plain(f) for f in result.flares],
        "core_days_done": result.core_days_done,
        "core_days_planned": result.core_days_planned,
    }
    store.save_review(
        who.name, week=plan.week, decision=result.decision.value,
        reasons=list(result.reasons), stats=stats, program_start=plan.program_start,
    )  # fmt: skip
    if result.next_plan is not None:
        nxt = result.next_plan
        store.save_plan_week(
            who.name, week=nxt.week, start_date=nxt.start_date, plan=to_plain(nxt),
            program_start=plan.program_start,
        )  # fmt: skip
    return result


def save_initial_plan(store: Store, person: str | None) -> WeekPlan | None:
    """Store week 1's plan after a screening without red flags."""
    line = timeline(store, person)
    if line.current_plan is None:
        return None
    plan = line.current_plan
    store.save_plan_week(
        line.person.name, week=plan.week, start_date=plan.start_date, plan=to_plain(plan),
        program_start=plan.program_start,
    )  # fmt: skip
    return plan


# --- logging and importing ------------------------------------------------------------------


_EARLIEST_WHY = "BackStride takes"


def _earliest_log_date(person: Person) -> tuple[dt.date, str]:
    """The first date a log may carry, and why, in words."""
    backfill = person.created_at.date() - dt.timedelta(days=BACKFILL_DAYS)
    if backfill > EARLIEST_DATE:
        return backfill, f"a log can have ({BACKFILL_DAYS} days before this profile was made)"
    return EARLIEST_DATE, _EARLIEST_WHY


def _moment(
    person: Person,
    day: str | None,
    default_time: dt.time,
    option: str = "--date",
    *,
    earliest: tuple[dt.date, str] | None = None,
) -> dt.datetime:
    """The time ``day`` names in the person's zone (default: now), neither future nor too old.

    ``earliest`` is the first allowed local date and the words that end "the earliest date
    ..." in the message (default: the profile date less :data:`BACKFILL_DAYS`, and never before
    :data:`EARLIEST_DATE`).
    """
    zone = ZoneInfo(person.time_zone)
    today = today_for(person)
    if day is None:
        if os.environ.get("BACKSTRIDE_TODAY"):
            return dt.datetime.combine(today, default_time, tzinfo=zone)
        return dt.datetime.now(zone)
    try:
        moment = dt.datetime.fromisoformat(day)
    except ValueError:
        raise InvalidInputError(
            f"{option} must be a real date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM); "
            f"'{day}' is not."
        ) from None
    if len(day) == 10:
        moment = dt.datetime.combine(moment.date(), default_time)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
        # a wall-clock time the clocks skip (01:30 as they jump from 01:00 to 02:00) names
        # no instant; Python would quietly move it by an hour
        there = moment.astimezone(dt.UTC).astimezone(zone)
        if there.replace(tzinfo=None) != moment.replace(tzinfo=None):
            raise InvalidInputError(
                f"{option} {day} does not exist in {person.time_zone}: the clocks skip that "
                "hour; give the time as the clock showed it."
            )
    local = moment.astimezone(zone)
    if local.date() > today or local > _latest_moment(person):
        fix = (
            "give the local time the recording started"
            if option == "--start"
            else "log what has happened"
        )
        raise InvalidInputError(f"{option} {day} is in the future; {fix}.")
    first, why = earliest or _earliest_log_date(person)
    if local.date() < first:
        raise InvalidInputError(
            f"{option} {day} is before {first.isoformat()}, the earliest date {why}; "
            "check the year."
        )
    return moment


def _span(start: dt.datetime, end: dt.datetime) -> str:
    """``2026-03-08 10:00 to 10:30`` (the end's date only when it is another day)."""
    last = "%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M} to {end.strftime(last)}"


def _origin(walk: Walk) -> str:
    """Where a stored walk came from, for a message: "logged by hand" or "from <source>"."""
    return "logged by hand" if walk.source == "manual" else f"from {walk.source}"


def _check_walk_values(
    minutes: float, effort: float | None, pain_before: float | None, pain_after: float | None
) -> None:
    """One sentence per bad value of a walk logged by hand, naming its option."""
    if not 0 < minutes <= MAX_LOGGED_WALK_MIN:  # NaN fails too
        raise InvalidInputError(
            f"--minutes {minutes:g} is not a plausible length for one walk; give the minutes "
            f"you walked, more than 0 and at most {MAX_LOGGED_WALK_MIN} (12 hours)."
        )
    for option, value, what in (
        ("--effort", effort, "how hard the walk felt"),
        ("--pain-before", pain_before, "your back pain before the walk"),
        ("--pain-after", pain_after, "your back pain after the walk"),
    ):
        if value is not None and not 0 <= value <= 10:
            raise InvalidInputError(
                f"{option} {value:g} is outside 0-10; give {what} on the 0-10 scale."
            )


def log_walk(
    store: Store,
    person: str | None,
    *,
    minutes: float,
    day: str | None = None,
    effort: float | None = None,
    pain_before: float | None = None,
    pain_after: float | None = None,
) -> ImportResult:
    """Store a walk logged by hand.

    Without ``day`` the walk ended just now (with ``BACKSTRIDE_TODAY``: it started at noon of
    that day); a date alone places it at noon. A walk is refused when it has not ended yet,
    when it overlaps a walk already stored (two walks of one person cannot share a minute, and
    a walk a sensor measured must not be counted twice), and when the same walk was logged
    with a date alone before: two walks of the same length on one day are two walks, so the
    second needs its own start time. Logging a walk again with the same start time and
    length changes nothing.
    """
    _check_walk_values(minutes, effort, pain_before, pain_after)
    who = store.get_person(person)
    length = dt.timedelta(minutes=minutes)
    now_known = _pinned_today() is None
    if day is None and now_known:
        now = _moment(who, None, dt.time(12, 0)).replace(second=0, microsecond=0)
        # the walk has just ended (to the minute, as logs are given); elapsed time in UTC
        start = (now.astimezone(dt.UTC) - length).astimezone(now.tzinfo)
        timed = True
    else:
        start = _moment(who, day, dt.time(12, 0))
        timed = day is not None and len(day) > 10
    zone = ZoneInfo(who.time_zone)
    start = start.astimezone(zone)
    # a walk across a clock change lasts its minutes, not its minutes of wall clock
    end = (start.astimezone(dt.UTC) + length).astimezone(zone)
    if end > _latest_moment(who):
        raise InvalidInputError(
            f"A walk from {_span(start, end)} has not ended yet; give its start time with "
            "--date YYYY-MM-DDTHH:MM, or log it once it has ended."
        )
    source_hash = manual_walk_hash(who.name, start, minutes)
    overlapping = store.overlapping_walks(who.name, start, end)
    if any(w.source_hash == source_hash for w in overlapping):
        if timed:  # the same start time and length: the same walk, logged again
            return ImportResult(added=0, skipped_duplicates=1)
        raise InvalidInputError(
            f"A {minutes:g}-minute walk on {start:%Y-%m-%d} is already logged (at "
            f"{start:%H:%M}, the time used when none is given); to log a second walk that day, "
            f"give its start time with --date {start:%Y-%m-%d}THH:MM."
        )
    if overlapping:
        old = overlapping[0]
        raise InvalidInputError(
            f"This walk ({_span(start, end)}) overlaps the walk stored from "
            f"{_span(old.start, old.end)} ({_origin(old)}); if it is the same walk there is "
            "nothing to log, otherwise give this walk's own start time with --date "
            "YYYY-MM-DDTHH:MM."
        )
    walk = Walk(
        start=start,
        end=end,
        source="manual",
        source_hash=source_hash,
        duration_s=minutes * 60,
        walking_s=minutes * 60,
        effort_0_10=effort,
        pain_before=pain_before,
        pain_after=pain_after,
    )
    return store.add_walks(who.name, [walk])


def log_pain(
    store: Store, person: str | None, score: float, day: str | None, note: str | None
) -> Any:
    """Store a pain rating (0-10)."""
    if not 0 <= score <= 10:
        raise InvalidInputError(f"Pain is rated from 0 to 10; got {score:g}.")
    who = store.get_person(person)
    return store.add_pain(who.name, score=score, at=_moment(who, day, dt.time(20, 0)), note=note)


def log_core(
    store: Store,
    person: str | None,
    exercise: str,
    *,
    sets: int,
    reps: int | None,
    seconds: float | None,
    day: str | None,
) -> Any:
    """Store a core-exercise set."""
    key = exercise.strip().lower().replace("-", "_").replace(" ", "_")
    names = {n.lower().replace("-", "_").replace(" ", "_") for n in CORE_EXERCISE_NAMES}
    if key not in names:
        raise InvalidInputError(
            f"'{exercise}' is not one of the program's core exercises: "
            + ", ".join(sorted(names))
            + "."
        )
    if sets < 1 or (reps is not None and reps < 1) or (seconds is not None and seconds <= 0):
        raise InvalidInputError("Sets, repetitions and seconds must be positive numbers.")
    if reps is None and seconds is None:
        raise InvalidInputError("Give --reps for repetitions or --seconds for a hold.")
    who = store.get_person(person)
    return store.add_core(
        who.name, exercise=key, at=_moment(who, day, dt.time(18, 0)),
        sets=sets, reps=reps, seconds=seconds,
    )  # fmt: skip


@dataclass(frozen=True)
class ImportedFile:
    """What one file held."""

    path: Path
    device: str
    recordings: int
    duration_s: float
    sample_rate_hz: float
    walks: tuple[Walk, ...]
    notes: tuple[str, ...] = ()


def analyse_files(
    store: Store,
    person: str | None,
    paths: Sequence[Path],
    *,
    start: str | None = None,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    on_progress: Callable[[Path, float], None] | None = None,
) -> tuple[Person, list[ImportedFile]]:
    """Read and analyse every file first (so a bad file stops the import before any write).

    ``on_file`` is called after each file has been read and analysed, and ``on_progress``
    with the share of a long recording analysed so far (for a progress bar).
    """
    from backstride.io.summaries import detect_summary_format, read_walk_summaries

    who = store.get_person(person)
    zone = ZoneInfo(who.time_zone)
    # checked before any file is read: a bad --start is refused even where the files carry
    # their own start and it would not be used
    given_start = (
        None
        if start is None
        else _moment(who, start, dt.time(12, 0), "--start", earliest=(EARLIEST_DATE, _EARLIEST_WHY))
    )
    found = []
    for path in paths:
        summary_format = detect_summary_format(path) if path.is_file() else None
        if summary_format is not None:
            # a track or an app's walk summary: walks directly, no raw signal to analyse
            summaries = read_walk_summaries(path, default_tz=who.time_zone)
            duration = sum(w.duration_s or 0.0 for w in summaries)
            found.append(ImportedFile(path, summary_format, 0, duration, 0.0, tuple(summaries)))
            if on_file is not None:
                on_file(path)
            continue
        digest = file_sha256(path) if path.is_file() else ""
        tell = (
            None
            if on_progress is None
            else lambda done, total, p=path: on_progress(p, done / total if total else 1.0)
        )
        try:
            # a device clock is set to the wearer's local time: read it in their time zone;
            # a height stored with the file wins over the profile's
            items = analyze_file_recordings(
                path,
                AnalysisParameters(height_m=who.height_m),
                heights_from="file",
                sample_rate_hz=sample_rate_hz,
                acc_unit=acc_unit,
                gyr_unit=gyr_unit,
                time_zone=who.time_zone,
                progress=tell,
            )
        except UnsupportedFormatError as exc:
            # import also takes walk summaries: name both kinds, not only sensor formats
            from backstride.io import SUPPORTED_FORMATS
            from backstride.io.summaries import SUMMARY_FORMATS

            raise UnsupportedFormatError(
                f"The file {path.name} is neither a sensor recording nor a walk summary that "
                f"BackStride reads; sensor formats: {'; '.join(SUPPORTED_FORMATS.values())}; "
                f"walk summaries: {'; '.join(SUMMARY_FORMATS.values())}."
            ) from exc
        walks: list[Walk] = []
        placed = _placed_by_start(items, given_start, who)
        for rec, analysis in items:
            begin = rec.start or given_start
            if placed is not None and rec.start is not None:
                begin = rec.start + placed.shift
            elif rec.start is not None and not _plausible_clock(rec.start, who):
                # a device clock never set (1970, 9999): --start, if given, says when it was
                if given_start is None:
                    raise InvalidInputError(
                        f"{path.name} starts on {rec.start.date()} by its own clock, which "
                        "cannot be right (a device clock never set?); give the real start with "
                        "--start YYYY-MM-DDTHH:MM (your local time)."
                    )
                begin = given_start
            if begin is None:
                raise InvalidInputError(
                    f"{path.name} has no absolute start time; give it with --start "
                    "YYYY-MM-DDTHH:MM (your local time)."
                )
            walks.extend(
                walks_from_analysis(
                    analysis,
                    begin.astimezone(zone),
                    f"{rec.device}: {path.name}",
                    hashlib.sha256(f"{digest}|{rec.name}".encode()).hexdigest(),
                )
            )
        infos = [rec for rec, _ in items]
        # hours the sensor lay still: walking done then is not in the file, but was walked
        off = [
            f"{rec.name}: {sentence}; walks without the sensor can be logged with "
            "'backstride log walk'"
            for rec, analysis in items
            if (sentence := not_worn_sentence(analysis.non_wear, rec.duration_s)) is not None
        ]
        found.append(
            ImportedFile(
                path,
                infos[0].device,
                len(infos),
                sum(r.duration_s for r in infos),
                infos[0].sample_rate_hz,
                tuple(walks),
                tuple(dict.fromkeys(note for r in infos for note in r.notes))
                + ((placed.note,) if placed is not None else ())
                + tuple(off),
            )
        )
        if on_file is not None:
            on_file(path)
    return who, found


class _Placement(NamedTuple):
    shift: dt.timedelta
    note: str


def _placed_by_start(
    items: Sequence[tuple[RecordingInfo, WalkingAnalysis]],
    given_start: dt.datetime | None,
    person: Person,
) -> _Placement | None:
    """How far ``--start`` moves a file whose recordings keep their own (plausible) clock.

    ``--start`` says when the recording began, so it wins over a clock that reads a real but
    wrong time (set to another zone, or never corrected): the file's recordings move
    together, the first to ``--start``, and a note says from where. (It was ignored for such
    files: the demo's lower-back recording, once its reader took the start from the
    reference file beside it, landed in 2020 instead of the program's first week, without a
    word.) A clock that cannot be right is handled by the caller; ``None`` without
    ``--start`` or without a plausible clock.
    """
    own = [rec.start for rec, _ in items if rec.start is not None]
    if given_start is None or not own or not all(_plausible_clock(t, person) for t in own):
        return None
    first = min(own)
    zone = ZoneInfo(person.time_zone)
    return _Placement(
        given_start - first,
        f"placed at --start {given_start.astimezone(zone):%Y-%m-%d %H:%M}; its own clock "
        f"says {first.astimezone(zone):%Y-%m-%d %H:%M}",
    )


def _plausible_clock(start: dt.datetime, person: Person) -> bool:
    """A recording's own start is a real time: from :data:`EARLIEST_DATE` to now."""
    return start.date() >= EARLIEST_DATE and start <= _latest_moment(person)


def import_files(
    store: Store,
    person: str | None,
    paths: Sequence[Path],
    *,
    start: str | None = None,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    replace: bool = False,
    on_file: Callable[[Path], None] | None = None,
    on_progress: Callable[[Path, float], None] | None = None,
) -> tuple[list[ImportedFile], ImportResult]:
    """Analyse the files and store their walks in one transaction.

    A recording already stored at another time (imported before with another ``--start``)
    is refused, since skipping it as already there would keep the wrong time; with
    ``replace`` the walks stored before from the same files are deleted and the new ones
    stored instead, in the same transaction.
    """
    who, found = analyse_files(
        store,
        person,
        paths,
        start=start,
        sample_rate_hz=sample_rate_hz,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        on_file=on_file,
        on_progress=on_progress,
    )
    summaries = [w for f in found if not f.recordings for w in f.walks]
    measured = [w for f in found if f.recordings for w in f.walks]
    sources = {w.source_hash.rsplit(":", 1)[0] for w in measured}
    _refuse_overlapping_recordings(store, who, measured, sources if replace else set())
    if replace:
        sources.update(w.source_hash for w in summaries)
        fresh, known = drop_known_workouts(store, who.name, summaries)
        result = store.replace_walks(who.name, measured + fresh, sources=sources)
        return found, ImportResult(result.added, result.skipped_duplicates + known, result.replaced)
    _refuse_moved_recordings(store, who, found)
    fresh, known = drop_known_workouts(store, who.name, summaries)
    result = store.add_walks(who.name, measured + fresh)
    return found, ImportResult(result.added, result.skipped_duplicates + known)


def _refuse_overlapping_recordings(
    store: Store, who: Person, walks: Sequence[Walk], replaced: set[str]
) -> None:
    """Refuse recorded walks that share time with each other or with another stored walk.

    Import never counts the same walking twice: two files given one ``--start``, or a file
    imported again with another rate (its walks then land at other times, under other
    hashes), would put one person on two walks at once. A walk stored before under the same
    hash is the same walk (counted once by the store), and with ``--replace`` the walks of
    the files being replaced are not in the way.
    """
    if not walks:
        return
    new = sorted(walks, key=lambda w: w.start)
    hashes = {w.source_hash for w in new}
    stored = [
        old
        for old in store.list_walks(who.name, new[0].start - dt.timedelta(days=1), new[-1].end)
        if old.source_hash not in hashes and old.source_hash.rsplit(":", 1)[0] not in replaced
    ]
    # one sweep in time order: each walk against the one reaching furthest before it
    tagged = sorted(
        [(w, True) for w in new] + [(w, False) for w in stored], key=lambda t: t[0].start
    )
    reach: tuple[Walk, bool] | None = None
    for walk, is_new in tagged:
        if (
            reach is not None
            and walk.start < reach[0].end
            and (is_new or reach[1])
            and walk.source_hash != reach[0].source_hash  # one file given twice: counted once
        ):
            first, second = (reach[0], walk) if reach[1] else (walk, reach[0])
            if not (is_new and reach[1]):  # a new walk against a stored one
                raise InvalidInputError(
                    f"The walk from {_span(first.start, first.end)} in {first.source} overlaps "
                    f"the walk stored from {_span(second.start, second.end)} "
                    f"({_origin(second)}); if it is the same walking there is nothing to "
                    "import, otherwise check --start or --sample-rate-hz."
                )
            raise InvalidInputError(
                f"Two of the recordings give walks at the same time ({first.source} from "
                f"{_span(first.start, first.end)} and {walk.source} from "
                f"{_span(walk.start, walk.end)}); import them with their own --start, or one "
                "at a time."
            )
        if reach is None or walk.end > reach[0].end:
            reach = (walk, is_new)


def _refuse_moved_recordings(store: Store, who: Person, found: Sequence[ImportedFile]) -> None:
    """Refuse a recording stored before at another start time (a corrected ``--start``).

    A recording's walks are known by the hash of its content, whatever its start, so without
    this a corrected start would be skipped as "already there" and the wrong time kept.
    """
    zone = ZoneInfo(who.time_zone)
    hashes = [w.source_hash for f in found if f.recordings for w in f.walks]
    stored = {w.source_hash: w for w in store.walks_with_hashes(who.name, hashes)}
    for f in found:
        for walk in f.walks if f.recordings else ():
            old = stored.get(walk.source_hash)
            if old is not None and abs(old.start - walk.start) > dt.timedelta(seconds=1):
                was, now = old.start.astimezone(zone), walk.start.astimezone(zone)
                raise InvalidInputError(
                    f"{f.path.name} is already stored with its walks at another time (one "
                    f"starting {was:%Y-%m-%d %H:%M}, not {now:%Y-%m-%d %H:%M}); to move them, "
                    "import it again with --replace, which replaces the walks stored from "
                    "this file."
                )


def drop_known_workouts(store: Store, person: str, walks: Sequence[Walk]) -> tuple[list[Walk], int]:
    """Drop workouts already stored or repeated in ``walks`` under another export's hash.

    The same workout exported by two apps gets different files and may get different
    content hashes; :func:`backstride.io.summaries.same_workout` (start within 60 s, distance
    or steps within 2%, same activity class) recognises it. Returns the walks to store and
    how many were dropped.
    """
    from backstride.io.summaries import deduplicate_walks, same_workout

    if not walks:
        return [], 0
    unique = deduplicate_walks(walks)
    margin = dt.timedelta(minutes=2)
    stored = store.list_walks(
        person, min(w.start for w in unique) - margin, max(w.start for w in unique) + margin
    )
    stored_hashes = {w.source_hash for w in stored}
    fresh = [
        w
        for w in unique
        if w.source_hash in stored_hashes  # exact re-import: the store counts it as skipped
        or not any(same_workout(w, old) for old in stored)
    ]
    return fresh, len(walks) - len(fresh)


def week_bounds(plan: WeekPlan) -> tuple[dt.date, dt.date]:
    """First and last local date of a plan's week."""
    return plan.start_date, plan.start_date + dt.timedelta(days=DAYS_IN_WEEK - 1)


def walks_in_week(store: Store, who: Person, plan: WeekPlan) -> list[Walk]:
    """The person's walks in a plan's week (local dates)."""
    first, last = week_bounds(plan)
    return store.list_walks(who.name, first, last + dt.timedelta(days=1))


__all__ = [
    "ImportedFile",
    "Timeline",
    "analyse_files",
    "check_birth_year",
    "check_height",
    "check_profile",
    "check_time_zone",
    "create_person",
    "import_files",
    "local_time_zone",
    "log_core",
    "log_pain",
    "log_walk",
    "parse_date",
    "plan_to_review",
    "review",
    "run_screening",
    "save_initial_plan",
    "timeline",
    "to_plain",
    "today_for",
    "walks_in_week",
]
