/**
 * One table of cases, one per gradient rule (and per interesting attribute combination): random
 * shapes with broadcasting, strides, groups, dilations, odd sizes, values including 0 and negatives.
 * Each is checked against central finite differences on the float64 twin (max rel. error ≤ 1e-4 on
 * sampled coordinates and along a random direction).
 */
import { describe, expect, test } from 'vitest';
import { int, ints, float, str } from '../../../src/engine/onnx/builder.js';
import { gradcheck } from '../../../src/engine/autodiff/gradcheck.js';
import { caseModel, session, type RuleCase } from './harness.js';

const i64 = (b: { constant: (d: BigInt64Array, dims: number[]) => string }, v: number[]) => b.constant(BigInt64Array.from(v.map(BigInt)), [v.length]);
const unary = (op: string, extra: Partial<RuleCase> = {}, attrs = {}): RuleCase => ({
  name: op, inputs: [[2, 3, 5]], build: (b, [x]) => b.op(op, [x], attrs), ...extra,
});
const binary = (op: string, shapes: number[][], extra: Partial<RuleCase> = {}): RuleCase => ({
  name: `${op} [${shapes.map((s) => s.join('x')).join('] [')}]`, inputs: shapes, build: (b, [x, y]) => b.op(op, [x, y]), ...extra,
});

export const CASES: RuleCase[] = [
  // elementwise
  unary('Identity', { zeros: true }), unary('Neg', { zeros: true }), unary('Relu'), unary('LeakyRelu', {}, { alpha: float(0.2) }),
  unary('Sigmoid', { zeros: true }), unary('Tanh', { zeros: true }), unary('Erf', { zeros: true }), unary('Exp', { zeros: true }),
  unary('Log', { ranges: [[0.2, 3]] }), unary('Sqrt', { ranges: [[0.2, 3]] }), unary('Reciprocal', { ranges: [[0.3, 3]] }), unary('Abs'),
  { ...unary('Gelu', { zeros: true, opset: 20 }), name: 'Gelu exact' },
  { ...unary('Gelu', { zeros: true, opset: 20 }, { approximate: str('tanh') }), name: 'Gelu tanh' },
  { name: 'Clip min/max', inputs: [[3, 7]], build: (b, [x]) => b.op('Clip', [x, b.constant(Float32Array.of(-0.5), []), b.constant(Float32Array.of(0.7), [])]) },
  { name: 'Clip max only', inputs: [[3, 7]], build: (b, [x]) => b.op('Clip', [x, '', b.constant(Float32Array.of(0.3), [])]) },
  { ...unary('Softmax', { zeros: true }, { axis: int(1) }), name: 'Softmax axis 1' },
  { ...unary('LogSoftmax', { zeros: true }, { axis: int(-1) }), name: 'LogSoftmax axis -1' },
  { name: 'Dropout (inference)', inputs: [[4, 3]], build: (b, [x]) => b.op('Dropout', [x]) },
  { name: 'Cast float→double→float', inputs: [[4, 3]], zeros: true, build: (b, [x]) => b.op('Cast', [b.op('Cast', [x], { to: int(11) })], { to: int(1) }) },
  { name: 'Sign/Floor (zero gradient) + x', inputs: [[5]], build: (b, [x]) => b.op('Add', [b.op('Mul', [b.op('Floor', [x]), x]), b.op('Sign', [x])]) },
  unary('Sin', { zeros: true }), unary('Cos', { zeros: true }), unary('Softsign', { zeros: true }), unary('Softplus', { zeros: true }),
  unary('Elu', {}, { alpha: float(0.7) }), unary('Selu'), unary('HardSigmoid'), { ...unary('HardSwish', { opset: 14, ranges: [[-5, 5]] }) },
  binary('PRelu', [[2, 3, 4], [3, 1]]),
  { name: 'Sum and Mean (variadic, broadcast)', inputs: [[2, 3], [3], [2, 1]], build: (b, [x, y, z]) => b.op('Add', [b.op('Sum', [x, y, z]), b.op('Mean', [x, z])]) },
  // broadcasting arithmetic
  binary('Add', [[2, 3, 4], [3, 1]], { zeros: true }), binary('Sub', [[2, 1, 4], [3, 4]], { zeros: true }),
  binary('Mul', [[2, 3, 4], [4]], { zeros: true }), binary('Div', [[2, 3], [3]], { ranges: [[-2, 2], [0.5, 2]] }),
  binary('Pow', [[2, 3], [3]], { ranges: [[0.4, 2], [-1.5, 2]] }),
  { name: 'Pow constant exponent 2', inputs: [[7]], zeros: true, build: (b, [x]) => b.op('Pow', [x, b.constant(Float32Array.of(2), [])]) },
  binary('Max', [[3, 4], [4]]), binary('Min', [[2, 3, 1], [3, 5]]),
  { name: 'Where broadcast', inputs: [[3, 4], [4]], build: (b, [x, y]) => b.op('Where', [b.constant(Uint8Array.from([1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0]), [3, 4]), x, y]) },
  // matrix products
  binary('MatMul', [[2, 1, 3, 4], [5, 4, 2]]), binary('MatMul', [[3, 4], [4]]), binary('MatMul', [[4], [2, 4, 3]]),
  { name: 'Einsum attention scores bhqd,bhkd->bhqk', inputs: [[2, 2, 3, 4], [2, 2, 5, 4]], build: (b, [q, k]) => b.op('Einsum', [q, k], { equation: str('bhqd,bhkd->bhqk') }) },
  { name: 'Einsum index summed in one operand only (ijs,jk->ik)', inputs: [[3, 4, 2]], build: (b, [x], w) => b.op('Einsum', [x, w([4, 5])], { equation: str('ijs,jk->ik') }) },
  { name: 'Einsum implicit output (ij,jk)', inputs: [[3, 4], [4, 2]], build: (b, [x, y]) => b.op('Einsum', [x, y], { equation: str('ij,jk') }) },
  { name: 'MatMul with weights', inputs: [[2, 3, 4]], build: (b, [x], w) => b.op('MatMul', [x, w([4, 5])]) },
  {
    name: 'Gemm transA transB alpha beta', inputs: [[4, 3], [5, 4], [5]],
    build: (b, [a, bb, c]) => b.op('Gemm', [a, bb, c], { transA: int(1), transB: int(1), alpha: float(0.7), beta: float(1.3) }),
  },
  { name: 'Gemm plain with weights', inputs: [[2, 3]], build: (b, [a], w) => b.op('Gemm', [a, w([3, 4]), w([1, 4])]) },
  // convolutions
  { name: 'Conv 3x3 pad 1 + bias', inputs: [[1, 2, 6, 7]], build: (b, [x], w) => b.op('Conv', [x, w([3, 2, 3, 3]), w([3])], { pads: ints([1, 1, 1, 1]) }) },
  {
    name: 'Conv strides 2x3 dilations 2x1 groups 2 odd pads', inputs: [[2, 4, 9, 8]],
    build: (b, [x], w) => b.op('Conv', [x, w([6, 2, 3, 2])], { strides: ints([2, 3]), dilations: ints([2, 1]), pads: ints([1, 0, 2, 1]), group: int(2) }),
  },
  { name: 'Conv auto_pad SAME_UPPER stride 2', inputs: [[1, 3, 7, 7]], build: (b, [x], w) => b.op('Conv', [x, w([4, 3, 3, 3])], { auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) }) },
  { name: 'Conv 1x1 with pads (negative transposed pads)', inputs: [[1, 2, 5, 5]], build: (b, [x], w) => b.op('Conv', [x, w([2, 1, 1, 1])], { pads: ints([1, 1, 1, 1]), group: int(2) }) },
  { name: 'Conv 1-D stride 2', inputs: [[1, 2, 9]], build: (b, [x], w) => b.op('Conv', [x, w([3, 2, 3])], { strides: ints([2]) }) },
  { name: 'Conv patch embedding 4x4 stride 4', inputs: [[1, 3, 8, 12]], build: (b, [x], w) => b.op('Conv', [x, w([5, 3, 4, 4])], { strides: ints([4, 4]) }) },
  {
    name: 'ConvTranspose stride 2 pads output_padding + bias', inputs: [[1, 4, 5, 6]],
    build: (b, [x], w) => b.op('ConvTranspose', [x, w([4, 3, 3, 3]), w([3])], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 0]) }),
  },
  {
    name: 'ConvTranspose groups 2 strides 3x1 dilations 1x2', inputs: [[1, 4, 4, 5]],
    build: (b, [x], w) => b.op('ConvTranspose', [x, w([4, 2, 2, 3])], { strides: ints([3, 1]), dilations: ints([1, 2]), group: int(2) }),
  },
  {
    // kernel = stride: lowered in the twin as one MatMul + block interleave (no zero-upsampling, no im2col)
    name: 'ConvTranspose patches 4x4 stride 4 + bias', inputs: [[2, 5, 3, 2]],
    build: (b, [x], w) => b.op('ConvTranspose', [x, w([5, 3, 4, 4]), w([3])], { strides: ints([4, 4]) }),
  },
  {
    name: 'ConvTranspose patches 3x2 stride 3x2 pads output_padding', inputs: [[1, 4, 3, 4]],
    build: (b, [x], w) => b.op('ConvTranspose', [x, w([4, 2, 3, 2])], { strides: ints([3, 2]), pads: ints([1, 0, 0, 1]), output_padding: ints([2, 1]) }),
  },
  { name: 'ConvTranspose patches 1-D k4 s4', inputs: [[1, 3, 5]], build: (b, [x], w) => b.op('ConvTranspose', [x, w([3, 2, 4])], { strides: ints([4]) }) },
  {
    // n·C·K·out = 33·256·65² > 2²⁵: the twin lowers it as a sum over kernel offsets, not an im2col Gather
    name: 'Conv 16x16 pad 8 over 33 channels (kernel-offset lowering)', inputs: [[1, 33, 64, 64]],
    build: (b, [x], w) => b.op('Conv', [x, w([1, 33, 16, 16], -0.03, 0.03), w([1])], { pads: ints([8, 8, 8, 8]) }),
  },
  // pools
  { name: 'MaxPool 2x2 stride 2', inputs: [[1, 2, 6, 6]], build: (b, [x]) => b.op('MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }) },
  { name: 'MaxPool 3x3 stride 2 pad 1 (overlapping)', inputs: [[2, 2, 7, 6]], build: (b, [x]) => b.op('MaxPool', [x], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }) },
  { name: 'MaxPool ceil_mode', inputs: [[1, 2, 7, 7]], build: (b, [x]) => b.op('MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) }) },
  { name: 'AveragePool 3x3 s2 pad 1 exclude pad', inputs: [[1, 2, 7, 6]], build: (b, [x]) => b.op('AveragePool', [x], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }) },
  { name: 'AveragePool include pad', inputs: [[1, 2, 6, 5]], build: (b, [x]) => b.op('AveragePool', [x], { kernel_shape: ints([3, 2]), strides: ints([1, 2]), pads: ints([1, 0, 1, 1]), count_include_pad: int(1) }) },
  { name: 'AveragePool ceil_mode', inputs: [[1, 2, 7, 7]], build: (b, [x]) => b.op('AveragePool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) }) },
  { name: 'GlobalAveragePool', inputs: [[2, 3, 4, 5]], zeros: true, build: (b, [x]) => b.op('GlobalAveragePool', [x]) },
  // normalisation
  { name: 'LayerNormalization axis -1', inputs: [[2, 3, 6]], zeros: true, build: (b, [x], w) => b.op('LayerNormalization', [x, w([6]), w([6])], { epsilon: float(1e-5) }) },
  { name: 'LayerNormalization axis 1', inputs: [[2, 3, 4]], build: (b, [x], w) => b.op('LayerNormalization', [x, w([3, 4])], { axis: int(1) }) },
  { name: 'BatchNormalization (inference)', inputs: [[2, 3, 4, 4]], build: (b, [x], w) => b.op('BatchNormalization', [x, w([3]), w([3]), w([3]), w([3], 0.5, 2)]) },
  { name: 'InstanceNormalization', inputs: [[2, 3, 5, 4]], build: (b, [x], w) => b.op('InstanceNormalization', [x, w([3]), w([3])]) },
  // reductions
  { name: 'ReduceMean axes attr keepdims 0 (opset 17)', inputs: [[2, 3, 4]], build: (b, [x]) => b.op('ReduceMean', [x], { axes: ints([1]), keepdims: int(0) }) },
  { name: 'ReduceMean axes input (opset 18)', inputs: [[2, 3, 4]], opset: 18, build: (b, [x]) => b.op('ReduceMean', [x, i64(b, [-1])]) },
  { name: 'ReduceSum axes input keepdims (opset 13)', inputs: [[2, 3, 4]], opset: 13, build: (b, [x]) => b.op('ReduceSum', [x, i64(b, [0, 2])]) },
  { name: 'ReduceMax axes 1 (opset 18)', inputs: [[2, 5, 3]], opset: 18, build: (b, [x]) => b.op('ReduceMax', [x, i64(b, [1])]) },
  { name: 'ReduceMin keepdims 0', inputs: [[2, 5, 3]], build: (b, [x]) => b.op('ReduceMin', [x], { axes: ints([0, 2]), keepdims: int(0) }) },
  { name: 'ReduceL2', inputs: [[2, 5, 3]], build: (b, [x]) => b.op('ReduceL2', [x], { axes: ints([-1]) }) },
  { name: 'ReduceSumSquare', inputs: [[2, 5, 3]], zeros: true, build: (b, [x]) => b.op('ReduceSumSquare', [x], { axes: ints([1]) }) },
  { name: 'GlobalMaxPool', inputs: [[2, 3, 4, 5]], build: (b, [x]) => b.op('GlobalMaxPool', [x]) },
  { name: 'GatherElements (opset 16, repeated indices)', inputs: [[3, 4]], opset: 16, build: (b, [x]) => b.op('GatherElements', [x, b.constant(BigInt64Array.from([0n, 2n, 2n, 1n, 0n, 0n, 1n, 3n]), [2, 4])], { axis: int(1) }) },
  // shape ops
  { name: 'Reshape with 0 and -1', inputs: [[2, 3, 4]], build: (b, [x]) => b.op('Reshape', [x, i64(b, [0, -1])]) },
  { name: 'Flatten axis 2', inputs: [[2, 3, 4, 2]], build: (b, [x]) => b.op('Flatten', [x], { axis: int(2) }) },
  { name: 'Transpose', inputs: [[2, 3, 4]], build: (b, [x]) => b.op('Transpose', [x], { perm: ints([2, 0, 1]) }) },
  { name: 'Squeeze/Unsqueeze (opset 13)', inputs: [[2, 1, 3]], opset: 13, build: (b, [x]) => b.op('Unsqueeze', [b.op('Squeeze', [x, i64(b, [1])]), i64(b, [0, 3])]) },
  { name: 'Concat axis 1', inputs: [[2, 3, 2], [2, 1, 2]], build: (b, [x, y]) => b.op('Concat', [x, y, x], { axis: int(1) }) },
  {
    name: 'Split sizes (one output unused)', inputs: [[2, 6]],
    build: (b, [x]) => { const [p, , r] = b.node('Split', [x, i64(b, [1, 2, 3])], { axis: int(1) }, 3); return b.op('Mul', [p, b.op('Slice', [r, i64(b, [0]), i64(b, [1]), i64(b, [1])])]); },
  },
  { name: 'Split num_outputs (opset 18)', inputs: [[2, 6]], opset: 18, build: (b, [x]) => { const [p, q] = b.node('Split', [x], { axis: int(1), num_outputs: int(2) }, 2); return b.op('Mul', [p, q]); } },
  { name: 'Slice steps 1 (tokens 1:)', inputs: [[2, 5, 3]], build: (b, [x]) => b.op('Slice', [x, i64(b, [1]), i64(b, [9999]), i64(b, [1])]) },
  { name: 'Slice step 2 and -1', inputs: [[3, 7, 4]], build: (b, [x]) => b.op('Slice', [x, i64(b, [1, -1]), i64(b, [6, 0]), i64(b, [1, 2]), i64(b, [2, -1])]) },
  { name: 'Slice step -2', inputs: [[9]], build: (b, [x]) => b.op('Slice', [x, i64(b, [7]), i64(b, [-100]), i64(b, [0]), i64(b, [-2])]) },
  { name: 'Gather constant indices with repeats', inputs: [[2, 5, 3]], build: (b, [x]) => b.op('Gather', [x, b.constant(BigInt64Array.from([0n, 2n, 2n, -1n]), [2, 2])], { axis: int(1) }) },
  { name: 'Gather scalar index (CLS token)', inputs: [[2, 5, 3]], build: (b, [x]) => b.op('Gather', [x, b.constant(BigInt64Array.of(0n), [])], { axis: int(1) }) },
  {
    name: 'Gather tensor indices (computed in graph)', inputs: [[4, 3]],
    build: (b, [x]) => b.op('Gather', [x, b.op('ArgMax', [x], { axis: int(0), keepdims: int(0) })], { axis: int(0) }),
  },
  { name: 'Expand', inputs: [[3, 1]], build: (b, [x]) => b.op('Expand', [x, i64(b, [2, 3, 4])]) },
  { name: 'Tile', inputs: [[2, 1, 3]], build: (b, [x]) => b.op('Tile', [x, i64(b, [2, 3, 1])]) },
  { name: 'Pad constant', inputs: [[2, 3, 4]], build: (b, [x]) => b.op('Pad', [x, i64(b, [0, 1, 2, 1, 0, 3]), b.constant(Float32Array.of(0.5), [])]) },
  { name: 'Pad reflect (last two axes)', inputs: [[1, 2, 4, 5]], build: (b, [x]) => b.op('Pad', [x, i64(b, [0, 0, 2, 1, 0, 0, 1, 3])], { mode: str('reflect') }) },
  { name: 'Pad edge', inputs: [[1, 2, 3, 4]], build: (b, [x]) => b.op('Pad', [x, i64(b, [0, 0, 1, 2, 0, 0, 3, 0])], { mode: str('edge') }) },
  { name: 'Pad with axes (opset 18)', inputs: [[2, 3, 4]], opset: 18, build: (b, [x]) => b.op('Pad', [x, i64(b, [1, 2]), '', i64(b, [-1])]) },
  // Resize
  ...(
    [
      ['nearest asymmetric floor x2', { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }, [1, 1, 2, 2]],
      ['nearest half_pixel x3/x2', { mode: str('nearest') }, [1, 1, 3, 2]],
      ['linear half_pixel x2', { mode: str('linear') }, [1, 1, 2, 2]],
      ['linear align_corners x1.5', { mode: str('linear'), coordinate_transformation_mode: str('align_corners') }, [1, 1, 1.5, 1.5]],
      ['linear pytorch_half_pixel x0.5', { mode: str('linear'), coordinate_transformation_mode: str('pytorch_half_pixel') }, [1, 1, 0.5, 0.5]],
      ['cubic half_pixel x2', { mode: str('cubic') }, [1, 1, 2, 2]],
      ['cubic a=-0.5 exclude_outside x2', { mode: str('cubic'), cubic_coeff_a: float(-0.5), exclude_outside: int(1) }, [1, 1, 2, 2]],
    ] as const
  ).map(([label, attrs, scales]): RuleCase => ({
    name: `Resize ${label}`, inputs: [[1, 2, 5, 6]],
    build: (b, [x]) => b.op('Resize', [x, '', b.constant(Float32Array.from(scales), [4])], attrs),
  })),
  {
    name: 'Resize sizes linear', inputs: [[1, 2, 4, 5]],
    build: (b, [x]) => b.op('Resize', [x, '', '', i64(b, [1, 2, 7, 9])], { mode: str('linear') }),
  },
];

describe('gradient rules vs float64 finite differences', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { bytes, feed } = caseModel(c);
    const r = await gradcheck(bytes, { loss: { kind: 'bce' }, feeds: { pixel_values: feed }, samples: 12, seed: 3 }, session);
    expect(r.maxRelError, `sampled coordinates (float32 rel ${r.float32RelError.toExponential(2)})`).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError, 'random direction').toBeLessThanOrEqual(1e-4);
    expect(r.forwardTwinRelDiff, 'twin forward matches float32 forward').toBeLessThan(1e-4);
  });
});
