"""What the sweep benchmarks share: the validation sets, a patched candidate search, results.

``slowed_walking.py``, ``asymmetric_walking.py`` and ``prominence_floor.py`` each rerun the
validation over the same two sets under one change and write their rows to
``bench/results/`` (not in git).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import backstride.gait.pipeline as pipeline
from backstride.output import json_safe

ROOT = Path(__file__).resolve().parent.parent
#: The IPOL set, read in place (copyleft), and the bundled Mobilise-D lab set.
VALIDATION_ROOTS = (
    ROOT.parent / "shared" / "data" / "ipol-lumbar",
    ROOT / "data" / "mobilised-lab",
)


def present_roots() -> Iterator[Path]:
    """The validation sets that are here; a missing one is named and left out."""
    for root in VALIDATION_ROOTS:
        if root.exists():
            yield root
        else:
            print(f"{root} not found; left out")


@contextmanager
def candidates_with(**kwargs: Any) -> Iterator[None]:
    """Run the pipeline with ``detect_contact_candidates`` given ``kwargs``."""
    original = pipeline.detect_contact_candidates
    pipeline.detect_contact_candidates = functools.partial(original, **kwargs)
    try:
        yield
    finally:
        pipeline.detect_contact_candidates = original


def write_rows(name: str, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to ``bench/results/<name>`` as JSON and say where."""
    path = ROOT / "bench" / "results" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_safe(rows), indent=1) + "\n")
    print(f"wrote {path}")
