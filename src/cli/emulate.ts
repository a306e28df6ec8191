// `mote emulate`: run a .mote inside the target's emulator engine and report what it costs
// (Bangle.js 2 and 1: their firmware, src/emulate/firmware.ts).
import { readFile } from 'node:fs/promises';
import { DEFAULT_TARGET, listTargets } from '../../targets/index.js';
import { emulate, type EmulateReport } from '../emulate/emulate.js';
import { fmtBytes, fmtMs } from '../emulate/common.js';
import { progressBar } from './progress.js';
import { emulateOnFirmware, firmwareBoard, type FirmwareEmulateReport } from '../emulate/firmware.js';
import type { Firmware } from '../../targets/engines/firmware.js';
import { parseSamples } from './run.js';
import { deviceLines, planArg, targetArg } from './fit.js';
import { UsageError } from './usage.js';
import { bundleWithBound, MAX_MACS_HELP } from './max-macs.js';
import { table } from './table.js';

export const emulateHelp = `mote emulate <model.mote> [--target NAME] [--input <file.json|->] [--plan stream|cache|install] [--runs N] [--max-macs N] [--json]

Runs the model in the target's emulator (default ${DEFAULT_TARGET}) and reports the outputs,
the exit taken, memory, MACs, decoded bits and time per layer. The input file is as for
'mote run' (one sample, or an array of samples); without one, a sample of zeros. A model
that does not fit the target fails with exit code 1.

banglejs2, banglejs1: on the watch's own firmware (Espruino 2v29.74, compiled to JavaScript
and run in this process): the runtime and the model are written to its Storage (with the
device form of compressed weights, as 'mote flash' sends them), the model is loaded by
Storage name (plan 'flash'; --plan does not apply) and each input is run there after a
warm-up run. Outputs and labels are the device's; memory is its free variables
(process.memory()); per-layer time is the runtime's profile timed by the firmware's
getTime(), in the emulator. Emulator time is not watch time: the watch estimate is the
emulator time times an assumed factor, and the output says so. --runs N: passes over the
inputs (default 1).

Other targets: the shipped runtime bundle in QuickJS with the target's heap limit, Duktape,
or Node's vm, with the target's RAM for a model as the runtime's memory limit; time
measured there and estimated on the device from the target's cost model.

${MAX_MACS_HELP}

targets: ${listTargets()
  .map((t) => t.name)
  .join(', ')}`;

export async function emulateCommand(
  file: string,
  targetName: string | undefined,
  inputFile: string | undefined,
  plan: string | undefined,
  json: boolean,
  opts: { bundleSource?: string; runs?: number; firmware?: Firmware; maxMacs?: number } = {},
): Promise<string> {
  const target = targetArg(targetName);
  const board = firmwareBoard(target);
  if (board && plan !== undefined)
    throw new UsageError(
      `--plan does not apply to ${target.name}: emulate runs it on its firmware, where a model loaded by Storage name runs plan 'flash'`,
    );
  if (!board && opts.runs !== undefined)
    throw new UsageError(`--runs applies to the targets emulated on their firmware (banglejs2, banglejs1)`);
  const p = board ? undefined : planArg(plan);
  const bytes = await readFile(file);
  const bundleSource = bundleWithBound(bytes, target, opts.maxMacs, opts.bundleSource);
  let samples: number[][] = [];
  if (inputFile !== undefined) {
    const text = inputFile === '-' ? await readStdin() : await readFile(inputFile, 'utf8');
    samples = parseSamples(text, inputFile);
  }
  if (board) {
    const bar = progressBar(`on ${target.name}`, { enabled: !json }, 'steps');
    const r = await emulateOnFirmware(bytes, target, samples, {
      bundleSource,
      runs: opts.runs,
      firmware: opts.firmware,
      onStep: bar && ((done, total, what) => bar.update(done, total, what)),
    }).finally(() => bar?.stop());
    return json ? JSON.stringify(r, null, 2) : formatFirmwareEmulate(file, r);
  }
  const report = await emulate(bytes, target, samples, { plan: p, bundleSource });
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
    ...sampleLines(r.samples),
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

function sampleLines(samples: EmulateReport['samples']): string[] {
  return samples.map((s, i) => {
    const name = s.labelName === undefined ? '' : ` '${s.labelName}'`;
    const out = s.outputs.map((v) => +v.toPrecision(4)).join(', ');
    return `sample ${i}: class ${s.label}${name}; exit ${s.exit}; output [${out}]`;
  });
}

export function formatFirmwareEmulate(file: string, r: FirmwareEmulateReport): string {
  const rows: (string | number)[][] = r.layers.map((l) => [
    l.name,
    l.op,
    l.kernel,
    l.weight ?? '-',
    l.macs,
    l.bits,
    l.elements,
    ms(l.emulatorMs),
    ms(l.watchEstimateMs),
  ]);
  const sum = (f: (l: FirmwareEmulateReport['layers'][number]) => number) =>
    r.layers.reduce((a, l) => a + f(l), 0);
  rows.push([
    'total',
    '',
    '',
    '',
    r.macs,
    r.bits,
    sum((l) => l.elements),
    ms(sum((l) => l.emulatorMs)),
    ms(sum((l) => l.watchEstimateMs)),
  ]);
  const d = deviceLines(r);
  const v = r.variables;
  const lines = [
    `${file} emulated as ${r.target} (${r.title})`,
    d.header,
    '',
    ...sampleLines(r.samples),
    '',
    table(
      [
        'layer',
        'op',
        'kernel',
        'weights',
        'MACs',
        'bits',
        'elements',
        'ms (emulator)',
        'ms (watch, assumed)',
      ],
      rows,
    ),
    '',
    `memory: the model needs ${v.needed!.toLocaleString('en-US')} vars (load ${v.model!.toLocaleString('en-US')} + run ${v.run!.toLocaleString('en-US')}, held after a run) of ${v.freeForModel!.toLocaleString('en-US')} free after the runtime; ${v.freeAfterRun!.toLocaleString('en-US')} left (${v.blocksize} B each)`,
    ...d.details,
    ...d.time,
    `${r.macs} MACs, ${r.bits} decoded bits per inference`,
  ];
  if (r.notes.length) lines.push(...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
