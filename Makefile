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
