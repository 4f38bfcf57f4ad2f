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


class _ScriptServer:
  """Client of tests/script_server.py: one pre-imported process per test worker that
  forks a child per script run (a run of its own, ~0.1 s instead of ~2 s of imports)."""

  def __init__(self):
    self._env = dict(os.environ, JAX_PLATFORMS="cpu")
    self._proc = None

  def _start(self):
    self._proc = subprocess.Popen(
        [sys.executable, os.path.join(REPO, "tests", "script_server.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=self._env, cwd=REPO)

  def run(self, name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    import json
    import select
    if self._proc is None or self._proc.poll() is not None:
      self._start()
    req = {"script": os.path.join(REPO, "scripts", name), "args": list(args),
           "env": self._env, "cwd": REPO}
    self._proc.stdin.write(json.dumps(req) + "\n")
    self._proc.stdin.flush()
    ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
    line = self._proc.stdout.readline() if ready else ""
    if not line:
      self.close()
      raise subprocess.TimeoutExpired([name, *args], timeout)
    rep = json.loads(line)
    return subprocess.CompletedProcess([name, *args], rep["returncode"], rep["stdout"],
                                       rep["stderr"])

  def close(self):
    if self._proc is not None:
      self._proc.kill()
      self._proc.wait()
      self._proc = None


@pytest.fixture(scope="session")
def forked_script():
  """Like `script`, for runs that exit before training (bad inputs): the same script,
  argv, environment and exit, in a child forked from a process that has imported the
  package (tests/script_server.py). A run that trains should use `script`."""
  server = _ScriptServer()
  yield server.run
  server.close()


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


# How `damage_checkpoint` breaks a checkpoint: cut an array file to half, empty it, delete
# it, flip one byte in it (bit rot orbax itself may not notice: the CRC32 in the meta
# does), or write garbage over the meta (orbax's _CHECKPOINT_METADATA, our custom_metadata).
CHECKPOINT_DAMAGE = ("truncate", "zero", "delete", "flip", "meta")


def damage_checkpoint(ckpt: str, how: str) -> str:
  """Damages the latest finalized save of the orbax checkpoint directory ``ckpt``
  (`fourier_nn.checkpoints`) as ``how`` (one of `CHECKPOINT_DAMAGE`); returns the file."""
  from fourier_nn import checkpoints
  step = os.path.join(ckpt, f"step_{checkpoints.finalized_steps(ckpt)[-1]}")
  if how == "meta":
    target = os.path.join(step, "_CHECKPOINT_METADATA")
    with open(target, "w") as f:
      f.write('{"custom_metadata": [garbage')
    return target
  data = [os.path.join(r, n) for r, _, names in os.walk(step) for n in names
          if os.path.basename(r) == "d"]  # OCDBT's data files hold the array bytes
  target = max(data, key=os.path.getsize)
  size = os.path.getsize(target)
  if how == "truncate":
    os.truncate(target, size // 2)
  elif how == "zero":
    open(target, "wb").close()
  elif how == "delete":
    os.remove(target)
  elif how == "flip":
    with open(target, "r+b") as f:
      f.seek(size // 2)
      byte = f.read(1)
      f.seek(size // 2)
      f.write(bytes([byte[0] ^ 0xFF]))
  else:
    raise ValueError(f"how={how!r} is not one of {CHECKPOINT_DAMAGE}")
  return target


# The floors run (`make test-floors`: every dependency at its setup.cfg minimum) covers the
# library — models, training, sharding, checkpoints, records, spectra, kernels, theory,
# plotting, data, the Exp 1 script end to end and one script's bad-input rows — where the
# dependencies' APIs are called. The experiment modules below compose those same calls
# into drivers; on the floors they were a second ~10 minutes of the same code paths, so
# they run on the current versions only (`make test-fast`). A new test module runs on the
# floors unless it is added here.
EXPERIMENT_TEST_MODULES = frozenset({
    "test_basri", "test_delta_ablation", "test_filtering", "test_fprinciple_1d",
    "test_image_fit", "test_kernel_spectrum", "test_label_noise", "test_lfp", "test_lfp_2d",
    "test_manifold", "test_ntk_sphere", "test_parity_experiment", "test_phenomena",
    "test_projection", "test_robustness", "test_sweep",
})


def pytest_collection_modifyitems(config, items):
  for item in items:
    if item.module.__name__.rsplit(".", 1)[-1] in EXPERIMENT_TEST_MODULES:
      item.add_marker(pytest.mark.not_on_floors)
