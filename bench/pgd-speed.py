"""PyTorch side of bench/pgd-speed.ts: the same PGD-L∞ iteration on the same weights and inputs.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pgd-speed.py --onnx PKG/model.onnx --inputs DIR --threads 2

The module is training/from_onnx.py's OnnxModule over the package's model.onnx (its initializers, eager
torch ops), so no training checkpoint is needed. DIR holds what the TypeScript bench wrote: x.bin
(float32 [1,3,H,W] in [0,1]), mask.bin (float32 [1,H,W]) and inputs.json ({input_ids, attention_mask,
eps, alpha, mean, std, lambda_dice, lambda_ce}). One iteration = normalise → model → DiceCE (MONAI
semantics, training/losses.py) → autograd → x + α·sign(∇) → project → clip. Prints one JSON line.

Refuses (exit 3) when the BLAS library actually loaded is the reference BLAS: Debian's python3-torch
links libblas.so.3, which is the unoptimised reference implementation unless an optimised one (e.g.
libopenblas0-pthread) is installed; a ViT-B/16 forward is then ~15× slower and a ratio against it is
meaningless. torch.__config__.show() says BLAS_INFO=generic for Debian's build in both cases (it is a
build setting), so the check finds the library that actually provides sgemm_ in the process.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training.from_onnx import OnnxModule  # noqa: E402
from training.losses import dice_ce  # noqa: E402


def blas_library() -> tuple[str, bool]:
    """(library that provides sgemm_ to this process, whether it is an optimised one). Found by resolving
    the symbol torch's BLAS calls bind to and looking its address up in /proc/self/maps: the mapped file
    names alone mislead (OpenBLAS's liblapack.so.3 maps libopenblas beside a reference libblas.so.3)."""
    import ctypes

    a = torch.ones(64, 64)
    _ = a @ a  # make sure the BLAS is loaded
    try:  # the libblas.so.3 torch already loaded (Debian's torch links it); RTLD_NOLOAD loads nothing new
        addr = ctypes.cast(ctypes.CDLL("libblas.so.3", mode=os.RTLD_NOLOAD).sgemm_, ctypes.c_void_p).value or 0
    except (OSError, AttributeError):
        # no shared libblas (e.g. a pip torch with MKL or OpenBLAS built in): trust the build setting
        info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        name = info.group(1) if info else "unknown"
        return f"built in (BLAS_INFO={name})", name in ("mkl", "open", "openblas", "blis", "accelerate")
    for line in open("/proc/self/maps"):
        parts = line.split()
        lo, hi = (int(v, 16) for v in parts[0].split("-"))
        if lo <= addr < hi and len(parts) >= 6:
            path = parts[-1]
            return path, bool(re.search(r"openblas|mkl|blis|atlas", path, re.I))
    return "unknown", False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True, type=Path)
    ap.add_argument("--inputs", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    blas, optimised = blas_library()
    info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    if not optimised:
        print(json.dumps({"error": f"PyTorch runs on the reference BLAS ({blas}; BLAS_INFO={info.group(1) if info else '?'}), "
                          "about 15x slower than an optimised one, so no speed comparison is made; "
                          "install one (apt-get install libopenblas0-pthread) and rerun."}))
        sys.exit(3)
    torch.set_num_threads(a.threads)
    model = OnnxModule(a.onnx)
    meta = json.loads((a.inputs / "inputs.json").read_text())
    H, W = meta["height"], meta["width"]
    x0 = torch.from_numpy(np.fromfile(a.inputs / "x.bin", dtype="<f4").reshape(1, 3, H, W))
    g = torch.from_numpy(np.fromfile(a.inputs / "mask.bin", dtype="<f4").reshape(1, H, W))
    ids = torch.tensor([meta["input_ids"]], dtype=torch.int64)
    am = torch.tensor([meta["attention_mask"]], dtype=torch.int64)
    mean = torch.tensor(meta["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(meta["std"]).view(1, 3, 1, 1)
    eps, alpha, ld, lc = meta["eps"], meta["alpha"], meta["lambda_dice"], meta["lambda_ce"]
    with torch.no_grad():
        clean_loss = dice_ce(model(ids, am, (x0 - mean) / std), g, ld, lc).item()
        t0 = time.perf_counter()
        model(ids, am, (x0 - mean) / std)
        forward_s = time.perf_counter() - t0

    def step(x: torch.Tensor) -> torch.Tensor:
        x = x.detach().requires_grad_(True)
        loss = dice_ce(model(ids, am, (x - mean) / std), g, ld, lc)
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x = x + alpha * grad.sign()
            return torch.min(torch.max(x, x0 - eps), x0 + eps).clamp(0, 1)

    x = x0.clone()
    for _ in range(a.warmup):
        x = step(x)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        x = step(x)
    s = time.perf_counter() - t0
    print(json.dumps({"it_per_s": a.steps / s, "ms_per_it": 1000 * s / a.steps, "forward_ms": 1000 * forward_s,
                      "clean_loss": clean_loss, "torch": torch.__version__, "threads": a.threads,
                      "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"), "blas": blas, "size": [H, W]}))


if __name__ == "__main__":
    main()
