"""PyTorch side of bench/pgd-speed.ts: the same PGD-L∞ iteration on the same weights and inputs.

  /usr/bin/python3 bench/pgd-speed.py --run training/runs/film-unet --inputs DIR --steps 20 --threads 2

DIR holds what the TypeScript bench wrote: x.bin (float32 [1,3,H,W] in [0,1]), mask.bin (float32
[1,H,W]) and inputs.json ({input_ids, attention_mask, eps, alpha}). One iteration = normalise → model →
DiceCE (MONAI semantics, training/losses.py) → autograd → x + α·sign(∇) → project → clip, model in eval
mode (as ONNX Runtime). Prints one JSON line: iterations/s and the loss at the clean image (the
TypeScript side compares it with ONNX Runtime's to show the weights are the same).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training.evaluate import load_run  # noqa: E402
from training.losses import dice_ce  # noqa: E402
from training.preprocess import normalise  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--inputs", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, _tok, cfg, _ckpt = load_run(a.run)
    W, H = cfg["input"]["width"], cfg["input"]["height"]
    meta = json.loads((a.inputs / "inputs.json").read_text())
    x0 = torch.from_numpy(np.fromfile(a.inputs / "x.bin", dtype="<f4").reshape(1, 3, H, W))
    g = torch.from_numpy(np.fromfile(a.inputs / "mask.bin", dtype="<f4").reshape(1, H, W))
    ids = torch.tensor([meta["input_ids"]], dtype=torch.int64)
    am = torch.tensor([meta["attention_mask"]], dtype=torch.int64)
    eps, alpha = meta["eps"], meta["alpha"]
    with torch.no_grad():
        clean_loss = dice_ce(model(ids, am, normalise(x0)), g).item()

    def step(x: torch.Tensor) -> torch.Tensor:
        x = x.detach().requires_grad_(True)
        loss = dice_ce(model(ids, am, normalise(x)), g)
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
    print(json.dumps({"it_per_s": a.steps / s, "ms_per_it": 1000 * s / a.steps, "clean_loss": clean_loss,
                      "torch": torch.__version__, "threads": a.threads, "size": [H, W]}))


if __name__ == "__main__":
    main()
