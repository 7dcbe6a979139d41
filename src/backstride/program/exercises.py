"""Core exercises: glute bridge, bird-dog, plank and side plank, in five progressive stages.

DESIGN.md pairs walking with these four exercises 2-3 times a week, and WHO 2020 advises
muscle strengthening on 2 or more days; neither gives doses. The sets, repetitions and hold
times below are therefore a project default (unconfirmed): few repetitions and short holds to
start, built up slowly, from easier variants (knees down) to harder ones. A physiotherapist
may change them; the review moves one stage at a time (see
:func:`backstride.program.review.review_week`).
"""

from __future__ import annotations

from dataclasses import dataclass

from backstride.exceptions import InvalidInputError
from backstride.program.constants import (
    CORE_DAYS_EARLY,
    CORE_DAYS_LATER,
    CORE_THREE_DAYS_FROM_STAGE,
)

GLUTE_BRIDGE = "glute bridge"
BIRD_DOG = "bird-dog"
PLANK = "plank"
SIDE_PLANK = "side plank"
CORE_EXERCISE_NAMES = (GLUTE_BRIDGE, BIRD_DOG, PLANK, SIDE_PLANK)

KNEES = "from your knees"
TOES = "from your toes"
KNEES_BENT = "with knees bent"
LEGS_STRAIGHT = "with legs straight"

#: Dose per stage as (sets, repetitions or None for a single hold, hold seconds, variant).
#: Project default, unconfirmed (see the module docstring).
CORE_STAGES: tuple[dict[str, tuple[int, int | None, int, str]], ...] = (
    {
        GLUTE_BRIDGE: (2, 8, 3, ""),
        BIRD_DOG: (2, 5, 5, ""),
        PLANK: (3, None, 10, KNEES),
        SIDE_PLANK: (2, None, 10, KNEES_BENT),
    },
    {
        GLUTE_BRIDGE: (2, 10, 3, ""),
        BIRD_DOG: (2, 6, 8, ""),
        PLANK: (3, None, 15, KNEES),
        SIDE_PLANK: (2, None, 15, KNEES_BENT),
    },
    {
        GLUTE_BRIDGE: (3, 10, 5, ""),
        BIRD_DOG: (3, 6, 10, ""),
        PLANK: (3, None, 10, TOES),
        SIDE_PLANK: (3, None, 20, KNEES_BENT),
    },
    {
        GLUTE_BRIDGE: (3, 12, 5, ""),
        BIRD_DOG: (3, 8, 10, ""),
        PLANK: (3, None, 20, TOES),
        SIDE_PLANK: (2, None, 10, LEGS_STRAIGHT),
    },
    {
        GLUTE_BRIDGE: (3, 15, 5, ""),
        BIRD_DOG: (3, 10, 10, ""),
        PLANK: (3, None, 30, TOES),
        SIDE_PLANK: (3, None, 20, LEGS_STRAIGHT),
    },
)
LAST_CORE_STAGE = len(CORE_STAGES) - 1

#: Days (offsets from the week's first day) for 2 and 3 core sessions: never two days running,
#: so the muscles recover in between.
CORE_DAY_OFFSETS = {2: (1, 4), 3: (1, 3, 5)}

_PER_SIDE = {GLUTE_BRIDGE: False, BIRD_DOG: True, PLANK: False, SIDE_PLANK: True}

_HOW = {
    GLUTE_BRIDGE: (
        "Lie on your back, knees bent, feet flat and hip-width apart. Lightly draw in your "
        "lower tummy, squeeze your buttocks and lift your hips until your knees, hips and "
        "shoulders are in a line. Hold, then lower slowly, one part of your back at a time. "
        "Keep breathing."
    ),
    BIRD_DOG: (
        "On hands and knees, hands under shoulders and knees under hips, back flat. Slowly "
        "reach one arm forward and the opposite leg back until both are level with your body, "
        "without letting your back sag or your hips twist. Hold, come back, then switch sides."
    ),
    PLANK: (
        "Forearms on the floor, elbows under shoulders. Lift your body {variant} so it makes a "
        "straight line from your head down; squeeze your buttocks and lightly draw in your "
        "tummy so your hips neither sag nor lift. Breathe steadily while you hold."
    ),
    SIDE_PLANK: (
        "Lie on your side, elbow under your shoulder, {variant}. Lift your hips so your body "
        "makes a straight line from head to knees or feet, and hold without rolling forward "
        "or back. Lower gently, then do the other side."
    ),
}

_SAFETY = " Stop if it causes sharp pain or pain spreading down your leg; effort is fine."


@dataclass(frozen=True)
class CoreExercise:
    """One core exercise at one stage.

    Attributes
    ----------
    name
        One of :data:`CORE_EXERCISE_NAMES`.
    sets
        Number of sets.
    reps
        Repetitions per set (per side where ``per_side``), or None for a single hold.
    hold_s
        Seconds to hold each repetition (or the hold itself).
    per_side
        Whether reps or holds are done on each side.
    variant
        Easier or harder form ("from your knees"); empty for the standard form.
    instructions
        How to do it, in plain words, with the safety note.
    progression
        What the next stage asks, or that this is the last stage.
    """

    name: str
    sets: int
    reps: int | None
    hold_s: int
    per_side: bool
    variant: str
    instructions: str
    progression: str

    @property
    def dose(self) -> str:
        """The dose in words: ``2 sets of 5 each side, holding 5 s``."""
        return _dose(self.name, (self.sets, self.reps, self.hold_s, self.variant))


def _dose(name: str, dose: tuple[int, int | None, int, str]) -> str:
    sets, reps, hold_s, variant = dose
    side = " each side" if _PER_SIDE[name] else ""
    if reps is None:
        text = f"{sets} holds of {hold_s} s{side}"
    else:
        text = f"{sets} sets of {reps}{side}, holding {hold_s} s each time"
    return f"{text} ({variant})" if variant else text


def core_days(stage: int) -> tuple[int, ...]:
    """Day offsets of the core sessions at ``stage`` (2 a week early on, then 3)."""
    count = CORE_DAYS_LATER if stage >= CORE_THREE_DAYS_FROM_STAGE else CORE_DAYS_EARLY
    return CORE_DAY_OFFSETS[count]


def core_exercises(stage: int) -> tuple[CoreExercise, ...]:
    """The four core exercises at ``stage`` (0 to :data:`LAST_CORE_STAGE`).

    Raises
    ------
    InvalidInputError
        The stage does not exist.
    """
    if not 0 <= stage <= LAST_CORE_STAGE:
        raise InvalidInputError(f"Core stages go from 0 to {LAST_CORE_STAGE}; got {stage}.")
    exercises = []
    for name in CORE_EXERCISE_NAMES:
        sets, reps, hold_s, variant = CORE_STAGES[stage][name]
        if stage == LAST_CORE_STAGE:
            progression = "This is the last stage: keep it up."
        else:
            progression = (
                f"Next stage, once this feels steady: {_dose(name, CORE_STAGES[stage + 1][name])}."
            )
        exercises.append(
            CoreExercise(
                name=name,
                sets=sets,
                reps=reps,
                hold_s=hold_s,
                per_side=_PER_SIDE[name],
                variant=variant,
                instructions=_HOW[name].format(variant=variant) + _SAFETY,
                progression=progression,
            )
        )
    return tuple(exercises)
