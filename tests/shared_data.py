"""Files read in place from ``../shared/data``: skipped where absent, a failure in CI.

Copyleft data (the IPOL set, the ActiGraph samples) is never copied into the repository, so
the tests that need it read it beside the checkout, where CI has it too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(path: Path) -> Path:
    """``path`` if it exists; else skip the test, or fail it where ``CI`` is set."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI must have ../shared beside the checkout")
        pytest.skip(f"{path} is not available (../shared/data is read in place)")
    return path
