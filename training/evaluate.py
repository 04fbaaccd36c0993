"""Clean Dice/IoU with the engine's semantics: prompt -> logits at the input size -> bilinear to the
original size -> sigmoid > threshold -> per-image Dice/IoU (both empty -> 1) -> mean over the split.

  /usr/bin/python3 -m training.evaluate --run training/runs/film-unet --split test
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from .data import Split, load_split
from .paths import DEFAULT_CACHE, data_root
from .preprocess import dice_iou, normalise, predict_mask
from .prompts import DEFAULTS
from .tokenizer import WordTokenizer

# (metric key, dataset, mask target, prompt)
EVAL_TARGETS = [
    ("kvasir-seg", "kvasir-seg", "both", DEFAULTS["kvasir-seg"]),
    ("busi", "busi", "both", DEFAULTS["busi"]),
    ("cxr-lungs", "cxr-lungs", "both", DEFAULTS["cxr-lungs"]),
    ("cxr-lungs/left", "cxr-lungs", "left", DEFAULTS["cxr-lungs/left"]),
    ("cxr-lungs/right", "cxr-lungs", "right", DEFAULTS["cxr-lungs/right"]),
    ("ph2", "ph2", "both", DEFAULTS["ph2"]),
]
# A prompt naming a target absent from the image: the predicted area should be ~0 (the text matters).
WRONG_PROMPT = {"kvasir-seg": "lungs", "busi": "polyp", "cxr-lungs": "polyp", "ph2": "left lung"}


@torch.no_grad()
def predict_logits(model, tok: WordTokenizer, images01: torch.Tensor, prompt: str, batch: int = 16) -> torch.Tensor:
    out, dev = [], next(model.parameters()).device
    for s in range(0, len(images01), batch):
        x = normalise(images01[s:s + batch].to(dev).float())
        ids, am = tok.batch([prompt] * len(x))
        out.append(model(ids.to(dev), am.to(dev), x))
    return torch.cat(out)


def score(logits: torch.Tensor, gts: list[torch.Tensor], threshold: float = 0.5) -> dict:
    d, j, area = [], [], []
    for lg, gt in zip(logits, gts):
        pred = predict_mask(lg, gt.shape[0], gt.shape[1], threshold)
        a, b = dice_iou(pred, gt)
        d.append(a), j.append(b), area.append(pred.float().mean().item())
    n = len(d)
    return {"dice": sum(d) / n, "iou": sum(j) / n, "n": n, "pred_area": sum(area) / n}


def evaluate(model, tok, splits: dict[str, Split], wrong_prompts: bool = False) -> dict:
    model.eval()
    res = {}
    for key, ds, target, prompt in EVAL_TARGETS:
        if ds not in splits:
            continue
        s = splits[ds]
        r = score(predict_logits(model, tok, s.images, prompt), s.full_masks[target])
        res[key] = {"prompt": prompt, **{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}}
    if wrong_prompts:
        for ds, prompt in WRONG_PROMPT.items():
            if ds in splits:
                s = splits[ds]
                r = score(predict_logits(model, tok, s.images, prompt), s.full_masks["both"])
                res[f"{ds}/wrong-prompt"] = {"prompt": prompt, "pred_area": round(r["pred_area"], 4),
                                             "dice": round(r["dice"], 4)}
    return res


def load_run(run: Path):
    from .models import build_model

    ckpt = torch.load(run / "best.pt")
    cfg = ckpt["config"]
    tok = WordTokenizer.load(run / "tokenizer.json", cfg["max_tokens"])
    model = build_model(cfg["model"], len(tok.vocab))
    model.load_state_dict(ckpt["model"])
    return model.eval(), tok, cfg, ckpt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--split", default="val", choices=["val", "test"])
    ap.add_argument("--data")
    ap.add_argument("--out", type=Path, help="write the metrics JSON here (default <run>/metrics-<split>.json)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, tok, cfg, ckpt = load_run(a.run)
    root = data_root(a.data)
    W, H = cfg["input"]["width"], cfg["input"]["height"]
    t0 = time.time()
    splits = {ds: load_split(root, ds, a.split, W, H, DEFAULT_CACHE, keep_full=True, exact=True) for ds in cfg["datasets"]}
    res = evaluate(model, tok, splits, wrong_prompts=True)
    res["_meta"] = {"split": a.split, "epoch": ckpt["epoch"], "seconds": round(time.time() - t0, 1)}
    text = json.dumps(res, indent=1)
    (a.out or a.run / f"metrics-{a.split}.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
