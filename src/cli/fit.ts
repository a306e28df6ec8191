// `mote fit`: does a .mote fit a target's flash and RAM, and how long will it take there?
// Bangle.js 2 and 1: measured on their firmware (src/emulate/firmware.ts); kaluma-pico: on
// Kaluma's JerryScript (src/emulate/jerryscript.ts).
import { readFile } from 'node:fs/promises';
import { DEFAULT_TARGET, getTarget, listTargets, type Target } from '../../targets/index.js';
import type { ExecutionPlan } from '../../targets/target.js';
import { amount, checkFit, findInstallForm, label, type FitReport } from '../emulate/fit.js';
import { fmtBytes, fmtMs, isPlan, PLANS } from '../emulate/common.js';
import {
  firmwareBoard,
  fitOnFirmware,
  fmtTime,
  fmtVars,
  stageWords,
  WATCH_FACTOR,
  type DeviceMeasure,
  type FirmwareFitReport,
} from '../emulate/firmware.js';
import type { Firmware } from '../../targets/engines/firmware.js';
import { fitOnJerry, jerryHeapKB } from '../emulate/jerryscript.js';
import { formatKalumaFit } from './fit-kaluma.js';
import { table } from './table.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage.js';
import { budgetApplies, budgetLines, checkBudget, type AnyFitReport, type Budget } from './fit-budget.js';
import { bundleWithBound, MAX_MACS_HELP } from './max-macs.js';

export const fitHelp = `mote fit <model.mote> [--target NAME] [--plan stream|cache|install] [--runs N] [--max-macs N]
         [--max-ms N] [--max-vars N] [--max-bytes N] [--max-heap N] [--json]

Checks whether the model fits the target (default ${DEFAULT_TARGET}). Exit code 1 when it
does not, or when a figure is over a budget given here, so a build can gate on it:
  --max-ms N      time per inference (Bangle.js: the watch estimate; kaluma-pico: the
                  emulator's time; other targets: the cost model's estimate)
  --max-vars N    Espruino variables the model needs (Bangle.js)
  --max-bytes N   flash / Storage for the runtime and the model
  --max-heap N    heap bytes at the peak (kaluma-pico) or planned RAM (other targets)
The figures are the ones measured below; the message names the figure, the budget and
the target.

banglejs2, banglejs1: measured on the watch's own firmware (Espruino 2v29.74, compiled to
JavaScript and run in this process). The runtime and the model are written to its Storage
(with the device form of compressed weights, as 'mote flash' sends them), the model is
loaded by Storage name and run. Reported: the Storage the files take; the variables the
model needs there (free after the runtime bundle, less free after mote.load, plus what a
run leaves held; process.memory()); a refusal by the runtime's memory check or an out of
memory, in the firmware's own words, means it does not fit; the time per inference in the
emulator (mean of --runs runs, default 3, after a warm-up, by the firmware's getTime()).
Emulator time is not watch time: the watch estimate is the emulator time times an assumed
factor, and the output says so. --plan does not apply (a model loaded by name runs plan
'flash').

kaluma-pico: measured on Kaluma's own engine (JerryScript 2.4 as Kaluma 1.2.1 builds it for
the Pico, 180 KB heap, compiled to wasm and run in this process). The model's own runtime
bundle is evaluated, the model read from a file with require("fs").readFile and loaded from
its bytes (--plan stream or cache), and run once on zeros. Reported: the heap the model
needs at its peak (reading the file, load and one run), the heap left for the app after a
run; a fatal out of memory (the board would restart) or a refusal by the runtime's memory
check means it does not fit; the time per inference in the emulator (mean of --runs runs,
default 3, after a warm-up, by the engine's Date.now()), which is NOT the Pico's time.

Other targets: flash for the runtime bundle and the model file (plan 'install': its
installed form), RAM as the runtime plans it for the plan (default: the target's), and
the estimated time per inference on the device (the runtime's per-op counts priced by the
target's cost model, from QuickJS). When a check fails it suggests what to change.

${MAX_MACS_HELP}

targets: ${listTargets()
  .map((t) => t.name)
  .join(', ')}`;

/** The target by name (default: DEFAULT_TARGET); an unknown name is a command-line error. */
export function targetArg(name: string | undefined): Target {
  try {
    return getTarget(name ?? DEFAULT_TARGET);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^mote: /, ''));
  }
}

/** The plan flag, checked; undefined means the target's default. */
export function planArg(plan: string | undefined): ExecutionPlan | undefined {
  if (plan === undefined) return undefined;
  if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}, got '${plan}'`);
  return plan;
}

export interface FitCommandOptions {
  bundleSource?: string;
  /** Firmware targets: timed runs after the warm-up. */
  runs?: number;
  /** Firmware targets: a firmware already booted for the target's board (reused, not closed). */
  firmware?: Firmware;
  /** --max-macs: the work bound instead of the target's. */
  maxMacs?: number;
  /** The user's budgets (--max-ms ...): over one, the fit fails. */
  budget?: Budget;
}

/** Applies the user's budgets to a fit: the verdict, and lines for the text and JSON output. */
function withBudget(
  r: AnyFitReport,
  budget: Budget | undefined,
  target: string,
  json: boolean,
  text: string,
): { out: string; ok: boolean; summary: string } {
  const checks = budget ? checkBudget(r, budget, target) : [];
  const { lines, failed } = budgetLines(checks, target);
  const ok = r.report.ok && failed.length === 0;
  // The fit's own failure first (it explains a figure not measured), then the budgets'.
  const summary = r.report.ok ? (failed.length ? failed.join('; ') : r.report.summary) : r.report.summary;
  if (json)
    // The report as before when no budget was given; with budgets, their checks too.
    return {
      out: JSON.stringify(checks.length ? { ...r.report, ok, summary, budget: checks } : r.report, null, 2),
      ok,
      summary,
    };
  return { out: lines.length ? [text, '', ...lines, ...failed].join('\n') : text, ok, summary };
}

export async function fitCommand(
  file: string,
  targetName: string | undefined,
  plan: string | undefined,
  json: boolean,
  opts: FitCommandOptions = {},
): Promise<{ out: string; ok: boolean; summary: string }> {
  const target = targetArg(targetName);
  const kind = firmwareBoard(target) ? 'firmware' : jerryHeapKB(target) !== undefined ? 'kaluma' : 'estimate';
  budgetApplies(kind, opts.budget ?? {}, target.name);
  if (firmwareBoard(target)) {
    if (plan !== undefined)
      throw new UsageError(
        `--plan does not apply to ${target.name}: fit measures it on its firmware, where a model loaded by Storage name runs plan 'flash'`,
      );
    const bytes = await readFile(file);
    const bar = progressBar(`fit ${target.name}`, { enabled: !json }, 'steps');
    const r = await fitOnFirmware(bytes, target, {
      bundleSource: bundleWithBound(bytes, target, opts.maxMacs, opts.bundleSource),
      runs: opts.runs,
      firmware: opts.firmware,
      onStep: bar && ((done, total, what) => bar.update(done, total, what)),
    }).finally(() => bar?.stop());
    return withBudget(
      { kind: 'firmware', report: r },
      opts.budget,
      target.name,
      json,
      json ? '' : formatFirmwareFit(file, r),
    );
  }
  if (jerryHeapKB(target) !== undefined) {
    if (plan !== undefined && plan !== 'stream' && plan !== 'cache')
      throw new UsageError(`--plan for ${target.name} must be stream or cache (measured on JerryScript)`);
    const bytes = await readFile(file);
    const r = fitOnJerry(bytes, target, {
      bundleSource: bundleWithBound(bytes, target, opts.maxMacs, opts.bundleSource),
      plan,
      runs: opts.runs,
    });
    return withBudget(
      { kind: 'kaluma', report: r },
      opts.budget,
      target.name,
      json,
      json ? '' : formatKalumaFit(file, r),
    );
  }
  if (opts.runs !== undefined)
    throw new UsageError(
      `--runs applies to the targets fit measures on their firmware or engine (banglejs2, banglejs1, kaluma-pico)`,
    );
  const p = planArg(plan);
  const bytes = await readFile(file);
  const installForm = (p ?? target.defaultPlan) === 'install' ? await findInstallForm() : undefined;
  const bundleSource = bundleWithBound(bytes, target, opts.maxMacs, opts.bundleSource);
  const report = checkFit(bytes, target, p, { bundleSource, installForm });
  return withBudget(
    { kind: 'estimate', report },
    opts.budget,
    target.name,
    json,
    json ? '' : formatFit(file, report),
  );
}

const n = (v: number): string => v.toLocaleString('en-US');

/** "measured on its firmware: ..." and the lines about variables, load and time shared with emulate. */
export function deviceLines(r: DeviceMeasure): { header: string; details: string[]; time: string[] } {
  const v = r.variables;
  const header = `measured on its firmware: ${r.firmware}; the model loaded by Storage name (plan '${r.plan}')`;
  const details: string[] = [];
  if (v.runtime !== null) {
    const steps = [
      `free on a fresh interpreter ${n(v.freeAtStart)} of ${n(v.total)} (${v.blocksize} B each)`,
      `after the runtime ${n(v.freeForModel!)}`,
    ];
    if (v.model !== null) steps.push(`after mote.load ${n(v.freeForModel! - v.model)}`);
    if (v.input !== null) steps.push(`input ${n(v.input)}`);
    if (v.freeAfterRun !== null) steps.push(`after a run ${n(v.freeAfterRun)} left`);
    details.push(`variables: ${steps.join('; ')}`);
  }
  const mem = r.runtimeMemory;
  if (mem)
    details.push(
      `the runtime's own plan: activations ${fmtBytes(mem.activations)}, weights ${fmtBytes(mem.resident)}, scratch ${fmtBytes(mem.scratch)} = ${fmtBytes(mem.peak)} of buffers`,
    );
  if (r.loadMs !== null)
    details.push(
      `load: ${fmtTime(r.loadMs)} in the emulator (~${fmtTime(r.loadWatchEstimateMs!)} on the watch, assumed ×${WATCH_FACTOR})`,
    );
  const time: string[] = [];
  if (r.time)
    time.push(
      `time: EMULATOR TIME IS NOT WATCH TIME. ${fmtTime(r.time.emulatorMs)} per inference in the emulator ` +
        `(mean of ${r.time.runs} run${r.time.runs > 1 ? 's' : ''} after a ${fmtTime(r.time.warmupMs)} warm-up, by the firmware's getTime()); ` +
        `the watch estimate ~${fmtTime(r.time.watchEstimateMs)} is ${r.time.watchEstimate}`,
    );
  return { header, details, time };
}

/** The firmware's error output, indented, at most `max` lines. */
export function deviceOutputLines(text: string, max = 8): string[] {
  const lines = text.split('\n');
  const shown = lines.slice(0, max).map((l) => `  ${l}`);
  if (lines.length > max) shown.push(`  ... (${lines.length - max} more lines; --json has them all)`);
  return shown;
}

export function formatFirmwareFit(file: string, r: FirmwareFitReport): string {
  const v = r.variables;
  const s = r.storage;
  const f = r.failure;
  const storageParts = [`runtime ${fmtBytes(s.runtimeBytes)}`, `model ${fmtBytes(s.modelBytes)}`];
  if (s.deviceFormBytes) storageParts.push(`device form ${fmtBytes(s.deviceFormBytes)}`);
  const rows: string[][] = [
    [
      'Storage',
      fmtBytes(s.neededBytes),
      fmtBytes(s.totalBytes),
      f?.stage === 'storage' ? 'FAIL' : 'pass',
      storageParts.join(' + ') + (f?.stage === 'storage' ? `: ${f.message}` : ''),
    ],
  ];
  if (f && f.stage !== 'storage') {
    // Available: free when that step began (the runtime: a fresh interpreter; the model:
    // after the runtime, less the input when the run failed).
    const free =
      f.freeVars ??
      (f.stage === 'runtime'
        ? v.freeAtStart
        : f.stage === 'load' || v.freeForModel === null
          ? v.freeForModel
          : v.freeForModel - (v.input ?? 0));
    const needed =
      f.neededVars !== undefined
        ? `~${fmtVars(f.neededVars, v.blocksize)}`
        : free !== null
          ? `> ${free.toLocaleString('en-US')} vars`
          : '-';
    rows.push([
      'variables',
      needed,
      free === null ? '-' : fmtVars(free, v.blocksize),
      'FAIL',
      `${f.kind === 'refused' ? "refused by the runtime's memory check" : 'out of memory'} while ${stageWords(f.stage)}`,
    ]);
  } else if (!f) {
    rows.push([
      'variables',
      fmtVars(v.needed!, v.blocksize),
      fmtVars(v.freeForModel!, v.blocksize),
      'pass',
      `load ${n(v.model!)} + run ${n(v.run!)} (held after a run, result kept); the runtime bundle took ${n(v.runtime!)} of ${n(v.total)}`,
    ]);
  }
  if (r.time) {
    const over = r.latencyBudgetMs !== null && r.time.watchEstimateMs > r.latencyBudgetMs;
    rows.push([
      'time',
      `~${fmtTime(r.time.watchEstimateMs)} on the watch`,
      r.latencyBudgetMs === null ? '-' : fmtTime(r.latencyBudgetMs),
      r.latencyBudgetMs === null ? 'info' : over ? 'FAIL' : 'pass',
      `ESTIMATE: ${fmtTime(r.time.emulatorMs)} in the emulator × ${r.time.factor} (assumed)`,
    ]);
  }
  const d = deviceLines(r);
  const lines = [
    `${file} on ${r.target} (${r.title})`,
    d.header,
    '',
    table(['check', 'needed', 'available', 'result', 'made of'], rows),
    '',
    ...d.details,
    ...d.time,
  ];
  if (f) lines.push(`the firmware printed (${stageWords(f.stage)}):`, ...deviceOutputLines(f.deviceOutput));
  if (r.notes.length) lines.push('', ...r.notes.map((x) => `note: ${x}`));
  lines.push('', r.summary);
  return lines.join('\n');
}

export function formatFit(file: string, r: FitReport): string {
  const rows = r.checks.map((c) => [
    label(c.name),
    amount(c, c.needed),
    c.budget === null ? '-' : amount(c, c.budget),
    c.ok === null ? 'info' : c.ok ? 'pass' : 'FAIL',
    c.detail,
  ]);
  const lines = [
    `${file} on ${r.target} (${r.title}), plan '${r.plan}'`,
    '',
    table(['check', 'needed', 'budget', 'result', 'made of'], rows),
  ];
  const fixes = r.suggestions.filter((s) => s.kind === 'fix');
  const tips = r.suggestions.filter((s) => s.kind === 'tip');
  if (r.ops.length) {
    const top = r.ops.reduce((a, b) => (b.estimatedMs > a.estimatedMs ? b : a));
    lines.push(
      '',
      `estimated latency: slowest op '${top.name}' (${top.kernel}) ~${fmtMs(top.estimatedMs)}; per-op figures: mote emulate, or --json`,
    );
  }
  if (fixes.length)
    lines.push('', 'suggestions:', ...fixes.map((s) => `  - ${label(s.check)}: ${s.message}`));
  if (tips.length) lines.push('', 'tips:', ...tips.map((s) => `  - ${label(s.check)}: ${s.message}`));
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `note: ${n}`));
  lines.push('', r.summary);
  return lines.join('\n');
}
