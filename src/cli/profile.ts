// `mote profile`: per-layer time and memory of the installed model, measured on the device,
// beside the target's cost-model estimate.
import { readFile } from 'node:fs/promises';
import { openSession } from '../../firmware-bridge/session.js';
import { profileOnDevice, type ProfileReport } from '../../firmware-bridge/operations.js';
import { fmtBytes } from '../emulate/common.js';
import { parseSamples } from './run.js';
import { portOptions, type PortFlags } from './port-options.js';
import { numberFlag } from './usage.js';
import { table } from './table.js';
import { progressBar } from './progress.js';

export async function profileCommand(
  inputFile: string,
  flags: PortFlags & { runs?: string },
  plan: string,
  json: boolean,
): Promise<string> {
  const samples = parseSamples(await readFile(inputFile, 'utf8'), inputFile);
  const runs = numberFlag('runs', flags.runs, 1, 100_000) ?? 10;
  const { target, session: opts } = portOptions(flags);
  const s = await openSession(flags.port, target, opts);
  try {
    const bar = progressBar('profiling', { enabled: !json }, 'inputs');
    const r = await profileOnDevice(s, target, samples, {
      runs,
      plan,
      memoryLimit: target.ramForModelBytes,
      onProgress: bar && ((done, total, what) => bar.update(done, total, what)),
    }).finally(() => bar?.stop());
    return json ? JSON.stringify(r, null, 2) : formatProfile(r);
  } finally {
    await s.close();
  }
}

const ms = (v: number | null) => (v === null ? '-' : v.toFixed(3));

export function formatProfile(r: ProfileReport): string {
  const rows: (string | number)[][] = r.layers.map((l) => [
    l.name,
    l.op,
    l.kernel,
    l.macs,
    l.bits,
    ms(l.deviceMs),
    ms(l.estimatedMs),
  ]);
  rows.push([
    'total',
    '',
    '',
    r.layers.reduce((a, l) => a + l.macs, 0),
    r.layers.reduce((a, l) => a + l.bits, 0),
    ms(r.deviceMs),
    ms(r.estimatedMs),
  ]);
  const m = r.memory;
  const used = (d: { usedBytes: number; totalBytes: number }) =>
    `${fmtBytes(d.usedBytes)} of ${fmtBytes(d.totalBytes)}`;
  return [
    `${r.model} on ${r.port} (${r.target}), ${r.runs} run(s) per input, ${r.samples.length} input(s)`,
    '',
    ...r.samples.map((x, i) => {
      const name = x.labelName === undefined ? '' : ` '${x.labelName}'`;
      return `input ${i}: class ${x.label}${name}; exit: ${x.exit}`;
    }),
    '',
    table(['layer', 'op', 'kernel', 'MACs', 'bits', 'ms (device clock)', `ms (${r.target} estimate)`], rows),
    '',
    `device memory: ${used(m.before)} with no model loaded; ${used(m.afterLoad)} after loading; ${used(m.after)} after the runs`,
    `runtime memory for the model: ${fmtBytes(m.runtime.peak)} (activations ${fmtBytes(m.runtime.activations)}, weights ${fmtBytes(m.runtime.resident)}, scratch ${fmtBytes(m.runtime.scratch)}); load ${r.loadMs.toFixed(1)} ms`,
  ].join('\n');
}
