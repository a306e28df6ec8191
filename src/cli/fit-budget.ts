// `mote fit --max-ms/--max-vars/--max-bytes/--max-heap`: the user's own budgets, checked
// against the figures fit has just measured (on the firmware, on JerryScript, or by the
// cost model), so a build can fail when a model grows past them.
import type { FirmwareFitReport } from '../emulate/firmware.js';
import type { KalumaFitReport } from '../emulate/jerryscript.js';
import type { FitReport } from '../emulate/fit.js';
import { UsageError } from './usage.js';

export interface Budget {
  /** ms per inference. */
  maxMs?: number;
  /** Espruino variables (blocks) the model needs. */
  maxVars?: number;
  /** Bytes of flash / Storage for the runtime and the model. */
  maxBytes?: number;
  /** Bytes of heap (Kaluma's JerryScript) or RAM (targets priced by a cost model). */
  maxHeap?: number;
}

type Key = keyof Budget;
const FLAG: Record<Key, string> = {
  maxMs: '--max-ms',
  maxVars: '--max-vars',
  maxBytes: '--max-bytes',
  maxHeap: '--max-heap',
};

/** One figure fit measured: its value (null: not measured, the model failed before it) and what it is. */
interface Figure {
  value: number | null;
  unit: 'ms' | 'vars' | 'bytes';
  what: string;
}

export interface BudgetCheck {
  flag: string;
  budget: number;
  value: number | null;
  unit: string;
  what: string;
  ok: boolean;
}

export type AnyFitReport =
  | { kind: 'firmware'; report: FirmwareFitReport }
  | { kind: 'kaluma'; report: KalumaFitReport }
  | { kind: 'estimate'; report: FitReport };

/** The figures each kind of fit measures, by budget. A budget on a figure not measured there is a usage error. */
function figures(r: AnyFitReport): Partial<Record<Key, Figure>> {
  if (r.kind === 'firmware') {
    const x = r.report;
    return {
      maxMs: {
        value: x.time?.watchEstimateMs ?? null,
        unit: 'ms',
        what: `time per inference on the watch (emulator time × ${x.time?.factor ?? 'an assumed factor'}, an estimate)`,
      },
      maxVars: { value: x.variables.needed, unit: 'vars', what: 'variables the model needs (load + run)' },
      maxBytes: {
        value: x.storage.neededBytes,
        unit: 'bytes',
        what: 'Storage for the runtime and the model',
      },
    };
  }
  if (r.kind === 'kaluma') {
    const x = r.report;
    return {
      maxMs: {
        value: x.time?.emulatorMs ?? null,
        unit: 'ms',
        what: "time per inference in the emulator (JerryScript here, not the Pico's time)",
      },
      maxHeap: { value: x.heap.peak, unit: 'bytes', what: 'heap the model needs at its peak' },
      maxBytes: { value: x.flash.neededBytes, unit: 'bytes', what: 'flash for the runtime and the model' },
    };
  }
  const check = (name: string) => r.report.checks.find((c) => c.name === name);
  const out: Partial<Record<Key, Figure>> = {};
  const latency = check('latency');
  if (latency)
    out.maxMs = { value: latency.needed, unit: 'ms', what: 'estimated time per inference (cost model)' };
  const flash = check('flash');
  if (flash)
    out.maxBytes = { value: flash.needed, unit: 'bytes', what: 'flash for the runtime and the model' };
  const ram = check('ram');
  if (ram) out.maxHeap = { value: ram.needed, unit: 'bytes', what: 'RAM the runtime plans for the model' };
  return out;
}

/** Which budgets each kind of fit measures. */
const APPLIES: Record<AnyFitReport['kind'], Key[]> = {
  firmware: ['maxMs', 'maxVars', 'maxBytes'],
  kaluma: ['maxMs', 'maxHeap', 'maxBytes'],
  estimate: ['maxMs', 'maxBytes', 'maxHeap'],
};

/** Refuses, before anything is measured, a budget on a figure this target's fit does not have. */
export function budgetApplies(kind: AnyFitReport['kind'], budget: Budget, target: string): void {
  for (const key of Object.keys(FLAG) as Key[])
    if (budget[key] !== undefined && !APPLIES[kind].includes(key))
      throw new UsageError(
        `${FLAG[key]} does not apply to ${target}: its fit measures ${APPLIES[kind].map((k) => FLAG[k]).join(', ')}`,
      );
}

/** Checks each given budget; throws a UsageError for a budget this target's fit does not measure. */
export function checkBudget(r: AnyFitReport, budget: Budget, target: string): BudgetCheck[] {
  const figs = figures(r);
  const checks: BudgetCheck[] = [];
  for (const key of Object.keys(FLAG) as Key[]) {
    const limit = budget[key];
    if (limit === undefined) continue;
    const f = figs[key];
    if (!f)
      throw new UsageError(
        `${FLAG[key]} does not apply to ${target}: it has no such figure (no cost model for its time)`,
      );
    // A figure not measured (the model failed first) is over any budget.
    checks.push({
      flag: FLAG[key],
      budget: limit,
      value: f.value,
      unit: f.unit,
      what: f.what,
      ok: f.value !== null && f.value <= limit,
    });
  }
  return checks;
}

const fmt = (v: number, unit: string): string =>
  `${unit === 'ms' ? Number(v.toPrecision(4)) : Math.round(v).toLocaleString('en-US')} ${unit}`;

/** "over budget on banglejs2: time per inference ... 12.3 ms > --max-ms 0.001" for each failed check. */
export function budgetLines(checks: BudgetCheck[], target: string): { lines: string[]; failed: string[] } {
  const lines = checks.map(
    (c) =>
      `budget ${c.flag} ${c.budget}: ${c.value === null ? 'not measured (the model did not run)' : fmt(c.value, c.unit)}, ${c.what}: ${c.ok ? 'within' : 'OVER'}`,
  );
  const failed = checks
    .filter((c) => !c.ok)
    .map(
      (c) =>
        `over budget on ${target}: ${c.what} ${c.value === null ? 'not measured (the model did not run)' : fmt(c.value, c.unit)} > ${c.flag} ${c.budget}`,
    );
  return { lines, failed };
}
