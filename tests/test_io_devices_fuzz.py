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


@settings(max_examples=40, deadline=None, database=None)
@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    rate_code=st.sampled_from([None, 0, 1, 0x40]),
)
def test_mutated_axivity_files_read_in_parts(
    fuzz_dir: Path, seed: int, rate_code: int | None
) -> None:
    """A long-file read (open_parts, analyze_parts) of a mutated file: only BackstrideError."""
    from backstride.exceptions import BackstrideError
    from backstride.gait.pipeline import AnalysisParameters, analyze_parts
    from backstride.io import open_parts

    rng = random.Random(seed)
    content = bytearray(mutated_input("axivity_cwa", SEEDS["axivity_cwa"], rng))
    if rate_code is not None and len(content) > 36:
        content[36] = rate_code  # a header rate that makes a short file look long
    path = fuzz_dir / "parts.cwa"
    path.write_bytes(bytes(content))
    try:
        parts = open_parts(path, longer_than_s=60.0)
        if parts is not None:
            result = analyze_parts(parts, AnalysisParameters(window_s=120.0))
            assert result.summary["walking_s"] <= parts.info.duration_s + 1
    except BackstrideError:
        pass


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("geneactiv_bin", ".bin"), ("actigraph_gt3x", ".gt3x")]
)
@settings(max_examples=40, deadline=None, database=None)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_mutated_files_read_in_parts(fuzz_dir: Path, fmt: str, suffix: str, seed: int) -> None:
    """The same for GENEActiv and ActiGraph files read in parts (the seeds are short: the
    threshold is set below their length so that they take the parts path)."""
    from backstride.exceptions import BackstrideError
    from backstride.gait.pipeline import AnalysisParameters, analyze_parts
    from backstride.io import open_parts

    path = fuzz_dir / f"parts{suffix}"
    path.write_bytes(mutated_input(fmt, SEEDS[fmt], random.Random(seed)))
    try:
        parts = open_parts(path, longer_than_s=5.0)
        if parts is not None:
            result = analyze_parts(parts, AnalysisParameters(window_s=10.0))
            assert result.summary["walking_s"] <= parts.info.duration_s + 1
    except BackstrideError:
        pass
