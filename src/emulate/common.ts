// Shared by `fit` and `emulate`: plans, byte formatting, and a profiled run of the
// runtime in this process (the same runtime code that ships, so the same counts).
import { load, run, type Model, type OpProfile } from '../runtime/model.js';
// The host reads every op: register all kernels (a device bundle holds only its model's).
import '../runtime/op/all.js';
import type { ExecutionPlan, Target } from '../../targets/target.js';

export const PLANS: readonly ExecutionPlan[] = ['stream', 'cache', 'install'];

export function isPlan(p: string): p is ExecutionPlan {
  return (PLANS as readonly string[]).includes(p);
}

/** The plan asked for, else the target's default (else 'stream', for older descriptors). */
export function resolvePlan(target: Target, plan?: ExecutionPlan): ExecutionPlan {
  return plan ?? target.defaultPlan ?? 'stream';
}

/** 512 B, 6.4 KB, 3.06 MB. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MB`;
}

/** 0.123 ms, 12.3 ms, 1234 ms. */
export function fmtMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** No budget of the runtime's own: the caller compares the plan against the target. */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Loads with the runtime's plan and no memory limit (so the plan is reported, not refused). */
export function loadUnlimited(bytes: Uint8Array, plan: string): Model {
  return load(bytes, { plan, memoryLimit: NO_LIMIT });
}

/**
 * Runs every input once with profiling and returns the per-op profile with `ms` averaged
 * over the runs (counts are the same on every run). No inputs: one run on zeros.
 */
export function profileInProcess(model: Model, inputs: readonly ArrayLike<number>[]): OpProfile[] {
  const xs = inputs.length ? inputs : [zeroInput(model)];
  let sum: OpProfile[] | undefined;
  for (const x of xs) {
    const p = run(model, x, { profile: true }).profile ?? [];
    if (!sum) sum = p.map((o) => ({ ...o }));
    else p.forEach((o, i) => (sum![i].ms += o.ms));
  }
  return (sum ?? []).map((o) => ({ ...o, ms: o.ms / xs.length }));
}

/** An all-zeros input for the model's first input. */
export function zeroInput(model: Model): Float32Array {
  return new Float32Array(model.graph.values[model.graph.inputs[0]].size);
}

/** Name of the weight tensor of each op (undefined for ops without one), in op order. */
export function opWeights(model: Model): (string | undefined)[] {
  return model.graph.ops.map((op) => model.tensors[op.weight]?.name);
}

/**
 * The runtime's refusal before running an engine out of memory (src/runtime/memory-check.ts)
 * in that engine's error text, counted in Espruino variables or JerryScript heap bytes: what
 * it asked for (none when it stopped while reading the tables) and what was free.
 */
export function memoryRefusal(
  error: string,
  unit: 'variables' | 'heap bytes',
): { needed?: number; free: number } | null {
  const asked = unit === 'variables' ? 'variables of \\d+ bytes' : 'bytes of heap';
  const refused = new RegExp(`needs about (\\d+) ${asked} \\(.*?\\), and (\\d+) are free`).exec(error);
  if (refused) return { needed: Number(refused[1]), free: Number(refused[2]) };
  const tables = new RegExp(
    `too big for this device: its tables alone take the memory left \\((\\d+) ${unit} free`,
  ).exec(error);
  return tables ? { free: Number(tables[1]) } : null;
}
