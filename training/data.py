"""Datasets read from ../shared/data exactly as laid out there (splits.json + images/ + masks/).

Images are resized once to the model input with the engine's preprocessing (uint8/255, bilinear,
align_corners=False, antialias=False) and cached as float16 under $VLSM_CACHE (default
/tmp/vlsm-audit-cache, outside the repo). Evaluation always goes back to the original resolution.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .components import split_lungs
from .preprocess import load_mask, load_rgb_u8, mask_at, to_unit


def read_splits(root: Path, dataset: str) -> dict:
    return json.loads((root / dataset / "splits.json").read_text())


def image_path(root: Path, dataset: str, id_: str) -> Path:
    hits = sorted((root / dataset / "images").glob(f"{id_}.*"))
    if len(hits) != 1:
        raise FileNotFoundError(f"{dataset}: expected one image for id {id_}, found {len(hits)}")
    return hits[0]


@dataclass
class Split:
    dataset: str
    split: str
    ids: list[str]
    images: torch.Tensor  # float16 [N,3,H,W] in [0,1], engine-resized
    masks: dict[str, torch.Tensor]  # target -> bool [N,H,W] at input size ("both", and "left"/"right" for cxr)
    entries: list  # medvlsm prompt dict / PH2 meta / None per id
    full_masks: dict[str, list[torch.Tensor]] = field(default_factory=dict)  # originals, for eval


def _full_masks(root: Path, dataset: str, id_: str) -> dict[str, torch.Tensor]:
    m = load_mask(root / dataset / "masks" / f"{id_}.png")
    out = {"both": m}
    if dataset == "cxr-lungs":
        left, right = split_lungs(m.numpy())
        out["left"], out["right"] = torch.from_numpy(left), torch.from_numpy(right)
    return out


def load_split(root: Path, dataset: str, split: str, width: int, height: int, cache: Path,
               limit: int | None = None, keep_full: bool = False, exact: bool = False) -> Split:
    """exact=True: float32 images straight from the files (no float16 cache), for reported metrics."""
    sp = read_splits(root, dataset)
    ids = sp[split][:limit] if limit else sp[split]
    entries = [(sp.get("prompts") or {}).get(i) if dataset in ("kvasir-seg", "busi") else
               (sp.get("meta") or {}).get(i) if dataset == "ph2" else None for i in ids]
    packed = root / dataset / f"{split}-{width}x{height}.npz"
    if packed.exists():
        return _load_packed(packed, dataset, split, list(ids), entries, keep_full)
    key = hashlib.sha1(json.dumps([str(root), dataset, split, ids, width, height, 2]).encode()).hexdigest()[:12]
    cfile = cache / f"{dataset}-{split}-{width}x{height}-{key}.pt"
    if cfile.exists() and not exact:
        blob = torch.load(cfile)
    else:
        imgs, masks = [], {}
        for i in ids:
            x = to_unit(load_rgb_u8(image_path(root, dataset, i)), height, width)
            imgs.append(x if exact else x.half())
            for t, m in _full_masks(root, dataset, i).items():
                masks.setdefault(t, []).append(mask_at(m, height, width))
        blob = {"images": torch.stack(imgs), "masks": {t: torch.stack(v) for t, v in masks.items()}}
        if not exact:
            cache.mkdir(parents=True, exist_ok=True)
            torch.save(blob, cfile)
    s = Split(dataset, split, list(ids), blob["images"], blob["masks"], entries)
    if keep_full:
        for i in ids:
            for t, m in _full_masks(root, dataset, i).items():
                s.full_masks.setdefault(t, []).append(m)
    return s


def _load_packed(path: Path, dataset: str, split: str, ids: list[str], entries: list, keep_full: bool) -> Split:
    """A split written by training.pack (the GPU machine's copy of the data)."""
    import io

    from PIL import Image

    from .pack import split_blobs

    z = np.load(path)
    stored = [str(i) for i in z["ids"]]
    idx = [stored.index(i) for i in ids]
    h, w = int(z["height"]), int(z["width"])

    def jpeg(b: bytes) -> torch.Tensor:
        with Image.open(io.BytesIO(b)) as im:
            return torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.uint8).copy()).permute(2, 0, 1)

    jpgs = split_blobs(z["jpeg"], z["jpeg_offsets"])
    images = torch.stack([jpeg(jpgs[k]).to(torch.float16) / 255 for k in idx])
    masks = {}
    for key in z.files:
        if key.startswith("mask_"):
            bits = np.unpackbits(z[key][idx], axis=1)[:, : h * w].reshape(len(idx), h, w)
            masks[key[5:]] = torch.from_numpy(bits.astype(bool))
    s = Split(dataset, split, ids, images, masks, entries)
    if keep_full:
        for t in masks:
            pngs = split_blobs(z[f"full_{t}"], z[f"full_{t}_offsets"])
            for k in idx:
                with Image.open(io.BytesIO(pngs[k])) as im:
                    s.full_masks.setdefault(t, []).append(torch.from_numpy(np.asarray(im.convert("L")) >= 128))
    return s
