"""Model zoo: every model maps (input_ids, attention_mask, pixel_values) -> logits [B,H,W]."""
from __future__ import annotations


def build_model(cfg: dict, vocab_size: int):
    kind = cfg["type"]
    args = {k: v for k, v in cfg.items() if k != "type"}
    if kind == "film_unet":
        from .film_unet import FilmUNet
        return FilmUNet(vocab_size=vocab_size, **args)
    if kind == "clipseg_tiny":
        from .clipseg_tiny import ClipSegTiny
        return ClipSegTiny(vocab_size=vocab_size, **args)
    raise ValueError(f"unknown model type {kind!r}")
