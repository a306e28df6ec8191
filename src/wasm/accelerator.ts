// The WebAssembly accelerator: at load it lays out the model's activation buffers and
// packed weights in one wasm memory, points the runtime's buffers at views into that
// memory, and hands back one function per op that it runs (null: the runtime's JS
// kernel runs that op, directly on the same views). Weights are copied once; between
// ops activations never leave wasm memory, and the runtime reads inputs and outputs
// through the views, so a run copies nothing.
import type { Accelerator, Model } from '../runtime/model.js';
import { decodeTensor } from '../runtime/decode.js';
import { CODING_FIXED, KIND_INT8, type TensorInfo } from '../runtime/tensors.js';
import { OPS } from '../runtime/registry.js';
import { readRun, symbolReader } from '../runtime/symbols.js';
import type { ConvShape } from '../runtime/conv.js';
import {
  NO_TENSOR,
  OP_AVGPOOL,
  OP_CLIP,
  OP_CONV2D,
  OP_DENSE,
  OP_MAXPOOL,
  OP_RELU,
  OP_SOFTMAX,
} from '../runtime/ops.js';
import {
  bestFlavour,
  instantiateKernels,
  type KernelFlavour,
  type Kernels,
  type WasmMemory,
} from './instance.js';
import {
  GROUP,
  packConv,
  packConvPairs,
  packConvTapPairs,
  packConvTaps,
  packCsr,
  packDenseF32,
  packDenseI8,
  packDepthwise,
  padded,
  planeGeometry,
  requantTable,
  roundUp,
} from './pack.js';

export type { Accelerator };
export type OpRunner = () => void;

/**
 * Pruned layers at or below this density run as compressed rows (CSR): wasm has no
 * gather, so a sparse entry costs several dense SIMD weights. `npm run bench:latency`
 * measures the crossover on a 784→300 layer (its CSR table in docs/BENCHMARKS.md).
 */
export const CSR_MAX_DENSITY = 0.15;

/** Every buffer gets this much slack past its end: kernels write 16 outputs at a time. */
const SLACK = GROUP * 4;

/** Lays out blocks in wasm memory, then grows it once and copies their data in. */
class Arena {
  constructor(private top: number) {}
  private blocks: { at: number; data: ArrayBufferView | null }[] = [];
  reserve(bytes: number, data: ArrayBufferView | null = null): number {
    const at = roundUp(this.top, 64);
    this.top = at + bytes;
    this.blocks.push({ at, data });
    return at;
  }
  put(data: ArrayBufferView): number {
    return this.reserve(data.byteLength, data);
  }
  commit(memory: WasmMemory): void {
    const pages = Math.ceil(this.top / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    const mem = new Uint8Array(memory.buffer);
    for (const b of this.blocks)
      if (b.data) mem.set(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength), b.at);
  }
  get bytes(): number {
    return this.top;
  }
}

export interface WasmAcceleratorOptions {
  /** Force a build (tests); default: SIMD when the engine validates it. */
  flavour?: KernelFlavour;
  /** Density at or below which a dense layer runs as CSR (default CSR_MAX_DENSITY). */
  csrMaxDensity?: number;
  /** Full and depthwise convs' kernel: by estimated cost (default), or forced (tests, benchmarks). */
  conv?: ConvKernelChoice;
  /**
   * The load's memory limit (default the runtime's, 64 MB): decoded and packed weights
   * count against what the model's own plan left of it, and an op whose weights do not
   * fit stays on the JS kernels. Without this a streamed model (RAM: one row) would take
   * every weight into wasm memory, however large.
   */
  memoryLimit?: number;
}

/** The runtime's default memory limit (model.ts DEFAULT_LIMIT). */
const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

/** 'channels': SIMD across output channels (conv.ts); 'planar': across output columns, taps only (conv-planar.ts). */
export type ConvKernelChoice = 'auto' | 'channels' | 'planar';

export function wasmAccelerator(options: WasmAcceleratorOptions = {}): Accelerator {
  const flavour = options.flavour ?? bestFlavour();
  return {
    name: `wasm-${flavour}`,
    prepare: (m) =>
      prepareWasm(
        m,
        instantiateKernels(flavour),
        options.csrMaxDensity ?? CSR_MAX_DENSITY,
        options.conv ?? 'auto',
        (options.memoryLimit ?? DEFAULT_MEMORY_LIMIT) - m.memory.peak,
      ),
  };
}

/** The op's weight as float32: resident in the model already, or decoded now. */
function floats(m: Model, t: number): Float32Array {
  const w = m.weights[t];
  if (w) return w;
  const out = new Float32Array(m.tensors[t].size);
  decodeTensor(m.bytes, m.tensors[t], out);
  return out;
}

function nonZeros(w: ArrayLike<number>): number {
  let nz = 0;
  for (let k = 0; k < w.length; k++) if (w[k] !== 0) nz++;
  return nz;
}

function density(w: Float32Array): number {
  return w.length ? nonZeros(w) / w.length : 1;
}

/** int8 weights that the int8 kernel takes: one scale per tensor or per output row. */
function int8Rows(t: TensorInfo): boolean {
  return t.kind === KIND_INT8 && (t.axis === -1 || t.axis === 0);
}

/**
 * Bytes op o's weights take here, at most: decoded floats (unless resident already),
 * and the packed copy, whose rows pad to 16 (dense) and whose planar or int8 forms stay
 * within two more copies.
 */
function weightBytes(m: Model, o: number): number {
  const op = m.graph.ops[o];
  if (op.weight === NO_TENSOR) return 0;
  const t = m.tensors[op.weight];
  const rows = t.shape[0] || 1;
  return (m.weights[op.weight] ? 0 : t.size * 4) + roundUp(rows, GROUP) * (t.size / rows) * 4 + t.size * 8;
}

function prepareWasm(
  m: Model,
  k: Kernels,
  csrMaxDensity: number,
  conv: ConvKernelChoice,
  budget: number,
): (OpRunner | null)[] {
  const arena = new Arena(k.heapBase());
  // Buffers sharing a slot share an ArrayBuffer: one wasm block per slot keeps the plan.
  // int8 values (m.qbufs) are byte views into the same slots.
  const slotAt = new Map<ArrayBufferLike, number>();
  for (const b of [...m.buffers, ...m.qbufs]) {
    if (b && b.length && !slotAt.has(b.buffer))
      slotAt.set(b.buffer, arena.reserve(b.buffer.byteLength + SLACK));
  }
  const view = (v: number): Float32Array | Int8Array => m.qbufs[v] ?? m.buffers[v];
  const ptr = (v: number): number => slotAt.get(view(v).buffer)! + view(v).byteOffset;
  const g = m.graph;
  // Pointers are known now; the memory is grown and filled once all ops are laid out.
  const runners: (OpRunner | null)[] = [];
  for (let o = 0; o < g.ops.length; o++) {
    const op = g.ops[o];
    const cost = weightBytes(m, o);
    if (cost > budget) {
      runners.push(null);
      continue;
    }
    budget -= cost;
    if (m.qbufs[op.output]) {
      runners.push(int8Runner(m, o, arena, k, ptr(op.input), ptr(op.output), conv));
      continue;
    }
    if (!m.buffers[op.output].length || !m.buffers[op.input].length) {
      runners.push(null);
      continue;
    }
    const x = ptr(op.input);
    const out = ptr(op.output);
    const n = g.values[op.output].size;
    const shape = g.values[op.output].shape;
    if (op.code === OP_DENSE) {
      const t = m.tensors[op.weight];
      const outN = t.shape[0];
      const inN = t.shape[1];
      const groups = Math.ceil(outN / GROUP);
      const biasValues = op.bias === NO_TENSOR ? null : floats(m, op.bias);
      if (int8Rows(t)) {
        const w = arena.put(packDenseI8(t.q!, outN, inN));
        const b = arena.put(padded(biasValues, outN, groups * GROUP));
        const sc = arena.put(padded(t.scale!, outN, groups * GROUP));
        const zp = arena.put(padded(t.zero!, outN, groups * GROUP));
        runners.push(() => k.denseI8(x, w, b, sc, zp, out, inN, groups));
        continue;
      }
      const wf = floats(m, op.weight);
      if (density(wf) <= csrMaxDensity && inN <= 0x10000) {
        const csr = packCsr(wf, outN, inN);
        const rs = arena.put(csr.rowStart);
        const cols = arena.put(csr.cols);
        const vals = arena.put(csr.vals);
        const b = arena.put(padded(biasValues, outN, outN));
        runners.push(() => k.denseCsr(x, rs, cols, vals, b, out, outN));
        continue;
      }
      const w = arena.put(packDenseF32(wf, outN, inN));
      const b = arena.put(padded(biasValues, outN, groups * GROUP));
      runners.push(() => k.denseF32(x, w, b, out, inN, groups));
    } else if (op.code === OP_RELU) {
      const n4 = roundUp(n, 4);
      runners.push(() => k.relu(x, out, n4));
    } else if (op.code === OP_CLIP) {
      const lo = op.p[0];
      const hi = op.p[1];
      runners.push(() => k.clip(x, out, n, lo, hi));
    } else if (op.code === OP_SOFTMAX) {
      const last = shape.length ? shape[shape.length - 1] : 1;
      runners.push(() => k.softmax(x, out, n, last));
    } else if (op.code === OP_CONV2D) {
      runners.push(convRunner(m, o, arena, k, x, out, conv));
    } else if (op.code === OP_MAXPOOL || op.code === OP_AVGPOOL) {
      const inShape = g.values[op.input].shape;
      const p = op.p;
      // kernel h w, strides h w, pads t l b r, dilations h w, count_include_pad (ops.ts).
      const params = paramBlock(
        [inShape[0], inShape[1], inShape[2], shape[0], shape[1], shape[2]],
        [p[0], p[1], p[2], p[3], p[4], p[5], p[8], p[9], roundUp(shape[2], 4), p[10], 0, p[6], p[7]],
      );
      const at = arena.put(params);
      const avg = op.code === OP_AVGPOOL ? 1 : 0;
      runners.push(() => k.pool2d(x, out, at, avg));
    } else runners.push(null);
  }
  arena.commit(k.memory);
  // The runtime's buffers become views into wasm memory, at the same offsets in their slots.
  const mem = k.memory.buffer;
  const moved = m.buffers.map((b, v) =>
    b.length && !m.qbufs[v] ? new Float32Array(mem, ptr(v), b.length) : b,
  );
  m.qbufs = m.qbufs.map((b, v) => (b && b.length ? new Int8Array(mem, ptr(v), b.length) : b));
  m.buffers = moved;
  return runners.map((r, o) => (r && sums(m, o) ? overflowGuard(m, o, r) : r));
}

/** Float ops whose wasm kernel sums in float32 (dense, conv, average pool). */
function sums(m: Model, o: number): boolean {
  const op = m.graph.ops[o];
  return !m.qbufs[op.output] && (op.code === OP_DENSE || op.code === OP_CONV2D || op.code === OP_AVGPOOL);
}

/** Half the largest float32: past it a float32 sum and a float64 one may round to different sides of overflow. */
const NEAR_OVERFLOW = 1.7014117331926443e38;

/**
 * Runs op o in wasm, or on the runtime's JS kernel when an input is NaN or infinite (the
 * CSR kernel skips zero weights, so it would miss 0 × ∞ = NaN), and again on the JS
 * kernel when an output is NaN, infinite or past half the float32 range: wasm sums in float32 and may overflow where the JS
 * kernel's float64 sums do not (a partial sum past 3.4e38 that later cancels; int8
 * weights summed before their scale is applied), or round to the other side of 3.4e38,
 * and the two engines must agree on whether a run overflowed. Below half the range the
 * two results differ by far less than the margin (test/fuzz/differential.ts bounds it),
 * so neither can have overflowed. The checks are one pass over the op's inputs and one
 * over its outputs; these ops do K multiply-adds per output.
 */
function overflowGuard(m: Model, o: number, wasm: OpRunner): OpRunner {
  const op = m.graph.ops[o];
  const js = OPS[op.code]!;
  const guarded: GuardedRunner = () => {
    const x = m.buffers[op.input];
    const out = m.buffers[op.output];
    for (let i = 0; i < x.length; i++) {
      if (x[i] - x[i] !== 0) {
        js.run(m, o, x, out);
        return;
      }
    }
    wasm();
    for (let i = 0; i < out.length; i++) {
      if (!(out[i] < NEAR_OVERFLOW && out[i] > -NEAR_OVERFLOW)) {
        js.run(m, o, x, out);
        return;
      }
    }
  };
  guarded.kernel = wasm;
  return guarded;
}

/** A guarded runner keeps the wasm kernel's runner it wraps (tests look at which kernel it calls). */
export interface GuardedRunner extends OpRunner {
  kernel?: OpRunner;
}

/**
 * The kernels' i32 parameter block (src/wasm/assembly/conv.ts P_*): h w c oh ow oc,
 * kh kw sh sw pt pl dh dw ocp, then lo hi (f32 for conv, i32 for pools) and pb pr.
 */
function paramBlock(shapes: number[], rest: number[], lo?: number, hi?: number): Int32Array {
  const block = new Int32Array(19);
  block.set(shapes.concat(rest).slice(0, 19));
  const f = new Float32Array(block.buffer);
  if (lo !== undefined) f[15] = lo;
  if (hi !== undefined) f[16] = hi;
  return block;
}

/**
 * Estimated vector ops of the two conv kernels, to pick the cheaper; the weights are
 * rough fits to per-op profiles of person_detect, micro_speech and LeNet-5 (see
 * docs/BENCHMARKS.md "latency"). Channels: every tap of every output pixel, 4 output
 * channels per step, with 1 (float) or 2 (int8, i16 pairs) inputs per step (depthwise:
 * its one input), plus 2 of loop and bounds overhead per tap. Planar: each stored tap
 * (int8: each pair of kernel columns) once per 4 columns of each output row, 8 per
 * channel row (requantisation constants, stores), and the copy into planes (an int8
 * input is stored twice, as halves of two pairs).
 */
export function convCosts(
  c: ConvShape,
  nonZero: number,
  int8: boolean,
): { channels: number; planar: number } {
  const depthwise = c.icg === 1 && c.ocg === 1;
  const steps = (depthwise ? 1 : Math.ceil(c.icg / (int8 ? 2 : 1))) * Math.ceil(c.oc / 4);
  const taps = int8 && c.dw === 1 ? (nonZero * Math.ceil(c.kw / 2)) / c.kw : nonZero;
  return {
    channels: c.oh * c.ow * c.kh * c.kw * (steps + 2),
    planar: taps * c.oh * Math.ceil(c.ow / 4) + c.oc * c.oh * 8 + (c.h * c.w * c.c) / (int8 ? 1 : 2),
  };
}

/**
 * The kernel a conv runs on: planar (the only one for grouped convs), the channel
 * kernels (full, depthwise), or none (null: the JS kernel runs it). The planes hold every
 * phase of a stride for every row, so a stride wider than the input makes them mostly
 * padding (a stride of 23,090 over 8 columns made 1.4 GB, zeroed at every run): past 4×
 * the input there are no planes.
 */
function convKernel(
  c: ConvShape,
  w: ArrayLike<number>,
  choice: ConvKernelChoice,
  int8: boolean,
): 'planar' | 'channels' | null {
  const channelKernel = c.icg === c.c || (c.icg === 1 && c.ocg === 1);
  const planes = planeGeometry(c).floats <= 4 * c.h * c.w * c.c + 65536;
  if (!channelKernel) return planes ? 'planar' : null;
  if (!planes || choice === 'channels') return 'channels';
  if (choice === 'planar') return 'planar';
  const cost = convCosts(c, nonZeros(w), int8);
  return cost.planar <= cost.channels ? 'planar' : 'channels';
}

/** Lays out a planar conv (conv-planar.ts): its parameter block, plane scratch and taps. */
function planarLayout(
  c: ConvShape,
  w: Float32Array,
  int8: boolean,
  arena: Arena,
): { params: number; plane: number; rowStart: number; taps: number; vals: number } {
  const g = planeGeometry(c);
  const packed = int8 ? packConvTapPairs(w, c, g) : packConvTaps(w, c, g);
  // conv-planar.ts Q_*: shapes, pads, plane geometry, then the f32 clip bounds.
  const block = Int32Array.of(
    ...[c.h, c.w, c.c, c.oh, c.ow, c.oc, c.pt, c.pl],
    ...[g.phases, g.rows, g.cols, g.rowStep, g.padded ? 1 : 0, g.floats, 0, 0],
  );
  const f = new Float32Array(block.buffer);
  f[14] = c.lo;
  f[15] = c.hi;
  return {
    params: arena.put(block),
    plane: arena.reserve(g.floats * 4 + SLACK),
    rowStart: arena.put(packed.rowStart),
    taps: arena.put(packed.taps),
    vals: arena.put(packed.vals),
  };
}

/** A float conv op in wasm: planar (any grouping), or full / depthwise on the channel kernels. */
function convRunner(
  m: Model,
  o: number,
  arena: Arena,
  k: Kernels,
  x: number,
  out: number,
  choice: ConvKernelChoice,
): OpRunner | null {
  const op = m.graph.ops[o];
  const c = m.convs[o]!;
  const w = floats(m, op.weight);
  const kernel = convKernel(c, w, choice, false);
  if (!kernel) return null;
  const ocp = roundUp(c.oc, 4);
  const b = arena.put(padded(op.bias === NO_TENSOR ? null : floats(m, op.bias), c.oc, ocp));
  if (kernel === 'planar') {
    const p = planarLayout(c, w, false, arena);
    return () => k.convPlanar(x, p.plane, p.rowStart, p.taps, p.vals, b, out, p.params);
  }
  const params = paramBlock(
    [c.h, c.w, c.c, c.oh, c.ow, c.oc],
    [c.kh, c.kw, c.sh, c.sw, c.pt, c.pl, c.dh, c.dw, ocp],
    c.lo,
    c.hi,
  );
  const at = arena.put(params);
  if (c.icg === c.c) {
    const wp = arena.put(packConv(w, c.oc, c.kh, c.kw, c.c));
    return () => k.conv2d(x, wp, b, out, at);
  }
  const wp = arena.put(packDepthwise(w, c.oc, c.kh, c.kw));
  return () => k.depthwise(x, wp, b, out, at);
}

/**
 * An int8 op with TFLite's integer semantics (src/wasm/assembly/int8*.ts): any conv on
 * the planar kernel, or full conv, 1×1 conv and depthwise (multiplier 1) on the channel
 * kernels, and dense as a 1×1 conv on a 1×1 image. Other int8 ops (pools, softmax, add,
 * clamps) stay with the runtime's JS kernels, on the moved views.
 */
function int8Runner(
  m: Model,
  o: number,
  arena: Arena,
  k: Kernels,
  x: number,
  out: number,
  choice: ConvKernelChoice,
): OpRunner | null {
  const op = m.graph.ops[o];
  const plan = m.qplans[o];
  const q = plan.q;
  if (!q || (op.code !== OP_DENSE && op.code !== OP_CONV2D)) return null;
  const t = m.tensors[op.weight];
  // Dense is a 1×1 conv over a 1×1 image whose C channels are the inputs.
  const [outN, inN] = t.shape;
  const c: ConvShape | null =
    op.code === OP_CONV2D
      ? plan.conv
      : {
          h: 1,
          w: 1,
          c: inN,
          oh: 1,
          ow: 1,
          oc: outN,
          kh: 1,
          kw: 1,
          sh: 1,
          sw: 1,
          pt: 0,
          pl: 0,
          dh: 1,
          dw: 1,
          icg: inN,
          ocg: outN,
          lo: -Infinity,
          hi: Infinity,
        };
  if (!c) return null;
  // Weights minus their zero point (per tensor; per-channel ones are symmetric), exact in f32.
  const wZp = t.axis < 0 ? t.zero![0] : 0;
  // int8-stream weights the runtime streams (a row per run) are decoded whole here, once.
  const wq = plan.w ?? decodeInt8Stream(m.bytes, t);
  const wf = Float32Array.from(wq, (v) => v - wZp);
  const full = c.icg === c.c;
  // A 1×1 conv over the whole image (stride 1, no pads) is a matrix product.
  const pointwise =
    op.code === OP_CONV2D &&
    full &&
    c.kh === 1 &&
    c.kw === 1 &&
    c.sh === 1 &&
    c.sw === 1 &&
    c.oh === c.h &&
    c.ow === c.w;
  // Depthwise and pointwise run 8 channels per step: biases and records pad to 8.
  const ocp = roundUp(c.oc, full && !pointwise ? 4 : 8);
  const bias = new Int32Array(ocp);
  if (op.bias !== NO_TENSOR) bias.set(m.tensors[op.bias].ints!);
  const bp = arena.put(bias);
  const mp = arena.put(new Uint8Array(requantTable(c.oc, q.mult, q.fscale ?? null, ocp)));
  const qp = arena.put(Int32Array.of(q.inZp, q.outZp, q.qmin, q.qmax, q.fscale ? 1 : 0));
  // A dense op stays on the channel kernel: a 1×1 output has no columns to vectorise.
  const kernel = op.code === OP_CONV2D ? convKernel(c, wf, choice, true) : 'channels';
  if (!kernel) return null;
  if (kernel === 'planar') {
    const p = planarLayout(c, wf, true, arena);
    return () => k.convPlanarI8(x, p.plane, p.rowStart, p.taps, p.vals, bp, out, p.params, mp, qp);
  }
  const packed = full
    ? packConvPairs(wf, c.oc, c.kh, c.kw, c.c, ocp)
    : Int16Array.from(packDepthwise(wf, c.oc, c.kh, c.kw, 8));
  const params = paramBlock(
    [c.h, c.w, c.c, c.oh, c.ow, c.oc],
    [c.kh, c.kw, c.sh, c.sw, c.pt, c.pl, c.dh, c.dw, ocp],
  );
  const at = arena.put(params);
  const wp = arena.put(packed);
  if (pointwise) return () => k.pointwiseI8(x, wp, bp, out, at, mp, qp);
  if (full) return () => k.convI8(x, wp, bp, out, at, mp, qp);
  return () => k.depthwiseI8(x, wp, bp, out, at, mp, qp);
}

/** Every int8 value of an int8-stream tensor (one stored symbol per value). */
function decodeInt8Stream(bytes: Uint8Array, t: TensorInfo): Int8Array {
  const s = t.index!;
  const table = s.coding === CODING_FIXED ? null : s.table;
  const r = symbolReader(bytes, s.start, s.end, table, s.width, `tensor '${t.name}' values`);
  const w = new Int8Array(t.size);
  readRun(r, new Uint8Array(w.buffer), t.size, null);
  return w;
}
