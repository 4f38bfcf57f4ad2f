"""Benchmark of the Exp 6 workload: cost per cell-step, cells batched vs one cell at a time.

Workload: Rahaman et al. Exp 6 (`fourier_nn.experiments.manifold`, manifold_classification)
— a ReLU MLP 2→W→…→W→1 (depth 5 hidden, torch init), Adam, full-batch BCE with logits on
N = 1000 points of the flower manifold, the training accuracy measured in-graph every
``--log_every`` steps — for C cells (k, L, seed) as the vmapped axis.

In ONE run, interleaved over ``--repeats`` rounds (best kept: the machine may be shared),
for every width in ``--widths`` it times, after compilation, ``--steps`` steps of

  (a) ``--batched`` cells in one program (`train.train_seeds`, the driver's path), and
  (b) one cell in a program of its own (C = 1), the cost a Python loop over cells pays;

and reports seconds per cell-step and the batched speed-up. From the batched cost at the
paper width it estimates the wall time of the paper variants on this machine: Exp 6 (88
cells × 5 seeds × 10 000 steps) and Exp 5 (4 L × 10 seeds × 50 000 steps; the same net and
N, MSE instead of BCE).

  .venv/bin/python benchmarks/bench_manifold.py                      # ~3 min on 2 cores
  .venv/bin/python benchmarks/bench_manifold.py --widths 256 --batched 88 --steps 20

Timing: each measurement calls `train.train_seeds` twice with the same compiled programs
(``programs=``); the first call (num_steps = log_every) compiles and warms up, the second
(``--steps``) is timed end to end (History.wall_time). Results go to ``--out`` (JSON).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)


def parse_args(argv=None):
  p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
  p.add_argument("--widths", default="256,64", help="hidden widths (paper 256, quick 64)")
  p.add_argument("--batched", type=int, default=16, help="cells in the batched program")
  p.add_argument("--steps", type=int, default=40, help="timed steps (multiple of log_every)")
  p.add_argument("--log_every", type=int, default=20)
  p.add_argument("--repeats", type=int, default=2, help="interleaved rounds; best is kept")
  p.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results_manifold.json"))
  a = p.parse_args(argv)
  if a.steps % a.log_every or a.steps < a.log_every:
    p.error(f"--steps={a.steps} must be a positive multiple of --log_every={a.log_every}")
  if a.batched < 2 or a.repeats < 1:
    p.error("--batched must be >= 2 and --repeats >= 1")
  return a


def _config(width: int, cells: int, log_every: int):
  from fourier_nn.configs import manifold_classification

  c = manifold_classification.get_config("paper")
  c.model.width = width
  c.log_every = log_every
  # ks x Ls x seeds with exactly `cells` cells: one k, `cells` values of L, one seed
  c.ks, c.Ls, c.num_seeds = (200,), tuple(range(0, 2 * cells, 2)), 1
  c.decision_map_cell = (200, 0)
  return c


def time_cells(width: int, cells: int, steps: int, log_every: int) -> float:
  """Seconds per cell-step of `cells` cells batched in one program, after compilation."""
  from fourier_nn import train
  from fourier_nn.experiments import common, manifold

  c = _config(width, cells, log_every)
  b = manifold.build(c)
  opt = common.make_optimizer(c.optimizer, c.lr, c.b1, c.b2)
  axes = {"x": 0, "y": 0}
  # the (init, chunk) pair train_seeds compiles, built once so both calls share it
  progs = train._programs(  # noqa: SLF001
      b["init_fn"], b["loss_fn"], opt, b["measure_fn"], log_every, 1, axes, None)
  kw = dict(batch_axes=axes, chunk_logs=1, progress=False, programs=progs)
  train.train_seeds(b["init_fn"], b["loss_fn"], opt, b["batch"], b["init_keys"], log_every,
                    log_every, b["measure_fn"], **kw)  # compile + warm up
  h = train.train_seeds(b["init_fn"], b["loss_fn"], opt, b["batch"], b["init_keys"], steps,
                        log_every, b["measure_fn"], **kw)
  return h.wall_time / (cells * steps)


def main(argv=None):
  a = parse_args(argv)
  import jax

  widths = [int(w) for w in a.widths.split(",") if w.strip()]
  best: dict[str, float] = {}
  for _ in range(a.repeats):
    for w in widths:
      for cells in (a.batched, 1):
        key = f"w{w}_C{cells}"
        best[key] = min(best.get(key, np.inf), time_cells(w, cells, a.steps, a.log_every))
  out = {"machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                     "backend": jax.default_backend(), "loadavg_end": os.getloadavg()},
         "settings": vars(a), "per_width": {}}
  for w in widths:
    bat, one = best[f"w{w}_C{a.batched}"], best[f"w{w}_C1"]
    out["per_width"][str(w)] = {
        "s_per_cell_step_batched": bat, "s_per_cell_step_alone": one,
        "batched_speedup": one / bat,
        "est_exp6_paper_h": 88 * 5 * 10_000 * bat / 3600,
        "est_exp5_paper_h": 4 * 10 * 50_000 * bat / 3600,
    }
    print(f"width {w}: {bat * 1e3:.2f} ms/cell-step batched ({a.batched} cells), "
          f"{one * 1e3:.2f} ms alone, speed-up {one / bat:.2f}x; paper estimates: Exp 6 "
          f"{out['per_width'][str(w)]['est_exp6_paper_h']:.0f} h, Exp 5 "
          f"{out['per_width'][str(w)]['est_exp5_paper_h']:.0f} h")
  from fourier_nn import fileio
  fileio.write_json_atomic(a.out, out)
  print(f"wrote {a.out}")


if __name__ == "__main__":
  main()
