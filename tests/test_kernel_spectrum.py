"""Rahaman Exp 4 (kernel_spectrum) and theory.rbf_spectrum: the generalised spectrum against
independent computations (a hand-built kernel, numpy's eigh, Parseval), the sanity figure's
oscillation property, the script end to end on a tiny config, and the effect itself (the
net's spectrum fills the low-n bins first). Bad flags: tests/test_bad_inputs.py."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import config_path
from fourier_nn import records
from fourier_nn.configs.kernel_spectrum import get_config
from fourier_nn.experiments import kernel_spectrum
from fourier_nn.theory import rbf_spectrum

RNG = np.random.default_rng(0)


def _hand_kernel(x, sigma):
  n = x.shape[0]
  K = np.empty((n, n))
  for i in range(n):
    for j in range(n):
      K[i, j] = np.exp(-np.sum((x[i] - x[j]) ** 2) / (2 * sigma ** 2))
  return K


def test_rbf_gram_and_eigenbasis_match_a_hand_built_kernel_and_numpy_eigh():
  x = RNG.random((30, 5))
  K = _hand_kernel(x, 0.7)
  np.testing.assert_allclose(rbf_spectrum.rbf_gram(x, 0.7), K, rtol=1e-12, atol=1e-14)
  lam, V = rbf_spectrum.rbf_eigenbasis(x, 0.7)
  ref_lam, ref_V = np.linalg.eigh(K)
  np.testing.assert_allclose(lam, ref_lam[::-1], rtol=1e-10, atol=1e-12)
  assert np.all(np.diff(lam) <= 1e-12)  # decreasing eigenvalues
  # Same eigenvectors up to sign (the top ones are well separated here).
  for n in range(8):
    assert abs(abs(V[:, n] @ ref_V[:, -1 - n]) - 1) < 1e-8
  f = RNG.standard_normal(30)
  spec = rbf_spectrum.generalised_spectrum(f, V)
  np.testing.assert_allclose(np.sum(spec ** 2), np.sum(f ** 2), rtol=1e-12)  # Parseval
  np.testing.assert_allclose(V @ spec, f, atol=1e-12)  # the inverse transform


def test_eigen_noise_has_the_stated_coefficients_and_bins_average():
  x = RNG.random((40, 3))
  _, V = rbf_spectrum.rbf_eigenbasis(x, 0.5)
  for form, c in (("n_over_N", (np.arange(1, 41) / 40) ** 2),
                  ("linspace", (np.arange(40) / 39) ** 2)):
    psi = rbf_spectrum.eigen_noise(V, 2.0, form)
    np.testing.assert_allclose(rbf_spectrum.generalised_spectrum(psi, V), c, atol=1e-12)
  a = RNG.random((2, 40))
  np.testing.assert_allclose(rbf_spectrum.bin_mean(a, 8), a.reshape(2, 8, 5).mean(-1))
  assert rbf_spectrum.bin_edges(40, 8).tolist() == list(range(0, 41, 5))
  assert rbf_spectrum.bin_edges(10, 3).tolist() == [0, 4, 7, 10]
  with pytest.raises(ValueError, match="num_bins"):
    rbf_spectrum.bin_mean(a, 41)


def test_sanity_eigenvectors_oscillate_faster_with_n():
  """Paper Fig 6: on 50 uniform points of [0, 1] the Gaussian kernel is totally positive,
  so v_n has exactly n − 1 sign changes (Gantmacher–Krein)."""
  x, lam, V = kernel_spectrum.sanity_eigenvectors(50, 0.1, 12)
  assert x.shape == (50,) and V.shape == (50, 12)
  np.testing.assert_array_equal(rbf_spectrum.sign_changes(V.T), np.arange(12))
  assert np.all(np.diff(lam[:12]) < 0)


def test_kernel_spectrum_tiny_end_to_end(tmp_path, script):
  wd = str(tmp_path / "exp4")
  r = script("kernel_spectrum.py", f"--config={config_path('kernel_spectrum')}:tiny",
             f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  rec = records.load_record(wd)
  a, s = rec.arrays, rec.summary
  N, B = 80, 10
  assert a["net_spectrum"].shape == (2, 2, 3, B)  # [noise, seed, log_step, bin]
  assert a["val_loss"].shape == a["train_loss"].shape == (2, 2, 3)
  assert a["steps"].tolist() == [0, 10, 20] and a["eigvals"].shape == (N,)
  assert s["num_samples_used"] == N and s["num_samples_available"] == 357
  assert s["sigma"] == pytest.approx(1.25 * np.sqrt(64 / 784))
  assert s["parseval_rel_error_clean"] < 1e-12
  # Independent: the first 80 digits of 3 and 8 straight from scikit-learn, a hand-built
  # kernel, numpy's eigh; the final params' outputs projected and binned by hand.
  from sklearn.datasets import load_digits
  d = load_digits()
  keep = np.isin(d.target, (3, 8))
  x = (d.data[keep] / 16.0)[:N]
  y = np.where(d.target[keep][:N] == 8, 1.0, -1.0)
  np.testing.assert_array_equal(a["clean_target"], y)
  lam, V = np.linalg.eigh(_hand_kernel(x, s["sigma"]))
  V = V[:, ::-1]
  np.testing.assert_allclose(a["eigvals"], lam[::-1], rtol=1e-9, atol=1e-12)
  np.testing.assert_allclose(np.abs(a["clean_spectrum"]), np.abs(V.T @ y), atol=1e-9)
  # hfn noise (index 1): spectrum (n/N)^2 exactly, the same for both seeds.
  np.testing.assert_allclose(a["noise_spectrum"][1], np.tile((np.arange(1, N + 1) / N) ** 2,
                                                             (2, 1)), atol=1e-9)
  # white noise: within U(-1, 1), Parseval holds.
  white = a["noise_spectrum"][0]
  b = kernel_spectrum.build(get_config("tiny"))
  assert np.all(np.abs(b["noise"][0]) <= 1)
  np.testing.assert_allclose(np.sum(white ** 2, -1), np.sum(b["noise"][0] ** 2, -1), rtol=1e-10)
  params = records.load_params(wd)
  for c in range(4):
    p = jax.tree_util.tree_map(lambda v: jnp.asarray(v[c]), params)
    f = np.asarray(b["apply"](p, jnp.asarray(x, jnp.float32)), np.float64)
    binned = np.abs(V.T @ f).reshape(B, 8).mean(-1)
    np.testing.assert_allclose(a["net_spectrum"][c // 2, c % 2, -1], binned, rtol=2e-4,
                               atol=1e-6)
    np.testing.assert_allclose(a["val_loss"][c // 2, c % 2, -1], np.mean((f - y) ** 2),
                               rtol=1e-5)
  np.testing.assert_array_equal(a["sanity_sign_changes"], np.arange(6))
  assert not [f for f in os.listdir(wd) if f.startswith("checkpoint")]
  r = script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-3000:]
  assert os.path.getsize(os.path.join(wd, "figure.png")) > 10_000


def test_net_spectrum_fills_the_low_n_bins_first():
  """The effect on a small setting (first 200 digits of 3/8, 10 bins of 20, 2 × 32 net,
  Adam 1e-3): at step 60 the net's binned |f̃| has reached far more of the target's in the
  first fifth of the eigen-indices than in the last, for both noise kinds and seeds; and
  the high-frequency noise leaves a lower best validation loss than white noise."""
  c = get_config("tiny")
  c.model.width, c.model.depth, c.lr = 32, 2, 1e-3
  c.num_samples, c.bin_size = 200, 20
  c.num_steps, c.log_every, c.snapshot_steps = 100, 10, (0,)
  b = kernel_spectrum.build(c)
  hist = kernel_spectrum.train_cells(c, b, progress=False)
  a, _, s = kernel_spectrum.analyse(c, b, hist)
  j = int(np.flatnonzero(a["steps"] == 60)[0])
  target = rbf_spectrum.bin_mean(np.abs(a["target_spectrum"]), 10)  # [noise, seed, bin]
  lo, hi = kernel_spectrum.low_high_ratio(a["net_spectrum"][:, :, j], target)
  assert np.all(lo > 1.8 * hi), (lo, hi)
  assert np.all(lo > 0.5), lo
  assert s["per_noise"]["hfn"]["best_val_loss_mean"] < s["per_noise"]["white"]["best_val_loss_mean"]


@pytest.mark.parametrize("variant", ["paper", "code", "quick", "tiny"])
def test_every_variant_validates(variant):
  c = get_config(variant)
  kernel_spectrum.validate(c)
  assert c.sigma == 1.25 and c.noise_power == 2.0
  assert c.hfn_form == ("linspace" if variant == "code" else "n_over_N")
  assert kernel_spectrum.effective_sigma(c, 784) == pytest.approx(1.25)
