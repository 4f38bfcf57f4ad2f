"""The ``>>>`` examples in the library's docstrings run, and say what they show."""
import doctest
import importlib
import pkgutil

import pytest

import fourier_nn

MODULES = sorted(m.name for m in pkgutil.walk_packages(fourier_nn.__path__, "fourier_nn.")
                 if not m.name.startswith(("fourier_nn.configs.", "fourier_nn.plotting")))


def test_the_library_has_examples():
  counts = {m: doctest.DocTestFinder().find(importlib.import_module(m)) for m in MODULES}
  with_examples = [m for m, tests in counts.items() if any(t.examples for t in tests)]
  assert len(with_examples) >= 8, with_examples


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
  module = importlib.import_module(name)
  result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
  assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
