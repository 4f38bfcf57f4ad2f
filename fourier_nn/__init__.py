"""fourier_nn: the spectral bias (Frequency Principle) of neural networks, in JAX.

Modules are imported lazily by name (``from fourier_nn import train``) so that importing
the package stays cheap and optional backends (neural-tangents) are never pulled in.
"""
__version__ = "0.1.0"

__all__ = ["data", "models", "train", "spectrum", "kernels", "theory", "records",
           "plotting"]
