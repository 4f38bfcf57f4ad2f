"""The theory overlay's one path: Θ at init → eigenpairs → predicted residuals.

Every experiment that holds training against the kernel regime does the same per seed:
the empirical NTK Θ of the net at initialisation on its training inputs
(`kernels.empirical_ntk_fn`, compiled once for all seeds), its float64 eigensystem
(`theory.eigh`) and the initial outputs f₀; then a prediction from it — residuals under
GD or gradient flow (`theory.kernel_flow`), per-mode coefficients, the first step below a
level (`theory.convergence_time`) or outputs at test points
(`theory.gradient_descent_mse`). `init_kernels` yields one `InitKernel` per seed.

  >>> import flax.linen as nn
  >>> net = nn.Dense(1)
  >>> apply = lambda p, x: net.apply(p, x)[:, 0]
  >>> x = jnp.linspace(-1, 1, 4)[:, None]
  >>> params = [net.init(jax.random.key(s), x) for s in range(2)]
  >>> ks = list(init_kernels(apply, params, x))
  >>> ks[0].theta.shape, ks[0].residuals(np.zeros(4), 0.1, [0, 5], scale=0.5).shape
  ((4, 4), (2, 4))
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Iterable, Iterator

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging
from numpy.typing import ArrayLike

from fourier_nn import kernels, theory

PyTree = Any


@dataclasses.dataclass
class InitKernel:
  """One net's empirical NTK at initialisation on its training inputs, eigendecomposed.

  Attributes:
    theta: [N, N] float64 Θ(x, x).
    eigvals: [N] descending; eigvecs: [N, N] (columns), as `theory.eigh`.
    f0: [N] float64 outputs of the net at initialisation on x.
    params: the initial params; x: [N, ...] the training inputs.
    ntk_fn: the compiled kernel function, for `test_kernel`.
  """

  theta: np.ndarray
  eigvals: np.ndarray
  eigvecs: np.ndarray
  f0: np.ndarray
  params: PyTree
  x: jax.Array
  ntk_fn: Callable

  @property
  def eig(self) -> tuple[np.ndarray, np.ndarray]:
    return self.eigvals, self.eigvecs

  def flow(self, r0: ArrayLike, lr: float, steps: ArrayLike, *, scale: float,
           discrete: bool = True, return_coeffs: bool = False) -> np.ndarray:
    """`theory.kernel_flow` of a residual r0[..., N] on this kernel: [..., T, N]."""
    return theory.kernel_flow(self.eig, r0, lr, steps, scale=scale, discrete=discrete,
                              return_coeffs=return_coeffs)

  def residuals(self, y: ArrayLike, lr: float, steps: ArrayLike, *, scale: float,
                discrete: bool = True) -> np.ndarray:
    """Predicted training residuals f_t − y [T, N], starting from the net's own f₀ − y."""
    return self.flow(self.f0 - np.asarray(y, np.float64), lr, steps, scale=scale,
                     discrete=discrete)

  def coeffs(self, r0: ArrayLike) -> np.ndarray:
    """Vᵀ r0: coefficients of residuals r0[..., N] on the eigenvectors."""
    return theory.project(r0, self.eigvecs)

  def test_kernel(self, x_test: ArrayLike) -> np.ndarray:
    """[M, N] float64 Θ(x_test, x) of the same net."""
    return np.asarray(self.ntk_fn(self.params, jnp.asarray(x_test), self.x), np.float64)

  def predictor(self, y: ArrayLike, lr: float, *, scale: float, discrete: bool = True):
    """`theory.gradient_descent_mse` on this kernel (train and test predictions)."""
    return theory.gradient_descent_mse(self.eig, y, lr, scale=scale, discrete=discrete)


def init_kernels(apply_fn: Callable[[PyTree, jax.Array], jax.Array],
                 params: Iterable[PyTree], x, *, name: str = "kernel_regime",
                 **ntk_kwargs) -> Iterator[InitKernel]:
  """Yields the `InitKernel` of each net, one compiled NTK program for all of them.

  Args:
    apply_fn: (params, x[N, ...]) -> [N] (scalar output per input).
    params: the nets' initial params, one per seed (an iterable: built lazily).
    x: the training inputs: an array [N, ...] shared by all nets, or a list/tuple with
      one [N, ...] array per net.
    name: label of the progress log lines.
    **ntk_kwargs: options of `kernels.empirical_ntk_fn` (method, chunk_size, ...).
  """
  ntk_fn = kernels.empirical_ntk_fn(apply_fn, **ntk_kwargs)
  apply_j = jax.jit(apply_fn)
  shared = not isinstance(x, (list, tuple))
  for i, p in enumerate(params):
    t0 = time.perf_counter()
    xi = jnp.asarray(x if shared else x[i])
    theta = np.asarray(ntk_fn(p, xi), np.float64)
    lam, vec = theory.eigh(theta)
    f0 = np.asarray(apply_j(p, xi), np.float64)
    logging.info("%s: empirical NTK of seed %d (%d points) and its eigensystem in %.1f s",
                 name, i, xi.shape[0], time.perf_counter() - t0)
    yield InitKernel(theta=theta, eigvals=lam, eigvecs=vec, f0=f0, params=p, x=xi,
                     ntk_fn=ntk_fn)
