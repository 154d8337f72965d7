"""torchdiffeq on the same work as `attractor bench node` (prints JSON like it).

    python3 bench_torchdiffeq.py --weights node.safetensors [--method rk4|dopri5] [--steps 20]
        [--rtol R --atol A] [--gradient backprop|adjoint] [--repeat K] [--threads 2]

Note: torchdiffeq's `rk4` is Kutta's 3/8 rule (4 evaluations per step, like classic RK4).
"""
import argparse, json, resource, statistics, time
import torch
from safetensors.torch import load_file
from torchdiffeq import odeint, odeint_adjoint

p = argparse.ArgumentParser()
p.add_argument("--weights", required=True)
p.add_argument("--method", default="rk4")
p.add_argument("--steps", type=int, default=20)
p.add_argument("--rtol", type=float, default=1e-5)
p.add_argument("--atol", type=float, default=1e-6)
p.add_argument("--gradient", default="backprop")
p.add_argument("--repeat", type=int, default=5)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
w = load_file(a.weights)
H, D = w["w1"].shape

class Field(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.Linear(D, H)
        self.l2 = torch.nn.Linear(H, D)
        with torch.no_grad():
            self.l1.weight.copy_(w["w1"]); self.l1.bias.copy_(w["b1"])
            self.l2.weight.copy_(w["w2"]); self.l2.bias.copy_(w["b2"])
        self.nfe = 0
    def forward(self, t, z):
        self.nfe += 1
        return self.l2(torch.tanh(self.l1(z)))

f = Field()
t = torch.tensor([0.0, 1.0])
opts = dict(method=a.method)
if a.method == "rk4":
    opts["options"] = dict(step_size=1.0 / a.steps)
else:
    opts.update(rtol=a.rtol, atol=a.atol)
solve = odeint_adjoint if a.gradient == "adjoint" else odeint

def forward():
    with torch.no_grad():
        return odeint(f, w["z0"], t, **opts)[-1]

def forward_backward():
    f.zero_grad()
    z0 = w["z0"].clone().requires_grad_(True)
    zT = solve(f, z0, t, **opts)[-1]
    loss = 0.5 * (zT ** 2).sum()
    loss.backward()
    return loss, z0.grad

def timed(fn):
    fn()
    ts = []
    for _ in range(a.repeat):
        s = time.perf_counter(); fn(); ts.append(time.perf_counter() - s)
    return statistics.median(ts)

fwd = timed(forward)
f.nfe = 0; forward(); nfe = f.nfe
fb = timed(forward_backward)
loss, _ = forward_backward()
gn = torch.sqrt(sum((q.grad.double() ** 2).sum() for q in f.parameters())).item()
print(json.dumps(dict(framework=f"torchdiffeq (torch {torch.__version__}, {a.threads} threads)", method=a.method,
                      gradient=a.gradient, loss=loss.item(), grad_norm=gn, forward_seconds=fwd,
                      forward_backward_seconds=fb, function_evaluations=nfe,
                      peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024), indent=1))
