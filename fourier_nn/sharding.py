"""Seeds (and grid cells) sharded over every device, local and across hosts.

`train.train_seeds` vmaps one seed's step over the seed axis. Here that axis is laid out
over a one-dimensional `jax.sharding.Mesh` of the devices (axis name ``"seed"``): keys,
the per-seed batch entries and hence the whole state are `NamedSharding(mesh, P("seed"))`,
shared batch entries are replicated, and `jax.jit` partitions the vmapped program along
the seed axis (computation follows the data; no pmap). Each device computes its own seeds
with the same per-seed arithmetic as one device would, so the numbers are the same as on
one device (tested bit for bit in tests/test_sharding.py on forced host devices).

Ragged seed counts: S seeds on n devices use k = ceil(S / n) seeds per device on
d = ceil(S / k) devices (the fewest devices with that load; all n in a multi-process run, so
that every process holds a shard), and the seed axis is padded to k·d by repeating the last
seed's key (and per-seed batch rows). The padding is dropped whenever anything comes back
to the host (`SeedSharding.host`), so logs, checkpoints and records hold exactly S seeds.

Multi-host: `initialize_distributed` calls `jax.distributed.initialize` (every script's
``--coordinator_address``, ``--num_processes``, ``--process_id``, ``--distributed``; see
`fourier_nn.cli`), after which ``jax.devices()`` lists every process's devices and the mesh
spans them all. Every process runs the same program on the same host data; results come
back gathered (`jax.experimental.multihost_utils.process_allgather`) on every process, and
only process 0 writes files (`is_writer`: records, checkpoints, live metrics).

CPU: XLA's intra-op threading of a 200×256 matmul uses a 2-core CPU poorly, so several
host devices (``--xla_force_host_platform_device_count``, here via
``jax_num_cpu_devices``) can run seeds side by side faster than one device with two
threads. `configure_host_devices` sets that count before JAX starts its CPU backend:
``--host_devices`` / ``FOURIER_NN_HOST_DEVICES`` (a number, or ``cores`` for one per
usable core), default `DEFAULT_HOST_DEVICES` (measured: benchmarks/BENCHMARKS.md,
"Scaling").
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

AXIS = "seed"
ENV_HOST_DEVICES = "FOURIER_NN_HOST_DEVICES"
ENV_SHARDING = "FOURIER_NN_SHARDING"  # "0": keep everything on one device
# Host devices of the scripts on CPU when neither --host_devices nor the environment says:
# "cores" (one per usable core) or a number. Measured on the quiet 2-core box (BENCHMARKS.md,
# "Scaling"): 2 host devices 3–21 % faster than 1 for 4–64 seeds, equal from 128, more memory.
DEFAULT_HOST_DEVICES = "cores"

PyTree = Any


def usable_cores() -> int:
  """Cores this process may run on (its CPU affinity where the OS tells it)."""
  try:
    return max(1, len(os.sched_getaffinity(0)))
  except (AttributeError, OSError):  # pragma: no cover - not Linux
    return max(1, os.cpu_count() or 1)


def parse_host_devices(value: str | int | None) -> int:
  """``"cores"`` → `usable_cores`, a positive integer (as int or text) → itself.

  Raises:
    ValueError: one line naming the value and what is allowed.
  """
  text = str(value).strip().lower()
  if text == "cores":
    return usable_cores()
  try:
    n = int(text)
  except ValueError:
    n = 0
  if n < 1 or str(n) != text:
    raise ValueError(f"host_devices={value!r} is invalid: give a positive integer or "
                     "'cores' (one host device per usable core)")
  return n


def configure_host_devices(value: str | int | None = None) -> int | None:
  """Sets the number of CPU host devices before JAX starts its CPU backend.

  ``value`` (the ``--host_devices`` flag) wins, then ``FOURIER_NN_HOST_DEVICES``, then
  `DEFAULT_HOST_DEVICES`. Nothing is changed (None is returned) when XLA_FLAGS already
  carries ``--xla_force_host_platform_device_count`` (the user's own choice).

  Returns:
    The count set, or None.

  Raises:
    ValueError: a bad value (one line), or JAX's backends are already running.
  """
  if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
    return None
  if value is None:
    value = os.environ.get(ENV_HOST_DEVICES, DEFAULT_HOST_DEVICES)
  n = parse_host_devices(value)
  import jax

  try:
    jax.config.update("jax_num_cpu_devices", n)
  except RuntimeError as e:  # the CPU backend is already initialised
    raise ValueError(f"host_devices={value!r} cannot be set: {str(e).splitlines()[0]}") from None
  return n


def initialize_distributed(coordinator_address: str | None = None,
                           num_processes: int | None = None,
                           process_id: int | None = None, *, force: bool = False) -> bool:
  """`jax.distributed.initialize` when any setting is given (or ``force``).

  Settings left as None are detected by JAX where it can (SLURM, Open MPI, TPU pods); on
  CPU the collectives go through gloo. Must run before any other use of JAX's devices.

  Returns:
    True if JAX's distributed runtime was initialised here.
  """
  if not force and coordinator_address is None and num_processes is None and process_id is None:
    return False
  import jax

  if num_processes is not None and num_processes < 1:
    raise ValueError(f"num_processes={num_processes} is invalid: give a positive integer")
  if process_id is not None and not (0 <= process_id < (num_processes or process_id + 1)):
    raise ValueError(f"process_id={process_id} is invalid: give 0 <= process_id < "
                     f"num_processes={num_processes}")
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.distributed.initialize(coordinator_address=coordinator_address,
                             num_processes=num_processes, process_id=process_id)
  return True


def is_writer() -> bool:
  """True on the process that writes files: process 0, or the only one. Never imports
  JAX just to ask."""
  import sys

  if "jax" not in sys.modules:
    return True
  import jax

  return jax.process_index() == 0


def layout(num_seeds: int, num_devices: int, num_processes: int = 1) -> tuple[int, int]:
  """(devices used d, padded seed count k·d) for ``num_seeds`` on ``num_devices``.

  k = ceil(S / n) seeds per device; d = ceil(S / k) devices in one process (the fewest
  with that load), all n across processes (every process must hold a shard).

  >>> layout(10, 4), layout(10, 64), layout(8, 2), layout(3, 4, num_processes=2)
  ((4, 12), (10, 10), (2, 8), (4, 4))
  """
  if num_seeds < 1 or num_devices < 1:
    raise ValueError(f"need seeds >= 1 and devices >= 1, got {num_seeds} and {num_devices}")
  k = math.ceil(num_seeds / num_devices)
  d = num_devices if num_processes > 1 else math.ceil(num_seeds / k)
  return d, k * d


class SeedSharding:
  """Puts one run's seed axis on the devices and brings results back to the host.

  With one device (or ``FOURIER_NN_SHARDING=0``) every method hands its input through
  unchanged (``host`` is `jax.device_get`): the one-device run is untouched.

  Args:
    num_seeds: S, the length of the seed axis.
    batch_axes: `train.train_seeds`' vmap ``in_axes`` of the batch (None: all shared).
    devices: the devices to use (default: ``jax.devices()``, every process's).

  Attributes:
    active: the seed axis is laid out over more than one device.
    num_seeds, padded: S and the padded length.
    mesh: the one-axis mesh (None when inactive).
  """

  def __init__(self, num_seeds: int, batch_axes: Any = None, devices=None):
    import jax

    self.num_seeds = int(num_seeds)
    self.batch_axes = batch_axes
    devices = list(jax.devices() if devices is None else devices)
    self.multiprocess = jax.process_count() > 1
    d, self.padded = layout(self.num_seeds, len(devices), jax.process_count())
    off = os.environ.get(ENV_SHARDING, "1") == "0" and not self.multiprocess
    self.active = d > 1 and not off
    self.mesh = None
    if self.active:
      from jax.sharding import Mesh

      self.mesh = Mesh(np.asarray(devices[:d]), (AXIS,))
    else:
      self.padded = self.num_seeds

  def __repr__(self) -> str:
    devs = self.mesh.devices.size if self.active else 1
    return (f"SeedSharding({self.num_seeds} seeds -> {self.padded} on {devs} device(s), "
            f"multiprocess={self.multiprocess})")

  # ------------------------------------------------------------------ host -> devices

  def _spec(self, axis: int | None, ndim: int):
    from jax.sharding import NamedSharding, PartitionSpec as P

    if axis is None:
      return NamedSharding(self.mesh, P())
    return NamedSharding(self.mesh, P(*([None] * axis + [AXIS] + [None] * (ndim - axis - 1))))

  def _pad(self, x, axis: int):
    """``x`` with its ``axis`` padded from S to the padded length by repeating the last row."""
    import jax.numpy as jnp

    extra = self.padded - x.shape[axis]
    if extra == 0:
      return x
    # a static slice, not jnp.take: jax 0.5 cannot gather typed PRNG key arrays
    last = x[(slice(None),) * axis + (slice(x.shape[axis] - 1, None),)]
    return jnp.concatenate([x] + [last] * extra, axis=axis)

  def _put(self, x, axis: int | None):
    import jax

    if axis is not None:
      if np.ndim(x) <= axis or np.shape(x)[axis] != self.num_seeds:
        raise ValueError(f"a per-seed entry must have {self.num_seeds} rows on axis {axis}, "
                         f"got shape {np.shape(x)}")
      x = self._pad(jax.numpy.asarray(x), axis)
    sharding = self._spec(axis, np.ndim(x))
    if not self.multiprocess:
      return jax.device_put(x, sharding)
    if jax.dtypes.issubdtype(getattr(x, "dtype", np.float32), jax.dtypes.prng_key):
      data = np.asarray(jax.random.key_data(x))  # typed keys travel as their raw data
      data = jax.make_array_from_callback(data.shape, self._spec(axis, data.ndim),
                                          lambda idx: data[idx])
      return jax.random.wrap_key_data(data, impl=jax.random.key_impl(x))
    host = np.asarray(x)
    # Every process holds the same host data; each fills its own devices' shards.
    return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])

  def keys(self, keys: jax.Array) -> jax.Array:
    """[S] keys → [padded] keys sharded over the seed axis."""
    return self._put(keys, 0) if self.active else keys

  def batch(self, batch: PyTree) -> PyTree:
    """The batch with its per-seed entries (``batch_axes`` not None) padded and sharded
    along their seed axis and its shared entries replicated on every device."""
    if not self.active:
      return batch
    import jax

    axes = self.batch_axes
    if axes is None:
      return jax.tree_util.tree_map(lambda x: self._put(x, None), batch)
    # batch_axes may be a prefix of the batch's structure, as vmap's in_axes may.
    return jax.tree_util.tree_map(
        lambda ax, sub: jax.tree_util.tree_map(lambda x: self._put(x, ax), sub),
        axes, batch, is_leaf=lambda a: a is None)

  def state(self, state: PyTree) -> PyTree:
    """A host state with S seeds (e.g. read from a checkpoint) → padded and sharded."""
    if not self.active:
      return state
    import jax

    return jax.tree_util.tree_map(lambda x: self._put(x, 0), state)

  def scalar(self, x):
    """An unbatched scalar argument of the compiled chunk (host value in a multi-process
    run, where jit takes no process-local device arrays)."""
    return np.asarray(x) if self.multiprocess else x

  # ------------------------------------------------------------------ devices -> host

  def host(self, tree: PyTree) -> PyTree:
    """Outputs with the seed axis first → NumPy on the host with exactly S seeds (gathered
    from every process in a multi-process run; every process gets the whole)."""
    import jax

    if not self.active:
      return jax.device_get(tree)
    if self.multiprocess:
      from jax.experimental import multihost_utils

      tree = multihost_utils.process_allgather(tree, tiled=True)
    else:
      tree = jax.device_get(tree)
    return jax.tree_util.tree_map(lambda x: np.asarray(x)[:self.num_seeds], tree)


class SeedProgram:
  """``jax.jit(fn)`` of a seed-vmapped ``fn``, or on sharded inputs its `jax.shard_map`
  over the seed mesh: each device runs the very program one device would run on its k
  seeds (so the numbers are the same bit for bit: XLA's SPMD partitioner, given the
  whole vmapped program to split, compiled a different program on CPU that changed the
  last bits). Compiled once per mesh.

  Args:
    fn: the vmapped function; every output has the seed axis first.
    in_axes: its vmap ``in_axes`` (0 or None per argument, prefixes allowed).
    donate_argnums: as `jax.jit`.
  """

  def __init__(self, fn, in_axes, donate_argnums=()):
    import jax

    self.fn, self.in_axes, self.donate = fn, in_axes, donate_argnums
    self.one_device = jax.jit(fn, donate_argnums=donate_argnums)
    self._by_mesh = {}

  def _specs(self):
    import jax
    from jax.sharding import PartitionSpec as P

    return tuple(P() if ax is None else jax.tree_util.tree_map(
        lambda a: P() if a is None else P(*([None] * a + [AXIS])), ax,
        is_leaf=lambda a: a is None) for ax in self.in_axes)

  def __call__(self, *args):
    import jax

    mesh = _mesh_of(args[0])
    if mesh is None:
      return self.one_device(*args)
    if mesh not in self._by_mesh:
      from jax.sharding import PartitionSpec as P

      if hasattr(jax, "shard_map"):
        mapped = jax.shard_map(self.fn, mesh=mesh, in_specs=self._specs(),
                               out_specs=P(AXIS), check_vma=False)
      else:  # jax < 0.7 (the 0.5.0 floor): the experimental one, check_rep for check_vma
        from jax.experimental.shard_map import shard_map
        mapped = shard_map(self.fn, mesh=mesh, in_specs=self._specs(), out_specs=P(AXIS),
                           check_rep=False)
      self._by_mesh[mesh] = jax.jit(mapped, donate_argnums=self.donate)
    return self._by_mesh[mesh](*args)


def _mesh_of(tree):
  """The seed mesh the first leaf of ``tree`` is laid out on, or None."""
  import jax
  from jax.sharding import NamedSharding

  leaves = jax.tree_util.tree_leaves(tree)
  s = getattr(leaves[0], "sharding", None) if leaves else None
  if isinstance(s, NamedSharding) and AXIS in s.mesh.axis_names and s.mesh.devices.size > 1:
    return s.mesh
  return None
