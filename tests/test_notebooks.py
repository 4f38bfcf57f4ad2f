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


def test_notebooks_are_what_make_notebooks_builds():
  """notebooks/make_notebooks.py is the source: a notebook edited by hand (or a generator
  edit not rebuilt) differs from what it builds."""
  import importlib.util
  spec = importlib.util.spec_from_file_location(
      "make_notebooks", os.path.join(REPO, "notebooks", "make_notebooks.py"))
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  assert sorted(mod.NOTEBOOKS) == sorted(os.path.basename(p) for p in NOTEBOOKS)
  for name, cells in mod.NOTEBOOKS.items():
    committed = nbformat.read(os.path.join(REPO, "notebooks", name), as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == \
        [(c.cell_type, c.source) for c in cells], f"{name}: run python notebooks/make_notebooks.py"


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
