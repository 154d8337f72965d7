#!/usr/bin/env python3
"""Golden outputs and gradients for Attractor's neural layers, from an independent NumPy
implementation written from the math (not from the Swift code).

Gradients come from the complex-step method, df/dp = Im f(p + i h) / h with h = 1e-30,
which is exact to machine precision for analytic code and shares nothing with the
hand-written VJPs under test. For every case the scalar is L = <w, f(x, theta)> with a
fixed random cotangent w, so the stored gradients are w^T df/dx and w^T df/dtheta.

Conventions (same as the Swift layers): row-major [batch, sequence, hidden] buffers; a
linear weight is [out, in] and y = x W^T; SwiGLU gate_up is [2*inner, in] with gate rows
first; RoPE "rotate half" with angle t * base^(-2i/d_h); attention scale 1/sqrt(d_h);
RMSNorm eps 1e-5 over the hidden axis; post-norm block h = N(h + Mixer(h)); h = N(h + MLP(h)), where the first N runs over the
sequence axis after the token MLP (TRM's transposed layout) unless token_norm_axis = hidden.

Run: python3 make_golden.py   (writes *.json next to this script; numpy only)
"""
import json
import os

import numpy as np

EPS = 1e-5
H = 1e-30


def silu(x):
    return x / (1.0 + np.exp(-x))


def rms_norm(x):
    # x**2, not abs(x)**2: keeps the function complex-analytic for the complex step.
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)


def swiglu_channels(x, gate_up, down):
    inner = down.shape[1]
    gu = x @ gate_up.T
    return (silu(gu[..., :inner]) * gu[..., inner:]) @ down.T


def token_mlp(x, gate_up, down):
    # SwiGLU across the sequence axis: for each batch element, Y = W_d (silu(W_g X) * (W_u X)).
    inner = down.shape[1]
    xt = np.swapaxes(x, 1, 2)            # [B, D, L]
    gu = xt @ gate_up.T                  # [B, D, 2I]
    h = silu(gu[..., :inner]) * gu[..., inner:]
    return np.swapaxes(h @ down.T, 1, 2)  # [B, L, D]


def rope(x, base=10000.0):
    # x: [B, L, heads, dh]
    L, dh = x.shape[1], x.shape[3]
    half = dh // 2
    freq = base ** (-np.arange(half) * 2.0 / dh)
    ang = np.arange(L)[:, None] * freq[None, :]
    cos, sin = np.cos(ang)[None, :, None, :], np.sin(ang)[None, :, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


def attention(x, qkv_w, o_w, heads):
    B, L, D = x.shape
    dh = D // heads
    qkv = x @ qkv_w.T
    q = qkv[..., :D].reshape(B, L, heads, dh)
    k = qkv[..., D:2 * D].reshape(B, L, heads, dh)
    v = qkv[..., 2 * D:].reshape(B, L, heads, dh)
    q, k = rope(q), rope(k)
    s = np.einsum("blhd,bmhd->bhlm", q, k) / np.sqrt(dh)
    s = s - s.real.max(axis=-1, keepdims=True)  # a constant shift: softmax is invariant
    p = np.exp(s)
    p = p / p.sum(axis=-1, keepdims=True)
    o = np.einsum("bhlm,bmhd->blhd", p, v).reshape(B, L, D)
    return o @ o_w.T


def block_stack(x, params, cfg):
    h = x
    for i in range(cfg["layers"]):
        p = lambda n: params[f"blocks.{i}.{n}"]
        if cfg["mixer"] == "mlp":
            m = token_mlp(h, p("token_mlp.gate_up.weight"), p("token_mlp.down.weight"))
            if cfg["token_norm_axis"] == "sequence":
                # TRM: the norm runs in the transposed [B, D, L] layout, i.e. over positions.
                h = np.swapaxes(rms_norm(np.swapaxes(h + m, 1, 2)), 1, 2)
            else:
                h = rms_norm(h + m)
        else:
            m = attention(h, p("attention.qkv.weight"), p("attention.o.weight"), cfg["heads"])
            h = rms_norm(h + m)
        h = rms_norm(h + swiglu_channels(h, p("mlp.gate_up.weight"), p("mlp.down.weight")))
    return h


def complex_step_gradients(f, x, params, w):
    """w^T df/dx and w^T df/dparams by the complex step."""
    def objective(xc, pc):
        return np.sum(w * f(xc, pc))
    gx = np.zeros(x.size)
    xc = x.astype(complex)
    for i in range(x.size):
        e = np.zeros(x.size, dtype=complex)
        e[i] = 1j * H
        gx[i] = objective(xc + e.reshape(x.shape), params).imag / H
    gp = {}
    for name, value in params.items():
        g = np.zeros(value.size)
        for i in range(value.size):
            pc = dict(params)
            e = np.zeros(value.size, dtype=complex)
            e[i] = 1j * H
            pc[name] = value.astype(complex) + e.reshape(value.shape)
            g[i] = objective(x, pc).imag / H
        gp[name] = g
    return gx, gp


def case(name, f, x, params, rng, config):
    y = f(x, params).real
    w = rng.standard_normal(y.shape)
    gx, gp = complex_step_gradients(f, x, params, w)
    data = {
        "description": name,
        "config": config,
        "input_shape": list(x.shape),
        "input": x.ravel().tolist(),
        "parameters": {k: v.ravel().tolist() for k, v in params.items()},
        "cotangent": w.ravel().tolist(),
        "output": y.ravel().tolist(),
        "input_gradient": gx.tolist(),
        "parameter_gradients": {k: v.tolist() for k, v in gp.items()},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.json")
    with open(path, "w") as fh:
        json.dump(data, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path}: output norm {np.linalg.norm(y):.6f}, |dx| {np.linalg.norm(gx):.6f}")


def lecun(rng, out, inp, scale=1.0):
    return rng.standard_normal((out, inp)) * scale / np.sqrt(inp)


def main():
    rng = np.random.default_rng(20261122)
    B, L, D, heads = 2, 5, 8, 2

    # Attention with RoPE (one layer).
    x = rng.standard_normal((B, L, D))
    params = {"att.qkv.weight": lecun(rng, 3 * D, D, 1.5), "att.o.weight": lecun(rng, D, D)}
    case("attention_rope", lambda x, p: attention(x, p["att.qkv.weight"], p["att.o.weight"], heads),
         x, params, rng, {"batch": B, "sequence": L, "hidden": D, "heads": heads, "rope_base": 10000.0})

    # Token-mixing SwiGLU (one layer).
    Dt, inner = 3, 4
    x = rng.standard_normal((B, L, Dt))
    params = {"tok.gate_up.weight": lecun(rng, 2 * inner, L), "tok.down.weight": lecun(rng, L, inner)}
    case("token_mlp", lambda x, p: token_mlp(x, p["tok.gate_up.weight"], p["tok.down.weight"]),
         x, params, rng, {"batch": B, "sequence": L, "hidden": Dt, "inner": inner})

    # Whole two-block networks F: token MLP (norm over the sequence as in TRM, and over
    # the hidden axis) and attention.
    for mixer, axis, name in (("mlp", "sequence", "block_stack_mlp"), ("attention", "hidden", "block_stack_attention"),
                              ("mlp", "hidden", "block_stack_mlp_hidden_norm")):
        cfg = {"batch": B, "sequence": L, "hidden": D, "layers": 2, "mixer": mixer,
               "token_inner": 6, "channel_inner": 12, "heads": heads, "token_norm_axis": axis}
        x = rng.standard_normal((B, L, D))
        params = {}
        for i in range(2):
            if mixer == "mlp":
                params[f"blocks.{i}.token_mlp.gate_up.weight"] = lecun(rng, 12, L)
                params[f"blocks.{i}.token_mlp.down.weight"] = lecun(rng, L, 6)
            else:
                params[f"blocks.{i}.attention.qkv.weight"] = lecun(rng, 3 * D, D, 1.5)
                params[f"blocks.{i}.attention.o.weight"] = lecun(rng, D, D)
            params[f"blocks.{i}.mlp.gate_up.weight"] = lecun(rng, 24, D)
            params[f"blocks.{i}.mlp.down.weight"] = lecun(rng, D, 12)
        case(name, lambda x, p, cfg=cfg: block_stack(x, p, cfg), x, params, rng, cfg)


if __name__ == "__main__":
    main()
