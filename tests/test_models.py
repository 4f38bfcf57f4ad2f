import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import models


def _init(model, d=1):
  return model.init(jax.random.key(0), jnp.zeros((1, d)))


def test_exp1_net_shape_and_param_count():
  params = _init(models.MLP(depth=5, width=256))
  # 1→256, 4×(256→256), 256→1 with biases.
  assert models.count_params(params) == 2 * 256 + 4 * (256 * 256 + 256) + 257
  ks = models.dense_kernels(params)
  assert [k.shape for k in ks] == [(1, 256)] + [(256, 256)] * 4 + [(256, 1)]


def test_torch_init_is_uniform_within_fan_in_bound():
  params = _init(models.MLP(depth=2, width=512, init_scheme="torch"), d=1)
  w = np.asarray(params["params"]["hidden_1"]["kernel"])
  b = np.asarray(params["params"]["hidden_1"]["bias"])
  bound = 1 / np.sqrt(512)
  assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
  np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.02)  # variance of U(-a, a)


def test_ntk_parameterisation_forward():
  model = models.MLP(depth=1, width=8, activation="tanh", init_scheme="ntk", w_std=1.5, b_std=0.2)
  params = _init(model, d=3)
  p = params["params"]
  x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)), jnp.float32)
  h = jnp.tanh(1.5 / np.sqrt(3) * x @ p["hidden_0"]["kernel"] + 0.2 * p["hidden_0"]["bias"][None])
  ref = 1.5 / np.sqrt(8) * h @ p["readout"]["kernel"] + 0.2 * p["readout"]["bias"][None]
  np.testing.assert_allclose(model.apply(params, x), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("act", ["relu", "tanh", "sin", "erf", "gelu"])
def test_activations_and_no_bias(act):
  params = _init(models.MLP(depth=2, width=4, activation=act, use_bias=False, init_scheme="torch"))
  assert all("bias" not in layer for layer in params["params"].values())
  out = models.MLP(depth=2, width=4, activation=act, use_bias=False, init_scheme="torch").apply(
      params, jnp.zeros((3, 1)))
  np.testing.assert_allclose(out, 0.0, atol=1e-6) if act != "gelu" else None


def test_explicit_widths():
  params = _init(models.MLP(widths=(200, 100, 50), activation="tanh"))
  assert [k.shape[1] for k in models.dense_kernels(params)] == [200, 100, 50, 1]


def test_unknown_activation_is_a_clear_error():
  with pytest.raises(ValueError, match="activation='swish' is not supported"):
    _init(models.MLP(depth=1, width=4, activation="swish"))


@pytest.mark.parametrize("antisymmetric", [False, True])
def test_shifted_two_layer_net_matches_numpy(antisymmetric):
  """The LFP form h(x) = (1/√m) Σ w_i ReLU(r_i(x + l_i)), from an independent loop."""
  net = models.TwoLayerReLU(width=64, form="shifted", inner_std=1.3, outer_std=0.7,
                            shift_range=2.0, antisymmetric=antisymmetric)
  p = net.init(jax.random.key(3), jnp.zeros((1, 1)))["params"]
  x = np.linspace(-1.5, 1.5, 11)
  w = np.asarray(p["w"], np.float64)
  r, l = (np.asarray(p[k], np.float64)[0] for k in ("r", "l"))
  want = np.array([sum(w[i] * max(r[i] * (xx + l[i]), 0.0) for i in range(64)) / 8.0
                   for xx in x])
  got = np.asarray(net.apply({"params": p}, jnp.asarray(x[:, None], jnp.float32)))
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
  assert np.all(np.abs(l) <= 2.0)
  if antisymmetric:  # ± pairs: the net is identically zero at initialisation
    assert np.abs(got).max() < 1e-5 and np.abs(want).max() < 1e-12
    np.testing.assert_array_equal(w[:32], -w[32:])
    np.testing.assert_array_equal(r[:32], r[32:])
  else:
    assert np.abs(want).max() > 0.1


@pytest.mark.parametrize("outer,bias", [("sign", False), ("sign", True), ("trained", False),
                                        ("frozen", False)])
def test_standard_two_layer_net_matches_numpy_and_freezes_what_it_should(outer, bias):
  net = models.TwoLayerReLU(width=32, inner_std=2.5, outer=outer, bias=bias)
  x = jax.random.normal(jax.random.key(0), (7, 3))
  a = models.random_signs(jax.random.key(1), 32) if outer == "sign" else None
  args = (x, a) if outer == "sign" else (x,)
  p = net.init(jax.random.key(2), *args)
  q = {k: np.asarray(v, np.float64) for k, v in p["params"].items()}
  assert sorted(q) == sorted(["w"] + (["b"] if bias else []) + ([] if outer == "sign" else ["a"]))
  np.testing.assert_allclose(np.std(q["w"]), 2.5, rtol=0.2)
  if bias:
    np.testing.assert_array_equal(q["b"], 0.0)  # zero at init, then trained
  a_np = np.asarray(a if outer == "sign" else q["a"], np.float64)
  want = np.maximum(np.asarray(x, np.float64) @ q["w"] + q.get("b", 0.0), 0) @ a_np / np.sqrt(32)
  np.testing.assert_allclose(np.asarray(net.apply(p, *args)), want, rtol=1e-5, atol=1e-6)
  g = jax.grad(lambda pp: jnp.sum(net.apply(pp, *args) ** 2))(p)["params"]
  if outer == "frozen":
    np.testing.assert_array_equal(np.asarray(g["a"]), 0.0)
  if outer == "trained":
    assert np.abs(np.asarray(g["a"])).max() > 0
  assert np.abs(np.asarray(g["w"])).max() > 0


def test_kaiming_normal_residual_mlp_is_basris_torch_net():
  """W ~ N(0, 1/(3 fan_in)), b ~ U(±1/√fan_in), bias-free readout, x ← ReLU(Wx+b) + x."""
  model = models.MLP(depth=3, width=512, init_scheme="kaiming_normal", readout_bias=False,
                     residual=True)
  p = model.init(jax.random.key(0), jnp.zeros((1, 2)))["params"]
  assert "bias" not in p["readout"]
  w1 = np.asarray(p["hidden_1"]["kernel"])
  np.testing.assert_allclose(w1.std(), 1 / np.sqrt(3 * 512), rtol=0.02)
  b1 = np.asarray(p["hidden_1"]["bias"])
  assert np.abs(b1).max() <= 1 / np.sqrt(512) and np.abs(b1).max() > 0.9 / np.sqrt(512)
  x = np.asarray(jax.random.normal(jax.random.key(1), (5, 2)), np.float64)
  h = np.maximum(x @ np.asarray(p["hidden_0"]["kernel"]) + np.asarray(p["hidden_0"]["bias"]), 0)
  for i in (1, 2):
    layer = p[f"hidden_{i}"]
    h = np.maximum(h @ np.asarray(layer["kernel"]) + np.asarray(layer["bias"]), 0) + h
  want = h @ np.asarray(p["readout"]["kernel"])
  np.testing.assert_allclose(np.asarray(model.apply({"params": p}, jnp.asarray(x, jnp.float32))),
                             want, rtol=1e-4, atol=1e-5)


def _sq_norm(tree):
  return sum(float(np.sum(np.asarray(x, np.float64) ** 2)) for x in jax.tree_util.tree_leaves(tree))


@pytest.mark.parametrize("delta", [0.0, 0.37, 5.0])
def test_perturbation_is_at_distance_delta_over_all_parameters(delta):
  """‖θ − θ*‖₂ over every weight and bias together is δ (float32 rounding only)."""
  params = _init(models.MLP(depth=3, width=64, init_scheme="torch"))
  out = models.perturb(params, jax.random.key(1), delta)
  assert jax.tree_util.tree_structure(out) == jax.tree_util.tree_structure(params)
  diff = jax.tree_util.tree_map(lambda a, b: np.asarray(a, np.float64) - np.asarray(b, np.float64),
                                out, params)
  np.testing.assert_allclose(np.sqrt(_sq_norm(diff)), delta, rtol=2e-6, atol=1e-7)
  u = models.random_direction(jax.random.key(1), params)
  np.testing.assert_allclose(_sq_norm(u), 1.0, rtol=1e-6)


def test_random_direction_is_gaussian_and_normalised_jointly_not_per_tensor():
  """√P·θ̂ has i.i.d. N(0, 1) entries (KS test, moments); each tensor's share of ‖θ̂‖² is
  its share of the entries (a per-tensor normalisation would give every tensor 1/L); two
  keys give nearly orthogonal directions (inner product ~ N(0, 1/P))."""
  from scipy import stats
  params = _init(models.MLP(depth=2, width=128, init_scheme="torch"))
  P = models.count_params(params)
  u = models.random_direction(jax.random.key(3), params)
  leaves = [np.asarray(x, np.float64).ravel() for x in jax.tree_util.tree_leaves(u)]
  z = np.sqrt(P) * np.concatenate(leaves)
  assert stats.kstest(z, "norm").pvalue > 1e-3
  assert abs(z.mean()) < 5 / np.sqrt(P) and abs(z.var() - 1) < 5 * np.sqrt(2 / P)
  assert abs(stats.kurtosis(z)) < 0.1  # Gaussian, not uniform (−1.2)
  for leaf in leaves:
    share, expected = np.sum(leaf ** 2), leaf.size / P
    assert abs(share - expected) < 6 * np.sqrt(2 * leaf.size) / P + 1e-12, (share, expected)
  v = models.random_direction(jax.random.key(4), params)
  inner = sum(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64))
              for a, b in zip(jax.tree_util.tree_leaves(u), jax.tree_util.tree_leaves(v)))
  assert abs(inner) < 5 / np.sqrt(P)
  # Deterministic per key.
  w = models.random_direction(jax.random.key(3), params)
  assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(u),
                                                  jax.tree_util.tree_leaves(w)))


def test_glorot_uniform_and_normal_inits_of_the_f_principle_scripts():
  """Keras' Dense default (f_principle.py) and the TF1 N(0, 0.05²) init (older script)."""
  x = jnp.zeros((1, 3))
  p = models.MLP(widths=(400, 300), init_scheme="glorot_uniform").init(jax.random.key(0), x)
  for name, (fi, fo) in (("hidden_0", (3, 400)), ("hidden_1", (400, 300)), ("readout", (300, 1))):
    w, b = np.asarray(p["params"][name]["kernel"]), np.asarray(p["params"][name]["bias"])
    bound = np.sqrt(6.0 / (fi + fo))
    assert w.shape == (fi, fo) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    np.testing.assert_array_equal(b, 0.0)
  w = np.asarray(p["params"]["hidden_1"]["kernel"])
  np.testing.assert_allclose(w.var(), 6.0 / 700 / 3, rtol=0.02)  # U(±a): variance a²/3
  q = models.MLP(widths=(400, 300), init_scheme="normal", w_std=0.05, b_std=0.2).init(
      jax.random.key(1), x)
  w, b = np.asarray(q["params"]["hidden_1"]["kernel"]), np.asarray(q["params"]["hidden_1"]["bias"])
  np.testing.assert_allclose([w.mean(), w.std()], [0.0, 0.05], atol=5e-4)
  np.testing.assert_allclose(b.std(), 0.2, rtol=0.2)
