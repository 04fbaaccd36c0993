"""Where things live: the shared datasets (never copied into the repo) and the cache of resized tensors."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_CACHE = Path(os.environ.get("VLSM_CACHE", "/tmp/vlsm-audit-cache"))
DATASETS = ("kvasir-seg", "busi", "cxr-lungs", "ph2")


def data_root(flag: str | None) -> Path:
    """--data flag, else $VLSM_DATA, else ../shared/data beside the checkout."""
    root = Path(flag or os.environ.get("VLSM_DATA") or DEFAULT_DATA).resolve()
    if not (root / "README.md").exists():
        raise SystemExit(f"data folder {root} not found: pass --data or set VLSM_DATA to ../shared/data")
    return root
