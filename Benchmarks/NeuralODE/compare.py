"""Runs `attractor bench node`, JAX (hand-written RK4 under jit) and torchdiffeq on the same
weights, interleaved `--rounds` times (the machine is shared: interleaving spreads any load
over all three), and prints the median of each one's medians and the ratios.

    python3 compare.py --attractor ../../.build/release/attractor --weights node.safetensors \
        [--steps 20] [--repeat 20] [--rounds 3]
"""
import argparse, json, statistics, subprocess, sys, os

p = argparse.ArgumentParser()
p.add_argument("--attractor", required=True)
p.add_argument("--weights", required=True)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--repeat", type=int, default=20)
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--gradient", default="backprop")
a = p.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
runs = {
    "attractor": [a.attractor, "bench", "node", "--weights", a.weights, "--steps", str(a.steps), "--repeat", str(a.repeat),
                  "--gradient", a.gradient, "--format", "json"],
    "jax": [sys.executable, f"{here}/bench_jax.py", "--weights", a.weights, "--steps", str(a.steps), "--repeat", str(a.repeat)],
    "torchdiffeq": [sys.executable, f"{here}/bench_torchdiffeq.py", "--weights", a.weights, "--steps", str(a.steps),
                    "--repeat", str(a.repeat), "--gradient", "adjoint" if a.gradient == "adjoint" else "backprop"],
}
results = {k: [] for k in runs}
load_before = os.getloadavg()[0]
for _ in range(a.rounds):
    for name, cmd in runs.items():
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        results[name].append(json.loads(out[out.index("{"):]))
summary = {"load_average_before_after": [load_before, os.getloadavg()[0]]}
for name, rs in results.items():
    summary[name] = dict(forward_ms=1e3 * statistics.median(r["forward_seconds"] for r in rs),
                         forward_backward_ms=1e3 * statistics.median(r["forward_backward_seconds"] for r in rs),
                         loss=rs[-1]["loss"], grad_norm=rs[-1]["grad_norm"],
                         rounds_forward_ms=[round(1e3 * r["forward_seconds"], 2) for r in rs],
                         rounds_forward_backward_ms=[round(1e3 * r["forward_backward_seconds"], 2) for r in rs])
for name in ("jax", "torchdiffeq"):
    summary[f"{name}_over_attractor"] = dict(
        forward=summary[name]["forward_ms"] / summary["attractor"]["forward_ms"],
        forward_backward=summary[name]["forward_backward_ms"] / summary["attractor"]["forward_backward_ms"])
print(json.dumps(summary, indent=1))
