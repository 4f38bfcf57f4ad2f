"""Neural tangent and Gaussian-process kernels.

* :func:`empirical_ntk` — the finite-width neural tangent kernel of any
  ``apply_fn(params, x)`` by JAX autodiff, chunked over inputs (Jacot et al. 2018,
  "Neural Tangent Kernel", arXiv:1806.07572; implementations after Novak et al. 2022,
  "Fast Finite Width Neural Tangent Kernel", arXiv:2206.08720).
* :func:`mlp_empirical_ntk` — the same kernel for a ``fourier_nn.models.MLP``, from its
  Dense-layer structure without forming Jacobians (neural-tangents' "structured
  derivatives", Novak et al. 2022), O(N²·width) per layer instead of O(N²·P).
* :func:`mlp_kernels` — the infinite-width NNGP and NTK of a fully-connected net, the
  same numbers ``neural_tangents.stax`` gives for the same architecture (Lee et al. 2018,
  "Deep Neural Networks as Gaussian Processes", arXiv:1711.00165; Arora et al. 2019,
  "On Exact Computation with an Infinitely Wide Neural Net", arXiv:1904.11955).
* :func:`rbf_kernel` — the Gaussian (squared-exponential) kernel.

Output convention (same as ``nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0)``):
every kernel here is a matrix ``[N1, N2]`` over pairs of inputs. A network with ``O > 1``
outputs has its output axis traced *and divided by O*, as neural-tangents'
``trace_axes`` does: Θ[i, j] = (1/O) Σ_o ⟨∂f_o(x1_i)/∂θ, ∂f_o(x2_j)/∂θ⟩. For i.i.d.
readout units this is the per-output kernel, the one :func:`mlp_kernels` gives.

neural-tangents itself is an optional reference backend (``backend="neural_tangents"``),
imported only when asked for: it does not import on jax>=0.6.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Optional, Tuple, Union

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

PyTree = Any
ApplyFn = Callable[[PyTree, jax.Array], jax.Array]

_METHODS = ("jacobian", "ntvp")
_BACKENDS = ("jax", "neural_tangents")
# neural-tangents' NtkImplementation enum values.
_NT_IMPLEMENTATION = {"jacobian": 1, "ntvp": 2}
_IMPLEMENTATION_METHOD = {1: "jacobian", 2: "ntvp"}

# Kernel matrices feed eigendecompositions; TPU/GPU default matmul precision (bf16 or
# TF32 passes) would put ~1e-3 relative noise into them.
_HIGHEST = lax.Precision.HIGHEST


# --------------------------------------------------------------------------------------
# Empirical NTK
# --------------------------------------------------------------------------------------


def empirical_ntk(
    apply_fn: ApplyFn,
    params: PyTree,
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    *,
    method: str = "jacobian",
    chunk_size: Optional[int] = None,
    backend: str = "jax",
    implementation: Optional[int] = None,
) -> jax.Array:
    r"""Finite-width neural tangent kernel Θ = J(x1) J(x2)ᵀ of ``apply_fn`` at ``params``.

    Θ[i, j] = (1/O) Σ_o Σ_p ∂f_o(x1_i)/∂θ_p · ∂f_o(x2_j)/∂θ_p (Jacot et al. 2018,
    arXiv:1806.07572), summed over every leaf of the parameter pytree; when
    ``apply_fn`` returns ``[N, O]`` with ``O > 1`` the output axis is traced and divided
    by ``O`` (the mean over outputs). This is exactly
    ``nt.empirical_ntk_fn(apply_fn, trace_axes=(-1,), vmap_axes=0)(x1, x2, params)`` of
    neural-tangents 0.6.5, whose ``trace_axes`` divide by the traced size; a
    ``[N]``-shaped output is treated as ``[N, 1]``. Multiply by ``O`` for the plain sum.

    Rows of a batch must not interact (no batch norm): like ``vmap_axes=0`` in
    neural-tangents, each input's Jacobian is taken through ``apply_fn(params, x[None])``.

    Methods (Novak et al. 2022, arXiv:2206.08720):

    * ``"jacobian"`` (Jacobian contraction): per-example ``jacrev`` Jacobians of a chunk
      of ``x1`` and of ``x2``, contracted leaf by leaf, summed over leaves.
      Peak memory ≈ ``b·O·P·(c1 + c2) + b·N1·N2`` bytes, where ``P`` is the number of
      parameters, ``b`` = 4 (float32) or 8 (float64) and ``c1 = min(chunk_size, N1)``,
      ``c2 = min(chunk_size, N2)`` (``c = N`` when unchunked; with ``x2=None`` unchunked
      the one Jacobian ``b·O·P·N1`` is reused for both sides), plus ``apply_fn``'s own
      backward-pass memory for ``c·O`` inputs. Chunked, each block pair recomputes
      both sides' Jacobians (≈ ``N2/c2`` passes over ``x1`` and ``N1/c1`` over ``x2``;
      with ``x2=None`` only the upper-triangular blocks are computed).
    * ``"ntvp"`` (NTK-vector products): column j of Θ is J(x1) (J(x2_j)ᵀ e_o) averaged
      over o, a ``vjp`` of one x2 row followed by a ``jvp`` over a chunk of x1, never
      materialising J. Peak memory ≈ ``b·O·P·c2 + b·N1·N2`` bytes plus ``c2·O``
      tangent copies of ``apply_fn``'s activations for ``c1`` rows. Cheaper in memory
      than ``"jacobian"`` for large ``P``, typically slower.

    Args:
      apply_fn: ``apply_fn(params, x) -> [N]`` or ``[N, O]`` for ``x`` of shape
        ``[N, *feature_shape]``, e.g. a Flax ``model.apply``.
      params: pytree of float arrays (e.g. Flax ``variables``); differentiated leafwise.
      x1: inputs ``[N1, *feature_shape]``.
      x2: inputs ``[N2, *feature_shape]``; ``None`` means ``x2 = x1`` (the result is
        then exactly symmetric, and unchunked ``"jacobian"`` computes J(x1) once).
      method: ``"jacobian"`` or ``"ntvp"``.
      chunk_size: at most this many rows of ``x1`` and of ``x2`` per piece (``None``:
        one piece). Ragged last chunks are padded, so one compiled program serves all.
      backend: ``"jax"`` (ours) or ``"neural_tangents"`` (the reference, needs the
        ``[nt]`` environment; ``chunk_size`` then loops over blocks in Python).
      implementation: neural-tangents ``NtkImplementation`` number, overrides
        ``method``: 1 = Jacobian contraction, 2 = NTK-vector products, 3 = structured
        derivatives (``backend="neural_tangents"`` only).

    Returns:
      Θ ``[N1, N2]`` in the dtype of ``params`` (float32 normally, float64 under x64).

    Raises:
      ValueError: unknown ``method``/``backend``/``implementation``, bad
        ``chunk_size``, feature shapes of ``x1`` and ``x2`` that differ, or an
        ``apply_fn`` output that is not ``[N]`` or ``[N, O]``.
      ImportError: ``backend="neural_tangents"`` where neural-tangents does not import.

    Example:
      >>> import flax.linen as nn
      >>> model = nn.Sequential([nn.Dense(16), nn.tanh, nn.Dense(1)])
      >>> x = jnp.linspace(-1, 1, 10)[:, None]
      >>> params = model.init(jax.random.key(0), x)
      >>> theta = empirical_ntk(model.apply, params, x, chunk_size=4)
      >>> theta.shape
      (10, 10)
    """
    if backend not in _BACKENDS:
        raise ValueError(f"backend={backend!r} is not supported; use one of {_BACKENDS}.")
    if implementation is not None:
        if isinstance(implementation, bool) or implementation not in (1, 2, 3):
            raise ValueError(
                f"implementation={implementation!r} is not supported; use 1 (Jacobian "
                "contraction), 2 (NTK-vector products) or 3 (structured derivatives).")
        if implementation == 3 and backend != "neural_tangents":
            raise ValueError("implementation=3 (structured derivatives) exists only with "
                             "backend='neural_tangents'; use method='jacobian' or 'ntvp'.")
        method = _IMPLEMENTATION_METHOD.get(implementation, method)
    if method not in _METHODS:
        raise ValueError(f"method={method!r} is not supported; use one of {_METHODS}.")
    if chunk_size is not None and (isinstance(chunk_size, bool)
                                   or not isinstance(chunk_size, (int, np.integer))
                                   or chunk_size < 1):
        raise ValueError(f"chunk_size={chunk_size!r} must be a positive int or None.")

    symmetric = x2 is None
    x1 = jnp.asarray(x1)
    x2 = x1 if symmetric else jnp.asarray(x2)
    if x1.ndim < 1 or x2.ndim < 1:
        raise ValueError(f"x1 and x2 need a leading batch axis; got shapes {x1.shape} "
                         f"and {x2.shape}.")
    if x1.shape[1:] != x2.shape[1:]:
        raise ValueError(f"x1 and x2 must have the same feature shape; got x1 {x1.shape} "
                         f"and x2 {x2.shape}.")
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("params has no array leaves: there is nothing to differentiate.")
    dtype = jnp.result_type(*leaves)

    n1, n2 = x1.shape[0], x2.shape[0]
    out = jax.eval_shape(apply_fn, params, x1)
    out_shape = getattr(out, "shape", None)
    if out_shape is None or len(out_shape) not in (1, 2) or out_shape[0] != n1:
        raise ValueError(
            f"apply_fn(params, x1) must return an array [N1] or [N1, O] with N1={n1}; "
            f"got {out_shape if out_shape is not None else type(out).__name__}.")
    if n1 == 0 or n2 == 0:
        return jnp.zeros((n1, n2), dtype)

    if backend == "neural_tangents":
        impl = implementation if implementation is not None else _NT_IMPLEMENTATION[method]
        return _nt_empirical_ntk(apply_fn, params, x1, None if symmetric else x2,
                                 impl, chunk_size, dtype)

    try:
        program = _cached_ntk_program(apply_fn, method, chunk_size, symmetric)
    except TypeError:  # unhashable apply_fn: build (and compile) afresh.
        program = _ntk_program(apply_fn, method, chunk_size, symmetric)
    return program(params, x1, x2).astype(dtype)


def _single(apply_fn: ApplyFn) -> Callable[[PyTree, jax.Array], jax.Array]:
    """``f(params, x_i) -> [O]`` for one input ``x_i`` of shape ``feature_shape``."""
    def f(params, xi):
        return jnp.reshape(apply_fn(params, xi[None]), (-1,))
    return f


def _batched(apply_fn: ApplyFn) -> Callable[[PyTree, jax.Array], jax.Array]:
    """``f(params, x) -> [N, O]`` for ``x`` of shape ``[N, *feature_shape]``."""
    def f(params, x):
        return jnp.reshape(apply_fn(params, x), (x.shape[0], -1))
    return f


def _jacobians(f_single, params: PyTree, x: jax.Array) -> PyTree:
    """Per-example Jacobians: a pytree like ``params`` with leaves ``[c, O, *leaf]``."""
    # vmap over examples of a single-example jacrev: c·O backward passes of one row
    # each, instead of c·O passes through the whole chunk that jacrev of the batch does.
    return jax.vmap(jax.jacrev(f_single), in_axes=(None, 0))(params, x)


def _contract(ja: PyTree, jb: PyTree) -> jax.Array:
    """(1/O) Σ_leaves Σ_{o, p} ja[i, o, p] jb[j, o, p] → ``[ca, cb]``."""
    n_out = jax.tree_util.tree_leaves(ja)[0].shape[1]
    terms = [
        jnp.dot(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1).T, precision=_HIGHEST)
        for a, b in zip(jax.tree_util.tree_leaves(ja), jax.tree_util.tree_leaves(jb))
    ]
    return functools.reduce(jnp.add, terms) / n_out


def _ntvp_block(f_single, f_batch, params: PyTree, xa: jax.Array,
                xb: jax.Array) -> jax.Array:
    """Θ block ``[ca, cb]`` from NTK-vector products, without materialising J."""
    def column(xj):
        out, vjp_fn = jax.vjp(lambda p: f_single(p, xj), params)
        basis = jnp.eye(out.shape[0], dtype=out.dtype)
        (tangents,) = jax.vmap(vjp_fn)(basis)  # J(x_j)ᵀ e_o, leaves [O, *leaf]

        def push(t):
            return jax.jvp(lambda p: f_batch(p, xa), (params,), (t,))[1]  # [ca, O]

        # [O_tangent, ca, O_out]; the trace pairs output o of x1 with output o of x_j.
        return jnp.trace(jax.vmap(push)(tangents), axis1=0, axis2=2) / out.shape[0]

    return jax.vmap(column)(xb).T


def _to_chunks(x: jax.Array, c: int) -> jax.Array:
    """``[n, ...] -> [ceil(n/c), c, ...]``, padding with copies of row 0.

    Copies of a real row (not zeros) keep the padding inside the domain of ``apply_fn``
    (no 0/0 in normalising layers); the padded rows are sliced off afterwards.
    """
    n = x.shape[0]
    nb = -(-n // c)
    pad = nb * c - n
    if pad:
        x = jnp.concatenate([x, jnp.broadcast_to(x[:1], (pad,) + x.shape[1:])], axis=0)
    return x.reshape((nb, c) + x.shape[1:])


def _assemble_blocks(pieces, ii, jj, nb1, nb2, c1, c2, n1, n2, symmetric):
    """[pairs, c1, c2] chunk blocks at block indices (ii, jj) -> Θ [n1, n2] (padding cut).

    With ``symmetric`` only upper-triangle blocks were computed; the lower ones are their
    transposes.
    """
    if symmetric:
        blocks = jnp.zeros((nb1, nb1, c1, c1), pieces.dtype)
        blocks = blocks.at[jj, ii].set(pieces.transpose(0, 2, 1))
        blocks = blocks.at[ii, jj].set(pieces)
    else:
        blocks = pieces.reshape(nb1, nb2, c1, c2)
    return blocks.transpose(0, 2, 1, 3).reshape(nb1 * c1, nb2 * c2)[:n1, :n2]


def _ntk_program(apply_fn: ApplyFn, method: str, chunk_size: Optional[int],
                 symmetric: bool) -> Callable[[PyTree, jax.Array, jax.Array], jax.Array]:
    """Jitted ``(params, x1, x2) -> Θ [N1, N2]`` for one apply_fn and method."""
    f_single, f_batch = _single(apply_fn), _batched(apply_fn)

    if method == "jacobian":
        def prepare(params, xa):
            return _jacobians(f_single, params, xa)

        def block(params, ja, xb):
            return _contract(ja, _jacobians(f_single, params, xb))
    else:
        def prepare(params, xa):
            return xa

        def block(params, xa, xb):
            return _ntvp_block(f_single, f_batch, params, xa, xb)

    def program(params, x1, x2):
        n1, n2 = x1.shape[0], x2.shape[0]
        if chunk_size is None or (chunk_size >= n1 and chunk_size >= n2):
            state = prepare(params, x1)
            if symmetric and method == "jacobian":
                theta = _contract(state, state)
            else:
                theta = block(params, state, x2)
        else:
            c1, c2 = min(chunk_size, n1), min(chunk_size, n2)
            x1b, x2b = _to_chunks(x1, c1), _to_chunks(x2, c2)
            nb1, nb2 = x1b.shape[0], x2b.shape[0]
            # One flat lax.map over block pairs, both sides computed in the same body:
            # only one block's Jacobians / tangents are alive at a time. (Nesting two
            # lax.maps, the row Jacobians hoisted out of the inner one, is miscompiled
            # by jax 0.4.25 on CPU for ~4M-parameter nets: silently ~10% off.)
            if symmetric:  # upper-triangular blocks only; the rest by transposition
                ii, jj = np.triu_indices(nb1)
            else:
                ii, jj = (a.ravel() for a in np.meshgrid(np.arange(nb1), np.arange(nb2),
                                                          indexing="ij"))
            pieces = lax.map(lambda ab: block(params, prepare(params, ab[0]), ab[1]),
                             (x1b[ii], x2b[jj]))  # [pairs, c1, c2]
            theta = _assemble_blocks(pieces, ii, jj, nb1, nb2, c1, c2, n1, n2, symmetric)
        if symmetric:
            # Exact symmetry for eigh; the two triangles differ only by rounding.
            theta = (theta + theta.T) / 2
        return theta

    return jax.jit(program)


_cached_ntk_program = functools.lru_cache(maxsize=32)(_ntk_program)


def _nt_empirical_ntk(apply_fn: ApplyFn, params: PyTree, x1: jax.Array,
                      x2: Optional[jax.Array], implementation: int,
                      chunk_size: Optional[int], dtype) -> jax.Array:
    """The same kernel through ``neural_tangents.empirical_ntk_fn``."""
    try:
        import neural_tangents as nt  # pylint: disable=g-import-not-at-top
    except Exception as e:  # nt 0.6.5 fails with AttributeError, not ImportError, on jax>=0.6
        raise ImportError(
            "backend='neural_tangents' needs neural-tangents, an optional reference "
            "backend installed into its own pinned environment by `make nt-parity` "
            "(neural-tangents 0.6.5 does not import on jax>=0.6); use backend='jax'. "
            f"Import failed with: {type(e).__name__}: {e}") from e

    feature_ndim = x1.ndim - 1

    def f(p, x, **kwargs):
        out = apply_fn(p, x, **kwargs)
        # A per-example scalar output gets an explicit size-1 output axis, so that
        # trace_axes=(-1,) traces outputs and never the batch axis (with or without the
        # batch axis that vmap_axes=0 may strip).
        if out.ndim == x.ndim - feature_ndim:
            out = out[..., None]
        return out

    ntk_fn = jax.jit(nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0,
                                         implementation=implementation))
    if chunk_size is None:
        theta = ntk_fn(x1, x2, params)
    else:
        xb = x1 if x2 is None else x2
        rows = []
        for i in range(0, x1.shape[0], chunk_size):
            rows.append(jnp.concatenate(
                [ntk_fn(x1[i:i + chunk_size], xb[j:j + chunk_size], params)
                 for j in range(0, xb.shape[0], chunk_size)], axis=1))
        theta = jnp.concatenate(rows, axis=0)
        if x2 is None:
            theta = (theta + theta.T) / 2
    return jnp.asarray(theta, dtype)


# --------------------------------------------------------------------------------------
# Structured empirical NTK of fourier_nn.models.MLP
# --------------------------------------------------------------------------------------


def mlp_empirical_ntk(
    model: Any,
    params: PyTree,
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    *,
    chunk_size: Optional[int] = None,
) -> jax.Array:
    r"""Empirical NTK of a :class:`fourier_nn.models.MLP` without forming its Jacobian.

    The same kernel as ``empirical_ntk(model.apply, params, x1, x2)`` (same output
    convention: the output axis traced and divided by ``O = model.out_dim``), computed
    from the Dense-layer structure, as neural-tangents' implementation 3 ("structured
    derivatives", Novak et al. 2022, arXiv:2206.08720) does. For a layer
    ``z_l = s_l · a_l W_l + β_l · b_l`` (per example; ``s_l = β_l = 1`` for
    ``init_scheme`` "flax"/"torch", ``s_l = w_std/√fan_in``, ``β_l = b_std`` for "ntk"),
    ∂f_o/∂W_l = s_l a_lᵀ δ_l^o and ∂f_o/∂b_l = β_l δ_l^o with δ_l^o = ∂f_o/∂z_l, so

        Θ[i, j] = (1/O) Σ_l (s_l² a_l(x1_i)·a_l(x2_j) + β_l² [use_bias])
                          · Σ_o δ_l^o(x1_i)·δ_l^o(x2_j).

    a_l comes from a forward pass, δ_l from ``O`` backward passes (``jax.vjp`` of the
    forward with zero perturbations added to every pre-activation), for any activation
    of ``models.ACTIVATIONS``.

    Cost, with ``F = Σ_l fan_in_l·fan_out_l`` (≈ P) and ``W = Σ_l (fan_in_l +
    O·fan_out_l)`` (≈ (1 + O)·depth·width): features ``O(O·(N1 + N2)·F)``, kernel
    ``O(N1·N2·W)`` — instead of ``O(N1·N2·O·P)`` for ``method="jacobian"``. Memory
    ``b·(N1 + N2)·W`` bytes of features (computed ``chunk_size`` rows at a time when
    chunked) plus ``b·N1·N2`` for Θ and a few ``c1 × c2`` blocks (``b`` = 4 or 8).

    Args:
      model: a ``fourier_nn.models.MLP`` (any ``widths``/``depth``, ``activation``,
        ``use_bias``, ``init_scheme``, ``w_std``, ``b_std``, ``out_dim``).
      params: its variables, ``model.init(...)`` (``params["params"]["hidden_i"]`` and
        ``["readout"]``; kernel/bias under ``["dense"]`` for ``init_scheme="flax"``).
      x1: inputs ``[N1, d]``.
      x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (result exactly symmetric).
      chunk_size: at most this many rows of ``x1`` and of ``x2`` per block (``None``:
        one block); ragged last chunks are padded.

    Returns:
      Θ ``[N1, N2]`` in the dtype of ``params``.

    Raises:
      ValueError: bad ``chunk_size``, inputs that are not ``[N, d]`` with the same
        ``d``, or an unknown activation / init scheme.

    Example:
      >>> from fourier_nn import models
      >>> model = models.MLP(depth=2, width=16, init_scheme="torch")
      >>> x = jnp.linspace(-1, 1, 10)[:, None]
      >>> params = model.init(jax.random.key(0), x)
      >>> theta = mlp_empirical_ntk(model, params, x, chunk_size=4)
      >>> theta.shape
      (10, 10)
      >>> bool(jnp.allclose(theta, empirical_ntk(model.apply, params, x), rtol=1e-4))
      True
    """
    from fourier_nn import models  # pylint: disable=g-import-not-at-top

    if chunk_size is not None and (isinstance(chunk_size, bool)
                                   or not isinstance(chunk_size, (int, np.integer))
                                   or chunk_size < 1):
        raise ValueError(f"chunk_size={chunk_size!r} must be a positive int or None.")
    models.get_activation(model.activation)  # ValueError naming the choices
    if model.init_scheme not in models.INITS:
        raise ValueError(f"init_scheme={model.init_scheme!r} is not supported; choose "
                         f"one of {models.INITS}.")
    symmetric = x2 is None
    x1 = jnp.asarray(x1)
    x2 = x1 if symmetric else jnp.asarray(x2)
    if x1.ndim != 2 or x2.ndim != 2 or x1.shape[1] != x2.shape[1]:
        raise ValueError(f"x1 and x2 must be [N, d] with the same d; got shapes "
                         f"{x1.shape} and {x2.shape}.")
    dtype = jnp.result_type(*jax.tree_util.tree_leaves(params))
    n1, n2 = x1.shape[0], x2.shape[0]
    if n1 == 0 or n2 == 0:
        return jnp.zeros((n1, n2), dtype)
    spec = (tuple(int(w) for w in model.hidden_widths()), int(model.out_dim),
            str(model.activation), bool(model.use_bias), str(model.init_scheme),
            float(model.w_std), float(model.b_std))
    program = _cached_mlp_ntk_program(spec, chunk_size, symmetric)
    return program(params, x1, x2).astype(dtype)


def _mlp_layers(spec, params):
    """[(kernel, bias or None)] of an MLP's Dense layers, input to output."""
    widths, _, _, use_bias, init_scheme, _, _ = spec
    p = params["params"]
    layers = []
    for name in [f"hidden_{i}" for i in range(len(widths))] + ["readout"]:
        leaf = p[name]["dense"] if init_scheme == "flax" else p[name]
        layers.append((leaf["kernel"], leaf["bias"] if use_bias else None))
    return layers


def _mlp_features(spec, params, x):
    """Per layer l: (s_l·a_l ``[n, fan_in]``, δ_l ``[n, O·fan_out]``) for inputs x."""
    from fourier_nn import models  # pylint: disable=g-import-not-at-top
    _, n_out, activation, _, init_scheme, w_std, b_std = spec
    act = models.get_activation(activation)
    layers = _mlp_layers(spec, params)
    x = x.astype(jnp.result_type(x, *[w for w, _ in layers]))
    n = x.shape[0]

    def forward(eps):
        a, inputs = x, []
        for l, ((w, b), e) in enumerate(zip(layers, eps)):
            inputs.append(a)
            if init_scheme == "ntk":
                z = (w_std / w.shape[0] ** 0.5) * (a @ w)
                if b is not None:
                    z = z + b_std * b[None, :]
            else:
                z = a @ w
                if b is not None:
                    z = z + b[None, :]
            z = z + e
            a = act(z) if l < len(layers) - 1 else z
        return a, inputs

    eps0 = [jnp.zeros((n, w.shape[1]), x.dtype) for w, _ in layers]
    out, vjp_fn, inputs = jax.vjp(forward, eps0, has_aux=True)
    basis = jnp.broadcast_to(jnp.eye(n_out, dtype=out.dtype)[:, None, :], (n_out,) + out.shape)
    (deltas,) = jax.vmap(vjp_fn)(basis)  # leaves [O, n, fan_out]
    feats = []
    for a, d in zip(inputs, deltas):
        s = (w_std / a.shape[1] ** 0.5) if init_scheme == "ntk" else 1.0
        feats.append((s * a, jnp.transpose(d, (1, 0, 2)).reshape(n, -1)))
    return feats


def _mlp_block(spec, fa, fb) -> jax.Array:
    """Θ block ``[ca, cb]`` from the features of both sides."""
    _, n_out, _, use_bias, init_scheme, _, b_std = spec
    bias_sq = (b_std ** 2 if init_scheme == "ntk" else 1.0) if use_bias else 0.0
    terms = []
    for (aa, da), (ab, db) in zip(fa, fb):
        ga = jnp.dot(aa, ab.T, precision=_HIGHEST)
        if use_bias:
            ga = ga + bias_sq
        terms.append(ga * jnp.dot(da, db.T, precision=_HIGHEST))
    return functools.reduce(jnp.add, terms) / n_out


def _mlp_ntk_program(spec, chunk_size: Optional[int], symmetric: bool):
    """Jitted ``(params, x1, x2) -> Θ [N1, N2]`` for one MLP architecture."""

    def program(params, x1, x2):
        n1, n2 = x1.shape[0], x2.shape[0]
        if chunk_size is None or (chunk_size >= n1 and chunk_size >= n2):
            f1 = _mlp_features(spec, params, x1)
            f2 = f1 if symmetric else _mlp_features(spec, params, x2)
            theta = _mlp_block(spec, f1, f2)
        else:
            c1, c2 = min(chunk_size, n1), min(chunk_size, n2)
            features = lambda xc: _mlp_features(spec, params, xc)  # noqa: E731
            f1 = lax.map(features, _to_chunks(x1, c1))  # leaves [nb1, c1, ...]
            f2 = f1 if symmetric else lax.map(features, _to_chunks(x2, c2))
            nb1 = jax.tree_util.tree_leaves(f1)[0].shape[0]
            nb2 = jax.tree_util.tree_leaves(f2)[0].shape[0]
            if symmetric:  # upper-triangular blocks only; the rest by transposition
                ii, jj = np.triu_indices(nb1)
            else:
                ii, jj = (a.ravel() for a in np.meshgrid(np.arange(nb1), np.arange(nb2),
                                                          indexing="ij"))

            def piece(ij):
                pick = lambda f, k: jax.tree_util.tree_map(lambda t: t[k], f)  # noqa: E731
                return _mlp_block(spec, pick(f1, ij[0]), pick(f2, ij[1]))

            pieces = lax.map(piece, (jnp.asarray(ii), jnp.asarray(jj)))  # [pairs, c1, c2]
            theta = _assemble_blocks(pieces, ii, jj, nb1, nb2, c1, c2, n1, n2, symmetric)
        if symmetric:
            theta = (theta + theta.T) / 2
        return theta

    return jax.jit(program)


_cached_mlp_ntk_program = functools.lru_cache(maxsize=32)(_mlp_ntk_program)


# --------------------------------------------------------------------------------------
# Infinite-width kernels of fully-connected nets
# --------------------------------------------------------------------------------------

_CLOSED_FORM = ("relu", "erf", "sin", "cos", "identity")
_QUADRATURE = {
    "tanh": jnp.tanh,
    # The exact (erf) GELU, as neural-tangents' stax.Gelu; jax.nn.gelu defaults to the
    # tanh approximation — pass that as a callable if it is what the model uses.
    "gelu": lambda z: jax.nn.gelu(z, approximate=False),
}
_ACTIVATIONS = _CLOSED_FORM + tuple(_QUADRATURE)

# Radial cut-off of the polar quadrature: the weight r·exp(-r²/2) is < 2e-20 beyond it.
_R_MAX = 10.0
# Entries per quadrature block; each block holds ~4 arrays of BLOCK·4·m·n floats.
_QUAD_ELEMENTS_PER_BLOCK = 2 ** 21


def mlp_kernels(
    x1: ArrayLike,
    x2: Optional[ArrayLike] = None,
    depth: int = 1,
    activation: Union[str, Callable[[jax.Array], jax.Array]] = "relu",
    w_std: float = 1.0,
    b_std: Optional[float] = 0.0,
    parameterization: str = "ntk",
    *,
    width: Optional[int] = None,
    quad_points: int = 48,
) -> Tuple[jax.Array, jax.Array]:
    r"""Infinite-width NNGP and NTK of a fully-connected net with a scalar readout.

    The net is exactly the one neural-tangents builds with ::

        stax.serial(*[stax.Dense(width, W_std=w_std, b_std=b_std, parameterization=p),
                      act()] * depth,
                    stax.Dense(1, W_std=w_std, b_std=b_std, parameterization=p))

    and the kernels are those of its output (Lee et al. 2018, arXiv:1711.00165; Jacot
    et al. 2018, arXiv:1806.07572). With inputs of dimension d and per-input variances
    ``q``, starting from K₀ = x1·x2ᵀ/d, Θ₀ = 0, every Dense layer maps

    * ``"ntk"`` parameterisation, z = w_std/√fan_in · W h + b_std · b:
      K ← w_std²·K + b_std², Θ ← K + w_std²·Θ (K already updated);
    * ``"standard"`` parameterisation (Sohl-Dickstein et al. 2020, arXiv:2001.07301),
      z = W h + b with W ~ N(0, w_std²/fan_in), b ~ N(0, b_std²):
      Θ ← fan_in·K + w_std²·Θ + [bias present], then K ← w_std²·K + b_std²,

    and every activation maps K ← E[φ(u)φ(v)], Θ ← Θ·E[φ'(u)φ'(v)] for
    (u, v) ~ N(0, [[q₁, K], [K, q₂]]). In standard parameterisation the NTK grows with
    the layer widths (fan_in = d for the first layer, ``width`` after), exactly as in
    ``nt.stax.Dense`` (``ntk = input_width * nngp + W_std**2 * ntk + 1``); that is why
    it needs ``width``. The NNGP does not depend on the parameterisation.

    Closed forms: ReLU by the arc-cosine kernel (Cho & Saul 2009, "Kernel Methods for
    Deep Learning"), erf by Williams' arcsin formula (Williams 1997, "Computing with
    Infinite Networks"; nt's ``stax.Erf()`` = erf(x)), sin and cos by Gaussian
    characteristic functions, identity trivially. Everything else — ``"tanh"``,
    ``"gelu"`` (exact erf form) and any callable — by quadrature over the bivariate
    Gaussian in polar coordinates: (u, v) = r(√q₁ cos α, √q₂ cos(α − θ)) with
    cos θ = K/√(q₁q₂); the circle is cut at the four angles where u or v is zero, so an
    activation whose only kink is at 0 (ReLU, leaky ReLU, its step derivative) is
    integrated to machine precision, and a smooth one spectrally (Gauss–Legendre,
    ``quad_points // 2`` angles per arc, ``quad_points`` radii on [0, 10]). The
    derivative kernel uses φ' from ``jax.jvp`` of the activation.

    Cosines are clipped to [-1, 1]; an input of zero norm gets cos θ = 0 (as nt); a
    point paired with itself (the diagonal when ``x2=None``) gets θ = 0 exactly.

    Args:
      x1: inputs ``[N1, d]``.
      x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (variances are then read off the
        diagonal, so the result is symmetric).
      depth: number of hidden layers (0 = a linear readout of the inputs).
      activation: ``"relu"``, ``"erf"``, ``"sin"``, ``"cos"``, ``"identity"``,
        ``"tanh"``, ``"gelu"``, or an elementwise callable ``φ(z)`` (quadrature).
      w_std: weight standard deviation σ_w of every layer, readout included.
      b_std: bias standard deviation σ_b of every layer; ``None`` means no biases
        (differs from 0.0 only in standard parameterisation, where a zero-initialised
        bias still adds 1 per layer to the NTK).
      parameterization: ``"ntk"`` or ``"standard"``.
      width: hidden-layer width n; required for ``"standard"`` with ``depth >= 1``,
        ignored for ``"ntk"``.
      quad_points: radial quadrature nodes (angular: half as many per arc); cost per
        kernel entry per layer ≈ 2·quad_points² activation evaluations.

    Returns:
      ``(nngp, ntk)``, each ``[N1, N2]`` in the floating dtype of the inputs.

    Raises:
      ValueError: inputs that are not 2-D or whose dimensions differ, or an unknown or
        out-of-range ``depth``, ``activation``, ``w_std``, ``b_std``,
        ``parameterization``, ``width`` or ``quad_points``.

    Example:
      >>> x = jnp.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
      >>> nngp, ntk = mlp_kernels(x, depth=2, activation="relu", w_std=1.4, b_std=0.1)
      >>> nngp.shape, ntk.shape
      ((3, 3), (3, 3))
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth={depth!r} must be an int >= 0 (number of hidden layers).")
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation={activation!r} is not supported; use one of "
                             f"{_ACTIVATIONS} or an elementwise callable.")
    elif not callable(activation):
        raise ValueError(f"activation={activation!r} must be a name or a callable.")
    if not w_std >= 0:
        raise ValueError(f"w_std={w_std!r} must be >= 0.")
    if b_std is not None and not b_std >= 0:
        raise ValueError(f"b_std={b_std!r} must be >= 0 or None (no bias).")
    if parameterization not in ("ntk", "standard"):
        raise ValueError(f"parameterization={parameterization!r} is not supported; use "
                         "'ntk' or 'standard'.")
    if parameterization == "standard" and depth >= 1:
        if (width is None or isinstance(width, bool)
                or not isinstance(width, (int, np.integer)) or width < 1):
            raise ValueError(
                f"width={width!r}: parameterization='standard' needs the hidden-layer "
                "width (a positive int), because its NTK scales with the fan-in.")
    if isinstance(quad_points, bool) or not isinstance(quad_points, (int, np.integer)) \
            or quad_points < 4:
        raise ValueError(f"quad_points={quad_points!r} must be an int >= 4.")

    symmetric = x2 is None
    x1 = jnp.asarray(x1)
    x2 = x1 if symmetric else jnp.asarray(x2)
    if x1.ndim != 2 or x2.ndim != 2:
        raise ValueError(f"x1 and x2 must be 2-D [N, d]; got shapes {x1.shape} and "
                         f"{x2.shape}.")
    if x1.shape[1] != x2.shape[1]:
        raise ValueError(f"x1 and x2 must have the same input dimension d; got x1 "
                         f"{x1.shape} and x2 {x2.shape}.")
    if x1.shape[1] == 0:
        raise ValueError("inputs of dimension d=0 have no kernel (K0 = x1·x2ᵀ/d).")
    dtype = _float_dtype(x1, x2)

    return _mlp_kernels_impl(
        x1.astype(dtype), x2.astype(dtype), depth=int(depth), activation=activation,
        w_std=float(w_std), b_std=None if b_std is None else float(b_std),
        parameterization=parameterization,
        width=None if width is None else int(width), quad_points=int(quad_points),
        symmetric=symmetric)


def _float_dtype(*xs: jax.Array):
    dtype = jnp.result_type(*xs)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.asarray(0.0).dtype  # default float: float32, or float64 under x64
    return dtype


@functools.partial(jax.jit, static_argnames=(
    "depth", "activation", "w_std", "b_std", "parameterization", "width",
    "quad_points", "symmetric"))
def _mlp_kernels_impl(x1, x2, *, depth, activation, w_std, b_std, parameterization,
                      width, quad_points, symmetric):
    d = x1.shape[1]
    w2 = w_std ** 2
    b2 = 0.0 if b_std is None else b_std ** 2
    bias_ntk = 0.0 if b_std is None else 1.0

    nngp = jnp.dot(x1, x2.T, precision=_HIGHEST) / d
    if symmetric:
        q1 = q2 = jnp.diagonal(nngp)
    else:
        q1 = jnp.sum(x1 * x1, axis=1) / d
        q2 = jnp.sum(x2 * x2, axis=1) / d
    ntk = jnp.zeros_like(nngp)

    fan_in = d
    for layer in range(depth + 1):
        if parameterization == "ntk":
            nngp, q1, q2 = w2 * nngp + b2, w2 * q1 + b2, w2 * q2 + b2
            ntk = nngp + w2 * ntk
        else:
            ntk = fan_in * nngp + w2 * ntk + bias_ntk
            nngp, q1, q2 = w2 * nngp + b2, w2 * q1 + b2, w2 * q2 + b2
        if layer == depth:
            break
        nngp, kdot, q1, q2 = _activation_kernels(activation, nngp, q1, q2, symmetric,
                                                 quad_points)
        ntk = ntk * kdot
        fan_in = width
    return nngp, ntk


def _activation_kernels(activation, k, q1, q2, symmetric, quad_points):
    """(K [N1,N2], q1 [N1], q2 [N2]) → (E[φφ], E[φ'φ'], E[φ(u)²] [N1], [N2])."""
    qa = jnp.broadcast_to(q1[:, None], k.shape)
    qb = jnp.broadcast_to(q2[None, :], k.shape)
    # Entries that pair a point with itself: their angle is exactly 0.
    same = jnp.eye(k.shape[0], dtype=bool) if symmetric else jnp.zeros(k.shape, bool)
    if isinstance(activation, str) and activation in _CLOSED_FORM:
        fn = functools.partial(_closed_form, activation)
        k_new, kdot = fn(k, qa, qb, same)
        if symmetric:
            q1_new = q2_new = jnp.diagonal(k_new)
        else:
            q1_new, _ = fn(q1, q1, q1, jnp.ones(q1.shape, bool))
            q2_new, _ = fn(q2, q2, q2, jnp.ones(q2.shape, bool))
        return k_new, kdot, q1_new, q2_new

    phi = _QUADRATURE[activation] if isinstance(activation, str) else activation
    # One quadrature pass over the cross entries and, if needed, both diagonals.
    parts = [(k.reshape(-1), qa.reshape(-1), qb.reshape(-1), same.reshape(-1))]
    if not symmetric:
        parts += [(q1, q1, q1, jnp.ones(q1.shape, bool)),
                  (q2, q2, q2, jnp.ones(q2.shape, bool))]
    kk, aa, bb, ss = (jnp.concatenate(p) for p in zip(*parts))
    e_phi, e_dphi = _gaussian_expectations(phi, kk, aa, bb, ss, quad_points)
    m = k.size
    k_new = e_phi[:m].reshape(k.shape)
    kdot = e_dphi[:m].reshape(k.shape)
    if symmetric:
        q1_new = q2_new = jnp.diagonal(k_new)
    else:
        n1 = q1.shape[0]
        q1_new, q2_new = e_phi[m:m + n1], e_phi[m + n1:]
    return k_new, kdot, q1_new, q2_new


def _angle(k, qa, qb, same):
    """θ = arccos(K/√(qa·qb)) ∈ [0, π] and √(qa·qb − K²) = √(qa·qb)·sin θ.

    Formed as arctan2(√(qa·qb − K²), K), as neural-tangents does; |K| > √(qa·qb) from
    rounding is clipped (cos θ to ±1), and a zero variance gets θ = π/2 (as nt).
    Where ``same`` (a point paired with itself) θ is set to 0: computed, qa·qb − K²
    is rounding noise (XLA fuses it into an FMA) and its square root makes θ ~ √eps,
    a 1e-4 relative error in a float32 ReLU NTK.
    """
    root = jnp.sqrt(jnp.maximum(qa * qb - k * k, 0.0))
    root = jnp.where(same, 0.0, root)
    theta = jnp.where((root == 0) & (k == 0), math.pi / 2, jnp.arctan2(root, k))
    return theta, root


def _closed_form(name, k, qa, qb, same):
    """(E[φ(u)φ(v)], E[φ'(u)φ'(v)]) for (u, v) ~ N(0, [[qa, k], [k, qb]]), elementwise."""
    if name == "relu":
        # Arc-cosine kernel of degree 1 (NNGP) and 0 (derivative), Cho & Saul 2009.
        # √(qa·qb)·(sin θ + (π − θ) cos θ)/(2π), written without dividing by √(qa·qb).
        theta, root = _angle(k, qa, qb, same)
        k_new = (root + (math.pi - theta) * k) / (2 * math.pi)
        kdot = (math.pi - theta) / (2 * math.pi)
        return k_new, kdot
    if name == "erf":
        # Williams 1997: E[erf(u) erf(v)] = 2/π · arcsin(2K / √((1+2qa)(1+2qb))).
        # prod − 4K² >= 1 + 2qa + 2qb > 0 by Cauchy–Schwarz (the floor only absorbs
        # rounding), so the arcsin argument stays inside (−1, 1).
        prod = (1 + 2 * qa) * (1 + 2 * qb)
        root = jnp.sqrt(jnp.maximum(prod - 4 * k * k, 1 + 2 * qa + 2 * qb))
        k_new = 2 / math.pi * jnp.arctan2(2 * k, root)
        kdot = 4 / math.pi / root
        return k_new, kdot
    if name in ("sin", "cos"):
        # E[e^{i(u ± v)}] = exp(-(qa + qb)/2 ∓ K); exponents kept <= 0 against overflow.
        half = (qa + qb) / 2
        plus, minus = jnp.exp(k - half), jnp.exp(-k - half)
        sinh, cosh = (plus - minus) / 2, (plus + minus) / 2
        return (sinh, cosh) if name == "sin" else (cosh, sinh)
    if name == "identity":
        return k, jnp.ones_like(k)
    raise AssertionError(name)


def _gaussian_expectations(phi, k, qa, qb, same, quad_points):
    """E[φ(u)φ(v)] and E[φ'(u)φ'(v)], (u, v) ~ N(0, [[qa, k], [k, qb]]); all ``[M]``.

    Polar coordinates of the standard bivariate normal (z1, z2) = r(cos α, sin α) give
    u = √qa·r·cos α, v = √qb·r·cos(α − θ) with density r·e^{-r²/2}/(2π). u and v change
    sign only on the rays α ∈ {π/2, 3π/2, θ+π/2, θ+3π/2}, so on each of the four arcs
    between them an activation with its only kink at 0 is smooth in (α, r), and
    tensor Gauss–Legendre converges spectrally there (plain Gauss–Hermite on a ReLU
    stalls at ~1e-2).
    """
    dtype = k.dtype
    n_r, n_a = quad_points, max(quad_points // 2, 2)
    xr, wr = np.polynomial.legendre.leggauss(n_r)
    r = (xr + 1) * (_R_MAX / 2)
    wr = wr * (_R_MAX / 2) * r * np.exp(-r * r / 2) / (2 * np.pi)
    xa, wa = np.polynomial.legendre.leggauss(n_a)
    r, wr, xa, wa = (jnp.asarray(a, dtype) for a in (r, wr, xa, wa))

    def dphi(z):
        return jax.jvp(phi, (z,), (jnp.ones_like(z),))[1]

    def block(args):
        kb, ab, bb, sb = args  # [B]
        theta, _ = _angle(kb, ab, bb, sb)
        cuts = jnp.stack([jnp.full_like(theta, math.pi / 2),
                          jnp.full_like(theta, 3 * math.pi / 2),
                          theta + math.pi / 2, theta + 3 * math.pi / 2], axis=1)
        lo = jnp.sort(jnp.mod(cuts, 2 * math.pi), axis=1)  # [B, 4]
        hi = jnp.concatenate([lo[:, 1:], lo[:, :1] + 2 * math.pi], axis=1)
        half, mid = (hi - lo) / 2, (hi + lo) / 2
        alpha = (mid[:, :, None] + half[:, :, None] * xa[None, None, :]).reshape(
            kb.shape[0], -1)  # [B, 4·n_a]
        w_alpha = (half[:, :, None] * wa[None, None, :]).reshape(kb.shape[0], -1)
        rad = r[None, None, :]
        u = (jnp.sqrt(jnp.maximum(ab, 0.0))[:, None] * jnp.cos(alpha))[:, :, None] * rad
        v = (jnp.sqrt(jnp.maximum(bb, 0.0))[:, None]
             * jnp.cos(alpha - theta[:, None]))[:, :, None] * rad
        w = w_alpha[:, :, None] * wr[None, None, :]  # [B, 4·n_a, n_r]
        e_phi = jnp.sum(w * phi(u) * phi(v), axis=(1, 2))
        e_dphi = jnp.sum(w * dphi(u) * dphi(v), axis=(1, 2))
        return e_phi, e_dphi

    m = k.shape[0]
    b = max(1, min(m, _QUAD_ELEMENTS_PER_BLOCK // (4 * n_a * n_r)))
    blocks = [_to_chunks(a, b) for a in (k, qa, qb, same)]
    e_phi, e_dphi = lax.map(block, tuple(blocks))
    return e_phi.reshape(-1)[:m], e_dphi.reshape(-1)[:m]


# --------------------------------------------------------------------------------------
# RBF
# --------------------------------------------------------------------------------------


def rbf_kernel(x1: ArrayLike, x2: Optional[ArrayLike] = None,
               sigma: float = 1.0) -> jax.Array:
    r"""Gaussian kernel k(x, x') = exp(-‖x − x'‖² / (2σ²)).

    Args:
      x1: inputs ``[N1, d]``.
      x2: inputs ``[N2, d]``; ``None`` means ``x2 = x1`` (diagonal exactly 1).
      sigma: length scale σ > 0.

    Returns:
      ``[N1, N2]`` in the floating dtype of the inputs.

    Raises:
      ValueError: non-2-D inputs, differing ``d``, or ``sigma <= 0``.

    Example:
      >>> rbf_kernel(jnp.array([[0.0], [1.0]]), sigma=1.0)[0, 1]  # exp(-1/2)
      Array(0.60653067, dtype=float32)
    """
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be > 0.")
    symmetric = x2 is None
    x1 = jnp.asarray(x1)
    x2 = x1 if symmetric else jnp.asarray(x2)
    if x1.ndim != 2 or x2.ndim != 2:
        raise ValueError(f"x1 and x2 must be 2-D [N, d]; got shapes {x1.shape} and "
                         f"{x2.shape}.")
    if x1.shape[1] != x2.shape[1]:
        raise ValueError(f"x1 and x2 must have the same input dimension d; got x1 "
                         f"{x1.shape} and x2 {x2.shape}.")
    dtype = _float_dtype(x1, x2)
    x1, x2 = x1.astype(dtype), x2.astype(dtype)
    sq1 = jnp.sum(x1 * x1, axis=1)
    sq2 = jnp.sum(x2 * x2, axis=1)
    # ‖x‖² + ‖x'‖² − 2x·x' can round below 0 for near-equal points.
    d2 = jnp.maximum(sq1[:, None] + sq2[None, :]
                     - 2 * jnp.dot(x1, x2.T, precision=_HIGHEST), 0.0)
    if symmetric:
        d2 = d2 * (1 - jnp.eye(d2.shape[0], dtype=dtype))
    return jnp.exp(-d2 / (2 * sigma ** 2))
