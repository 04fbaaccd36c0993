"""A compact, portable copy of the training and validation splits, for training on a machine that cannot
see ../shared/data (the GPU machine takes at most 64 MiB of files with the repository).

  /usr/bin/python3 -m training.pack --config training/configs/film-unet.json --out .devpack

Writes <out>/README.md, <out>/<dataset>/splits.json (copied: prompts and metadata) and
<out>/<dataset>/<split>-<W>x<H>.npz per split with
  - the engine-resized image (uint8/255, bilinear to W×H, as training/data.py) rounded to 8 bits and
    stored as JPEG (quality 95, no chroma subsampling, one channel for grey images; mean error
    1–2/255 — an extra mild augmentation),
  - the masks at W×H (bit-packed) per target ("both", and "left"/"right" for cxr-lungs),
  - for val, the masks at the original resolution (PNG), so val Dice keeps the engine's semantics.
training/data.py reads these files when a folder passed as --data holds them; reported metrics are
always measured on the original data (training.evaluate, vlsm-audit eval).
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import _full_masks, image_path, read_splits
from .paths import data_root
from .preprocess import load_rgb_u8, mask_at, to_unit

JPEG_QUALITY = 95


def pack_name(split: str, width: int, height: int) -> str:
    return f"{split}-{width}x{height}.npz"


def _concat(blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    return np.frombuffer(b"".join(blobs), np.uint8), offsets


def split_blobs(data: np.ndarray, offsets: np.ndarray) -> list[bytes]:
    return [data[offsets[i]:offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]


def _jpeg(x01: torch.Tensor) -> bytes:
    arr = (x01.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    buf = io.BytesIO()
    if (arr == arr[..., :1]).all():  # grey modality (replicated channels): one-channel JPEG
        Image.fromarray(arr[..., 0], "L").save(buf, "JPEG", quality=JPEG_QUALITY)
    else:
        Image.fromarray(arr, "RGB").save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buf.getvalue()


def _png(mask: torch.Tensor) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mask.numpy().astype(np.uint8) * 255, "L").convert("1").save(buf, "PNG", optimize=True)
    return buf.getvalue()


def pack_split(root: Path, dataset: str, split: str, width: int, height: int, out: Path) -> int:
    ids = read_splits(root, dataset)[split]
    jpgs, small, full = [], {}, {}
    for i in ids:
        jpgs.append(_jpeg(to_unit(load_rgb_u8(image_path(root, dataset, i)), height, width)))
        for t, m in _full_masks(root, dataset, i).items():
            small.setdefault(t, []).append(np.packbits(mask_at(m, height, width).numpy().reshape(-1)))
            if split == "val":
                full.setdefault(t, []).append(_png(m))
    arrays = {"ids": np.array(ids), "width": np.int64(width), "height": np.int64(height)}
    arrays["jpeg"], arrays["jpeg_offsets"] = _concat(jpgs)
    for t, v in small.items():
        arrays[f"mask_{t}"] = np.stack(v)
    for t, v in full.items():
        arrays[f"full_{t}"], arrays[f"full_{t}_offsets"] = _concat(v)
    path = out / dataset / pack_name(split, width, height)
    np.savez_compressed(path, **arrays)
    return path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--data")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    cfg = json.loads(a.config.read_text())
    root = data_root(a.data)
    W, H = cfg["input"]["width"], cfg["input"]["height"]
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "README.md").write_text("Packed copy of ../shared/data (training.pack); see training/pack.py.\n")
    total = 0
    for ds in cfg["datasets"]:
        (a.out / ds).mkdir(exist_ok=True)
        shutil.copyfile(root / ds / "splits.json", a.out / ds / "splits.json")
        for split in ("train", "val"):
            n = pack_split(root, ds, split, W, H, a.out)
            total += n
            print(f"{ds} {split}: {n / 1e6:.1f} MB")
    print(f"total {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
