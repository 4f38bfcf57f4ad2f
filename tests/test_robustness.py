"""Rahaman Exp 2 (robustness): the chunked perturbation program against a plain loop with
NumPy's FFT, the nets of an Exp 1 record against training here, and the checks of
``from_workdir``. The script end to end: test_scripts.py; the effect: test_phenomena.py."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fourier_nn import models, records
from fourier_nn.configs import robustness as robustness_config
from fourier_nn.configs import spectral_bias_1d as exp1_config
from fourier_nn.experiments import robustness, spectral_bias_1d


def test_chunked_program_equals_a_plain_loop():
  """2 nets × 3 δ × 4 draws: the lax.map over chunks of 5 (24 = 4·5 + 4: padded) equals a
  Python loop over every draw, one net at a time, with NumPy's FFT."""
  c = exp1_config.get_config("tiny")
  b = spectral_bias_1d.build(c)
  params = jax.vmap(b["init_fn"])(b["init_keys"])
  keys = jax.random.split(jax.random.key(5), 2)
  deltas = jnp.asarray([0.0, 0.5, 3.0], jnp.float32)
  R, N = 4, c.num_points
  chunked = np.asarray(robustness.perturbation_program(b["apply"], b["x"], b["freqs"], R, 5)(
      params, keys, deltas))
  net = jax.jit(lambda p, key, delta: b["apply"](models.perturb(p, key, delta), b["x"]))
  ref = np.zeros((2, 3, len(b["freqs"])))
  for m in range(2):
    p = jax.tree_util.tree_map(lambda a: a[m], params)
    for d in range(3):
      for r in range(R):
        key = jax.random.fold_in(jax.random.fold_in(keys[m], d), r)
        f = np.asarray(net(p, key, deltas[d]), np.float64)
        ref[m, d] += 2 * np.abs(np.fft.fft(f)[b["freqs"]]) / N / R
  assert chunked.shape == (2, 3, 3)
  np.testing.assert_allclose(chunked, ref, rtol=2e-4, atol=1e-6)
  # δ = 0 is the net itself; larger δ changes it.
  np.testing.assert_allclose(chunked[:, 0], ref[:, 0], rtol=1e-4)
  assert np.abs(chunked[:, 2] - chunked[:, 0]).max() > 1e-3


def test_from_workdir_gives_the_numbers_of_training_here(tmp_path):
  """The nets of a spectral_bias_1d record (same training config) give exactly the
  perturbed amplitudes of training inside robustness; δ = 0 reads ratio 1."""
  c1 = exp1_config.get_config("tiny")
  exp1 = spectral_bias_1d.run(c1, str(tmp_path / "exp1"))
  c = robustness_config.get_config("tiny")
  here = records.load_record(robustness.run(c, str(tmp_path / "here")))
  c.from_workdir = exp1
  there = records.load_record(robustness.run(c, str(tmp_path / "there")))
  assert there.summary["models_from"] == exp1 and here.summary["models_from"] == "trained"
  for name in ("perturbed_amplitudes", "trained_amplitudes", "train_loss"):
    np.testing.assert_allclose(there.arrays[name], here.arrays[name], rtol=1e-6, err_msg=name)
  np.testing.assert_allclose(here.arrays["perturbed_amplitudes"][:, 0], 1.0, rtol=1e-5)
  # trained_amplitudes is the DFT of the saved params' function (NumPy FFT, independent).
  params = records.load_params(exp1)
  b = spectral_bias_1d.build(c1)
  for m in range(2):
    f = np.asarray(b["apply"](jax.tree_util.tree_map(lambda a: jnp.asarray(a[m]), params),
                              b["x"]), np.float64)
    np.testing.assert_allclose(here.arrays["trained_amplitudes"][m],
                               2 * np.abs(np.fft.fft(f)[b["freqs"]]) / c1.num_points, rtol=1e-4)


def test_from_workdir_refuses_what_it_cannot_use(tmp_path):
  c = robustness_config.get_config("tiny")
  cases = {
      "missing": ("no complete record", None),
      "other": ("'lfp' record", ({"amplitudes": "equal"}, {"experiment": "lfp"})),
      "increasing": ("needs equal amplitudes",
                     ({"amplitudes": "increasing"}, {"experiment": "spectral_bias_1d"})),
      "noparams": ("holds no params",
                   ({"amplitudes": "equal"}, {"experiment": "spectral_bias_1d"})),
  }
  for name, (needle, rec) in cases.items():
    path = str(tmp_path / name)
    if rec is not None:
      records.save_record(path, rec[0], [], {"a": np.zeros(2)}, rec[1])
    c.from_workdir = path
    with pytest.raises(ValueError, match=needle) as e:
      robustness.validate(c)
    assert str(e.value).startswith("--config.from_workdir=") and "\n" not in str(e.value)


def test_training_errors_name_the_train_key():
  c = robustness_config.get_config("tiny")
  c.train.num_seeds = 0
  with pytest.raises(ValueError, match=r"^--config\.train\.num_seeds=0 is invalid"):
    robustness.validate(c)
