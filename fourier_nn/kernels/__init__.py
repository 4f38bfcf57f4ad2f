"""Neural tangent and Gaussian-process kernels.

Layout (every public name is re-exported here: use ``kernels.NAME``):

* :mod:`~fourier_nn.kernels.empirical` — the finite-width NTK of any
  ``apply_fn(params, x)`` by JAX autodiff, chunked over inputs (Jacot et al. 2018,
  "Neural Tangent Kernel", arXiv:1806.07572; implementations after Novak et al. 2022,
  "Fast Finite Width Neural Tangent Kernel", arXiv:2206.08720):
  :func:`empirical_ntk_fn` (``ntk_fn(params, x1, x2=None)``, compiled once per
  returned function, as ``nt.empirical_ntk_fn``) and the one-shot
  :func:`empirical_ntk`.
* :mod:`~fourier_nn.kernels.ensemble` — that NTK averaged over ``E`` random
  initialisations, vmapped over PRNG keys: :func:`ensemble_ntk_fn`
  (``fn(keys, x1, x2=None)``) and :func:`ensemble_ntk`.
* :mod:`~fourier_nn.kernels.structured` — the same kernel for a
  ``fourier_nn.models.MLP`` from its Dense-layer structure without forming Jacobians
  (neural-tangents' "structured derivatives"), O(N²·width) per layer instead of
  O(N²·P): :func:`mlp_empirical_ntk_fn` and :func:`mlp_empirical_ntk`.
* :mod:`~fourier_nn.kernels.infinite_width` — :func:`mlp_kernels`, the infinite-width
  NNGP and NTK of a fully-connected net, the same numbers ``neural_tangents.stax``
  gives for the same architecture (Lee et al. 2018, arXiv:1711.00165; Arora et al.
  2019, arXiv:1904.11955).
* :mod:`~fourier_nn.kernels.rbf` — :func:`rbf_kernel`, the Gaussian kernel.
* ``_common`` (private) — argument checks and the chunked block assembly they share.

Output convention (same as ``nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0)``):
every kernel here is a matrix ``[N1, N2]`` over pairs of inputs. A network with ``O > 1``
outputs has its output axis traced *and divided by O*, as neural-tangents'
``trace_axes`` does: Θ[i, j] = (1/O) Σ_o ⟨∂f_o(x1_i)/∂θ, ∂f_o(x2_j)/∂θ⟩. For i.i.d.
readout units this is the per-output kernel, the one :func:`mlp_kernels` gives.

Compilation: the ``*_fn`` builders return a function that owns its ``jax.jit`` program
(one trace per input signature, reused across calls with new parameters and inputs of
the same shapes); nothing is cached at module level, so the one-shot forms compile on
every call. To evaluate many nets or many same-shaped inputs, build once:

>>> import flax.linen as nn, jax, jax.numpy as jnp
>>> model = nn.Sequential([nn.Dense(16), nn.tanh, nn.Dense(1)])
>>> x = jnp.linspace(-1, 1, 10)[:, None]
>>> ntk_fn = empirical_ntk_fn(model.apply, method="jacobian")
>>> [ntk_fn(model.init(jax.random.key(s), x), x).shape for s in range(2)]
[(10, 10), (10, 10)]

neural-tangents itself is an optional reference backend (``backend="neural_tangents"``),
imported only when asked for: it does not import on jax>=0.6. This package imports on
jax 0.4.25 (the pinned neural-tangents environment) as well as on current jax.
"""
from fourier_nn.kernels._common import ApplyFn, PyTree
from fourier_nn.kernels.empirical import empirical_ntk, empirical_ntk_fn
from fourier_nn.kernels.ensemble import ensemble_ntk, ensemble_ntk_fn
from fourier_nn.kernels.infinite_width import mlp_kernels
from fourier_nn.kernels.rbf import rbf_kernel
from fourier_nn.kernels.structured import mlp_empirical_ntk, mlp_empirical_ntk_fn

__all__ = [
    "empirical_ntk_fn", "empirical_ntk", "ensemble_ntk_fn", "ensemble_ntk",
    "mlp_empirical_ntk_fn", "mlp_empirical_ntk", "mlp_kernels", "rbf_kernel",
    "ApplyFn", "PyTree",
]
