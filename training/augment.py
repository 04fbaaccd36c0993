"""Batch augmentation on [0,1] tensors, per modality. Per-sample parameters are drawn in sample order from
the seeded Python/torch generators (CPU); the resampling runs batched on the images' device (CPU or CUDA).
Flips swap location words in the prompt (medvlsm prompts say 'located in left of the image'); chest X-rays
are never flipped (left/right lung)."""
from __future__ import annotations

import math
import random

import torch
import torch.nn.functional as F

from .prompts import _SWAP_H, _SWAP_V, swap_words

POLICY = {
    #               hflip  vflip  rot_deg scale        colour
    "kvasir-seg": dict(h=True, v=True, rot=20, scale=(0.85, 1.2), colour=True),
    "busi": dict(h=True, v=False, rot=10, scale=(0.85, 1.15), colour=False),
    "cxr-lungs": dict(h=False, v=False, rot=8, scale=(0.9, 1.1), colour=False),
    "ph2": dict(h=True, v=True, rot=30, scale=(0.85, 1.15), colour=True),
}


def augment_batch(rng: random.Random, gen: torch.Generator, datasets: list[str], imgs: torch.Tensor,
                  masks: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """imgs [B,3,H,W] in [0,1], masks bool [B,H,W], one dataset name and prompt per sample -> augmented
    copies (float images, bool masks, on imgs.device) and the matching prompts."""
    n, dev = len(datasets), imgs.device
    hflip, vflip, theta, con, bri, gamma, gain, colour, out_prompts = [], [], [], [], [], [], [], [], []
    for k, ds in enumerate(datasets):
        p, prompt = POLICY[ds], prompts[k]
        h = p["h"] and rng.random() < 0.5
        v = p["v"] and rng.random() < 0.5
        prompt = swap_words(prompt, _SWAP_H) if h else prompt
        prompt = swap_words(prompt, _SWAP_V) if v else prompt
        if rng.random() < 0.8:
            a = math.radians(rng.uniform(-p["rot"], p["rot"]))
            s = rng.uniform(*p["scale"])
            tx, ty = rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)
            theta.append([[math.cos(a) / s, -math.sin(a) / s, tx], [math.sin(a) / s, math.cos(a) / s, ty]])
        else:
            theta.append([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        # intensity: contrast/brightness (+ per-channel gain for colour images), gamma for grey modalities
        con.append(rng.uniform(0.8, 1.2)), bri.append(rng.uniform(-0.08, 0.08))
        if p["colour"]:
            gain.append(torch.empty(3).uniform_(0.92, 1.08, generator=gen).tolist()), gamma.append(1.0)
        else:
            gain.append([1.0, 1.0, 1.0]), gamma.append(rng.uniform(0.8, 1.25))
        hflip.append(h), vflip.append(v), colour.append(p["colour"]), out_prompts.append(prompt)

    def col(values, *shape):
        return torch.tensor(values, dtype=torch.float32, device=dev).view(n, *shape)

    img, m = imgs.float(), masks.float()[:, None]
    hf, vf = col(hflip, 1, 1, 1) > 0, col(vflip, 1, 1, 1) > 0
    img, m = torch.where(hf, img.flip(-1), img), torch.where(hf, m.flip(-1), m)
    img, m = torch.where(vf, img.flip(-2), img), torch.where(vf, m.flip(-2), m)
    grid = F.affine_grid(col(theta, 2, 3), [n, 1, *img.shape[-2:]], align_corners=False)
    img = F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)
    m = F.grid_sample(m, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    mean = img.mean(dim=(1, 2, 3), keepdim=True)
    img = (img - mean) * col(con, 1, 1, 1) + mean + col(bri, 1, 1, 1)
    img = torch.where(col(colour, 1, 1, 1) > 0, img * col(gain, 3, 1, 1), img.clamp(0, 1) ** col(gamma, 1, 1, 1))
    return img.clamp(0, 1), m[:, 0] >= 0.5, out_prompts
