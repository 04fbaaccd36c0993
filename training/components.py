"""Connected components (no SciPy here) and the chest X-ray left/right lung split."""
from __future__ import annotations

import numpy as np


def label_components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a 2-D bool mask via row runs + union-find; labels 1..n, 0 = background."""
    h, w = mask.shape
    parent: list[int] = []
    runs: list[tuple[int, int, int, int]] = []  # (row, start, end_exclusive, run_id)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    prev: list[tuple[int, int, int]] = []
    for y in range(h):
        row = mask[y].astype(np.int8)
        d = np.diff(np.concatenate(([0], row, [0])))
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        cur = []
        j = 0
        for s, e in zip(starts.tolist(), ends.tolist()):
            rid = len(parent)
            parent.append(rid)
            # 8-connectivity: runs in the previous row overlapping [s-1, e+1) touch this one
            while j < len(prev) and prev[j][1] < s:
                j += 1
            k = j
            while k < len(prev) and prev[k][0] <= e:
                ra, rb = find(prev[k][2]), find(rid)
                if ra != rb:
                    parent[rb] = ra
                k += 1
            cur.append((s, e, rid))
            runs.append((y, s, e, rid))
        prev = cur
    labels = np.zeros((h, w), dtype=np.int32)
    roots: dict[int, int] = {}
    for y, s, e, rid in runs:
        r = find(rid)
        labels[y, s:e] = roots.setdefault(r, len(roots) + 1)
    return labels, len(roots)


def split_lungs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(patient_left, patient_right) masks from a both-lungs mask.

    Radiological convention (PA chest film viewed as if facing the patient): the patient's LEFT lung is
    on the IMAGE'S RIGHT (larger x). The two largest components are the lungs; smaller islands join the
    lung whose centroid is nearer in x. If the lungs touch (one component), cut at the emptiest column in
    the middle third of the image.
    """
    labels, n = label_components(mask)
    h, w = mask.shape
    xs = np.arange(w)
    if n >= 2:
        sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
        order = np.argsort(-sizes) + 1
        a, b = order[0], order[1]
        cx = {l: float((labels == l).sum(axis=0) @ xs) / max(1, (labels == l).sum()) for l in range(1, n + 1)}
        img_right, img_left = (a, b) if cx[a] > cx[b] else (b, a)
        left = np.zeros_like(mask)
        for l in range(1, n + 1):
            if abs(cx[l] - cx[img_right]) < abs(cx[l] - cx[img_left]):
                left |= labels == l
        return left, mask & ~left
    cols = mask.sum(axis=0)
    lo, hi = w // 3, 2 * w // 3
    cut = lo + int(np.argmin(cols[lo:hi]))
    left = mask.copy()
    left[:, :cut] = False
    return left, mask & ~left
