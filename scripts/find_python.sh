#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 (current jax needs it): $PYTHON if set, else the
# first of python3.13, python3.12, python3 on PATH that runs and is new enough, else one
# installed under pyenv. Exits 1 with one line saying what to install if there is none.
set -uo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  if ok "$PYTHON"; then command -v "$PYTHON"; exit 0; fi
  echo "find_python: PYTHON=$PYTHON is not a Python >= 3.12" >&2; exit 1
fi
for c in python3.12 python3.13 python3; do
  if command -v "$c" >/dev/null 2>&1 && ok "$c"; then command -v "$c"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in "$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3; do
  if [ -x "$p" ] && ok "$p"; then echo "$p"; exit 0; fi
done
echo "find_python: no Python >= 3.12 found; install one (e.g. pyenv install 3.12) or set PYTHON=" >&2
exit 1
