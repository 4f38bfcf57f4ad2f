"""Tests for fourier_nn.kernels: numbers against independent computations."""
import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from fourier_nn import kernels, models

# jax>=0.5 has jax.enable_x64; the jax 0.4.25 neural-tangents reference env only the
# experimental one. Either scopes float64 to a `with` block.
if hasattr(jax, "enable_x64"):
    _enable_x64 = jax.enable_x64
else:
    from jax.experimental import enable_x64 as _enable_x64


@pytest.fixture(autouse=True)
def _strict_rank_promotion():
    # As neural-tangents' tests: any implicit broadcasting in the library is a bug.
    with jax.numpy_rank_promotion("raise"):
        yield


def _rel(a, b):
    """Relative Frobenius error ‖a − b‖ / ‖b‖."""
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


# --------------------------------------------------------------------------------------
# Empirical NTK
# --------------------------------------------------------------------------------------


class _MLP(nn.Module):
    width: int = 32
    depth: int = 3
    out: int = 1
    act: str = "tanh"

    @nn.compact
    def __call__(self, x):
        act = {"tanh": jnp.tanh, "relu": jax.nn.relu}[self.act]
        for _ in range(self.depth):
            x = act(nn.Dense(self.width)(x))
        return nn.Dense(self.out)(x)


def _init(model, key, x):
    return jax.jit(model.init)(key, x)  # jitted: eager Flax init is slow on 2 cores


def _bruteforce_ntk(apply_fn, params, x1, x2):
    """Θ = (1/O) Σ_o J_o(x1) J_o(x2)ᵀ from forward-mode Jacobians of the flat params."""
    flat, unravel = ravel_pytree(params)

    @jax.jit  # eager jacfwd through a Flax model costs seconds of op dispatch
    def jac(x):
        return jax.jacfwd(lambda p: apply_fn(unravel(p), x).reshape(x.shape[0], -1))(flat)

    j = jac(jnp.concatenate([x1, x2]))  # [N1 + N2, O, P], one compile
    n1 = x1.shape[0]
    return jnp.einsum("iop,jop->ij", j[:n1], j[n1:], precision="highest") / j.shape[1]


@pytest.fixture(scope="module")
def _data():
    k1, k2 = jax.random.split(jax.random.key(0))
    return jax.random.normal(k1, (7, 4)), jax.random.normal(k2, (5, 4))


@pytest.mark.parametrize("act,out", [("tanh", 1), ("relu", 3)])
def test_empirical_ntk_methods_and_chunks_match_bruteforce(_data, act, out):
    x1, x2 = _data
    model = _MLP(act=act, out=out)
    params = _init(model, jax.random.key(1), x1)
    ref = _bruteforce_ntk(model.apply, params, x1, x2)
    scale = float(jnp.abs(ref).max())
    # Chunks of 3 and 2 divide neither N1 = 7 nor N2 = 5 (the padding path).
    for method, chunk in [("jacobian", None), ("jacobian", 3), ("ntvp", None),
                          ("ntvp", 2)]:
        theta = kernels.empirical_ntk(model.apply, params, x1, x2, method=method,
                                      chunk_size=chunk)
        assert theta.shape == (7, 5) and theta.dtype == jnp.float32
        np.testing.assert_allclose(theta, ref, rtol=0, atol=2e-5 * scale,
                                   err_msg=f"{method=} {chunk=}")


def test_empirical_ntk_symmetric(_data):
    x1, _ = _data
    model = _MLP(act="relu", out=2)
    params = _init(model, jax.random.key(2), x1)
    ref = _bruteforce_ntk(model.apply, params, x1, x1)
    for method, chunk in [("jacobian", None), ("jacobian", 3), ("ntvp", 3)]:
        theta = kernels.empirical_ntk(model.apply, params, x1, method=method,
                                      chunk_size=chunk)
        np.testing.assert_array_equal(theta, theta.T)
        np.testing.assert_allclose(theta, ref, rtol=0,
                                   atol=2e-5 * float(jnp.abs(ref).max()))
        assert float(jnp.linalg.eigvalsh(theta).min()) > -1e-4 * float(jnp.trace(theta))


def test_empirical_ntk_vector_output_equals_column_output(_data):
    x1, x2 = _data
    model = _MLP(depth=1, width=8)
    params = _init(model, jax.random.key(3), x1)
    flat_fn = lambda p, x: model.apply(p, x)[:, 0]  # [N] output
    np.testing.assert_allclose(kernels.empirical_ntk(flat_fn, params, x1, x2),
                               kernels.empirical_ntk(model.apply, params, x1, x2),
                               rtol=1e-6)


def test_empirical_ntk_is_jittable(_data):
    x1, x2 = _data
    model = _MLP(depth=1, width=8)
    params = _init(model, jax.random.key(4), x1)
    eager = kernels.empirical_ntk(model.apply, params, x1, x2, chunk_size=3)
    jitted = jax.jit(lambda p, a, b: kernels.empirical_ntk(model.apply, p, a, b,
                                                           chunk_size=3))(params, x1, x2)
    np.testing.assert_allclose(jitted, eager, rtol=1e-6)


# --------------------------------------------------------------------------------------
# empirical_ntk_fn: one compiled program per returned function
# --------------------------------------------------------------------------------------


def _counting(apply_fn):
    """(apply_fn that counts its traces, counter); a trace is a call with a tracer."""
    count = [0]

    def counted(params, x):
        count[0] += 1
        return apply_fn(params, x)
    return counted, count


@pytest.mark.parametrize("method,chunk", [("jacobian", None), ("jacobian", 3),
                                          ("ntvp", None), ("ntvp", 2)])
def test_empirical_ntk_fn_equals_one_shot_and_bruteforce(_data, method, chunk):
    x1, x2 = _data
    model = _MLP(act="relu", out=2)
    pa = _init(model, jax.random.key(5), x1)
    pb = _init(model, jax.random.key(6), x1)
    ntk_fn = kernels.empirical_ntk_fn(model.apply, method=method, chunk_size=chunk)
    # Same function, two parameter sets, both x2 forms: each result is that of its own
    # params (no stale closure), equal to the one-shot form and to brute force.
    for params in (pa, pb):
        ref = _bruteforce_ntk(model.apply, params, x1, jnp.concatenate([x1, x2]))
        atol = 2e-5 * float(jnp.abs(ref).max())
        for args, want in (((x1,), ref[:, :7]), ((x1, x2), ref[:, 7:])):
            theta = ntk_fn(params, *args)
            one_shot = kernels.empirical_ntk(model.apply, params, *args, method=method,
                                             chunk_size=chunk)
            np.testing.assert_allclose(theta, one_shot, rtol=1e-6, atol=1e-6 * atol)
            np.testing.assert_allclose(theta, want, rtol=0, atol=atol)
    assert _rel(ntk_fn(pa, x1), ntk_fn(pb, x1)) > 0.05  # the two nets really differ


@pytest.mark.parametrize("method", ["jacobian", "ntvp"])
def test_empirical_ntk_fn_traces_once_per_signature(_data, method):
    x1, x2 = _data
    model = _MLP(depth=1, width=8)
    apply, traces = _counting(model.apply)
    pa = _init(model, jax.random.key(7), x1)
    pb = jax.tree_util.tree_map(lambda p: 1.5 * p, pa)
    ntk_fn = kernels.empirical_ntk_fn(apply, method=method, chunk_size=3)
    first = ntk_fn(pa, x1)
    n = traces[0]
    assert n > 0
    second = ntk_fn(pb, x1 + 1.0)  # new params and inputs, same shapes: no retrace
    assert traces[0] == n
    assert _rel(second, first) > 0.05
    ntk_fn(pa, x1, x2)  # x2 given: a new signature, traced once more...
    m = traces[0]
    assert m > n
    ntk_fn(pb, x1 * 2.0, x2 - 1.0)  # ...and then reused
    assert traces[0] == m
    # A second function built on the same apply_fn shares no state: it traces anew.
    kernels.empirical_ntk_fn(apply, method=method, chunk_size=3)(pb, x1)
    assert traces[0] > m
    # The one-shot form has no hidden cache either: every call traces.
    k = traces[0]
    kernels.empirical_ntk(apply, pa, x1, method=method, chunk_size=3)
    assert traces[0] > k


def test_empirical_ntk_fn_lower_compiles_the_same_program(_data):
    x1, _ = _data
    model = _MLP(depth=1, width=8)
    apply, traces = _counting(model.apply)
    params = _init(model, jax.random.key(8), x1)
    ntk_fn = kernels.empirical_ntk_fn(apply, chunk_size=3)
    ntk_fn.lower(params, x1).compile()
    n = traces[0]
    np.testing.assert_allclose(ntk_fn(params, x1),
                               kernels.empirical_ntk(model.apply, params, x1), rtol=1e-5)
    assert traces[0] == n  # the call reused the lowered trace


def test_mlp_empirical_ntk_fn_traces_once(monkeypatch):
    from fourier_nn import models
    traces = [0]

    def counted_tanh(z):
        traces[0] += 1
        return jnp.tanh(z)

    monkeypatch.setitem(models.ACTIVATIONS, "counted_tanh", counted_tanh)
    model = models.MLP(widths=(10, 6), out_dim=2, activation="counted_tanh",
                       init_scheme="ntk", w_std=1.2, b_std=0.3)
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.normal(size=(9, 2)), jnp.float32)
    pa = _init(model, jax.random.key(0), x)
    pb = _init(model, jax.random.key(1), x)
    ntk_fn = kernels.mlp_empirical_ntk_fn(model, chunk_size=4)
    first = ntk_fn(pa, x)
    n = traces[0]
    second = ntk_fn(pb, x * 0.5)
    assert traces[0] == n
    want = kernels.mlp_empirical_ntk(model, pb, x * 0.5)
    # float32 sums of O(max Θ) terms: an off-diagonal entry 50× below the diagonal carries
    # absolute, not relative, rounding (seen: 4.5e-8 on 0.025 with the diagonal at 1.7)
    np.testing.assert_allclose(second, want, rtol=1e-6, atol=1e-6 * float(np.abs(want).max()))
    assert _rel(second, kernels.empirical_ntk(model.apply, pb, x * 0.5)) < 1e-5
    assert _rel(first, second) > 0.05


# --------------------------------------------------------------------------------------
# Ensemble (Monte-Carlo) NTK
# --------------------------------------------------------------------------------------


def _flat_init(dims):
    """``init_fn(key) -> [(W, b), ...]``, unit Gaussians from one draw.

    One sampler to compile: every jax.random call vmapped over keys costs ~0.5 s of XLA
    compilation on 2 cores (a Flax init has one per parameter).
    """
    shapes = list(zip(dims[:-1], dims[1:]))
    total = sum(a * b + b for a, b in shapes)

    def init_fn(key):
        z, params, i = jax.random.normal(key, (total,)), [], 0
        for a, b in shapes:
            params.append((z[i:i + a * b].reshape(a, b), z[i + a * b:i + a * b + b]))
            i += a * b + b
        return params
    return init_fn


@pytest.mark.parametrize("method,chunk,key_chunk", [("jacobian", None, None),
                                                    ("jacobian", 3, 2),
                                                    ("ntvp", 4, 3)])
def test_ensemble_ntk_is_mean_of_per_key_ntks(_data, method, chunk, key_chunk):
    # 5 keys in groups of 2 or 3: the last group is padded, and must be masked out.
    x1, x2 = _data
    apply = _mlp_apply(jnp.tanh, 1.3, 0.4, "ntk")
    init_fn = _flat_init([4, 16, 16, 2])  # 2 outputs
    keys = jax.random.split(jax.random.key(11), 5)
    init, ntk_fn = jax.jit(init_fn), kernels.empirical_ntk_fn(apply)
    for x2_ in (None, x2):
        per_key = [ntk_fn(init(k), x1, x2_) for k in keys]
        want = sum(per_key) / len(per_key)
        got = kernels.ensemble_ntk(apply, init_fn, keys, x1, x2_, method=method,
                                   chunk_size=chunk, key_chunk_size=key_chunk)
        assert got.shape == want.shape and got.dtype == jnp.float32
        np.testing.assert_allclose(got, want, rtol=0,
                                   atol=1e-5 * float(jnp.abs(want).max()))
        # Not just one net's kernel (e.g. a mask that dropped all but the first group):
        assert min(_rel(got, t) for t in per_key) > 1e-2
        if x2_ is None:
            np.testing.assert_array_equal(got, got.T)


def test_ensemble_ntk_fn_traces_once_and_checks_keys(_data):
    x1, _ = _data
    apply, traces = _counting(_mlp_apply(jnp.tanh, 1.3, 0.4, "ntk"))
    fn = kernels.ensemble_ntk_fn(apply, _flat_init([4, 8, 1]), key_chunk_size=2)
    a = fn(jax.random.split(jax.random.key(0), 4), x1)
    n = traces[0]
    b = fn(jax.random.split(jax.random.key(1), 4), x1 * 2.0)
    assert traces[0] == n and _rel(a, b) > 0.05
    with pytest.raises(ValueError, match="keys must be"):
        fn(jax.random.key(0), x1)
    with pytest.raises(ValueError, match="key_chunk_size=0"):
        kernels.ensemble_ntk_fn(apply, lambda k: None, key_chunk_size=0)


def test_ensemble_ntk_of_wide_ntk_mlp_approaches_mlp_kernels():
    # models.MLP(init_scheme="ntk") is the net mlp_kernels(parameterization="ntk")
    # describes. The ensemble mean's fluctuation falls ~1/sqrt(E·width). Measured
    # relative errors vs the infinite-width NTK (keys = split(key(0), 64); in brackets
    # the range over 10 key sets): width 32, E=64: 0.053 [0.040, 0.082]; width 512, E=4:
    # 0.041 [0.041, 0.082]; width 512, E=64: 0.014 [0.006, 0.018]. Ratios (512, 64) to
    # (512, 4): 0.34 [0.10, 0.34]; to (32, 64): 0.27 [0.15, 0.44].
    from fourier_nn import models
    x, w_std, b_std, depth = _circle_points(), 1.5, 0.3, 2
    _, ntk = kernels.mlp_kernels(x, depth=depth, activation="relu", w_std=w_std,
                                 b_std=b_std, parameterization="ntk")
    keys = jax.random.split(jax.random.key(0), 64)
    errors = {}
    for width, n_keys in ((32, 64), (512, 4), (512, 64)):
        model = models.MLP(depth=depth, width=width, activation="relu",
                           init_scheme="ntk", w_std=w_std, b_std=b_std)
        mean = kernels.ensemble_ntk(model.apply, lambda k: model.init(k, x[:1]),
                                    keys[:n_keys], x, key_chunk_size=16)
        errors[width, n_keys] = _rel(mean, ntk)
    assert errors[512, 64] < 0.035, errors
    assert errors[512, 64] < 0.5 * errors[512, 4], errors   # more keys
    assert errors[512, 64] < 0.7 * errors[32, 64], errors   # more width


def test_empirical_ntk_float64_params_give_float64():
    def apply(p, x):
        return jnp.tanh(x @ p["w"]) @ p["v"]  # [N, 2]

    with _enable_x64(True):
        rng = np.random.default_rng(0)
        params = {"w": jnp.asarray(rng.normal(size=(3, 5))),
                  "v": jnp.asarray(rng.normal(size=(5, 2)))}
        x = jnp.asarray(rng.normal(size=(4, 3)))
        theta = kernels.empirical_ntk(apply, params, x, method="ntvp")
        assert theta.dtype == jnp.float64
        np.testing.assert_allclose(theta, _bruteforce_ntk(apply, params, x, x), rtol=1e-12)


# --------------------------------------------------------------------------------------
# Wide networks converge to the infinite-width NTK
# --------------------------------------------------------------------------------------


def _init_mlp(seed, dims):
    """Unit-Gaussian weights and biases, ``[(W [fan_in, fan_out], b [fan_out]), ...]``."""
    # numpy, not jax.random: every new shape would compile a sampler (~0.3 s each).
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.standard_normal((a, b), np.float32)),
             jnp.asarray(rng.standard_normal((b,), np.float32)))
            for a, b in zip(dims[:-1], dims[1:])]


def _mlp_apply(act, w_std, b_std, parameterization):
    """Hand-written forward of the net neural-tangents' stax.Dense/act builds."""
    def apply(params, x):
        h = x
        for i, (w, b) in enumerate(params):
            if parameterization == "ntk":
                h = w_std / math.sqrt(w.shape[0]) * (h @ w) + b_std * b[None, :]
            else:  # params already carry the N(0, w²/fan_in), N(0, b²) scales
                h = h @ w + b[None, :]
            if i < len(params) - 1:
                h = act(h)
        return h
    return apply


def _circle_points():
    angles = jnp.linspace(0.0, 2 * math.pi, 6, endpoint=False)
    radii = jnp.array([1.0, 1.5, 0.7, 1.2, 0.9, 1.1])
    return jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1) * radii[:, None]


@pytest.mark.parametrize("name,act", [("relu", jax.nn.relu),
                                      ("erf", jax.scipy.special.erf)])
def test_wide_ntk_param_net_approaches_mlp_kernels(name, act):
    # Finite-width NTK fluctuations are O(1/sqrt(width)) (Jacot et al. 2018); measured
    # single-seed errors here are ~0.1-0.17 at width 256, so ~2/sqrt(width): a 3-seed
    # mean at width 2048 should be near 0.025 (measured 0.027 relu, 0.023 erf), and 5%
    # leaves a 2x margin while a wrong recursion (e.g. missing w²·Kdot) is off by >30%.
    x, w_std, b_std, depth, seeds = _circle_points(), 1.5, 0.3, 2, 3
    _, ntk = kernels.mlp_kernels(x, depth=depth, activation=name, w_std=w_std, b_std=b_std)
    apply = _mlp_apply(act, w_std, b_std, "ntk")
    errors = {}
    for width in (256, 2048):
        dims = [2] + [width] * depth + [1]
        mean = sum(kernels.empirical_ntk(apply, _init_mlp(s, dims), x,
                                         chunk_size=3) for s in range(seeds)) / seeds
        errors[width] = _rel(mean, ntk)
    assert errors[2048] < 0.05, errors
    assert errors[2048] < 0.6 * errors[256], errors


def test_wide_standard_param_net_approaches_mlp_kernels():
    # Standard parameterisation: the NTK grows with the width (nt's Dense adds
    # fan_in·K and +1 per bias), so the limit is taken at the same finite width.
    # Same 1/sqrt(width) argument as above; measured 3-seed errors are 0.17 (width 128)
    # and 0.06 (1024), a ratio near sqrt(128/1024) = 0.35. A wrong width factor would be
    # off by orders of magnitude.
    x, w_std, b_std, depth, seeds = _circle_points(), 1.5, 0.3, 2, 3
    apply = _mlp_apply(jax.nn.relu, w_std, b_std, "standard")
    errors = {}
    for width in (128, 1024):
        _, ntk = kernels.mlp_kernels(x, depth=depth, activation="relu", w_std=w_std,
                                     b_std=b_std, parameterization="standard", width=width)
        dims = [2] + [width] * depth + [1]
        thetas = []
        for s in range(seeds):
            params = [(w * (w_std / math.sqrt(w.shape[0])), b * b_std)
                      for w, b in _init_mlp(10 + s, dims)]
            thetas.append(kernels.empirical_ntk(apply, params, x))
        errors[width] = _rel(sum(thetas) / seeds, ntk)
    assert errors[1024] < 0.1, errors
    assert errors[1024] < 0.6 * errors[128], errors


# --------------------------------------------------------------------------------------
# Infinite-width kernels
# --------------------------------------------------------------------------------------


def test_mlp_kernels_by_hand():
    # Orthogonal unit inputs, d = 2: K0 = I/2. One ReLU layer: off-diagonal
    # E[relu relu] = s/(2π) = 1/(4π), Kdot = 1/4; diagonal q/2 = 1/4, Kdot = 1/2.
    x = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    nngp, ntk = kernels.mlp_kernels(x, depth=1, activation="relu")
    np.testing.assert_allclose(nngp, [[0.25, 1 / (4 * math.pi)], [1 / (4 * math.pi), 0.25]],
                               rtol=1e-6)
    np.testing.assert_allclose(ntk, [[0.5, 1 / (4 * math.pi)], [1 / (4 * math.pi), 0.5]],
                               rtol=1e-6)
    # depth 0 is a linear readout: ntk param Θ = K = w²xx'/d + b²; standard Θ = xx' + 1.
    x = jnp.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0]])
    nngp, ntk = kernels.mlp_kernels(x, depth=0, w_std=2.0, b_std=0.5)
    np.testing.assert_allclose(nngp, 4.0 * (x @ x.T) / 3 + 0.25, rtol=1e-6)
    np.testing.assert_allclose(ntk, nngp, rtol=1e-6)
    _, ntk_std = kernels.mlp_kernels(x, depth=0, w_std=2.0, b_std=0.5,
                                     parameterization="standard")
    np.testing.assert_allclose(ntk_std, x @ x.T + 1.0, rtol=1e-6)


@pytest.fixture(scope="module")
def _points():
    x = jax.random.normal(jax.random.key(7), (6, 3))
    return x.at[2].set(0.0)  # a zero-norm input must not produce NaN


@pytest.mark.parametrize("name,fn", [
    ("relu", lambda z: jax.nn.relu(z)),
    ("erf", lambda z: jax.scipy.special.erf(z)),
    ("sin", lambda z: jnp.sin(z)),
    ("cos", lambda z: jnp.cos(z)),
])
def test_closed_forms_match_quadrature(_points, name, fn):
    # A callable always takes the quadrature path; the name takes the closed form.
    # Rectangular inputs: the cross entries and both diagonals go through each path.
    x1, x2 = _points, _points[:4] * 1.3
    closed = kernels.mlp_kernels(x1, x2, depth=2, activation=name, w_std=1.4, b_std=0.2)
    quad = kernels.mlp_kernels(x1, x2, depth=2, activation=fn, w_std=1.4, b_std=0.2)
    for c, q, what in zip(closed, quad, ("nngp", "ntk")):
        assert bool(jnp.all(jnp.isfinite(c))), (name, what)
        np.testing.assert_allclose(q, c, rtol=0, atol=1e-4 * float(jnp.abs(c).max()),
                                   err_msg=f"{name} {what}")


def test_quadrature_symmetric_equals_cross(_points):
    # x2=None reads variances off the diagonal; x2=x1 integrates them separately.
    # ("gelu" is checked against nt's closed form in the parity tests.)
    sym = kernels.mlp_kernels(_points, depth=2, activation="tanh", b_std=0.1)
    cross = kernels.mlp_kernels(_points, _points, depth=2, activation="tanh", b_std=0.1)
    for s, c in zip(sym, cross):
        np.testing.assert_allclose(s, c, rtol=1e-5, atol=1e-6)


def test_relu_nngp_matches_monte_carlo_prior():
    # NNGP of the readout of one ReLU layer = w²·E_units[h(x) h(x')] + b² over the
    # infinite-width prior; 2^20 sampled hidden units give a standard error of
    # ~ sqrt(2)·q/sqrt(M) ≈ 0.15% of the diagonal, so 1% is a 6-sigma bound.
    x = jax.random.normal(jax.random.key(8), (5, 3))
    w_std, b_std, units = 1.4, 0.3, 2 ** 20
    k_w, k_b = jax.random.split(jax.random.key(9))
    w = jax.random.normal(k_w, (3, units))
    b = jax.random.normal(k_b, (units,))
    h = jax.nn.relu(w_std / math.sqrt(3) * (x @ w) + b_std * b[None, :])
    mc = w_std ** 2 * (h @ h.T) / units + b_std ** 2
    nngp, _ = kernels.mlp_kernels(x, depth=1, activation="relu", w_std=w_std, b_std=b_std)
    np.testing.assert_allclose(nngp, mc, rtol=0, atol=1e-2 * float(jnp.abs(mc).max()))


def test_mlp_kernels_dtype_follows_inputs():
    with _enable_x64(True):
        x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 2)))
        nngp, ntk = kernels.mlp_kernels(x, depth=1, activation="erf")
        assert nngp.dtype == ntk.dtype == jnp.float64
    nngp, _ = kernels.mlp_kernels(np.ones((2, 2), np.float32), depth=1)
    assert nngp.dtype == jnp.float32


def test_rbf_kernel_matches_numpy():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(6, 3)), rng.normal(size=(4, 3))
    ref = np.exp(-((x1[:, None, :] - x2[None, :, :]) ** 2).sum(-1) / (2 * 0.7 ** 2))
    np.testing.assert_allclose(kernels.rbf_kernel(x1, x2, sigma=0.7), ref, rtol=1e-5)
    sym = kernels.rbf_kernel(x1, sigma=0.7)
    np.testing.assert_array_equal(np.diag(sym), np.ones(6, np.float32))


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bad_inputs_raise_clear_errors(_data):
    x1, x2 = _data
    model = _MLP(depth=1, width=4)
    params = _init(model, jax.random.key(0), x1)
    ntk = kernels.empirical_ntk
    with pytest.raises(ValueError, match="same feature shape"):
        ntk(model.apply, params, x1, x2[:, :3])
    with pytest.raises(ValueError, match="method='svd'"):
        ntk(model.apply, params, x1, method="svd")
    with pytest.raises(ValueError, match="backend='torch'"):
        ntk(model.apply, params, x1, backend="torch")
    with pytest.raises(ValueError, match="chunk_size=0"):
        ntk(model.apply, params, x1, chunk_size=0)
    with pytest.raises(ValueError, match="implementation=3"):
        ntk(model.apply, params, x1, implementation=3)
    with pytest.raises(ValueError, match=r"\[N1\] or \[N1, O\]"):
        ntk(lambda p, x: model.apply(p, x)[None], params, x1)

    with pytest.raises(ValueError, match="same input dimension"):
        kernels.mlp_kernels(x1, x2[:, :3])
    with pytest.raises(ValueError, match="activation='softplus'"):
        kernels.mlp_kernels(x1, activation="softplus")
    with pytest.raises(ValueError, match="parameterization='mup'"):
        kernels.mlp_kernels(x1, parameterization="mup")
    with pytest.raises(ValueError, match="needs the hidden-layer width"):
        kernels.mlp_kernels(x1, parameterization="standard")
    with pytest.raises(ValueError, match="depth=-1"):
        kernels.mlp_kernels(x1, depth=-1)
    with pytest.raises(ValueError, match="2-D"):
        kernels.mlp_kernels(x1[0])
    with pytest.raises(ValueError, match="sigma=0"):
        kernels.rbf_kernel(x1, sigma=0)
    with pytest.raises(ValueError, match="same input dimension"):
        kernels.rbf_kernel(x1, x2[:, :3])


def test_neural_tangents_backend_absent_raises_import_error(_data):
    try:
        import neural_tangents  # noqa: F401
    except Exception:  # absent, or present but broken on this jax: both must raise
        pass
    else:
        pytest.skip("neural-tangents imports here; covered by the parity tests")
    x1, _ = _data
    model = _MLP(depth=1, width=4)
    params = _init(model, jax.random.key(0), x1)
    with pytest.raises(ImportError, match="make nt-parity"):
        kernels.empirical_ntk(model.apply, params, x1, backend="neural_tangents")


# --------------------------------------------------------------------------------------
# Structured empirical NTK of models.MLP
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("init_scheme,use_bias,activation,out_dim,chunk", [
    ("flax", True, "relu", 1, 3),
    ("flax", False, "tanh", 3, None),
    ("torch", True, "tanh", 3, 3),
    ("torch", False, "relu", 1, None),
    ("ntk", True, "relu", 3, None),
    ("ntk", False, "tanh", 1, 3),
])
def test_mlp_empirical_ntk_matches_autodiff(init_scheme, use_bias, activation, out_dim,
                                            chunk):
    from fourier_nn import models
    model = models.MLP(widths=(12, 9), out_dim=out_dim, activation=activation,
                       use_bias=use_bias, init_scheme=init_scheme, w_std=1.3, b_std=0.4)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(12, 2)), jnp.float32)
    x1, x2 = x[:7], x[7:]
    params = _init(model, jax.random.key(3), x1)
    if use_bias and init_scheme == "flax":  # nonzero biases, so the bias term matters
        params = jax.tree_util.tree_map(
            lambda p: p + 0.1 if p.ndim == 1 else p, params)
    ref = kernels.empirical_ntk(model.apply, params, x)  # one compile: both blocks
    sym = kernels.mlp_empirical_ntk(model, params, x1, chunk_size=chunk)
    cross = kernels.mlp_empirical_ntk(model, params, x1, x2,
                                      chunk_size=None if chunk else 3)
    for ours, want in ((sym, ref[:7, :7]), (cross, ref[:7, 7:])):
        assert ours.shape == want.shape and ours.dtype == jnp.float32
        assert _rel(ours, want) < 1e-5
    np.testing.assert_array_equal(sym, sym.T)


def test_mlp_empirical_ntk_errors():
    from fourier_nn import models
    model = models.MLP(depth=1, width=4)
    x = jnp.zeros((3, 1))
    params = _init(model, jax.random.key(0), x)
    with pytest.raises(ValueError, match="chunk_size"):
        kernels.mlp_empirical_ntk(model, params, x, chunk_size=0)
    with pytest.raises(ValueError, match="same input dimension"):
        kernels.mlp_empirical_ntk(model, params, x, jnp.zeros((3, 2)))
    with pytest.raises(ValueError, match="init_scheme='lecun'"):
        kernels.mlp_empirical_ntk_fn(models.MLP(init_scheme="lecun"))
    assert kernels.mlp_empirical_ntk(model, params, x, x[:0]).shape == (3, 0)


def test_structured_ntk_refuses_models_it_does_not_cover():
    for model in (models.MLP(depth=2, width=8, residual=True),
                  models.MLP(depth=2, width=8, readout_bias=False)):
        with pytest.raises(ValueError, match="use kernels.empirical_ntk"):
            kernels.mlp_empirical_ntk_fn(model)
    # kaiming_normal (Basri's deep nets) has the torch param layout: covered, and exact.
    model = models.MLP(depth=2, width=8, init_scheme="kaiming_normal")
    x = jnp.linspace(-1, 1, 5)[:, None]
    params = model.init(jax.random.key(0), x[:1])
    np.testing.assert_allclose(kernels.mlp_empirical_ntk(model, params, x),
                               kernels.empirical_ntk(model.apply, params, x), rtol=1e-5,
                               atol=1e-6)
