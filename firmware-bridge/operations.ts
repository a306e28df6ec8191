// The bridge's user-level operations, each over one session: flash a model (with the
// runtime bundle), run inputs on the installed model, and profile it on the device.
import { load } from '../src/runtime/model.js';
import type { OpProfile } from '../src/runtime/model.js';
import type { Target } from '../targets/target.js';
import { costOf, estimateOps } from '../src/emulate/estimate.js';
import { flashFiles, readInstalled, type FlashOptions, type FlashResult } from './flash/atomic.js';
import type { Pointer } from './flash/pointer.js';
import type { Session } from './session.js';
import type { CallOptions } from './espruino/repl.js';
import { loadBudget, runBudget } from './profile/budget.js';
import {
  deviceMemory,
  loadInstalled,
  runSent,
  sendInput,
  type DeviceMemory,
  type DeviceModelInfo,
  type DeviceRun,
} from './profile/device-run.js';

export interface FlashReport extends FlashResult {
  port: string;
  seconds: number;
  /** File bytes per second over the whole flash (verification and switch included). */
  bytesPerSecond: number;
  /** Requests (chunks, checks, ...) sent again because the link garbled them or their answers. */
  resent: number;
}

/** Checks the model on the host first (a bad file fails before anything is sent), then flashes. */
export async function flashModel(
  session: Session,
  runtime: string | Uint8Array,
  model: Uint8Array,
  opts: FlashOptions = {},
): Promise<FlashReport> {
  const checked = load(model); // throws naming the section and offset of a malformed file
  const rt = typeof runtime === 'string' ? new Uint8Array(Buffer.from(runtime, 'utf8')) : runtime;
  const t0 = performance.now();
  const resentBefore = session.repl.resent;
  // A loaded model holds RAM the checks need (reading a file back costs RAM off Espruino).
  await session.repl.call(
    `${session.repl.global}.__moteM=undefined;${session.repl.global}.__moteX=undefined;return 1`,
    'releasing the loaded model',
    { idempotent: true },
  );
  const r = await flashFiles(session.storage, rt, model, { modelMacs: checked.macs, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  return {
    ...r,
    port: session.link.name,
    seconds,
    bytesPerSecond: r.bytesSent / seconds,
    resent: session.repl.resent - resentBefore,
  };
}

export async function installedPointer(session: Session): Promise<Pointer> {
  const p = await readInstalled(session.storage);
  if (!p)
    throw new Error(
      `mote: no model is installed on ${session.link.name}; run 'mote flash <model.mote> --port ${session.link.name}' first`,
    );
  return p;
}

/**
 * The time allowed for loading the installed runtime and model: the session's override, or
 * the rule in profile/budget.ts; with the message a timeout adds.
 */
export function loadTimeout(session: Session, pointer: Pointer, plan: string): CallOptions {
  const override = session.timeouts.loadMs;
  if (override !== undefined)
    return {
      timeoutMs: override,
      timeoutHint: `loading was allowed ${override} ms (set by loadTimeoutMs or MOTE_LOAD_TIMEOUT_MS); allow more there`,
    };
  const b = loadBudget(session.target, session.repl.timeoutMs, {
    runtimeBytes: pointer.runtime.size,
    modelBytes: pointer.model.size,
    macs: pointer.model.macs,
    plan,
  });
  return {
    timeoutMs: b.ms,
    timeoutHint:
      `loading was allowed ${b.ms} ms by the load rule (${b.rule}); if the device is just slow, ` +
      'allow more with MOTE_LOAD_TIMEOUT_MS=<ms> (or SessionOptions.loadTimeoutMs)',
  };
}

/** The time allowed for one request of `runs` inferences: the session's override, or the rule. */
export function runTimeout(session: Session, info: DeviceModelInfo, runs: number): CallOptions {
  const override = session.timeouts.runMs;
  if (override !== undefined)
    return {
      timeoutMs: override,
      timeoutHint: `running was allowed ${override} ms (set by runTimeoutMs or MOTE_RUN_TIMEOUT_MS); allow more there`,
    };
  const b = runBudget(session.target, session.repl.timeoutMs, info.macs, runs);
  return {
    timeoutMs: b.ms,
    timeoutHint:
      `running was allowed ${b.ms} ms by the run rule (${b.rule}); if the device is just slow, ` +
      'allow more with MOTE_RUN_TIMEOUT_MS=<ms> (or SessionOptions.runTimeoutMs)',
  };
}

export interface PortRunReport {
  port: string;
  model: string;
  info: DeviceModelInfo;
  results: DeviceRun[];
}

export async function runOnDevice(
  session: Session,
  samples: number[][],
  opts: { plan?: string; memoryLimit?: number } = {},
): Promise<PortRunReport> {
  const pointer = await installedPointer(session);
  const timeout = loadTimeout(session, pointer, opts.plan ?? 'stream');
  const info = await loadInstalled(session.repl, pointer, { ...opts, timeout });
  const results: DeviceRun[] = [];
  for (const s of samples) {
    await sendInput(session.repl, info, s);
    results.push(await runSent(session.repl, info, { timeout: runTimeout(session, info, 1) }));
  }
  return { port: session.link.name, model: pointer.model.name, info, results };
}

export interface ProfiledLayer {
  name: string;
  op: string;
  kernel: string;
  macs: number;
  bits: number;
  elements: number;
  /** Mean ms per inference by the device clock. */
  deviceMs: number;
  /** The target's cost-model estimate (src/emulate/estimate.ts), or null without one. */
  estimatedMs: number | null;
}

export interface ProfileReport {
  port: string;
  target: string;
  model: string;
  runs: number;
  samples: { label: number; labelName?: string; exit: string; outputs: number[] }[];
  layers: ProfiledLayer[];
  /** Mean ms per inference, by the device clock around run(). */
  deviceMs: number;
  estimatedMs: number | null;
  loadMs: number;
  memory: {
    /** Engine memory with no model loaded, after loading, and after the runs. */
    before: DeviceMemory;
    afterLoad: DeviceMemory;
    after: DeviceMemory;
    runtime: DeviceModelInfo['runtimeMemory'];
  };
}

export async function profileOnDevice(
  session: Session,
  target: Target,
  samples: number[][],
  opts: {
    runs?: number;
    plan?: string;
    memoryLimit?: number;
    /** After loading and after each input's runs: inputs done of all (progress bars). */
    onProgress?: (done: number, total: number, what: string) => void;
  } = {},
): Promise<ProfileReport> {
  const runs = Math.max(1, Math.floor(opts.runs ?? 10));
  opts.onProgress?.(0, samples.length, 'loading the model');
  const pointer = await installedPointer(session);
  await session.repl.call(
    `${session.repl.global}.__moteM=undefined;return 1`,
    'releasing the previous model',
  );
  const before = await deviceMemory(session.repl);
  const timeout = loadTimeout(session, pointer, opts.plan ?? 'stream');
  const info = await loadInstalled(session.repl, pointer, { ...opts, timeout });
  const afterLoad = await deviceMemory(session.repl);
  const done: DeviceRun[] = [];
  for (const s of samples) {
    opts.onProgress?.(done.length, samples.length, `input ${done.length + 1}, ${runs} run(s)`);
    await sendInput(session.repl, info, s);
    done.push(
      await runSent(session.repl, info, { runs, profile: true, timeout: runTimeout(session, info, runs) }),
    );
  }
  opts.onProgress?.(samples.length, samples.length, 'done');
  const after = await deviceMemory(session.repl);

  // Per-layer means over every sample (each already a mean over its runs).
  const profile: OpProfile[] = done[0].profile!.map((op) => ({ ...op, ms: 0 }));
  for (const d of done) d.profile!.forEach((op, i) => (profile[i].ms += op.ms / done.length));
  const cost = costOf(target);
  const estimates = cost ? estimateOps(profile, cost) : null;
  const layers = profile.map((op, i) => ({
    name: op.name,
    op: op.op,
    kernel: op.kernel,
    macs: op.macs,
    bits: op.bits,
    elements: op.elements,
    deviceMs: op.ms,
    estimatedMs: estimates ? estimates[i].estimatedMs : null,
  }));
  return {
    port: session.link.name,
    target: target.name,
    model: pointer.model.name,
    runs,
    samples: done.map((d) => ({ label: d.label, labelName: d.labelName, exit: d.exit, outputs: d.outputs })),
    layers,
    deviceMs: done.reduce((a, d) => a + d.ms, 0) / done.length,
    estimatedMs: estimates ? estimates.reduce((a, e) => a + e.estimatedMs, 0) : null,
    loadMs: info.loadMs,
    memory: { before, afterLoad, after, runtime: info.runtimeMemory },
  };
}
