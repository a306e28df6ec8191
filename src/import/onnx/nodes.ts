// One handler per supported ONNX op: each reads its inputs from the context, emits IR
// ops and records its outputs. Constants are folded where an op only reshapes,
// reorders or converts them (weights behind Transpose, DequantizeLinear, Constant).
import type { Op } from '../../ir/types.js';
import type { NodeProto } from './decode.js';
import { tensorValues } from './decode.js';
import type { Attrs } from './attrs.js';
import { broadcastFold, broadcastShape, type Const, permute, sizeOfDims } from './consts.js';
import type { Ctx, Val } from './context.js';

type Handler = (c: Ctx, n: NodeProto, a: Attrs) => void;

function out(c: Ctx, n: NodeProto, v: Omit<Val, 'name'>, base?: string): Val {
  return { ...v, name: c.fresh(base ?? n.output[0]) };
}

/** Records the node's first output as `v` (or as the constant `k`). */
function set(c: Ctx, n: NodeProto, v: Val): void {
  c.vals.set(n.output[0], v);
}
function setConst(c: Ctx, n: NodeProto, k: Const): void {
  c.consts.set(n.output[0], k);
}

/** An optional input: its name, or '' when absent. */
function opt(n: NodeProto, i: number): string {
  return n.input[i] ?? '';
}

/** Unary op keeping the input's layout; the output gets the node's output name. */
function unaryOp(c: Ctx, n: NodeProto, make: (input: string, output: string) => Op): void {
  const x = c.val(n.input[0]);
  const y: Val = { ...x, name: c.fresh(n.output[0]) };
  set(c, n, c.emit(make(x.name, y.name), y));
}

const unary =
  (op: 'sigmoid' | 'tanh' | 'softplus' | 'neg'): Handler =>
  (c, n) =>
    unaryOp(c, n, (input, output) => ({ op, input, output }));

/** Relu and Clip right after a conv (its only reader) become the conv's fused clip. */
function fuseClip(c: Ctx, n: NodeProto, lo: number, hi: number): boolean {
  const x = c.val(n.input[0]);
  const p = foldable(c, n, x);
  if (!p || p.op !== 'conv2d' || p.clip) return false;
  p.clip = [lo, hi];
  set(c, n, x);
  return true;
}

const relu: Handler = (c, n) => {
  if (!fuseClip(c, n, 0, Infinity)) unaryOp(c, n, (input, output) => ({ op: 'relu', input, output }));
};

/** Spatial attributes of Conv and the pools, as 2-D values ([1, k] for 1-D ops). */
interface Window {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  outSpatial: number[];
}

function windowOf(c: Ctx, a: Attrs, x: Val, kernel: number[], ceil: boolean): Window {
  const spatial = x.shape.slice(2);
  const k = kernel.length;
  if (k !== spatial.length || (k !== 1 && k !== 2))
    c.fail(`a ${k}-D kernel over input [${x.shape}]: mote handles 1-D and 2-D windows`);
  const strides = a.ints('strides', new Array<number>(k).fill(1));
  const dil = a.ints('dilations', new Array<number>(k).fill(1));
  let pads = a.ints('pads', new Array<number>(2 * k).fill(0));
  const auto = a.string('auto_pad', 'NOTSET');
  const eff = kernel.map((kk, d) => (kk - 1) * dil[d] + 1);
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    pads = new Array<number>(2 * k).fill(0);
    spatial.forEach((s, d) => {
      const o = Math.ceil(s / strides[d]);
      const total = Math.max(0, (o - 1) * strides[d] + eff[d] - s);
      const small = Math.floor(total / 2);
      pads[d] = auto === 'SAME_UPPER' ? small : total - small;
      pads[d + k] = total - pads[d];
    });
  } else if (auto === 'VALID') pads = new Array<number>(2 * k).fill(0);
  else if (auto !== 'NOTSET') c.fail(`unknown auto_pad '${auto}'`);
  if (pads.some((p) => p < 0)) c.fail(`negative pads [${pads}] are not supported`);
  const outSpatial = spatial.map((s, d) => {
    const span = s + pads[d] + pads[d + k] - eff[d];
    let o = (ceil ? Math.ceil(span / strides[d]) : Math.floor(span / strides[d])) + 1;
    // ceil_mode: ONNX drops a last window that would start in the end padding.
    if (ceil && (o - 1) * strides[d] >= s + pads[d]) o--;
    // mote computes floor sizes: widen the end pad so floor gives the ceil-mode size.
    if (ceil) pads[d + k] = Math.max(pads[d + k], (o - 1) * strides[d] + eff[d] - s - pads[d]);
    return o;
  });
  if (outSpatial.some((o) => o < 1)) c.fail(`the window does not fit input [${x.shape}]`);
  if (k === 1)
    return {
      kernel: [1, kernel[0]],
      strides: [1, strides[0]],
      pads: [0, pads[0], 0, pads[1]],
      dilations: [1, dil[0]],
      outSpatial,
    };
  return {
    kernel: [kernel[0], kernel[1]],
    strides: [strides[0], strides[1]],
    pads: [pads[0], pads[1], pads[2], pads[3]],
    dilations: [dil[0], dil[1]],
    outSpatial,
  };
}

function needSpatial(c: Ctx, x: Val): void {
  if (!x.batched || (x.shape.length !== 3 && x.shape.length !== 4))
    c.fail(`input '${x.name}' [${x.shape}] must be N×C×L or N×C×H×W`);
}

const conv: Handler = (c, n, a) => {
  const x0 = c.val(n.input[0]);
  needSpatial(c, x0);
  const w = c.constant(n.input[1], 'Conv weight');
  const groups = a.int('group', 1);
  const cin = x0.shape[1];
  const m = w.dims[0];
  if (w.dims.length !== x0.shape.length || w.dims[1] * groups !== cin || m % groups !== 0)
    c.fail(`weight [${w.dims}] with group ${groups} does not fit input [${x0.shape}]`);
  const win = windowOf(c, a, x0, w.dims.slice(2), false);
  const x = c.relayout(x0, 'nhwc');
  // ONNX [M, C/g, kH, kW] → mote [M, kH, kW, C/g] (1-D: [M, 1, k, C/g]).
  const wt = permute(w, w.dims.length === 4 ? [0, 2, 3, 1] : [0, 2, 1]);
  wt.dims = [m, win.kernel[0], win.kernel[1], w.dims[1]];
  const weight = c.tensor(`${n.name || n.output[0]}.weight`, wt);
  const y = out(c, n, { shape: [x.shape[0], m, ...win.outSpatial], batched: true, layout: 'nhwc' });
  const op: Op = {
    op: 'conv2d',
    input: x.name,
    output: y.name,
    weight,
    strides: win.strides,
    pads: win.pads,
    dilations: win.dilations,
    groups,
  };
  const b = opt(n, 2);
  if (b) {
    const bias = c.constant(b, 'Conv bias');
    if (sizeOfDims(bias.dims) !== m) c.fail(`bias has ${sizeOfDims(bias.dims)} values for ${m} channels`);
    op.bias = c.tensor(`${n.name || n.output[0]}.bias`, { dims: [m], data: bias.data });
  }
  set(c, n, c.emit(op, y));
};

const pool =
  (kind: 'maxpool' | 'avgpool'): Handler =>
  (c, n, a) => {
    if (kind === 'maxpool' && n.output.length > 1 && n.output[1])
      c.fail(`MaxPool's indices output is not supported`);
    if (a.int('storage_order', 0) !== 0) c.fail('MaxPool storage_order 1 is not supported');
    const x0 = c.val(n.input[0]);
    needSpatial(c, x0);
    const kernel = a.ints('kernel_shape', []);
    if (!kernel.length) c.fail('kernel_shape is missing');
    const win = windowOf(c, a, x0, kernel, a.int('ceil_mode', 0) === 1);
    const x = c.relayout(x0, 'nhwc');
    const y = out(c, n, {
      shape: [x.shape[0], x.shape[1], ...win.outSpatial],
      batched: true,
      layout: 'nhwc',
    });
    const op: Op = {
      op: kind,
      input: x.name,
      output: y.name,
      kernel: win.kernel,
      strides: win.strides,
      pads: win.pads,
      dilations: win.dilations,
    };
    if (kind === 'avgpool' && a.int('count_include_pad', 0) === 1) op.countIncludePad = true;
    set(c, n, c.emit(op, y));
  };

const globalAveragePool: Handler = (c, n) => {
  const x0 = c.val(n.input[0]);
  needSpatial(c, x0);
  const x = c.relayout(x0, 'nhwc');
  const y = out(c, n, {
    shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)],
    batched: true,
    layout: 'nhwc',
  });
  set(c, n, c.emit({ op: 'globalavgpool', input: x.name, output: y.name }, y));
};

/** The per-channel (axis 1) scale and shift of a batch normalization in inference mode. */
function batchNormParams(c: Ctx, n: NodeProto, a: Attrs): { scale: Float64Array; shift: Float64Array } {
  const [g, b, mean, v] = [1, 2, 3, 4].map(
    (i) => c.constant(n.input[i], 'BatchNormalization parameter').data,
  );
  const eps = a.float('epsilon', 1e-5);
  const ch = g.length;
  if (b.length !== ch || mean.length !== ch || v.length !== ch)
    c.fail('scale, bias, mean and var differ in size');
  // Statistics that are not finite would fold into weights that are not: name the input.
  ['scale', 'bias', 'mean', 'var'].forEach((role, k) => {
    const data = [g, b, mean, v][k];
    const i = data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) c.fail(`${role} '${n.input[k + 1]}' holds ${data[i]} at channel ${i}: it must be finite`);
  });
  const scale = new Float64Array(ch);
  const shift = new Float64Array(ch);
  for (let i = 0; i < ch; i++) {
    if (!(v[i] + eps > 0))
      c.fail(`var '${n.input[4]}' + epsilon is ${v[i] + eps} at channel ${i}: it must be positive`);
    scale[i] = g[i] / Math.sqrt(v[i] + eps);
    shift[i] = b[i] - mean[i] * scale[i];
  }
  return { scale, shift };
}

/** Scales each output channel (row) of a dense or conv op and adds `shift` to its bias. */
function foldIntoProducer(c: Ctx, op: Op, scale: Float64Array | null, shift: Float64Array): boolean {
  if (op.op !== 'dense' && op.op !== 'conv2d') return false;
  const w = c.graph.tensors.find((t) => t.name === op.weight)!;
  const rows = w.shape[0];
  if (rows !== shift.length || w.encoding.kind !== 'float32') return false;
  const data = w.encoding.data;
  const per = data.length / rows;
  if (scale) for (let i = 0; i < data.length; i++) data[i] *= scale[Math.floor(i / per)];
  const old = op.bias ? c.graph.tensors.find((t) => t.name === op.bias)! : null;
  const bias = new Float64Array(rows);
  for (let o = 0; o < rows; o++) {
    const b0 = old && old.encoding.kind === 'float32' ? old.encoding.data[o] : 0;
    bias[o] = (scale ? b0 * scale[o] : b0) + shift[o];
  }
  if (old) old.encoding = { kind: 'float32', data: Float32Array.from(bias) };
  else op.bias = c.tensor(`${op.weight}.bias`, { dims: [rows], data: bias });
  return true;
}

/** True when `x` is computed by a dense/conv op and read by this node only (so it may change). */
function foldable(c: Ctx, n: NodeProto, x: Val): Op | null {
  const op = c.producer.get(x.name);
  if (!op || c.readers.get(n.input[0]) !== 1) return null;
  return op.op === 'dense' || op.op === 'conv2d' ? op : null;
}

const batchNormalization: Handler = (c, n, a) => {
  if (n.output.slice(1).some((o) => o)) c.fail('training-mode outputs (running mean/var) are not supported');
  const x = c.val(n.input[0]);
  const { scale, shift } = batchNormParams(c, n, a);
  const p = foldable(c, n, x);
  if (p && foldIntoProducer(c, p, scale, shift)) {
    set(c, n, x);
    return;
  }
  // Standalone: x · scale + shift, per channel (ONNX axis 1).
  const chDims = (k: Float64Array): Const => ({
    dims: [1, k.length, ...x.shape.slice(2).map(() => 1)],
    data: k,
  });
  const mid: Val = { ...x, name: c.fresh(`${n.output[0]}:scaled`) };
  c.emit(
    {
      op: 'mul',
      input: x.name,
      output: mid.name,
      constant: c.tensor(`${n.output[0]}.scale`, c.operandFor(chDims(scale), x)),
    },
    mid,
  );
  const y: Val = { ...x, name: c.fresh(n.output[0]) };
  set(
    c,
    n,
    c.emit(
      {
        op: 'add',
        input: mid.name,
        output: y.name,
        constant: c.tensor(`${n.output[0]}.shift`, c.operandFor(chDims(shift), x)),
      },
      y,
    ),
  );
};

/** ONNX opset < 7 broadcasts with `broadcast`/`axis`: align b's dims at `axis` of a. */
function legacyAlign(c: Ctx, a: Attrs, rankA: number, dims: number[]): number[] {
  if (c.opset >= 7 || !a.int('broadcast', 0)) return dims;
  const axis = a.has('axis') ? a.int('axis', 0) : rankA - dims.length;
  return [...dims, ...new Array<number>(Math.max(0, rankA - axis - dims.length)).fill(1)];
}

const binary =
  (kind: 'add' | 'mul' | 'sub' | 'div'): Handler =>
  (c, n, a) => {
    const [an, bn] = n.input;
    const fold = {
      add: (x: number, y: number) => x + y,
      mul: (x: number, y: number) => x * y,
      sub: (x: number, y: number) => x - y,
      div: (x: number, y: number) => x / y,
    }[kind];
    if (c.isConst(an) && c.isConst(bn)) {
      const A = c.consts.get(an)!;
      const B = c.consts.get(bn)!;
      if (!broadcastShape(A.dims, legacyAlign(c, a, A.dims.length, B.dims)))
        c.fail(`constants [${A.dims}] and [${B.dims}] do not broadcast`);
      setConst(
        c,
        n,
        broadcastFold(A, { dims: legacyAlign(c, a, A.dims.length, B.dims), data: B.data }, fold),
      );
      return;
    }
    let xn = an;
    let kn = bn;
    if (c.isConst(an)) {
      if (kind === 'sub' || kind === 'div')
        c.fail(`${n.opType} with a constant first operand is not supported`);
      xn = bn;
      kn = an;
    }
    const x0 = c.val(xn);
    if (c.isConst(kn)) {
      let k = c.consts.get(kn)!;
      k = { dims: legacyAlign(c, a, x0.shape.length, k.dims), data: k.data };
      if (kind === 'sub') k = { dims: k.dims, data: k.data.map((v) => -v) };
      if (kind === 'div') k = { dims: k.dims, data: k.data.map((v) => 1 / v) };
      const shape = broadcastShape(x0.shape, k.dims);
      if (!shape || shape.length !== x0.shape.length || shape.some((d, i) => d !== x0.shape[i]))
        c.fail(`constant [${k.dims}] does not broadcast into [${x0.shape}]`);
      const operand = c.operandFor(k, x0);
      const op = kind === 'sub' ? 'add' : kind === 'div' ? 'mul' : kind;
      // A bias after MatMul or a bias-less Conv folds into that op.
      if (op === 'add') {
        const p = foldable(c, n, x0) && c.readers.get(xn) === 1 ? c.producer.get(x0.name)! : null;
        const last = operand.dims[operand.dims.length - 1];
        if (
          p &&
          sizeOfDims(operand.dims) === last &&
          foldIntoProducer(c, p, null, expandTo(operand.data, last))
        ) {
          set(c, n, x0);
          return;
        }
      }
      const y: Val = { ...x0, name: c.fresh(n.output[0]) };
      set(
        c,
        n,
        c.emit(
          {
            op,
            input: x0.name,
            output: y.name,
            constant: c.tensor(`${n.output[0]}.${op === 'add' ? 'addend' : 'factor'}`, operand),
          },
          y,
        ),
      );
      return;
    }
    if (kind === 'sub' || kind === 'div') c.fail(`${n.opType} of two computed values is not supported`);
    let x = x0;
    let z = c.val(kn);
    const bdims = legacyAlign(c, a, x.shape.length, z.shape);
    if (bdims.length !== z.shape.length) {
      z = c.reshape(z, { ...z, layout: 'plain', name: c.fresh(`${z.name}:aligned`), shape: bdims });
    }
    const shape = broadcastShape(x.shape, z.shape);
    if (!shape) c.fail(`[${x.shape}] and [${z.shape}] do not broadcast`);
    if (x.batched !== z.batched || x.layout !== z.layout || x.shape.length !== z.shape.length) {
      x = c.relayout(x, 'plain');
      z = c.relayout(z, 'plain');
      // An unbatched operand as long as the batched one: its leading 1 lines up with the batch.
      const fix = (u: Val, other: Val): Val => {
        if (u.batched || !other.batched || u.shape.length < other.shape.length) return u;
        const extra = u.shape.length - other.shape.length + 1;
        if (u.shape.slice(0, extra).some((d) => d !== 1))
          c.fail(`'${u.name}' [${u.shape}] varies along the batch axis`);
        return c.reshape(u, { ...u, name: c.fresh(`${u.name}:unbatched`), shape: u.shape.slice(extra) });
      };
      x = fix(x, z);
      z = fix(z, x);
    }
    const y: Val = {
      name: c.fresh(n.output[0]),
      shape: shape!,
      batched: x.batched || z.batched,
      layout: x.layout,
    };
    set(c, n, c.emit({ op: kind as 'add' | 'mul', input: x.name, other: z.name, output: y.name }, y));
  };

function expandTo(data: Float64Array, n: number): Float64Array {
  return data.length === n ? data : new Float64Array(n).fill(data[0]);
}

const prelu: Handler = (c, n) => {
  const x = c.val(n.input[0]);
  let s = c.constant(n.input[1], 'PRelu slope');
  // Before opset 7, a 1-D slope of C values is per channel (axis 1), not numpy-aligned.
  if (c.opset < 7 && s.dims.length === 1 && s.dims[0] !== 1 && x.shape.length > 2 && s.dims[0] === x.shape[1])
    s = { dims: [s.dims[0], ...x.shape.slice(2).map(() => 1)], data: s.data };
  const shape = broadcastShape(x.shape, s.dims);
  if (!shape || shape.some((d, i) => d !== x.shape[i]))
    c.fail(`slope [${s.dims}] does not broadcast into [${x.shape}]`);
  const y: Val = { ...x, name: c.fresh(n.output[0]) };
  set(
    c,
    n,
    c.emit(
      {
        op: 'prelu',
        input: x.name,
        output: y.name,
        slope: c.tensor(`${n.output[0]}.slope`, c.operandFor(s, x)),
      },
      y,
    ),
  );
};

const clip: Handler = (c, n, a) => {
  let lo = a.float('min', -Infinity);
  let hi = a.float('max', Infinity);
  if (opt(n, 1)) lo = c.constant(n.input[1], 'Clip min').data[0];
  if (opt(n, 2)) hi = c.constant(n.input[2], 'Clip max').data[0];
  if (!fuseClip(c, n, lo, hi))
    unaryOp(c, n, (input, output) => ({ op: 'clip', input, output, min: lo, max: hi }));
};

const softmax =
  (kind: 'softmax' | 'logsoftmax'): Handler =>
  (c, n, a) => {
    const x0 = c.val(n.input[0]);
    const r = x0.shape.length;
    let axis = a.int('axis', c.opset < 13 ? 1 : -1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) c.fail(`axis ${axis} outside rank ${r}`);
    // Channels-last already has the channel axis last: normalize there, no transposes.
    if (x0.layout === 'nhwc' && axis === 1 && (c.opset >= 13 || sizeOfDims(x0.shape.slice(2)) === 1)) {
      const y: Val = { ...x0, name: c.fresh(n.output[0]) };
      set(c, n, c.emit({ op: kind, input: x0.name, output: y.name }, y));
      return;
    }
    const x = c.relayout(x0, 'plain');
    // Opset < 13 normalizes over all axes from `axis` on (as if flattened); opset 13 over
    // `axis` alone, which is the same when every later axis has size 1.
    if (c.opset >= 13 && sizeOfDims(x.shape.slice(axis + 1)) !== 1)
      c.fail(`${n.opType} over axis ${axis}, not the last, is not supported`);
    if (x.batched && axis === 0 && x.shape[0] !== 1)
      c.fail(`${n.opType} across the batch axis is not supported`);
    const from = Math.max(axis, x.batched ? 1 : 0);
    const lead = x.shape.slice(x.batched ? 1 : 0, from);
    const block = sizeOfDims(x.shape.slice(from));
    const flatShape = [...(x.batched ? [x.shape[0]] : []), ...lead, block];
    const same = flatShape.length === x.shape.length && flatShape.every((d, i) => d === x.shape[i]);
    const src = same ? x : c.reshape(x, { ...x, name: c.fresh(`${x.name}:rows`), shape: flatShape });
    const mid: Val = { ...src, name: c.fresh(same ? n.output[0] : `${n.output[0]}:rows`) };
    c.emit({ op: kind, input: src.name, output: mid.name }, mid);
    set(c, n, same ? mid : c.reshape(mid, { ...x, name: c.fresh(n.output[0]) }));
  };

/** A dense op: y = x · Wᵀ + b with W [M, K] (alpha and beta already applied). */
function dense(c: Ctx, n: NodeProto, x0: Val, w: Const, bias: Float64Array | null): void {
  const x = c.relayout(x0, 'plain');
  const [m, k] = w.dims;
  if (!x.batched || x.shape.length !== 2 || x.shape[1] !== k)
    c.fail(`input [${x.shape}] must be N×${k} (a batch of ${k}-vectors) for weights [${m}, ${k}]`);
  const y = out(c, n, { shape: [x.shape[0], m], batched: true, layout: 'plain' });
  const base = n.name || n.output[0];
  const op: Op = { op: 'dense', input: x.name, output: y.name, weight: c.tensor(`${base}.weight`, w) };
  if (bias) op.bias = c.tensor(`${base}.bias`, { dims: [m], data: bias });
  set(c, n, c.emit(op, y));
}

/**
 * A·B (+ C) where B is computed: a matmul op on whole matrices (A of a batch is one
 * row per sample). `transB` transposes B first; alpha and a computed C are applied by
 * mul and add ops.
 */
function matmulOf(c: Ctx, n: NodeProto, transB: boolean, alpha: number, cName: string, beta: number): void {
  let x = c.relayout(c.val(n.input[0]), 'plain');
  let b = c.relayout(c.val(n.input[1]), 'plain');
  if (b.batched || b.shape.length !== 2)
    c.fail(`B '${n.input[1]}' [${b.shape}] must be one matrix (not batched)`);
  if (transB) {
    const t: Val = { ...b, name: c.fresh(`${b.name}:T`), shape: [b.shape[1], b.shape[0]] };
    b = c.emit({ op: 'transpose', input: b.name, output: t.name, perm: [1, 0] }, t);
  }
  if (x.shape.length !== 2 || x.shape[1] !== b.shape[0]) c.fail(`A [${x.shape}] does not fit B [${b.shape}]`);
  const batched = x.batched;
  const outShape = [x.shape[0], b.shape[1]];
  // One sample of a batched A is a row: a [1, k] matrix for the product.
  if (batched) x = c.reshape(x, { ...x, name: c.fresh(`${x.name}:row`), shape: [x.shape[0], 1, x.shape[1]] });
  const next = (suffix: string, shape: number[]): Val => ({
    name: c.fresh(`${n.output[0]}${suffix}`),
    shape,
    batched,
    layout: 'plain',
  });
  let y = next(':matmul', batched ? [x.shape[0], 1, b.shape[1]] : outShape);
  c.emit({ op: 'matmul', input: x.name, other: b.name, output: y.name }, y);
  if (batched) y = c.reshape(y, next(':rows', outShape));
  if (alpha !== 1) {
    const k = c.tensor(`${n.output[0]}.alpha`, { dims: [1], data: Float64Array.of(alpha) });
    const z = next(':alpha', outShape);
    y = c.emit({ op: 'mul', input: y.name, output: z.name, constant: k }, z);
  }
  if (cName && beta !== 0) {
    if (beta !== 1) c.fail('Gemm with a computed B and beta ≠ 1 is not supported');
    const z = next(':c', outShape);
    if (c.isConst(cName)) {
      const k = c.tensor(`${n.output[0]}.c`, c.operandFor(c.consts.get(cName)!, y));
      y = c.emit({ op: 'add', input: y.name, output: z.name, constant: k }, z);
    } else {
      const v = c.relayout(c.val(cName), 'plain');
      if (v.batched !== batched) c.fail(`C '${cName}' and A·B differ in batch`);
      y = c.emit({ op: 'add', input: y.name, other: v.name, output: z.name }, z);
    }
  }
  set(c, n, y);
}

const gemm: Handler = (c, n, a) => {
  if (a.int('transA', 0)) c.fail('transA = 1 is not supported');
  const x = c.val(n.input[0]);
  const alpha = a.float('alpha', 1);
  const beta = a.float('beta', 1);
  if (!c.isConst(n.input[1])) return matmulOf(c, n, a.int('transB', 0) === 1, alpha, opt(n, 2), beta);
  let w = c.constant(n.input[1], 'Gemm B');
  if (w.dims.length !== 2) c.fail(`B must be a matrix, not [${w.dims}]`);
  if (!a.int('transB', 0)) w = permute(w, [1, 0]);
  w = { dims: w.dims, data: w.data.map((v) => v * alpha) };
  let bias: Float64Array | null = null;
  if (opt(n, 2) && beta !== 0) {
    const b = c.constant(n.input[2], 'Gemm C');
    const m = w.dims[0];
    if (sizeOfDims(b.dims) !== m && sizeOfDims(b.dims) !== 1)
      c.fail(`C [${b.dims}] must broadcast as a bias of ${m}`);
    bias = expandTo(b.data, m).map((v) => v * beta);
  }
  dense(c, n, x, w, bias);
};

const matMul: Handler = (c, n) => {
  if (!c.isConst(n.input[1])) return matmulOf(c, n, false, 1, '', 0);
  const w = c.constant(n.input[1], 'MatMul B');
  if (w.dims.length !== 2) c.fail(`B must be a matrix, not [${w.dims}]`);
  dense(c, n, c.val(n.input[0]), permute(w, [1, 0]), null);
};

/** Reshape of a value to an ONNX shape whose first axis is the batch (or that drops a batch of 1). */
function reshapeTo(c: Ctx, n: NodeProto, x0: Val, shape: number[]): void {
  // Channels-last stays channels-last when only spatial axes of size 1 come or go
  // (NCW ↔ NCHW with H = 1): the data order is the same, so no transposes.
  if (
    x0.layout === 'nhwc' &&
    (shape.length === 3 || shape.length === 4) &&
    shape[0] === x0.shape[0] &&
    shape[1] === x0.shape[1]
  ) {
    const a = x0.shape.slice(2).filter((d) => d !== 1);
    const b = shape.slice(2).filter((d) => d !== 1);
    if (a.length === b.length && a.every((d, i) => d === b[i])) {
      set(c, n, c.reshape(x0, { name: c.fresh(n.output[0]), shape, batched: true, layout: 'nhwc' }));
      return;
    }
  }
  const x = c.relayout(x0, 'plain');
  let batched = x.batched;
  if (batched && shape[0] !== x.shape[0]) {
    if (x.shape[0] !== 1) c.fail(`reshape to [${shape}] changes the batch axis of [${x.shape}]`);
    batched = false;
  }
  const y: Val = { name: c.fresh(n.output[0]), shape, batched, layout: 'plain' };
  set(c, n, c.reshape(x, y));
}

function resolveShape(c: Ctx, from: number[], target: number[], allowZero: boolean): number[] {
  const total = sizeOfDims(from);
  const s = target.map((d, i) => (d === 0 && !allowZero ? from[i] : d));
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOfDims(s.filter((d) => d !== -1));
    s[unknown] = known ? total / known : 0;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 1) || sizeOfDims(s) !== total)
    c.fail(`cannot reshape [${from}] to [${target}]`);
  return s;
}

const reshape: Handler = (c, n, a) => {
  const target = opt(n, 1) ? Array.from(c.constant(n.input[1], 'Reshape shape').data) : a.ints('shape', []);
  if (c.isConst(n.input[0])) {
    const k = c.consts.get(n.input[0])!;
    setConst(c, n, { dims: resolveShape(c, k.dims, target, false), data: k.data });
    return;
  }
  const x = c.val(n.input[0]);
  reshapeTo(c, n, x, resolveShape(c, x.shape, target, a.int('allowzero', 0) === 1));
};

const flatten: Handler = (c, n, a) => {
  const src = c.isConst(n.input[0]) ? c.consts.get(n.input[0])!.dims : c.val(n.input[0]).shape;
  let axis = a.int('axis', 1);
  if (axis < 0) axis += src.length;
  const shape = [sizeOfDims(src.slice(0, axis)), sizeOfDims(src.slice(axis))];
  if (c.isConst(n.input[0])) {
    setConst(c, n, { dims: shape, data: c.consts.get(n.input[0])!.data });
    return;
  }
  reshapeTo(c, n, c.val(n.input[0]), shape);
};

const transpose: Handler = (c, n, a) => {
  const rank = c.isConst(n.input[0]) ? c.consts.get(n.input[0])!.dims.length : c.val(n.input[0]).shape.length;
  const perm = a.ints('perm', [...Array(rank).keys()].reverse());
  if (c.isConst(n.input[0])) {
    setConst(c, n, permute(c.consts.get(n.input[0])!, perm));
    return;
  }
  const x0 = c.val(n.input[0]);
  // From channels-last, one transpose goes straight to the asked order (often none:
  // a model's own NCHW → NHWC transpose is then just a reshape).
  if (x0.layout === 'nhwc' && x0.shape.length === 4 && perm[0] === 0) {
    const y: Val = {
      name: c.fresh(n.output[0]),
      shape: perm.map((p) => x0.shape[p]),
      batched: true,
      layout: 'plain',
    };
    const p = perm.slice(1).map((d) => [0, 2, 0, 1][d]);
    if (p.every((d, i) => d === i)) set(c, n, c.reshape(x0, y));
    else set(c, n, c.emit({ op: 'transpose', input: x0.name, output: y.name, perm: p }, y));
    return;
  }
  const x = c.relayout(x0, 'plain');
  const shape = perm.map((p) => x.shape[p]);
  let p = perm;
  if (x.batched) {
    if (perm[0] !== 0) c.fail(`perm [${perm}] moves the batch axis`);
    p = perm.slice(1).map((d) => d - 1);
  }
  const y: Val = { name: c.fresh(n.output[0]), shape, batched: x.batched, layout: 'plain' };
  // If only axes of size 1 move, no data moves: a reshape does it.
  const moving = p.filter((d) => c.moteShape(x)[d] !== 1);
  if (moving.every((d, i) => i === 0 || d > moving[i - 1])) set(c, n, c.reshape(x, y));
  else set(c, n, c.emit({ op: 'transpose', input: x.name, output: y.name, perm: p }, y));
};

const concat: Handler = (c, n, a) => {
  if (n.input.every((i) => c.isConst(i))) {
    const ks = n.input.map((i) => c.consts.get(i)!);
    if (ks.every((k) => k.dims.length === 1)) {
      const data = Float64Array.from(ks.flatMap((k) => Array.from(k.data)));
      setConst(c, n, { dims: [data.length], data });
      return;
    }
    c.fail('Concat of constant tensors of rank > 1 is not supported');
  }
  let xs = n.input.map((i) => c.val(i));
  const r = xs[0].shape.length;
  let axis = a.int('axis', 1);
  if (axis < 0) axis += r;
  if (xs.some((x) => x.shape.length !== r || x.batched !== xs[0].batched))
    c.fail('inputs differ in rank or batch');
  if (xs[0].batched && axis === 0) c.fail('Concat along the batch axis is not supported');
  const nhwc = xs.every((x) => x.layout === 'nhwc');
  if (!nhwc) xs = xs.map((x) => c.relayout(x, 'plain'));
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const mAxis = nhwc ? (r === 4 ? [-1, 2, 0, 1][axis] : [-1, 2, 1][axis]) : axis - (xs[0].batched ? 1 : 0);
  const y: Val = {
    name: c.fresh(n.output[0]),
    shape,
    batched: xs[0].batched,
    layout: nhwc ? 'nhwc' : 'plain',
  };
  set(
    c,
    n,
    c.emit(
      {
        op: 'concat',
        input: xs[0].name,
        others: xs.slice(1).map((x) => x.name),
        output: y.name,
        axis: mAxis,
      },
      y,
    ),
  );
};

const pad: Handler = (c, n, a) => {
  const mode = a.string('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge')
    c.fail(`unsupported Pad mode '${mode}' (constant, reflect and edge are)`);
  if (opt(n, 3)) c.fail('Pad axes input is not supported');
  const x = c.val(n.input[0]);
  const r = x.shape.length;
  const pads = opt(n, 1)
    ? Array.from(c.constant(n.input[1], 'Pad pads').data)
    : a.ints('pads', a.ints('paddings', []));
  const value = opt(n, 2) ? c.constant(n.input[2], 'Pad value').data[0] : a.float('value', 0);
  if (pads.length !== 2 * r) c.fail(`${pads.length} pads for rank ${r}`);
  if (pads.some((p) => p < 0)) c.fail('negative pads (cropping) are not supported');
  if (x.batched && (pads[0] || pads[r])) c.fail('padding the batch axis is not supported');
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
  const y: Val = { ...x, name: c.fresh(n.output[0]), shape };
  let begins = pads.slice(0, r);
  if (x.batched) begins = begins.slice(1);
  if (x.layout === 'nhwc')
    begins = begins.length === 3 ? [begins[1], begins[2], begins[0]] : [0, begins[1], begins[0]];
  const op: Op = { op: 'pad', input: x.name, output: y.name, begins, value };
  if (mode !== 'constant') {
    if (pads.some((p, i) => mode === 'reflect' && p >= x.shape[i % r]))
      c.fail(`reflect pads [${pads}] must be smaller than the input [${x.shape}]`);
    op.mode = mode as 'reflect' | 'edge';
  }
  set(c, n, c.emit(op, y));
};

const reduceMean: Handler = (c, n, a) => {
  const x = c.relayout(c.val(n.input[0]), 'plain');
  const r = x.shape.length;
  let axes = opt(n, 1) ? Array.from(c.constant(n.input[1], 'ReduceMean axes').data) : a.ints('axes', []);
  if (!axes.length) axes = [...Array(r).keys()];
  axes = axes.map((d) => (d < 0 ? d + r : d));
  const keep = a.int('keepdims', 1) === 1;
  if (x.batched && axes.includes(0)) c.fail('ReduceMean over the batch axis is not supported');
  const shape = keep
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const y: Val = { name: c.fresh(n.output[0]), shape, batched: x.batched, layout: 'plain' };
  const mAxes = axes.map((d) => d - (x.batched ? 1 : 0));
  set(c, n, c.emit({ op: 'reducemean', input: x.name, output: y.name, axes: mAxes }, y));
};

const identity: Handler = (c, n) => {
  if (n.output.length > 1 && n.output[1]) c.fail('the Dropout mask output is not supported');
  if (c.isConst(n.input[0])) setConst(c, n, c.consts.get(n.input[0])!);
  else set(c, n, c.val(n.input[0]));
};

const constant: Handler = (c, n, a) => {
  const t = a.raw('value');
  if (t?.t) setConst(c, n, tensorValues(t.t, `${c.file}: Constant '${n.output[0]}'`));
  else if (a.has('value_float'))
    setConst(c, n, { dims: [], data: Float64Array.of(a.float('value_float', 0)) });
  else if (a.has('value_floats')) {
    const f = a.raw('value_floats')!.floats;
    setConst(c, n, { dims: [f.length], data: Float64Array.from(f) });
  } else if (a.has('value_int')) setConst(c, n, { dims: [], data: Float64Array.of(a.int('value_int', 0)) });
  else if (a.has('value_ints')) {
    const v = a.ints('value_ints', []);
    setConst(c, n, { dims: [v.length], data: Float64Array.from(v) });
  } else c.fail('a Constant without a tensor, float or int value is not supported');
};

/** Shape arithmetic that PyTorch exports around view(): folded, as every shape is static. */
const shapeOf: Handler = (c, n) => {
  const s = c.isConst(n.input[0]) ? c.consts.get(n.input[0])!.dims : c.val(n.input[0]).shape;
  setConst(c, n, { dims: [s.length], data: Float64Array.from(s) });
};

const gather: Handler = (c, n, a) => {
  const d = c.constant(n.input[0], 'Gather data');
  const idx = c.constant(n.input[1], 'Gather indices');
  if (a.int('axis', 0) !== 0 || d.dims.length !== 1)
    c.fail('Gather is folded only on 1-D constants along axis 0');
  const data = idx.data.map((i) => d.data[i < 0 ? i + d.data.length : i]);
  setConst(c, n, { dims: idx.dims, data });
};

const unsqueeze =
  (squeeze: boolean): Handler =>
  (c, n, a) => {
    const axesIn = opt(n, 1) ? Array.from(c.constant(n.input[1], 'axes').data) : a.ints('axes', []);
    const src = c.isConst(n.input[0]) ? c.consts.get(n.input[0])!.dims : c.val(n.input[0]).shape;
    let dims: number[];
    if (squeeze) {
      const axes = axesIn.map((d) => (d < 0 ? d + src.length : d));
      dims = src.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
    } else {
      const r = src.length + axesIn.length;
      const axes = axesIn.map((d) => (d < 0 ? d + r : d));
      dims = [];
      let k = 0;
      for (let i = 0; i < r; i++) dims.push(axes.includes(i) ? 1 : src[k++]);
    }
    if (c.isConst(n.input[0])) setConst(c, n, { dims, data: c.consts.get(n.input[0])!.data });
    else reshapeTo(c, n, c.val(n.input[0]), dims);
  };

const cast: Handler = (c, n, a) => {
  if (!c.isConst(n.input[0]) && a.int('to', 1) !== 1)
    c.fail('Cast of a computed value to a non-float type is not supported');
  identity(c, n, a);
};

/** (De)quantization of constants (weights stored as int8/uint8 with a scale) is folded to float. */
/** The integer range of a quantized type: uint8 unless the zero point says int8. */
function quantRange(zero: Const | null): [number, number] {
  return zero && zero.type === 3 ? [-128, 127] : [0, 255];
}

/** Rounds half to even, as ONNX's QuantizeLinear does. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * QuantizeLinear / DequantizeLinear. On constants (weights stored as int8 with a scale)
 * they fold to float. On a computed value, a Q → DQ pair becomes a clip to the range the
 * integer type can hold: saturation is kept, rounding is not (outputs may differ from a
 * rounding executor by up to half a quantization step per pair).
 */
const quantize =
  (dequant: boolean): Handler =>
  (c, n, a) => {
    const s = c.constant(n.input[1], 'scale');
    const z = opt(n, 2) ? c.constant(n.input[2], 'zero point') : null;
    const [qmin, qmax] = quantRange(z);
    if (!c.isConst(n.input[0])) {
      if (s.data.length !== 1 || (z && z.data.length !== 1))
        c.fail(`per-axis ${n.opType} on a computed value is not supported`);
      const scale = s.data[0];
      const zero = z ? z.data[0] : 0;
      if (!dequant) {
        c.quantized.set(n.output[0], {
          x: c.val(n.input[0]),
          lo: (qmin - zero) * scale,
          hi: (qmax - zero) * scale,
          scale,
          zero,
        });
        return;
      }
      const q = c.quantized.get(n.input[0]);
      if (!q) return c.fail(`DequantizeLinear of '${n.input[0]}', which no QuantizeLinear produced`);
      if (q.scale !== scale || q.zero !== zero)
        c.fail(
          'DequantizeLinear with a different scale or zero point than its QuantizeLinear is not supported',
        );
      const y: Val = { ...q.x, name: c.fresh(n.output[0]) };
      set(c, n, c.emit({ op: 'clip', input: q.x.name, output: y.name, min: q.lo, max: q.hi }, y));
      return;
    }
    const x = c.consts.get(n.input[0])!;
    let axis = a.int('axis', 1);
    if (axis < 0) axis += x.dims.length;
    const along = (k: Const): Const =>
      k.dims.length === 0 || sizeOfDims(k.dims) === 1
        ? { dims: [], data: k.data }
        : { dims: x.dims.map((d, i) => (i === axis ? d : 1)), data: k.data };
    const S = along(s);
    const Z = along(z ?? { dims: [], data: Float64Array.of(0) });
    if (!broadcastShape(x.dims, S.dims) || !broadcastShape(x.dims, Z.dims))
      c.fail(`scale [${s.dims}] or zero point does not fit [${x.dims}] along axis ${axis}`);
    if (dequant)
      setConst(
        c,
        n,
        broadcastFold(
          broadcastFold(x, Z, (v, zp) => v - zp),
          S,
          (v, sc) => v * sc,
        ),
      );
    else {
      const q = broadcastFold(
        broadcastFold(x, S, (v, sc) => roundEven(v / sc)),
        Z,
        (v, zp) => v + zp,
      );
      setConst(c, n, {
        dims: q.dims,
        data: q.data.map((v) => Math.max(qmin, Math.min(qmax, v))),
        type: z?.type ?? 2,
      });
    }
  };

export const HANDLERS: Record<string, Handler> = {
  Conv: conv,
  MaxPool: pool('maxpool'),
  AveragePool: pool('avgpool'),
  GlobalAveragePool: globalAveragePool,
  BatchNormalization: batchNormalization,
  Gemm: gemm,
  MatMul: matMul,
  Relu: relu,
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Softplus: unary('softplus'),
  Neg: unary('neg'),
  LeakyRelu: (c, n, a) =>
    unaryOp(c, n, (input, output) => ({ op: 'leakyrelu', input, output, alpha: a.float('alpha', 0.01) })),
  Elu: (c, n, a) =>
    unaryOp(c, n, (input, output) => ({ op: 'elu', input, output, alpha: a.float('alpha', 1) })),
  Selu: (c, n, a) =>
    unaryOp(c, n, (input, output) => ({
      op: 'selu',
      input,
      output,
      alpha: a.float('alpha', 1.67326319217681884765625),
      gamma: a.float('gamma', 1.05070102214813232421875),
    })),
  PRelu: prelu,
  Clip: clip,
  Softmax: softmax('softmax'),
  LogSoftmax: softmax('logsoftmax'),
  Add: binary('add'),
  Mul: binary('mul'),
  Sub: binary('sub'),
  Div: binary('div'),
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Pad: pad,
  ReduceMean: reduceMean,
  Identity: identity,
  Dropout: identity,
  Constant: constant,
  Shape: shapeOf,
  Gather: gather,
  Unsqueeze: unsqueeze(false),
  Squeeze: unsqueeze(true),
  Cast: cast,
  QuantizeLinear: quantize(false),
  DequantizeLinear: quantize(true),
};
