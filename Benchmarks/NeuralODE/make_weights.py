"""Writes the neural-ODE benchmark weights: w1 [H,D], b1 [H], w2 [D,H], b2 [D], z0 [B,D] (F32).

    python3 make_weights.py [--dim 64] [--hidden 256] [--batch 128] [--seed 0] [--out node.safetensors]

Weights follow PyTorch's nn.Linear initialisation (uniform ±1/sqrt(fan_in)); z0 ~ N(0, 1).
"""
import argparse
import numpy as np
from safetensors.numpy import save_file

p = argparse.ArgumentParser()
p.add_argument("--dim", type=int, default=64)
p.add_argument("--hidden", type=int, default=256)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--out", default="node.safetensors")
a = p.parse_args()
rng = np.random.default_rng(a.seed)
D, H, B = a.dim, a.hidden, a.batch
u = lambda shape, fan_in: rng.uniform(-1 / np.sqrt(fan_in), 1 / np.sqrt(fan_in), size=shape).astype(np.float32)
save_file({"w1": u((H, D), D), "b1": u((H,), D), "w2": u((D, H), H), "b2": u((D,), H),
           "z0": rng.standard_normal((B, D)).astype(np.float32)}, a.out)
print(f"wrote {a.out}: D={D} H={H} B={B}")
