# fourier_nn — every target sets up what it needs.
#   make demo       Rahaman Exp 1 (quick variant, 10 seeds) -> runs/demo/{record, figure.png}
#   make test       the default test suite (+ neural-tangents parity in its pinned env)
#   make test-slow  the long reproductions marked `slow`
#   make nt-parity  build the pinned neural-tangents env (.venv-nt) and run the parity tests
#   make bench      benchmarks (results in benchmarks/BENCHMARKS.md)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export JAX_PLATFORMS ?= cpu

.PHONY: venv demo test test-fast test-slow nt-parity bench clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(PY) scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py:quick --workdir=runs/demo
	$(PY) scripts/plot.py --workdir=runs/demo
	@echo "demo: record in runs/demo, figure runs/demo/figure.png"

test-fast: venv
	$(PY) -m pytest -q -n 2 tests

# The parity tests run in their own pinned environment (neural-tangents does not import
# on current jax); scripts/setup_nt_env.sh builds it on first use (~3 min, 1.9 GB).
nt-parity:
	bash scripts/run_parity.sh

test: test-fast nt-parity

test-slow: venv
	$(PY) -m pytest -q -m slow tests

bench: venv
	$(PY) -m pip install -q "torch==2.13.0" || echo "bench: torch not installed; the PyTorch comparison will be skipped"
	$(PY) benchmarks/bench_exp1.py
	bash scripts/setup_nt_env.sh
	.venv-nt/bin/python benchmarks/bench_ntk.py

clean:
	rm -rf runs .pytest_cache
