// `mote emulate`: run a .mote inside the target's emulator engine and report what it costs.
import { readFile } from 'node:fs/promises';
import { DEFAULT_TARGET, listTargets } from '../../targets/index.js';
import { emulate, type EmulateReport } from '../emulate/emulate.js';
import { fmtBytes, fmtMs } from '../emulate/common.js';
import { parseSamples } from './run.js';
import { planArg, targetArg } from './fit.js';
import { table } from './table.js';

export const emulateHelp = `mote emulate <model.mote> [--target NAME] [--input <file.json|->] [--plan stream|cache|install] [--json]

Runs the shipped runtime bundle inside the target's emulator (default ${DEFAULT_TARGET}):
QuickJS with the target's heap limit, Duktape, or Node's vm, with the target's RAM for
a model as the runtime's memory limit. Reports the outputs, the exit taken, the runtime's
peak memory and the engine's heap peak, MACs, decoded bits, and time per layer: measured
in the emulator and estimated on the device from the target's cost model. The input file
is as for 'mote run' (one sample, or an array of samples); without one, a sample of zeros.
A model that does not fit the target fails with exit code 1.

targets: ${listTargets()
  .map((t) => t.name)
  .join(', ')}`;

export async function emulateCommand(
  file: string,
  targetName: string | undefined,
  inputFile: string | undefined,
  plan: string | undefined,
  json: boolean,
  opts: { bundleSource?: string } = {},
): Promise<string> {
  const target = targetArg(targetName);
  const p = planArg(plan);
  const bytes = await readFile(file);
  let samples: number[][] = [];
  if (inputFile !== undefined) {
    const text = inputFile === '-' ? await readStdin() : await readFile(inputFile, 'utf8');
    samples = parseSamples(text, inputFile);
  }
  const report = await emulate(bytes, target, samples, { plan: p, bundleSource: opts.bundleSource });
  return json ? JSON.stringify(report, null, 2) : formatEmulate(file, report);
}

function ms(v: number | null): string {
  return v === null ? '-' : v.toFixed(3);
}

export function formatEmulate(file: string, r: EmulateReport): string {
  const where = r.profileSource === 'engine' ? r.engine : 'Node';
  const rows: (string | number)[][] = r.layers.map((l) => [
    l.name,
    l.op,
    l.kernel,
    l.weight ?? '-',
    l.macs,
    l.bits,
    l.elements,
    ms(l.measuredMs),
    ms(l.estimatedMs),
  ]);
  const sum = (f: (l: EmulateReport['layers'][number]) => number) => r.layers.reduce((a, l) => a + f(l), 0);
  rows.push([
    'total',
    '',
    '',
    '',
    r.macs,
    r.bits,
    sum((l) => l.elements),
    ms(sum((l) => l.measuredMs)),
    ms(r.estimatedMs),
  ]);
  const m = r.memory;
  const heap =
    m.engineHeapPeakBytes === undefined
      ? `${r.engine} heap: not measured`
      : `${r.engine} heap peak ${fmtBytes(m.engineHeapPeakBytes)}${m.engineHeapLimitBytes ? ` of ${fmtBytes(m.engineHeapLimitBytes)}` : ''}`;
  const lines = [
    `${file} emulated as ${r.target} (${r.title}) in ${r.engine}, plan '${r.plan}'`,
    '',
    ...r.samples.map((s, i) => {
      const name = s.labelName === undefined ? '' : ` '${s.labelName}'`;
      const out = s.outputs.map((v) => +v.toPrecision(4)).join(', ');
      return `sample ${i}: class ${s.label}${name}; exit ${s.exit}; output [${out}]`;
    }),
    '',
    table(
      ['layer', 'op', 'kernel', 'weights', 'MACs', 'bits', 'elements', `ms (${where})`, 'ms (device est.)'],
      rows,
    ),
    '',
    `memory: runtime peak ${fmtBytes(m.runtimePeakBytes)} of ${fmtBytes(m.budgetBytes)} (activations ${fmtBytes(m.activations)}, weights ${fmtBytes(m.resident)}, scratch ${fmtBytes(m.scratch)}); ${heap}`,
    `time per inference: ${fmtMs(r.measuredMs)} measured in ${r.engine}; ${r.estimatedMs === null ? 'no device estimate' : `~${fmtMs(r.estimatedMs)} estimated on ${r.target}`}; ${r.macs} MACs, ${r.bits} decoded bits`,
  ];
  if (r.notes.length) lines.push(...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
