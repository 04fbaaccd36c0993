"""A PyTorch module built from a model package's ONNX graph: its float initializers become parameters and
`forward` runs the graph node by node with the matching eager torch op (F.conv2d for Conv, torch.matmul
for MatMul, F.layer_norm for LayerNormalization, …). So PyTorch runs the package's own weights, with
nothing but the package (no training/runs/*.pt): bench/pgd-speed.py uses it for the speed comparison,
and it lets anyone reproduce ORT-vs-PyTorch numbers from a fresh clone.

  from training.from_onnx import OnnxModule
  m = OnnxModule("resources/models/clipseg-tiny/model.onnx")     # eval mode, weights frozen
  logits = m(input_ids, attention_mask, pixel_values)            # graph input order

Covers the ops of the bundled packages and of the real-size CLIPSeg fixture (torch.onnx.export opset 17
graphs and tests/fixtures/models/clipseg-hf.ts); anything else is a clear NotImplementedError naming the
op. It does not recover the training module (export folds BatchNorm into Conv and transposes Linear
weights under new names), so resuming training from a package is not covered yet.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _ints(t: torch.Tensor | None) -> list[int] | None:
    return None if t is None else [int(v) for v in t.reshape(-1).tolist()]


def _pad_for(x: torch.Tensor, pads: list[int]) -> tuple[torch.Tensor, list[int]]:
    """ONNX pads [b1..bn, e1..en] → symmetric padding for the conv op, plus an F.pad for any asymmetry."""
    r = len(pads) // 2
    sym = [min(pads[i], pads[i + r]) for i in range(r)]
    extra = [pads[i] - sym[i] for i in range(r)], [pads[i + r] - sym[i] for i in range(r)]
    if any(extra[0]) or any(extra[1]):
        fp: list[int] = []
        for i in reversed(range(r)):
            fp += [extra[0][i], extra[1][i]]
        x = F.pad(x, fp)
    return x, sym


def _conv(a, x, w, b=None):
    r = w.dim() - 2
    x, pad = _pad_for(x, a.get("pads", [0] * 2 * r))
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[r]
    return conv(x, w, b, a.get("strides", [1] * r), pad, a.get("dilations", [1] * r), a.get("group", 1))


def _conv_transpose(a, x, w, b=None):
    r = w.dim() - 2
    pads = a.get("pads", [0] * 2 * r)
    if any(pads[i] != pads[i + r] for i in range(r)) or "output_shape" in a:
        raise NotImplementedError("ConvTranspose with asymmetric pads or output_shape")
    conv = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[r]
    return conv(x, w, b, a.get("strides", [1] * r), pads[:r], a.get("output_padding", [0] * r), a.get("group", 1),
                a.get("dilations", [1] * r))


def _gather(a, x, idx):
    axis = a.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    if idx.dim() == 0:
        return x.select(axis, int(idx))
    out = x.index_select(axis, idx.reshape(-1))
    return out.reshape(*x.shape[:axis], *idx.shape, *x.shape[axis + 1:])


def _reshape(a, x, shape):
    s = _ints(shape)
    if not a.get("allowzero", 0):
        s = [x.shape[i] if v == 0 else v for i, v in enumerate(s)]
    return x.reshape(s)


def _slice(a, x, starts, ends, axes=None, steps=None):
    st, en = _ints(starts), _ints(ends)
    ax = _ints(axes) or list(range(len(st)))
    sp = _ints(steps) or [1] * len(st)
    idx = [slice(None)] * x.dim()
    for s, e, k, p in zip(st, en, ax, sp):
        if p <= 0:
            raise NotImplementedError("Slice with a non-positive step")
        n = x.shape[k]
        idx[k % x.dim()] = slice(max(-n, min(s, n)), max(-n, min(e, n)), p)
    return x[tuple(idx)]


def _div(a, x, y):
    if not x.is_floating_point() and not y.is_floating_point():
        return torch.div(x, y, rounding_mode="trunc")
    return x / y


def _reduce_sum(a, x, axes=None):
    ax = _ints(axes)
    if not ax:
        return x if a.get("noop_with_empty_axes", 0) else x.sum(keepdim=bool(a.get("keepdims", 1)), dim=tuple(range(x.dim())))
    return x.sum(dim=tuple(ax), keepdim=bool(a.get("keepdims", 1)))


def _max_pool(a, x):
    r = x.dim() - 2
    x, pad = _pad_for(x, a.get("pads", [0] * 2 * r))
    pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[r]
    k = a["kernel_shape"]
    return pool(x, k, a.get("strides", [1] * r), pad, a.get("dilations", [1] * r), bool(a.get("ceil_mode", 0)))


def _layer_norm(a, x, g, b=None):
    axis = a.get("axis", -1) % x.dim()
    return F.layer_norm(x, x.shape[axis:], g, b, a.get("epsilon", 1e-5))


def _gemm(a, x, y, c=None):
    x = x.t() if a.get("transA", 0) else x
    y = y.t() if a.get("transB", 0) else y
    out = a.get("alpha", 1.0) * (x @ y)
    return out if c is None else out + a.get("beta", 1.0) * c


def _split(a, x, split=None):
    axis = a.get("axis", 0)
    sizes = _ints(split) or a.get("split")
    if sizes is None:
        n = a["num_outputs"]
        sizes = [math.ceil(x.shape[axis] / n)] * n
    return tuple(torch.split(x, sizes, dim=axis))


OPS = {
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": _div,
    "MatMul": lambda a, x, y: torch.matmul(x, y),
    "Gemm": _gemm,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _max_pool,
    "Relu": lambda a, x: torch.relu(x),
    "Sigmoid": lambda a, x: torch.sigmoid(x),
    "Erf": lambda a, x: torch.erf(x),
    "Softmax": lambda a, x: torch.softmax(x, a.get("axis", -1)),
    "LayerNormalization": _layer_norm,
    "Cast": lambda a, x: x.to(DTYPES[a["to"]]),
    "Shape": lambda a, x: torch.tensor(x.shape, dtype=torch.int64),
    "Gather": _gather,
    "Reshape": _reshape,
    "Transpose": lambda a, x: x.permute(a.get("perm", list(reversed(range(x.dim()))))),
    "Squeeze": lambda a, x, axes=None: x.squeeze() if axes is None else x.squeeze(_ints(axes)[0]) if len(_ints(axes)) == 1 else x.reshape([d for i, d in enumerate(x.shape) if i not in [v % x.dim() for v in _ints(axes)]]),
    "Unsqueeze": lambda a, x, axes: _unsqueeze(x, _ints(axes)),
    "Concat": lambda a, *xs: torch.cat(xs, dim=a["axis"]),
    "Slice": _slice,
    "Split": _split,
    "ReduceSum": _reduce_sum,
    "ArgMax": lambda a, x: x.argmax(dim=a.get("axis", 0), keepdim=bool(a.get("keepdims", 1))),
    "Expand": lambda a, x, shape: x * torch.ones(_ints(shape), dtype=x.dtype),
    "Range": lambda a, s, e, d: torch.arange(s.item(), e.item(), d.item(), dtype=s.dtype),
}


def _unsqueeze(x: torch.Tensor, axes: list[int]) -> torch.Tensor:
    n = x.dim() + len(axes)
    for ax in sorted(v % n for v in axes):
        x = x.unsqueeze(ax)
    return x


class OnnxModule(nn.Module):
    def __init__(self, path: str | Path):
        super().__init__()
        model = onnx.load(str(path))
        g = model.graph
        self.params = nn.ParameterDict()
        self._names: dict[str, str] = {}
        self._consts: dict[str, torch.Tensor] = {}
        for t in g.initializer:
            arr = torch.from_numpy(np.array(numpy_helper.to_array(t)))
            if arr.is_floating_point():
                key = f"p{len(self._names)}"
                self.params[key] = nn.Parameter(arr, requires_grad=False)
                self._names[t.name] = key
            else:
                self._consts[t.name] = arr
        self.nodes = []
        for n in g.node:
            if n.op_type == "Constant":
                self._consts[n.output[0]] = torch.from_numpy(np.array(numpy_helper.to_array(_attrs(n)["value"])))
                continue
            if n.op_type not in OPS:
                raise NotImplementedError(f"{path}: op {n.op_type} (node {n.name}) has no PyTorch translation in training/from_onnx.py")
            self.nodes.append((OPS[n.op_type], list(n.input), list(n.output), _attrs(n)))
        inits = {t.name for t in g.initializer}
        self.input_names = [i.name for i in g.input if i.name not in inits]
        self.output_names = [o.name for o in g.output]
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        env: dict[str, torch.Tensor] = dict(self._consts)
        for name, key in self._names.items():
            env[name] = self.params[key]
        env.update(zip(self.input_names, inputs))
        for fn, ins, outs, attrs in self.nodes:
            res = fn(attrs, *[env[i] if i else None for i in ins])
            if isinstance(res, tuple):
                env.update(zip(outs, res))
            else:
                env[outs[0]] = res
        return env[self.output_names[0]]


def check(package: Path, fixtures: Path) -> dict:
    """Max |logits − PyTorch training-module logits| over a package's torch fixtures (python3 -m training.export)."""
    import json

    mod = OnnxModule(package / "model.onnx")
    index = json.loads((fixtures / "index.json").read_text())
    worst, scale = 0.0, 0.0
    for it in index["items"]:
        px = torch.from_numpy(np.fromfile(fixtures / it["pixel_values"]["file"], "<f4").reshape(it["pixel_values"]["shape"]))
        want = np.fromfile(fixtures / it["logits"]["file"], "<f4").reshape(it["logits"]["shape"])
        with torch.no_grad():
            got = mod(torch.tensor([it["input_ids"]]), torch.tensor([it["attention_mask"]]), px).numpy()
        worst, scale = max(worst, float(np.abs(got - want).max())), max(scale, float(np.abs(want).max()))
    return {"package": str(package), "items": len(index["items"]), "max_abs_diff": worst, "max_abs_logit": scale,
            "tolerance": index["logits_tolerance_max_abs"]}


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description="Check OnnxModule against a package's PyTorch fixtures.")
    ap.add_argument("--check", nargs=2, metavar=("PACKAGE", "FIXTURES"), type=Path, required=True)
    a = ap.parse_args()
    print(json.dumps(check(*a.check)))
