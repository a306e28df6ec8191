// The script every desktop engine runs after the runtime bundle: it receives the model and
// the inputs as hex strings (data, never code) in small chunks, loads, runs, times, and
// answers each call with one JSON line. Node's vm, QuickJS and Duktape run the same text.
import type { OpProfile } from '../../src/runtime/model.js';

/** The runtime's execution plans (targets/target.ts ExecutionPlan). */
export type EnginePlan = 'stream' | 'cache' | 'install';

/** What one engine reports for one batch of inputs. */
export interface EngineRun {
  engine: string;
  /** The first output of each input, as exact float32 values. */
  outputs: number[][];
  labels: number[];
  /** model.memory.peak: every byte the runtime allocated for the model. */
  peakBytes: number;
  /** The engine's own heap use after the run, model still loaded (when the engine can tell). */
  engineHeapBytes?: number;
  /** The largest engine heap seen during the run (sampled), when the engine can tell. */
  engineHeapPeakBytes?: number;
  msPerInference: number;
  loadMs: number;
  /**
   * With `profile`: the runtime's per-op profile (src/runtime/model.ts run), `ms` the
   * mean over every input and repeat, the other fields from the first run.
   */
  profile?: OpProfile[];
  /**
   * Calls made to native helpers that the `globals` source counts in the global
   * `__moteNativeCalls` (e.g. { 'E.convolve': 120 }), when it defines that object.
   */
  nativeCalls?: Record<string, number>;
}

export interface HarnessOptions {
  plan?: EnginePlan;
  /** Passed to mote.load as `memoryLimit`: the runtime refuses models that need more. */
  modelMemoryLimit?: number;
  /** Run the whole batch this many times for timing (outputs come from the first pass). Default 1. */
  repeat?: number;
  /** Ask the runtime for its per-op profile (EngineRun.profile). */
  profile?: boolean;
  /**
   * ES5 source evaluated before the runtime bundle, as data the host chose (never model
   * or input text): e.g. ESPRUINO_NATIVES_SOURCE, the stand-in for Espruino's `E`.
   */
  globals?: string;
}

/** An error raised inside an engine, or by the engine itself (out of memory, timeout). */
/**
 * A deadline for an engine run, in ms, which only exists to stop a hang: 10 s plus 5 µs
 * for each MAC asked for (QuickJS-wasm runs 1.4 to 4.6 M MACs/s here, Huffman decoding
 * included; bench:latency and npm start), so a big model over many inputs, on a busy
 * machine, is not taken for a hung one.
 */
export function engineDeadlineMs(macsPerRun: number, runs: number): number {
  return 10_000 + Math.ceil(macsPerRun * runs * 0.005);
}

export class EngineError extends Error {
  constructor(
    readonly engine: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Lowercase hex, two characters per byte. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Model bytes per transfer step: the hex text in the VM stays small, as on a serial link. */
export const MODEL_CHUNK_BYTES = 4096;
/** Input numbers per run step (at least one whole input per step). */
export const INPUT_CHUNK_VALUES = 1024;

/**
 * ES5 source of the harness functions. Each returns one JSON string, an error included:
 * - `__moteBegin(n)` and `__moteChunk(offset, hex)` receive the model in chunks;
 * - `__moteLoad(plan, memoryLimit)` loads it (kept in the global `__moteModel`);
 * - `__moteRun(inputsHex, lengths, repeat, profile)` runs some inputs, given as
 *   little-endian float64 so every input number arrives exactly; with `profile`, it also
 *   returns the first run's per-op profile with `ms` summed over all its runs.
 */
export const HARNESS_SOURCE = `
var __moteBytes = null, __moteModel = null;
function __moteError(e) {
  return JSON.stringify({ error: String(e && e.message !== undefined ? e.message : e), name: String(e && e.name) });
}
function __moteHex(s, out, at) {
  var n = s.length >> 1, i, hi, lo;
  for (i = 0; i < n; i++) {
    hi = s.charCodeAt(2 * i); lo = s.charCodeAt(2 * i + 1);
    out[at + i] = ((hi < 58 ? hi - 48 : hi - 87) << 4) | (lo < 58 ? lo - 48 : lo - 87);
  }
  return out;
}
function __moteBegin(n) {
  try { __moteModel = null; __moteBytes = new Uint8Array(n); return '{}'; } catch (e) { return __moteError(e); }
}
function __moteChunk(at, hex) {
  try { __moteHex(hex, __moteBytes, at); return '{}'; } catch (e) { return __moteError(e); }
}
function __moteLoad(plan, memoryLimit) {
  try {
    var opts = {};
    if (plan) opts.plan = plan;
    if (memoryLimit) opts.memoryLimit = memoryLimit;
    var t0 = Date.now();
    __moteModel = mote.load(__moteBytes, opts);
    return JSON.stringify({ peakBytes: __moteModel.memory.peak, loadMs: Date.now() - t0 });
  } catch (e) { return __moteError(e); }
}
function __moteRun(inputsHex, lengths, repeat, profile) {
  try {
    var raw = __moteHex(inputsHex, new Uint8Array(inputsHex.length >> 1), 0);
    var view = new DataView(raw.buffer);
    var inputs = [], at = 0, i, j, k, x, r, o, list;
    for (i = 0; i < lengths.length; i++) {
      x = new Float64Array(lengths[i]);
      for (j = 0; j < x.length; j++) { x[j] = view.getFloat64(at, true); at += 8; }
      inputs.push(x);
    }
    raw = view = null;
    var outputs = [], labels = [], prof = null, opts = profile ? { profile: true } : undefined;
    var t0 = Date.now();
    for (k = 0; k < repeat; k++) {
      for (i = 0; i < inputs.length; i++) {
        r = mote.run(__moteModel, inputs[i], opts);
        if (profile) {
          if (!prof) prof = r.profile;
          else for (j = 0; j < prof.length; j++) prof[j].ms += r.profile[j].ms;
        }
        if (k > 0) continue;
        o = r.outputs[0]; list = [];
        for (j = 0; j < o.length; j++) list.push(o[j]);
        outputs.push(list);
        labels.push(r.label);
      }
    }
    var ms = Date.now() - t0;
    var calls = typeof __moteNativeCalls === 'undefined' ? undefined : __moteNativeCalls;
    return JSON.stringify({ outputs: outputs, labels: labels, ms: ms, runs: repeat * inputs.length, profile: prof, nativeCalls: calls });
  } catch (e) { return __moteError(e); }
}
`;

/**
 * The harness calls, in order, that send this model, load it and run these inputs.
 * Each is an expression returning a JSON string; engines evaluate them one by one (or
 * print each, for `duk`), and `parseHarnessOutputs` reads the answers.
 */
export function harnessCalls(
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: HarnessOptions = {},
): string[] {
  const repeat = Math.max(1, Math.floor(opts.repeat ?? 1));
  const plan = opts.plan === undefined ? 'null' : JSON.stringify(opts.plan);
  if (plan !== 'null' && plan !== '"stream"' && plan !== '"cache"' && plan !== '"install"')
    throw new Error(`mote: unknown plan ${plan}`);
  const limit = opts.modelMemoryLimit === undefined ? 0 : Math.floor(opts.modelMemoryLimit);
  const calls = [`__moteBegin(${model.length})`];
  for (let at = 0; at < model.length; at += MODEL_CHUNK_BYTES) {
    calls.push(`__moteChunk(${at}, "${toHex(model.subarray(at, at + MODEL_CHUNK_BYTES))}")`);
  }
  calls.push(`__moteLoad(${plan}, ${limit})`);
  for (let first = 0; first < inputs.length;) {
    let end = first + 1;
    let values = inputs[first].length;
    while (end < inputs.length && values + inputs[end].length <= INPUT_CHUNK_VALUES)
      values += inputs[end++].length;
    calls.push(runCall(inputs.slice(first, end), repeat, opts.profile === true));
    first = end;
  }
  return calls;
}

function runCall(inputs: ArrayLike<number>[], repeat: number, profile: boolean): string {
  const lengths = inputs.map((x) => x.length);
  // Little-endian bytes, whatever the host's byte order.
  const raw = new Uint8Array(lengths.reduce((a, b) => a + b, 0) * 8);
  const dv = new DataView(raw.buffer);
  let at = 0;
  for (const x of inputs) {
    for (let i = 0; i < x.length; i++, at += 8) dv.setFloat64(at, x[i], true);
  }
  return `__moteRun("${toHex(raw)}", [${lengths.join(',')}], ${repeat}, ${profile})`;
}

/** The whole program for engines that take one file: globals, bundle, harness, and `print` of each call. */
export function harnessProgram(
  bundleSource: string,
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: HarnessOptions = {},
): string {
  const calls = harnessCalls(model, inputs, opts).map((c) => `print(${c});`);
  const globals = opts.globals ? `${opts.globals}\n;\n` : '';
  return `${globals}${bundleSource}\n;\n${HARNESS_SOURCE}\n${calls.join('\n')}\n`;
}

/** An error the script reported: its name and message as the engine saw them. */
export interface VmError {
  name: string;
  message: string;
}

/**
 * Reads the harness's answers, one JSON string per call, and merges them. The first error
 * is thrown: a runtime error (`mote: ...`) with its original message; `mapError` may turn
 * engine-specific errors (out of memory) into clearer ones.
 */
export function parseHarnessOutputs(
  engine: string,
  texts: string[],
  mapError?: (e: VmError) => Error | undefined,
): Omit<EngineRun, 'engine'> {
  const run: Omit<EngineRun, 'engine'> = {
    outputs: [],
    labels: [],
    peakBytes: NaN,
    loadMs: NaN,
    msPerInference: 0,
  };
  let ms = 0;
  let runs = 0;
  let profile: OpProfile[] | undefined;
  for (const text of texts) {
    const r = parseOne(engine, text, mapError);
    if (typeof r.peakBytes === 'number') run.peakBytes = r.peakBytes;
    if (typeof r.loadMs === 'number') run.loadMs = r.loadMs;
    if (Array.isArray(r.outputs) && Array.isArray(r.labels)) {
      run.outputs.push(...(r.outputs as number[][]));
      run.labels.push(...(r.labels as number[]));
      ms += Number(r.ms);
      runs += Number(r.runs);
      // Each call's profile sums `ms` over its runs; add them up, then divide by all runs.
      const p = r.profile as OpProfile[] | null | undefined;
      if (Array.isArray(p)) {
        if (!profile) profile = p.map((op) => ({ ...op }));
        else p.forEach((op, i) => (profile![i].ms += op.ms));
      }
      if (r.nativeCalls && typeof r.nativeCalls === 'object')
        run.nativeCalls = { ...(r.nativeCalls as Record<string, number>) };
    }
  }
  if (Number.isNaN(run.peakBytes))
    throw new EngineError(engine, `${engine}: the harness never reported a loaded model`);
  run.msPerInference = runs ? ms / runs : 0;
  if (profile) run.profile = profile.map((op) => ({ ...op, ms: runs ? op.ms / runs : 0 }));
  return run;
}

function parseOne(
  engine: string,
  text: string,
  mapError?: (e: VmError) => Error | undefined,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EngineError(
      engine,
      `${engine}: harness printed something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (!parsed || typeof parsed !== 'object')
    throw new EngineError(engine, `${engine}: harness returned ${text}`);
  const r = parsed as Record<string, unknown>;
  if (typeof r.error === 'string')
    throw vmError(engine, { name: String(r.name), message: r.error }, mapError);
  return r;
}

/** The host-side Error for an error raised in the VM. */
export function vmError(engine: string, e: VmError, mapError?: (e: VmError) => Error | undefined): Error {
  const mapped = mapError?.(e);
  if (mapped) return mapped;
  if (e.message.startsWith('mote:')) return new EngineError(engine, e.message);
  const name = e.name && e.name !== 'undefined' && e.name !== 'Error' ? `${e.name}: ` : '';
  return new EngineError(engine, `${engine}: ${name}${e.message}`);
}
