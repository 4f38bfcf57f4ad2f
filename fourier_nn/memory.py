"""Memory estimates made before anything is built or compiled, and the refusal of a run
that cannot fit.

A size that cannot fit (a million seeds, a width of 10⁶, an n×n kernel of n = 10⁶) must
fail at once with one line naming the key, the value, the estimate and what is available,
not as an XLA ``RESOURCE_EXHAUSTED`` traceback after a minute, or after training when the
analysis runs out. The estimates are lower bounds of what the run holds at its peak
(parameters, gradients, optimizer state, the forward activations kept for the backward
pass, float32; kernels and eigendecompositions in float64), so a refusal is never a false
alarm: a run refused here would not have fitted. `tests/test_memory.py` checks the MLP
estimate against XLA's own ``memory_analysis`` of the compiled step.

The limit is what the default device can hold: an accelerator's ``bytes_limit`` minus
what is in use, or on the CPU the host's ``MemAvailable``. ``FOURIER_NN_MEMORY_LIMIT``
(e.g. ``8GiB``, ``500MB``, a number of bytes; ``0`` or ``off``: no check) overrides it.
"""
from __future__ import annotations

import os
import re
from typing import Mapping, Sequence

ENV = "FOURIER_NN_MEMORY_LIMIT"
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(text: str) -> int:
  """``"8GiB"``, ``"500 MB"``, ``"1e9"`` → bytes.

  >>> parse_bytes("2GiB"), parse_bytes("1.5kb"), parse_bytes("4096")
  (2147483648, 1500, 4096)
  """
  m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([a-zA-Z]*)\s*", str(text))
  unit = m.group(2).lower() if m else None
  if not m or unit not in _UNITS:
    raise ValueError(f"{ENV}={text!r} is invalid: give bytes with an optional unit "
                     f"(e.g. 8GiB, 500MB), or 0/off for no check")
  try:
    return int(float(m.group(1)) * _UNITS[unit])
  except ValueError:
    raise ValueError(f"{ENV}={text!r} is invalid: {m.group(1)!r} is not a number") from None


def format_bytes(n: float) -> str:
  """Bytes in the largest binary unit that keeps the number ≥ 1 (``3.2 GiB``)."""
  for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
    if n >= size:
      return f"{n / size:.3g} {unit}"
  return f"{int(n)} B"


def _host_available() -> int | None:
  try:
    with open("/proc/meminfo") as f:
      for line in f:
        if line.startswith("MemAvailable:"):
          return int(line.split()[1]) * 1024
  except OSError:
    pass
  try:
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
  except (ValueError, OSError, AttributeError):
    return None


def available_bytes() -> tuple[int | None, str]:
  """(bytes the run may use, where that number comes from); (None, …) means no check."""
  env = os.environ.get(ENV, "").strip()
  if env:
    if env.lower() in ("0", "off", "none"):
      return None, f"{ENV}={env}"
    return parse_bytes(env), f"{ENV}={env}"
  import jax
  dev = jax.devices()[0]
  if dev.platform != "cpu":
    stats = dev.memory_stats() or {}
    if "bytes_limit" in stats:
      free = int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
      return free, f"{dev.device_kind} ({dev.platform}) memory"
  return _host_available(), "the host's available memory"


def mlp_training_bytes(num_nets: int, hidden: Sequence[int], num_points: int,
                       in_dim: int = 1, out_dim: int = 1, optimizer_states: int = 2,
                       dtype_bytes: int = 4) -> int:
  """Peak bytes of a vmapped full-batch training step of ``num_nets`` MLPs (lower bound).

  Per net: the parameters P with their gradient and ``optimizer_states`` moments
  (Adam: 2), and the activations the backward pass keeps — the output of every layer on
  the ``num_points`` inputs (XLA fuses the pre-activations away). 0.35–0.8× of
  XLA's ``memory_analysis`` of the compiled vmapped Adam step over the shapes of
  `tests/test_memory.py` (CPU, jax 0.12).

  >>> mlp_training_bytes(1, [2], 3)  # P = (1+1)·2 + (2+1)·1 = 7; 4·7 + 3·2 + 3·1 = 37 floats
  148
  """
  widths = [int(in_dim), *map(int, hidden), int(out_dim)]
  params = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
  acts = int(num_points) * (sum(map(int, hidden)) + int(out_dim))
  return int(num_nets) * dtype_bytes * ((2 + optimizer_states) * params + acts)


def square_matrices_bytes(n: int, copies: int = 3, dtype_bytes: int = 8) -> int:
  """``copies`` n×n matrices (a kernel, its eigenvectors, the eigensolver's workspace)."""
  return int(copies) * int(n) ** 2 * dtype_bytes


def check(needed: int, key: str, value, sizes: Mapping[str, object] | None = None,
          what: str = "the run") -> None:
  """Refuses (ValueError, one line naming ``--config.KEY=VALUE``) if ``needed`` bytes exceed
  what is available; silent when it fits or no limit is known."""
  limit, source = available_bytes()
  if limit is None or needed <= limit:
    return
  detail = ", ".join(f"{k}={v}" for k, v in (sizes or {}).items())
  raise ValueError(
      f"--config.{key}={value!r} is invalid: {what} needs at least {format_bytes(needed)}"
      + (f" ({detail})" if detail else "") + f"; {source} is {format_bytes(limit)} — lower "
      f"{key}{' or the other sizes' if sizes else ''} (or set {ENV} to override)")
