"""DiceCE on logits with MONAI semantics (monai.losses.DiceCELoss(sigmoid=True) for one channel):

  dice_b = 1 - (2 * sum(p*g) + smooth_nr) / (sum(p) + sum(g) + smooth_dr),  p = sigmoid(logits)
  loss   = lambda_dice * mean_b(dice_b) + lambda_ce * mean(BCEWithLogits(logits, g))

sums over H,W per image (batch=False), smooth_nr = smooth_dr = 1e-5. Training and the gradient fixtures
use lambda_dice = lambda_ce = 1.0.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

SMOOTH = 1e-5


def dice_ce(logits: torch.Tensor, target: torch.Tensor, lambda_dice: float = 1.0, lambda_ce: float = 1.0) -> torch.Tensor:
    g = target.to(logits.dtype)
    p = torch.sigmoid(logits)
    dims = tuple(range(1, logits.dim()))
    inter = (p * g).sum(dims)
    dice = 1.0 - (2.0 * inter + SMOOTH) / (p.sum(dims) + g.sum(dims) + SMOOTH)
    ce = F.binary_cross_entropy_with_logits(logits, g)
    return lambda_dice * dice.mean() + lambda_ce * ce
