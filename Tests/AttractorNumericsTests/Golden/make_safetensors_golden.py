"""Produces the safetensors golden files the Swift tests read (run from this folder).

    pip install safetensors numpy && python3 make_safetensors_golden.py

`mixed.safetensors`: one tensor of each of F32, F64, I32, I64, U8 (awkward values:
-0.0, inf, subnormals, extremes) plus one `__metadata__` entry. The Swift test rebuilds
the same tensors and checks that it reads these bytes exactly and writes identical bytes.
`nometa.safetensors`: two tensors, no metadata.
"""
import numpy as np
from safetensors.numpy import save_file, load_file

mixed = {
    "weight": np.array([[1.5, -0.0, np.inf], [1e-45, -3.25, 65504.0]], dtype=np.float32),
    "bias": np.array([np.pi, -1e-310, 1e300, -2.0], dtype=np.float64),
    "index": np.array([-2147483648, 0, 2147483647], dtype=np.int32),
    "step": np.array([-9223372036854775808, 123456789012345], dtype=np.int64),
    "mask": np.array([0, 1, 127, 128, 255], dtype=np.uint8),
}
save_file(mixed, "mixed.safetensors", metadata={"format": "attractor-golden"})
save_file({"z0": np.arange(6, dtype=np.float64).reshape(3, 2) / 8, "a": np.zeros((0,), dtype=np.float32)},
          "nometa.safetensors")

for name in ("mixed.safetensors", "nometa.safetensors"):
    loaded = load_file(name)
    print(name, {k: (v.dtype, v.shape) for k, v in loaded.items()})
