"""Builds the notebooks from cell lists so they stay small, reviewed as code, output-free.

  python notebooks/make_notebooks.py   # rewrites notebooks/*.ipynb
"""
import configparser
import os

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's address lives in one place, setup.cfg's [metadata] url.
_CFG = configparser.ConfigParser()
_CFG.read(os.path.join(HERE, "..", "setup.cfg"))
REPO_URL = _CFG["metadata"]["url"]

INSTALL = f'''# Colab / fresh machine: install fourier_nn if it is not importable yet.
# Locally (`make venv`) this cell does nothing.
import importlib.util, subprocess, sys
if importlib.util.find_spec("fourier_nn") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "git+{REPO_URL}"])'''

RUNTIME = """**Runtime.** {cpu} Colab: *Runtime → Change runtime type → GPU* (or TPU) runs the
same cells on the accelerator (Colab's jax finds it; elsewhere `pip install "fourier_nn[cuda12]"`);
matmuls then run in true float32 unless you set `jax.config.update("jax_default_matmul_precision", "default")`."""


def colab_url(name: str) -> str:
  """The "Open in Colab" address of notebooks/NAME (used by the README)."""
  path = REPO_URL.split("github.com/", 1)[1]
  return f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{name}"

SETUP = '''import os, tempfile
import numpy as np
import matplotlib.pyplot as plt
%matplotlib inline
# Tests execute this notebook with FOURIER_NN_NB_VARIANT=tiny; by default it runs the quick variant.
VARIANT = os.environ.get("FOURIER_NN_NB_VARIANT", "quick")
WORKDIR = os.environ.get("FOURIER_NN_NB_WORKDIR") or tempfile.mkdtemp(prefix="fourier_nn_")
print("variant:", VARIANT, "workdir:", WORKDIR)'''

RUN_HELPER = '''import importlib
from fourier_nn import records, plotting

def run(name, driver=None):
    """Runs configs/NAME.py at VARIANT with its driver; returns the loaded record."""
    config = importlib.import_module(f"fourier_nn.configs.{name}").get_config(VARIANT)
    exp = importlib.import_module(f"fourier_nn.experiments.{driver or name}")
    return records.load_record(exp.run(config, os.path.join(WORKDIR, name), overwrite=True))'''


def run_and_draw(name: str, then: str):
  """A cell that runs experiment ``name`` (the notebook's `run` helper), draws its figure,
  then runs ``then`` (prints of the record's summary)."""
  return code(f"""rec = run("{name}")
import fourier_nn.plotting.{name}
fig = plotting.{name}.figure(rec)
plt.show()
""" + then)


def md(s):
  return nbformat.v4.new_markdown_cell(s)


def code(s):
  return nbformat.v4.new_code_cell(s)


def experiment_notebook(name, title, intro, cpu, notes="", driver=None, plot=None):
  """A notebook that runs experiment ``name`` (config + driver + figure) and shows its summary.

  ``cpu``: the expected CPU time of its quick variant. ``driver`` / ``plot``: the
  experiments / plotting module when not named like the config.
  """
  driver, plot = driver or name, plot or driver or name
  return [
      md(f"# {title}\n\n{intro}\n\n" + RUNTIME.format(cpu=cpu)),
      code(INSTALL),
      code(SETUP),
      md("## Config\nThe paper's settings are the default; the notebook runs a small variant "
         "(`quick` by default, `tiny` in tests). Any key can be changed on `config` below."),
      code(f"""from fourier_nn.configs import {name} as cfg_mod
config = cfg_mod.get_config("quick" if VARIANT == "quick" else VARIANT)
print(config)"""),
      md("## Train, measure, write a record"),
      code(f"""from fourier_nn.experiments import {driver}
from fourier_nn import records
path = {driver}.run(config, WORKDIR, overwrite=True)
rec = records.load_record(path)
rec.summary"""),
      md("## Figure: measured vs predicted" + (f"\n{notes}" if notes else "")),
      code(f"""from fourier_nn import plotting
import fourier_nn.plotting.{plot}
fig = plotting.{plot}.figure(rec)
plt.show()"""),
  ]


NOTEBOOKS = {
    "spectral_bias_1d.ipynb": [
        md("# Spectral bias in 1-D (Rahaman et al. 2019, Exp 1)\n\n"
           "A 6-layer ReLU net fit to λ(z) = Σ sin(2πk z + φ_k), k = 5…50, on 200 grid points. "
           "We train many seeds at once (each with its own phases) and watch the normalised DFT "
           "amplitude of the network at each k. Low frequencies are learned first.\n\n"
           + RUNTIME.format(cpu="The quick variant (10 seeds × 3 000 steps) takes 3–5 min on a "
                            "2-core CPU.")),
        code(INSTALL),
        code(SETUP),
        md("## Config\nThe paper's settings are the default; `quick` shortens the run to ~2 min on a CPU."),
        code('''from fourier_nn.configs import spectral_bias_1d as cfg_mod
config = cfg_mod.get_config(VARIANT)
print(config)'''),
        md("## Train all seeds in one compiled program and write a record"),
        code('''from fourier_nn.experiments import spectral_bias_1d
from fourier_nn import records
path = spectral_bias_1d.run(config, WORKDIR, overwrite=True)
rec = records.load_record(path)
{k: rec.summary[k] for k in ["freqs", "first_step_mean_amplitude_0.5", "first_step_mean_amplitude_0.9", "final_loss_mean"]}'''),
        md("## Figures: heatmap (iterations × k), loss, spectral norms, learned function"),
        code('''from fourier_nn import plotting
import fourier_nn.plotting.spectral_bias_1d
fig = plotting.spectral_bias_1d.figure(rec)
plt.show()'''),
        md("## Which frequency was learned when?\nFirst iteration at which the seed-mean normalised amplitude reaches 0.5:"),
        code('''for k, s in zip(rec.summary["freqs"], rec.summary["first_step_mean_amplitude_0.5"]):
    print(f"k = {k:3d}: {s if s is not None else 'not within the run'}")'''),
    ],
    "rahaman.ipynb": [
        md("# On the Spectral Bias of Neural Networks (Rahaman et al. 2019): Exp 2, 5, 6 and A.5\n\n"
           "Exp 1 (the sum of sines, with the exact linear regions and Lipschitz constant over "
           "training) has its own notebook, `spectral_bias_1d.ipynb`; Exp 3 and 4 (real data) are in "
           "`fprinciple.ipynb`. Here: **Exp 2** — how "
           "robust each learned frequency is to a random perturbation of all parameters; "
           "**A.5** — fitting a δ-function (flat spectrum) with nets of different depth, width "
           "and weight clip; **Exp 5** — a sum of sines on a flower-shaped manifold with L "
           "petals; **Exp 6** — binary classification of sin(2πkz) on that manifold. Every "
           "setting that keeps shapes (seeds, petals L, (k, L) cells, clip values) is one "
           "axis of one compiled program.\n\n"
           + RUNTIME.format(cpu="The four quick variants together took 13 + 6 + 2.5 + 6 min on a "
                            "loaded 2-core CPU (about 10 min on a quiet one, estimated).")),
        code(INSTALL),
        code(SETUP),
        code(RUN_HELPER),
        md("## Exp 2 — robustness to parameter perturbation\n"
           "Trained Exp 1 nets θ* are perturbed to θ* + δ·θ̂ (θ̂ uniform on the unit sphere of "
           "all parameters); the mean amplitude |f̃(k)| over draws, relative to the trained "
           "net's, falls at smaller δ for higher k."),
        code('''rec2 = run("robustness")
import fourier_nn.plotting.robustness
fig = plotting.robustness.figure(rec2)
plt.show()
print("first δ with model-mean ratio < 1/2, per k:", rec2.summary["first_delta_mean_ratio_below_0.5"])'''),
        md("## A.5 — δ-function fit: depth, width, weight clip"),
        code('''rec5a = run("delta_ablation")
import fourier_nn.plotting.delta_ablation
fig = plotting.delta_ablation.figure(rec5a)
plt.show()'''),
        md("## Exp 5 — the flower manifold (MSE)\n"
           "Inputs γ_L(z) = (1 + ½ sin 2πLz)(cos 2πz, sin 2πz); the same target in z for every L. "
           "With more petals the high frequencies are learned sooner and the loss falls faster."),
        code('''rec5 = run("flower_manifold", driver="manifold")
import fourier_nn.plotting.manifold
fig = plotting.manifold.figure(rec5)
plt.show()'''),
        md("## Exp 6 — classification on the manifold (BCE)\n"
           "Labels sin(2πkz + φ) > 0; training accuracy over the (k, L) grid, and the decision "
           "map of two seeds at one cell."),
        code('''rec6 = run("manifold_classification", driver="manifold")
fig = plotting.manifold.figure(rec6)
plt.show()
print("accuracy[k, L] (seed mean):")
print(np.round(np.nanmean(rec6.arrays["accuracy"], axis=-1), 2))'''),
    ],
    "ntk_circle.ipynb": experiment_notebook(
        "ntk_circle", "Convergence rate per frequency (Basri, Jacobs, Kasten, Kritchman 2019)",
        "A two-layer ReLU net on the unit circle is trained by GD on sin(kθ) for many k at once "
        "(every (k, run) pair is one vmapped 'seed'). The iterations to converge grow like k^p, "
        "p ≈ 2, as the NTK eigenvalues λ_k ~ k⁻² predict; without bias, odd k ≥ 3 never converge. "
        "(The S² study is `configs/basri_sphere.py`, same driver.)",
        "The quick variant (1 run per k, k = 1…30, n = 1 001, m = 4 000) takes 5–18 min on a "
        "2-core CPU.", driver="basri"),
    "ntk_sphere.ipynb": experiment_notebook(
        "ntk_sphere", "Spectral bias through NTK eigenfunctions on the sphere (Cao et al. 2019)",
        "A two-layer ReLU net on S¹⁰ ⊂ R¹¹ (the paper's d = 10: data on S^d; the `ambient` "
        "modifier gives S⁹) fits a sum of Gegenbauer polynomials of degrees 1, 2, 4. "
        "The projection of the residual on each degree decays at the rate set by the NTK "
        "eigenvalue μ_k (Funk–Hecke): degree 1 first, then 2, then 4.",
        "The quick variant (3 seeds, width 1 024, 6 000 GD steps) takes 1–4 min on a 2-core CPU.",
        "Solid: measured; dashed: closed-form μ_k; dotted: the flow of the empirical NTK at init."),
    "fprinciple.ipynb": [
        md("# The Frequency Principle (Xu, Zhang, Luo et al.) and Rahaman's real-data experiments\n\n"
           "Deep nets fit the low-frequency part of a target first. This notebook runs the "
           "F-Principle experiments of fourier_nn on data that ships with a package "
           "(scikit-learn's 8×8 digits and sample photographs; real MNIST / CIFAR-10 load from a "
           "local path with `config.dataset` and `config.data_dir`): **Δ_F in 1-D** (the "
           "authors' `f_principle.py`), the **projection method** (NUDFT along the first "
           "principal component), the **filtering method** (Gaussian low/high split of the "
           "labels, the authors' `filter_gd.py`), a **2-D image fit**, **parity** (where the "
           "F-Principle predicts chance-level generalisation), the **high-dimensional LFP**, "
           "and Rahaman et al.'s **Exp 3** (label noise of one radial frequency) and **Exp 4** "
           "(spectra in a kernel eigenbasis). Each section is independent: run the ones you "
           "need.\n\n"
           + RUNTIME.format(cpu="On a 2-core CPU the quick variants take from 1–2 min (Δ_F, "
                            "image fit, LFP) to over half an hour (Exp 3 under load) each; "
                            "`FOURIER_NN_NB_VARIANT=tiny` runs every section in about 2 min.")),
        code(INSTALL),
        code(SETUP),
        code(RUN_HELPER),
        md("## Δ_F in 1-D\n"
           "y = sin x + 2 sin 3x + 3 sin 5x on 101 points of [−5, 5], a tanh net trained with "
           "Adam. Δ_F = ||ĥ(k)| − |ŷ(k)|| / |ŷ(k)| at the DFT peaks of the target falls below "
           "0.1 in order of increasing frequency (heatmap: peaks × steps, vmin 0.1)."),
        run_and_draw("fprinciple_1d", """kind = rec.summary["delta_f"]
print("peak frequencies:", rec.summary["peak_freqs"])
print("first step with Δ_F < 0.1 (seed mean):", rec.summary[f"{kind}/crossing_step_mean"])
print("in frequency order for every seed:", rec.summary["in_order_all_seeds"])"""),
        md("## Projection method (high dimension)\n"
           "The digits are projected on their first principal component p₁; the NUDFT "
           "ŷ(k) = (1/n) Σ y_i exp(−i2πk p₁·x_i) of the labels and of the net's outputs is "
           "compared at the target's spectral peaks over training."),
        run_and_draw("projection", """print("peaks k:", np.round(rec.summary["peak_freqs"], 2))
print("first step with seed-mean Δ_F < 0.1:", rec.summary["first_step_below_mean"])"""),
        md("## Filtering method\n"
           "G^δ = exp(−‖x−x′‖²/(2δ)), row-normalised, splits the one-hot labels (and the softmax "
           "outputs) into y^low = G^δ y and y^high = y − y^low; e_low and e_high are the "
           "relative errors of the two parts after every epoch, for a sweep of δ (scaled to the "
           "data's median squared distance). Expected: e_low < e_high early, for every δ."),
        run_and_draw("filtering", """print("δ:", np.round(rec.summary["deltas"], 2))
print("fraction of seeds with e_low < e_high after epoch 1, per δ:", rec.summary["low_first_epoch1_frac"])"""),
        md("## 2-D image fit\n"
           "A net maps pixel position → grey value of a shipped photograph: the prediction "
           "sharpens from coarse to fine, and its radial spectrum reaches the image's ring by "
           "ring, low rings first."),
        run_and_draw("image_fit", """print("first step below threshold per ring (median over seeds):", rec.summary["first_below_median"])"""),
        md("## Parity\n"
           "f(x) = Π x_j on {−1, 1}ⁿ is almost all high frequency: trained on part of the cube, "
           "the net fits its training set but tests at chance (≈ 50 %), unlike digits of the "
           "same size."),
        run_and_draw("parity", """for n, acc, where in zip(rec.summary["ns"], rec.summary["test_accuracy_mean"], rec.summary["test_vs_chance"]):
    print(f"n = {n}: parity test accuracy {acc:.3f} ({where} the 95 % chance band)")
print("digits test accuracy:", round(rec.summary["digits_test_accuracy_mean"], 3))"""),
        md("## High-dimensional LFP\n"
           "The multiplier (⟨|r|²⟩+⟨w²⟩)/|ξ|^{d+3} + 4π²⟨|r|²w²⟩/|ξ|^{d+1} (`fourier_nn.theory`) "
           "implies a minimum-FP-norm interpolant; a wide two-layer ReLU net trained on a small "
           "2-D set is compared with it and with the other regime's interpolant."),
        run_and_draw("lfp_2d", """print({k: v for k, v in rec.summary.items() if k.startswith("distance_to_") and not k.endswith("_per_seed")},
      "closer to:", rec.summary["closer_to"])"""),
        md("## Rahaman et al. Exp 3 — label noise of one radial frequency\n"
           "Two digit classes (3 → −1, 8 → +1), target τ₀ + β·sin(k‖x‖); the validation loss is "
           "measured against the clean target. Low-k noise raises the best validation loss; "
           "high-k noise leaves an early dip near the clean level (the net fits it late)."),
        run_and_draw("label_noise", """print("k:", rec.summary["ks"], "β:", rec.summary["betas"])
print("best validation MSE [k, β] (seed mean):")
print(np.round(np.asarray(rec.summary["best_val_loss_mean[k, beta]"], float), 3))"""),
        md("## Rahaman et al. Exp 4 — spectra in a kernel eigenbasis\n"
           "The eigenvectors v_n of an RBF kernel on the inputs (by decreasing eigenvalue) play "
           "the part of Fourier modes: the net's generalised spectrum f̃[n] = v_nᵀf follows the "
           "target's in the low bins first."),
        run_and_draw("kernel_spectrum", """print("noises:", rec.summary["noises"], "σ:", round(rec.summary["sigma"], 3),
      "Parseval error:", rec.summary["parseval_rel_error_clean"])"""),
    ],
    "lfp.ipynb": [
        md("# Linear F-Principle: linear vs cubic spline (Zhang, Xu, Luo et al.)\n\n"
           "A wide two-layer ReLU net h(x) = (1/√m) Σ w_i ReLU(r_i(x + l_i)) is trained by GD on a "
           "handful of points. The LFP multiplier γ(ξ) = 4π²⟨r²w²⟩/ξ² + (⟨r²⟩+⟨w²⟩)/ξ⁴ decides the "
           "limit: the ξ⁻² term gives the linear spline, the ξ⁻⁴ term the cubic spline. Which one "
           "dominates is set by the initialisation scales; we train both regimes.\n\n"
           + RUNTIME.format(cpu="Both quick variants together take about 1 min on a 2-core CPU.")),
        code(INSTALL),
        code(SETUP),
        code('''from fourier_nn.configs import lfp as cfg_mod
from fourier_nn.experiments import lfp
from fourier_nn import records, plotting
import fourier_nn.plotting.lfp
recs = {}
for regime in ["linear", "cubic"]:
    config = cfg_mod.get_config(f"{regime},{VARIANT}")
    recs[regime] = records.load_record(lfp.run(config, os.path.join(WORKDIR, regime), overwrite=True))
    print(regime, {k: v for k, v in recs[regime].summary.items() if "dist" in k})'''),
        md("## Learned function vs the splines, and LFP-predicted vs measured residuals"),
        code('''for regime, rec in recs.items():
    plotting.lfp.figure(rec)
plt.show()'''),
    ],
}


def main():
  for name, cells in NOTEBOOKS.items():
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    for i, cell in enumerate(nb.cells):  # stable ids: a rebuild changes no unchanged cell
      cell.id = f"{name.removesuffix('.ipynb').replace('_', '-')}-{i}"
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}, "colab": {"provenance": []}}
    path = os.path.join(HERE, name)
    nbformat.write(nb, path)
    print("wrote", path)


if __name__ == "__main__":
  main()
