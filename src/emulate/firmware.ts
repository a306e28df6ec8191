// `fit` and `emulate` on the watch's own firmware: Espruino 2v29.74 for Bangle.js 2 or 1,
// compiled to JavaScript and booted in this process (targets/engines/firmware.ts). The
// runtime bundle and the model are written to Storage as `mote flash` writes them (the
// device form beside a compressed model), the model is loaded by Storage name and run there,
// and what the firmware itself reports is measured: free variables (process.memory(), which
// collects garbage first), Storage bytes, and time by its getTime(). Emulator time is not
// watch time: the watch estimate is the emulator's time × WATCH_FACTOR, an assumption.
import { bootFirmware, type Firmware, type FirmwareBoard } from '../../targets/engines/firmware.js';
import type { Target } from '../../targets/target.js';
import { runtimeFor } from '../build/model-bundle.js';
import { deviceForm } from '../format/device-form.js';
import type { Memory, Model, OpProfile } from '../runtime/model.js';
import { fmtBytes, fmtMs, loadUnlimited, memoryRefusal, opWeights } from './common.js';
import type { EmulatedSample } from './emulate.js';

/** Targets whose firmware runs here, by target name. */
const BOARDS: Record<string, FirmwareBoard> = { banglejs2: 'banglejs2', banglejs1: 'banglejs1' };

/** The firmware board that stands for `target`, or undefined when it has none (QuickJS-class targets). */
export function firmwareBoard(target: { name: string }): FirmwareBoard | undefined {
  return Object.prototype.hasOwnProperty.call(BOARDS, target.name) ? BOARDS[target.name] : undefined;
}

/**
 * Watch time ≈ emulator time × WATCH_FACTOR. ASSUMPTION, not a measurement (no watch was
 * timed): the emulator runs Espruino ~4× slower than the same firmware built natively for
 * an x86 host like this one (Espruino's Linux build: empty loop 4.0 vs 0.94 µs, E.convolve
 * 180 vs 41-52 ns per element, E.mapInPlace ~600 vs ~150 ns), and such a core is taken to
 * be ~100-150× an nRF52 at 64 MHz (CoreMark: 212 for the nRF52840 per Nordic's product
 * specification, against ~20,000-30,000 for one x86 server core): 100-150 / 4 ≈ 25-37,
 * so 30. Uncertain by about 2× either way (docs/TARGETS.md).
 */
export const WATCH_FACTOR = 30;

/** What the watch estimate is, in words: printed by fit and emulate and kept in --json. */
export const WATCH_BASIS =
  `emulator time × ${WATCH_FACTOR}, an ASSUMED ratio of the watch (nRF52 at 64 MHz) to this ` +
  'emulator, not measured on a watch: the emulator runs Espruino ~4× slower than its ' +
  'native Linux build on an x86 host like this one (measured), and such a core is taken ' +
  'as ~120× a 64 MHz Cortex-M4 (CoreMark); uncertain by ~2× either way, and the emulator time moves with this ' +
  "computer's load (docs/TARGETS.md)";

/** Storage names: the runtime as README loads it, the model, its device form, the inputs. */
export const RUNTIME_FILE = 'mote.js';
export const MODEL_FILE = 'model.mote';
const INPUT_FILE = 'model.in';

/** Runs timed after the warm-up at least, and more while they took under MIN_TIMED_S in all. */
const DEFAULT_RUNS = 3;
const MIN_TIMED_S = 0.25;
const MAX_RUNS = 100;
/** Default budget for one step on the firmware (load, runs): it interrupts runaway JS. */
const DEFAULT_TIMEOUT_MS = 600_000;

export type DeviceStage = 'storage' | 'runtime' | 'load' | 'run';

/** Why the model does not fit, in the firmware's own words. */
export interface DeviceFailure {
  stage: DeviceStage;
  /**
   * 'refused': the runtime's check before allocating ("needs about N variables ...");
   * 'out-of-memory': the firmware ran out of variables (uncatchable there);
   * 'storage': the files do not fit in Storage.
   */
  kind: 'refused' | 'out-of-memory' | 'storage';
  /** The firmware's message lines (trace lines left out). */
  message: string;
  /** Everything the firmware printed for the error, trace included. */
  deviceOutput: string;
  /** From a refusal: the variables the runtime asked for, and how many were free. */
  neededVars?: number;
  freeVars?: number;
}

export interface DeviceStorage {
  runtimeBytes: number;
  modelBytes: number;
  /** `<model>.d`, the decoded form of compressed weights (0 for float32-only models). */
  deviceFormBytes: number;
  /** runtime + model + device form. */
  neededBytes: number;
  /** The board's Storage (require("Storage").getStats().totalBytes). */
  totalBytes: number;
  /** Bytes held by live files after writing ours (getStats().fileBytes, headers included); null when not written. */
  usedBytes: number | null;
}

/**
 * Variables, counted as process.memory().free differences (after garbage collection).
 * Espruino keeps no high-water mark: `run` is what a run leaves held (its result kept),
 * not the transient peak inside it (row blocks read from flash and freed as it goes).
 */
export interface DeviceVariables {
  /** Bytes per variable on this board. */
  blocksize: number;
  total: number;
  /** Free on a fresh interpreter (reset()). */
  freeAtStart: number;
  /** Taken by evaluating the runtime bundle from Storage; null when that failed. */
  runtime: number | null;
  /** Free after the runtime: what the model may use. */
  freeForModel: number | null;
  /** Taken by mote.load(name): buffers, tables, the model object. */
  model: number | null;
  /** The input Float32Array (the app's, not the model's). */
  input: number | null;
  /** Held after a run beyond the load (the result kept); see above. */
  run: number | null;
  /** model + run: what the model needs there. */
  needed: number | null;
  /** Free after a run, with the runtime, model, input and result held. */
  freeAfterRun: number | null;
}

/** Emulator time, and the watch estimate derived from it. */
export interface DeviceTime {
  /** Mean ms per inference in the emulator (getTime()), after one warm-up run. */
  emulatorMs: number;
  /** Timed runs in the mean. */
  runs: number;
  /** The warm-up run, in the emulator. */
  warmupMs: number;
  /** ASSUMED: emulatorMs × factor. */
  watchEstimateMs: number;
  factor: number;
  /** "emulator time × 30, an ASSUMED ratio ...": how watchEstimateMs was derived. */
  watchEstimate: string;
  /** Always false: this is the emulator's time, not a measurement on a watch. */
  measuredOnWatch: false;
}

export interface DeviceMeasure {
  target: string;
  title: string;
  board: FirmwareBoard;
  /** "Espruino 2v29.74 (Bangle.js firmware, emulated)". */
  firmware: string;
  /** Loaded by Storage name: the runtime's plan 'flash'. */
  plan: 'flash';
  macs: number;
  storage: DeviceStorage;
  variables: DeviceVariables;
  /** The runtime's own plan on the device (model.memory, bytes); null when the load failed. */
  runtimeMemory: Memory | null;
  /** mote.load in the emulator, ms (with the device form already written); null when it failed. */
  loadMs: number | null;
  loadWatchEstimateMs: number | null;
  /** null when the model did not load or run. */
  time: DeviceTime | null;
  failure: DeviceFailure | null;
  notes: string[];
}

export interface FirmwareOptions {
  /** A firmware booted by the caller for this board (reused, not closed); default: boot one. */
  firmware?: Firmware;
  /** The runtime bundle's source; default: the bundle of this model alone for this target (mote bundle). */
  bundleSource?: string;
  /** Timed runs after the warm-up (fit), or passes over the inputs (emulate). */
  runs?: number;
  /** Per step on the firmware (load, runs), ms. Default 10 minutes. */
  timeoutMs?: number;
  /** Before each step (boot, Storage, runtime, load, runs): steps done of all, and the next (progress bars). */
  onStep?: (done: number, total: number, what: string) => void;
}

/** The steps prepare() takes after the boot: Storage, runtime, load, warm-up. */
const PREPARE_STEPS = ['writing Storage', 'evaluating the runtime', 'loading the model', 'a warm-up run'];

export interface FirmwareFitOptions extends FirmwareOptions {
  /** Fail when the watch estimate is above this many ms per inference. */
  latencyBudgetMs?: number;
}

export interface FirmwareFitReport extends DeviceMeasure {
  /** It loaded and ran there (and met the latency budget, if one was given). */
  ok: boolean;
  summary: string;
  latencyBudgetMs: number | null;
}

export interface FirmwareLayer {
  name: string;
  op: string;
  /** The kernel the runtime ran on the device (dense-flash, dense-sparse-flash, ...). */
  kernel: string;
  weight?: string;
  macs: number;
  bits: number;
  elements: number;
  /** Mean ms per inference in the emulator (the runtime's profile, by getTime()). */
  emulatorMs: number;
  /** ASSUMED: emulatorMs × WATCH_FACTOR. */
  watchEstimateMs: number;
}

export interface FirmwareEmulateReport extends DeviceMeasure {
  samples: EmulatedSample[];
  layers: FirmwareLayer[];
  /** Stream bits decoded per inference (0 when the device form holds the weights decoded). */
  bits: number;
}

/** A model that does not fit the board: the firmware's own message. */
export class DeviceFitError extends Error {
  constructor(
    message: string,
    readonly failure: DeviceFailure,
  ) {
    super(message);
    this.name = 'DeviceFitError';
  }
}

const OUT_OF_MEMORY = /OUT OF MEMORY|LOW_MEMORY|MEMORY/;

/**
 * The firmware's error without its trace: the message lines, joined with "; ". A trace line
 * ("at f (file:line:col)", also at the end of the first line) is followed by an excerpt of
 * the source and a caret line; all three are left out.
 */
export function deviceMessage(error: string): string {
  const raw = error.split('\n');
  const keep: string[] = [];
  raw.forEach((text, i) => {
    if (/^\s*\^\s*$/.test(raw[i + 1] ?? '')) return; // a source excerpt above its caret
    const line = text.replace(/\s+at \S+ \(.*\)\s*$/, '').trim();
    if (line === '' || /^(at |\^|\.\.\.)/.test(line)) return;
    keep.push(line);
  });
  return keep.join('; ');
}

/** Classifies a firmware error at `stage` as a reason the model does not fit, or null (another error). */
export function classify(stage: DeviceStage, error: string): DeviceFailure | null {
  const message = deviceMessage(error);
  // While reading the tables (memory-check.ts checkTables) no total is known yet.
  const refused = memoryRefusal(error, 'variables');
  if (refused)
    return {
      stage,
      kind: 'refused',
      message,
      deviceOutput: error,
      ...(refused.needed === undefined ? {} : { neededVars: refused.needed }),
      freeVars: refused.free,
    };
  if (/interrupted by mote/.test(error)) return null;
  if (OUT_OF_MEMORY.test(error)) return { stage, kind: 'out-of-memory', message, deviceOutput: error };
  return null;
}

/** fmtMs below a second, else seconds to 3 digits: 0.412 ms, 255 ms, 7.65 s, 23.3 s. */
export function fmtTime(ms: number): string {
  return ms < 1000 ? fmtMs(ms) : `${Number((ms / 1000).toPrecision(3))} s`;
}

/** 2,210 vars (30.2 KB). */
export function fmtVars(n: number, blocksize: number): string {
  return `${n.toLocaleString('en-US')} vars (${fmtBytes(n * blocksize)})`;
}

/** Runs `code` and parses the JSON it printed on its last line; a firmware error comes back as `error`. */
function evalJson<T>(fw: Firmware, code: string, timeoutMs: number): { value?: T; error?: string } {
  const r = fw.eval(code, timeoutMs);
  if (r.error !== null) return { error: r.error };
  const last = r.output.trim().split('\n').pop() ?? '';
  try {
    return { value: JSON.parse(last) as T };
  } catch {
    throw new Error(`firmware ${fw.board}: expected JSON from the device, got: ${r.output.slice(0, 200)}`);
  }
}

interface Session {
  fw: Firmware;
  own: boolean;
}

async function session(board: FirmwareBoard, opts: FirmwareOptions): Promise<Session> {
  if (opts.firmware) {
    if (opts.firmware.board !== board)
      throw new Error(`the firmware passed is ${opts.firmware.board}'s; this target needs ${board}'s`);
    return { fw: opts.firmware, own: false };
  }
  return { fw: await bootFirmware(board), own: true };
}

function requireBoard(target: Target): FirmwareBoard {
  const board = firmwareBoard(target);
  if (!board) throw new Error(`target '${target.name}' has no firmware to run on; use checkFit/emulate`);
  return board;
}

/**
 * Writes the files, then on a fresh interpreter: evaluates the runtime, loads the model by
 * name, allocates the input and does one warm-up run on it, measuring free variables after
 * each step. Stops at the first failure that means "does not fit" (recorded in m.failure);
 * other device errors throw.
 */
function prepare(
  fw: Firmware,
  target: Target,
  bytes: Uint8Array,
  host: Model,
  bundle: string,
  inputs: readonly ArrayLike<number>[] | null,
  timeoutMs: number,
  step: (what: string) => void = () => {},
): DeviceMeasure {
  const board = fw.board;
  const inputSize = host.graph.values[host.graph.inputs[0]].size;
  const form = deviceForm(bytes);
  const runtimeBytes = Buffer.byteLength(bundle);
  const storage: DeviceStorage = {
    runtimeBytes,
    modelBytes: bytes.length,
    deviceFormBytes: form ? form.length : 0,
    neededBytes: runtimeBytes + bytes.length + (form ? form.length : 0),
    totalBytes: 0,
    usedBytes: null,
  };
  const m: DeviceMeasure = {
    target: target.name,
    title: target.title,
    board,
    firmware: `Espruino ${fw.version} (${target.title.replace(/ \(.*/, '')} firmware, emulated)`,
    plan: 'flash',
    macs: host.macs,
    storage,
    variables: {
      blocksize: 0,
      total: 0,
      freeAtStart: 0,
      runtime: null,
      freeForModel: null,
      model: null,
      input: null,
      run: null,
      needed: null,
      freeAfterRun: null,
    },
    runtimeMemory: null,
    loadMs: null,
    loadWatchEstimateMs: null,
    time: null,
    failure: null,
    notes: [],
  };
  const v = m.variables;
  const fail = (stage: DeviceStage, error: string): DeviceMeasure => {
    const f = classify(stage, error);
    if (!f) throw new Error(`mote: ${target.name} firmware, ${stageWords(stage)}: ${deviceMessage(error)}`);
    m.failure = f;
    return m;
  };

  // Storage: the files as `mote flash` sends them, the device form beside a compressed model.
  fw.reset();
  const stats = evalJson<{ totalBytes: number }>(
    fw,
    'print(JSON.stringify(require("Storage").getStats()))',
    timeoutMs,
  );
  if (stats.error !== undefined) throw new Error(`firmware ${board}: Storage.getStats: ${stats.error}`);
  storage.totalBytes = stats.value!.totalBytes;
  if (storage.neededBytes > storage.totalBytes) {
    const message = `needs ${storage.neededBytes} bytes of Storage and the board has ${storage.totalBytes}`;
    m.failure = { stage: 'storage', kind: 'storage', message, deviceOutput: message };
    return m;
  }
  try {
    for (const name of [MODEL_FILE + '.d', INPUT_FILE]) fw.erase(name);
    fw.writeFile(RUNTIME_FILE, bundle);
    fw.writeFile(MODEL_FILE, bytes);
    if (form) fw.writeFile(MODEL_FILE + '.d', form);
    if (inputs && inputs.length) {
      const all = new Float32Array(inputs.length * inputSize);
      inputs.forEach((x, i) => all.set(Array.from(x), i * inputSize));
      fw.writeFile(INPUT_FILE, new Uint8Array(all.buffer));
    }
  } catch (e) {
    const message = (e as Error).message;
    m.failure = { stage: 'storage', kind: 'storage', message, deviceOutput: message };
    return m;
  }
  const used = evalJson<{ fileBytes: number }>(
    fw,
    'print(JSON.stringify(require("Storage").getStats()))',
    timeoutMs,
  );
  if (used.value) storage.usedBytes = used.value.fileBytes;
  if (form)
    m.notes.push(
      `the device form (${fmtBytes(form.length)}: compressed weights decoded) was written by the host, as 'mote flash' does; a watch without it decodes at its first load, slowly`,
    );

  // A fresh interpreter; the runtime evaluated from Storage as README loads it.
  step(PREPARE_STEPS[1]);
  fw.reset();
  const mem0 = fw.memory();
  v.blocksize = mem0.blocksize;
  v.total = mem0.total;
  v.freeAtStart = mem0.free;
  const rt = evalJson<number>(
    fw,
    `eval(require("Storage").read(${JSON.stringify(RUNTIME_FILE)}));print(process.memory().free)`,
    timeoutMs,
  );
  if (rt.error !== undefined) return fail('runtime', rt.error);
  v.freeForModel = rt.value!;
  v.runtime = v.freeAtStart - v.freeForModel;

  // Load by name: the runtime checks the free variables before it allocates.
  step(PREPARE_STEPS[2]);
  const loaded = evalJson<{ t: number; f: number; m: Memory }>(
    fw,
    `var t=getTime();var M=mote.load(${JSON.stringify(MODEL_FILE)});t=getTime()-t;` +
      'print(JSON.stringify({t:t,f:process.memory().free,m:M.memory}))',
    timeoutMs,
  );
  if (loaded.error !== undefined) return fail('load', loaded.error);
  const l = loaded.value!;
  m.loadMs = l.t * 1000;
  m.loadWatchEstimateMs = m.loadMs * WATCH_FACTOR;
  m.runtimeMemory = l.m;
  v.model = v.freeForModel - l.f;

  // The input, then one warm-up run on the first sample (zeros without inputs): what it
  // leaves held, with its result kept, is the run's share.
  step(PREPARE_STEPS[3]);
  const fill = inputs && inputs.length ? sampleCode(0, inputSize) : '';
  const inp = evalJson<number>(
    fw,
    `var x=new Float32Array(${inputSize});${fill}print(process.memory().free)`,
    timeoutMs,
  );
  if (inp.error !== undefined) return fail('run', inp.error);
  v.input = l.f - inp.value!;
  const warm = evalJson<{ t: number; f: number }>(
    fw,
    'var s=getTime();var r=mote.run(M,x);s=getTime()-s;print(JSON.stringify({t:s,f:process.memory().free}))',
    timeoutMs,
  );
  if (warm.error !== undefined) return fail('run', warm.error);
  v.run = inp.value! - warm.value!.f;
  v.needed = v.model + v.run;
  v.freeAfterRun = warm.value!.f;
  m.time = {
    emulatorMs: NaN,
    runs: 0,
    warmupMs: warm.value!.t * 1000,
    watchEstimateMs: NaN,
    factor: WATCH_FACTOR,
    watchEstimate: WATCH_BASIS,
    measuredOnWatch: false,
  };
  m.notes.push(
    'the emulator boots to a bare REPL: no clock, widgets or app hold variables; on a watch they share the free variables left after a run',
  );
  return m;
}

/** Device code copying sample k from the inputs file into x (a view of the file: no RAM copy of it). */
function sampleCode(k: number, n: number): string {
  return `x.set(new Float32Array(E.toArrayBuffer(require("Storage").read(${JSON.stringify(INPUT_FILE)},${k * n * 4},${n * 4}))));`;
}

/** What the firmware was doing at `stage`, in words. */
export function stageWords(stage: DeviceStage): string {
  switch (stage) {
    case 'storage':
      return 'writing the files to Storage';
    case 'runtime':
      return 'evaluating the runtime bundle';
    case 'load':
      return 'loading the model by name';
    case 'run':
      return 'running the model';
  }
}

function setTime(t: DeviceTime, ms: number[]): void {
  t.runs = ms.length;
  t.emulatorMs = ms.reduce((a, b) => a + b, 0) / ms.length;
  t.watchEstimateMs = t.emulatorMs * WATCH_FACTOR;
}

/**
 * Measures on the target's firmware whether the model fits and how long it takes: the
 * variables it needs (see DeviceVariables), the Storage it takes, and the mean time of
 * `runs` runs (default 3, more while under 0.25 s in all) after a warm-up, with the watch
 * estimate derived from it (WATCH_BASIS).
 */
export async function fitOnFirmware(
  bytes: Uint8Array,
  target: Target,
  opts: FirmwareFitOptions = {},
): Promise<FirmwareFitReport> {
  const board = requireBoard(target);
  const bundle = opts.bundleSource ?? runtimeFor(bytes, target);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Steps: boot, prepare's, the timed runs.
  let done = 0;
  const total = 2 + PREPARE_STEPS.length;
  const step = (what: string) => opts.onStep?.(done++, total, what);
  step('booting the firmware');
  const s = await session(board, opts);
  try {
    step(PREPARE_STEPS[0]);
    const m = prepare(s.fw, target, bytes, loadUnlimited(bytes, 'stream'), bundle, null, timeoutMs, step);
    if (m.time) {
      step('timed runs');
      const runs = Math.max(1, Math.min(MAX_RUNS, opts.runs ?? DEFAULT_RUNS));
      const timed = evalJson<number[]>(
        s.fw,
        `var T=[],k=0,t0=getTime();while(k<${runs}||(k<${MAX_RUNS}&&getTime()-t0<${MIN_TIMED_S})){` +
          'var s=getTime();r=mote.run(M,x);T.push(getTime()-s);k++}print(JSON.stringify(T))',
        timeoutMs,
      );
      if (timed.error !== undefined) {
        const f = classify('run', timed.error);
        if (!f)
          throw new Error(`mote: ${target.name} firmware, running the model: ${deviceMessage(timed.error)}`);
        m.failure = f;
        m.time = null;
      } else
        setTime(
          m.time,
          timed.value!.map((t) => t * 1000),
        );
    }
    opts.onStep?.(total, total, 'done');
    return fitVerdict(m, opts.latencyBudgetMs ?? null);
  } finally {
    if (s.own) s.fw.close();
  }
}

function fitVerdict(m: DeviceMeasure, latencyBudgetMs: number | null): FirmwareFitReport {
  const v = m.variables;
  let ok = m.failure === null;
  let summary: string;
  if (m.failure) {
    const f = m.failure;
    summary = `does not fit ${m.target}: ${stageWords(f.stage)} on the firmware: ${f.message}`;
  } else {
    const t = m.time!;
    summary =
      `fits ${m.target}: needs ${fmtVars(v.needed!, v.blocksize)} of ${v.freeForModel!.toLocaleString('en-US')} free after the runtime, ` +
      `${v.freeAfterRun!.toLocaleString('en-US')} left; ${fmtTime(t.emulatorMs)} per inference in the emulator, ` +
      `~${fmtTime(t.watchEstimateMs)} on the watch (assumed ×${t.factor})`;
    if (latencyBudgetMs !== null && t.watchEstimateMs > latencyBudgetMs) {
      ok = false;
      summary = `does not fit ${m.target}: latency ~${fmtTime(t.watchEstimateMs)} on the watch (assumed ×${t.factor}) > budget ${fmtTime(latencyBudgetMs)}`;
    }
  }
  return { ...m, ok, summary, latencyBudgetMs };
}

/**
 * Runs the inputs (none: one sample of zeros) on the target's firmware, loaded by name:
 * outputs as the device computed them (exact float32), labels, the runtime's per-op profile
 * timed there, variables and time. A model that does not fit throws DeviceFitError.
 */
export async function emulateOnFirmware(
  bytes: Uint8Array,
  target: Target,
  inputs: readonly ArrayLike<number>[],
  opts: FirmwareOptions = {},
): Promise<FirmwareEmulateReport> {
  const board = requireBoard(target);
  const bundle = opts.bundleSource ?? runtimeFor(bytes, target);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const host = loadUnlimited(bytes, 'stream');
  const size = host.graph.values[host.graph.inputs[0]].size;
  const xs = inputs.length ? inputs : [new Float32Array(size)];
  xs.forEach((x, i) => {
    if (x.length !== size)
      throw new Error(`mote: sample ${i} has ${x.length} values; the model's input takes ${size}`);
  });
  const passes = Math.max(1, Math.min(MAX_RUNS, opts.runs ?? 1));
  // Steps: boot, prepare's, each profiled run.
  let done = 0;
  const total = 1 + PREPARE_STEPS.length + passes * xs.length;
  const step = (what: string) => opts.onStep?.(done++, total, what);
  step('booting the firmware');
  const s = await session(board, opts);
  try {
    step(PREPARE_STEPS[0]);
    const m = prepare(s.fw, target, bytes, host, bundle, xs, timeoutMs, step);
    if (!inputs.length) m.notes.unshift(`no input given: one sample of ${size} zeros`);
    if (m.failure) {
      throw new DeviceFitError(
        `mote: does not fit ${target.name} (on its firmware, ${m.firmware}): ${stageWords(m.failure.stage)}: ${m.failure.message}`,
        m.failure,
      );
    }
    const times: number[] = [];
    const outputs: { label: number; outputs: number[] }[] = [];
    let sum: OpProfile[] | undefined;
    for (let pass = 0; pass < passes; pass++) {
      for (let k = 0; k < xs.length; k++) {
        step(`profiled run ${pass * xs.length + k + 1}`);
        const r = evalJson<{ t: number; l: number; o: string; p: OpProfile[] }>(
          s.fw,
          sampleCode(k, size) +
            'var s=getTime();r=mote.run(M,x,{profile:true});s=getTime()-s;var o=r.outputs[0];' +
            'print(JSON.stringify({t:s,l:r.label,o:btoa(E.toString(new Uint8Array(o.buffer,o.byteOffset,o.length*4))),p:r.profile}))',
          timeoutMs,
        );
        if (r.error !== undefined) {
          const f = classify('run', r.error);
          if (!f)
            throw new Error(`mote: ${target.name} firmware, running sample ${k}: ${deviceMessage(r.error)}`);
          throw new DeviceFitError(
            `mote: does not fit ${target.name} (on its firmware, ${m.firmware}): running the model: ${f.message}`,
            f,
          );
        }
        const v = r.value!;
        times.push(v.t * 1000);
        if (pass === 0) {
          const b = Buffer.from(v.o, 'base64');
          const f32 = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
          outputs.push({ label: v.l, outputs: Array.from(f32) });
        }
        if (!sum) sum = v.p.map((p) => ({ ...p, ms: p.ms }));
        else v.p.forEach((p, i) => (sum![i].ms += p.ms));
      }
    }
    opts.onStep?.(total, total, 'done');
    setTime(m.time!, times);
    const n = times.length;
    const weights = opWeights(host);
    const layers = (sum ?? []).map((p, i): FirmwareLayer => {
      const emulatorMs = p.ms / n;
      const l: FirmwareLayer = {
        name: p.name,
        op: p.op,
        kernel: p.kernel,
        macs: p.macs,
        bits: p.bits,
        elements: p.elements,
        emulatorMs,
        watchEstimateMs: emulatorMs * WATCH_FACTOR,
      };
      if (weights[i] !== undefined) l.weight = weights[i];
      return l;
    });
    const labels = host.meta.labels as string[] | undefined;
    const samples = outputs.map((o): EmulatedSample => {
      const sample: EmulatedSample = { outputs: o.outputs, label: o.label, exit: 'none' };
      if (labels?.[o.label] !== undefined) sample.labelName = labels[o.label];
      return sample;
    });
    m.notes.push(
      `time per inference: the mean of ${n} profiled run${n > 1 ? 's' : ''} after a warm-up run; per-layer ms by the firmware's getTime() (about 1 ms resolution in the emulator), averaged`,
    );
    return { ...m, samples, layers, bits: layers.reduce((a, l) => a + l.bits, 0) };
  } finally {
    if (s.own) s.fw.close();
  }
}
