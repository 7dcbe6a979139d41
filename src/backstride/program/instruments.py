"""Questionnaires kept as data: items, answer types, scoring, interpretation and licence.

Each instrument is one JSON file (schema ``backstride-instrument/1``). BackStride ships only
instruments that are free to use (``program/instruments/*.json``: the safety screen, the pain
rating, the Patient-Specific Functional Scale and the current-walking questions). A clinic that
holds a licence for another instrument (STarT Back, Oswestry, ...) writes it in the same format
and passes its folder to :func:`load_instruments`; no code changes.

The format, field by field::

    schema        "backstride-instrument/1"
    id            lower-case identifier, also the key of its answers ("pain_nrs")
    title, version, licence, instructions (optional)
    sources       list of citations (at least one)
    items         list of {id, text, label?, required? (default true), urgency?, answer}
    answer        {"type": "boolean"}                       yes = 1, no = 0
                  {"type": "integer", "min": a, "max": b}   a whole number in [a, b]
                  {"type": "number", "min": a, "max": b}    any number in [a, b]
                  {"type": "choice", "options": [{"value": "agree", "score": 1}, ...]}
                  {"type": "activity_ratings", "min_items": 3, "max_items": 5,
                   "min": 0, "max": 10}                     [{"activity": str, "rating": x}]
    scoring       {"method": "sum" | "mean" | "any_yes" | "sum_with_subscale",
                   "items": [ids] (optional; default every item),
                   "subscales": {"name": [ids]} (required by sum_with_subscale)}
    bands         optional, first match wins:
                  [{"label": str, "meaning": str?, "when": {"total": {"min": x, "max": y},
                                                           "<subscale>": {...}}}]
    urgency_levels  optional, most urgent first: [{"id": str, "advice": str}]; an item's
                  ``urgency`` names one of them (used by the safety screen).

Scoring methods: ``sum`` adds the item scores, ``mean`` averages them (every activity rating
counts once), ``any_yes`` counts the "yes" answers and lists them as flagged, and
``sum_with_subscale`` adds them and also adds each subscale's items (STarT Back: total 0-3
low risk; 4 or more with the distress subscale, items 5-9, at 4 or more high, else medium;
EVIDENCE §3).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from backstride.exceptions import InputNotFoundError, InvalidInputError

SCHEMA = "backstride-instrument/1"
ANSWER_TYPES = ("boolean", "integer", "number", "choice", "activity_ratings")
SCORING_METHODS = ("sum", "mean", "any_yes", "sum_with_subscale")
TOTAL = "total"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class AnswerSpec:
    """What an item accepts.

    Attributes
    ----------
    type
        One of :data:`ANSWER_TYPES`.
    min, max
        Range of an ``integer`` or ``number`` answer, or of each activity rating.
    options
        ``choice`` answers: ``(value, score)`` pairs.
    min_items, max_items
        ``activity_ratings``: how many activities may be named.
    """

    type: str
    min: float | None = None
    max: float | None = None
    options: tuple[tuple[str, float], ...] = ()
    min_items: int | None = None
    max_items: int | None = None

    def describe(self) -> str:
        """The expected answer in words, for error messages."""
        if self.type == "boolean":
            return "true (yes) or false (no)"
        if self.type == "integer":
            return f"a whole number from {_num(self.min)} to {_num(self.max)}"
        if self.type == "number":
            return f"a number from {_num(self.min)} to {_num(self.max)}"
        if self.type == "choice":
            return "one of " + ", ".join(repr(value) for value, _ in self.options)
        return (
            f"a list of {self.min_items} to {self.max_items} activities, each "
            f'{{"activity": name, "rating": {_num(self.min)}-{_num(self.max)}}}'
        )


@dataclass(frozen=True)
class Item:
    """One question of an instrument.

    Attributes
    ----------
    id
        Identifier, the key of its answer.
    text
        The question as the person reads it.
    label
        A short plain name (used in reasons: "numbness in the saddle area").
    answer
        What the item accepts.
    required
        Whether an answer must be given.
    urgency
        Safety screens: the id of the urgency level a "yes" triggers.
    """

    id: str
    text: str
    label: str
    answer: AnswerSpec
    required: bool = True
    urgency: str | None = None


@dataclass(frozen=True)
class Band:
    """An interpretation band: ``label`` applies when every score is within its range.

    Attributes
    ----------
    label
        Short name of the band ("low risk").
    meaning
        What it means, in plain words.
    when
        ``(score name, min or None, max or None)`` conditions; ``total`` or a subscale name.
    """

    label: str
    meaning: str
    when: tuple[tuple[str, float | None, float | None], ...]

    def matches(self, scores: Mapping[str, float]) -> bool:
        """Whether every condition holds for ``scores``."""
        for name, low, high in self.when:
            value = scores[name]
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True


@dataclass(frozen=True)
class UrgencyLevel:
    """What to do when a safety item is answered "yes" (``advice`` in plain words)."""

    id: str
    advice: str


@dataclass(frozen=True)
class Scoring:
    """How answers become scores (see the module docstring for the methods)."""

    method: str
    items: tuple[str, ...]
    subscales: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Instrument:
    """A questionnaire loaded from its JSON file.

    Attributes
    ----------
    id, title, version
        Identity; ``id`` is also the key of its answers.
    licence
        Who owns it and on what terms it may be used.
    sources
        Citations.
    instructions
        What the person is told before the questions.
    items
        The questions, in order.
    scoring
        How the answers are scored.
    bands
        Interpretation bands, first match wins.
    urgency_levels
        For safety screens, most urgent first.
    origin
        The file it came from.
    """

    id: str
    title: str
    version: str
    licence: str
    sources: tuple[str, ...]
    instructions: str
    items: tuple[Item, ...]
    scoring: Scoring
    bands: tuple[Band, ...] = ()
    urgency_levels: tuple[UrgencyLevel, ...] = ()
    origin: str = ""

    def item(self, item_id: str) -> Item:
        """The item called ``item_id``."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise InvalidInputError(f"The instrument {self.id} has no item called {item_id!r}.")

    def score(self, answers: Mapping[str, Any]) -> InstrumentScore:
        """Validate ``answers`` (``{item id: answer}``) and score them.

        Raises
        ------
        InvalidInputError
            An answer is missing, of the wrong type or out of range, or names no item.
        """
        return score_instrument(self, answers)


@dataclass(frozen=True)
class InstrumentScore:
    """The scored answers to one instrument.

    Attributes
    ----------
    instrument_id
        Which instrument.
    total
        The total score (sum, mean or count of "yes" answers).
    subscales
        Subscale scores by name.
    band, band_meaning
        The interpretation band that matched, if the instrument has bands.
    flagged
        ``any_yes`` instruments: the items answered "yes", in instrument order.
    answers
        The validated answers by item id (activity ratings as ``(activity, rating)`` pairs).
    """

    instrument_id: str
    total: float
    subscales: Mapping[str, float] = field(default_factory=dict, hash=False)
    band: str | None = None
    band_meaning: str | None = None
    flagged: tuple[str, ...] = ()
    answers: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# -- Parsing and the schema check -----------------------------------------------------------


class _Checker:
    """Reads one instrument's JSON, raising a one-sentence error naming the file and field."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, problem: str) -> InvalidInputError:
        return InvalidInputError(
            f"The instrument file {self.origin} is not valid: {where} {problem}; "
            f"see backstride.program.instruments for the format."
        )

    def get(self, data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        if key not in data:
            raise self.fail(f"{where}{key}", "is missing")
        value = data[key]
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(f"{where}{key}", "must be a number")
            if not math.isfinite(value):
                raise self.fail(f"{where}{key}", "must be a finite number")
            return float(value)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(f"{where}{key}", "must be a whole number")
        if not isinstance(value, kind):
            raise self.fail(f"{where}{key}", f"must be a {_KIND_NAMES[kind]}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(f"{where}{key}", "must not be empty")
        return value

    def opt(self, data: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
        return self.get(data, key, kind, where) if key in data else default

    def ident(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value: str = self.get(data, key, str, where)
        if not _ID.match(value):
            raise self.fail(f"{where}{key}", "must be lower-case letters, digits and underscores")
        return value


_KIND_NAMES = {str: "text", list: "list", dict: "JSON object", bool: "true or false"}


def _parse_answer(check: _Checker, data: Mapping[str, Any], where: str) -> AnswerSpec:
    kind = check.get(data, "type", str, where)
    if kind not in ANSWER_TYPES:
        raise check.fail(f"{where}type", f"must be one of {', '.join(ANSWER_TYPES)}")
    if kind == "boolean":
        return AnswerSpec(type=kind)
    if kind == "choice":
        options = check.get(data, "options", list, where)
        if len(options) < 2:
            raise check.fail(f"{where}options", "must list at least two options")
        pairs = []
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                raise check.fail(f"{where}options[{i}]", "must be a JSON object")
            pairs.append(
                (
                    check.get(option, "value", str, f"{where}options[{i}]."),
                    check.get(option, "score", float, f"{where}options[{i}]."),
                )
            )
        if len({value for value, _ in pairs}) != len(pairs):
            raise check.fail(f"{where}options", "must not repeat a value")
        return AnswerSpec(type=kind, options=tuple(pairs))
    low = check.get(data, "min", float, where)
    high = check.get(data, "max", float, where)
    if low > high:
        raise check.fail(f"{where}min", "must not be above max")
    if kind in ("integer", "number"):
        return AnswerSpec(type=kind, min=low, max=high)
    min_items = check.get(data, "min_items", int, where)
    max_items = check.get(data, "max_items", int, where)
    if not 1 <= min_items <= max_items:
        raise check.fail(f"{where}min_items", "must be at least 1 and not above max_items")
    return AnswerSpec(type=kind, min=low, max=high, min_items=min_items, max_items=max_items)


def _parse_bands(check: _Checker, raw: list[Any], score_names: set[str]) -> tuple[Band, ...]:
    bands = []
    for i, entry in enumerate(raw):
        where = f"bands[{i}]."
        if not isinstance(entry, dict):
            raise check.fail(f"bands[{i}]", "must be a JSON object")
        when = check.get(entry, "when", dict, where)
        conditions = []
        for name, limits in when.items():
            if name not in score_names:
                raise check.fail(
                    f"{where}when.{name}", f"must name one of {', '.join(sorted(score_names))}"
                )
            if not isinstance(limits, dict) or not set(limits) <= {"min", "max"} or not limits:
                raise check.fail(f"{where}when.{name}", 'must be {"min": x} and/or {"max": y}')
            conditions.append(
                (
                    name,
                    check.opt(limits, "min", float, f"{where}when.{name}.", None),
                    check.opt(limits, "max", float, f"{where}when.{name}.", None),
                )
            )
        bands.append(
            Band(
                label=check.get(entry, "label", str, where),
                meaning=check.opt(entry, "meaning", str, where, ""),
                when=tuple(conditions),
            )
        )
    return tuple(bands)


def parse_instrument(data: Any, origin: str = "<memory>") -> Instrument:
    """Check an instrument's JSON content against the schema and build the Instrument.

    Parameters
    ----------
    data
        The parsed JSON (a mapping).
    origin
        Where it came from, named in error messages.

    Raises
    ------
    InvalidInputError
        One sentence naming the file, the field and what is wrong with it.
    """
    check = _Checker(origin)
    if not isinstance(data, dict):
        raise check.fail("the top level", "must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise check.fail("schema", f'must be "{SCHEMA}"')
    urgency_levels = []
    for i, level in enumerate(check.opt(data, "urgency_levels", list, "", [])):
        if not isinstance(level, dict):
            raise check.fail(f"urgency_levels[{i}]", "must be a JSON object")
        urgency_levels.append(
            UrgencyLevel(
                id=check.ident(level, "id", f"urgency_levels[{i}]."),
                advice=check.get(level, "advice", str, f"urgency_levels[{i}]."),
            )
        )
    urgency_ids = {level.id for level in urgency_levels}

    raw_items = check.get(data, "items", list, "")
    if not raw_items:
        raise check.fail("items", "must list at least one item")
    items: list[Item] = []
    for i, raw in enumerate(raw_items):
        where = f"items[{i}]."
        if not isinstance(raw, dict):
            raise check.fail(f"items[{i}]", "must be a JSON object")
        answer = check.get(raw, "answer", dict, where)
        urgency = check.opt(raw, "urgency", str, where, None)
        if urgency is not None and urgency not in urgency_ids:
            raise check.fail(f"{where}urgency", "must name one of the urgency_levels")
        text = check.get(raw, "text", str, where)
        items.append(
            Item(
                id=check.ident(raw, "id", where),
                text=text,
                label=check.opt(raw, "label", str, where, text),
                answer=_parse_answer(check, answer, f"{where}answer."),
                required=check.opt(raw, "required", bool, where, True),
                urgency=urgency,
            )
        )
    item_ids = [item.id for item in items]
    if len(set(item_ids)) != len(item_ids):
        raise check.fail("items", "must not repeat an id")

    raw_scoring = check.get(data, "scoring", dict, "")
    method = check.get(raw_scoring, "method", str, "scoring.")
    if method not in SCORING_METHODS:
        raise check.fail("scoring.method", f"must be one of {', '.join(SCORING_METHODS)}")
    scored = tuple(check.opt(raw_scoring, "items", list, "scoring.", item_ids))
    unknown = [i for i in scored if i not in item_ids]
    if unknown or not scored:
        raise check.fail("scoring.items", "must list item ids of this instrument")
    by_id = {item.id: item for item in items}
    if method == "any_yes" and any(by_id[i].answer.type != "boolean" for i in scored):
        raise check.fail("scoring.method", "any_yes needs every scored item to be boolean")
    subscales: list[tuple[str, tuple[str, ...]]] = []
    raw_subscales = check.opt(raw_scoring, "subscales", dict, "scoring.", {})
    for name, ids in raw_subscales.items():
        if not _ID.match(name) or name == TOTAL:
            raise check.fail(f"scoring.subscales.{name}", "must be a lower-case identifier")
        if not isinstance(ids, list) or not ids or any(i not in scored for i in ids):
            raise check.fail(f"scoring.subscales.{name}", "must list scored item ids")
        subscales.append((name, tuple(ids)))
    if method == "sum_with_subscale" and not subscales:
        raise check.fail("scoring.subscales", "is needed by sum_with_subscale")
    scoring = Scoring(method=method, items=scored, subscales=tuple(subscales))

    score_names = {TOTAL, *(name for name, _ in subscales)}
    return Instrument(
        id=check.ident(data, "id", ""),
        title=check.get(data, "title", str, ""),
        version=check.get(data, "version", str, ""),
        licence=check.get(data, "licence", str, ""),
        sources=_strings(check, check.get(data, "sources", list, ""), "sources"),
        instructions=check.opt(data, "instructions", str, "", ""),
        items=tuple(items),
        scoring=scoring,
        bands=_parse_bands(check, check.opt(data, "bands", list, "", []), score_names),
        urgency_levels=tuple(urgency_levels),
        origin=origin,
    )


def _strings(check: _Checker, values: list[Any], where: str) -> tuple[str, ...]:
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise check.fail(where, "must be a list of at least one non-empty text")
    return tuple(values)


def load_instrument_file(path: Path) -> Instrument:
    """Read and check one instrument JSON file.

    Raises
    ------
    InputNotFoundError
        The file does not exist.
    InvalidInputError
        It is not JSON or does not follow the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"The instrument file {path} does not exist.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"The instrument file {path} is not valid JSON ({error.__class__.__name__})."
        ) from None
    return parse_instrument(data, str(path))


@lru_cache(maxsize=1)
def _shipped() -> tuple[Instrument, ...]:
    folder = resources.files("backstride.program").joinpath("instruments")
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    return tuple(
        parse_instrument(json.loads(entry.read_text(encoding="utf-8")), f"backstride:{entry.name}")
        for entry in entries
    )


def load_instruments(extra_dirs: Sequence[Path] = ()) -> Mapping[str, Instrument]:
    """The shipped instruments plus every ``*.json`` instrument in ``extra_dirs``.

    Parameters
    ----------
    extra_dirs
        Folders of a clinic's own (for example licensed) instruments, read in name order.

    Returns
    -------
    Mapping[str, Instrument]
        Read-only, by instrument id.

    Raises
    ------
    InputNotFoundError
        A folder does not exist.
    InvalidInputError
        A file does not follow the schema, or two files define the same id.
    """
    found: dict[str, Instrument] = {}
    loaded = list(_shipped())
    for folder in extra_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputNotFoundError(f"The instrument folder {folder} does not exist.")
        loaded.extend(load_instrument_file(path) for path in sorted(folder.glob("*.json")))
    for instrument in loaded:
        if instrument.id in found:
            raise InvalidInputError(
                f"Two instrument files define {instrument.id!r} ({found[instrument.id].origin} "
                f"and {instrument.origin}); rename or remove one."
            )
        found[instrument.id] = instrument
    return MappingProxyType(found)


# -- Answering and scoring ------------------------------------------------------------------


def _bad(instrument: Instrument, item: Item, got: Any) -> InvalidInputError:
    shown = repr(got) if isinstance(got, str) else f"{got}"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return InvalidInputError(
        f"The answer to {instrument.id}.{item.id} must be {item.answer.describe()}; got {shown}."
    )


def _number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is not a number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _in_range(spec: AnswerSpec, value: float) -> bool:
    return (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max)


def validate_answer(instrument: Instrument, item: Item, raw: Any) -> tuple[Any, tuple[float, ...]]:
    """Check one answer; return its clean value and the score(s) it contributes.

    Raises
    ------
    InvalidInputError
        Wrong type or out of range, in one sentence.
    """
    spec = item.answer
    if spec.type == "boolean":
        if not isinstance(raw, bool):
            raise _bad(instrument, item, raw)
        return raw, (1.0 if raw else 0.0,)
    if spec.type == "choice":
        for value, score in spec.options:
            if raw == value:
                return value, (score,)
        raise _bad(instrument, item, raw)
    if spec.type in ("integer", "number"):
        number = _number(raw)
        if (
            number is None
            or not _in_range(spec, number)
            or (spec.type == "integer" and not number.is_integer())
        ):
            raise _bad(instrument, item, raw)
        return (int(number) if spec.type == "integer" else number), (number,)
    # activity_ratings
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise _bad(instrument, item, raw)
    assert spec.min_items is not None and spec.max_items is not None
    if not spec.min_items <= len(raw) <= spec.max_items:
        raise InvalidInputError(
            f"The answer to {instrument.id}.{item.id} must name {spec.min_items} to "
            f"{spec.max_items} activities; got {len(raw)}."
        )
    pairs = []
    for entry in raw:
        if not isinstance(entry, Mapping) or set(entry) != {"activity", "rating"}:
            raise _bad(instrument, item, entry)
        name, rating = entry["activity"], _number(entry["rating"])
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError(
                f"Each activity in {instrument.id}.{item.id} needs a name, such as "
                f"'walking uphill for 20 minutes'."
            )
        if rating is None or not _in_range(spec, rating):
            raise InvalidInputError(
                f"The rating of {name.strip()!r} in {instrument.id}.{item.id} must be a number "
                f"from {_num(spec.min)} to {_num(spec.max)}; got {entry['rating']}."
            )
        pairs.append((name.strip(), rating))
    if len({name.casefold() for name, _ in pairs}) != len(pairs):
        raise InvalidInputError(
            f"The activities in {instrument.id}.{item.id} must be different from each other."
        )
    return tuple(pairs), tuple(rating for _, rating in pairs)


def score_instrument(instrument: Instrument, answers: Mapping[str, Any]) -> InstrumentScore:
    """Validate answers to ``instrument`` and score them.

    Parameters
    ----------
    instrument
        The questionnaire.
    answers
        ``{item id: answer}``; optional items may be left out (or ``None``).

    Returns
    -------
    InstrumentScore
        Total, subscales, matching band and, for ``any_yes``, the items answered "yes".

    Raises
    ------
    InvalidInputError
        Answers are not a mapping, name an unknown item, miss a required item, or are of the
        wrong type or out of range (one sentence each).
    """
    if not isinstance(answers, Mapping):
        raise InvalidInputError(
            f"The answers to {instrument.id} must be a JSON object of item id to answer."
        )
    known = {item.id for item in instrument.items}
    for key in answers:
        if key not in known:
            raise InvalidInputError(f"The instrument {instrument.id} has no item called {key!r}.")
    clean: dict[str, Any] = {}
    item_scores: dict[str, tuple[float, ...]] = {}
    for item in instrument.items:
        raw = answers.get(item.id)
        if raw is None:
            if item.required:
                raise InvalidInputError(
                    f"The answer to {instrument.id}.{item.id} ({item.label}) is missing."
                )
            continue
        clean[item.id], item_scores[item.id] = validate_answer(instrument, item, raw)

    scoring = instrument.scoring
    values = [v for i in scoring.items for v in item_scores.get(i, ())]
    if scoring.method == "mean":
        if not values:
            raise InvalidInputError(f"The answers to {instrument.id} have nothing to score.")
        total = sum(values) / len(values)
    else:
        total = float(sum(values))
    subscales = {
        name: float(sum(v for i in ids for v in item_scores.get(i, ())))
        for name, ids in scoring.subscales
    }
    flagged: tuple[str, ...] = ()
    if scoring.method == "any_yes":
        flagged = tuple(i for i in scoring.items if clean.get(i) is True)
    band = next((b for b in instrument.bands if b.matches({TOTAL: total, **subscales})), None)
    return InstrumentScore(
        instrument_id=instrument.id,
        total=total,
        subscales=subscales,
        band=band.label if band else None,
        band_meaning=band.meaning if band else None,
        flagged=flagged,
        answers=clean,
    )
