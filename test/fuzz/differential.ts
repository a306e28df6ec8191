// The differential check: one file, four ways of running it (JS or wasm kernels, each
// with the 'stream' and 'cache' plans), which must agree.
//
// - stream vs cache (same engine): the plans decode the same stored values and run the
//   same kernels in the same order, so the outputs must be bit-identical.
// - js vs wasm: compared op by op ("lockstep"): before each op the wasm model's inputs are
//   overwritten with the JS model's, so each kernel is judged on identical inputs and
//   rounding cannot compound. Kernels with the same arithmetic (element-wise ops, max
//   pool, softmax, every int8 op) must match exactly; dense, conv and average pool sum
//   in float64 in JS and in float32 (in another order) in wasm, so they are held to the
//   error bound of that sum (see `sumBound`). Each model's values are also checked to be
//   untouched between the op that writes them and the ops that read them, which finds a
//   plan that lets two live values share memory.
import { feed, load, run, step, type Model } from '../../src/runtime/model.js';
import { runExits } from '../../src/runtime/schedule.js';
import { decodeTensor } from '../../src/runtime/decode.js';
import { convChannel } from '../../src/runtime/conv.js';
import { pool2d } from '../../src/runtime/pool.js';
import { KIND_INT8 } from '../../src/runtime/tensors.js';
import { NO_TENSOR, OP_AVGPOOL, OP_CONV2D, OP_DENSE } from '../../src/runtime/ops.js';
import { wasmAccelerator } from '../../src/wasm/accelerator.js';
import type { KernelFlavour } from '../../src/wasm/instance.js';

export const CONFIGS = ['js-stream', 'js-cache', 'wasm-stream', 'wasm-cache'] as const;
export type ConfigName = (typeof CONFIGS)[number];

/** Largest float32. */
const FLT_MAX = 3.4028234663852886e38;
/** Unit roundoff of float32 (half an ulp of 1). */
const U = 2 ** -24;
/** Weights decoded to compute a bound: larger layers are left unchecked (the work bound refuses them). */
const MAX_BOUND_WEIGHTS = 1 << 22;

export function isMoteError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'Error' && e.message.startsWith('mote: ');
}

/** Thrown for anything that is not a `mote: ` error (a crash). */
export class Crash extends Error {
  constructor(
    readonly phase: string,
    readonly error: unknown,
  ) {
    super(phase);
  }
}

/** The deterministic input every case runs on: values in [-1, 1) from a fixed seed (xorshift32). */
export function caseInput(m: Model): Float32Array[] {
  let s = 0x6d6f7465;
  return m.graph.inputs.map((v) => {
    // Inline, not mulberry32's closure: inputs run to a million values.
    const x = new Float32Array(m.graph.values[v].size);
    for (let i = 0; i < x.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      x[i] = (s >>> 0) / 2147483648 - 1;
    }
    return x;
  });
}

interface Ran {
  model: Model;
  /** The run's outputs, or the run's error message. */
  outputs: Float32Array[] | null;
  exit: { exit: number; label: number; probs: Float32Array } | null;
  error: string | null;
}

export interface DiffResult {
  /** Rejection messages (one per config and phase that refused). */
  messages: string[];
  /** Configs that loaded and ran. */
  accepted: ConfigName[];
  /** An accepted run with a NaN or infinite output: which config and output. */
  nonFinite: string | null;
  /** The first disagreement found, described. */
  disagree: string | null;
  /** Ops whose js/wasm bound could not be computed (weights too large to decode). */
  unchecked: number;
}

function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return i;
  return -1;
}

function finite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!isFinite(a[i])) return false;
  return true;
}

function guard<T>(phase: string, f: () => T, messages: string[]): T | null {
  try {
    return f();
  } catch (e) {
    if (!isMoteError(e)) throw new Crash(phase, e);
    messages.push(e.message);
    return null;
  }
}

/**
 * Loads the file four ways (with the memory and work limits), runs each on the case input (run() and,
 * with exits, runExits()), and compares them. Throws Crash for a non-mote error.
 */
export function differential(
  bytes: Uint8Array,
  limits: { memoryLimit: number; maxMacs: number },
  flavour: KernelFlavour,
): DiffResult {
  const { memoryLimit, maxMacs } = limits;
  const messages: string[] = [];
  const r: DiffResult = { messages, accepted: [], nonFinite: null, disagree: null, unchecked: 0 };
  const ran = new Map<ConfigName, Ran>();
  let input: Float32Array[] | null = null;
  for (const name of CONFIGS) {
    const [engine, plan] = name.split('-');
    const m = guard(
      `load(${name})`,
      () =>
        load(bytes, {
          plan,
          memoryLimit,
          maxMacs,
          accelerator: engine === 'wasm' ? wasmAccelerator({ flavour, memoryLimit }) : undefined,
        }),
      messages,
    );
    if (!m) continue;
    input ??= caseInput(m);
    const x = input;
    const one: Ran = { model: m, outputs: null, exit: null, error: null };
    const before = messages.length;
    one.outputs = guard(`run(${name})`, () => run(m, x).outputs, messages);
    if (one.outputs && m.exits.length) {
      const e = guard(`runExits(${name})`, () => runExits(m, x), messages);
      one.exit = e ? { exit: e.exit, label: e.label, probs: e.probs } : null;
      if (!e) one.outputs = null;
    }
    if (messages.length > before) one.error = messages[messages.length - 1];
    ran.set(name, one);
    if (!one.outputs) continue;
    r.accepted.push(name);
    if (!r.nonFinite) {
      const k = one.outputs.findIndex((o) => !finite(o));
      if (k >= 0) r.nonFinite = `${name}: output ${k} is not finite`;
      else if (one.exit && !finite(one.exit.probs))
        r.nonFinite = `${name}: exit ${one.exit.exit} is not finite`;
    }
  }
  r.disagree = input ? compare(ran, input, (n) => (r.unchecked += n)) : null;
  return r;
}

function compare(
  ran: Map<ConfigName, Ran>,
  input: Float32Array[],
  unchecked: (n: number) => void,
): string | null {
  const js = ran.get('js-stream');
  const wasm = ran.get('wasm-stream');
  // The engines share the reader and the memory plan: they load the same files.
  if (!!js !== !!wasm)
    return `js-stream ${js ? 'loads' : 'refuses'} the file, wasm-stream ${wasm ? 'loads' : 'refuses'} it`;
  if (!!ran.get('js-cache') !== !!ran.get('wasm-cache'))
    return 'js-cache and wasm-cache disagree on loading the file';
  // Every config that loaded must run, or refuse to run, alike.
  const loaded = [...ran.entries()];
  for (const [name, x] of loaded) {
    const [n0, x0] = loaded[0];
    if (!!x.outputs !== !!x0.outputs)
      return `${n0} ${x0.outputs ? 'runs' : `refuses to run (${x0.error})`}, ${name} ${x.outputs ? 'runs' : `refuses to run (${x.error})`}`;
  }
  for (const engine of ['js', 'wasm']) {
    const a = ran.get(`${engine}-stream` as ConfigName);
    const b = ran.get(`${engine}-cache` as ConfigName);
    if (!a?.outputs || !b?.outputs) continue;
    for (let k = 0; k < a.outputs.length; k++) {
      const i = firstDiff(a.outputs[k], b.outputs[k]);
      if (i >= 0)
        return `${engine}: stream and cache differ at output ${k}[${i}]: ${a.outputs[k][i]} vs ${b.outputs[k][i]}`;
    }
    if (a.exit && b.exit && (a.exit.exit !== b.exit.exit || firstDiff(a.exit.probs, b.exit.probs) >= 0))
      return `${engine}: stream and cache take different exits (${a.exit.exit} vs ${b.exit.exit}) or probabilities`;
  }
  if (js?.outputs && wasm?.outputs) return lockstep(js.model, wasm.model, input, unchecked);
  return null;
}

type Buf = Float32Array | Int8Array;

function buf(m: Model, v: number): Buf {
  return m.qbufs[v] ?? m.buffers[v];
}

/**
 * Runs `ref` (JS) and `cand` (wasm) one op at a time on the same input, giving each op
 * of `cand` the inputs `ref` computed, and compares every op's output. The first
 * disagreement, or null.
 */
export function lockstep(
  ref: Model,
  cand: Model,
  input: Float32Array[],
  unchecked: (n: number) => void,
): string | null {
  const g = ref.graph;
  feed(ref, input);
  feed(cand, input);
  const snapRef: (Buf | null)[] = [];
  const snapCand: (Buf | null)[] = [];
  const snap = (v: number): void => {
    snapRef[v] = buf(ref, v).slice();
    snapCand[v] = buf(cand, v).slice();
  };
  for (const v of g.inputs) snap(v);
  const intact = (m: Model, s: (Buf | null)[], v: number, o: number, who: string): string | null => {
    const want = s[v];
    if (!want) return null;
    const i = firstDiff(buf(m, v), want);
    return i < 0
      ? null
      : `${who}: value ${g.values[v].name} changed at [${i}] before op ${o} read it (a plan that shares live memory)`;
  };
  for (let o = 0; o < g.ops.length; o++) {
    const op = g.ops[o];
    for (const v of op.inputs) {
      const bad = intact(ref, snapRef, v, o, 'js') ?? intact(cand, snapCand, v, o, cand.engine);
      if (bad) return bad;
      buf(cand, v).set(buf(ref, v));
      snapCand[v] = buf(cand, v).slice();
    }
    // Float sums in wasm are held to a bound, computed before the op runs (an in-place
    // op overwrites its input); every other kernel must match exactly.
    const summed =
      !!cand.fast[o] &&
      !cand.qbufs[op.output] &&
      (op.code === OP_DENSE || op.code === OP_CONV2D || op.code === OP_AVGPOOL);
    const bound = summed ? sumBound(ref, o) : null;
    if (summed && !bound) unchecked(1);
    step(ref, o);
    step(cand, o);
    const a = buf(ref, op.output);
    const b = buf(cand, op.output);
    for (let i = 0; i < a.length; i++) {
      if (same(a[i], b[i]) || (summed && !bound)) continue;
      // Past the float32 range a float32 sum may overflow where a float64 one does not.
      if (bound && (!(bound[i] < FLT_MAX / 2) || Math.abs(a[i] - b[i]) <= bound[i])) continue;
      const kind = cand.fast[o] ? cand.engine : 'js kernel on wasm memory';
      return (
        `op ${o} (${g.values[op.output].name}, ${kind}) differs at [${i}]: js ${a[i]}, wasm ${b[i]}` +
        (bound ? ` (allowed ${bound[i]})` : ' (must be equal)')
      );
    }
    snap(op.output);
  }
  for (const v of g.outputs) {
    const bad =
      intact(ref, snapRef, v, g.ops.length, 'js') ?? intact(cand, snapCand, v, g.ops.length, cand.engine);
    if (bad) return bad;
  }
  return null;
}

/** |w| per weight of tensor t, as a float64 bound (int8 rows: |scale|·(|q| + |zero point|)). */
function absWeights(m: Model, t: number): Float32Array | null {
  const info = m.tensors[t];
  if (info.size > MAX_BOUND_WEIGHTS) return null;
  const w = new Float32Array(info.size);
  if (info.kind === KIND_INT8 && (info.axis === -1 || info.axis === 0)) {
    // The wasm int8 kernel sums q·x and subtracts zero·Σx: its error scales with both terms.
    const row = info.axis === 0 ? info.size / info.shape[0] : info.size;
    for (let i = 0; i < info.size; i++) {
      const c = (i / row) | 0;
      w[i] = Math.abs(info.scale![c]) * (Math.abs(info.q![i]) + Math.abs(info.zero![c]));
    }
    return w;
  }
  decodeTensor(m.bytes, info, w);
  for (let i = 0; i < w.length; i++) w[i] = Math.abs(w[i]);
  return w;
}

/**
 * The most a float32 sum of an op's terms may differ from the float64 one (rounded to
 * float32 once), per output: |Σ_f32 − Σ_f64| ≤ γ(n)·S with S = |bias| + Σ|w·x| (dense,
 * conv) or Σ|x| / cells (average pool), n the terms per output and γ(n) ≈ n·u (Higham,
 * Accuracy and Stability of Numerical Algorithms, §3.1: any order of summation, products
 * rounded too). The bound used is (n + 8)·2u·S: twice γ(n) plus a few roundings (the
 * float64 result's rounding to float32, a dequantised weight's rounding, wasm's int8
 * scale multiply), plus n subnormal steps for underflow. S is computed by the runtime's
 * own kernel run on |x|, |w| and |b| with the clip removed (a clip is 1-Lipschitz, so it
 * does not widen the difference). Null when the weights are too large to decode here.
 */
export function sumBound(m: Model, o: number): Float64Array | null {
  const g = m.graph;
  const op = g.ops[o];
  const x = m.buffers[op.input].map(Math.abs);
  const n = g.values[op.output].size;
  const s = new Float32Array(n);
  let terms: number;
  if (op.code === OP_AVGPOOL) {
    pool2d(x, g.values[op.input].shape, s, g.values[op.output].shape, op.p, true);
    terms = op.p[0] * op.p[1];
  } else {
    const w = absWeights(m, op.weight);
    if (!w) return null;
    const b = op.bias === NO_TENSOR ? null : absWeights(m, op.bias);
    if (op.bias !== NO_TENSOR && !b) return null;
    if (op.code === OP_DENSE) {
      const inN = x.length;
      terms = inN + 1;
      for (let r = 0; r < n; r++) {
        let acc = b ? b[r] : 0;
        for (let i = 0; i < inN; i++) acc += w[r * inN + i] * x[i];
        s[r] = acc;
      }
    } else {
      const c = { ...m.convs[o]!, lo: -Infinity, hi: Infinity };
      const rowLen = c.kh * c.kw * c.icg;
      terms = rowLen + 1;
      for (let oc = 0; oc < c.oc; oc++) convChannel(x, w, oc * rowLen, b ? b[oc] : 0, s, oc, c, null);
    }
  }
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = (terms + 8) * 2 * U * s[i] * (1 + 2 * U) + terms * 2 ** -148;
  return t;
}
