# fourier_nn — every target sets up what it needs (Python >= 3.12: scripts/find_python.sh).
#   make demo        Rahaman Exp 1 (quick variant, 10 seeds) -> runs/demo/{record, figure.png}
#   make test        what CI runs: the suite (CPU), the suite again on every dependency's
#                    floor (.venv-floors), and neural-tangents parity (.venv-nt, 1.9 GB)
#   make test-fast   the suite only, in .venv
#   make test-floors the suite in .venv-floors (requirements-floors.txt, the setup.cfg floors)
#   make test-slow   the long reproductions marked `slow`
#   make nt-parity   build the pinned neural-tangents env (.venv-nt) and run the parity tests
#   make bench       benchmarks (results in benchmarks/BENCHMARKS.md)
# The demo and scripts use whatever JAX finds (a GPU if jax[cuda12] is installed); the
# tests always run on the CPU.
PYTHON ?= $(shell bash scripts/find_python.sh)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
FLOORS := .venv-floors
FLOORS_STAMP := $(FLOORS)/.installed-stamp
TEST_ENV := JAX_PLATFORMS=cpu FOURIER_NN_PROGRESS_BAR=0
# JAX's compilation cache for the tests (tests/conftest.py: per worker; not for the floors,
# whose jax 0.5.0 crashed on cached executables)
JAX_CACHE = FOURIER_NN_TEST_JAX_CACHE=$(CURDIR)/.jax-cache/$(1)

.PHONY: venv demo test test-fast test-floors test-slow nt-parity bench clean

# A venv made by an older Python (< 3.12) is rebuilt.
$(STAMP): setup.cfg pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 (see scripts/find_python.sh)"; exit 1; }
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || rm -rf $(VENV)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

$(FLOORS_STAMP): requirements-floors.txt setup.cfg pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 (see scripts/find_python.sh)"; exit 1; }
	@$(FLOORS)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || rm -rf $(FLOORS)
	@test -x $(FLOORS)/bin/python || $(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install -q --upgrade pip
	$(FLOORS)/bin/python -m pip install -q -r requirements-floors.txt
	$(FLOORS)/bin/python -m pip install -q --no-deps -e .
	@touch $(FLOORS_STAMP)

demo: venv
	$(PY) scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py:quick --workdir=runs/demo --overwrite
	$(PY) scripts/plot.py --workdir=runs/demo
	@echo "demo: record in runs/demo, figure runs/demo/figure.png"

test-fast: venv
	$(TEST_ENV) $(call JAX_CACHE,venv) $(PY) -m pytest -q -n 2 tests

# Everything but the tests marked `not_on_floors`: the bad-input matrix beyond one script,
# the notebook executions and the experiment modules (tests/conftest.py
# EXPERIMENT_TEST_MODULES) — the same library code paths again, ~10 minutes on 2 cores.
test-floors: $(FLOORS_STAMP)
	$(TEST_ENV) $(FLOORS)/bin/python -m pytest -q -n 2 -m "not slow and not parity and not not_on_floors" tests

# The parity tests run in their own pinned environment (neural-tangents does not import
# on current jax); scripts/setup_nt_env.sh builds it on first use (~3 min, 1.9 GB).
nt-parity:
	bash scripts/run_parity.sh

test: test-fast test-floors nt-parity

test-slow: venv
	$(TEST_ENV) $(call JAX_CACHE,venv) $(PY) -m pytest -q -m slow tests

bench: venv
	$(PY) -m pip install -q "torch==2.13.0" || echo "bench: torch not installed; the PyTorch comparison will be skipped"
	JAX_PLATFORMS=cpu $(PY) benchmarks/bench_exp1.py
	JAX_PLATFORMS=cpu $(PY) benchmarks/bench_scaling.py
	bash scripts/setup_nt_env.sh
	JAX_PLATFORMS=cpu .venv-nt/bin/python benchmarks/bench_ntk.py

clean:
	rm -rf runs .pytest_cache .jax-cache

# make figures: regenerates docs/figures/ from fresh records of the quick variants
# (records in runs/figures/; ~9 min on the shared 2-core CPU): Exp 1, Cao et al. on S⁹
# with a = (1, 3, 5), the LFP's cubic regime, Basri's deep net on the circle. Paper
# style: PNG at 300 dpi and a vector PDF next to it.
.PHONY: figures
FIGDIR := docs/figures
FIGRUNS := runs/figures
figures: venv
	$(PY) scripts/spectral_bias_1d.py --config=fourier_nn/configs/spectral_bias_1d.py:quick --workdir=$(FIGRUNS)/exp1 --overwrite
	$(PY) scripts/ntk_sphere.py --config=fourier_nn/configs/ntk_sphere.py:amps135,quick --workdir=$(FIGRUNS)/cao_sphere --overwrite
	$(PY) scripts/lfp.py --config=fourier_nn/configs/lfp.py:cubic,quick --workdir=$(FIGRUNS)/lfp_cubic --overwrite
	$(PY) scripts/ntk_circle.py --config=fourier_nn/configs/ntk_circle.py:deep,quick --workdir=$(FIGRUNS)/basri_deep --overwrite
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/exp1 --out=$(FIGDIR)/exp1_quick.png
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/exp1 --out=$(FIGDIR)/exp1_quick.pdf
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/cao_sphere --out=$(FIGDIR)/cao_sphere_amps135.png
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/cao_sphere --out=$(FIGDIR)/cao_sphere_amps135.pdf
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/lfp_cubic --out=$(FIGDIR)/lfp_cubic.png
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/lfp_cubic --out=$(FIGDIR)/lfp_cubic.pdf
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/basri_deep --out=$(FIGDIR)/basri_deep_circle.png
	$(PY) scripts/plot.py --workdir=$(FIGRUNS)/basri_deep --out=$(FIGDIR)/basri_deep_circle.pdf
	@echo "figures: regenerated $(FIGDIR)/ from the records in $(FIGRUNS)/"
