// Runs the runtime bundle inside QuickJS (compiled to WebAssembly) with a hard heap limit,
// a stack limit and a deadline: the closest desktop stand-in for a small device's engine.
import { getQuickJS } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import {
  EngineError,
  EnginePlan,
  EngineRun,
  harnessCalls,
  HARNESS_SOURCE,
  parseHarnessOutputs,
  VmError,
  vmError,
} from './harness.js';

const ENGINE = 'QuickJS';

export interface QuickJSOptions {
  /**
   * The whole QuickJS heap in bytes: engine (~52 KB for a fresh context), runtime code,
   * the model's hex text and bytes, and every buffer.
   */
  memoryLimitBytes: number;
  plan?: EnginePlan;
  /** Passed to mote.load as `memoryLimit` (the runtime's own budget check). */
  modelMemoryLimit?: number;
  /** Wall-clock budget for the bundle plus all inferences. Default 10 s. */
  interruptAfterMs?: number;
  /** Default 256 KB. */
  maxStackBytes?: number;
  /** Passes over the inputs, for timing. Default 1. */
  repeat?: number;
  /** Report the runtime's per-op profile (EngineRun.profile). */
  profile?: boolean;
  /** ES5 source evaluated before the bundle (HarnessOptions.globals). */
  globals?: string;
}

export async function runInQuickJS(
  bundleSource: string,
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: QuickJSOptions,
): Promise<EngineRun> {
  const qjs = await getQuickJS();
  const limit = opts.memoryLimitBytes;
  const timeoutMs = opts.interruptAfterMs ?? 10_000;
  const stackBytes = opts.maxStackBytes ?? 256 * 1024;
  const calls = harnessCalls(model, inputs, {
    plan: opts.plan,
    modelMemoryLimit: opts.modelMemoryLimit,
    repeat: opts.repeat,
    profile: opts.profile,
  });

  // QuickJS's own limit (setMemoryLimit) only stops single allocations bigger than the
  // limit here: built for WebAssembly it cannot read block sizes, so it counts 8 bytes per
  // live block. The heap's real size is sampled from its memory report instead, at every
  // interrupt (every ~10,000 operations) and after every script, against the same limit.
  let peak = 0;
  let reason: 'timeout' | 'memory' | undefined;
  const checkMemory = (rt: QuickJSRuntime): boolean => {
    const used = heapUsed(rt);
    if (used > peak) peak = used;
    if (used > limit) reason ??= 'memory';
    return used > limit;
  };

  const mapError = (e: VmError): Error | undefined => {
    if (reason === 'memory' || (e.name === 'InternalError' && /out of memory/.test(e.message))) {
      return outOfMemory(limit, peak);
    }
    if (reason === 'timeout' || (e.name === 'InternalError' && /interrupted/.test(e.message))) {
      return new EngineError(
        ENGINE,
        `${ENGINE}: interrupted after ${timeoutMs} ms (timeout: the script hung or looped)`,
      );
    }
    if (e.name === 'RangeError' && /stack overflow/.test(e.message)) {
      return new EngineError(ENGINE, `${ENGINE}: stack overflow (max stack ${stackBytes} bytes)`);
    }
    return undefined;
  };

  const rt = qjs.newRuntime();
  try {
    rt.setMaxStackSize(stackBytes);
    const ctx = rt.newContext();
    try {
      rt.setMemoryLimit(limit);
      const deadline = Date.now() + timeoutMs;
      rt.setInterruptHandler(() => {
        if (Date.now() > deadline) reason ??= 'timeout';
        return checkMemory(rt) || reason !== undefined;
      });
      const step = (code: string, filename: string): string => {
        const text = evalOrThrow(ctx, code, filename, limit, mapError);
        if (checkMemory(rt)) throw outOfMemory(limit, peak);
        return text;
      };
      if (opts.globals) step(opts.globals, 'globals.js');
      step(bundleSource, 'mote-runtime.min.js');
      step(HARNESS_SOURCE, 'harness.js');
      const answers = calls.map((call, i) => step(call, `call-${i}.js`));
      const result = parseHarnessOutputs(ENGINE, answers, mapError);
      rt.removeInterruptHandler();
      return { engine: ENGINE, ...result, engineHeapBytes: heapUsed(rt), engineHeapPeakBytes: peak };
    } finally {
      ctx.dispose();
    }
  } finally {
    rt.dispose();
  }
}

function outOfMemory(limit: number, peak: number): EngineError {
  const seen = peak > limit ? `; the heap reached ${peak} bytes` : '';
  return new EngineError(ENGINE, `${ENGINE}: out of memory (limit ${limit} bytes)${seen}`);
}

/** Evaluates `code` and returns its result as a string, or throws a host-side Error. */
function evalOrThrow(
  ctx: QuickJSContext,
  code: string,
  filename: string,
  limit: number,
  mapError: (e: VmError) => Error | undefined,
): string {
  const r = ctx.evalCode(code, filename, { type: 'global' });
  if (r.error) throw vmError(ENGINE, dumpError(ctx, r.error, limit), mapError);
  const v = r.value;
  try {
    return ctx.typeof(v) === 'string' ? ctx.getString(v) : '';
  } finally {
    v.dispose();
  }
}

/** Reads a thrown value; QuickJS throws null when it cannot even allocate the error. */
export function dumpError(ctx: QuickJSContext, h: QuickJSHandle, limit: number): VmError {
  try {
    const e: unknown = ctx.dump(h);
    if (e === null || e === undefined) {
      return {
        name: 'InternalError',
        message: `out of memory (exception value ${String(e)}, limit ${limit})`,
      };
    }
    if (typeof e === 'object') {
      const o = e as { name?: unknown; message?: unknown };
      return { name: String(o.name ?? ''), message: String(o.message ?? JSON.stringify(e)) };
    }
    return { name: '', message: String(e) };
  } catch {
    return { name: 'InternalError', message: 'out of memory (the error could not be read)' };
  } finally {
    h.dispose();
  }
}

/**
 * Bytes in use by the whole runtime, from its memory report ("memory used" line). Unlike
 * computeMemoryUsage this allocates nothing in the VM (that one creates a second context).
 */
export function heapUsed(rt: QuickJSRuntime): number {
  const m = /memory used\s+\d+\s+(\d+)/.exec(rt.dumpMemoryUsage());
  return m ? Number(m[1]) : 0;
}
