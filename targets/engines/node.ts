// Runs the runtime bundle in a fresh Node `vm` context: same bundle text and harness as
// the constrained engines, with V8's speed and no memory limit.
import * as vm from 'node:vm';
import {
  EngineError,
  EnginePlan,
  EngineRun,
  harnessCalls,
  HARNESS_SOURCE,
  parseHarnessOutputs,
} from './harness.js';

const ENGINE = 'Node';

export interface NodeVmOptions {
  /** Wall-clock budget for each script. Default 10 s. */
  timeoutMs?: number;
  plan?: EnginePlan;
  /** Passed to mote.load as `memoryLimit`. */
  modelMemoryLimit?: number;
  /** Passes over the inputs, for timing. Default 1. */
  repeat?: number;
  /** Report the runtime's per-op profile (EngineRun.profile). */
  profile?: boolean;
  /** ES5 source evaluated before the bundle (HarnessOptions.globals). */
  globals?: string;
}

export async function runInNode(
  bundleSource: string,
  model: Uint8Array,
  inputs: ArrayLike<number>[],
  opts: NodeVmOptions = {},
): Promise<EngineRun> {
  const timeout = opts.timeoutMs ?? 10_000;
  const context = vm.createContext({});
  const run = (code: string, filename: string): unknown => {
    try {
      return new vm.Script(code, { filename }).runInContext(context, { timeout });
    } catch (err) {
      // Errors from the context are of its own Error class, so read them structurally.
      const e = err as { code?: unknown; name?: unknown; message?: unknown };
      if (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new EngineError(ENGINE, `${ENGINE}: timed out after ${timeout} ms (the script hung or looped)`);
      }
      throw new EngineError(ENGINE, `${ENGINE}: ${String(e?.name ?? 'Error')}: ${String(e?.message ?? err)}`);
    }
  };
  if (opts.globals) run(opts.globals, 'globals.js');
  run(bundleSource, 'mote-runtime.min.js');
  run(HARNESS_SOURCE, 'harness.js');
  const answers = harnessCalls(model, inputs, opts).map((call, i) => String(run(call, `call-${i}.js`)));
  return { engine: ENGINE, ...parseHarnessOutputs(ENGINE, answers) };
}
