"""Smoke test of the whole pipeline on a few real images (CI: `/usr/bin/python3 -m training.smoke`).

For each model config in training/configs/smoke-*.json: train a few steps on 4 images per dataset (twice,
to check the run is reproducible), evaluate on 4 test images, export a package + fixtures to a temporary
folder, and check the ONNX graph, vlsm.json, tokenizer, fixtures and the loss/left-right conventions.
ONNX Runtime is not available to Python here, so ORT-vs-PyTorch parity on the exported package is checked
by tests/training/smoke.test.ts, which runs this script with --out and reads the last stdout line (JSON).
Exits non-zero on the first failed check. Takes well under 3 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from . import export as ex
from .components import split_lungs
from .data import load_split
from .evaluate import evaluate, load_run
from .losses import dice_ce
from .paths import REPO_ROOT, data_root
from .tokenizer import WordTokenizer
from .train import run

CONFIGS = ["smoke-film-unet.json", "smoke-clipseg-tiny.json"]


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"SMOKE FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok  {what}")


def check_conventions() -> None:
    m = np.zeros((20, 40), bool)
    m[2:18, 3:15] = True  # image left  -> patient's RIGHT lung
    m[2:18, 25:38] = True  # image right -> patient's LEFT lung
    left, right = split_lungs(m)
    check(left[:, 25:].all() == m[:, 25:].all() and not left[:, :20].any() and right[:, 3:15].any(),
          "lung split: patient's left lung is on the image's right")
    logits = torch.tensor([[[2.0, -1.0], [0.5, -3.0]]])
    g = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]])
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * g).sum() + 1e-5) / (p.sum() + g.sum() + 1e-5)
    bce = -(g * torch.log(p) + (1 - g) * torch.log(1 - p)).mean()
    check(abs(dice_ce(logits, g, 1.0, 0.5).item() - (dice + 0.5 * bce).item()) < 1e-6, "DiceCE matches its formula")


def check_package(pkg: Path, fixtures: Path, cfg: dict) -> None:
    import onnx

    g = onnx.load(str(pkg / "model.onnx"))
    onnx.checker.check_model(g)
    ins = {i.name: i for i in g.graph.input}
    check(list(ins) == ["input_ids", "attention_mask", "pixel_values"], f"{cfg['name']}: ONNX input names")
    el = onnx.TensorProto
    check(ins["input_ids"].type.tensor_type.elem_type == el.INT64 and
          ins["attention_mask"].type.tensor_type.elem_type == el.INT64 and
          ins["pixel_values"].type.tensor_type.elem_type == el.FLOAT, f"{cfg['name']}: ONNX input dtypes")
    dims = [d.dim_param or d.dim_value for d in ins["input_ids"].type.tensor_type.shape.dim]
    check(isinstance(dims[0], str) and isinstance(dims[1], str), f"{cfg['name']}: dynamic B and T")
    pv = [d.dim_param or d.dim_value for d in ins["pixel_values"].type.tensor_type.shape.dim]
    check(pv[1:] == [3, cfg["input"]["height"], cfg["input"]["width"]], f"{cfg['name']}: pixel_values shape {pv}")
    out = g.graph.output[0]
    od = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    check(out.name == "logits" and od[1:] == [cfg["input"]["height"], cfg["input"]["width"]],
          f"{cfg['name']}: logits [B,H,W] {od}")
    check(any(o.version == 17 for o in g.opset_import), f"{cfg['name']}: opset 17")
    man = json.loads((pkg / "vlsm.json").read_text())
    check(man["sha256"] == ex.sha256(pkg / "model.onnx"), f"{cfg['name']}: vlsm.json sha256")
    for key in ("kvasir-seg", "busi", "cxr-lungs", "ph2"):
        check(key in man["prompts"], f"{cfg['name']}: prompts for {key}")
    check(man["prompts"]["cxr-lungs"]["default"] == "lungs" and man["prompts"]["ph2"]["default"] == "skin lesion",
          f"{cfg['name']}: default prompts")
    check("non-commercial" in man["training"]["licence"], f"{cfg['name']}: licence says research / non-commercial")
    tok = WordTokenizer.load(pkg / "tokenizer.json", cfg["max_tokens"])
    idx = json.loads((fixtures / "index.json").read_text())
    for it in idx["items"]:
        check(tok.encode(it["prompt"]) == it["input_ids"], f"{cfg['name']}: tokenizer ids for {it['prompt']!r}")
    size = sum(f.stat().st_size for f in fixtures.iterdir())
    check(len(idx["items"]) == 3 and len(idx["gradients"]) == 2 and size < 3e6, f"{cfg['name']}: fixtures ({size} bytes)")
    # reload and recompute one fixture from its stored pixel_values: the .bin files round-trip
    model, tok2, _, _ = load_run(pkg.parent.parent / "runs" / cfg["name"])
    it = idx["items"][0]
    x = torch.from_numpy(np.fromfile(fixtures / it["pixel_values"]["file"], "<f4").reshape(it["pixel_values"]["shape"]))
    ref = torch.from_numpy(np.fromfile(fixtures / it["logits"]["file"], "<f4").reshape(it["logits"]["shape"]))
    with torch.no_grad():
        y = model(torch.tensor([it["input_ids"]]), torch.tensor([it["attention_mask"]]), x)
    check((y - ref).abs().max().item() <= 1e-5, f"{cfg['name']}: fixture logits reproduce")
    gr = idx["gradients"][0]
    gv = np.fromfile(fixtures / gr["grad"]["file"], "<f4")
    check(np.isfinite(gv).all() and np.abs(gv).max() > 0 and np.isfinite(gr["loss_value"]),
          f"{cfg['name']}: gradient fixture finite and non-zero")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data")
    ap.add_argument("--out", type=Path, help="keep the outputs here (default: a temporary folder, removed)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    root = data_root(a.data)
    tmp = None
    if a.out is None:
        tmp = tempfile.TemporaryDirectory(prefix="vlsm-smoke-")
        base = Path(tmp.name)
    else:
        base = a.out.resolve()
    check_conventions()
    result = {"packages": {}, "fixtures": {}}
    for name in CONFIGS:
        cfg = json.loads((REPO_ROOT / "training" / "configs" / name).read_text())
        cfg["cache"] = str(base / "cache")
        runs = []
        for rep in range(2):
            out = base / ("runs" if rep == 0 else "runs-repeat") / cfg["name"]
            out.mkdir(parents=True, exist_ok=True)
            s = run(cfg, root, out, limit=4, max_steps=3, log=lambda m: None)
            runs.append(torch.load(out / "last.pt")["model"])
        check(np.isfinite(s["best_val_mean_dice"]), f"{cfg['name']}: trained 3 steps")
        check(all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0]), f"{cfg['name']}: seeded run is reproducible")
        rdir = base / "runs" / cfg["name"]
        model, tok, _, _ = load_run(rdir)
        W, H = cfg["input"]["width"], cfg["input"]["height"]
        test = {d: load_split(root, d, "test", W, H, base / "cache", limit=4, keep_full=True, exact=True)
                for d in cfg["datasets"]}
        metrics = evaluate(model, tok, test, wrong_prompts=True)
        check(all(0.0 <= r["pred_area"] <= 1.0 for r in metrics.values()), f"{cfg['name']}: evaluation ran")
        (rdir / "metrics-test.json").write_text(json.dumps(metrics))
        pkg, fx = base / "models" / cfg["name"], base / "fixtures" / cfg["name"]
        ex.export_onnx(model, tok, cfg, pkg / "model.onnx")
        tok.save(pkg)
        man = ex.manifest(cfg, metrics, pkg / "model.onnx", "smoke", {"smoke": True})
        (pkg / "vlsm.json").write_text(json.dumps(man, indent=1) + "\n")
        ex.write_card(pkg, cfg, man, metrics, sum(p.numel() for p in model.parameters()), {}, 1)
        ex.write_fixtures(model, tok, cfg, root, fx, man["sha256"], cfg["loss"])
        check_package(pkg, fx, cfg)
        result["packages"][cfg["name"]] = str(pkg)
        result["fixtures"][cfg["name"]] = str(fx)
    print(f"smoke passed in {time.time() - t0:.1f}s")
    if tmp:
        tmp.cleanup()
        result = {"packages": {}, "fixtures": {}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
