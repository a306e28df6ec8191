// `fit` on Kaluma's own engine: JerryScript 2.4 as Kaluma 1.2.1 builds it for the Raspberry Pi
// Pico (180 KB heap), compiled to wasm and booted in this process (targets/engines/jerryscript.ts).
// The model's own runtime bundle is evaluated, the model is read from a file with
// require("fs").readFile and loaded from those bytes, as a Kaluma app does, and run once; what
// the engine reports is measured: its heap (jerry_get_memory_stats: allocated, peak) and time
// by its Date.now(). Running out of the heap is fatal there (the board restarts); here it ends
// the engine instance, and the fit says the model does not fit. Emulator time is not the
// Pico's: the report gives the emulator's time only, and says so.
import { bootJerry, type Jerry } from '../../targets/engines/jerryscript.js';
import type { Target } from '../../targets/target.js';
import { runtimeFor } from '../build/model-bundle.js';
import type { Memory } from '../runtime/model.js';
import { fmtBytes, loadUnlimited, memoryRefusal } from './common.js';
import { fmtTime } from './firmware.js';

/** Targets whose engine runs here as JerryScript, by target name: the heap of its build. */
const HEAPS_KB: Record<string, number> = { 'kaluma-pico': 180 };

/** The JerryScript heap (KB) that stands for `target`, or undefined when it has none. */
export function jerryHeapKB(target: { name: string }): number | undefined {
  return Object.prototype.hasOwnProperty.call(HEAPS_KB, target.name) ? HEAPS_KB[target.name] : undefined;
}

/** The file name the model is written to and read from, as a Kaluma app would. */
export const KALUMA_MODEL_FILE = 'model.mote';

const DEFAULT_RUNS = 3;
const MIN_TIMED_MS = 250;
const MAX_RUNS = 100;
const DEFAULT_TIMEOUT_MS = 600_000;

/** What the time figure is, in words: printed by fit and kept in --json. */
export const KALUMA_TIME_BASIS =
  "emulator time: JerryScript compiled to wasm and run on this computer, by the engine's " +
  "Date.now() (1 ms resolution); NOT the Pico's time (a 133 MHz Cortex-M0+ without FPU is " +
  "far slower; no factor is applied), and it moves with this computer's load";

export type KalumaStage = 'runtime' | 'load' | 'run';

export interface KalumaFailure {
  stage: KalumaStage;
  /**
   * 'refused': the runtime's check before allocating ("needs about N bytes of heap ...") or
   * while reading the tables; 'out-of-memory': JerryScript's fatal ERR_OUT_OF_MEMORY (on
   * Kaluma the board restarts).
   */
  kind: 'refused' | 'out-of-memory';
  /** The engine's message (the runtime's error text, or the fatal error). */
  message: string;
  /** From a refusal: the heap bytes the runtime asked for, and how many were free. */
  neededBytes?: number;
  freeBytes?: number;
}

/** Heap bytes (jerry_get_memory_stats), after a garbage collection unless said otherwise. */
export interface KalumaHeap {
  /** The usable heap (180 KB less the allocator's headers). */
  size: number;
  /** Allocated on a fresh engine. */
  atStart: number;
  /** Taken by evaluating the runtime bundle; null when that failed. */
  runtime: number | null;
  /** Free after the runtime: what the model may use. */
  freeForModel: number | null;
  /** Held after mote.load: the file's bytes (read into the heap), buffers, tables, the model. */
  model: number | null;
  /** Held after one run beyond the load (the input and the result kept). */
  run: number | null;
  /**
   * The peak during reading the file, mote.load and one run (without a collection), less what
   * the runtime held: what the model needs of the heap at its most. When the model did not fit,
   * the peak up to the failure.
   */
  peak: number | null;
  /** Free after a run, with the runtime, the model, the input and the result held. */
  freeAfterRun: number | null;
}

export interface KalumaTime {
  /** Mean ms per inference in the emulator (Date.now()), after one warm-up run. */
  emulatorMs: number;
  runs: number;
  warmupMs: number;
  basis: string;
  /** Always false: this is the emulator's time, not a measurement on a Pico. */
  measuredOnDevice: false;
}

export interface KalumaFitReport {
  target: string;
  title: string;
  /** "JerryScript 2.4.0 (...) as Kaluma 1.2.1 for the Pico, heap 180 KB (emulated)". */
  engine: string;
  /** The plan the runtime ran (mote.load(bytes, { plan })). */
  plan: string;
  macs: number;
  /** Flash for the runtime bundle and the model file against the target's storage budget. */
  flash: { runtimeBytes: number; modelBytes: number; neededBytes: number; budgetBytes: number; ok: boolean };
  heap: KalumaHeap;
  /** The runtime's own plan on the device (model.memory, bytes); null when the load failed. */
  runtimeMemory: Memory | null;
  /** mote.load in the emulator, ms; null when it failed. */
  loadMs: number | null;
  time: KalumaTime | null;
  failure: KalumaFailure | null;
  /** It loaded and ran within the heap, and its files fit the flash budget. */
  ok: boolean;
  summary: string;
  notes: string[];
}

export interface KalumaFitOptions {
  /** The runtime bundle's source; default: the bundle of this model alone for this target. */
  bundleSource?: string;
  /** 'stream' or 'cache'; default the target's. */
  plan?: string;
  /** Timed runs after the warm-up (default 3; more, up to 100, while under 0.25 s in all). */
  runs?: number;
  /** Per step in the engine (bundle, load, runs), ms. Default 10 minutes. */
  timeoutMs?: number;
}

/** The engine's error at `stage` as a reason the model does not fit, or null (another error). */
export function classifyJerry(stage: KalumaStage, error: string, fatal: string | null): KalumaFailure | null {
  const message = error.split('\n')[0].trim();
  if (fatal === 'out of memory') return { stage, kind: 'out-of-memory', message };
  const refused = memoryRefusal(error, 'heap bytes');
  if (!refused) return null;
  return {
    stage,
    kind: 'refused',
    message,
    ...(refused.needed === undefined ? {} : { neededBytes: refused.needed }),
    freeBytes: refused.free,
  };
}

/** What the engine was doing at `stage`, in words. */
export function kalumaStageWords(stage: KalumaStage): string {
  switch (stage) {
    case 'runtime':
      return 'evaluating the runtime bundle';
    case 'load':
      return 'reading the file and loading the model';
    case 'run':
      return 'running the model';
  }
}

/**
 * Measures on JerryScript with the target's heap whether the model fits and how long a run
 * takes there (in the emulator): see KalumaHeap. A fresh engine is booted (a fatal error ends
 * it) and closed.
 */
export function fitOnJerry(bytes: Uint8Array, target: Target, opts: KalumaFitOptions = {}): KalumaFitReport {
  const heapKB = jerryHeapKB(target);
  if (heapKB === undefined) throw new Error(`target '${target.name}' has no JerryScript build to run on`);
  const plan = opts.plan ?? target.defaultPlan;
  if (plan !== 'stream' && plan !== 'cache')
    throw new Error(`plan '${plan}' is not measured on JerryScript: use 'stream' or 'cache'`);
  const host = loadUnlimited(bytes, plan);
  const inputSize = host.graph.values[host.graph.inputs[0]].size;
  const bundle = opts.bundleSource ?? runtimeFor(bytes, target);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const runtimeBytes = Buffer.byteLength(bundle);
  const e: Jerry = bootJerry({ heapKB });
  try {
    const mem0 = e.memory(true);
    const heap: KalumaHeap = {
      size: mem0.heapSize,
      atStart: mem0.allocated,
      runtime: null,
      freeForModel: null,
      model: null,
      run: null,
      peak: null,
      freeAfterRun: null,
    };
    const r: KalumaFitReport = {
      target: target.name,
      title: target.title,
      engine: `${e.version} (emulated)`,
      plan,
      macs: host.macs,
      flash: {
        runtimeBytes,
        modelBytes: bytes.length,
        neededBytes: runtimeBytes + bytes.length,
        budgetBytes: target.flashBytes,
        ok: runtimeBytes + bytes.length <= target.flashBytes,
      },
      heap,
      runtimeMemory: null,
      loadMs: null,
      time: null,
      failure: null,
      ok: false,
      summary: '',
      notes: [
        `the model is read into the heap with require("fs").readFile, as a Kaluma app would, and loaded from those bytes; they stay in the heap while the model is used`,
        "heap figures are a few KB below a real Kaluma's: its boot code (board.js, LittleFS) and its own magic strings hold heap this build does not",
      ],
    };
    const fail = (stage: KalumaStage, error: string, fatal: string | null): KalumaFitReport => {
      const f = classifyJerry(stage, error, fatal);
      if (!f)
        throw new Error(
          `mote: ${target.name} (JerryScript), ${kalumaStageWords(stage)}: ${error.split('\n')[0]}`,
        );
      r.failure = f;
      if (heap.runtime !== null) heap.peak = e.memory().peak - heap.atStart - heap.runtime;
      return verdict(r);
    };
    const json = <T>(output: string): T => JSON.parse(output.trim().split('\n').pop() ?? '') as T;

    const rt = e.eval(bundle, timeoutMs);
    if (rt.error !== null) return fail('runtime', rt.error, rt.fatal);
    const afterRuntime = e.memory(true).allocated;
    heap.runtime = afterRuntime - heap.atStart;
    heap.freeForModel = heap.size - afterRuntime;

    e.writeFile(KALUMA_MODEL_FILE, bytes);
    e.resetPeak();
    const loaded = e.eval(
      `var fs=require("fs");var t=Date.now();var M=mote.load(fs.readFile(${JSON.stringify(KALUMA_MODEL_FILE)}),{plan:${JSON.stringify(plan)}});` +
        't=Date.now()-t;print(JSON.stringify({t:t,m:M.memory}))',
      timeoutMs,
    );
    if (loaded.error !== null) return fail('load', loaded.error, loaded.fatal);
    const l = json<{ t: number; m: Memory }>(loaded.output);
    r.loadMs = l.t;
    r.runtimeMemory = l.m;
    const afterLoad = e.memory(true).allocated;
    heap.model = afterLoad - afterRuntime;

    const warm = e.eval(
      `var x=new Float32Array(${inputSize});var s=Date.now();var r=mote.run(M,x);s=Date.now()-s;print(s)`,
      timeoutMs,
    );
    if (warm.error !== null) return fail('run', warm.error, warm.fatal);
    heap.peak = e.memory().peak - afterRuntime;
    const afterRun = e.memory(true).allocated;
    heap.run = afterRun - afterLoad;
    heap.freeAfterRun = heap.size - afterRun;

    const runs = Math.max(1, Math.min(MAX_RUNS, opts.runs ?? DEFAULT_RUNS));
    const timed = e.eval(
      `var T=[],k=0,t0=Date.now();while(k<${runs}||(k<${MAX_RUNS}&&Date.now()-t0<${MIN_TIMED_MS})){` +
        'var s=Date.now();r=mote.run(M,x);T.push(Date.now()-s);k++}print(JSON.stringify(T))',
      timeoutMs,
    );
    if (timed.error !== null) return fail('run', timed.error, timed.fatal);
    const ms = json<number[]>(timed.output);
    r.time = {
      emulatorMs: ms.reduce((a, b) => a + b, 0) / ms.length,
      runs: ms.length,
      warmupMs: json<number>(warm.output),
      basis: KALUMA_TIME_BASIS,
      measuredOnDevice: false,
    };
    return verdict(r);
  } finally {
    e.close();
  }
}

function verdict(r: KalumaFitReport): KalumaFitReport {
  const h = r.heap;
  const f = r.failure;
  r.ok = f === null && r.flash.ok;
  if (f)
    r.summary =
      `does not fit ${r.target}: ${kalumaStageWords(f.stage)} on JerryScript (${fmtBytes(h.size)} heap): ` +
      (f.kind === 'out-of-memory' ? `out of memory (${f.message})` : f.message);
  else if (!r.flash.ok)
    r.summary = `does not fit ${r.target}: flash needs ${fmtBytes(r.flash.neededBytes)} > budget ${fmtBytes(r.flash.budgetBytes)}`;
  else
    r.summary =
      `fits ${r.target}: needs ${fmtBytes(h.peak!)} of heap at its peak of ${fmtBytes(h.freeForModel!)} free after the runtime, ` +
      `${fmtBytes(h.freeAfterRun!)} left for the app; ${fmtTime(r.time!.emulatorMs)} per inference in the emulator (not the Pico's time)`;
  return r;
}
