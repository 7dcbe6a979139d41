"""Short fuzz of the device readers: mutated real samples may only raise BackstrideError.

The same mutations as the standalone target ``tests/fuzz/fuzz_devices.py`` (which runs
10,000 inputs per format), about 200 per format here, drawn by hypothesis.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.device_seeds import FORMATS, mutated_input, seeds
from fuzz.fuzz_devices import SUFFIX, main, run_one

SEEDS = seeds()
FUZZ_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("device-fuzz")


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ_SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_mutated_device_files(fuzz_dir: Path, fmt: str, seed: int) -> None:
    assert SEEDS[fmt], f"no seed files for {fmt}"
    content = mutated_input(fmt, SEEDS[fmt], random.Random(seed))
    # run_one raises on anything but a Recording honouring the contract or a BackstrideError.
    assert run_one(fuzz_dir / f"input{SUFFIX[fmt]}", content) in {"read", "rejected"}


def test_fuzz_target_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--runs", "10", "--max-memory-mb", "0", "--crash-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    for fmt in FORMATS:
        assert f"{fmt}: 10 inputs" in out
