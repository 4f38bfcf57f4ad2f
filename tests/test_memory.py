"""Memory estimates: lower bounds of what XLA allocates, and the one-line refusal."""
import jax
import jax.numpy as jnp
import optax
import pytest

from fourier_nn import memory, models


@pytest.mark.parametrize("nets, depth, width, n", [
    (10, 5, 256, 200), (4, 2, 64, 1000), (64, 3, 32, 50), (1, 1, 2048, 100)])
def test_mlp_estimate_is_a_lower_bound_of_xla_memory_analysis(nets, depth, width, n):
  """XLA's own account of the compiled vmapped Adam step (arguments + outputs + temps)
  is at least the estimate, and not more than 3.5× it."""
  model = models.MLP(depth=depth, width=width)
  x = jnp.linspace(0, 1, n)[:, None]
  y = jnp.sin(x[:, 0])
  opt = optax.adam(1e-3)
  params = jax.vmap(lambda k: model.init(k, x[:1]))(jax.random.split(jax.random.key(0), nets))
  state = jax.vmap(opt.init)(params)

  def step(p, s):
    g = jax.grad(lambda p: jnp.mean((model.apply(p, x)[:, 0] - y) ** 2))(p)
    u, s = opt.update(g, s, p)
    return optax.apply_updates(p, u), s

  m = jax.jit(jax.vmap(step)).lower(params, state).compile().memory_analysis()
  if m is None:
    pytest.skip("this jax reports no memory analysis")
  xla = (m.temp_size_in_bytes + m.argument_size_in_bytes + m.output_size_in_bytes
         - m.alias_size_in_bytes)
  est = memory.mlp_training_bytes(nets, [width] * depth, n)
  assert est <= xla <= 3.5 * est, (est, xla)


def test_parse_and_refuse(monkeypatch):
  assert memory.parse_bytes("1 KiB") == 1024 and memory.parse_bytes("2e3") == 2000
  with pytest.raises(ValueError, match="FOURIER_NN_MEMORY_LIMIT='lots' is invalid"):
    memory.parse_bytes("lots")
  monkeypatch.setenv(memory.ENV, "1MiB")
  memory.check(10**6, "num_seeds", 3)  # fits
  with pytest.raises(ValueError, match=r"^--config.num_seeds=30 is invalid: the run needs at "
                     r"least 9.54 MiB \(num_seeds=30, model.width=8\); FOURIER_NN_MEMORY_LIMIT="
                     r"1MiB is 1 MiB"):
    memory.check(10**7, "num_seeds", 30, {"num_seeds": 30, "model.width": 8})
  monkeypatch.setenv(memory.ENV, "off")
  memory.check(10**30, "num_seeds", 3)  # no check
  monkeypatch.delenv(memory.ENV)
  limit, source = memory.available_bytes()
  assert limit is None or limit > 0
