"""Empirical-NTK benchmark: fourier_nn.kernels vs neural-tangents, and kernel flow vs training.

The network is Rahaman et al.'s Exp 1 net, ``fourier_nn.models.MLP(depth=5, width=256,
init_scheme="torch")`` (1 -> 256 x 5 -> 1, ReLU, P = 263 937 parameters), on N 1-D inputs
z_j = j/N. For each configuration one fresh subprocess computes Θ = J Jᵀ [N, N] (float32,
x2=None): a first call (compilation + run), then timed calls; its peak RSS is VmHWM of
/proc/self/status at the end of the child (imports and TensorFlow included: see the
"baseline" row, a child that only imports and initialises).

Configurations:
  ours  jacobian  ``kernels.empirical_ntk_fn(..., method="jacobian", chunk_size=CHUNK)``
  ours  ntvp      ``kernels.empirical_ntk_fn(..., method="ntvp", chunk_size=NTVP_CHUNK)``
  ours  structured ``kernels.mlp_empirical_ntk_fn(model)(params, x)`` (Dense-layer
                  structure, no Jacobian: as nt impl 3)
  nt    impl 1/2/3 ``jax.jit(nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0,
                  implementation=i))``; impl 1 at N=4000 blockwise (a Python loop over
                  CHUNK x CHUNK blocks of the jitted fn, as nt.batch does), capped: only
                  the first CHUNK-row strip is computed and its time scaled by N/CHUNK
Slow configurations (NTK-vector products) run at N=1000 only; their N=4000 time is an
N² extrapolation, marked as such.

Then, on the N=4000 Θ: ``theory.eigh`` + ``theory.kernel_flow`` for 80 000 GD steps logged
every 100 (801 time points), against the time training the same net for 80 000 steps would
take, extrapolated from a measured short ``train.train_seeds`` run (1 seed, Adam, MSE,
full batch of N=4000): t(110 steps) − t(10 steps) = 100 steps, compilation cancelled.

Runs in the neural-tangents environment (it needs both packages):

  bash scripts/setup_nt_env.sh
  .venv-nt/bin/python benchmarks/bench_ntk.py [--out benchmarks/results_ntk.json] [--quick]

``--quick`` (smoke test): N = 200 and 400, training measured over 20 steps.
Results are written atomically to ``--out`` as JSON and printed as a table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHUNK = 1000        # ours "jacobian" and nt.batch: 1000 rows per block
NTVP_CHUNK = 250    # ours "ntvp": tangent activations scale with chunk² (see _configs)
SAMPLE = 64         # rows/columns of Θ compared across configurations


# --------------------------------------------------------------------------------------
# Child side: one configuration per process
# --------------------------------------------------------------------------------------


def _vm(field: str) -> float:
  """A /proc/self/status memory field (VmHWM, VmRSS) in MiB."""
  with open("/proc/self/status") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) / 1024
  return float("nan")


def _setup(n: int):
  import jax
  import jax.numpy as jnp
  from fourier_nn import models
  model = models.MLP(depth=5, width=256, init_scheme="torch")
  x = (jnp.arange(n, dtype=jnp.float32) / n)[:, None]
  params = jax.jit(model.init)(jax.random.PRNGKey(0), x[:1])
  return model, params, x


def _ntk_fn(cfg, model, params, x):
  """(compute, warm_up) for ``cfg``: compute() -> Θ; warm_up() compiles what compute runs.

  Warm-up compiles ahead of time (``lower().compile()``, which fills the same compilation
  cache the call uses) instead of running a whole Θ first. ``strip``: only the first
  ``chunk`` rows of Θ (all columns), block by block — used to cap nt at N=4000; the
  parent scales the time up (a blockwise full Θ computes every block: no symmetry).
  """
  import jax
  import jax.numpy as jnp
  from fourier_nn import kernels
  x1 = x[:cfg["chunk"]] if cfg.get("strip") else x
  x2 = x if cfg.get("strip") else None
  if cfg["lib"] == "ours" and cfg["method"] == "structured":
    mlp_ntk_fn = kernels.mlp_empirical_ntk_fn(model, chunk_size=cfg["chunk"])

    def compute():
      return mlp_ntk_fn(params, x1, x2)

    def warm_up():  # compiles (and runs) once: the program is cheap next to jacobian
      return jax.block_until_ready(compute())
    return compute, warm_up
  if cfg["lib"] == "ours":
    # One function, compiled once (by warm_up) and reused by every timed call.
    ntk_fn = kernels.empirical_ntk_fn(model.apply, method=cfg["method"],
                                      chunk_size=cfg["chunk"])

    def compute():
      return ntk_fn(params, x1, x2)

    def warm_up():
      return ntk_fn.lower(params, x1, x2).compile()
    return compute, warm_up

  import neural_tangents as nt
  fn = nt.empirical_ntk_fn(model.apply, trace_axes=(-1,), vmap_axes=0,
                           implementation=cfg["impl"])
  jitted = jax.jit(fn)
  if cfg.get("strip"):
    c = cfg["chunk"]

    def strip():
      return jnp.concatenate([jitted(x1, x[j:j + c], params)
                              for j in range(0, x.shape[0], c)], axis=1)
    return strip, lambda: jitted.lower(x1, x[:c], params).compile()
  return (lambda: jitted(x1, x2, params),
          lambda: jitted.lower(x1, x2, params).compile())


def _child_ntk(cfg):
  import jax
  import numpy as np
  model, params, x = _setup(cfg["n"])
  out = {"rss_setup_mib": _vm("VmRSS")}
  if cfg["lib"] == "baseline":
    from fourier_nn import kernels  # noqa: F401
    if cfg.get("with_nt"):
      import neural_tangents  # noqa: F401  (pulls TensorFlow)
    out["peak_rss_mib"] = _vm("VmHWM")
    return out
  compute, warm_up = _ntk_fn(cfg, model, params, x)
  t0 = time.perf_counter()
  warm_up()
  out["warm_up_s"] = time.perf_counter() - t0
  times = []
  for _ in range(cfg["reps"]):
    t0 = time.perf_counter()
    theta = jax.block_until_ready(compute())
    times.append(time.perf_counter() - t0)
  out["times_s"] = times
  out["time_s"] = min(times)
  theta = np.asarray(theta)
  out["dtype"] = str(theta.dtype)
  out["shape"] = list(theta.shape)
  # Rows among the first CHUNK (which a strip also has), columns across all of Θ.
  rows = np.linspace(0, min(cfg["row_block"], theta.shape[0]) - 1, SAMPLE // 2).astype(int)
  cols = np.linspace(0, theta.shape[1] - 1, SAMPLE).astype(int)
  out["sample"] = theta[np.ix_(rows, cols)].astype(float).tolist()
  out["sample_rows"] = rows.tolist()
  out["sample_cols"] = cols.tolist()
  if cfg.get("save"):
    np.save(cfg["save"], theta)
  out["peak_rss_mib"] = _vm("VmHWM")
  return out


def _child_theory(cfg):
  """eigh + kernel_flow on a saved Θ [N, N]: 80 000 steps logged every 100."""
  import numpy as np
  from fourier_nn import theory
  theta = np.load(cfg["theta"]).astype(np.float64)
  n = theta.shape[0]
  z = np.arange(n) / n
  rng = np.random.default_rng(0)
  y = sum(np.sin(2 * np.pi * k * z + rng.uniform(0, 2 * np.pi)) for k in range(5, 55, 5))
  r0 = -y  # residual u0 - y with u0 ~ 0
  steps = np.arange(0, cfg["num_steps"] + 1, cfg["log_every"])
  t0 = time.perf_counter()
  lam, vecs = theory.eigh(theta)
  t_eigh = time.perf_counter() - t0
  # GD on the MSE (1/N)Σ(u - y)²: scale 2/N; lr just below the stability limit.
  lr = 0.9 * n / lam[0]
  t0 = time.perf_counter()
  res = theory.kernel_flow((lam, vecs), r0, lr, steps, scale=2.0 / n)
  t_flow = time.perf_counter() - t0
  return {"eigh_s": t_eigh, "kernel_flow_s": t_flow, "total_s": t_eigh + t_flow,
          "num_time_points": int(steps.size), "residuals_shape": list(res.shape),
          "lambda_max": float(lam[0]), "peak_rss_mib": _vm("VmHWM")}


def _child_train(cfg):
  """Wall time of train_seeds for ``steps`` steps (compilation included), 1 seed."""
  import jax
  import jax.numpy as jnp
  import numpy as np
  import optax
  from fourier_nn import train
  model, _, x = _setup(cfg["n"])
  z = np.asarray(x[:, 0])
  y = jnp.asarray(sum(np.sin(2 * np.pi * k * z) for k in range(5, 55, 5)), jnp.float32)
  batch = {"x": x, "y": y}

  def loss_fn(params, batch):
    return jnp.mean((model.apply(params, batch["x"])[:, 0] - batch["y"]) ** 2)

  def init_fn(key):
    return model.init(key, batch["x"][:1])

  keys = jax.random.split(jax.random.PRNGKey(0), 1)
  out = {}
  for steps in cfg["steps"]:
    t0 = time.perf_counter()
    hist = train.train_seeds(init_fn, loss_fn, optax.adam(3e-4), batch, keys, steps,
                             cfg["log_every"], progress=False)
    out[str(steps)] = time.perf_counter() - t0
    assert np.isfinite(hist.loss).all()
  out["peak_rss_mib"] = _vm("VmHWM")
  return out


def child_main(cfg):
  kind = cfg["kind"]
  result = {"ntk": _child_ntk, "theory": _child_theory, "train": _child_train}[kind](cfg)
  print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------


def run_child(cfg, timeout):
  """Runs one configuration in a fresh interpreter; returns its result dict."""
  t0 = time.perf_counter()
  try:
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child",
                           json.dumps(cfg)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
  except subprocess.TimeoutExpired:
    return {"status": f"timeout after {timeout} s", "wall_s": time.perf_counter() - t0}
  wall = time.perf_counter() - t0
  for line in proc.stdout.splitlines():
    if line.startswith("RESULT "):
      res = json.loads(line[len("RESULT "):])
      res.update(status="ok", wall_s=wall)
      return res
  tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
  return {"status": f"failed (exit {proc.returncode}): " + " | ".join(tail), "wall_s": wall}


def _configs(sizes, big):
  """(label, cfg) pairs. At the ``big`` sizes only the fast configurations run, once."""
  out = [("baseline: imports + init, no neural_tangents",
          dict(kind="ntk", lib="baseline", n=sizes[0])),
         ("baseline: imports + init + neural_tangents",
          dict(kind="ntk", lib="baseline", with_nt=True, n=sizes[0]))]
  for n in sizes:
    large = n in big
    reps = 1 if large else 2
    out.append((f"ours jacobian chunk={CHUNK}",
                dict(kind="ntk", lib="ours", method="jacobian", chunk=CHUNK, n=n,
                     reps=reps)))
    if large:  # nt impl 1 capped: one CHUNK-row strip, blockwise, time x N/CHUNK
      out.append((f"nt impl 1 (jac. contraction) blocks={CHUNK}, strip",
                  dict(kind="ntk", lib="nt", impl=1, chunk=CHUNK, strip=True, n=n,
                       reps=1)))
    else:
      out.append(("nt impl 1 (jacobian contraction)",
                  dict(kind="ntk", lib="nt", impl=1, chunk=None, n=n, reps=reps)))
      out.append((f"ours ntvp chunk={NTVP_CHUNK}",
                  dict(kind="ntk", lib="ours", method="ntvp", chunk=NTVP_CHUNK, n=n,
                       reps=1)))
      out.append(("nt impl 2 (NTK-vector products)",
                  dict(kind="ntk", lib="nt", impl=2, chunk=None, n=n, reps=1)))
    out.append(("ours structured (mlp_empirical_ntk)",
                dict(kind="ntk", lib="ours", method="structured", chunk=None, n=n,
                     reps=2)))
    out.append(("nt impl 3 (structured derivatives)",
                dict(kind="ntk", lib="nt", impl=3, chunk=None, n=n, reps=2)))
  return out


def _machine():
  cpu = "unknown"
  try:
    with open("/proc/cpuinfo") as f:
      cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
  except OSError:
    pass
  mem = float("nan")
  try:
    with open("/proc/meminfo") as f:
      mem = int(next(l for l in f if l.startswith("MemTotal")).split()[1]) / 2 ** 20
  except (OSError, StopIteration):
    pass
  import jax
  import neural_tangents  # noqa: F401
  return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem, 1),
          "python": platform.python_version(), "jax": jax.__version__,
          "neural_tangents": "0.6.5 (pinned, requirements-nt.txt)",
          "platform": platform.platform(), "loadavg_start": os.getloadavg()}


def _write_json_atomic(path, obj):
  """Writes the result JSON atomically via `fourier_nn.fileio` (NaN -> null)."""
  if ROOT not in sys.path:  # the parent runs in .venv-nt, where fourier_nn is not installed
    sys.path.insert(0, ROOT)
  from fourier_nn import fileio
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  fileio.write_json_atomic(path, obj, indent=1)


def _fmt(v, spec=".1f"):
  return "—" if v is None else format(v, spec)


def main(argv=None):
  global CHUNK
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--out", default=os.path.join(HERE, "results_ntk.json"))
  ap.add_argument("--quick", action="store_true", help="smoke test: N = 200, 400")
  ap.add_argument("--timeout", type=int, default=420, help="per configuration, seconds")
  ap.add_argument("--chunk", type=int, default=None,
                  help="block rows for ours 'jacobian' and nt impl 1 (default 1000; "
                       "--quick: 200)")
  args = ap.parse_args(argv)
  CHUNK = args.chunk or (200 if args.quick else CHUNK)

  import numpy as np

  sizes, big = ((200, 400), (400,)) if args.quick else ((1000, 4000), (4000,))
  n_big = sizes[-1]
  t_start = time.perf_counter()
  results = {"machine": _machine(),
             "network": "MLP(depth=5, width=256, init_scheme='torch'): 1 -> 256 x 5 -> 1, "
                        "ReLU; inputs z_j = j/N; float32; Θ(x, x) (x2=None)",
             "chunk": CHUNK, "ntvp_chunk": NTVP_CHUNK, "ntk": []}
  tmpdir = tempfile.mkdtemp(prefix="bench_ntk_")
  theta_path = os.path.join(tmpdir, "theta.npy")

  for label, cfg in _configs(sizes, big):
    cfg["row_block"] = CHUNK
    if cfg.get("method") == "jacobian" and cfg["n"] == n_big:
      cfg["save"] = theta_path
    print(f"[bench_ntk] N={cfg['n']:5d} {label} ...", flush=True)
    res = run_child(cfg, args.timeout)
    res.update(label=label, n=cfg["n"], config={k: v for k, v in cfg.items() if k != "save"})
    if cfg.get("strip") and res.get("time_s"):
      # Blockwise (as nt.batch) every block is computed: the full Θ is N/chunk strips.
      res["full_time_estimate_s"] = res["time_s"] * cfg["n"] / min(cfg["chunk"], cfg["n"])
    results["ntk"].append(res)
    print(f"[bench_ntk]   {res['status']}  time {_fmt(res.get('time_s'), '.2f')} s  "
          f"warm-up {_fmt(res.get('warm_up_s'), '.2f')} s  peak "
          f"{_fmt(res.get('peak_rss_mib'), '.0f')} MiB", flush=True)

  # Agreement on the common sub-sample, against ours "jacobian" at the same N.
  for n in sizes:
    ref = next((r for r in results["ntk"] if r["n"] == n and r.get("sample") is not None
                and r["config"].get("method") == "jacobian"), None)
    for r in results["ntk"]:
      if r["n"] == n and r.get("sample") is not None and ref is not None:
        a, b = np.asarray(r["sample"]), np.asarray(ref["sample"])
        r["max_rel_diff_vs_ours_jacobian"] = float(np.max(np.abs(a - b)) / np.max(np.abs(b)))

  # N² extrapolation of the slow configurations (not run at the big size).
  for r in list(results["ntk"]):
    if r["n"] == sizes[0] and r.get("time_s") and r["label"].startswith(("ours ntvp",
                                                                            "nt impl 2")):
      results["ntk"].append({"label": r["label"], "n": n_big, "status": "not run",
                             "full_time_estimate_s": r["time_s"] * (n_big / sizes[0]) ** 2,
                             "estimate": f"N² from N={sizes[0]}"})

  # Theory vs training at the big size.
  if os.path.exists(theta_path):
    print(f"[bench_ntk] N={n_big} eigh + kernel_flow (80 000 steps / 100) ...", flush=True)
    results["theory"] = run_child(dict(kind="theory", theta=theta_path, num_steps=80_000,
                                       log_every=100), args.timeout)
  steps = (10, 30) if args.quick else (10, 110)
  print(f"[bench_ntk] N={n_big} train_seeds, 1 seed, {steps} steps ...", flush=True)
  tr = run_child(dict(kind="train", n=n_big, steps=list(steps), log_every=10), args.timeout)
  if tr["status"] == "ok":
    per_step = (tr[str(steps[1])] - tr[str(steps[0])]) / (steps[1] - steps[0])
    tr["per_step_s"] = per_step
    tr["measured_steps"] = steps[1] - steps[0]
    tr["extrapolated_80000_steps_s"] = per_step * 80_000
  results["train"] = tr
  th = results.get("theory", {})
  if th.get("status") == "ok" and tr.get("per_step_s"):
    results["train_over_theory"] = tr["extrapolated_80000_steps_s"] / th["total_s"]
  for path in (theta_path, tmpdir):
    try:
      (os.remove if path == theta_path else os.rmdir)(path)
    except OSError:
      pass

  results["machine"]["loadavg_end"] = os.getloadavg()
  results["total_wall_s"] = time.perf_counter() - t_start
  _write_json_atomic(args.out, results)
  print_table(results)
  print(f"[bench_ntk] wrote {args.out} ({results['total_wall_s']:.0f} s)")


def print_table(results):
  print()
  print(f"{'N':>5}  {'configuration':<46} {'time (s)':>13} {'warm-up':>8} "
        f"{'peak RSS':>9} {'rel diff':>8}")
  for r in results["ntk"]:
    t = _fmt(r.get("time_s"), ".2f") if r.get("status") == "ok" else r["status"][:13]
    if "full_time_estimate_s" in r:
      t = ("~" + _fmt(r["full_time_estimate_s"], ".0f")
           + (" (N²)" if r.get("status") != "ok"
              else " (x%d)" % max(1, r["n"] // results["chunk"])))
    peak = r.get("peak_rss_mib")
    print(f"{r['n']:>5}  {r['label']:<46} {t:>13} {_fmt(r.get('warm_up_s'), '.1f'):>8} "
          f"{(_fmt(peak / 1024, '.2f') + ' GiB') if peak else '—':>9} "
          f"{_fmt(r.get('max_rel_diff_vs_ours_jacobian'), '.0e'):>8}")
  th, tr = results.get("theory", {}), results.get("train", {})
  if th.get("status") == "ok":
    print(f"\neigh {th['eigh_s']:.1f} s + kernel_flow ({th['num_time_points']} time points) "
          f"{th['kernel_flow_s']:.1f} s = {th['total_s']:.1f} s")
  elif th:
    print(f"\ntheory: {th.get('status')}")
  if tr.get("per_step_s"):
    print(f"training: {tr['per_step_s'] * 1e3:.1f} ms/step (measured over "
          f"{tr['measured_steps']} steps) -> 80 000 steps ≈ "
          f"{tr['extrapolated_80000_steps_s'] / 60:.0f} min (extrapolated)")
  elif tr:
    print(f"training: {tr.get('status')}")
  if results.get("train_over_theory"):
    print(f"training / theory ≈ {results['train_over_theory']:.0f}x")


if __name__ == "__main__":
  if len(sys.argv) == 3 and sys.argv[1] == "--child":
    sys.path.insert(0, ROOT)
    child_main(json.loads(sys.argv[2]))
  else:
    main()
