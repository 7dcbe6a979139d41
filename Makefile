# Two entry points for a fresh machine: `make demo` and `make test`. Each builds .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_RECORDING := data/mobilised-lab/HA-001/data.mat

.PHONY: demo test lint typecheck bench validate fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/backstride analyze $(DEMO_RECORDING) --out-dir demo-output --json demo-output/analysis.json
	$(BIN)/backstride validate data/mobilised-lab --plots demo-output/validation
	bash demo/run-demo.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -q

# At least 10,000 generated or mutated inputs per format; exits non-zero if any reader raises
# anything but BackStride's own errors.
FUZZ_RUNS ?= 10000
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzz_summaries.py --runs $(FUZZ_RUNS)
	$(BIN)/python tests/fuzz/fuzz_devices.py --runs $(FUZZ_RUNS)

validate: $(STAMP)
	$(BIN)/backstride validate data/mobilised-lab --plots validation-plots/mobilised
	$(BIN)/backstride validate ../shared/data/ipol-lumbar --plots validation-plots/ipol
	$(BIN)/backstride validate ../shared/data/oxford-phone-steps

# The benchmark installs mobgap (the comparison) into its own environment so that its
# dependencies never change what `make test` runs against.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_VENV)/.installed

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python bench/bench_analyze.py
	$(BENCH_VENV)/bin/python bench/peer_accuracy.py
	$(BENCH_VENV)/bin/python bench/stride_excursion.py
	$(BENCH_VENV)/bin/python bench/reference_agreement.py
	$(BENCH_VENV)/bin/python bench/slowed_walking.py
	$(BENCH_VENV)/bin/python bench/asymmetric_walking.py
	$(BENCH_VENV)/bin/python bench/prominence_floor.py
	$(BENCH_VENV)/bin/python bench/bench_long_files.py

clean:
	rm -rf $(VENV) .venv-bench .venv-py* demo-output validation-plots .pytest_cache .mypy_cache .ruff_cache
