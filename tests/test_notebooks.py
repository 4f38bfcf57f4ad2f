"""Every notebook runs top to bottom on a tiny setting and is committed without outputs."""
import glob
import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(REPO, "notebooks", "*.ipynb")))


def test_there_are_notebooks():
  assert any(p.endswith("spectral_bias_1d.ipynb") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_committed_without_outputs(path):
  nb = json.load(open(path))
  for c in nb["cells"]:
    if c["cell_type"] == "code":
      assert not c.get("outputs") and c.get("execution_count") is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_executes_tiny(path, tmp_path, monkeypatch):
  monkeypatch.setenv("FOURIER_NN_NB_VARIANT", "tiny")
  monkeypatch.setenv("FOURIER_NN_NB_WORKDIR", str(tmp_path / "wd"))
  monkeypatch.setenv("JAX_PLATFORMS", "cpu")
  monkeypatch.setenv("MPLBACKEND", "Agg")
  nb = nbformat.read(path, as_version=4)
  NotebookClient(nb, timeout=600, kernel_name="python3",
                 resources={"metadata": {"path": str(tmp_path)}}).execute()
  errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]
  assert not errors
