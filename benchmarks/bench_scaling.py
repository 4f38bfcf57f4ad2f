"""Scaling of the Exp 1 workload: time per step vs seeds and vs devices (CPU host devices,
processes), with the seeds sharded by `fourier_nn.sharding`.

Workload: Rahaman et al. Exp 1 as in bench_exp1.py — 6 Dense layers 1→256→…→256→1, ReLU,
Adam, full-batch MSE on N = 200 points, S seeds vmapped — through `train.train_seeds`
without the in-graph measurement. Each configuration runs in its own subprocess (the CPU
device count is fixed when JAX starts), configurations interleaved over ``--repeats``
rounds, the best round kept (the machine may be shared): per run, steady-state seconds per
step (the first chunk, which compiles, is left out), seed-steps/s, and the process's peak
resident memory (ru_maxrss; on CPU the devices' memory is the host's).

Layouts: ``1`` (one device), ``2`` (two forced host devices in one process), ``2x1``
(two processes × one device, jax.distributed over gloo on localhost).

  .venv/bin/python benchmarks/bench_scaling.py                       # ~10 min, 2 cores
  .venv/bin/python benchmarks/bench_scaling.py --seeds 1,10,64 --layouts 1,2 --repeats 1

Results go to ``--out`` (JSON, atomic).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def parse_args(argv=None):
  p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
  p.add_argument("--seeds", default="1,4,10,32,64,128,256", help="seed counts S")
  p.add_argument("--layouts", default="1,2,2x1",
                 help="'D' = D host devices in one process, 'PxD' = P processes × D devices")
  p.add_argument("--device_seeds", type=int, default=10,
                 help="S of the devices, points and widths comparisons (every layout runs it)")
  p.add_argument("--points", default="128,200,800,3200",
                 help="numbers of training points N (one device, --device_seeds seeds)")
  p.add_argument("--widths", default="64,256,1024",
                 help="hidden widths (one device, --device_seeds seeds, N = 200)")
  p.add_argument("--seed_steps", type=int, default=4000,
                 help="seed-steps per timed chunk (steps per chunk = max(5, this / S))")
  p.add_argument("--chunks", type=int, default=4, help="chunks per run; the first is not timed")
  p.add_argument("--repeats", type=int, default=2, help="interleaved rounds; best is kept")
  p.add_argument("--out", default=os.path.join(HERE, "results_scaling.json"))
  p.add_argument("--figure", default=os.path.join(HERE, "scaling.png"),
                 help="figure of the curves ('' for none)")
  p.add_argument("--plot_only", action="store_true",
                 help="redraw --figure from the results in --out; run nothing")
  p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
  a = p.parse_args(argv)
  if a.chunks < 2 or a.repeats < 1 or a.seed_steps < 1:
    p.error("--chunks must be >= 2, --repeats and --seed_steps >= 1")
  return a


def _layout(text: str) -> tuple[int, int]:
  """'2' -> (1 process, 2 devices); '2x1' -> (2, 1)."""
  procs, _, devs = text.partition("x")
  return (int(procs), int(devs)) if devs else (1, int(procs))


def worker(spec: dict) -> dict:
  """One timed run inside this process (called with the device layout of ``spec``)."""
  from fourier_nn import sharding

  sharding.configure_host_devices(spec["devices"])
  if spec["processes"] > 1:
    sharding.initialize_distributed(spec["coordinator"], spec["processes"], spec["process_id"])
  import jax
  import numpy as np
  from fourier_nn import models, train
  from fourier_nn.configs.spectral_bias_1d import get_config
  from fourier_nn.experiments import common, spectral_bias_1d

  S, L, chunks = spec["seeds"], spec["log_every"], spec["chunks"]
  c = get_config("quick")
  c.num_seeds, c.num_steps, c.log_every = S, L * chunks, L
  c.num_points, c.model.width = spec["num_points"], spec["width"]
  c.spectral_norm_every = L  # not measured here (no measure_fn); only for validate
  spectral_bias_1d.validate(c)
  b = spectral_bias_1d.build(c)
  opt = common.make_optimizer(c.optimizer, c.lr, c.b1, c.b2)
  params_per_seed = models.count_params(b["init_fn"](jax.random.key(0)))
  ends = []

  class Mon:  # called after every chunk, once its outputs are on the host
    def start(self, steps, loss):
      pass

    def update(self, steps, loss):
      ends.append(time.perf_counter())

  t0 = time.perf_counter()
  hist = train.train_seeds(b["init_fn"], b["loss_fn"], opt, {"x": b["x"], "y": b["y"]},
                           b["init_keys"], L * chunks, L, None,
                           batch_axes={"x": None, "y": 0}, chunk_logs=1, progress=False,
                           monitor=Mon())
  total = time.perf_counter() - t0
  per_step = (ends[-1] - ends[0]) / (L * (chunks - 1))
  return {"seeds": S, "num_points": c.num_points, "width": c.model.width,
          "processes": spec["processes"], "devices_per_process": spec["devices"],
          "global_devices": jax.device_count(),
          "devices_used": sharding.SeedSharding(S).mesh.devices.size
          if sharding.SeedSharding(S).active else 1,
          "steps_per_chunk": L, "s_per_step": per_step, "seed_steps_per_s": S / per_step,
          "gflops": 6 * params_per_seed * c.num_points * S / per_step / 1e9,
          "first_chunk_incl_compile_s": ends[0] - t0, "call_s": total,
          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
          "final_loss_mean": float(np.mean(hist.loss[:, -1]))}


def _free_port() -> int:
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


def run_one(seeds: int, layout: str, num_points: int, width: int, a) -> dict:
  procs, devs = _layout(layout)
  # the timed chunk's work is kept near --seed_steps seed-steps at N = 200, width 256
  work = seeds * (num_points / 200) * (width / 256) ** 2
  spec = {"seeds": seeds, "devices": devs, "processes": procs, "chunks": a.chunks,
          "num_points": num_points, "width": width,
          "log_every": max(5, int(a.seed_steps / work)), "coordinator": None}
  env = dict(os.environ, JAX_PLATFORMS="cpu", FOURIER_NN_PROGRESS_BAR="0",
             PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
  env.pop("XLA_FLAGS", None)
  if procs > 1:
    spec["coordinator"] = f"localhost:{_free_port()}"
  runs = []
  for pid in range(procs):
    s = dict(spec, process_id=pid)
    runs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker",
                                  json.dumps(s)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True))
  outs = [r.communicate(timeout=1800) for r in runs]
  for r, (out, err) in zip(runs, outs):
    if r.returncode:
      raise RuntimeError(f"worker {layout} S={seeds} failed:\n{err[-2000:]}")
  res = json.loads(outs[0][0].strip().splitlines()[-1])
  res["layout"] = layout
  if procs > 1:
    res["peak_rss_mb_all_processes"] = sum(
        json.loads(o.strip().splitlines()[-1])["peak_rss_mb"] for o, _ in outs)
  return res


def plot(results: dict, path: str) -> None:
  """Time per step and peak memory vs seeds, N, width, and the layouts at one S."""
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  rs = list(results["results"].values())
  S0 = results["settings"]["device_seeds"]

  def curve(layout, var, **fixed):
    pts = sorted((r[var], r) for r in rs if r["layout"] == layout
                 and all(r[k] == v for k, v in fixed.items()))
    return [x for x, _ in pts], [r for _, r in pts]

  fig, ax = plt.subplots(1, 4, figsize=(15, 3.6))
  for layout, label in (("1", "1 device"), ("2", "2 host devices")):
    x, r = curve(layout, "seeds", num_points=200, width=256)
    if x:
      ax[0].loglog(x, [q["s_per_step"] * 1e3 for q in r], "o-", label=label)
      ax[1].semilogx(x, [q["peak_rss_mb"] for q in r], "o-", label=label)
  x, r = curve("1", "seeds", num_points=200, width=256)
  if x:  # linear in seeds from the S = 1 point
    ax[0].loglog(x, [r[0]["s_per_step"] * 1e3 * s / x[0] for s in x], "k:", lw=1,
                 label="linear from S = 1")
  ax[0].set(xlabel="seeds S", ylabel="ms per step", title="time vs seeds (N = 200, width 256)")
  ax[1].set(xlabel="seeds S", ylabel="peak RSS (MB)", title="memory vs seeds")
  for i, (var, xl) in enumerate((("num_points", "training points N"), ("width", "width"))):
    fixed = {"seeds": S0, "width": 256} if var == "num_points" else {"seeds": S0, "num_points": 200}
    x, r = curve("1", var, **fixed)
    if x:
      ax[2].loglog(x, [q["s_per_step"] * 1e3 for q in r], "o-", label=f"vs {xl}")
  ax[2].set(xlabel="N  or  width", ylabel="ms per step", title=f"time vs N, width (S = {S0})")
  lay = sorted((r for r in rs if r["seeds"] == S0 and r["num_points"] == 200
                and r["width"] == 256), key=lambda r: r["layout"])
  ax[3].bar([r["layout"] for r in lay], [r["s_per_step"] * 1e3 for r in lay])
  ax[3].set(xlabel="layout (D devices, or P x D processes)", ylabel="ms per step",
            title=f"layouts (S = {S0})")
  for a_ in ax[:3]:
    a_.legend(fontsize=8)
  fig.tight_layout()
  tmp = path + ".tmp.png"
  fig.savefig(tmp, dpi=120)
  os.replace(tmp, path)
  print(f"written {path}")


def main(argv=None):
  a = parse_args(argv)
  if a.worker:
    print(json.dumps(worker(json.loads(a.worker))))
    return
  if a.plot_only:
    with open(a.out) as f:
      plot(json.load(f), a.figure)
    return
  seeds = [int(s) for s in a.seeds.split(",") if s]
  layouts = [s for s in a.layouts.split(",") if s]
  points = [int(s) for s in a.points.split(",") if s]
  widths = [int(s) for s in a.widths.split(",") if s]
  S0, N0, W0 = a.device_seeds, 200, 256
  jobs = sorted({(s, "1", N0, W0) for s in seeds}
                | {(s, "2", N0, W0) for s in seeds if "2" in layouts}
                | {(S0, l, N0, W0) for l in layouts}
                | {(S0, "1", n, W0) for n in points} | {(S0, "1", N0, w) for w in widths})
  best: dict = {}
  load = [os.getloadavg()]
  for r in range(a.repeats):
    for seeds_, layout, n, w in jobs:
      res = run_one(seeds_, layout, n, w, a)
      key = f"{layout}/S={seeds_}" + (f"/N={n}" if n != N0 else "") + (f"/W={w}" if w != W0 else "")
      print(f"round {r + 1}: {key:14s} {res['s_per_step'] * 1e3:8.2f} ms/step "
            f"{res['seed_steps_per_s']:8.0f} seed-steps/s  {res['peak_rss_mb']:6.0f} MB",
            flush=True)
      if key not in best or res["s_per_step"] < best[key]["s_per_step"]:
        best[key] = res
      load.append(os.getloadavg())
  out = {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                     "cores": os.cpu_count(), "loadavg_during": load},
         "settings": vars(a), "results": best}
  sys.path.insert(0, REPO)
  from fourier_nn import fileio

  fileio.write_json_atomic(a.out, out)
  print(f"written {a.out}")
  if a.figure:
    plot(out, a.figure)


if __name__ == "__main__":
  main()
