"""Every script, every kind of bad input: one line naming the key, the value and what is
allowed; a non-zero exit; nothing written. One parametrised test over all scripts."""
import os

import numpy as np
import pytest

from conftest import assert_last_line_error, assert_one_line_error, config_path, run_script
from fourier_nn import records

# script -> (its config variant for the test, [(flag, text the one line must contain)])
SCRIPTS = {
    "spectral_bias_1d": ("tiny", [
        ("--config.model.activation=swish", "model.activation"),
        ("--config.num_seeds=0", "num_seeds"),
        ("--config.lr=-0.001", "lr"),
        ("--config.num_points=16", "Nyquist"),
        ("--config.model.init=xavier", "model.init"),
    ]),
    "ntk_circle": ("deep,tiny", [
        ("--config.model.kind=cnn", "model.kind"),
        ("--config.num_runs=0", "num_runs"),
        ("--config.freqs=(1,20)", "freqs"),
        ("--config.domain=sphere", "domain"),
    ]),
    "basri_sphere": ("tiny", [
        ("--config.model.kind=deep", "domain"),
        ("--config.threshold=0", "threshold"),
    ]),
    "ntk_sphere": ("tiny", [
        ("--config.inputs=gaussian", "inputs"),
        ("--config.amplitudes=(1.0,2.0)", "amplitudes"),
        ("--config.dim=2", "dim"),
        ("--config.dim_convention=R11", "dim_convention"),
    ]),
    "lfp": ("tiny", [
        ("--config.model.width=7", "model.width"),
        ("--config.model.l_range=1.0", "model.l_range"),
        ("--config.lr_fraction=1.5", "lr_fraction"),
        ("--config.model.init_dist=uniform", "model.init_dist"),
    ]),
    "robustness": ("tiny", [
        ("--config.num_draws=0", "num_draws"),
        ("--config.delta_max=-1.0", "delta_max"),
        ("--config.draws_per_chunk=0", "draws_per_chunk"),
        ("--config.train.num_seeds=0", "train.num_seeds"),
        ("--config.train.num_points=16", "Nyquist"),
        ("--config.from_workdir=/nonexistent/exp1", "from_workdir"),
    ]),
    "flower_manifold": ("tiny", [
        ("--config.Ls=(0,-4)", "Ls"),
        ("--config.freqs=(2,40)", "Nyquist"),
        ("--config.cells_per_program=-1", "cells_per_program"),
        ("--config.model.init=xavier", "model.init"),
    ]),
    "manifold_classification": ("tiny", [
        ("--config.decision_map_cell=(7,4)", "decision_map_cell"),
        ("--config.decision_map_seeds=3", "decision_map_seeds"),
        ("--config.ks=(3,3)", "ks"),
        ("--config.grid_size=1", "grid_size"),
    ]),
    "delta_ablation": ("tiny", [
        ("--config.ablations=('depth','banana')", "ablations"),
        ("--config.clips=(0.1,-1.0)", "clips"),
        ("--config.depths=(1,3)", "depths"),
        ("--config.delta_at=0.33", "delta_at"),
        ("--config.model.activation=tanh", "model.activation"),
        ("--config.freqs=(1,16)", "Nyquist"),
    ]),
}
# Rows every script must handle the same way.
COMMON = [
    ("--config.no_such_key=1", "no_such_key is not a config key"),
    ("--config.width=3", "is not a config key"),  # a nested key given at the top level
    ("VARIANT:banana", "unknown variant 'banana'"),
    ("--workdir=", "workdir='' is invalid"),
    ("--resume", "no checkpoint to resume from"),
]

CASES = ([(s, f, n) for s, (_, rows) in SCRIPTS.items() for f, n in rows]
         + [(s, f, n) for s in SCRIPTS for f, n in COMMON])


@pytest.mark.parametrize("name,flag,needle", CASES, ids=[f"{s}:{f}" for s, f, _ in CASES])
def test_bad_input_is_one_clear_line_and_writes_nothing(tmp_path, name, flag, needle):
  variant, _ = SCRIPTS[name]
  wd = tmp_path / "never"
  args = [f"--config={config_path(name)}:{variant}", f"--workdir={wd}"]
  if flag.startswith("VARIANT:"):
    args[0] += "," + flag.split(":", 1)[1]
  elif flag.startswith("--workdir="):
    args[1] = flag
  else:
    args.append(flag)
  r = run_script(f"{name}.py", *args)
  assert_one_line_error(r, name, needle)
  assert not wd.exists()  # nothing written


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_existing_record_is_not_overwritten_without_the_flag(tmp_path, name):
  wd = tmp_path / "done"
  records.save_record(str(wd), {"x": 1}, [], {"a": np.zeros(2)}, {"experiment": name})
  before = sorted(os.listdir(wd))
  r = run_script(f"{name}.py", f"--config={config_path(name)}:{SCRIPTS[name][0]}",
                 f"--workdir={wd}")
  assert_one_line_error(r, name, "already holds a record; pass --overwrite")
  assert sorted(os.listdir(wd)) == before
  assert records.load_record(str(wd)).summary == {"experiment": name}


def test_unwritable_workdir_fails_cleanly(tmp_path):
  blocker = tmp_path / "a_file"
  blocker.write_text("")
  r = run_script("spectral_bias_1d.py", f"--config={config_path('spectral_bias_1d')}:tiny",
                 f"--workdir={blocker}/sub")
  assert_one_line_error(r, "spectral_bias_1d", "not writable")


def test_plot_without_record_fails_cleanly(tmp_path):
  r = run_script("plot.py", f"--workdir={tmp_path}")
  assert_one_line_error(r, "plot", "no complete record")


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_resume_with_another_config_is_refused(tmp_path, name):
  """A killed run's checkpoints resume only the same run: a changed seed is one line
  naming the key, and nothing is touched."""
  import importlib
  variant = SCRIPTS[name][0]
  cfg = importlib.import_module(f"fourier_nn.configs.{name}").get_config(variant)
  wd = tmp_path / "killed"
  records.Workdir(str(wd), config=cfg)  # what the run wrote before it was killed
  (wd / "checkpoint.npz").write_bytes(b"x")
  before = sorted(os.listdir(wd))
  r = run_script(f"{name}.py", f"--config={config_path(name)}:{variant}", f"--workdir={wd}",
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
def test_every_seed_diverged_is_written_and_exits_nonzero(tmp_path, name):
  """A run in which every seed diverged is not a success: the record is kept (to look
  at), the script says so in one line and exits non-zero."""
  wd = tmp_path / "blown"
  r = run_script(f"{name}.py", f"--config={config_path(name)}:{SCRIPTS[name][0]}",
                 f"--workdir={wd}", *DIVERGE[name])
  last = assert_last_line_error(r, name, "diverged (non-finite loss)")
  assert f"the record is written to {wd}" in last
  rec = records.load_record(str(wd))
  assert rec.arrays["diverged"].all()


def test_damaged_checkpoint_is_one_line_naming_the_file(tmp_path):
  name = "spectral_bias_1d"
  from fourier_nn.configs.spectral_bias_1d import get_config
  wd = tmp_path / "killed"
  records.Workdir(str(wd), config=get_config("tiny"))
  for content in (b"", b"PK\x03\x04 truncated zip"):
    (wd / "checkpoint.npz").write_bytes(content)
    r = run_script(f"{name}.py", f"--config={config_path(name)}:tiny", f"--workdir={wd}",
                   "--resume")
    line = assert_last_line_error(r, name, "cannot be read")
    assert "checkpoint.npz" in line
