"""Every script, every kind of bad input: one line naming the key, the value and what is
allowed; a non-zero exit; nothing written. One parametrised test over all scripts."""
import json
import os

import numpy as np
import pytest

from conftest import assert_last_line_error, assert_one_line_error, config_path
from fourier_nn import records

# script -> (its config variant for the test, [(flag, text the one line must contain)])
SCRIPTS = {
    "spectral_bias_1d": ("tiny", [
        ("--config.num_seeds=100000000", "num_seeds=100000000 is invalid: training needs at least"),
        ("--config.model.activation=swish", "model.activation"),
        ("--config.num_seeds=0", "num_seeds"),
        ("--config.lr=-0.001", "lr"),
        ("--config.num_points=16", "Nyquist"),
        ("--config.model.init=xavier", "model.init"),
    ]),
    "ntk_circle": ("deep,tiny", [
        ("--config.model.width=100000000", "training needs at least"),
        ("--config.model.kind=cnn", "model.kind"),
        ("--config.num_runs=0", "num_runs"),
        ("--config.freqs=(1,20)", "freqs"),
        ("--config.domain=sphere", "domain"),
    ]),
    "basri_sphere": ("tiny", [
        ("--config.model.width=100000000", "training needs at least"),
        ("--config.model.kind=deep", "domain"),
        ("--config.threshold=0", "threshold"),
    ]),
    "ntk_sphere": ("tiny", [
        ("--config.num_points=2000000", "num_points=2000000 is invalid: training with the n×n kernels needs"),
        ("--config.inputs=gaussian", "inputs"),
        ("--config.amplitudes=(1.0,2.0)", "amplitudes"),
        ("--config.dim=2", "dim"),
        ("--config.dim_convention=R11", "dim_convention"),
    ]),
    "lfp": ("tiny", [
        ("--config.model.width=10000000000", "model.width=10000000000 is invalid: training needs"),
        ("--config.model.width=7", "model.width"),
        ("--config.model.l_range=1.0", "model.l_range"),
        ("--config.lr_fraction=1.5", "lr_fraction"),
        ("--config.model.init_dist=uniform", "model.init_dist"),
    ]),
    "image_fit": ("tiny", [
        ("--config.photo=lena.png", "photo"),
        ("--config.num_rings=9", "num_rings"),
        ("--config.model.activation=swish", "model.activation"),
        ("--config.threshold=1.5", "threshold"),
    ]),
    "lfp_2d": ("tiny", [
        ("--config.model.width=7", "model.width"),
        ("--config.model.l_range=1.0", "model.l_range"),
        ("--config.model.coupling=random", "model.coupling"),
        ("--config.x_train=((0.0,0.0),(2.0,0.0),(0.5,0.5),(0.1,0.9))", "x_train"),
    ]),
    "robustness": ("tiny", [
        ("--config.train.num_seeds=100000000", "train.num_seeds=100000000 is invalid: training needs"),
        ("--config.num_draws=0", "num_draws"),
        ("--config.delta_max=-1.0", "delta_max"),
        ("--config.draws_per_chunk=0", "draws_per_chunk"),
        ("--config.train.num_seeds=0", "train.num_seeds"),
        ("--config.train.num_points=16", "Nyquist"),
        ("--config.from_workdir=/nonexistent/exp1", "from_workdir"),
    ]),
    "flower_manifold": ("tiny", [
        ("--config.num_seeds=100000000", "training needs at least"),
        ("--config.Ls=(0,-4)", "Ls"),
        ("--config.freqs=(2,40)", "Nyquist"),
        ("--config.cells_per_program=-1", "cells_per_program"),
        ("--config.model.init=xavier", "model.init"),
    ]),
    "manifold_classification": ("tiny", [
        ("--config.num_seeds=100000000", "training needs at least"),
        ("--config.decision_map_cell=(7,4)", "decision_map_cell"),
        ("--config.decision_map_seeds=3", "decision_map_seeds"),
        ("--config.ks=(3,3)", "ks"),
        ("--config.grid_size=1", "grid_size"),
    ]),
    "delta_ablation": ("tiny", [
        ("--config.num_seeds=100000000", "num_seeds=100000000 is invalid: training needs"),
        ("--config.ablations=('depth','banana')", "ablations"),
        ("--config.clips=(0.1,-1.0)", "clips"),
        ("--config.depths=(1,3)", "depths"),
        ("--config.delta_at=0.33", "delta_at"),
        ("--config.model.activation=tanh", "model.activation"),
        ("--config.freqs=(1,16)", "Nyquist"),
    ]),
    "parity": ("tiny", [
        ("--config.ns=(4,40)", "ns"),
        ("--config.train_fraction=1.5", "train_fraction"),
        ("--config.classes=(3,3)", "classes"),
        ("--config.loss=hinge", "loss"),
        ("--config.dataset=svhn", "--config.dataset='svhn' is invalid"),
        ("--config.dataset=mnist", "--config.data_dir=None is invalid"),
        ("--config.data_dir=/nonexistent/mnist", "--config.data_dir='/nonexistent/mnist'"),
    ]),
    "projection": ("tiny", [
        ("--config.delta_f=relative", "delta_f"),
        ("--config.num_freqs=2", "num_freqs"),
        ("--config.k_max=0.01", "k_max"),
        ("--config.dataset=cifar10", "--config.data_dir=None is invalid"),
        ("--config.max_points=1", "max_points"),
    ]),
    "fprinciple_1d": ("tiny", [
        ("--config.delta_f=phase", "delta_f"),
        ("--config.max_bin=80", "max_bin"),
        ("--config.model.widths=(32,0)", "model.widths"),
        ("--config.model.init=xavier", "model.init"),
        ("--config.x_end=-6.0", "x_end"),
        ("--config.threshold=0.0", "threshold"),
    ]),
    "filtering": ("tiny", [
        ("--config.deltas=(1.0,-2.0)", "deltas"),
        ("--config.delta_unit=pixels", "delta_unit"),
        ("--config.model=resnet", "model"),
        ("--config.dataset=mnist", "data_dir"),
        ("--config.num_train=5000", "num_train"),
        ("--config.batch_size=0", "batch_size"),
    ]),
    "label_noise": ("tiny", [
        ("--config.ks=(0.1,-1.0)", "ks"),
        ("--config.betas=(1.0,1.0)", "betas"),
        ("--config.wave=sin", "wave"),
        ("--config.val_split=1.0", "val_split"),
        ("--config.dataset=svhn", "dataset"),
        ("--config.dataset=mnist", "data_dir"),
        ("--config.positive=3", "positive"),
    ]),
    "kernel_spectrum": ("tiny", [
        ("--config.noises=('white','pink')", "noises"),
        ("--config.sigma=0.0", "sigma"),
        ("--config.sigma_rule=median", "sigma_rule"),
        ("--config.hfn_form=cubic", "hfn_form"),
        ("--config.snapshot_steps=(0,15)", "snapshot_steps"),
        ("--config.bin_size=1000", "bin_size"),
        ("--config.sanity_num=51", "sanity_num"),
    ]),
    "sweep": ("tiny", [
        ("--config.grid.lr=(0.001,-1.0)", "--config.grid.lr value -1.0 is invalid"),
        ("--config.grid.lr=(0.001,0.001)", "values must be distinct"),
        ("--config.grid.model.width=(8,0)", "--config.grid.model.width value 0 is invalid"),
        ("--config.grid.model.width=(100000000,)", "training needs at least"),
        ("--config.grid.amplitudes=('equal','banana')", "grid.amplitudes value 'banana'"),
        ("--config.grid.lrr=(0.001,)", "grid.lrr"),
        ("--config.grid.model.depth=(2,-1)", "--config.grid.model.depth value -1 is invalid"),
    ]),
}
# Rows every script must handle the same way.
COMMON = [
    ("--config.no_such_key=1", "no_such_key is not a config key"),
    ("--config.width=3", "is not a config key"),  # a nested key given at the top level
    ("VARIANT:banana", "unknown variant 'banana'"),
    ("--workdir=", "workdir='' is invalid"),
    ("--resume", "no checkpoint to resume from"),
    ("--host_devices=banana", "host_devices='banana' is invalid"),
    ("--num_processes=0", "--num_processes=0"),
]

CASES = ([(s, f, n) for s, (_, rows) in SCRIPTS.items() for f, n in rows]
         + [(s, f, n) for s in SCRIPTS for f, n in COMMON])
# The floors run (`make test-floors`) takes every row of one script: the flag parsing and
# validation machinery is shared, the rest of the matrix is the same code path again.
FLOORS_SCRIPT = "spectral_bias_1d"
PARAMS = [pytest.param(*c, id=f"{c[0]}:{c[1]}",
                       marks=() if c[0] == FLOORS_SCRIPT else pytest.mark.not_on_floors)
          for c in CASES]


@pytest.mark.parametrize("name,flag,needle", PARAMS)
def test_bad_input_is_one_clear_line_and_writes_nothing(tmp_path, name, flag, needle,
                                                        forked_script):
  variant, _ = SCRIPTS[name]
  wd = tmp_path / "never"
  args = [f"--config={config_path(name)}:{variant}", f"--workdir={wd}"]
  if flag.startswith("VARIANT:"):
    args[0] += "," + flag.split(":", 1)[1]
  elif flag.startswith("--workdir="):
    args[1] = flag
  else:
    args.append(flag)
  r = forked_script(f"{name}.py", *args)
  assert_one_line_error(r, name, needle)
  assert not wd.exists()  # nothing written


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_existing_record_is_not_overwritten_without_the_flag(tmp_path, name, forked_script):
  wd = tmp_path / "done"
  records.save_record(str(wd), {"x": 1}, [], {"a": np.zeros(2)}, {"experiment": name})
  before = sorted(os.listdir(wd))
  r = forked_script(f"{name}.py", f"--config={config_path(name)}:{SCRIPTS[name][0]}",
                 f"--workdir={wd}")
  assert_one_line_error(r, name, "already holds a record; pass --overwrite")
  assert sorted(os.listdir(wd)) == before
  assert records.load_record(str(wd)).summary == {"experiment": name}


def test_unwritable_workdir_fails_cleanly(tmp_path, forked_script):
  blocker = tmp_path / "a_file"
  blocker.write_text("")
  r = forked_script("spectral_bias_1d.py", f"--config={config_path('spectral_bias_1d')}:tiny",
                 f"--workdir={blocker}/sub")
  assert_one_line_error(r, "spectral_bias_1d", "not writable")


def test_plot_without_record_fails_cleanly(tmp_path, forked_script):
  r = forked_script("plot.py", f"--workdir={tmp_path}")
  assert_one_line_error(r, "plot", "no complete record")


@pytest.mark.parametrize("damage, match", [
    ("manifest", "record.json: not valid JSON"),
    ("foreign", "arrays.npz has no 'diverged' (it holds: x)"),
    ("arrays", "arrays.npz: not a readable .npz archive"),
])
def test_plot_of_a_damaged_or_foreign_record_names_the_file(tmp_path, damage, match,
                                                            forked_script):
  wd = tmp_path / "r"
  records.save_record(str(wd), {"x": 1}, [], {"x": np.zeros(2)},
                      {"experiment": "spectral_bias_1d"})
  if damage == "manifest":
    (wd / records.MANIFEST).write_text("{")
  elif damage == "arrays":  # truncated, re-checksummed so only the parse can tell
    man = json.loads((wd / records.MANIFEST).read_text())
    data = (wd / "arrays.npz").read_bytes()[:40]
    (wd / "arrays.npz").write_bytes(data)
    man["files"]["arrays.npz"] = {"bytes": len(data),
                                  "sha256": records._sha256(str(wd / "arrays.npz"))}
    (wd / records.MANIFEST).write_text(json.dumps(man))
  r = forked_script("plot.py", f"--workdir={wd}")
  assert_one_line_error(r, "plot", match)
  assert not (wd / "figure.png").exists()


def test_plot_draws_a_record_whose_seeds_all_diverged(tmp_path, forked_script):
  wd = tmp_path / "div"
  loss = np.array([[1.5, 3e4, np.inf, np.nan], [1.4, np.nan, np.nan, np.nan]])
  records.save_record(str(wd), {"x": 1}, [], {
      "loss": loss, "steps": np.arange(4), "diverged": np.ones(2, bool)},
      {"experiment": "spectral_bias_1d"})
  r = forked_script("plot.py", f"--workdir={wd}")
  assert r.returncode == 0, r.stderr[-2000:]
  assert (wd / "figure.png").stat().st_size > 1000


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_resume_with_another_config_is_refused(tmp_path, name, forked_script):
  """A killed run's checkpoints resume only the same run: a changed seed is one line
  naming the key, and nothing is touched."""
  import importlib
  variant = SCRIPTS[name][0]
  cfg = importlib.import_module(f"fourier_nn.configs.{name}").get_config(variant)
  wd = tmp_path / "killed"
  records.Workdir(str(wd), config=cfg)  # what the run wrote before it was killed
  (wd / "checkpoint.orbax" / "step_1").mkdir(parents=True)  # a finalized save (its name)
  before = sorted(os.listdir(wd))
  r = forked_script(f"{name}.py", f"--config={config_path(name)}:{variant}", f"--workdir={wd}",
                 "--resume", "--config.seed=7")
  assert_one_line_error(r, name, "--resume refused: the config differs from the "
                                 "checkpointed run in 1 key(s) (seed: 0 -> 7)")
  assert sorted(os.listdir(wd)) == before


# script -> flags with which every seed of its tiny variant diverges. The check is generic
# (`records.Workdir.save` on every driver's diverged[S]); these two cover a plain driver and
# the one whose analysis used to crash on all-NaN results (lfp).
DIVERGE = {
    "spectral_bias_1d": ["--config.optimizer=sgd", "--config.lr=1e8"],
    "lfp": ["--config.lr=1e8"],
}


@pytest.mark.parametrize("name", sorted(DIVERGE))
def test_every_seed_diverged_is_written_and_exits_nonzero(tmp_path, name, forked_script):
  """A run in which every seed diverged is not a success: the record is kept (to look
  at), the script says so in one line and exits non-zero."""
  wd = tmp_path / "blown"
  r = forked_script(f"{name}.py", f"--config={config_path(name)}:{SCRIPTS[name][0]}",
                 f"--workdir={wd}", *DIVERGE[name])
  last = assert_last_line_error(r, name, "diverged (non-finite loss)")
  assert f"the record is written to {wd}" in last
  rec = records.load_record(str(wd))
  assert rec.arrays["diverged"].all()


def test_damaged_checkpoint_is_one_line_naming_the_file(tmp_path, forked_script):
  """A truncated, zero-byte, missing or garbled file of the orbax checkpoint: one line
  naming the step directory, no traceback, no orbax log lines."""
  import shutil
  from conftest import CHECKPOINT_DAMAGE, damage_checkpoint
  from fourier_nn import checkpoints
  from fourier_nn.configs.spectral_bias_1d import get_config
  name = "spectral_bias_1d"
  wd = tmp_path / "killed"
  records.Workdir(str(wd), config=get_config("tiny"))
  ckpt = str(wd / "checkpoint.orbax")
  for how in CHECKPOINT_DAMAGE:
    shutil.rmtree(ckpt, ignore_errors=True)
    checkpoints.save(ckpt, {"state/0": np.arange(4096.0), "log0/0": np.ones((2, 3))}, 1,
                     {"done_chunks": 1, "fingerprint": "0"})
    damage_checkpoint(ckpt, how)
    r = forked_script(f"{name}.py", f"--config={config_path(name)}:tiny", f"--workdir={wd}",
                      "--resume")
    line = assert_last_line_error(r, name, "cannot be read")
    assert os.path.join(ckpt, "step_1") in line, (how, line)
    assert "orbax" not in r.stderr.replace(ckpt, ""), (how, r.stderr[-2000:])


def test_old_npz_or_unfinalized_checkpoint_is_one_line(tmp_path, forked_script):
  """--resume on an .npz checkpoint of a version before orbax: refused in one line (it is
  not read); on a checkpoint whose only save was killed half-way: nothing to resume."""
  from fourier_nn.configs.spectral_bias_1d import get_config
  name = "spectral_bias_1d"
  wd = tmp_path / "old"
  records.Workdir(str(wd), config=get_config("tiny"))
  (wd / "checkpoint.npz").write_bytes(b"PK\x03\x04 an old checkpoint")
  flags = (f"--config={config_path(name)}:tiny", f"--workdir={wd}", "--resume")
  r = forked_script(f"{name}.py", *flags)
  assert_one_line_error(r, name, f"checkpoint {wd / 'checkpoint.npz'} is an .npz checkpoint "
                                 "of an older fourier_nn")
  os.remove(wd / "checkpoint.npz")
  (wd / "checkpoint.orbax" / "step_1.orbax-checkpoint-tmp-1700000000").mkdir(parents=True)
  r = forked_script(f"{name}.py", *flags)
  assert_one_line_error(r, name, "has no checkpoint to resume from")


# ---- The README table of every tested bad input (issue: "every row is exercised") ----
# `python tests/test_bad_inputs.py` rewrites README.md between these markers from the
# tables above; `test_readme_lists_exactly_the_tested_bad_inputs` fails when they differ.
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
TABLE_START, TABLE_END = "<!-- bad-inputs:start -->", "<!-- bad-inputs:end -->"
# Inputs tested once per script or once in all, by the other tests of this file.
OTHER_ROWS = [
    ("every script", "`--workdir` holding a record, no `--overwrite`",
     "already holds a record; pass --overwrite"),
    ("every script", "`--resume` with another config (`--config.seed=7`)",
     "--resume refused: the config differs from the checkpointed run in 1 key(s)"),
    ("spectral_bias_1d", "`--workdir` under a file (not writable)", "not writable"),
    ("spectral_bias_1d", "`--resume` on a truncated, zero-byte, missing or garbled "
     "checkpoint file", "cannot be read (names the checkpoint's step directory)"),
    ("spectral_bias_1d", "`--resume` on an `.npz` checkpoint of an older version",
     "is an .npz checkpoint of an older fourier_nn; ... delete it"),
    ("spectral_bias_1d", "`--resume` when the only save was killed half-way",
     "has no checkpoint to resume from"),
    ("spectral_bias_1d, lfp", "every seed diverges (`--config.lr=1e8`)",
     "diverged (non-finite loss); the record is written, exit non-zero"),
    ("plot", "`--workdir` without a record", "no complete record"),
    ("plot", "damaged manifest / truncated arrays / a foreign record",
     "names the file: not valid JSON / not a readable .npz / has no 'diverged'"),
]


def _cell(text: str) -> str:
  return text.replace("|", "\\|")


def _flag_cell(flag: str) -> str:
  if flag.startswith("VARIANT:"):
    return f"variant `{flag.split(':', 1)[1]}`"
  return f"`{flag}`"


def markdown_table() -> str:
  """The README section: per script the rows of CASES, then OTHER_ROWS."""
  out = [TABLE_START, "",
         f"{len(CASES)} bad inputs over {len(SCRIPTS)} scripts, each one test of "
         "`tests/test_bad_inputs.py` (one stderr line naming the key, the value and what is "
         "allowed; non-zero exit; nothing written). Generated: `python tests/test_bad_inputs.py`.",
         ""]
  for name in SCRIPTS:
    rows = [(f, n) for s, f, n in CASES if s == name]
    out += [f"<details><summary><code>scripts/{name}.py</code> — {len(rows)} inputs</summary>",
            "", "| input | the one line contains |", "|---|---|"]
    out += [f"| {_cell(_flag_cell(f))} | {_cell(n)} |" for f, n in rows]
    out += ["", "</details>", ""]
  out += ["Tested once per script or once in all:", "",
          "| script | input | what it says |", "|---|---|---|"]
  out += [f"| {_cell(s)} | {_cell(i)} | {_cell(w)} |" for s, i, w in OTHER_ROWS]
  out += ["", TABLE_END]
  return "\n".join(out)


def _readme_section(text: str) -> str | None:
  i, j = text.find(TABLE_START), text.find(TABLE_END)
  return None if i < 0 or j < i else text[i:j + len(TABLE_END)]


def test_readme_lists_exactly_the_tested_bad_inputs():
  with open(README) as f:
    section = _readme_section(f.read())
  assert section is not None, f"README.md has no {TABLE_START} … {TABLE_END} section"
  assert section == markdown_table(), (
      "README.md's bad-input table differs from the tested CASES; "
      "run `python tests/test_bad_inputs.py`")


if __name__ == "__main__":
  with open(README) as f:
    text = f.read()
  old = _readme_section(text)
  if old is None:
    raise SystemExit(f"README.md has no {TABLE_START} … {TABLE_END} section")
  from fourier_nn import fileio
  fileio.write_text_atomic(README, text.replace(old, markdown_table()))
  print(f"README.md: {len(CASES)} bad inputs written")
