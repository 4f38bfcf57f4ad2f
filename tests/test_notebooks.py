"""Every notebook runs top to bottom on a tiny setting and is committed without outputs."""
import configparser
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
def test_install_cell_uses_the_one_repository_url(path):
  """The Colab cell installs from setup.cfg's url: no environment variable to know."""
  cfg = configparser.ConfigParser()
  cfg.read(os.path.join(REPO, "setup.cfg"))
  url = cfg["metadata"]["url"]
  nb = nbformat.read(path, as_version=4)
  src = "".join(c.source for c in nb.cells if c.cell_type == "code")
  assert f"git+{url}" in src and "FOURIER_NN_REPO" not in src
  readme = open(os.path.join(REPO, "README.md")).read()
  assert f"notebooks/{os.path.basename(path)}" in readme  # an Open-in-Colab link


@pytest.mark.not_on_floors  # minutes of kernel start-ups; the library they call runs there
@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_executes_tiny_and_shows_its_figures(path, tmp_path, monkeypatch):
  """Headless, as nbclient runs it: every cell that draws a figure emits an image (the
  library must not pick a matplotlib backend over `%matplotlib inline`)."""
  monkeypatch.setenv("FOURIER_NN_NB_VARIANT", "tiny")
  monkeypatch.setenv("FOURIER_NN_NB_WORKDIR", str(tmp_path / "wd"))
  monkeypatch.setenv("JAX_PLATFORMS", "cpu")
  monkeypatch.delenv("MPLBACKEND", raising=False)
  nb = nbformat.read(path, as_version=4)
  NotebookClient(nb, timeout=600, kernel_name="python3",
                 resources={"metadata": {"path": str(tmp_path)}}).execute()
  errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]
  assert not errors
  figure_cells = [c for c in nb.cells if c.cell_type == "code" and "figure(" in c.source]
  assert figure_cells
  for c in figure_cells:
    images = [o for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, f"no image from cell:\n{c.source}"
