"""Runs ``scripts/*.py`` in forked children of one process that has imported the package.

A script's own work before it exits on a bad input takes milliseconds; starting a fresh
Python and importing jax, flax, optax and fourier_nn takes about 2 s. The bad-input matrix
(tests/test_bad_inputs.py: hundreds of runs) would spend nearly all its time importing.
This server imports everything once and forks a child per run, so each run still is a
process of its own: the script's ``__main__`` runs with its own ``sys.argv``, environment,
working directory, absl flag registry (the script defines its flags in the child), exit
status and stderr, exactly as ``python scripts/NAME.py ARGS`` would.

What differs from a fresh interpreter: the modules are already imported. That is safe
because nothing in fourier_nn reads the environment or ``sys.argv`` at import time and no
JAX backend exists before the fork (checked below: a fork after a backend started is
refused, as XLA's threads do not survive it); the child starts the backend after the
script has set ``XLA_FLAGS``, as a fresh process does.

Protocol: one JSON request per line on stdin ``{"script", "args", "env", "cwd"}``; one JSON
reply per line on stdout ``{"returncode", "stdout", "stderr"}``.
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import runpy
import sys
import tempfile
import traceback


def _preload() -> None:
  import matplotlib
  matplotlib.use("Agg")
  import absl.app  # noqa: F401
  import absl.flags  # noqa: F401
  import fourier_nn
  for m in pkgutil.walk_packages(fourier_nn.__path__, "fourier_nn."):
    importlib.import_module(m.name)


def _backends_started() -> bool:
  try:
    from jax._src import xla_bridge
    return bool(getattr(xla_bridge, "_backends", {}))
  except ImportError:  # a jax without that private name: assume the worst
    return True


def _child(req: dict, out_path: str, err_path: str) -> None:
  """In the forked child: run the script as ``__main__`` and exit with its status."""
  code = 1
  try:
    out = os.open(out_path, os.O_WRONLY | os.O_TRUNC)
    err = os.open(err_path, os.O_WRONLY | os.O_TRUNC)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    sys.argv = [req["script"], *req["args"]]
    sys.path[0] = os.path.dirname(os.path.abspath(req["script"]))
    try:
      runpy.run_path(req["script"], run_name="__main__")
      code = 0
    except SystemExit as e:
      if e.code is None:
        code = 0
      elif isinstance(e.code, int):
        code = e.code
      else:
        print(e.code, file=sys.stderr)
        code = 1
    except BaseException:  # what the interpreter does with an uncaught exception
      traceback.print_exc()
      code = 1
  finally:
    try:
      sys.stdout.flush()
      sys.stderr.flush()
    finally:
      os._exit(code)


def _serve() -> None:
  _preload()
  if _backends_started():
    raise SystemExit("script_server: a JAX backend started during the imports; "
                     "forking would be unsafe")
  replies = sys.stdout
  tmp = tempfile.mkdtemp(prefix="script-server-")
  out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
  for line in sys.stdin:
    req = json.loads(line)
    for p in (out_path, err_path):
      open(p, "w").close()
    replies.flush()
    pid = os.fork()
    if pid == 0:
      _child(req, out_path, err_path)
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    with open(out_path, errors="replace") as f:
      out = f.read()
    with open(err_path, errors="replace") as f:
      err = f.read()
    replies.write(json.dumps({"returncode": rc, "stdout": out, "stderr": err}) + "\n")
    replies.flush()


if __name__ == "__main__":
  _serve()
