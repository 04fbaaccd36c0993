"""Engine-parity preprocessing and metrics.

Mirrors what the TypeScript engine does (src/engine/model): decode to 8-bit RGB (grey replicated),
x = uint8/255, bilinear resize to the model input ignoring aspect ratio
(F.interpolate(align_corners=False, antialias=False)), (x - mean)/std. Prediction: logits resized the
same way to the original size, mask = sigmoid(logit) > threshold. Dice/IoU per image at original
resolution with MONAI semantics and both-empty -> 1.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def load_rgb_u8(path: Path) -> torch.Tensor:
    """uint8 [3,H,W]; greyscale images replicated to three channels, alpha dropped."""
    with Image.open(path) as im:
        arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).contiguous()


def load_mask(path: Path) -> torch.Tensor:
    """bool [H,W]; dataset masks are exactly 0/255."""
    with Image.open(path) as im:
        arr = np.asarray(im.convert("L"), dtype=np.uint8)
    return torch.from_numpy(arr >= 128)


def resize_bilinear(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """x [B,C,h,w] float -> [B,C,height,width], the engine's resample ('bilinear')."""
    return F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=False)


def to_unit(img_u8: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """uint8 [3,H,W] -> float32 [3,height,width] in [0,1] (before normalisation)."""
    x = img_u8.to(torch.float32).div(255.0)
    return resize_bilinear(x[None], height, width)[0]


def normalise(x01: torch.Tensor, mean=CLIP_MEAN, std=CLIP_STD) -> torch.Tensor:
    m = torch.tensor(mean, dtype=x01.dtype, device=x01.device).view(-1, 1, 1)
    s = torch.tensor(std, dtype=x01.dtype, device=x01.device).view(-1, 1, 1)
    return (x01 - m) / s


def mask_at(mask: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Training target at the model input size: bilinear on the 0/1 mask, then >= 0.5."""
    m = resize_bilinear(mask.to(torch.float32)[None, None], height, width)[0, 0]
    return m >= 0.5


def predict_mask(logits_hw: torch.Tensor, height: int, width: int, threshold: float = 0.5) -> torch.Tensor:
    """logits [h,w] at input size -> bool [height,width] at the original size."""
    up = resize_bilinear(logits_hw[None, None].to(torch.float32), height, width)[0, 0]
    return torch.sigmoid(up) > threshold


def dice_iou(pred: torch.Tensor, gt: torch.Tensor) -> tuple[float, float]:
    """Binary Dice and IoU of one image; both empty -> (1, 1) (MONAI ignore_empty=False semantics)."""
    p, g = pred.bool(), gt.bool()
    inter = (p & g).sum().item()
    ps, gs = p.sum().item(), g.sum().item()
    if ps + gs == 0:
        return 1.0, 1.0
    union = ps + gs - inter
    return 2.0 * inter / (ps + gs), inter / union
