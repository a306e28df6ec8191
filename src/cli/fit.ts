// `mote fit`: does a .mote fit a target's flash and RAM, and how long will it take there?
import { readFile } from 'node:fs/promises';
import { DEFAULT_TARGET, getTarget, listTargets, type Target } from '../../targets/index.js';
import type { ExecutionPlan } from '../../targets/target.js';
import { amount, checkFit, findInstallForm, label, type FitReport } from '../emulate/fit.js';
import { fmtMs, isPlan, PLANS } from '../emulate/common.js';
import { table } from './table.js';
import { UsageError } from './usage.js';

export const fitHelp = `mote fit <model.mote> [--target NAME] [--plan stream|cache|install] [--json]

Checks whether the model fits the target (default ${DEFAULT_TARGET}): flash for the runtime
bundle and the model file (plan 'install': its installed form), RAM as the runtime plans
it for the plan (default: the target's), and the estimated time per inference on the
device (the runtime's per-op counts priced by the target's cost model). When a check
fails it suggests what to change. Exit code 1 when the model does not fit.

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

export async function fitCommand(
  file: string,
  targetName: string | undefined,
  plan: string | undefined,
  json: boolean,
  opts: { bundleSource?: string } = {},
): Promise<{ out: string; ok: boolean; summary: string }> {
  const target = targetArg(targetName);
  const p = planArg(plan);
  const bytes = await readFile(file);
  const installForm = (p ?? target.defaultPlan) === 'install' ? await findInstallForm() : undefined;
  const report = checkFit(bytes, target, p, { bundleSource: opts.bundleSource, installForm });
  const out = json ? JSON.stringify(report, null, 2) : formatFit(file, report);
  return { out, ok: report.ok, summary: report.summary };
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
