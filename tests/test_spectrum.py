import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import spectrum


def test_dft_reads_known_amplitudes():
  rng = np.random.default_rng(0)
  n = 200
  z = np.arange(n) / n
  freqs = np.array([0, 3, 5, 17, 50, 99])
  amps = rng.uniform(0.1, 2.0, size=(4, freqs.size))  # leading axis: 4 "seeds"
  phases = rng.uniform(0, 2 * np.pi, size=(4, freqs.size))
  dc = amps[:, :1]
  y = dc + np.sum(amps[:, 1:, None] * np.sin(2 * np.pi * freqs[None, 1:, None] * z + phases[:, 1:, None]), axis=1)
  got = np.asarray(spectrum.dft_amplitudes(jnp.asarray(y, jnp.float32), freqs))
  np.testing.assert_allclose(got, amps, rtol=2e-5, atol=2e-5)
  # Independent check: numpy's FFT, single-sided normalisation.
  f = np.abs(np.fft.rfft(y, axis=-1)) / n
  f[:, 1:] *= 2
  np.testing.assert_allclose(got, f[:, freqs], rtol=2e-5, atol=2e-5)
  # A bin with no content reads ~0.
  assert float(spectrum.dft_amplitudes(jnp.asarray(y[0], jnp.float32), [7])[0]) < 1e-4


def test_dft_works_under_jit_and_vmap():
  z = jnp.arange(64) / 64
  f = jax.jit(jax.vmap(lambda a: spectrum.dft_amplitudes(a * jnp.sin(2 * jnp.pi * 4 * z), [4])))
  np.testing.assert_allclose(f(jnp.array([0.5, 2.0]))[:, 0], [0.5, 2.0], rtol=1e-5)


@pytest.mark.parametrize("bad", [[100], [150], [-1], [2.5], []])
def test_dft_refuses_bad_frequencies(bad):
  with pytest.raises(ValueError) as e:
    spectrum.dft_amplitudes(jnp.zeros(200), bad)
  if bad and bad[0] >= 100:
    assert "Nyquist" in str(e.value)


def test_nudft_matches_dft_on_uniform_grid():
  n = 128
  z = np.arange(n) / n
  x = np.stack([z, np.zeros(n)], axis=1)
  y = 0.8 * np.sin(2 * np.pi * 6 * z + 0.3) + 0.2 * np.cos(2 * np.pi * 11 * z)
  got = np.asarray(spectrum.nudft(jnp.asarray(x), jnp.asarray(y), jnp.array([2.0, 0.0]), [6, 11, 20]))
  ref = np.fft.fft(y)[[6, 11, 20]] / n
  np.testing.assert_allclose(got, ref, atol=1e-5)


def test_nudft_on_scattered_points_in_3d_against_a_direct_sum():
  """Genuinely non-uniform: random points in R³, a non-unit direction (normalised inside),
  non-integer frequencies, a batch of value vectors — vs a float64 double loop."""
  rng = np.random.default_rng(5)
  x = rng.normal(size=(40, 3)) * np.array([1.0, 0.3, 2.0])
  vals = rng.normal(size=(2, 40))
  direction = np.array([1.0, -2.0, 0.5])
  freqs = np.array([0.0, 0.37, 1.5, 3.25])
  p = direction / np.linalg.norm(direction)
  want = np.array([[sum(v[i] * np.exp(-2j * np.pi * k * (p @ x[i])) for i in range(40)) / 40
                    for k in freqs] for v in vals])
  got = np.asarray(spectrum.nudft(jnp.asarray(x, jnp.float32), jnp.asarray(vals, jnp.float32),
                                  jnp.asarray(direction), freqs))
  np.testing.assert_allclose(got, want, atol=2e-5)
  assert np.abs(want[:, 1:]).min() > 1e-3  # not a trivially small answer


def test_first_principal_component():
  rng = np.random.default_rng(1)
  x = rng.normal(size=(500, 3)) * np.array([5.0, 1.0, 0.3])
  pc = np.asarray(spectrum.first_principal_component(jnp.asarray(x, jnp.float32)))
  assert abs(abs(pc[0]) - 1) < 1e-2


def test_filtered_errors_limits():
  rng = np.random.default_rng(2)
  x = jnp.asarray(rng.uniform(-1, 1, (60, 2)), jnp.float32)
  y = jnp.asarray(np.sin(3 * x[:, 0]) + np.cos(7 * x[:, 1]), jnp.float32)
  h = jnp.stack([y, jnp.zeros_like(y)])
  e_low, e_high = spectrum.filtered_errors(x, y, h, delta=0.05)
  np.testing.assert_allclose(e_low, [0.0, 1.0], atol=1e-5)
  np.testing.assert_allclose(e_high, [0.0, 1.0], atol=1e-5)
  # A constant offset is pure low frequency (rows of the filter sum to 1): it shows up in
  # e_low exactly and not at all in e_high.
  g = spectrum.gaussian_filter_matrix(x, 0.05)
  e_low, e_high = spectrum.filtered_errors(x, y, y + 0.3, delta=0.05)
  np.testing.assert_allclose(e_low, 0.3 * np.sqrt(60) / np.linalg.norm(g @ y), rtol=1e-4)
  assert float(e_high) < 1e-5


def test_relative_error():
  np.testing.assert_allclose(spectrum.relative_error(jnp.array([1.0 + 1j]), jnp.array([2.0 + 0j])),
                             [np.sqrt(2) / 2], rtol=1e-6)


def test_relative_error_magnitude_form_ignores_phase():
  y_hat = jnp.array([2.0 + 0j, 1.0 + 0j])
  h_hat = jnp.array([2.0j, 0.5 + 0j])  # right magnitude, wrong phase; half the magnitude
  np.testing.assert_allclose(spectrum.relative_error(h_hat, y_hat, "magnitude"),
                             [0.0, 0.5 / (1 + 1e-5)], rtol=1e-6)
  np.testing.assert_allclose(spectrum.relative_error(h_hat, y_hat, "complex"),
                             [np.sqrt(8) / 2, 0.5], rtol=1e-6)
  with pytest.raises(ValueError, match="delta_f='abs'"):
    spectrum.relative_error(h_hat, y_hat, "abs")


def test_spectrum_peaks_of_the_authors_1d_target():
  # f_principle.py: y = sin x + 2 sin 3x + 3 sin 5x on linspace(-5, 5, 101)
  x = np.linspace(-5, 5, 101)
  y = np.sin(x) + 2 * np.sin(3 * x) + 3 * np.sin(5 * x)
  amp = np.abs(np.fft.fft(y)) / len(y)
  peaks = spectrum.spectrum_peaks(amp, 4, max_bin=40)
  # frequency f (rad) sits at bin f·L/(2π) with L = 101·0.1: 1.6, 4.8, 8.0 → peaks near them
  np.testing.assert_array_equal(peaks[:3], [2, 5, 8])
  assert spectrum.spectrum_peaks([0, 1, 0, 2, 0], 5).tolist() == [1, 3]


def _filtered_errors_loops(x, y, h, delta):
  """Independent NumPy float64 reference: double loop, δ a variance, rows normalised."""
  x, y, h = (np.asarray(a, np.float64) for a in (x, y, h))
  n = x.shape[0]
  g = np.empty((n, n))
  for i in range(n):
    for j in range(n):
      g[i, j] = np.exp(-np.sum((x[i] - x[j]) ** 2) / (2.0 * delta))
    g[i] /= g[i].sum()
  y_low, h_low = g @ y, g @ h
  fro = lambda a: np.sqrt(np.sum(a ** 2))
  return (fro(y_low - h_low) / fro(y_low), fro((y - y_low) - (h - h_low)) / fro(y - y_low))


@pytest.mark.parametrize("delta", [0.5, 2.0, 8.0])
def test_filtered_errors_of_vector_targets_match_an_independent_double_loop(delta):
  rng = np.random.default_rng(3)
  n, d, c = 30, 5, 4
  x = rng.normal(size=(n, d))  # squared distances ~ 2d = 10: δ and δ² filter differently
  y = np.eye(c)[rng.integers(0, c, n)]  # one-hot labels [n, C]
  logits = rng.normal(size=(3, n, c))
  h = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)  # softmax outputs [3, n, C]
  e_low, e_high = spectrum.filtered_errors(x, y, h, delta)
  assert e_low.shape == e_high.shape == (3,)
  for s in range(3):
    want = _filtered_errors_loops(x, y, h[s], delta)
    np.testing.assert_allclose([e_low[s], e_high[s]], want, rtol=2e-4)
    # The checks would catch the wrong conventions: δ² instead of δ, no row normalisation.
    wrong_var = _filtered_errors_loops(x, y, h[s], delta ** 2)
    assert abs(wrong_var[0] - want[0]) > 1e-3 or abs(wrong_var[1] - want[1]) > 1e-3
  g = np.asarray(spectrum.gaussian_filter_matrix(x, delta), np.float64)
  np.testing.assert_allclose(g.sum(axis=1), 1.0, rtol=1e-5)
  raw = np.exp(-((x[:, None] - x[None]) ** 2).sum(-1) / (2 * delta))
  np.testing.assert_allclose(g, raw / raw.sum(1, keepdims=True), rtol=2e-4, atol=1e-7)
  # A scalar column equals the scalar path.
  e1 = spectrum.filtered_errors(x, y[:, 0], h[:, :, 0], delta)
  e2 = spectrum.filtered_errors(x, y[:, :1], h[:, :, :1], delta)
  np.testing.assert_allclose(np.asarray(e1), np.asarray(e2), rtol=1e-5)


def test_filtered_errors_shape_mismatch_is_one_clear_error():
  x = np.zeros((4, 2))
  with pytest.raises(ValueError, match=r"h must be \[..., n, C\]"):
    spectrum.filtered_errors(x, np.eye(4), np.zeros((4, 3)), 1.0)
