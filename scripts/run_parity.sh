#!/usr/bin/env bash
# neural-tangents parity tests: build (or reuse) the pinned .venv-nt, then run the tests
# marked `parity` there (see requirements-nt.txt and tests/test_parity_nt.py).
#
#   bash scripts/run_parity.sh          # what `make nt-parity` runs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup_nt_env.sh
TF_CPP_MIN_LOG_LEVEL=2 JAX_PLATFORMS=cpu .venv-nt/bin/python -m pytest -q -n 2 -m parity \
  -p no:cacheprovider tests/test_parity_nt.py "$@"
