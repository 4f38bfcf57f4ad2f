import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import models
from fourier_nn import relu_geometry as rg

SCHEMES = [("flax", {}), ("torch", {}), ("ntk", dict(w_std=1.4, b_std=0.3))]
CONFIGS = ([dict(depth=d, width=w) for d in (1, 2, 3, 4) for w in (1, 5, 64)]
           + [dict(widths=(64, 1, 16)), dict(widths=(2, 64, 8, 64)), dict(depth=0, width=1)])


def _init(model, seed=0, d=1):
  params = model.init(jax.random.key(seed), jnp.zeros((1, d)))
  if model.init_scheme == "flax" and model.use_bias:  # flax biases start at 0: make them not
    leaves, tree = jax.tree_util.tree_flatten_with_path(params)
    rng = np.random.default_rng(seed)
    leaves = [0.3 * rng.standard_normal(leaf.shape).astype(np.float32)
              if path[-1].key == "bias" else leaf for path, leaf in leaves]
    params = jax.tree_util.tree_unflatten(tree, [jnp.asarray(leaf) for leaf in leaves])
  return params


# jax.enable_x64 is new (jax >= 0.6); the floor (0.5) has it under jax.experimental.
_enable_x64 = getattr(jax, "enable_x64", None)
if _enable_x64 is None:
  from jax.experimental import enable_x64 as _enable_x64


def _apply64(model, params, x):
  """model.apply itself, in float64 (x [N] or [N, d]) -> [N]."""
  x = np.asarray(x, np.float64)
  with _enable_x64(True):
    p64 = jax.tree.map(lambda a: jnp.asarray(np.asarray(a, np.float64)), params)
    return np.asarray(model.apply(p64, jnp.asarray(x.reshape(x.shape[0], -1))))[:, 0]


def _hand_params(model, raw):
  """Params of ``model`` holding the stored (pre-scaling) weights raw = [(W, b), ...]."""
  names = [f"hidden_{i}" for i in range(len(model.hidden_widths()))] + ["readout"]
  p = {}
  for name, (w, b) in zip(names, raw):
    layer = {"kernel": jnp.asarray(w, jnp.float32)}
    if model.use_bias:
      layer["bias"] = jnp.asarray(b, jnp.float32)
    p[name] = {"dense": layer} if model.init_scheme == "flax" else layer
  return {"params": p}


@pytest.mark.parametrize("scheme,scales", SCHEMES)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_pieces_are_the_network(cfg, use_bias, scheme, scales):
  model = models.MLP(**cfg, use_bias=use_bias, init_scheme=scheme, **scales)
  _check_pieces(model, _init(model, seed=len(str(cfg))))


# models.MLP options newer than this module's first version (skipped where absent).
NEWER = [dict(depth=3, width=16, residual=True, init_scheme="torch"),
         dict(depth=3, width=16, residual=True, use_bias=False, init_scheme="ntk", w_std=1.4),
         dict(depth=2, width=8, readout_bias=False, init_scheme="flax"),
         dict(depth=3, width=32, init_scheme="kaiming_normal")]


@pytest.mark.parametrize("cfg", NEWER)
def test_pieces_of_residual_and_other_variants(cfg):
  if not all(hasattr(models.MLP, k) for k in cfg) or cfg["init_scheme"] not in models.INITS:
    pytest.skip("models.MLP has no such option")
  model = models.MLP(**cfg)
  _check_pieces(model, _init(model, seed=7))


def _check_pieces(model, params):
  lo, hi = -2.5, 3.1
  pwl = rg.piecewise_linear(model, params, lo, hi)
  t, v, s = pwl.breakpoints, pwl.values, pwl.slopes
  assert t[0] == lo and t[-1] == hi and np.all(np.diff(t) > 0)
  scale = max(1.0, np.abs(v).max())
  x = np.random.default_rng(0).uniform(lo, hi, 20_000)
  width = np.diff(t)
  mid, h = t[:-1] + width / 2, width / 4
  f64 = np.split(_apply64(model, params, np.concatenate([t, x, mid + h, mid - h])),
                 np.cumsum([t.size, x.size, mid.size]))
  # Values at the breakpoints: float32 model.apply to 1e-5, float64 model.apply to 1e-12.
  f32 = np.asarray(model.apply(params, jnp.asarray(t[:, None], jnp.float32)))[:, 0]
  np.testing.assert_allclose(v, f32, rtol=0, atol=1e-5 * scale)
  np.testing.assert_allclose(v, f64[0], rtol=0, atol=1e-12 * scale)
  # No breakpoint missing: interpolation equals the net everywhere.
  np.testing.assert_allclose(pwl(x), f64[1], rtol=0, atol=1e-12 * scale)
  # Slopes = central differences of the float64 net at piece midpoints.
  fd = (f64[2] - f64[3]) / (2 * h)
  assert np.all(np.abs(fd - s) <= 1e-9 * max(1.0, np.abs(s).max()) + 1e-14 * scale / h)
  # Counting: 1 <= regions <= pieces <= prod(n_l + 1).
  n_pieces = t.size - 1
  assert 1 <= rg.num_linear_regions(pwl) <= n_pieces <= math.prod(
      n + 1 for n in model.hidden_widths())
  assert rg.lipschitz(pwl) <= rg.lipschitz_bound(model, params) * (1 + 1e-12)
  if not model.use_bias:  # positively homogeneous: the only possible kink is at 0
    assert np.all(np.abs(t[1:-1]) < 1e-12) and rg.num_linear_regions(pwl) <= 2


@pytest.mark.parametrize("w,b,lo,hi,expected", [
    (2.0, 1.0, -1.0, 1.0, 2), (2.0, 3.0, -1.0, 1.0, 1), (-1.0, 0.5, -1.0, 1.0, 2),
    (-1.0, -2.0, -1.0, 1.0, 1), (1.0, 0.0, 0.0, 1.0, 1), (1.0, -0.99, -1.0, 1.0, 2),
])
def test_one_unit_has_two_regions_iff_its_kink_is_inside(w, b, lo, hi, expected):
  model = models.MLP(depth=1, width=1, init_scheme="torch")
  params = _hand_params(model, [([[w]], [b]), ([[1.5]], [0.2])])
  pwl = rg.piecewise_linear(model, params, lo, hi)
  assert rg.num_linear_regions(pwl) == expected == pwl.breakpoints.size - 1
  if expected == 2:
    np.testing.assert_allclose(pwl.breakpoints[1], -b / w, rtol=1e-7)
  grid = np.linspace(lo, hi, 1001)[1:-1, None]
  assert rg.num_regions(model, params, grid) == expected


def test_one_unit_ntk_scales_move_the_kink_and_dead_readout_merges():
  model = models.MLP(depth=1, width=1, init_scheme="ntk", w_std=2.0, b_std=0.5)
  params = _hand_params(model, [([[1.0]], [1.0]), ([[1.0]], [0.0])])
  pwl = rg.piecewise_linear(model, params, -0.5, 0.0)  # 2 relu(2x + 0.5): kink at -0.25
  np.testing.assert_allclose(pwl.breakpoints, [-0.5, -0.25, 0.0], atol=1e-15)
  np.testing.assert_allclose(pwl.slopes, [0.0, 4.0], atol=1e-15)  # readout: ×w_std
  assert rg.num_linear_regions(pwl) == 2
  dead = _hand_params(model, [([[1.0]], [1.0]), ([[0.0]], [0.3])])
  pwl = rg.piecewise_linear(model, dead, -0.5, 0.0)
  assert pwl.breakpoints.size == 3 and rg.num_linear_regions(pwl) == 1
  assert rg.num_regions(model, dead, np.linspace(-0.49, -0.01, 50)[:, None]) == 2


def _tent_net():
  """relu(x + 1) − 2 relu(x) + relu(x − 1): the tent max(0, 1 − |x|)."""
  model = models.MLP(depth=1, width=3, init_scheme="torch")
  return model, _hand_params(model, [([[1, 1, 1]], [1, 0, -1]), ([[1], [-2], [1]], [0])])


XI = np.array([0.0, 1e-7, 0.013, 0.37, 1.5, 2.25, 17.3, 1234.5])


def test_fourier_transform_of_the_tent_is_sinc_squared():
  tent = rg.PiecewiseLinear(np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0]),
                            np.array([1.0, -1.0]))
  np.testing.assert_allclose(rg.fourier_transform(tent, XI), np.sinc(XI) ** 2, rtol=0, atol=1e-13)
  shifted = rg.PiecewiseLinear(tent.breakpoints + 3.0, tent.values, tent.slopes)
  np.testing.assert_allclose(rg.fourier_transform(shifted, XI),
                             np.exp(-6j * np.pi * XI) * np.sinc(XI) ** 2, rtol=0, atol=1e-13)
  assert rg.fourier_transform(tent, 0.5).shape == ()
  model, params = _tent_net()
  pwl = rg.piecewise_linear(model, params, -2.0, 2.0)
  np.testing.assert_allclose(pwl.breakpoints, [-2, -1, 0, 1, 2], atol=1e-15)
  np.testing.assert_allclose(pwl.values, [0, 0, 1, 0, 0], atol=1e-15)
  np.testing.assert_allclose(rg.fourier_transform(pwl, XI), np.sinc(XI) ** 2, rtol=0, atol=1e-13)
  assert rg.lipschitz(pwl) == 1.0 and rg.num_linear_regions(pwl) == 4
  np.testing.assert_allclose(rg.lipschitz_bound(model, params), math.sqrt(3 * 6), rtol=1e-7)


def _gauss_legendre_transform(model, params, t, xi, nodes=20):
  """∫ f e^{−2πiξx} by Gauss–Legendre on sub-pieces (|ω|·length ≤ 2) of model.apply (f64)."""
  x_all, w_all = [], []
  g, gw = np.polynomial.legendre.leggauss(nodes)
  for a, b in zip(t[:-1], t[1:]):
    n = int(np.ceil(2 * np.pi * np.abs(xi).max() * (b - a) / 2)) + 1
    edges = np.linspace(a, b, n + 1)
    half = np.diff(edges)[:, None] / 2
    x_all.append((edges[:-1, None] + half + half * g).ravel())
    w_all.append((half * gw).ravel())
  x, w = np.concatenate(x_all), np.concatenate(w_all)
  f = _apply64(model, params, x)
  return np.array([np.sum(w * f * np.exp(-2j * np.pi * k * x)) for k in xi])


@pytest.mark.parametrize("cfg", [
    dict(depth=3, width=32, init_scheme="torch"), dict(depth=2, width=64, init_scheme="ntk"),
    dict(depth=4, width=16, init_scheme="flax")])
def test_fourier_transform_matches_quadrature_of_the_net(cfg):
  model = models.MLP(**cfg)
  params = _init(model, seed=3)
  lo, hi = -1.5, 2.0
  pwl = rg.piecewise_linear(model, params, lo, hi)
  xi = np.array([0.0, 1e-6, 0.05, 0.4, 1.7, 6.3, 40.2, 1000.7])
  got = rg.fourier_transform(pwl, xi)
  ref = _gauss_legendre_transform(model, params, pwl.breakpoints, xi)
  l1 = np.sum(np.abs(pwl.values[:-1] + pwl.values[1:]) / 2 * np.diff(pwl.breakpoints))
  assert np.all(np.abs(got - ref) <= 1e-10 * np.abs(ref) + 1e-13 * l1)
  # Dense sampling, breakpoint-free: trapezoid and FFT of model.apply on a uniform grid.
  n = 2 ** 18
  x = np.linspace(lo, hi, n + 1)
  f = _apply64(model, params, x)
  dx = (hi - lo) / n
  xi_t = xi[:6]
  trap = np.array([np.trapezoid(f * np.exp(-2j * np.pi * k * x), dx=dx) for k in xi_t])
  np.testing.assert_allclose(got[:6], trap, rtol=1e-6)  # measured 2e-8
  k = np.arange(41)
  fft = dx * np.exp(-2j * np.pi * k * lo / (hi - lo)) * (np.fft.fft(f[:-1])[k] + (f[-1] - f[0]) / 2)
  got_k = rg.fourier_transform(pwl, k / (hi - lo))
  assert np.max(np.abs(got_k - fft)) <= 1e-8 * np.abs(got_k).max()  # measured 4e-10


@pytest.mark.parametrize("cfg", [
    dict(depth=3, width=32, init_scheme="torch"), dict(depth=2, width=64, init_scheme="ntk"),
    dict(depth=4, width=16, init_scheme="flax"), dict(widths=(64, 1, 16), init_scheme="torch")])
def test_lipschitz_is_the_steepest_secant_and_below_the_bound(cfg):
  model = models.MLP(**cfg)
  params = _init(model, seed=5)
  lo, hi = -2.0, 2.0
  pwl = rg.piecewise_linear(model, params, lo, hi)
  x = np.linspace(lo, hi, 2 ** 16 + 1)
  secant = np.abs(np.diff(_apply64(model, params, x)) / np.diff(x)).max()
  lip = rg.lipschitz(pwl)
  steepest = np.argmax(np.abs(pwl.slopes))
  assert np.diff(pwl.breakpoints)[steepest] > 2 * (x[1] - x[0])  # a grid cell lies inside it
  np.testing.assert_allclose(secant, lip, rtol=1e-9)
  bound = rg.lipschitz_bound(model, params)
  assert lip <= bound
  kernels = models.dense_kernels(params)
  scale = [cfg.get("w_std", 1.0) / math.sqrt(k.shape[0]) if cfg["init_scheme"] == "ntk" else 1.0
           for k in kernels]
  ref = math.prod(c * np.linalg.norm(np.asarray(k, np.float64), 2) for c, k in zip(scale, kernels))
  np.testing.assert_allclose(bound, ref, rtol=1e-12)


def test_regions_on_a_1d_grid_are_the_pieces_it_meets():
  model = models.MLP(depth=3, width=16, init_scheme="torch")
  params = _init(model, seed=1)
  lo, hi = -3.0, 3.0
  pwl = rg.piecewise_linear(model, params, lo, hi)
  t = pwl.breakpoints
  for n in (200, 5_000, 50_000):
    grid = lo + (np.arange(n) + 0.5) * (hi - lo) / n   # cell centres, spacing (hi − lo)/n
    met = np.unique(np.searchsorted(t, grid, side="right") - 1).size
    assert rg.num_regions(model, params, grid[:, None]) == met
  # 50 000 points: spacing 1.2e-4 < the shortest piece, so every piece is met.
  assert np.diff(t).min() > (hi - lo) / 50_000 and met == t.size - 1


def _lines_model(w, b):
  model = models.MLP(depth=1, width=w.shape[1], init_scheme="torch")
  return model, _hand_params(model, [(w, b), (np.ones((w.shape[1], 1)), [0.0])])


def test_regions_2d_of_known_line_arrangements():
  grid = np.linspace(-2, 2, 401) + 0.0037
  # x = 0, y = 0, x + y = 0.5: three lines in general position, 1 + 3 + 3 = 7 regions.
  model, params = _lines_model(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), [0.0, 0.0, -0.5])
  assert rg.num_regions_2d(model, params, grid, grid) == 7
  rng = np.random.default_rng(0)
  for m in range(1, 9):
    w = rng.standard_normal((2, m))
    b = 0.5 * rng.standard_normal(m) * np.linalg.norm(w, axis=0)   # every line crosses the box
    model, params = _lines_model(w, b)
    count = rg.num_regions_2d(model, params, grid, grid)
    assert m + 1 <= count <= 1 + m + m * (m - 1) // 2
    if m == 1:
      assert count == 2


def test_regions_2d_of_a_deep_net_are_bounded_and_grow_with_the_grid():
  model = models.MLP(depth=3, width=16, init_scheme="torch")
  params = _init(model, seed=2, d=2)
  coarse, fine = np.linspace(-3, 3, 101), np.linspace(-3, 3, 201)   # coarse ⊂ fine
  n_coarse = rg.num_regions_2d(model, params, coarse, coarse)
  n_fine = rg.num_regions_2d(model, params, fine, fine)
  bound = math.prod(1 + n + n * (n - 1) // 2 for n in model.hidden_widths())
  assert 1 < n_coarse <= n_fine <= bound
  packed = rg.activation_patterns(model, params, np.zeros((3, 2)))
  assert packed.shape == (3, 6) and packed.dtype == np.uint8


def test_bad_inputs_are_clear_errors():
  with pytest.raises(ValueError, match="ReLU only"):
    model = models.MLP(depth=1, width=4, activation="tanh")
    rg.piecewise_linear(model, _init(model), 0.0, 1.0)
  model = models.MLP(depth=1, width=4, out_dim=2)
  with pytest.raises(ValueError, match="out_dim 1"):
    rg.piecewise_linear(model, _init(model), 0.0, 1.0)
  model = models.MLP(depth=1, width=4)
  with pytest.raises(ValueError, match="lo < hi"):
    rg.piecewise_linear(model, _init(model), 1.0, 1.0)
  with pytest.raises(ValueError, match="outside"):
    rg.piecewise_linear(model, _init(model), 0.0, 1.0)(np.array([1.5]))
  with pytest.raises(ValueError, match="strictly increasing"):
    rg.PiecewiseLinear(np.array([0.0, 0.0]), np.zeros(2), np.zeros(1))


def test_seed_geometry_matches_per_seed_calls():
  model = models.MLP(depth=2, width=12, activation="relu", init_scheme="torch")
  keys = jax.random.split(jax.random.key(4), 3)
  stacked = jax.vmap(lambda k: model.init(k, np.zeros((1, 1), np.float32)))(keys)
  g = rg.seed_geometry(model, stacked, -1.0, 2.0)
  assert set(g) == {"num_regions", "lipschitz", "lipschitz_bound"}
  for s in range(3):
    p = jax.tree_util.tree_map(lambda a: a[s], stacked)
    pwl = rg.piecewise_linear(model, p, -1.0, 2.0)
    assert g["num_regions"][s] == rg.num_linear_regions(pwl)
    assert g["lipschitz"][s] == rg.lipschitz(pwl)
    assert g["lipschitz_bound"][s] == rg.lipschitz_bound(model, p)
  assert len(set(g["num_regions"].tolist())) > 1 or len(set(g["lipschitz"].tolist())) > 1


def test_seed_geometry_of_a_diverged_seed_is_nan():
  model = models.MLP(depth=1, width=8, activation="relu", init_scheme="torch")
  stacked = jax.vmap(lambda k: model.init(k, np.zeros((1, 1), np.float32)))(
      jax.random.split(jax.random.key(0), 2))
  stacked = jax.tree_util.tree_map(lambda a: np.asarray(a).copy(), stacked)
  stacked["params"]["readout"]["kernel"][1, 0, 0] = np.nan
  g = rg.seed_geometry(model, stacked, 0.0, 1.0)
  assert all(np.isnan(g[k][1]) and np.isfinite(g[k][0]) for k in g), g
