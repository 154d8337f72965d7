"""A hand-written classic RK4 under jax.jit on the same work as `attractor bench node`.

    python3 bench_jax.py --weights node.safetensors [--steps 20] [--repeat K] [--grads FILE]

With --grads FILE (written by `attractor bench node --grads-out FILE`), also prints the
relative difference between JAX's gradients and Attractor's.
"""
import argparse, json, resource, statistics, time
import numpy as np
import jax, jax.numpy as jnp
from safetensors.numpy import load_file

p = argparse.ArgumentParser()
p.add_argument("--weights", required=True)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--repeat", type=int, default=5)
p.add_argument("--grads")
a = p.parse_args()
w = {k: jnp.asarray(v) for k, v in load_file(a.weights).items()}
params = {k: w[k] for k in ("w1", "b1", "w2", "b2")}
h = 1.0 / a.steps

def f(p, z):
    return jnp.tanh(z @ p["w1"].T + p["b1"]) @ p["w2"].T + p["b2"]

def solve(p, z):
    def step(z, _):
        k1 = f(p, z); k2 = f(p, z + h / 2 * k1); k3 = f(p, z + h / 2 * k2); k4 = f(p, z + h * k3)
        return z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), None
    return jax.lax.scan(step, z, None, length=a.steps)[0]

def loss(p, z0):
    return 0.5 * jnp.sum(solve(p, z0) ** 2)

fwd = jax.jit(solve)
fb = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

def timed(fn):
    jax.block_until_ready(fn())
    ts = []
    for _ in range(a.repeat):
        s = time.perf_counter(); jax.block_until_ready(fn()); ts.append(time.perf_counter() - s)
    return statistics.median(ts)

t_fwd = timed(lambda: fwd(params, w["z0"]))
t_fb = timed(lambda: fb(params, w["z0"]))
value, (gp, gz) = fb(params, w["z0"])
gn = float(np.sqrt(sum(np.sum(np.asarray(gp[k], np.float64) ** 2) for k in gp)))
out = dict(framework=f"jax {jax.__version__} (jit, hand-written RK4, {jax.devices()[0].platform})", method="rk4",
           gradient="backprop", loss=float(value), grad_norm=gn, forward_seconds=t_fwd, forward_backward_seconds=t_fb,
           function_evaluations=4 * a.steps, peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
if a.grads:
    ours = load_file(a.grads)
    theirs = {**{k: np.asarray(v) for k, v in gp.items()}, "z0": np.asarray(gz)}
    out["relative_difference_to_attractor"] = {
        k: float(np.linalg.norm(ours[k].astype(np.float64) - theirs[k]) / np.linalg.norm(theirs[k])) for k in theirs}
print(json.dumps(out, indent=1))
