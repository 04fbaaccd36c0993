"""Train one model from a config: seeded, logs per-epoch train loss and val Dice, keeps the best
checkpoint by mean val Dice over the datasets' default prompts.

  /usr/bin/python3 -m training.train --config training/configs/film-unet.json [--data ../shared/data]

Writes training/runs/<name>/{tokenizer.json, tokenizer_config.json, best.pt, last.pt, log.jsonl}.
Runs on CUDA when available (--device), else CPU; --threads sets torch's CPU threads.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch

from .augment import augment_batch
from .data import load_split, read_splits
from .evaluate import evaluate
from .losses import dice_ce
from .models import build_model
from .paths import DEFAULT_CACHE, REPO_ROOT, data_root
from .preprocess import normalise
from .prompts import all_training_texts, negative_prompt, sample_prompt
from .tokenizer import WordTokenizer

CXR_TARGETS = (("both", 0.5), ("left", 0.25), ("right", 0.25))


def epoch_items(rng: random.Random, train: dict, repeat: dict) -> list[tuple[str, int]]:
    items = [(ds, i) for ds, s in train.items() for _ in range(repeat.get(ds, 1)) for i in range(len(s.ids))]
    rng.shuffle(items)
    return items


def make_batch(rng, gen, train, chunk, tok, neg_prob, device="cpu"):
    xs, ms, texts, names = [], [], [], []
    for ds, i in chunk:
        s = train[ds]
        target = "both"
        if ds == "cxr-lungs":
            target = rng.choices([t for t, _ in CXR_TARGETS], [w for _, w in CXR_TARGETS])[0]
        xs.append(s.images[i]), ms.append(s.masks[target][i])
        texts.append(sample_prompt(rng, ds, target, s.entries[i])), names.append(ds)
    x, m, texts = augment_batch(rng, gen, names, torch.stack(xs).to(device), torch.stack(ms).to(device), texts)
    neg = [rng.random() < neg_prob for _ in chunk]
    for k, ds in enumerate(names):
        if neg[k]:
            texts[k] = negative_prompt(rng, ds)
    m = m & ~torch.tensor(neg, device=m.device)[:, None, None]  # negatives: the named target is absent
    ids, am = tok.batch(texts)
    return ids.to(device), am.to(device), normalise(x), m


def lr_at(step: int, total: int, base: float, warmup: int, progress: float | None = None) -> float:
    """Linear warm-up, then cosine to 0 over the step budget, or over `progress` in [0,1] (time budget)."""
    import math
    if step < warmup:
        return base * (step + 1) / warmup
    frac = progress if progress is not None else (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def run(cfg: dict, root: Path, out: Path, device: str = "cpu", limit: int | None = None,
        max_steps: int | None = None, log=print) -> dict:
    seed = cfg["seed"]
    random.seed(seed)
    torch.manual_seed(seed)
    rng, gen = random.Random(seed), torch.Generator().manual_seed(seed)
    W, H = cfg["input"]["width"], cfg["input"]["height"]
    dsets = cfg["datasets"]
    tok = WordTokenizer.build(all_training_texts({d: read_splits(root, d) for d in dsets}), cfg["max_tokens"])
    tok.save(out)
    cache = Path(cfg.get("cache") or DEFAULT_CACHE)
    t0 = time.time()
    train = {d: load_split(root, d, "train", W, H, cache, limit) for d in dsets}
    val = {d: load_split(root, d, "val", W, H, cache, limit, keep_full=True) for d in dsets}
    log(f"data loaded in {time.time() - t0:.1f}s: " + ", ".join(f"{d} {len(train[d].ids)}/{len(val[d].ids)}" for d in dsets))
    model = build_model(cfg["model"], len(tok.vocab)).to(device)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    bs, epochs, repeat = cfg["batch_size"], cfg["epochs"], cfg.get("repeat", {})
    steps_per_epoch = -(-sum(len(s.ids) * repeat.get(d, 1) for d, s in train.items()) // bs)
    total = max_steps or min(steps_per_epoch * epochs, cfg.get("max_steps") or 10**12)
    warmup = min(cfg.get("warmup_steps", 200), max(1, total // 10))
    lam = cfg["loss"]
    deadline = t0 + 60 * cfg["max_minutes"] if cfg.get("max_minutes") else None
    # "schedule": "time" anneals the learning rate over the time budget (max_minutes) instead of a step
    # count, for a fixed-length run on hardware of unknown speed; the log records the steps it reached.
    by_time = cfg.get("schedule") == "time" and deadline is not None
    eval_every_s = cfg.get("eval_every_s", 0)
    if device != "cpu":  # val masks at the original size stay on the device: scoring runs there
        for s in val.values():
            s.full_masks = {t: [m.to(device) for m in v] for t, v in s.full_masks.items()}
    log(f"model {cfg['model']['type']} {nparams / 1e6:.2f}M params; {steps_per_epoch} steps/epoch, {total} steps; "
        f"DiceCE lambda_dice={lam['lambda_dice']} lambda_ce={lam['lambda_ce']}")
    best, step, history, last_eval, t_train = -1.0, 0, [], time.time(), time.time()
    logf = (out / "log.jsonl").open("a")
    for epoch in range(1, epochs + 1):
        model.train()
        items, losses, te = epoch_items(rng, train, repeat), [], time.time()
        for b in range(0, len(items), bs):
            if step >= total or (deadline and time.time() > deadline):
                break  # the epoch is cut short, then validated and checkpointed as usual
            ids, am, x, m = make_batch(rng, gen, train, items[b:b + bs], tok, cfg["neg_prob"], device)
            progress = (time.time() - t_train) / (deadline - t_train) if by_time else None
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total, cfg["lr"], warmup, progress)
            loss = dice_ce(model(ids, am, x), m, lam["lambda_dice"], lam["lambda_ce"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            step += 1
        done = step >= total or epoch == epochs or (deadline and time.time() > deadline)
        if not done and time.time() - last_eval < eval_every_s:
            continue
        last_eval = time.time()
        v = evaluate(model, tok, val)
        score = sum(v[d]["dice"] for d in dsets) / len(dsets)
        rec = {"epoch": epoch, "step": step, "train_loss": round(torch.stack(losses).mean().item(), 4) if losses else None,
               "val_mean_dice": round(score, 4), "val": {k: r["dice"] for k, r in v.items()},
               "epoch_s": round(time.time() - te, 1), "elapsed_s": round(time.time() - t0, 1)}
        history.append(rec)
        logf.write(json.dumps(rec) + "\n")
        logf.flush()
        log(json.dumps(rec))
        state = {"model": {k: t.cpu() for k, t in model.state_dict().items()}, "config": cfg, "epoch": epoch, "val": v}
        torch.save(state, out / "last.pt")
        if score > best:
            best = score
            torch.save(state, out / "best.pt")
        if done:
            break
    logf.close()
    return {"best_val_mean_dice": best, "epochs": epoch, "steps": step, "evaluations": len(history), "seconds": round(time.time() - t0, 1), "params": nparams}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--data", help="datasets folder (default ../shared/data beside the checkout)")
    ap.add_argument("--out", type=Path, help="run folder (default training/runs/<name>)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: shared machine)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a top-level config value, e.g. --set lr=0.001 --set seed=1 (kept in the checkpoint)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    cfg = json.loads(a.config.read_text())
    for kv in a.set:
        key, _, value = kv.partition("=")
        if key not in cfg:
            raise SystemExit(f"--set {kv}: {key!r} is not a key of {a.config}")
        cfg[key] = json.loads(value)
    out = a.out or REPO_ROOT / "training" / "runs" / cfg["name"]
    out.mkdir(parents=True, exist_ok=True)
    summary = run(cfg, data_root(a.data), out, a.device)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
