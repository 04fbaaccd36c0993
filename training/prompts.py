"""Text prompts per dataset and target.

- kvasir-seg, busi: medvlsm prompts p1..pN from splits.json (p0, the empty prompt, is not used); list
  prompts are lists of variants and one is sampled, as medvlsm does.
- cxr-lungs: generated; three targets: both lungs, left lung, right lung. Left/right follow the
  radiological convention: the patient's left lung is on the image's right (PA view, patient facing us).
- ph2: generated from splits.json meta (diagnosis, asymmetry, colours) plus generic "skin lesion" forms.
- negatives: a prompt naming another dataset's target, paired with an empty mask, so the text matters.
"""
from __future__ import annotations

import random
import re

# The literal default prompt per dataset/target; these are what the targets in issue 4 are measured with.
DEFAULTS = {
    "kvasir-seg": "polyp",  # = medvlsm p1 for every Kvasir image
    "busi": "Tumor in the breast ultrasound image.",  # = medvlsm p1 for every BUSI image
    "cxr-lungs": "lungs",
    "cxr-lungs/left": "left lung",
    "cxr-lungs/right": "right lung",
    "ph2": "skin lesion",
}

CXR_PROMPTS = {
    "both": ["lungs", "both lungs", "lung fields", "left and right lungs", "lungs in the chest x-ray",
             "both lung fields in the chest radiograph"],
    "left": ["left lung", "the left lung", "patient's left lung", "left lung field",
             "left lung in the chest x-ray"],
    "right": ["right lung", "the right lung", "patient's right lung", "right lung field",
              "right lung in the chest x-ray"],
}

PH2_GENERIC = ["skin lesion", "lesion", "pigmented skin lesion", "mole", "skin lesion in the dermoscopy image",
               "dermoscopic lesion"]
PH2_CLASS = {
    "melanoma": ["melanoma", "melanoma skin lesion", "malignant melanoma"],
    "atypical_nevus": ["atypical nevus", "atypical mole", "dysplastic nevus"],
    "common_nevus": ["common nevus", "common mole", "benign nevus"],
}
PH2_ASYM = {0: "symmetric", 1: "slightly asymmetric", 2: "asymmetric"}

# Prompts naming a target that is absent from images of the other datasets (used for negatives).
NEGATIVE_POOL = {
    "kvasir-seg": ["polyp", "round polyp", "one medium pink polyp"],
    "busi": ["Tumor in the breast ultrasound image.", "benign tumor", "breast tumor"],
    "cxr-lungs": ["lungs", "left lung", "right lung", "both lungs"],
    "ph2": ["skin lesion", "melanoma", "mole"],
}

_SWAP_H = {"left": "right", "right": "left"}
_SWAP_V = {"top": "bottom", "bottom": "top", "upper": "lower", "lower": "upper"}


def swap_words(text: str, table: dict[str, str]) -> str:
    """Keep location words true after a flip: 'located in left of the image' -> '... right ...'."""
    return re.sub(r"\b(" + "|".join(table) + r")\b", lambda m: _case_like(m.group(0), table[m.group(0).lower()]),
                  text, flags=re.IGNORECASE)


def _case_like(src: str, dst: str) -> str:
    return dst.capitalize() if src[:1].isupper() else dst


def medvlsm_choices(entry: dict) -> list[list[str]]:
    """Non-empty prompt keys in order (p1, p2, ...), each as its list of variants."""
    out = []
    for key in sorted(entry, key=lambda k: int(k[1:])):
        val = entry[key]
        variants = [v for v in (val if isinstance(val, list) else [val]) if v.strip()]
        if variants:
            out.append(variants)
    return out


def ph2_prompts(meta: dict) -> list[str]:
    cls = meta["class"]
    colours = " and ".join(c.replace("_", " ") for c in meta.get("colours") or [])
    asym = PH2_ASYM.get(meta.get("asymmetry"), "")
    out = list(PH2_GENERIC) + PH2_CLASS[cls]
    desc = " ".join(w for w in (asym, colours) if w)
    if desc:
        out += [f"{desc} skin lesion", f"{desc} {PH2_CLASS[cls][0]}"]
    return out


def sample_prompt(rng: random.Random, dataset: str, target: str, entry) -> str:
    """One training prompt. entry: medvlsm prompt dict (kvasir/busi), PH2 meta dict, or None (cxr)."""
    if dataset in ("kvasir-seg", "busi"):
        return rng.choice(rng.choice(medvlsm_choices(entry)))
    if dataset == "cxr-lungs":
        return rng.choice(CXR_PROMPTS[target])
    if dataset == "ph2":
        return rng.choice(ph2_prompts(entry))
    raise KeyError(dataset)


def negative_prompt(rng: random.Random, dataset: str) -> str:
    other = rng.choice([d for d in NEGATIVE_POOL if d != dataset])
    return rng.choice(NEGATIVE_POOL[other])


def all_training_texts(splits: dict[str, dict]) -> list[str]:
    """Every prompt the training split can produce; the tokenizer vocabulary is built from these only."""
    texts: list[str] = list(DEFAULTS.values())
    for pool in (CXR_PROMPTS, PH2_CLASS, NEGATIVE_POOL):
        for v in pool.values():
            texts += v
    texts += PH2_GENERIC
    for ds, sp in splits.items():
        for i in sp["train"]:
            if ds in ("kvasir-seg", "busi"):
                for variants in medvlsm_choices(sp["prompts"][i]):
                    for v in variants:
                        texts += [v, swap_words(v, _SWAP_H), swap_words(v, _SWAP_V)]
            elif ds == "ph2":
                texts += ph2_prompts(sp["meta"][i])
    return texts


def manifest_prompts() -> dict[str, dict]:
    """vlsm.json `prompts`: default + variants per dataset / target key."""
    return {
        "kvasir-seg": {"default": "polyp", "variants": ["round polyp", "polyp which is a projecting growth of tissue",
                                                         "one medium pink round polyp"]},
        "busi": {"default": DEFAULTS["busi"], "variants": ["Benign tumor in the breast ultrasound image.",
                                                            "Malignant tumor in the breast ultrasound image.",
                                                            "One small benign tumor in the breast ultrasound image."]},
        "cxr-lungs": {"default": "lungs", "variants": CXR_PROMPTS["both"][1:]},
        "cxr-lungs/left": {"default": "left lung", "variants": CXR_PROMPTS["left"][1:]},
        "cxr-lungs/right": {"default": "right lung", "variants": CXR_PROMPTS["right"][1:]},
        "ph2": {"default": "skin lesion", "variants": PH2_GENERIC[1:] + ["melanoma", "atypical nevus", "common nevus"]},
    }
