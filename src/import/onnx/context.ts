// The importer's state: ONNX values as mote values (with their ONNX shape, batch and
// layout), constants, and the IR graph being built. Conv and pool values live
// channels-last ('nhwc': ONNX [N,C,H,W] is mote [H,W,C], [N,C,L] is [1,L,C]); every
// other value is 'plain' (ONNX's own order without the batch axis). Transposes are
// inserted only where a value crosses between the two, so graph inputs and outputs keep
// the layout of the original model.
import type { Graph, Op } from '../../ir/types.js';
import { OnnxError, type NodeProto } from './decode.js';
import { type Const, permute, sizeOfDims } from './consts.js';

export type Layout = 'plain' | 'nhwc';

export interface Val {
  /** The mote value's name. */
  name: string;
  /** The ONNX shape, batch axis included when `batched`. */
  shape: number[];
  /** Axis 0 is the batch: mote runs one sample at a time and drops it. */
  batched: boolean;
  layout: Layout;
}

export { OnnxError };

export class Ctx {
  graph: Graph = { inputs: [], outputs: [], values: [], tensors: [], ops: [], metadata: {} };
  vals = new Map<string, Val>();
  consts = new Map<string, Const>();
  /** How many nodes (and graph outputs) read each ONNX name. */
  readers = new Map<string, number>();
  /** The op that computed each mote value (for folding batch norms and biases into it). */
  producer = new Map<string, Op>();
  /** QuantizeLinear outputs of computed values, waiting for their DequantizeLinear. */
  quantized = new Map<string, { x: Val; lo: number; hi: number; scale: number; zero: number }>();
  private converted = new Map<string, Val>();
  private names = new Set<string>();
  node: NodeProto | null = null;
  nodeIndex = -1;

  constructor(
    public file: string,
    public opset: number,
  ) {}

  /** Fails naming the file and the node being imported. */
  fail(problem: string): never {
    const n = this.node;
    const at = n ? ` node ${this.nodeIndex} (${n.opType}${n.name ? ` '${n.name}'` : ''}):` : '';
    throw new OnnxError(`mote: ${this.file}:${at} ${problem}`);
  }

  /** A fresh name, unique among values and tensors. */
  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}~${k}`;
    this.names.add(name);
    return name;
  }

  isConst(name: string): boolean {
    return this.consts.has(name);
  }

  constant(name: string, what: string): Const {
    const c = this.consts.get(name);
    if (!c) this.fail(`${what} '${name}' must be a constant (an initializer or Constant node)`);
    return c;
  }

  val(name: string): Val {
    const v = this.vals.get(name);
    if (!v) {
      if (this.consts.has(name)) this.fail(`input '${name}' is a constant where mote needs a computed value`);
      if (this.quantized.has(name))
        this.fail(`input '${name}' is a quantized value: mote reads one only through its DequantizeLinear`);
      this.fail(`input '${name}' is not computed by any earlier node`);
    }
    return v;
  }

  /** The mote shape of a value: its ONNX shape without batch, channels-last if 'nhwc'. */
  moteShape(v: Val): number[] {
    const s = v.batched ? v.shape.slice(1) : v.shape.slice();
    if (v.layout === 'plain') return s;
    return s.length === 3 ? [s[1], s[2], s[0]] : [1, s[1], s[0]];
  }

  /** Adds a float32 tensor; returns its name. */
  tensor(base: string, c: Const): string {
    const name = this.fresh(base);
    this.graph.tensors.push({
      name,
      shape: c.dims.length ? c.dims : [1],
      encoding: { kind: 'float32', data: Float32Array.from(c.data) },
    });
    return name;
  }

  /** Appends an op computing `v` (whose name is the op's output). */
  emit(op: Op, v: Val): Val {
    this.graph.ops.push(op);
    this.graph.values.push({ name: v.name, shape: this.moteShape(v) });
    this.producer.set(v.name, op);
    return v;
  }

  reshape(x: Val, to: Val): Val {
    return this.emit({ op: 'reshape', input: x.name, output: to.name, shape: this.moteShape(to) }, to);
  }

  /** x in the other layout, through a transpose (or a reshape when no data moves); memoised. */
  relayout(x: Val, layout: Layout): Val {
    if (x.layout === layout) return x;
    const key = `${x.name}|${layout}`;
    const done = this.converted.get(key);
    if (done) return done;
    if (!x.batched || (x.shape.length !== 3 && x.shape.length !== 4))
      this.fail(`'${x.name}' [${x.shape}] cannot be channels-last (needs a batched NCW or NCHW value)`);
    const to: Val = { ...x, layout, name: this.fresh(`${x.name}:${layout === 'nhwc' ? 'nhwc' : 'nchw'}`) };
    const from = this.moteShape(x);
    const dest = this.moteShape(to);
    // Data moves only if two axes of more than one element swap order.
    const c = x.shape[1];
    const spatial = sizeOfDims(x.shape.slice(2));
    if (c === 1 || spatial === 1) this.reshape(x, to);
    else {
      let src = x;
      if (from.length === 2) {
        // plain [C, L] → [C, 1, L] first, so one rank-3 transpose serves NCW as NCHW.
        src = { ...x, name: this.fresh(`${x.name}:c1l`), shape: [x.shape[0], c, 1, x.shape[2]] };
        this.reshape(x, src);
      }
      const perm = layout === 'nhwc' ? [1, 2, 0] : [2, 0, 1];
      const mid: Val =
        dest.length === 2
          ? { ...to, name: this.fresh(`${to.name}:3d`), shape: [x.shape[0], c, 1, x.shape[2]] }
          : to;
      this.emit({ op: 'transpose', input: src.name, output: mid.name, perm }, mid);
      if (mid !== to) this.reshape(mid, to);
    }
    this.converted.set(key, to);
    return to;
  }

  /**
   * A constant as the second operand of a broadcast op whose other operand is `x`: its
   * ONNX dims aligned to x's rank, the batch axis dropped, and, for an 'nhwc' x,
   * permuted the same way as x.
   */
  operandFor(c: Const, x: Val): Const {
    const r = x.shape.length;
    if (c.dims.length > r)
      this.fail(`constant of rank ${c.dims.length} broadcasts beyond its operand [${x.shape}]`);
    let dims = [...new Array<number>(r - c.dims.length).fill(1), ...c.dims];
    if (x.batched) {
      if (dims[0] !== 1) this.fail(`a constant of shape [${c.dims}] varies along the batch axis`);
      dims = dims.slice(1);
    }
    let k: Const = { dims, data: c.data };
    if (x.layout === 'nhwc') {
      if (dims.length === 3) k = permute(k, [1, 2, 0]);
      else k = { dims: [1, dims[1], dims[0]], data: permute(k, [1, 0]).data };
    }
    return k;
  }
}
