"""Kernel-regime theory: eigen-analysis, per-mode flow, predictions, closed-form spectra,
LFP, laws.

A package of five modules, every name re-exported here (``theory.eigh`` etc.):

`theory.flow`
* `eigh`, `project` — float64 eigendecomposition of a kernel Gram matrix and the
  coefficients of residuals on its eigenvectors.
* `kernel_flow` — predicted residuals (or per-mode coefficients) of GD / gradient flow in
  the kernel regime: r_t = V (1 − η s Λ)^t Vᵀ r_0, or V exp(−η s Λ t) Vᵀ r_0.
* `first_crossing` — the first logged step at which a curve passes a level.

`theory.predict` (shaped like ``neural_tangents.predict``; Lee et al. 2019,
arXiv:1902.06720)
* `gradient_descent_mse` — one net's train and test outputs under GD (exact
  (1 − η s λ)^t, also for η s λ > 2) or gradient flow in the kernel regime.
* `gp_inference` — NNGP / NTK / NTK-GP posterior mean and covariance at test points.
* `gradient_descent_mse_ensemble` — mean and covariance of the infinite ensemble of
  infinitely wide nets at any time; `Gaussian` (mean, covariance).

`theory.spectra`
* `circle_eigenvalues` — exact eigenvalues of Basri et al.'s two-layer ReLU NTK on the
  circle (with and without bias).
* `sphere_eigenvalues`, `sphere_multiplicity`, `arccos_kernel`, `two_layer_relu_ntk` —
  eigenvalues of any dot-product kernel on S^{d−1} (Funk–Hecke), Cao et al. 2019.
* `sign_net_ntk`, `sign_net_eigenvalues` — the same for Basri's net as trained here;
  `sign_net_init_output_eigenvalues` — the spectrum of its output at init (u₀'s covariance).
* `legendre`, `legendre_all`, `gegenbauer` — the one implementation of the Legendre
  polynomials of dimension d (and Gegenbauer normalisations).

`theory.lfp`
* `lfp_multiplier`, `lfp_kernel`, `lfp_interpolant`, `linear_spline`, `cubic_spline` —
  the Linear Frequency Principle of Zhang, Xu, Luo, Ma 2019 and its long-time limit;
  `lfp_ntk`, `lfp_time_per_step`, `lfp_data_kernel`, `l2_distance`.
* `lfp_multiplier_nd`, `lfp_prefactor_nd`, `lfp_green_nd`, `lfp_ntk_nd`,
  `lfp_interpolant_nd` — the same in d dimensions for h = Σ w ReLU(r·x − |r| l)
  (derived in lfp.py; `sphere_abs_moment`, `riesz_constant` are its constants).

`theory.laws`
* `convergence_steps`, `convergence_time`, `fit_power_law`, `fit_exponent` —
  convergence-time laws t ∝ 1/λ ∝ k^p; `fit_log_rate`, `mean_ci`, `group_stats`.

Everything here is NumPy/SciPy in float64 (eigen-analysis is float64 by design; jax x64
is never switched on). Inputs may be jax arrays; outputs are NumPy arrays.

Normalisations (used throughout):
  * Integral operators on the circle / sphere are taken with respect to the uniform
    PROBABILITY measure, (T f)(x) = ∫ κ(xᵀx′) f(x′) dσ(x′). Their eigenvalues are the
    large-N limits of the eigenvalues of the Gram matrix K/N on N uniform points.
  * The Fourier transform of the LFP is ĥ(ξ) = ∫ h(x) e^{−2πiξx} dx (ξ in cycles per unit
    of x), the convention of the Zhang/Luo slides.

References:
  Basri, Jacobs, Kasten, Kritchman 2019, "The convergence rate of neural networks for
  learned functions of different frequencies" (NeurIPS).
  Cao, Fang, Wu, Zhou, Gu 2019, "Towards understanding the spectral bias of deep learning".
  Cho & Saul 2009, "Kernel methods for deep learning" (arc-cosine kernels).
  Zhang, Xu, Luo, Ma 2019, "Explicitizing an implicit bias of the frequency principle in
  two-layer neural networks" (LFP).
"""
from fourier_nn.theory.flow import eigh, first_crossing, kernel_flow, mode_factors, project
from fourier_nn.theory.laws import (PowerLawFit, convergence_steps, convergence_time,
                                    fit_exponent, fit_log_rate, fit_power_law, group_stats,
                                    mean_ci)
from fourier_nn.theory.lfp import (cubic_spline, l2_distance, lfp_data_kernel,
                                   lfp_green_nd, lfp_interpolant, lfp_interpolant_nd,
                                   lfp_kernel, lfp_multiplier, lfp_multiplier_nd, lfp_ntk,
                                   lfp_ntk_nd, lfp_prefactor_nd, lfp_time_per_step,
                                   linear_spline, riesz_constant, sphere_abs_moment)
from fourier_nn.theory.predict import (Gaussian, gp_inference, gradient_descent_mse,
                                       gradient_descent_mse_ensemble)
from fourier_nn.theory.spectra import (GEGENBAUER_NORMS, arccos_kernel, circle_eigenvalues,
                                       gegenbauer, legendre, legendre_all, sphere_eigenvalues,
                                       sign_net_eigenvalues, sign_net_init_output_eigenvalues,
                                       sign_net_ntk,
                                       sphere_multiplicity, two_layer_relu_ntk)

__all__ = [
    "eigh", "project", "mode_factors", "kernel_flow", "first_crossing",
    "gradient_descent_mse", "gp_inference", "gradient_descent_mse_ensemble", "Gaussian",
    "circle_eigenvalues", "arccos_kernel", "two_layer_relu_ntk",
    "sphere_multiplicity", "sphere_eigenvalues", "legendre", "legendre_all", "gegenbauer",
    "GEGENBAUER_NORMS", "sign_net_ntk", "sign_net_eigenvalues", "sign_net_init_output_eigenvalues",
    "lfp_multiplier", "lfp_kernel", "lfp_interpolant", "linear_spline", "cubic_spline",
    "lfp_ntk", "lfp_time_per_step", "lfp_data_kernel", "l2_distance",
    "lfp_multiplier_nd", "lfp_prefactor_nd", "lfp_green_nd", "lfp_ntk_nd",
    "lfp_interpolant_nd", "sphere_abs_moment", "riesz_constant",
    "convergence_steps", "convergence_time", "fit_power_law", "fit_exponent", "PowerLawFit",
    "fit_log_rate", "mean_ci", "group_stats",
]
