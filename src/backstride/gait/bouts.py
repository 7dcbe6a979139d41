"""Walking bouts from step candidates: the Mobilise-D assembly rules on a regular rhythm.

Rules (Mobilise-D consensus as implemented in mobgap, Kluge et al. 2021, and EVIDENCE.md §4):

1. A *step* joins two consecutive candidate contacts between ``min_step_s`` (0.25 s) and
   ``max_step_s`` (1.5 s) apart: half of Mobilise-D's 0.2-3.0 s stride-duration range, with a
   floor of 240 steps/min.
2. A step must be part of a *rhythm*: its duration within ``rhythm_tolerance`` (40%) of the
   median of the steps around it (a 5-step window). Isolated impacts (sitting down, a bump)
   do not repeat at a steady interval; walking does (Moe-Nilssen and Helbostad 2004).
3. Runs of rhythmic steps are joined when the pause between them is at most ``max_pause_s``
   (3 s, Mobilise-D's break rule); runs shorter than ``min_run_contacts`` are dropped first
   so that noise does not bridge two walks.
4. The start of a bout is trimmed of contacts whose loading peak is weaker than
   ``edge_relative_prominence`` (25%) of the bout's median: the weight shift that starts a
   walk moves the trunk at a walking-like interval, but without a heel strike's loading.
   The end is not trimmed: the last steps of a walk are real foot contacts that load the
   trunk less because the walker is slowing down.
5. A bout needs at least ``min_strides`` (4) strides, i.e. ``min_strides + 2`` contacts.
   It starts at its first contact and ends at its last, as the Mobilise-D reference does.
6. Two bouts are one walk when a turn fills the pause between them (:func:`join_across_turns`):
   at most one step (``max_step_s``) of the pause, before and after the turn together, is
   not turning. Turning the body round takes steps, and the references count a turn's
   steps as walking, but pivot steps barely load the trunk, so in a slow turn rule 3's
   pause can pass while the walker keeps stepping (docs/validation.md, "A turn that fills
   a pause joins two walks").
7. A walk ends with the steps that stop it (at most ``stopping_steps``, 2, each
   0.7-1.4 of the walk's median step after the one before; searched for by
   :func:`backstride.gait.initial_contacts.find_stopping_steps` where the sensor is on the
   trunk). They are the walk's contacts and steps and its end, but not part of its cadence,
   stride length, speed or trunk measures, which describe its walking, as the Mobilise-D
   reference's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from backstride.gait.initial_contacts import MIN_STEP_S

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BoutRules:
    """Parameters of the bout assembly (see the module docstring for their sources)."""

    min_step_s: float = MIN_STEP_S
    max_step_s: float = 1.5
    rhythm_tolerance: float = 0.4
    max_pause_s: float = 3.0
    min_run_contacts: int = 3
    min_strides: int = 4
    edge_relative_prominence: float = 0.25
    stopping_steps: int = 2
    stopping_window_steps: tuple[float, float] = (0.7, 1.4)


def assemble_bouts(
    contact_s: npt.NDArray[np.float64],
    rules: BoutRules | None = None,
    prominence_mps2: npt.NDArray[np.float64] | None = None,
) -> list[IntArray]:
    """Group candidate contacts into walking bouts.

    Parameters
    ----------
    contact_s
        Sorted candidate contact times, s.
    rules
        Assembly parameters; defaults as documented.
    prominence_mps2
        Loading-peak prominence of each candidate, m/s^2, for trimming weak bout ends.

    Returns
    -------
    list of arrays
        For each bout, the indices into ``contact_s`` of its contacts.
    """
    rules = rules or BoutRules()
    n = contact_s.size
    if n < rules.min_strides + 2:
        return []
    d = np.diff(contact_s)
    plausible = (d >= rules.min_step_s) & (d <= rules.max_step_s)
    # Median of the plausible steps in a centred 5-step window; at the ends of a sequence the
    # window shrinks instead of repeating the edge value, so a first or last step that is much
    # longer than the rhythm (gait initiation, a final shuffle) is not its own reference.
    local = (
        pd.Series(np.where(plausible, d, np.nan))
        .rolling(5, center=True, min_periods=1)
        .median()
        .to_numpy()
    )
    local = np.where(np.isnan(local), d, local)
    rhythmic = plausible & (np.abs(d - local) <= rules.rhythm_tolerance * local)
    # Runs of consecutive rhythmic steps -> (first contact, last contact) index pairs.
    runs: list[tuple[int, int]] = []
    i = 0
    while i < d.size:
        if not rhythmic[i]:
            i += 1
            continue
        j = i
        while j + 1 < d.size and rhythmic[j + 1]:
            j += 1
        if (j + 2 - i) >= rules.min_run_contacts:
            runs.append((i, j + 1))
        i = j + 1
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and contact_s[start] - contact_s[merged[-1][1]] <= rules.max_pause_s:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    bouts = []
    for start, end in merged:
        if prominence_mps2 is not None and end > start:
            floor = rules.edge_relative_prominence * np.median(prominence_mps2[start : end + 1])
            while end > start and prominence_mps2[start] < floor:
                start += 1
        if end - start + 1 >= rules.min_strides + 2:
            bouts.append(np.arange(start, end + 1, dtype=np.int64))
    return bouts


def join_across_turns(
    bouts: list[IntArray],
    contact_s: npt.NDArray[np.float64],
    turn_start_s: npt.NDArray[np.float64],
    turn_end_s: npt.NDArray[np.float64],
    rules: BoutRules | None = None,
) -> list[IntArray]:
    """Join consecutive bouts whose pause a turn fills (rule 6 of the module docstring).

    Parameters
    ----------
    bouts
        Bouts from :func:`assemble_bouts`, in time order: indices into ``contact_s``.
    contact_s
        The candidate contact times the indices refer to, s.
    turn_start_s, turn_end_s
        Turns found without bouts (:func:`backstride.gait.turns.detect_turns`: their size
        and duration limits applied to the whole turn, not the part in a bout), s.
    rules
        Assembly parameters; ``max_step_s`` is how much of the pause may lie outside the turn.

    Returns
    -------
    list of arrays
        The bouts, those joined holding the contacts of both (none added in the pause).
    """
    rules = rules or BoutRules()
    if len(bouts) < 2 or turn_start_s.size == 0:
        return bouts
    last = contact_s[np.array([b[-1] for b in bouts[:-1]])][:, None]
    first = contact_s[np.array([b[0] for b in bouts[1:]])][:, None]
    # per pause and turn: the time of the pause outside the turn, before it and after it
    outside = np.clip(turn_start_s - last, 0, None) + np.clip(first - turn_end_s, 0, None)
    fills = ((turn_start_s < first) & (turn_end_s > last) & (outside <= rules.max_step_s)).any(1)
    out = [bouts[0]]
    for bout, joined in zip(bouts[1:], fills.tolist(), strict=True):
        if joined:
            out[-1] = np.concatenate([out[-1], bout])
        else:
            out.append(bout)
    return out
