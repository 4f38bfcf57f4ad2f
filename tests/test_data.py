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


def test_flower_manifold_radius_angle_and_shape():
  """γ_L(z) = (1 + ½ sin 2πLz)(cos 2πz, sin 2πz): radius and polar angle against the
  formula, the authors' R(φ) = 1 + 0.5 sin(Lφ) at φ = 2πz, shapes for scalar and [C] L."""
  z = np.asarray(data.uniform_grid(1000), np.float64)
  x = data.flower_manifold(z, 10)
  assert x.shape == (1000, 2) and x.dtype == np.float32
  r = np.hypot(x[:, 0], x[:, 1])
  np.testing.assert_allclose(r, 1 + 0.5 * np.sin(2 * np.pi * 10 * z), atol=1e-6)
  phi = 2 * np.pi * z
  np.testing.assert_allclose(x[:, 0], (1 + 0.5 * np.sin(10 * phi)) * np.cos(phi), atol=1e-6)
  ang = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
  np.testing.assert_allclose(np.angle(np.exp(1j * (ang - phi))), 0, atol=1e-5)
  np.testing.assert_allclose(np.hypot(*data.flower_manifold(z, 0).T), 1.0, atol=1e-6)
  xs = data.flower_manifold(z, np.array([0, 4, 16]))
  assert xs.shape == (3, 1000, 2)
  np.testing.assert_array_equal(xs[1], data.flower_manifold(z, 4))
  assert r.min() == pytest.approx(0.5, abs=1e-4) and r.max() == pytest.approx(1.5, abs=1e-4)


def test_sine_labels_and_square_grid():
  z = np.arange(400) / 400
  lab = data.sine_labels(z, 3, 0.7)
  np.testing.assert_array_equal(lab, (np.sin(2 * np.pi * 3 * z + 0.7) > 0).astype(np.float32))
  # The paper's rule: threshold the {0, 1} target at 0.5 — the same labels.
  assert np.array_equal(lab > 0.5, lab.astype(bool)) and 0.45 < lab.mean() < 0.55
  both = data.sine_labels(z, np.array([3, 5]), np.array([0.7, 0.1]))
  assert both.shape == (2, 400)
  np.testing.assert_array_equal(both[1], data.sine_labels(z, 5, 0.1))
  gx, gy = data.square_grid(1.6, 5)
  np.testing.assert_allclose(gx, [-1.6, -0.8, 0.0, 0.8, 1.6])
  pts = data.square_grid_points(1.6, 5)
  assert pts.shape == (25, 2)
  np.testing.assert_allclose(pts[7], [gx[2], gy[1]])  # row-major: i·G + j = (x_j, y_i)


def test_digits_are_the_shipped_images_scaled_to_unit_range():
  from sklearn.datasets import load_digits
  x, labels = data.digits()
  raw = load_digits()
  assert x.shape == (1797, 64) and x.dtype == np.float32
  np.testing.assert_array_equal(x * 16, raw.data)
  np.testing.assert_array_equal(labels, raw.target)
  x38, l38 = data.digits(classes=(3, 8))
  assert set(l38) == {3, 8} and len(l38) == np.isin(raw.target, (3, 8)).sum()
  with pytest.raises(ValueError, match="0..9"):
    data.digits(classes=(3, 10))


def test_two_classes_maps_negative_to_minus_one_and_keeps_order():
  x = np.arange(6.0)[:, None]
  xb, y = data.two_classes(x, np.array([3, 1, 8, 3, 8, 2]), negative=3, positive=8)
  np.testing.assert_array_equal(xb[:, 0], [0, 2, 3, 4])
  np.testing.assert_array_equal(y, [-1, 1, -1, 1])
  with pytest.raises(ValueError, match="no sample"):
    data.two_classes(x, np.zeros(6, int), 3, 8)
