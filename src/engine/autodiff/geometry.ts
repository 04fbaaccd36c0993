/**
 * Window geometry of Conv, ConvTranspose and the pools (ONNX semantics, incl. auto_pad and ceil_mode),
 * shared by shape inference, the gradient rules and the float64 twin's lowerings.
 */
import type { NodeProto } from '../onnx/proto.js';
import { attrInt, attrInts, attrStr } from './ir.js';

export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin pads per spatial axis */
  pb: number[];
  /** end pads per spatial axis */
  pe: number[];
  /** ConvTranspose only */
  outputPadding: number[];
  /** output spatial dims */
  out: number[];
  group: number;
}

/** `kernel` = spatial kernel dims (from W or kernel_shape); `input` = spatial input dims. */
export function windowGeometry(node: NodeProto, input: readonly number[], kernel: readonly number[]): WindowGeometry {
  const r = input.length;
  const ones = Array<number>(r).fill(1);
  const strides = attrInts(node, 'strides') ?? ones;
  const dilations = attrInts(node, 'dilations') ?? ones;
  const pads = attrInts(node, 'pads') ?? Array<number>(2 * r).fill(0);
  const pb = pads.slice(0, r);
  const pe = pads.slice(r, 2 * r);
  const autoPad = attrStr(node, 'auto_pad', 'NOTSET');
  const group = attrInt(node, 'group', 1);
  const k = [...kernel];
  const eff = k.map((kk, i) => (kk - 1) * dilations[i] + 1);
  if (node.opType === 'ConvTranspose') {
    const op = attrInts(node, 'output_padding') ?? Array<number>(r).fill(0);
    const outShape = attrInts(node, 'output_shape');
    let out: number[];
    if (outShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      out = outShape ? outShape.slice(-r) : input.map((n, i) => n * strides[i]);
      for (let i = 0; i < r; i++) {
        const total = strides[i] * (input[i] - 1) + op[i] + eff[i] - out[i];
        const half = Math.floor(total / 2);
        if (autoPad === 'SAME_UPPER') [pb[i], pe[i]] = [half, total - half];
        else [pb[i], pe[i]] = [total - half, half];
      }
    } else {
      if (autoPad === 'VALID') pb.fill(0), pe.fill(0);
      out = input.map((n, i) => strides[i] * (n - 1) + op[i] + eff[i] - pb[i] - pe[i]);
    }
    return { kernel: k, strides, dilations, pb, pe, outputPadding: op, out, group };
  }
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const out = input.map((n, i) => {
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const o = Math.ceil(n / strides[i]);
      const total = Math.max(0, (o - 1) * strides[i] + eff[i] - n);
      const half = Math.floor(total / 2);
      if (autoPad === 'SAME_UPPER') [pb[i], pe[i]] = [half, total - half];
      else [pb[i], pe[i]] = [total - half, half];
      return o;
    }
    if (autoPad === 'VALID') pb[i] = pe[i] = 0;
    const span = n + pb[i] + pe[i] - eff[i];
    let o = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // ORT/PyTorch: the last window must start inside the input or its begin padding.
    if (ceil && (o - 1) * strides[i] >= n + pb[i]) o--;
    return o;
  });
  return { kernel: k, strides, dilations, pb, pe, outputPadding: Array<number>(r).fill(0), out, group };
}

/** Per output position of a pool window, how many elements the divisor counts (AveragePool semantics). */
export function poolCounts(g: WindowGeometry, input: readonly number[], includePad: boolean): Float64Array {
  const r = input.length;
  const perAxis = g.out.map((o, i) =>
    Array.from({ length: o }, (_, j) => {
      const start = j * g.strides[i] - g.pb[i];
      const end = start + (g.kernel[i] - 1) * g.dilations[i] + 1;
      if (includePad) return Math.ceil((Math.min(end, input[i] + g.pe[i]) - start) / g.dilations[i]);
      let c = 0;
      for (let p = start; p < end; p += g.dilations[i]) if (p >= 0 && p < input[i]) c++;
      return c;
    }),
  );
  const total = g.out.reduce((a, b) => a * b, 1);
  const counts = new Float64Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let c = 1;
    for (let i = r - 1; i >= 0; i--) {
      c *= perAxis[i][rem % g.out[i]];
      rem = Math.floor(rem / g.out[i]);
    }
    counts[flat] = c;
  }
  return counts;
}
