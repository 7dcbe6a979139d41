"""Independent reference measurements that come with validation recordings.

Each loader returns a :class:`Reference`: reference walking bouts (with their initial contacts
and, where the reference system measured them, cadence, stride length and speed) or, for
phone recordings, a ground-truth step total.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io.xsens_ipol import COUNTER_MODULUS, load_ipol_json


class UntimedGap(NamedTuple):
    """A run of contacts a reference counted but could not time (see :func:`untimed_gaps`)."""

    #: The timed contact before the run, or the bout's start where the run opens the bout, s.
    after_s: float
    #: The timed contact after the run, or the bout's end where the run closes the bout, s.
    before_s: float
    #: How many contacts the run holds.
    n_contacts: int
    #: The run opens the bout: its first contact is the bout's start, not after ``after_s``.
    opens_bout: bool = False
    #: The run closes the bout: its last contact is the bout's end.
    closes_bout: bool = False


@dataclass(frozen=True)
class ReferenceBout:
    """One reference walking bout; None where the reference did not measure a value."""

    start_s: float
    end_s: float
    initial_contacts_s: tuple[float, ...]
    cadence_spm: float | None = None
    stride_length_m: float | None = None
    walking_speed_mps: float | None = None
    #: Contacts the reference counted but could not time: each run of them between its known
    #: neighbours (or the bout's edges).
    untimed_contacts: tuple[UntimedGap, ...] = ()
    #: Per-stride lengths where the reference stores them: ``(first contact s, last contact s,
    #: length m)`` of each stride (``data.mat`` only; used by ``bench/stride_excursion.py``).
    strides: tuple[tuple[float, float, float], ...] = ()
    #: Foot of each of ``initial_contacts_s``, ``"L"`` or ``"R"`` (``""`` where not given);
    #: empty when the reference does not say.
    initial_contact_sides: tuple[str, ...] = ()
    #: Turns the reference found in the bout, ``(start s, end s)`` each (``data.mat`` only).
    turns_s: tuple[tuple[float, float], ...] = ()
    #: Each turn's angle, degrees, positive to the left, aligned with ``turns_s`` (``None``
    #: where not given); empty when the reference gives none.
    turn_angles_deg: tuple[float | None, ...] = ()


def foot_side(label: Any) -> str:
    """``"L"``, ``"R"`` or ``""`` for a reference's side label ("Left", "right", "L", ...)."""
    text = str(label).strip().lower()
    return "L" if text.startswith("l") else "R" if text.startswith("r") else ""


def timed_sides(contacts: list[float | None], sides: Any) -> tuple[str, ...]:
    """The side labels of the timed contacts only (aligned with ``initial_contacts_s``).

    ``()`` when the labels do not pair up with the contacts one to one.
    """
    labels = [] if sides is None else list(np.atleast_1d(np.asarray(sides, dtype=object)))
    if len(labels) != len(contacts):
        return ()
    return tuple(foot_side(s) for t, s in zip(contacts, labels, strict=True) if t is not None)


def untimed_gaps(
    contacts: list[float | None], start_s: float, end_s: float
) -> tuple[UntimedGap, ...]:
    """Runs of untimed contacts in a reference bout's contact list, between timed neighbours.

    The INDIP reference lists a NaN (``null`` in the exported JSON) where it knows a foot
    contact happened but could not place it in time, e.g. ``72.29, NaN, 74.77``. Such a
    contact can be neither matched nor missed; see
    :func:`~backstride.validation.metrics.match_contacts` for how detections there are scored.
    """
    gaps = []
    run = 0
    after = start_s
    opens = True  # no timed contact yet: a run now opens the bout
    for t in contacts:
        if t is None or not math.isfinite(t):
            run += 1
            continue
        if run:
            gaps.append(UntimedGap(after, t, run, opens_bout=opens))
            run = 0
        after = t
        opens = False
    if run:
        gaps.append(UntimedGap(after, end_s, run, opens_bout=opens, closes_bout=True))
    return tuple(gaps)


@dataclass(frozen=True)
class Reference:
    """Reference for one recording."""

    bouts: tuple[ReferenceBout, ...] = ()
    steps_total: int | None = None
    system: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: The reference saw only its bouts, not the whole recording (a motion-capture volume
    #: the walker enters and leaves): walking elsewhere is neither confirmed nor refuted.
    covers_bouts_only: bool = False
    #: Turns outside the bouts' own ``turns_s`` (the IPOL protocol's U-turn), ``(start s,
    #: end s)`` each.
    extra_turns_s: tuple[tuple[float, float], ...] = ()
    #: Their angles, degrees (aligned with ``extra_turns_s``; ``None`` where unknown, and
    #: unsigned where the reference knows the size of the turn but not its side: the IPOL
    #: U-turn, 180).
    extra_turn_angles_deg: tuple[float | None, ...] = ()
    #: The span the reference annotated, ``(start s, end s)``, where that is not the whole
    #: recording (the IPOL protocol's trial): contacts and walking outside it are neither
    #: confirmed nor refuted. ``None``: the whole recording.
    window_s: tuple[float, float] | None = None
    #: The distance the protocol has the walker cover within ``window_s``, m, where it sets
    #: one (IPOL: 10 m out and 10 m back); ``None`` otherwise.
    course_m: float | None = None
    #: Whether the reference marks turns (where it says a bout has none, a turn found
    #: there is an extra), and whether its angles say which way (the IPOL U-turn's does not).
    marks_turns: bool = False
    turn_angles_signed: bool = True

    @property
    def turns_s(self) -> list[tuple[float, float]]:
        """Every turn the reference marks, ``(start s, end s)``, in time order."""
        return sorted({*self.extra_turns_s, *(t for b in self.bouts for t in b.turns_s)})

    @property
    def turns(self) -> list[tuple[float, float, float | None]]:
        """Every turn the reference marks, ``(start s, end s, angle deg or None)``, in order."""
        found: dict[tuple[float, float], float | None] = {}
        spans = [(self.extra_turns_s, self.extra_turn_angles_deg)] + [
            (b.turns_s, b.turn_angles_deg) for b in self.bouts
        ]
        for turns, angles in spans:
            for k, span in enumerate(turns):
                angle = angles[k] if len(angles) == len(turns) else None
                if found.get(span) is None:
                    found[span] = angle
        return [(a, b, found[(a, b)]) for a, b in sorted(found)]

    @property
    def initial_contacts_s(self) -> list[float]:
        """All reference initial contacts, s, sorted and without duplicates."""
        return sorted({t for b in self.bouts for t in b.initial_contacts_s})

    @property
    def contact_sides(self) -> dict[float, str]:
        """Foot (``"L"``/``"R"``) of each reference contact whose side the reference gives."""
        return {
            t: side
            for b in self.bouts
            for t, side in zip(b.initial_contacts_s, b.initial_contact_sides, strict=False)
            if side
        }

    @property
    def untimed_contacts(self) -> list[UntimedGap]:
        """Every bout's runs of untimed contacts (see :func:`untimed_gaps`)."""
        return [g for b in self.bouts for g in b.untimed_contacts]


#: The Mobilise-D reference's walking bouts, and its level walking bouts (no slopes or stairs),
#: as named in the exported JSON and inside ``data.mat``.
WB_KEY, LEVEL_WB_KEY = "continuous_walking_periods", "micro_walking_bouts"
MAT_WB_KEY, MAT_LEVEL_WB_KEY = "ContinuousWalkingPeriod", "MicroWB"


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


#: A reference contact further than this outside its own bout's span is not one of its
#: contacts (the span runs from the bout's first contact to its last).
SPAN_MARGIN_S = 1.0
#: Open ranges a reference bout's values must lie in to be values at all; outside them (a
#: negative stride, a speed of 1e9 m/s) the file is damaged there, and the value is unknown
#: rather than scored.
PLAUSIBLE = {
    "cadence_spm": (0.0, 300.0),
    "stride_length_m": (0.0, 4.0),
    "walking_speed_mps": (0.0, 10.0),
}


def _bout_values(*values: float | None) -> tuple[float | None, ...]:
    """A bout's cadence, stride length and speed, each ``None`` if not plausible."""
    return tuple(
        value if value is not None and math.isfinite(value) and lo < value < hi else None
        for value, (lo, hi) in zip(values, PLAUSIBLE.values(), strict=True)
    )


def _in_span(
    contacts: list[float | None], sides: Any, start_s: float, end_s: float
) -> tuple[list[float | None], list[Any] | None]:
    """The contacts (``None``: untimed) within the bout's span, and their side labels.

    Side labels that do not pair up with the contacts stay unpaired (``None``).
    """
    keep = [t is None or start_s - SPAN_MARGIN_S <= t <= end_s + SPAN_MARGIN_S for t in contacts]
    labels = None if sides is None else list(np.atleast_1d(np.asarray(sides, dtype=object)))
    if labels is not None:
        labels = (
            [x for x, k in zip(labels, keep, strict=True) if k]
            if len(labels) == len(contacts)
            else None
        )
    return [t for t, k in zip(contacts, keep, strict=True) if k], labels


def load_mobilised_reference(path: Path) -> Reference:
    """Read a ``<Test>-<Trial>.reference.json`` exported from the INDIP reference system.

    The reference's walking bouts are its ``continuous_walking_periods``. Those are walking
    bouts in the Mobilise-D sense, level or not. ``micro_walking_bouts`` are the *level*
    walking bouts: a subset without inclines or stairs. BackStride finds all walking, so the
    level subset would count walking on a slope or stairs as extra. mobgap names the two
    levels "wb" and "lwb" and validates against "wb" by default. A file without continuous
    walking periods falls back to the micro walking bouts.
    """
    try:
        doc = json.loads(path.read_text())
        level = WB_KEY if WB_KEY in doc else LEVEL_WB_KEY
        bouts = []
        for b in doc[level]:
            start, end = float(b["start_s"]), float(b["end_s"])
            if not (math.isfinite(start) and math.isfinite(end)) or end < start:
                continue  # a bout the reference could not time is not a reference
            listed, sides = _in_span(
                [
                    None if t is None or not math.isfinite(float(t)) else float(t)
                    for t in b.get("initial_contacts_s", [])
                ],
                b.get("initial_contact_sides"),
                start,
                end,
            )
            if not listed:
                continue  # a walk without a single contact in its span is not a reference
            cadence, stride_length, speed = _bout_values(
                _opt(b.get("cadence_spm")),
                _opt(b.get("stride_length_m")),
                _opt(b.get("walking_speed_mps")),
            )
            bouts.append(
                ReferenceBout(
                    start_s=start,
                    end_s=end,
                    initial_contacts_s=tuple(t for t in listed if t is not None),
                    initial_contact_sides=timed_sides(listed, sides),
                    cadence_spm=cadence,
                    stride_length_m=stride_length,
                    walking_speed_mps=speed,
                    untimed_contacts=untimed_gaps(listed, start, end),
                )
            )
    except OSError as exc:
        raise InvalidInputError(
            f"The reference file {path} cannot be read ({exc.strerror})."
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"The reference file {path} is not valid JSON (line {exc.lineno}: {exc.msg})."
        ) from exc
    except KeyError as exc:
        raise InvalidInputError(
            f"The reference file {path} has a walking bout without {exc.args[0]!r}; each needs "
            "start_s and end_s."
        ) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        # the Python wording ("'int' object is not subscriptable") says nothing to a user
        raise InvalidInputError(
            f"The reference file {path} is not laid out as a Mobilise-D reference export "
            f"({WB_KEY} or {LEVEL_WB_KEY}: a list of bouts with numeric start_s and end_s)."
        ) from exc
    system = str(doc.get("reference_system", "INDIP"))
    return Reference(bouts=tuple(bouts), system=system, extra={"bout_level": level})


def _numbers(values: Any) -> list[float | None]:
    """Every number in ``values``, ``None`` for NaN (an untimed contact); nothing for text."""
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        return []  # text or nested structures where numbers were expected
    return [None if not np.isfinite(x) else float(x) for x in arr]


def _finite(values: Any) -> list[float]:
    return [x for x in _numbers(values) if x is not None]


def _scalar(value: Any) -> float | None:
    values = _finite(value) if value is not None else []
    return values[0] if len(values) == 1 else None


#: Reference systems of the Mobilise-D lab protocol inside ``data.mat``, and how each is named.
MAT_SYSTEMS = {
    "INDIP": "INDIP (from data.mat)",
    "Stereophoto": "stereophotogrammetry (from data.mat)",
}


def load_mobilised_mat_references(path: Path, system: str = "INDIP") -> dict[str, Reference]:
    """Read a reference stored inside a Mobilise-D ``data.mat``, per ``<Test>-<Trial>``.

    ``data.TimeMeasure*.<Test>.<Trial>.Standards.INDIP.ContinuousWalkingPeriod`` holds the
    walking bouts (``Start``, ``End``, ``InitialContact_Event`` in seconds from the recording's
    first sample, ``Cadence``, ``AverageStrideLength``, ``WalkingSpeed``), and ``MicroWB`` the
    level walking bouts, used only when the first is missing (see
    :func:`load_mobilised_reference` for why). They are the same data the exported
    ``*.reference.json`` files carry, so a dataset without those exports validates too.
    Trials without an INDIP reference are left out. Keys follow the recording names of
    :func:`~backstride.io.mobilised.read_mobilised_mat` (prefixed with the time measure when the
    file has more than one).

    ``system="Stereophoto"`` reads the lab's optical motion capture instead
    (``Standards.Stereophoto``, same fields; Mobilise-D validated INDIP against it, Salis et
    al. 2023). It is the gold standard, but only inside the capture volume, so its
    references are marked :attr:`Reference.covers_bouts_only`.
    """
    if system not in MAT_SYSTEMS:
        raise ValueError(f"unknown reference system {system!r}; one of {sorted(MAT_SYSTEMS)}")
    return load_mobilised_mat_reference_systems(path)[system]


def load_mobilised_mat_reference_systems(
    path: Path, content: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Reference]]:
    """Every reference system of :data:`MAT_SYSTEMS` in a ``data.mat``, from one read of it.

    A system the file does not hold maps to an empty dict. See
    :func:`load_mobilised_mat_references` for the layout; the technical validation study's
    files are tens of MB, so they are read once for all systems, and ``content``, the file
    already loaded (:func:`backstride.io.mobilised.load_mobilised_mat`), spares another read.
    """
    from backstride.io.mobilised import load_mobilised_mat, test_levels

    if content is None:  # the one loader: damaged and v7.3 files are refused as analyze does
        content = load_mobilised_mat(path)
    try:
        doc = content["data"]
    except KeyError as exc:
        raise InvalidInputError(f"The reference in {path} cannot be read ({exc}).") from exc
    out: dict[str, dict[str, Reference]] = {system: {} for system in MAT_SYSTEMS}
    if not isinstance(doc, dict):
        return out
    measures = {
        k: v
        for k, v in doc.items()
        if str(k).lower().startswith("timemeasure") and isinstance(v, dict)
    }
    for measure_name, measure in measures.items():
        # named as read_mobilised_mat names the recordings
        prefix = f"{measure_name}-" if len(measures) > 1 else ""
        for names, content in test_levels(measure):
            standards = content.get("Standards")
            if not isinstance(standards, dict):
                continue
            for system in MAT_SYSTEMS:
                reference = _mat_reference(standards.get(system), system)
                if reference is not None:
                    out[system][prefix + "-".join(names)] = reference
    return out


def _mat_reference(standard: Any, system: str) -> Reference | None:
    """One system's walking bouts of one trial (``Standards.<system>``), or None."""
    if not isinstance(standard, dict):
        return None
    level = next((k for k in (MAT_WB_KEY, MAT_LEVEL_WB_KEY) if k in standard), None)
    if level is None:
        return None
    wbs = standard[level]
    wbs = [wbs] if isinstance(wbs, dict) else list(np.atleast_1d(wbs).tolist())
    bouts = []
    for wb in wbs:
        if not isinstance(wb, dict):
            continue
        start, end = _scalar(wb.get("Start")), _scalar(wb.get("End"))
        if start is None or end is None or end < start:
            continue  # a bout the reference could not time is not a reference
        numbers, sides = _in_span(
            _numbers(wb.get("InitialContact_Event", [])),
            wb.get("InitialContact_LeftRight"),
            start,
            end,
        )
        if not numbers:
            continue  # a walk without a single contact in its span is not a reference
        contacts = tuple(t for t in numbers if t is not None)
        turns = _mat_turns(wb, start, end, _scalar(standard.get("Fs")))
        cadence, stride_length, speed = _bout_values(
            _scalar(wb.get("Cadence")),
            _scalar(wb.get("AverageStrideLength")),
            _scalar(wb.get("WalkingSpeed")),
        )
        bouts.append(
            ReferenceBout(
                start_s=start,
                end_s=end,
                initial_contacts_s=contacts,
                initial_contact_sides=timed_sides(numbers, sides),
                cadence_spm=cadence,
                stride_length_m=stride_length,
                walking_speed_mps=speed,
                untimed_contacts=untimed_gaps(numbers, start, end),
                strides=_mat_strides(wb, contacts, _scalar(standard.get("Fs"))),
                turns_s=turns[0],
                turn_angles_deg=turns[1],
            )
        )
    return Reference(
        bouts=tuple(bouts),
        system=MAT_SYSTEMS[system],
        extra={"bout_level": level},
        covers_bouts_only=system == "Stereophoto",  # the capture volume only
        marks_turns=any(isinstance(wb, dict) and "Turn_Start" in wb for wb in wbs),
    )


def _mat_turns(
    wb: dict[str, Any], start: float, end: float, fs: float | None = None
) -> tuple[tuple[tuple[float, float], ...], tuple[float | None, ...]]:
    """``(start s, end s)`` of each turn in a bout (``Turn_Start``, ``Turn_End``), and angles.

    Seconds in the bundled files; like ``Stride_InitialContacts`` (see :func:`_mat_strides`)
    they could be sample numbers in others, so the unit is the one, seconds or samples at
    ``fs``, in which every turn lies within the bout (to 0.5 s). A bout whose turns fit
    neither gives none: a misplaced turn would misplace contacts in the breakdown. The
    angles (``Turn_Angle``, degrees, positive to the left) are ``None`` where the file gives
    none or not one per turn.
    """
    starts = _numbers(wb.get("Turn_Start", []))
    ends = _numbers(wb.get("Turn_End", []))
    angles = _numbers(wb.get("Turn_Angle", []))
    if len(starts) != len(ends):
        return (), ()
    if len(angles) != len(starts):
        angles = [None] * len(starts)
    kept = [
        (a, b, g)
        for a, b, g in zip(starts, ends, angles, strict=True)
        if a is not None and b is not None
    ]
    for scale in (1.0, 1.0 / fs) if fs else (1.0,):
        scaled = [(a * scale, b * scale) for a, b, _ in kept]
        if all(start - 0.5 <= a <= b <= end + 0.5 for a, b in scaled):
            return tuple(scaled), tuple(g for _, _, g in kept)
    return (), ()


def _mat_strides(
    wb: dict[str, Any], contacts: tuple[float, ...], fs: float | None
) -> tuple[tuple[float, float, float], ...]:
    """``(first contact s, last contact s, length m)`` of each timed stride of a bout.

    ``contacts`` are the bout's timed ``InitialContact_Event`` times, s.

    ``Stride_InitialContacts`` holds each stride's first and last contact, in seconds for the
    motion capture and in samples for INDIP although both files say ``Fs`` 100; the unit is
    the one in which the strides' first contacts are the bout's ``InitialContact_Event``
    times (to 10 ms). Strides with an untimed contact or length are left out, and so is a
    bout whose strides fit neither unit.
    """
    try:
        ics = np.asarray(wb.get("Stride_InitialContacts", []), dtype=float).reshape(-1, 2)
        lengths = np.atleast_1d(np.asarray(wb.get("Stride_Length", []), dtype=float))
    except (TypeError, ValueError):
        return ()
    events = np.asarray(contacts)
    if len(ics) != lengths.size or events.size == 0:
        return ()
    timed = np.isfinite(ics).all(axis=1) & np.isfinite(lengths)
    if not timed.any():
        return ()
    ics, lengths = ics[timed], lengths[timed]
    for scale in (1.0, 1.0 / fs) if fs else (1.0,):
        first = ics[:, 0] * scale
        if np.all(np.min(np.abs(first[:, None] - events[None, :]), axis=1) <= 0.01):
            return tuple(
                (float(a), float(b), float(x))
                for (a, b), x in zip(ics * scale, lengths, strict=True)
            )
    return ()


def bouts_from_contacts(
    contacts_s: list[float],
    *,
    min_stride_s: float = 0.2,
    max_stride_s: float = 3.0,
    max_break_s: float = 3.0,
    min_strides: int = 4,
) -> list[ReferenceBout]:
    """Assemble reference walking bouts from contacts of both feet (Mobilise-D rules).

    A stride joins a contact to the next contact of the same foot (two contacts later in the
    sorted list) and is valid if it lasts 0.2-3.0 s; a bout ends when more than 3 s pass
    between the end of one valid stride and the start of the next; bouts need 4 strides
    (Kluge et al. 2021; mobgap's walking-bout assembly). Cadence per bout is the mean over its
    strides of 120 / stride duration.
    """
    t = sorted(contacts_s)
    strides = [
        (a, b) for a, b in zip(t[:-2], t[2:], strict=True) if min_stride_s <= b - a <= max_stride_s
    ]
    groups: list[list[tuple[float, float]]] = []
    for stride in strides:
        if groups and stride[0] - groups[-1][-1][1] <= max_break_s:
            groups[-1].append(stride)
        else:
            groups.append([stride])
    bouts = []
    for group in groups:
        if len(group) < min_strides:
            continue
        start, end = group[0][0], max(b for _, b in group)
        inside = tuple(x for x in t if start <= x <= end)
        cadence = sum(120.0 / (b - a) for a, b in group) / len(group)
        bouts.append(ReferenceBout(start, end, inside, cadence_spm=cadence))
    return bouts


#: The IPOL protocol's course: walk 10 m, turn, walk the 10 m back (Voisard et al. 2023; the
#: data set's own code takes a trial's walking speed as 20 m over its span).
IPOL_COURSE_M = 20.0
#: The protocol's U-turn: out and back along one line turns the walker through 180 degrees
#: (which way is not marked).
IPOL_UTURN_DEG = 180.0


def load_ipol_reference(
    path: Path,
    sample_rate_hz: float = 100.0,
    first_sample_index: int = 0,
    n_samples: int | None = None,
) -> Reference:
    """Read the IPOL gait-event JSON (Voisard et al. 2023) beside an ``*_lb.txt`` recording.

    Every ``[toe-off, heel-strike]`` pair of either foot gives one initial contact (the
    heel strike, a sample index). The data set marks events, not bouts, so reference bouts are
    assembled from the contacts with the Mobilise-D rules (:func:`bouts_from_contacts`), and, as
    for the Mobilise-D reference, the contacts inside those bouts are the reference contacts
    (a lone step after the walk has stopped is not walking). The data set has no stride length
    or speed. Its ``UTurnBoundaries`` (samples) become the reference's one turn.

    Only the protocol's trial is the reference: ``TrialBoundaries`` (its first event and its
    last heel strike) become :attr:`Reference.window_s`, and contacts outside it are left
    out. The data set marks steps after the trial unevenly: the 6 heel strikes of a turn on
    the spot within 3 s after trial 5-2 joined the walk's bout, while 4 of the 6 steps of a
    turn 3.8 s after trial 4-3 are marked, too few strides for a bout, so that scoring the
    whole file counted the first as misses and the second as extras (docs/validation.md).

    Events are packet numbers (``first_sample_index`` is the recording's first). Where the
    recording's 16-bit counter wraps (``first_sample_index + n_samples`` beyond 65535), an
    event written as the counter showed it after the wrap is read as that later packet (which
    is unambiguous while the recording is shorter than the counter's 65536 packets).

    Raises
    ------
    InvalidInputError
        The file cannot be read, or it cannot be scored without a wrong number: a foot's
        events are missing or empty (its contacts would all count as extras), a pair's
        toe-off does not come before its heel strike (which of the two is the contact is
        then unknown), or, given ``n_samples``, an event lies outside the recording (the
        two do not match, or the recording was cut short of the trial).
    """
    try:
        doc = load_ipol_json(path)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"The reference file {path} cannot be read ({exc}).") from exc
    if not isinstance(doc, dict):
        raise InvalidInputError(
            f"The reference file {path} is not a JSON object with LeftFootEvents and "
            "RightFootEvents; give the data set's metadata file."
        )
    wraps = n_samples is not None and first_sample_index + n_samples > COUNTER_MODULUS

    def index_of(sample: float) -> float:
        """Samples after the recording's first, reading a number below it as after the wrap."""
        i = sample - first_sample_index
        if wraps and i < 0 and n_samples is not None and i + COUNTER_MODULUS < n_samples:
            return i + COUNTER_MODULUS
        return i

    turn = _sample_span(doc.get("UTurnBoundaries"), sample_rate_hz, index_of)
    # the trial in samples for the checks below: seconds times the rate is not always the
    # sample again (2044 / 100 * 100 > 2044), which put a trial ending on the last sample
    # after it
    trial = _sample_span(doc.get("TrialBoundaries"), 1.0, index_of)
    window = None if trial is None else (trial[0] / sample_rate_hz, trial[1] / sample_rate_hz)
    # only what is scored must be right: the trial's events (every event where the file
    # gives no trial); marks after the trial are left out anyway, so a dubious one there
    # does not cost the trial
    scored = (lambda i: True) if trial is None else (lambda i: trial[0] <= i <= trial[1])
    contacts: list[float] = []
    side_of: dict[float, str] = {}
    events: list[float] = []
    for key, side in (("LeftFootEvents", "L"), ("RightFootEvents", "R")):
        pairs = _ipol_pairs(doc.get(key), key, path, lambda v: scored(index_of(v)), index_of)
        # a pair with either event in the trial is the trial's (a swing that starts in it)
        events.extend(
            v
            for pair in pairs
            if any(e is not None and scored(index_of(e)) for e in pair)
            for v in pair
            if v is not None
        )
        times = [index_of(heel_strike) / sample_rate_hz for _, heel_strike in pairs]
        contacts.extend(times)
        side_of.update(dict.fromkeys(times, side))
    if n_samples is not None:
        if trial is not None:  # a recording cut short of its trial
            events.append(trial[1] + first_sample_index)
        _check_within(events, index_of, n_samples, first_sample_index, path)
    contacts.sort()
    in_file = len(contacts)
    if window is not None:
        # the trial ends on its last heel strike: a sample's rounding either side is inside
        contacts = [t for t in contacts if window[0] - 0.015 <= t <= window[1] + 0.015]
    bouts = [
        replace(b, initial_contact_sides=tuple(side_of[t] for t in b.initial_contacts_s))
        for b in bouts_from_contacts(contacts)
    ]
    return Reference(
        bouts=tuple(bouts),
        system="IPOL foot IMUs (hand-checked)",
        extra={"n_contacts_in_file": in_file, "n_contacts_outside_trial": in_file - len(contacts)},
        extra_turns_s=(turn,) if turn else (),
        extra_turn_angles_deg=(IPOL_UTURN_DEG,) if turn else (),
        marks_turns=turn is not None,
        turn_angles_signed=False,
        window_s=window,
        course_m=IPOL_COURSE_M if window is not None else None,
    )


def _ipol_pairs(
    value: Any,
    key: str,
    path: Path,
    scored: Callable[[float], bool],
    index_of: Callable[[float], float],
) -> list[tuple[float | None, float]]:
    """One foot's ``[toe-off, heel-strike]`` sample numbers, checked; a toe-off may be unknown.

    ``index_of`` places a sample number in the recording, for the order of the two; the
    order is checked only for pairs with an event that is ``scored`` (within the trial).
    """
    if isinstance(value, str):  # some copies store the list as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or not value:
        raise InvalidInputError(
            f"The reference file {path} has no {key}, so that foot's contacts would all count "
            "as extras; add its events or leave the trial out."
        )
    pairs = []
    for number, pair in enumerate(value, start=1):
        is_pair = isinstance(pair, list) and len(pair) == 2
        toe_off, heel_strike = (_sample_number(v) for v in pair) if is_pair else (None, None)
        # an unknown toe-off is null, or NaN as Python's json module writes a missing number
        unknown_toe_off = is_pair and (
            pair[0] is None or (isinstance(pair[0], float) and math.isnan(pair[0]))
        )
        if heel_strike is None or (toe_off is None and not unknown_toe_off):
            raise InvalidInputError(
                f"In the reference file {path}, pair {number} of {key}, {json.dumps(pair)}, is "
                "not a [toe-off, heel-strike] pair of sample numbers; correct it."
            )
        if (
            toe_off is not None
            and (scored(toe_off) or scored(heel_strike))
            and index_of(toe_off) >= index_of(heel_strike)
        ):
            raise InvalidInputError(
                f"In the reference file {path}, pair {number} of {key}, {json.dumps(pair)}, has "
                "its toe-off at or after its heel strike, so which is the contact is unknown; "
                "correct the pair."
            )
        pairs.append((toe_off, heel_strike))
    return pairs


def _sample_number(value: Any) -> float | None:
    """``value`` as a finite sample number (a number or numeric text), else ``None``."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_within(
    events: list[float],
    index_of: Callable[[float], float],
    n_samples: int,
    first_sample_index: int,
    path: Path,
) -> None:
    """Raise if an event lies outside the recording's ``n_samples`` samples."""
    last = first_sample_index + n_samples - 1
    early = [v for v in events if index_of(v) < 0]
    late = [v for v in events if index_of(v) > n_samples - 1]
    if late:
        where = f"after the recording's last sample ({last % COUNTER_MODULUS})"
        sample = max(late, key=index_of)
    elif early:
        where = f"before the recording's first sample ({first_sample_index})"
        sample = min(early, key=index_of)
    else:
        return
    raise InvalidInputError(
        f"The reference file {path} marks an event at sample {sample:g}, {where}, so the "
        "events and the recording do not match; give the whole recording or correct the event."
    )


def _sample_span(
    value: Any, sample_rate_hz: float, index_of: Callable[[float], float]
) -> tuple[float, float] | None:
    """``[start, end]`` sample numbers as seconds from the first sample, or ``None``.

    ``None`` also for a span that is not two increasing numbers: the events are the
    reference; a damaged span only loses the window (or the turn) it would have given.
    """
    if not isinstance(value, list) or len(value) != 2:
        return None
    try:
        start, end = (index_of(float(v)) / sample_rate_hz for v in value)
    except (TypeError, ValueError):
        return None
    return (start, end) if math.isfinite(start) and math.isfinite(end) and end > start else None
