"""Plain PyTorch re-implementation of the authors' Exp 1 training loop (the baseline).

Rahaman et al. 2019 train one network at a time: ``nn.Sequential`` of 6 ``nn.Linear``
layers 1→256→…→256→1 with ReLU, PyTorch's default init, ``torch.optim.Adam(lr=3e-4)``,
full-batch MSE on the N = 200 point grid, a Python loop over steps inside a Python loop
over seeds. `train_loop` does exactly that (the measured baseline).

`train_bmm` is NOT the authors' code: an optional, clearly-labelled variant that stacks the
seeds' weights into [S, fan_in, fan_out] tensors and trains all seeds at once with
``torch.baddbmm`` (Adam is elementwise and the summed loss keeps each seed's gradient its
own, so it is the same maths as S independent runs). It shows what batching seeds alone
buys in PyTorch.

Both return ``(seconds, seed_steps, final_losses)``; the timing covers the training steps
only (model construction and a few warm-up steps are excluded). ``CPU_SECONDS[0]`` holds the
process CPU time (all threads) of the same timed stretch.

Importing this module requires torch. The benchmark runs it in a child process
(``--json``), so PyTorch's OpenMP threads and XLA's thread pool never share a process.
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn


CPU_SECONDS = [0.0]


def make_data(num_points: int = 200, freqs=tuple(range(5, 55, 5)), seed: int = 0,
              num_seeds: int = 1) -> tuple[np.ndarray, np.ndarray]:
  """x[N] on the grid j/N and per-seed targets y[S, N] = Σ sin(2π k z + φ) (equal amps)."""
  rng = np.random.default_rng(seed)
  z = np.arange(num_points, dtype=np.float32) / num_points
  phases = rng.uniform(0, 2 * np.pi, size=(num_seeds, len(freqs)))
  k = np.asarray(freqs, np.float32)
  y = np.sin(2 * np.pi * k[None, None, :] * z[None, :, None] + phases[:, None, :]).sum(-1)
  return z, y.astype(np.float32)


def make_net(depth: int = 5, width: int = 256) -> nn.Sequential:
  """The authors' net: (depth + 1) nn.Linear layers with ReLU, PyTorch default init."""
  layers: list[nn.Module] = []
  fan_in = 1
  for _ in range(depth):
    layers += [nn.Linear(fan_in, width), nn.ReLU()]
    fan_in = width
  layers.append(nn.Linear(fan_in, 1))
  return nn.Sequential(*layers)


def count_params(net: nn.Module) -> int:
  return sum(p.numel() for p in net.parameters())


def train_loop(num_seeds: int, num_steps: int, num_points: int = 200, lr: float = 3e-4,
               depth: int = 5, width: int = 256, threads: int | None = None,
               warmup_steps: int = 5, max_seconds: float | None = None
               ) -> tuple[float, int, np.ndarray]:
  """The authors' loop: for each seed, a fresh net and Adam, ``num_steps`` full-batch steps.

  ``max_seconds`` caps the timed training (the returned seed-step count says how far it got).
  """
  if threads:
    torch.set_num_threads(threads)
  z, y = make_data(num_points, num_seeds=num_seeds)
  x = torch.from_numpy(z)[:, None]
  losses = []
  elapsed = cpu = 0.0
  done = 0
  for s in range(num_seeds):
    if max_seconds is not None and elapsed >= max_seconds:
      break
    torch.manual_seed(s)
    net = make_net(depth, width)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    target = torch.from_numpy(y[s])[:, None]
    loss_fn = nn.MSELoss()

    def step():
      opt.zero_grad()
      loss = loss_fn(net(x), target)
      loss.backward()
      opt.step()
      return loss

    # Warm-up steps on a throw-away copy so the timed run starts from the same init.
    if warmup_steps:
      state = ({k: v.clone() for k, v in net.state_dict().items()})
      for _ in range(warmup_steps):
        step()
      net.load_state_dict(state)
      opt = torch.optim.Adam(net.parameters(), lr=lr)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(num_steps):
      loss = step()
      done += 1
      if max_seconds is not None and elapsed + time.perf_counter() - t0 >= max_seconds:
        break
    elapsed += time.perf_counter() - t0
    cpu += time.process_time() - c0
    losses.append(float(loss.detach()))
  CPU_SECONDS[0] = cpu
  return elapsed, done, np.asarray(losses)


def train_bmm(num_seeds: int, num_steps: int, num_points: int = 200, lr: float = 3e-4,
              depth: int = 5, width: int = 256, threads: int | None = None,
              warmup_steps: int = 5, max_seconds: float | None = None
              ) -> tuple[float, int, np.ndarray]:
  """NOT the authors' code: all seeds at once, weights stacked [S, in, out], baddbmm."""
  if threads:
    torch.set_num_threads(threads)
  z, y = make_data(num_points, num_seeds=num_seeds)
  x = torch.from_numpy(z)[None, :, None].expand(num_seeds, num_points, 1).contiguous()
  target = torch.from_numpy(y)[:, :, None]
  # Per-seed nn.Linear default init, stacked.
  nets = []
  for s in range(num_seeds):
    torch.manual_seed(s)
    nets.append(make_net(depth, width))
  linears = [[m for m in net if isinstance(m, nn.Linear)] for net in nets]
  ws, bs = [], []
  for layer in range(depth + 1):
    ws.append(torch.stack([l[layer].weight.detach().T for l in linears]).contiguous()
              .requires_grad_())
    bs.append(torch.stack([l[layer].bias.detach()[None, :] for l in linears]).contiguous()
              .requires_grad_())
  params = ws + bs

  def forward(h):
    for i, (w, b) in enumerate(zip(ws, bs)):
      h = torch.baddbmm(b, h, w)
      if i < depth:
        h = torch.relu(h)
    return h

  def run(n, opt, t0=None):
    loss = None
    for i in range(n):
      if t0 is not None and max_seconds is not None and time.perf_counter() - t0 >= max_seconds:
        return loss, i
      opt.zero_grad()
      # Sum over seeds of each seed's mean squared error: per-seed gradients unchanged.
      per_seed = ((forward(x) - target) ** 2).mean(dim=(1, 2))
      per_seed.sum().backward()
      opt.step()
      loss = per_seed
    return loss, n

  if warmup_steps:
    saved = [p.detach().clone() for p in params]
    run(warmup_steps, torch.optim.Adam(params, lr=lr))
    with torch.no_grad():
      for p, v in zip(params, saved):
        p.copy_(v)
  opt = torch.optim.Adam(params, lr=lr)
  t0, c0 = time.perf_counter(), time.process_time()
  loss, steps = run(num_steps, opt, t0)
  elapsed = time.perf_counter() - t0
  CPU_SECONDS[0] = time.process_time() - c0
  return elapsed, num_seeds * steps, loss.detach().numpy()


if __name__ == "__main__":
  import argparse
  import json

  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--seeds", type=int, default=2)
  p.add_argument("--steps", type=int, default=500)
  p.add_argument("--threads", type=int, default=2)
  p.add_argument("--bmm", action="store_true", help="the batched-seeds variant")
  p.add_argument("--max_seconds", type=float, default=None, help="cap on the timed training")
  p.add_argument("--json", action="store_true", help="print one JSON line (for the bench)")
  a = p.parse_args()
  fn = train_bmm if a.bmm else train_loop
  sec, n, losses = fn(a.seeds, a.steps, threads=a.threads, max_seconds=a.max_seconds)
  if a.json:
    print(json.dumps({"seconds": sec, "cpu_seconds": CPU_SECONDS[0], "seed_steps": n, "seed_steps_per_s": n / sec,
                      "final_loss_mean": float(np.mean(losses)), "threads": a.threads,
                      "torch": torch.__version__, "params_per_seed": count_params(make_net())}))
  else:
    print(f"{fn.__name__}: {n} seed-steps in {sec:.2f} s = {n / sec:.1f} seed-steps/s; "
          f"{CPU_SECONDS[0] / sec:.2f} cores used; "
          f"params {count_params(make_net())}; final losses {np.round(losses, 4).tolist()}")
