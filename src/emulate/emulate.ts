// Runs a model in the target's emulator engine (QuickJS with the target's heap limit,
// Duktape, or Node's vm), all running the model's own runtime bundle (mote bundle) with the target's RAM
// budget as the runtime's memoryLimit; reports outputs, memory, MACs, decoded bits and
// per-layer time, measured in the emulator and estimated on the device. For banglejs2 and
// banglejs1, `mote emulate` runs the watch's firmware instead (firmware.ts).
import { runtimeFor } from '../build/model-bundle.js';
import type { OpProfile } from '../runtime/model.js';
import type { ExecutionPlan, Target } from '../../targets/target.js';
import type { EngineRun } from '../../targets/engines/harness.js';
import { EngineError, engineDeadlineMs } from '../../targets/engines/harness.js';
import { runInQuickJS, type QuickJSOptions } from '../../targets/engines/quickjs.js';
import { runInDuktape, type DuktapeOptions } from '../../targets/engines/duktape.js';
import { runInNode, type NodeVmOptions } from '../../targets/engines/node.js';
import { costOf, estimateOps, estimateTotals } from './estimate.js';
import { fmtBytes, loadUnlimited, opWeights, profileInProcess, resolvePlan } from './common.js';

export interface EmulateOptions {
  plan?: ExecutionPlan;
  /** The runtime bundle's source; default: the bundle of this model alone for this target (mote bundle). */
  bundleSource?: string;
  /** Passes over the inputs, for timing. Default 1. */
  repeat?: number;
  /** Engine deadline in ms. Default: engineDeadlineMs (10 s plus 5 µs per MAC run). */
  timeoutMs?: number;
}

export interface EmulatedLayer {
  name: string;
  op: string;
  kernel: string;
  /** The op's weight tensor, if any. */
  weight?: string;
  macs: number;
  bits: number;
  elements: number;
  /** Mean ms per inference, measured where `EmulateReport.profileSource` says. */
  measuredMs: number;
  /** Estimated on-device ms; null when the target has no cost model. */
  estimatedMs: number | null;
}

export interface EmulatedSample {
  /** The first output, as exact float32 values. */
  outputs: number[];
  label: number;
  labelName?: string;
  /** The early exit taken: 'none' (models have no early exits yet). */
  exit: string;
}

export interface EmulateReport {
  target: string;
  title: string;
  /** The engine that ran the bundle: QuickJS, Duktape or Node. */
  engine: string;
  plan: ExecutionPlan;
  samples: EmulatedSample[];
  memory: {
    /** model.memory.peak as the runtime in the engine reported it. */
    runtimePeakBytes: number;
    activations: number;
    resident: number;
    scratch: number;
    /** The runtime's memoryLimit: target.ramForModelBytes. */
    budgetBytes: number;
    /** The engine's whole heap, largest seen (QuickJS only). */
    engineHeapPeakBytes?: number;
    engineHeapLimitBytes?: number;
  };
  macs: number;
  /** Stream bits decoded per inference. */
  bits: number;
  /** Mean ms per inference measured in the emulator engine. */
  measuredMs: number;
  /** Estimated on-device ms per inference; null without a cost model. */
  estimatedMs: number | null;
  /** Where the per-layer ms were measured: in the engine, or in this process (Node) when the engine gives no profile. */
  profileSource: 'engine' | 'node';
  layers: EmulatedLayer[];
  notes: string[];
}

/** What a profiling engine returns (the engines' `profile` option). */
type ProfiledRun = EngineRun & { profile?: OpProfile[] };
/** Engine options with the `profile` option the engines are gaining. */
type Profiling = { profile?: boolean };

/** An emulated model that does not fit the target: over the runtime's budget or the engine's heap. */
export class OutOfBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfBudgetError';
  }
}

export async function emulate(
  bytes: Uint8Array,
  target: Target,
  inputs: readonly ArrayLike<number>[],
  opts: EmulateOptions = {},
): Promise<EmulateReport> {
  const plan = resolvePlan(target, opts.plan);
  const notes: string[] = [];
  const bundle = opts.bundleSource ?? runtimeFor(bytes, target);
  // The host's copy of the same runtime: input sizes, labels, the memory breakdown, and
  // the fallback profile. It is loaded with no limit; the engine applies the budget.
  const host = loadUnlimited(bytes, plan === 'install' ? 'stream' : plan);
  const size = host.graph.values[host.graph.inputs[0]].size;
  const xs = inputs.length ? inputs : [new Float32Array(size)];
  if (!inputs.length) notes.push(`no input given: one sample of ${size} zeros`);
  xs.forEach((x, i) => {
    if (x.length !== size)
      throw new Error(`mote: sample ${i} has ${x.length} values; the model's input takes ${size}`);
  });

  let run: ProfiledRun;
  try {
    run = await runEngine(bundle, bytes, xs, target, plan, {
      ...opts,
      timeoutMs: opts.timeoutMs ?? engineDeadlineMs(host.macs, xs.length * (opts.repeat ?? 1)),
    });
  } catch (e) {
    throw explain(e, target, plan);
  }

  let profile = run.profile;
  let profileSource: 'engine' | 'node' = 'engine';
  if (!profile) {
    profile = profileInProcess(host, xs);
    profileSource = 'node';
    notes.push(
      `${run.engine} gave no per-op profile: per-layer ms measured in Node in this process (counts are the same); total ms measured in ${run.engine}`,
    );
  }
  const cost = costOf(target);
  if (!cost) notes.push(`target '${target.name}' has no cost model yet: no on-device estimate`);
  const est = cost ? estimateOps(profile, cost) : null;
  const weights = opWeights(host);
  const layers = profile.map((p, i): EmulatedLayer => {
    const l: EmulatedLayer = {
      name: p.name,
      op: p.op,
      kernel: p.kernel,
      macs: p.macs,
      bits: p.bits,
      elements: p.elements,
      measuredMs: p.ms,
      estimatedMs: est ? est[i].estimatedMs : null,
    };
    if (weights[i] !== undefined) l.weight = weights[i];
    return l;
  });
  const labels = host.meta.labels as string[] | undefined;
  const samples = run.outputs.map((outputs, i): EmulatedSample => {
    const s: EmulatedSample = { outputs, label: run.labels[i], exit: 'none' };
    if (labels?.[run.labels[i]] !== undefined) s.labelName = labels[run.labels[i]];
    return s;
  });
  const memory: EmulateReport['memory'] = {
    runtimePeakBytes: run.peakBytes,
    activations: host.memory.activations,
    resident: host.memory.resident,
    scratch: host.memory.scratch,
    budgetBytes: target.ramForModelBytes,
  };
  if (run.engineHeapPeakBytes !== undefined) memory.engineHeapPeakBytes = run.engineHeapPeakBytes;
  if (target.emulator === 'quickjs') memory.engineHeapLimitBytes = target.emulatorMemoryBytes;
  return {
    target: target.name,
    title: target.title,
    engine: run.engine,
    plan,
    samples,
    memory,
    macs: host.macs,
    bits: profile.reduce((a, p) => a + p.bits, 0),
    measuredMs: run.msPerInference,
    estimatedMs: est ? estimateTotals(est).estimatedMs : null,
    profileSource,
    layers,
    notes,
  };
}

function runEngine(
  bundle: string,
  bytes: Uint8Array,
  inputs: readonly ArrayLike<number>[],
  target: Target,
  plan: ExecutionPlan,
  opts: EmulateOptions,
): Promise<ProfiledRun> {
  const xs = inputs.slice();
  // The engines' plan type gains 'install' with the engines' install support; until then
  // the harness refuses it with its own message.
  const common = {
    plan: plan as QuickJSOptions['plan'],
    modelMemoryLimit: target.ramForModelBytes,
    repeat: opts.repeat,
    profile: true,
  };
  switch (target.emulator) {
    case 'quickjs': {
      const o: QuickJSOptions & Profiling = {
        ...common,
        memoryLimitBytes: target.emulatorMemoryBytes,
        interruptAfterMs: opts.timeoutMs,
      };
      return runInQuickJS(bundle, bytes, xs, o);
    }
    case 'duktape': {
      const o: DuktapeOptions & Profiling = { ...common, timeoutMs: opts.timeoutMs };
      return runInDuktape(bundle, bytes, xs, o);
    }
    case 'node': {
      const o: NodeVmOptions & Profiling = { ...common, timeoutMs: opts.timeoutMs };
      return runInNode(bundle, bytes, xs, o);
    }
  }
}

/** Turns the runtime's "over the limit" and the engine's out-of-memory into one clear error. */
function explain(e: unknown, target: Target, plan: ExecutionPlan): unknown {
  if (!(e instanceof Error)) return e;
  const engine = e instanceof EngineError ? e.engine : target.emulator;
  const where = `does not fit ${target.name} (emulated in ${engine})`;
  const over = /needs (\d+) bytes of RAM.*over the limit of (\d+)/.exec(e.message);
  if (over) {
    return new OutOfBudgetError(
      `mote: ${where}: RAM needs ${fmtBytes(Number(over[1]))} > budget ${fmtBytes(Number(over[2]))} (the runtime: ${e.message.replace(/^mote: model at byte 0: /, '')})`,
    );
  }
  if (/out of memory/i.test(e.message)) {
    return new OutOfBudgetError(
      `mote: ${where}: the engine's heap is over its limit of ${fmtBytes(target.emulatorMemoryBytes)} (${e.message})`,
    );
  }
  if (plan === 'install' && /unknown plan|plan must be/.test(e.message)) {
    return new Error(
      `mote: plan 'install' is not supported by the ${engine} emulator yet (${e.message}); use --plan stream or cache`,
    );
  }
  return e;
}
