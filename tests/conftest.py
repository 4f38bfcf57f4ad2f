"""Test-wide settings: CPU, and no silent rank promotion (as neural-tangents' tests do);
the shared fixture that runs a script as a user would."""
import os
import subprocess
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The scripts the tests start run on one CPU device, so their numbers are those of the
# in-process runs they are compared with; tests/test_sharding.py sets its own layouts.
os.environ.setdefault("FOURIER_NN_HOST_DEVICES", "1")

# `make test*` sets FOURIER_NN_TEST_JAX_CACHE: JAX's persistent compilation cache, one
# directory per xdist worker (JAX's cache takes no lock without the `filelock` package, so
# two processes must not share one), inherited by the scripts the tests start. Many tests
# compile the same small programs again (every `train_seeds` call builds new closures);
# with the cache test_train.py ran in 60 s instead of 151 s. It only skips recompiling:
# the executables, and so the numbers, are the same. Not below jax 0.6: on the floor
# (jax 0.5.0) executables loaded from the cache crashed the resume tests (segfault) and
# broke an exact-symmetry check, so `make test-floors` compiles everything afresh.
import importlib.metadata  # noqa: E402


def _jax_at_least(major: int, minor: int) -> bool:
  try:
    return tuple(int(p) for p in importlib.metadata.version("jax").split(".")[:2]) >= (major, minor)
  except (importlib.metadata.PackageNotFoundError, ValueError):
    return False


if os.environ.get("FOURIER_NN_TEST_JAX_CACHE") and _jax_at_least(0, 6):
  os.environ["JAX_COMPILATION_CACHE_DIR"] = os.path.join(
      os.environ["FOURIER_NN_TEST_JAX_CACHE"], os.environ.get("PYTEST_XDIST_WORKER", "main"))
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_path(name: str) -> str:
  """Absolute path of fourier_nn/configs/NAME.py."""
  return os.path.join(REPO, "fourier_nn", "configs", f"{name}.py")


def run_script(name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
  """Runs ``python scripts/NAME.py ARGS`` from the repository root on the CPU."""
  env = dict(os.environ, JAX_PLATFORMS="cpu")
  return subprocess.run([sys.executable, os.path.join(REPO, "scripts", name), *args],
                        capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


@pytest.fixture
def repo_root():
  return REPO


@pytest.fixture
def script():
  """``script("lfp.py", "--config=...", ...)`` -> CompletedProcess (stdout, stderr, rc)."""
  return run_script


def assert_one_line_error(r: subprocess.CompletedProcess, prog: str, needle: str) -> str:
  """A failed run printed exactly one stderr line ``PROG: error: ...`` containing needle."""
  assert r.returncode != 0, r.stderr[-2000:]
  lines = [l for l in r.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, r.stderr[-3000:]
  assert lines[0].startswith(f"{prog}: error:") and needle in lines[0], lines[0]
  assert "Traceback" not in r.stderr
  return lines[0]


def assert_last_line_error(r: subprocess.CompletedProcess, prog: str, needle: str) -> str:
  """A run that failed after it began training: its progress log lines come first on
  stderr, then exactly one ``PROG: error: ...`` line (the last), containing needle."""
  assert r.returncode != 0, r.stderr[-2000:]
  assert "Traceback" not in r.stderr, r.stderr[-3000:]
  lines = [l for l in r.stderr.splitlines() if l.strip()]
  errors = [l for l in lines if l.startswith(f"{prog}: error:")]
  assert errors == [lines[-1]], r.stderr[-3000:]
  assert needle in lines[-1], lines[-1]
  return lines[-1]
