// Will this model fit this target? Flash (runtime bundle + model), RAM (the runtime's own
// memory plan, computed by the same code that runs on the device) and estimated latency
// (a profiled run here, priced by the target's cost model), with concrete suggestions
// derived from the model when a check fails. For banglejs2 and banglejs1, `mote fit`
// measures on the watch's firmware instead (firmware.ts).
import { runtimeFor } from '../build/model-bundle.js';
import type { Memory, Model, OpProfile } from '../runtime/model.js';
import { KIND_FLOAT32 } from '../runtime/tensors.js';
import type { ExecutionPlan, Target } from '../../targets/target.js';
import { costOf, estimateOps, estimateTotals, type EstimateTotals, type OpEstimate } from './estimate.js';
import { fmtBytes, fmtMs, loadUnlimited, profileInProcess, resolvePlan } from './common.js';

export type CheckName = 'flash' | 'ram' | 'latency';

export interface FitCheck {
  name: CheckName;
  /** Bytes (flash, ram) or estimated ms per inference (latency). */
  needed: number;
  /** The target's budget; null when there is none (latency, unless one was given). */
  budget: number | null;
  unit: 'bytes' | 'ms';
  /** null: no budget to check against (reported only). */
  ok: boolean | null;
  /** What `needed` is made of (flash: runtime, model; ram: activations, resident, scratch; latency: ms by kind). */
  parts: Record<string, number>;
  detail: string;
}

export interface Suggestion {
  check: CheckName;
  /** 'fix': addresses a failed check; 'tip': optional improvement. */
  kind: 'fix' | 'tip';
  message: string;
}

export interface FitReport {
  target: string;
  title: string;
  plan: ExecutionPlan;
  /** Every check with a budget passed. */
  ok: boolean;
  /** "fits banglejs2: ..." or "does not fit banglejs2: RAM needs X > budget Y". */
  summary: string;
  checks: FitCheck[];
  suggestions: Suggestion[];
  /** Caveats about how a figure was obtained (missing bundle, plan fallbacks). */
  notes: string[];
  model: { fileBytes: number; flashBytes: number; macs: number };
  memory: Memory;
  /** Per-op counts and estimated device time; empty when the target has no cost model. */
  ops: OpEstimate[];
  totals: EstimateTotals | null;
}

/** src/format/install.ts's `installForm`: the fixed-width form that plan 'install' keeps in flash. */
export type InstallForm = (bytes: Uint8Array) => Uint8Array;

export interface FitOptions {
  /** The runtime bundle's source; default: the bundle of this model alone for this target (mote bundle). */
  bundleSource?: string;
  /** Produces the installed form (plan 'install'); see findInstallForm(). */
  installForm?: InstallForm;
  /** Fail the latency check above this many estimated ms per inference. Default: report only. */
  latencyBudgetMs?: number;
}

/**
 * src/format/install.ts's installForm when that module exists (it is being written),
 * else undefined. Imported by a computed name so this compiles before it lands.
 */
export async function findInstallForm(): Promise<InstallForm | undefined> {
  const spec = '../format/install.js';
  try {
    // import() of a computed name is typed `any`; narrowed here before use.
    const mod = (await import(spec)) as { installForm?: unknown };
    return typeof mod.installForm === 'function' ? (mod.installForm as InstallForm) : undefined;
  } catch {
    return undefined;
  }
}

interface PlanRun {
  plan: ExecutionPlan;
  model: Model;
  profile: OpProfile[];
}

/** Loads and profiles under `plan`; plan 'install' falls back to 'stream' while the runtime lacks it. */
function runPlan(bytes: Uint8Array, installed: Uint8Array, plan: ExecutionPlan, notes: string[]): PlanRun {
  if (plan === 'install') {
    try {
      const model = loadUnlimited(installed, 'install');
      return { plan, model, profile: profileInProcess(model, []) };
    } catch (e) {
      notes.push(
        `the runtime cannot load plan 'install' yet (${(e as Error).message}); RAM and latency shown are plan 'stream''s, which reads weights a row at a time like 'install' (but decodes Huffman streams where 'install' reads fixed-width values)`,
      );
      plan = 'stream';
    }
  }
  const model = loadUnlimited(bytes, plan);
  return { plan, model, profile: profileInProcess(model, []) };
}

/** Bytes of the bundle as stored (UTF-8): the model's own bundle for this target unless one is given. */
function bundleBytes(bytes: Uint8Array, target: Target, opts: FitOptions): number {
  return Buffer.byteLength(opts.bundleSource ?? runtimeFor(bytes, target));
}

export function checkFit(
  bytes: Uint8Array,
  target: Target,
  plan?: ExecutionPlan,
  opts: FitOptions = {},
): FitReport {
  const notes: string[] = [];
  const chosen = resolvePlan(target, plan);
  const cost = costOf(target);
  if (!cost) notes.push(`target '${target.name}' has no cost model yet: no latency estimate`);

  // Flash: runtime bundle + the model as stored (plan 'install': its installed form).
  const runtimeBytes = bundleBytes(bytes, target, opts);
  let stored = bytes;
  if (chosen === 'install') {
    if (opts.installForm) stored = opts.installForm(bytes);
    else
      notes.push(
        "plan 'install': the installed form is not available (src/format/install.ts); flash counts the .mote file's size",
      );
  }
  const flashNeeded = runtimeBytes + stored.length;
  const flash: FitCheck = {
    name: 'flash',
    needed: flashNeeded,
    budget: target.flashBytes,
    unit: 'bytes',
    ok: flashNeeded <= target.flashBytes,
    parts: { runtime: runtimeBytes, model: stored.length },
    detail: `runtime ${fmtBytes(runtimeBytes)} + model ${fmtBytes(stored.length)}${stored !== bytes ? ' (installed form)' : ''}`,
  };

  // RAM: the runtime's own plan for this model.
  const main = runPlan(bytes, stored, chosen, notes);
  const mem = main.model.memory;
  const ram: FitCheck = {
    name: 'ram',
    needed: mem.peak,
    budget: target.ramForModelBytes,
    unit: 'bytes',
    ok: mem.peak <= target.ramForModelBytes,
    parts: { activations: mem.activations, resident: mem.resident, scratch: mem.scratch },
    detail: `activations ${fmtBytes(mem.activations)}, weights ${fmtBytes(mem.resident)}, scratch ${fmtBytes(mem.scratch)}`,
  };

  // Latency: profiled counts priced by the target's cost model.
  const ops = cost ? estimateOps(main.profile, cost) : [];
  const totals = cost ? estimateTotals(ops) : null;
  const checks: FitCheck[] = [flash, ram];
  if (totals) {
    const budget = opts.latencyBudgetMs ?? null;
    checks.push({
      name: 'latency',
      needed: totals.estimatedMs,
      budget,
      unit: 'ms',
      ok: budget === null ? null : totals.estimatedMs <= budget,
      parts: {
        macs: totals.macMs,
        decode: totals.decodeMs,
        elements: totals.elementMs,
        overhead: totals.overheadMs,
      },
      detail: latencyDetail(totals),
    });
  }

  const suggestions: Suggestion[] = [];
  if (!flash.ok) suggestions.push(...flashSuggestions(main.model, flash, target));
  if (!ram.ok) suggestions.push(...ramSuggestions(bytes, main, target));
  const latency = checks.find((c) => c.name === 'latency');
  if (latency && totals && cost)
    suggestions.push(...latencySuggestions(bytes, main, latency, totals, target, chosen, opts));

  const failed = checks.filter((c) => c.ok === false);
  const ok = failed.length === 0;
  const summary = ok
    ? `fits ${target.name}: flash ${fmtBytes(flash.needed)} of ${fmtBytes(target.flashBytes)}, RAM ${fmtBytes(ram.needed)} of ${fmtBytes(target.ramForModelBytes)}` +
      (totals ? `, ~${fmtMs(totals.estimatedMs)} per inference (estimated)` : '')
    : `does not fit ${target.name}: ` +
      failed
        .map((c) => `${label(c.name)} needs ${amount(c, c.needed)} > budget ${amount(c, c.budget ?? 0)}`)
        .join('; ');
  return {
    target: target.name,
    title: target.title,
    plan: chosen,
    ok,
    summary,
    checks,
    suggestions,
    notes,
    model: { fileBytes: bytes.length, flashBytes: stored.length, macs: main.model.macs },
    memory: mem,
    ops,
    totals,
  };
}

export function label(c: CheckName): string {
  return c === 'ram' ? 'RAM' : c;
}

export function amount(c: FitCheck, v: number): string {
  return c.unit === 'ms' ? fmtMs(v) : fmtBytes(v);
}

function pct(part: number, whole: number): string {
  return `${whole > 0 ? Math.round((part / whole) * 100) : 0}%`;
}

function latencyDetail(t: EstimateTotals): string {
  const parts: [string, number][] = [
    ['MACs', t.macMs],
    ['decoding', t.decodeMs],
    ['element-wise', t.elementMs],
    ['per-op', t.overheadMs],
  ];
  return parts
    .filter(([, ms]) => ms > 0)
    .map(([k, ms]) => `${k} ${pct(ms, t.estimatedMs)}`)
    .join(', ');
}

/** Bytes of a tensor clustered to 2^bits shared values, stored fixed-width (Huffman is usually smaller). */
export function clusteredBytes(weights: number, bits: number): number {
  return Math.ceil((weights * bits) / 8) + 4 * (1 << bits) + 16;
}

const CLUSTER_BITS = [8, 6, 5, 4, 3, 2];

function flashSuggestions(model: Model, flash: FitCheck, target: Target): Suggestion[] {
  const out: Suggestion[] = [];
  const over = flash.needed - target.flashBytes;
  const weightIdx = new Set(model.graph.ops.map((op) => op.weight));
  const weights = model.tensors
    .filter((t, i) => weightIdx.has(i))
    .map((t) => ({ t, bytes: t.end - t.start }))
    .sort((a, b) => b.bytes - a.bytes);
  const floats = weights.filter((w) => w.t.kind === KIND_FLOAT32);
  if (floats.length) {
    // The most bits per weight that brings the whole model under budget, clustering the
    // largest float32 layers first.
    for (const bits of CLUSTER_BITS) {
      let saved = 0;
      const picked: typeof floats = [];
      for (const w of floats) {
        if (saved >= over) break;
        const gain = w.bytes - clusteredBytes(w.t.size, bits);
        if (gain <= 0) continue;
        saved += gain;
        picked.push(w);
      }
      if (saved < over) continue;
      for (const w of picked) {
        out.push({
          check: 'flash',
          kind: 'fix',
          message: `cluster layer '${w.t.name}' to ${bits} bits (~${fmtBytes(clusteredBytes(w.t.size, bits))} instead of ${fmtBytes(w.bytes)} as float32; mote compile --cluster ${bits})`,
        });
      }
      return out;
    }
    const all2 = floats.reduce((a, w) => a + w.bytes - clusteredBytes(w.t.size, 2), 0);
    out.push({
      check: 'flash',
      kind: 'fix',
      message: `even 2-bit clusters on every float32 layer leave ${fmtBytes(flash.needed - all2)} > ${fmtBytes(target.flashBytes)}: also prune (--prune 0.9 --cluster 2) or make layer '${floats[0].t.name}' (${fmtBytes(floats[0].bytes)}) smaller`,
    });
    return out;
  }
  if (weights.length) {
    const w = weights[0];
    out.push({
      check: 'flash',
      kind: 'fix',
      message: `the largest layer is '${w.t.name}' (${fmtBytes(w.bytes)}, ${((w.bytes * 8) / w.t.size).toFixed(2)} bits/weight), over by ${fmtBytes(over)}: prune it (--prune 0.5 stores about half the entries), use fewer clusters, or make it smaller`,
    });
  }
  return out;
}

function ramSuggestions(bytes: Uint8Array, main: PlanRun, target: Target): Suggestion[] {
  const out: Suggestion[] = [];
  const budget = target.ramForModelBytes;
  let model = main.model;
  if (main.plan === 'cache') {
    const stream = loadUnlimited(bytes, 'stream');
    const fits = stream.memory.peak <= budget;
    out.push({
      check: 'ram',
      kind: 'fix',
      message: `use plan 'stream' (RAM ${fmtBytes(stream.memory.peak)}${fits ? '' : `, still over ${fmtBytes(budget)}`}): plan 'cache' keeps ${fmtBytes(main.model.memory.resident)} of decoded weights in RAM${largestResident(main.model)}`,
    });
    if (fits) return out;
    model = stream;
  }
  const m = model.memory;
  const plan = model.plan;
  const parts: [string, number][] = [
    ['activations', m.activations],
    ['resident', m.resident],
    ['scratch', m.scratch],
  ];
  parts.sort((a, b) => b[1] - a[1]);
  const [top] = parts[0];
  if (top === 'activations') {
    const g = model.graph;
    const at = g.values.reduce((a, v, i) => (v.size > g.values[a].size ? i : a), 0);
    const v = g.values[at];
    const what = g.inputs.includes(at) ? `the input '${v.name}'` : `layer '${v.name}'`;
    out.push({
      check: 'ram',
      kind: 'fix',
      message: `activations take ${fmtBytes(m.activations)} of ${fmtBytes(m.peak)} (plan '${plan}'); the largest is ${what} (${v.size} values, ${fmtBytes(v.size * 4)}): make it smaller`,
    });
  } else if (top === 'scratch') {
    const t = widestStreamed(model);
    out.push({
      check: 'ram',
      kind: 'fix',
      message: `the row buffer takes ${fmtBytes(m.scratch)} of ${fmtBytes(m.peak)} (plan '${plan}')${t ? `: one row of layer '${t.name}' (${t.shape[t.shape.length - 1]} inputs); make that layer's input narrower` : ''}`,
    });
  } else {
    out.push({
      check: 'ram',
      kind: 'fix',
      message: `weights held in RAM take ${fmtBytes(m.resident)} of ${fmtBytes(m.peak)} (plan '${plan}')${largestResident(model)}`,
    });
  }
  return out;
}

/** "; the largest is 'fc1.weight' (3.06 MB)" for the largest tensor decoded into RAM. */
function largestResident(model: Model): string {
  let best: { name: string; bytes: number } | undefined;
  model.tensors.forEach((t, i) => {
    const w = model.weights[i];
    if (!w || t.kind === KIND_FLOAT32) return;
    if (!best || w.length * 4 > best.bytes) best = { name: t.name, bytes: w.length * 4 };
  });
  return best ? `; the largest is '${best.name}' (${fmtBytes(best.bytes)})` : '';
}

/** The streamed tensor with the widest row (what sizes the row buffer). */
function widestStreamed(model: Model): { name: string; shape: number[] } | undefined {
  let best: { name: string; shape: number[] } | undefined;
  model.tensors.forEach((t, i) => {
    if (!model.readers[i]) return;
    if (!best || t.shape[t.shape.length - 1] > best.shape[best.shape.length - 1]) best = t;
  });
  return best;
}

function latencySuggestions(
  bytes: Uint8Array,
  main: PlanRun,
  latency: FitCheck,
  totals: EstimateTotals,
  target: Target,
  chosen: ExecutionPlan,
  opts: FitOptions,
): Suggestion[] {
  const out: Suggestion[] = [];
  const kind = latency.ok === false ? 'fix' : 'tip';
  const cost = costOf(target)!;
  if (chosen !== 'install' && totals.decodeMs > totals.estimatedMs / 2) {
    const top = estimateOps(main.profile, cost).reduce((a, b) => (b.decodeMs > a.decodeMs ? b : a));
    let flash = '';
    if (opts.installForm) {
      const installed = opts.installForm(bytes).length;
      flash = `; flash for the model ${fmtBytes(installed)} instead of ${fmtBytes(bytes.length)}`;
    }
    out.push({
      check: 'latency',
      kind,
      message: `decoding weight streams takes ${fmtMs(totals.decodeMs)} of ~${fmtMs(totals.estimatedMs)} (${pct(totals.decodeMs, totals.estimatedMs)}, most in '${top.name}'): use plan 'install' (decoded once at install into fixed-width form in flash${flash})`,
    });
  }
  if (main.plan === 'stream') {
    const cache = loadUnlimited(bytes, 'cache');
    if (cache.memory.peak <= target.ramForModelBytes) {
      const ms = estimateTotals(estimateOps(profileInProcess(cache, []), cost)).estimatedMs;
      if (ms < totals.estimatedMs * 0.9)
        out.push({
          check: 'latency',
          kind,
          message: `use plan 'cache' (~${fmtMs(ms)} instead of ~${fmtMs(totals.estimatedMs)}; RAM ${fmtBytes(cache.memory.peak)} of ${fmtBytes(target.ramForModelBytes)})`,
        });
    }
  }
  return out;
}
