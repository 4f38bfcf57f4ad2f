"""Inputs and targets. Key in, arrays out; nothing here trains or measures.

Shapes: inputs are [N, d]; targets [N] (or [S, N] when they differ per seed).

* grids and sums of sines (Rahaman Exp 1): `uniform_grid`, `amplitude_profile`,
  `random_phases`, `sum_of_sines`; the grid δ of A.5, `delta_target`;
* the circle and the sphere (Basri, Cao): `sample_circle`, `sample_sphere`,
  `sphere_inputs` (uniform / piecewise-uniform / anisotropic), `random_directions`,
  `polar_angle`;
* targets on them: `sine_target` (sin kθ), `legendre_target` (P_k on S^{d−1}),
  `harmonic_sum_target` (Σ a_k P_k(⟨ζ_k, x⟩) with its unit component vectors),
  `unit_normalize`;
* the LFP's few 1-D points: `lfp_points`, `interval_grid`;
* Rahaman's radial-wave label noise (Exp 3), `radial_wave` sin(k‖x‖) or sin(2πk‖x‖), and
  the white noise U(−1, 1) of Exp 4, `uniform_noise`;
* Rahaman's flower manifold (Exp 5, 6): `flower_manifold` γ_L(z) ∈ R², `flower_radius`,
  `sine_labels` (sin(2πkz + φ) > 0 in {0, 1}), `square_grid` (the decision-map grid);
* parity on the cube: `parity_cube` ({−1, 1}^n and Π x_j), `random_splits` (per-seed
  train/test indices);
* real data that ships with a package (the default of every real-data experiment):
  `digits` (scikit-learn's 8×8 digits), `two_classes` (a binary task with labels ±1);
  `load_images(name, data_dir)` is the one entry point of every real-data experiment
  (digits by default; MNIST — IDX files, gzipped or not, or mnist.npz — and CIFAR-10's
  python batches from a local directory: `dataset_files`, `read_idx`, `read_cifar_batch`;
  a missing file raises `DataFileMissing`, a truncated or malformed one `DataFileError`,
  each one line naming the file).
"""
from __future__ import annotations

import pickle
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from fourier_nn import theory

AMPLITUDE_PROFILES = ("equal", "increasing")
SPHERE_INPUTS = ("uniform", "piecewise", "anisotropic")
REAL_DATASETS = ("digits", "mnist", "cifar10")


def uniform_grid(n: int, dtype=jnp.float32) -> jax.Array:
  """[n] points z_j = j/n on [0, 1), so DFT bin k is frequency k."""
  if n < 2:
    raise ValueError(f"num_points={n} must be >= 2")
  return jnp.arange(n, dtype=dtype) / n


def amplitude_profile(name: str, num: int) -> np.ndarray:
  """Rahaman Exp 1 amplitudes: "equal" → all 1; "increasing" → (0.1, 0.2, …, 1.0) scaled to num."""
  if name == "equal":
    return np.ones(num)
  if name == "increasing":
    return np.arange(1, num + 1) / num
  raise ValueError(f"amplitudes={name!r} is not supported; choose one of {AMPLITUDE_PROFILES}")


def random_phases(key: jax.Array, num_seeds: int, num_freqs: int) -> jax.Array:
  """[S, K] phases φ ~ U(0, 2π), one set per seed (Rahaman: each run has its own phases)."""
  return jax.random.uniform(key, (num_seeds, num_freqs), minval=0.0, maxval=2 * jnp.pi)


def sum_of_sines(z: ArrayLike, freqs: Sequence[float], amps: ArrayLike, phases: ArrayLike) -> jax.Array:
  """λ(z) = Σ_i A_i sin(2π k_i z + φ_i).

  Args:
    z: [N] positions. freqs, amps: [K]. phases: [..., K] (e.g. [S, K]).

  Returns:
    [..., N] target values.
  """
  z = jnp.asarray(z)
  k = jnp.asarray(freqs, z.dtype)
  a = jnp.asarray(amps, z.dtype)
  ph = jnp.asarray(phases, z.dtype)
  lead = (1,) * (ph.ndim - 1)
  kz = (k[:, None] * z[None, :]).reshape(lead + (k.size, z.size))
  arg = 2 * jnp.pi * kz + ph[..., :, None]  # [..., K, N]
  return jnp.sum(a.reshape(lead + (-1, 1)) * jnp.sin(arg), axis=-2)


def flower_radius(z: ArrayLike, num_petals: ArrayLike) -> np.ndarray:
  """R(z) = 1 + ½ sin(2πLz), the radius of the flower manifold at latent z (float64).

  ``z`` [N] and ``num_petals`` L broadcast against each other (e.g. L[:, None], z[None]).
  """
  z = np.asarray(z, np.float64)
  return 1.0 + 0.5 * np.sin(2 * np.pi * np.asarray(num_petals, np.float64) * z)


def flower_manifold(z: ArrayLike, num_petals: ArrayLike) -> np.ndarray:
  """Rahaman et al. 2019 Exp 5: γ_L(z) = (1 + ½ sin 2πLz)(cos 2πz, sin 2πz).

  The authors' code writes R(φ) = 1 + 0.5 sin(Lφ) at φ = 2πz: the same curve. L = 0 is
  the unit circle; L petals otherwise (radius between ½ and 3/2).

  Args:
    z: [N] latent positions on [0, 1) (`uniform_grid`: DFT bin k in z is frequency k).
    num_petals: L, a scalar or [C] (one manifold per cell).

  Returns:
    float32 [N, 2] for a scalar L, [C, N, 2] for [C] values of L.

  >>> flower_manifold(np.array([0.0, 0.25]), 0).round(6).tolist()
  [[1.0, 0.0], [0.0, 1.0]]
  """
  z = np.asarray(z, np.float64)
  L = np.asarray(num_petals, np.float64)
  r = flower_radius(z, L[..., None])  # [..., N]
  phi = 2 * np.pi * z
  return np.stack([r * np.cos(phi), r * np.sin(phi)], axis=-1).astype(np.float32)


def sine_labels(z: ArrayLike, k: ArrayLike, phase: ArrayLike) -> np.ndarray:
  """Exp 6 labels: 1 where sin(2πkz + φ) > 0, else 0 (float32 [..., N]).

  The authors' code thresholds λ at 0; the paper thresholds the {0, 1}-valued target at
  0.5, which gives the same labels. ``k`` and ``phase`` broadcast as [..., 1] against z [N].
  """
  z = np.asarray(z, np.float64)
  arg = (2 * np.pi * np.asarray(k, np.float64)[..., None] * z
         + np.asarray(phase, np.float64)[..., None])
  return (np.sin(arg) > 0).astype(np.float32)


def square_grid(half_width: float, num: int) -> tuple[np.ndarray, np.ndarray]:
  """The axes grid_x [num], grid_y [num] = linspace(−h, h, num) (Exp 6: h = 1.6, 200)."""
  g = np.linspace(-half_width, half_width, num)
  return g, g.copy()


def square_grid_points(half_width: float, num: int) -> np.ndarray:
  """float32 [num², 2] points of `square_grid`, row-major: point i·num + j is
  (grid_x[j], grid_y[i]) (as ``np.meshgrid`` and `relu_geometry.num_regions_2d`)."""
  gx, gy = np.meshgrid(*square_grid(half_width, num))
  return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def delta_target(n: int, at: float = 0.5, dtype=jnp.float32) -> jax.Array:
  """[n] discrete δ on the grid z_j = j/n (Rahaman et al. A.5): 1 at z = ``at``, 0 elsewhere.

  Its DFT is e^{−2πik·at}: every single-sided amplitude 2|F_k|/n is 2/n (flat spectrum),
  so it tests how far up a net can fit.

  Raises:
    ValueError: ``at`` is not a grid point j/n with 0 <= j < n.

  >>> delta_target(4, 0.5)
  Array([0., 0., 1., 0.], dtype=float32)
  """
  j = at * n
  if not (0 <= j < n and abs(j - round(j)) < 1e-9 * max(n, 1)):
    raise ValueError(f"delta_at={at!r} is not a point j/{n} of the {n}-point grid in [0, 1)")
  return jnp.zeros(n, dtype).at[int(round(j))].set(1)


def sine_sum_1d(x_start: float, x_end: float, n: int,
                terms: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
  """The F-Principle 1-D target: x = linspace(x_start, x_end, n) (endpoints included) and
  y = Σ_i a_i sin(ω_i x) for ``terms`` = ((a_i, ω_i), …); float32 [n] each.

  The authors' ``f_principle.py``: (−5, 5, 101, ((1, 1), (2, 3), (3, 5))), i.e.
  y = sin x + 2 sin 3x + 3 sin 5x; their older script: (−10, 10, 61, ((1, 1), (1, 4))).

  >>> x, y = sine_sum_1d(-5, 5, 101, ((1, 1), (2, 3), (3, 5)))
  >>> x.shape, round(float(x[1] - x[0]), 6)
  ((101,), 0.1)
  """
  x = np.linspace(x_start, x_end, num=n, endpoint=True)
  y = sum(a * np.sin(w * x) for a, w in terms)
  return x.astype(np.float32), np.asarray(y, np.float32)


RADIAL_WAVES = ("k", "2pi_k")


def radial_wave(x: ArrayLike, k: ArrayLike, form: str = "k") -> np.ndarray:
  """Rahaman et al. Exp 3's label noise ψ_k(x) = sin(k‖x‖) (paper, ``form="k"``) or
  sin(2πk‖x‖) (the authors' notebook ICML_MNISTLabelNoise, ``form="2pi_k"``), float32.

  A radial wave oscillates along every direction of the input space at once.

  Args:
    x: inputs [N, D]. k: a scalar or [C] frequencies (one wave per cell).
    form: one of `RADIAL_WAVES`.

  Returns:
    [N] for a scalar k, [C, N] for [C] values of k.

  >>> round(float(radial_wave(np.array([[3.0, 4.0]]), 0.1)[0]), 6)  # sin(0.1 · 5)
  0.479426
  """
  if form not in RADIAL_WAVES:
    raise ValueError(f"wave={form!r} is not supported; choose one of {RADIAL_WAVES}")
  r = np.linalg.norm(np.asarray(x, np.float64), axis=-1)
  k = np.asarray(k, np.float64)
  scale = 2 * np.pi if form == "2pi_k" else 1.0
  return np.sin(scale * k[..., None] * r).astype(np.float32)


def uniform_noise(key: jax.Array, shape: Sequence[int]) -> np.ndarray:
  """White noise U(−1, 1) of ``shape`` (Rahaman Exp 4's white-noise target), float32."""
  return np.asarray(jax.random.uniform(key, tuple(shape), minval=-1.0, maxval=1.0))


def sample_circle(key: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
  """n points with θ ~ U(−π, π) on the unit circle; returns (θ[n], x[n, 2])."""
  theta = jax.random.uniform(key, (n,), minval=-jnp.pi, maxval=jnp.pi)
  return theta, jnp.stack([jnp.cos(theta), jnp.sin(theta)], axis=-1)


def sample_sphere(key: jax.Array, n: int, d: int) -> jax.Array:
  """[n, d] points uniform on the unit sphere S^{d−1} (normalised Gaussians)."""
  x = jax.random.normal(key, (n, d))
  return x / jnp.linalg.norm(x, axis=-1, keepdims=True)


def sphere_inputs(key: jax.Array, n: int, d: int, kind: str = "uniform",
                  mass: float = 0.8, ratio: float = 4.0) -> np.ndarray:
  """[n, d] float64 unit vectors on S^{d−1} (Cao et al.'s input distributions).

  * ``uniform`` — normalised Gaussians;
  * ``piecewise`` — piecewise-uniform: uniform, then x₁ ← ±|x₁| with P(+) = ``mass``:
    density 2·mass on the hemisphere x₁ > 0 and 2·(1 − mass) on x₁ < 0 (4 : 1 at 0.8);
  * ``anisotropic`` — angular central Gaussian: g ~ N(0, diag(s_j²)),
    s_j = ratio^{−j/(d−1)} (j = 0…d−1, ratio = s_0/s_{d−1}), x = g/‖g‖ (on the sphere, so
    a dot-product kernel stays one).
  """
  k1, k2 = jax.random.split(key)
  g = np.asarray(jax.random.normal(k1, (n, d)), np.float64)
  if kind == "anisotropic":
    g = g * (float(ratio) ** (-np.arange(d) / max(d - 1, 1)))[None, :]
  x = g / np.linalg.norm(g, axis=1, keepdims=True)
  if kind == "piecewise":
    up = np.asarray(jax.random.bernoulli(k2, mass, (n,)))
    x[:, 0] = np.where(up, 1.0, -1.0) * np.abs(x[:, 0])
  elif kind not in ("uniform", "anisotropic"):
    raise ValueError(f"inputs={kind!r} is not supported; choose one of {SPHERE_INPUTS}")
  return x


def random_directions(key: jax.Array, num: int, d: int) -> np.ndarray:
  """[num, d] independent uniform unit vectors ζ_k (float64)."""
  z = np.asarray(jax.random.normal(key, (num, d)), np.float64)
  return z / np.linalg.norm(z, axis=1, keepdims=True)


def polar_angle(x: ArrayLike, axis: int = -1) -> np.ndarray:
  """[N] angle (float64) between unit vectors x[N, d] and the last coordinate axis."""
  x = np.asarray(x, np.float64)
  return np.arccos(np.clip(x[:, axis], -1.0, 1.0))


def sine_target(theta: ArrayLike, k: float, phase: ArrayLike = 0.0) -> np.ndarray:
  """sin(k(θ + φ)) in float64 for θ[..., N] and φ broadcast against θ[..., :1]."""
  theta = np.asarray(theta, np.float64)
  return np.sin(k * (theta + np.asarray(phase, np.float64)))


def legendre_target(x: ArrayLike, k: int) -> np.ndarray:
  """P_k(x_d) of dimension d (P_k(1) = 1) for unit inputs x[N, d], float64; on S² the
  classical Legendre polynomial of the polar angle's cosine (Basri's S² targets)."""
  x = np.asarray(x, np.float64)
  return theory.legendre(int(k), x.shape[-1], x[..., -1])


def unit_normalize(y: ArrayLike, axis: int = -1) -> np.ndarray:
  """y / ‖y‖₂ along ``axis`` (float64)."""
  y = np.asarray(y, np.float64)
  return y / np.linalg.norm(y, axis=axis, keepdims=True)


def harmonic_sum_target(x: np.ndarray, zeta: np.ndarray, degrees, amplitudes,
                        norm: str = "unit_at_one") -> tuple[np.ndarray, np.ndarray]:
  """Cao et al.'s target y_i = Σ_k a_k P_k(⟨ζ_k, x_i⟩) and its unit component vectors.

  Args:
    x: [N, d] unit inputs.
    zeta: [K, d] unit directions.
    degrees, amplitudes: [K].
    norm: Gegenbauer normalisation (`theory.gegenbauer`).

  Returns:
    y [N], v [K, N] (float64; v_k = (P_k(⟨ζ_k, x_i⟩))_i / ‖·‖).
  """
  d = x.shape[1]
  comps = np.stack([theory.gegenbauer(k, d, x @ z, norm) for k, z in zip(degrees, zeta)])
  y = np.asarray(amplitudes, np.float64) @ comps
  return y, unit_normalize(comps)


def lfp_points(x_train: Sequence[float], target_freq: float) -> tuple[np.ndarray, np.ndarray]:
  """Sorted 1-D training points and y = sin(2π · target_freq · x) (float64)."""
  x = np.sort(np.asarray(x_train, np.float64))
  return x, np.sin(2.0 * np.pi * target_freq * x)


def interval_grid(x: np.ndarray, margin: float, num: int) -> tuple[np.ndarray, np.ndarray]:
  """An evaluation grid over [min x − margin, max x + margin] that contains the points x.

  Returns:
    grid [G] (sorted, ``num`` points plus the x), in_range [G] (grid within [min x, max x]).
  """
  grid = np.linspace(x[0] - margin, x[-1] + margin, num)
  grid = np.unique(np.concatenate([grid, x]))  # knots on the grid: exact range ends
  return grid, (grid >= x[0]) & (grid <= x[-1])


def parity_cube(n: int) -> tuple[np.ndarray, np.ndarray]:
  """Every point of {−1, 1}^n and its parity f(x) = Π_j x_j (the F-Principle slides).

  Returns:
    x float32 [2^n, n] (row i: bit j of i, from the most significant, 0 → −1, 1 → +1),
    y float32 [2^n] = Π_j x_j: +1 for an even number of −1 entries, −1 for an odd number.

  >>> x, y = parity_cube(2)
  >>> x.tolist(), y.tolist()
  ([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], [1.0, -1.0, -1.0, 1.0])
  """
  if not isinstance(n, (int, np.integer)) or not 1 <= n <= 24:
    raise ValueError(f"n={n!r} must be an integer in 1..24 (2^n points)")
  bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1
  x = (2 * bits - 1).astype(np.float32)
  return x, np.prod(x, axis=1)


def random_splits(key: jax.Array, num: int, num_train: int, num_seeds: int
                  ) -> tuple[np.ndarray, np.ndarray]:
  """A random train/test split of ``num`` points per seed (seed s: fold_in(key, s)).

  Returns:
    train [S, num_train], test [S, num − num_train] int64 indices; each row of both
    together is a permutation of 0..num−1 (test indices sorted, train in drawn order).
  """
  if not 1 <= num_train < num:
    raise ValueError(f"num_train={num_train} must be in 1..{num - 1} (of {num} points)")
  perms = np.stack([np.asarray(jax.random.permutation(jax.random.fold_in(key, s), num))
                    for s in range(num_seeds)]).astype(np.int64)
  return perms[:, :num_train], np.sort(perms[:, num_train:], axis=1)


def digits(classes: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
  """scikit-learn's 8×8 handwritten digits (1 797 images, shipped with the package).

  Args:
    classes: keep only these digit classes (in file order); None keeps all ten.

  Returns:
    x [N, 64] float32 in [0, 1] (grey levels 0…16 divided by 16), labels [N] int64.
  """
  from sklearn.datasets import load_digits  # lazy: scikit-learn costs ~1 s to import

  bunch = load_digits()
  x = np.asarray(bunch.data, np.float32) / 16.0
  labels = np.asarray(bunch.target, np.int64)
  if classes is not None:
    classes = [int(c) for c in classes]
    bad = [c for c in classes if not 0 <= c <= 9]
    if bad or not classes:
      raise ValueError(f"classes={classes} must be digits in 0..9")
    keep = np.isin(labels, classes)
    x, labels = x[keep], labels[keep]
  return x, labels


def two_classes(x: ArrayLike, labels: ArrayLike, negative: int, positive: int
                ) -> tuple[np.ndarray, np.ndarray]:
  """The binary task of two classes (Rahaman Exp 3: MNIST 3 → −1, 8 → +1).

  Returns:
    x [M, ...] of the samples whose label is ``negative`` or ``positive`` (order kept), and
    y [M] float32 in {−1, +1}.
  """
  x, labels = np.asarray(x), np.asarray(labels)
  if negative == positive:
    raise ValueError(f"negative={negative} and positive={positive} must differ")
  keep = (labels == negative) | (labels == positive)
  if not keep.any():
    raise ValueError(f"no sample has label {negative} or {positive}")
  return x[keep], np.where(labels[keep] == positive, 1.0, -1.0).astype(np.float32)


class DataFileError(ValueError):
  """A local data file is truncated or malformed; the message starts with its path."""


class DataFileMissing(FileNotFoundError):
  """A local data file (or directory) that a dataset needs is not there."""


MNIST_IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
MNIST_NPZ = "mnist.npz"
CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_IDX_MAGIC = {"images": 0x00000803, "labels": 0x00000801}  # ubyte, 3 resp. 1 dims


def dataset_files(name: str, data_dir: str | None) -> list[str]:
  """The local files `load_images` would read for ``name`` (checks presence, reads nothing).

  * mnist: ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (each gzipped
    ``.gz`` or not; the plain file wins), else ``mnist.npz`` (Keras' x_train / y_train);
  * cifar10: ``data_batch_1`` … ``data_batch_5`` in ``data_dir/cifar-10-batches-py`` if
    that directory exists, else in ``data_dir`` itself;
  * digits: none (shipped with scikit-learn).

  Raises:
    ValueError: unknown ``name``, or mnist / cifar10 without ``data_dir``.
    DataFileMissing: ``data_dir`` or a needed file is not there (named).
  """
  if name not in REAL_DATASETS:
    raise ValueError(f"dataset={name!r} is not supported; choose one of {REAL_DATASETS}")
  if name == "digits":
    return []
  import os

  if not data_dir:
    raise ValueError(f"dataset={name!r} is read from a local directory: set data_dir "
                     "(nothing is downloaded)")
  if not os.path.isdir(data_dir):
    raise DataFileMissing(f"data_dir={data_dir!r} is not a directory")
  if name == "mnist":
    found = []
    for stem in MNIST_IDX:
      plain, gz = os.path.join(data_dir, stem), os.path.join(data_dir, stem + ".gz")
      found.append(plain if os.path.isfile(plain) else gz if os.path.isfile(gz) else None)
    if all(found):
      return found
    npz = os.path.join(data_dir, MNIST_NPZ)
    if os.path.isfile(npz):
      return [npz]
    missing = [s for s, f in zip(MNIST_IDX, found) if f is None]
    raise DataFileMissing(
        f"{os.path.join(data_dir, missing[0])}[.gz]: no such file (MNIST needs "
        f"{' and '.join(MNIST_IDX)}, gzipped or not, or {MNIST_NPZ})")
  sub = os.path.join(data_dir, CIFAR10_DIR)
  root = sub if os.path.isdir(sub) else data_dir
  paths = [os.path.join(root, b) for b in CIFAR10_BATCHES]
  for path in paths:
    if not os.path.isfile(path):
      raise DataFileMissing(f"{path}: no such file (CIFAR-10 needs the python batches "
                            f"{CIFAR10_BATCHES[0]}..{CIFAR10_BATCHES[-1]})")
  return paths


def _read_bytes(path: str) -> bytes:
  """The file's bytes, gunzipped if its name ends in .gz (damage named as such)."""
  import gzip
  import zlib

  with open(path, "rb") as f:
    raw = f.read()
  if not path.endswith(".gz"):
    return raw
  try:
    return gzip.decompress(raw)
  except EOFError:
    raise DataFileError(f"{path}: truncated gzip stream ({len(raw)} bytes)") from None
  except (OSError, zlib.error) as e:
    raise DataFileError(f"{path}: not a valid gzip file ({e})") from None


def read_idx(path: str, kind: str) -> np.ndarray:
  """An IDX file of unsigned bytes (LeCun's MNIST format), checked against its header.

  Args:
    path: the file (gzipped if it ends in .gz).
    kind: "images" (magic 2051, 3 dims: [N, H, W]) or "labels" (magic 2049, [N]).

  Returns:
    uint8 [N, H, W] or [N].

  Raises:
    DataFileError: bad magic number, or a payload shorter or longer than the header says.
  """
  buf = _read_bytes(path)
  ndim = 3 if kind == "images" else 1
  magic = _IDX_MAGIC[kind]
  if len(buf) < 4 + 4 * ndim:
    raise DataFileError(f"{path}: truncated: {len(buf)} bytes, shorter than the "
                        f"{4 + 4 * ndim}-byte IDX {kind} header")
  got = int.from_bytes(buf[:4], "big")
  if got != magic:
    raise DataFileError(f"{path}: bad magic number 0x{got:08x}: an IDX {kind} file starts "
                        f"with 0x{magic:08x}")
  dims = [int.from_bytes(buf[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
  body = memoryview(buf)[4 + 4 * ndim:]
  need = int(np.prod(dims))
  what = (f"{dims[0]} images of {dims[1]}×{dims[2]}" if kind == "images"
          else f"{dims[0]} labels")
  per = need // dims[0] if dims[0] else 1
  if len(body) < need:
    raise DataFileError(f"{path}: truncated: header says {what}, file holds "
                        f"{len(body) // max(per, 1)}")
  if len(body) > need:
    raise DataFileError(f"{path}: malformed: header says {what}, file holds "
                        f"{len(body) - need} bytes more")
  return np.frombuffer(body, np.uint8).reshape(dims)


def _load_mnist(paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
  """uint8 images [N, 28, 28], labels [N] from the IDX pair or mnist.npz."""
  if len(paths) == 2:
    images, labels = read_idx(paths[0], "images"), read_idx(paths[1], "labels")
    if len(images) != len(labels):
      raise DataFileError(f"{paths[1]}: malformed: {len(labels)} labels for the "
                          f"{len(images)} images of {paths[0]}")
    src = paths[1]
  else:
    import zipfile

    src = paths[0]
    try:
      with np.load(src, allow_pickle=False) as z:
        missing = [k for k in ("x_train", "y_train") if k not in z.files]
        if missing:
          raise DataFileError(f"{src}: malformed: no {missing[0]!r} array (holds "
                              f"{sorted(z.files)}; Keras' mnist.npz has x_train, y_train)")
        images, labels = np.asarray(z["x_train"]), np.asarray(z["y_train"])
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
      if isinstance(e, DataFileError):
        raise
      raise DataFileError(f"{src}: not a readable .npz ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    if images.ndim != 3 or labels.shape != images.shape[:1]:
      raise DataFileError(f"{src}: malformed: x_train {images.shape} and y_train "
                          f"{labels.shape} must be [N, H, W] and [N]")
  if labels.size and (labels.min() < 0 or labels.max() > 9):
    raise DataFileError(f"{src}: malformed: labels outside 0..9")
  return images, labels


class _ArrayUnpickler(pickle.Unpickler):
  """Unpickles dicts of bytes, lists and numpy arrays only (what a CIFAR batch holds):
  any other global is refused, so a stray pickle cannot run code (`_codecs.encode` is how
  protocol 2 stores bytes)."""

  _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
              ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
              ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")}

  def find_class(self, module, name):
    if (module, name) in self._ALLOWED:
      return super().find_class(module, name)
    raise pickle.UnpicklingError(f"refuses the global {module}.{name}")


def read_cifar_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
  """One CIFAR-10 python batch: uint8 images [N, 32, 32, 3] (HWC), labels [N] int64.

  The batch is a pickled dict with b'data' (uint8 [N, 3072], rows R…G…B of 32×32) and
  b'labels' (N ints in 0..9), as ``pickle.load(f, encoding='bytes')`` reads the real files.

  Raises:
    DataFileError: not a pickle (or truncated), not such a dict, wrong sizes or labels.
  """
  import io

  with open(path, "rb") as f:
    raw = f.read()
  try:
    obj = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
  except EOFError:
    raise DataFileError(f"{path}: truncated: the pickle ends after {len(raw)} bytes") from None
  except Exception as e:  # noqa: BLE001 - any unpickling failure means a malformed file
    raise DataFileError(f"{path}: not a CIFAR-10 python batch "
                        f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
  if not isinstance(obj, dict):
    raise DataFileError(f"{path}: not a CIFAR-10 python batch: holds a "
                        f"{type(obj).__name__}, not a dict")
  get = lambda k: obj.get(k.encode(), obj.get(k))
  data, labels = get("data"), get("labels")
  if data is None or labels is None:
    raise DataFileError(f"{path}: not a CIFAR-10 python batch: no b'data' / b'labels' "
                        f"(keys {sorted(map(repr, obj))})")
  data = np.asarray(data)
  labels = np.asarray(labels)
  if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
    raise DataFileError(f"{path}: malformed: b'data' is {data.dtype} {data.shape}, "
                        "expected uint8 [N, 3072]")
  if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer):
    raise DataFileError(f"{path}: malformed: {labels.shape} b'labels' for {len(data)} images")
  if labels.size and (labels.min() < 0 or labels.max() > 9):
    raise DataFileError(f"{path}: malformed: labels outside 0..9")
  return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels.astype(np.int64)


def _select(x: np.ndarray, labels: np.ndarray, classes) -> tuple[np.ndarray, np.ndarray]:
  if classes is None:
    return x, labels
  classes = [int(c) for c in classes]
  if not classes or any(not 0 <= c <= 9 for c in classes):
    raise ValueError(f"classes={classes} must be digits in 0..9")
  keep = np.isin(labels, classes)
  if not keep.any():
    raise ValueError(f"classes={classes}: no image has one of these labels")
  return x[keep], labels[keep]


def load_images(name: str, data_dir: str | None = None, classes: Sequence[int] | None = None,
                flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
  """The training images of a real dataset, pixels in [0, 1], in file order.

  Args:
    name: one of `REAL_DATASETS`: "digits" (shipped with scikit-learn, no ``data_dir``),
      "mnist" or "cifar10" (read from ``data_dir``, see `dataset_files`; nothing is
      downloaded). MNIST and CIFAR-10 pixels are divided by 255, digits' by 16.
    data_dir: the local directory of MNIST / CIFAR-10.
    classes: keep only these classes (None: all ten).
    flatten: x [N, D] if True (CIFAR-10 in H, W, C order), else images [N, H, W, C]
      (digits 8×8×1, MNIST 28×28×1, CIFAR-10 32×32×3).

  Returns:
    x float32, labels [N] int64.

  Raises:
    ValueError: unknown name or classes; mnist / cifar10 without data_dir.
    DataFileMissing: data_dir or a needed file is absent (one line naming it).
    DataFileError: a file is truncated or malformed (one line naming it and what is wrong).
  """
  paths = dataset_files(name, data_dir)
  if name == "digits":
    x, labels = digits(classes)
    if not flatten:
      x = x.reshape(-1, 8, 8, 1)
    return x, labels
  if name == "mnist":
    images, labels = _load_mnist(paths)
    images = images[..., None]
  else:
    parts = [read_cifar_batch(p) for p in paths]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
  images, labels = _select(images, np.asarray(labels, np.int64), classes)
  x = images.astype(np.float32) / 255.0
  if flatten:
    x = x.reshape(len(x), int(np.prod(x.shape[1:])))
  return x, labels


SAMPLE_PHOTOS = ("china.jpg", "flower.jpg")


def sample_photo(name: str = "china.jpg", size: int = 64) -> np.ndarray:
  """A photograph shipped with scikit-learn as a grey [size, size] float32 image in [0, 1].

  ``sklearn.datasets.load_sample_image(name)`` (427 × 640 RGB, no download), converted to
  grey with the ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B, divided by 255, cropped to
  the centred square of side ``(427 // size) · size`` and downsampled by block means.
  Row index = vertical position (top first), column = horizontal.
  """
  if name not in SAMPLE_PHOTOS:
    raise ValueError(f"photo={name!r} is not shipped; choose one of {SAMPLE_PHOTOS}")
  from sklearn.datasets import load_sample_image  # pylint: disable=import-outside-toplevel
  rgb = np.asarray(load_sample_image(name), np.float64)
  h, w = rgb.shape[:2]
  if not (isinstance(size, (int, np.integer)) and 1 <= size <= min(h, w)):
    raise ValueError(f"size={size!r} must be an integer in [1, {min(h, w)}]")
  grey = (rgb @ np.array([0.299, 0.587, 0.114])) / 255.0
  b = min(h, w) // size
  side = b * size
  top, left = (h - side) // 2, (w - side) // 2
  crop = grey[top:top + side, left:left + side]
  return crop.reshape(size, b, size, b).mean(axis=(1, 3)).astype(np.float32)
