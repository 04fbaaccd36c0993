"""Batch augmentation on cached [0,1] tensors, per modality. Flips swap location words in the prompt
(medvlsm prompts say 'located in left of the image'); chest X-rays are never flipped (left/right lung)."""
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


def augment(rng: random.Random, gen: torch.Generator, dataset: str, img: torch.Tensor, mask: torch.Tensor,
            prompt: str) -> tuple[torch.Tensor, torch.Tensor, str]:
    """img float [3,H,W] in [0,1], mask bool [H,W] -> augmented copies and the matching prompt."""
    p = POLICY[dataset]
    img, m = img.float(), mask.float()
    if p["h"] and rng.random() < 0.5:
        img, m, prompt = img.flip(-1), m.flip(-1), swap_words(prompt, _SWAP_H)
    if p["v"] and rng.random() < 0.5:
        img, m, prompt = img.flip(-2), m.flip(-2), swap_words(prompt, _SWAP_V)
    if rng.random() < 0.8:
        a = math.radians(rng.uniform(-p["rot"], p["rot"]))
        s = rng.uniform(*p["scale"])
        tx, ty = rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)
        theta = torch.tensor([[math.cos(a) / s, -math.sin(a) / s, tx], [math.sin(a) / s, math.cos(a) / s, ty]])
        grid = F.affine_grid(theta[None], [1, 1, *img.shape[-2:]], align_corners=False)
        img = F.grid_sample(img[None], grid, mode="bilinear", padding_mode="border", align_corners=False)[0]
        m = F.grid_sample(m[None, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0, 0]
    # intensity: contrast/brightness (+ per-channel gain for colour images), gamma for grey modalities
    c, b = rng.uniform(0.8, 1.2), rng.uniform(-0.08, 0.08)
    mean = img.mean()
    img = (img - mean) * c + mean + b
    if p["colour"]:
        img = img * torch.empty(3, 1, 1).uniform_(0.92, 1.08, generator=gen)
    else:
        img = img.clamp(0, 1) ** rng.uniform(0.8, 1.25)
    return img.clamp(0, 1), m >= 0.5, prompt
