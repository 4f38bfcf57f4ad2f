"""Samplers and targets of `fourier_nn.data`, against independent computations."""
import jax
import numpy as np
import pytest
import scipy.special

from fourier_nn import data, theory


def test_uniform_grid_and_sum_of_sines_against_numpy():
  z = np.asarray(data.uniform_grid(8), np.float64)
  np.testing.assert_allclose(z, np.arange(8) / 8)
  phases = np.array([[0.1, 2.0], [1.0, 0.0]])
  got = np.asarray(data.sum_of_sines(z, [1, 3], [1.0, 0.5], phases))
  for s in range(2):
    want = np.sin(2 * np.pi * z + phases[s, 0]) + 0.5 * np.sin(6 * np.pi * z + phases[s, 1])
    np.testing.assert_allclose(got[s], want, atol=1e-6)
  np.testing.assert_allclose(data.amplitude_profile("increasing", 4), [0.25, 0.5, 0.75, 1.0])
  with pytest.raises(ValueError, match="amplitudes='flat'"):
    data.amplitude_profile("flat", 3)


def test_delta_target_has_a_flat_spectrum():
  y = np.asarray(data.delta_target(200, 0.5))
  assert y.sum() == 1 and y[100] == 1
  amp = 2 * np.abs(np.fft.rfft(y.astype(np.float64)))[1:100] / 200  # independent of spectrum.dft_amplitudes
  np.testing.assert_allclose(amp, 2 / 200, rtol=1e-9)
  with pytest.raises(ValueError, match="not a point"):
    data.delta_target(200, 0.5025)
  with pytest.raises(ValueError, match="not a point"):
    data.delta_target(200, 1.0)


def test_circle_and_sphere_samples_are_unit_and_uniform():
  th, x = data.sample_circle(jax.random.key(0), 20_000)
  np.testing.assert_allclose(np.linalg.norm(np.asarray(x), axis=1), 1.0, atol=1e-6)
  np.testing.assert_allclose(np.asarray(x[:, 0]), np.cos(np.asarray(th)), atol=1e-6)
  # uniform θ on (−π, π): mean of cos kθ ≈ 0 for k ≥ 1 (± 4 standard errors)
  for k in (1, 2, 5):
    assert abs(np.mean(np.cos(k * np.asarray(th)))) < 4 / np.sqrt(2 * 20_000)
  s = np.asarray(data.sample_sphere(jax.random.key(1), 20_000, 3), np.float64)
  # on S², x₃ = cos(polar angle) is uniform on [−1, 1] (Archimedes): mean 0, variance 1/3
  assert abs(s[:, 2].mean()) < 0.02 and abs(s[:, 2].var() - 1 / 3) < 0.01
  np.testing.assert_allclose(np.cos(data.polar_angle(s)), s[:, 2], atol=1e-12)


def test_sampled_components_have_unit_l2_norm_and_are_orthogonal():
  """Monte Carlo on the sphere (independent of the quadrature): E[P_k²] = 1, cross ≈ 0."""
  d, n = 10, 50_000
  x = data.sphere_inputs(jax.random.key(1), n, d)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  z = data.random_directions(jax.random.key(2), 3, d)
  comps = np.stack([theory.gegenbauer(k, d, x @ zz, "unit_l2") for k, zz in zip((1, 2, 4), z)])
  gram = comps @ comps.T / n
  np.testing.assert_allclose(np.diag(gram), 1.0, atol=0.05)
  assert np.max(np.abs(gram - np.diag(np.diag(gram)))) < 0.03, gram


def test_non_uniform_inputs():
  n, d = 20_000, 10
  x = data.sphere_inputs(jax.random.key(5), n, d, "piecewise", mass=0.8)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  frac = np.mean(x[:, 0] > 0)
  assert abs(frac - 0.8) < 4 * np.sqrt(0.16 / n), frac
  x = data.sphere_inputs(jax.random.key(6), n, d, "anisotropic", ratio=4.0)
  np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
  m2 = np.mean(x ** 2, axis=0)
  assert m2[0] > 3 * m2[-1] and np.all(np.diff(m2) < 0.01), m2
  with pytest.raises(ValueError, match="inputs='gaussian'"):
    data.sphere_inputs(jax.random.key(0), 4, 3, "gaussian")


def test_targets_against_scipy():
  x = data.sphere_inputs(jax.random.key(7), 50, 3)
  for k in (0, 1, 4, 9):
    np.testing.assert_allclose(data.legendre_target(x, k),
                               scipy.special.eval_legendre(k, x[:, 2]), atol=1e-12)
  th = np.linspace(-np.pi, np.pi, 9)
  np.testing.assert_allclose(data.sine_target(th, 3, 0.5), np.sin(3 * (th + 0.5)))
  np.testing.assert_allclose(np.linalg.norm(data.unit_normalize(np.ones((2, 5))), axis=1), 1)
  z = data.random_directions(jax.random.key(8), 2, 3)
  y, v = data.harmonic_sum_target(x, z, (1, 2), (2.0, -1.0), "standard")
  p1 = scipy.special.eval_gegenbauer(1, 0.5, x @ z[0])
  p2 = scipy.special.eval_gegenbauer(2, 0.5, x @ z[1])
  np.testing.assert_allclose(y, 2 * p1 - p2, atol=1e-12)
  np.testing.assert_allclose(v[1], p2 / np.linalg.norm(p2), atol=1e-12)


def test_lfp_points_and_grid():
  x, y = data.lfp_points([0.5, -1.0, 0.2], 1.0)
  np.testing.assert_array_equal(x, [-1.0, 0.2, 0.5])
  np.testing.assert_allclose(y, np.sin(2 * np.pi * x))
  grid, inside = data.interval_grid(x, 0.25, 11)
  assert grid[0] == -1.25 and grid[-1] == 0.75 and np.all(np.isin(x, grid))
  np.testing.assert_array_equal(inside, (grid >= -1.0) & (grid <= 0.5))
