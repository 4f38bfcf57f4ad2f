#!/usr/bin/env bash
# Build the pinned neural-tangents reference environment .venv-nt (see requirements-nt.txt
# for why it is separate). Idempotent: exits fast when .venv-nt/.complete records the
# sha256 of the current requirements-nt.txt. On any failure the half-built env is removed,
# so the next run starts clean.
#
#   bash scripts/setup_nt_env.sh            # build or reuse .venv-nt
#   NT_PYTHON=python3.11 bash scripts/setup_nt_env.sh   # (the pins need Python 3.11)
#   NT_ENV_FORCE=1 bash scripts/setup_nt_env.sh   # rebuild even if the stamp matches
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/requirements-nt.txt"
ENV="$ROOT/.venv-nt"
STAMP="$ENV/.complete"
# Python 3.11 for the pins (not the main env's >= 3.12): NT_PYTHON, else python3.11 on
# PATH, else one installed under pyenv.
PYTHON="${NT_PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  for c in python3.11 "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.11*/bin/python3 python3; do
    if "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; then
      PYTHON="$c"; break
    fi
  done
  PYTHON="${PYTHON:-python3}"
fi
NODEPS_RE='^(neural-tangents|tf2jax)=='

log() { printf '[setup_nt_env %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[setup_nt_env] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f "$REQ" ]] || die "missing $REQ"
REQ_SHA="$(sha256sum "$REQ" | cut -d' ' -f1)"

stamp_ok() {
  [[ -f "$STAMP" && -x "$ENV/bin/python" ]] &&
    grep -qx "requirements_sha256=$REQ_SHA" "$STAMP"
}

if [[ -z "${NT_ENV_FORCE:-}" ]] && stamp_ok; then
  log "up to date: $ENV (requirements-nt.txt sha256 ${REQ_SHA:0:12})"
  exit 0
fi

# One builder at a time per checkout (others wait, then usually hit the fast path).
if command -v flock >/dev/null 2>&1; then
  LOCK="${TMPDIR:-/tmp}/setup_nt_env.$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
  exec 9>"$LOCK"
  log "waiting for lock $LOCK"
  flock 9
  if [[ -z "${NT_ENV_FORCE:-}" ]] && stamp_ok; then
    log "up to date (built by a concurrent run): $ENV"
    exit 0
  fi
fi

# Python 3.11: the pins were resolved there (tensorflow-cpu 2.15.1 has no wheel >3.11).
PYVER="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" ||
  die "cannot run '$PYTHON' (set NT_PYTHON=/path/to/python3.11)"
[[ "$PYVER" == "3.11" ]] || die "need Python 3.11 for the pins in requirements-nt.txt, '$PYTHON' is $PYVER (set NT_PYTHON=...)"

BUILD_OK=0
TMPD="$(mktemp -d)"
cleanup() {
  rc=$?
  rm -rf "$TMPD"
  if [[ "$BUILD_OK" != 1 ]]; then
    printf '[setup_nt_env] ERROR: build failed (exit %s); removing half-built %s\n' "$rc" "$ENV" >&2
    rm -rf "$ENV"
    (( rc != 0 )) || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$SECONDS
log "building $ENV with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
rm -rf "$ENV"
"$PYTHON" -m venv "$ENV"
PY="$ENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check --no-input)

# Split the pins: the bulk (normal install, incl. tensorflow-cpu) and the --no-deps pair.
grep -Ev "$NODEPS_RE" "$REQ" > "$TMPD/bulk.txt"
grep -E "$NODEPS_RE" "$REQ" > "$TMPD/nodeps.txt"
[[ "$(wc -l < "$TMPD/nodeps.txt")" -eq 2 ]] || die "requirements-nt.txt must pin neural-tangents and tf2jax"

log "step 1/5: pip install the pinned bulk (tensorflow-cpu, jax, flax, ...)"
"${PIP[@]}" install -r "$TMPD/bulk.txt" || die "pip install of the pinned bulk failed"

log "step 2/5: pip install --no-deps neural-tangents, tf2jax"
"${PIP[@]}" install --no-deps -r "$TMPD/nodeps.txt" || die "pip install --no-deps of neural-tangents/tf2jax failed"

log "step 3/5: consistency checks (before fourier_nn, whose jax/flax floors are not met here by design)"
# The env must be exactly the pins: nothing unpinned pulled in, nothing at another version.
norm() {  # strip comments/blanks, normalize names (PEP 503), keep versions as-is
  sed -E 's/#.*//; s/[[:space:]]+//g; /^$/d' |
    awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }' | sort
}
norm < "$REQ" > "$TMPD/want.txt"
"${PIP[@]}" freeze --all --exclude-editable | grep -Ev '^pip==' | norm > "$TMPD/have.txt"
diff -u "$TMPD/want.txt" "$TMPD/have.txt" > "$TMPD/freeze.diff" || {
  cat "$TMPD/freeze.diff" >&2
  die "installed packages differ from requirements-nt.txt (diff above: - pinned, + installed)"
}
# pip check: the only expected complaints are the undeclared `tensorflow` of NT/tf2jax.
"${PIP[@]}" check > "$TMPD/check.txt" 2>&1 || true
if grep -Ev '^(neural-tangents|tf2jax) [0-9.]+ requires tensorflow, which is not installed\.$' "$TMPD/check.txt" | grep -q .; then
  cat "$TMPD/check.txt" >&2
  die "pip check found unexpected dependency problems"
fi

log "step 4/5: pip install --no-deps -e $ROOT (fourier_nn, as-is)"
# fourier_nn declares Python >= 3.12 for its own env; kernels/ and models.py run on this
# pinned 3.11 + jax 0.4.25 by design (the parity tests prove it), hence the override.
"${PIP[@]}" install --no-deps --no-build-isolation --ignore-requires-python -e "$ROOT" ||
  die "editable install of fourier_nn failed"

log "step 5/5: smoke check"
(
  cd "$TMPD"  # not the repo root: fourier_nn must come from the editable install
  export TF_CPP_MIN_LOG_LEVEL=2
  # (joined with && : `set -e` is off inside a `( ... ) || die` list)
  "$PY" -c "import neural_tangents as nt, jax; print(nt.__version__ if hasattr(nt,'__version__') else 'nt ok', jax.__version__)" &&
  "$PY" - <<'EOF'
import jax, jax.numpy as jnp, numpy as np, neural_tangents as nt
import fourier_nn
from neural_tangents import stax
k = jax.random.split(jax.random.PRNGKey(0), 3)
p = {"W1": jax.random.normal(k[0], (3, 16)), "W2": jax.random.normal(k[1], (16, 1))}
f = lambda p, x: jnp.tanh(x @ p["W1"]) @ p["W2"]
x = jax.random.normal(k[2], (4, 3))
ks = [nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0, implementation=i)(x, None, p) for i in (1, 2, 3)]
for kk in ks[1:]:
    np.testing.assert_allclose(kk, ks[0], rtol=1e-4, atol=1e-4)
kern = stax.serial(stax.Dense(8), stax.Relu(), stax.Dense(1))[2](x, None, ("nngp", "ntk"))
assert kern.nngp.shape == kern.ntk.shape == (4, 4)
print("empirical_ntk_fn implementations 1/2/3 agree; stax kernel_fn ok; fourier_nn from",
      list(fourier_nn.__path__)[0])
EOF
) || die "smoke check failed"

TMPSTAMP="$(mktemp "$ENV/.complete.XXXXXX")"
{
  echo "requirements_sha256=$REQ_SHA"
  echo "python=$("$PY" -c 'import sys; print(sys.version.split()[0])')"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$((SECONDS - START))"
} > "$TMPSTAMP"
mv -f "$TMPSTAMP" "$STAMP"
BUILD_OK=1
log "done in $((SECONDS - START))s: $ENV ($(du -sh "$ENV" | cut -f1))"
