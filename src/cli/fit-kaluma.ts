// What `mote fit --target kaluma-pico` prints: the fit measured on Kaluma's JerryScript
// (src/emulate/jerryscript.ts).
import { fmtBytes } from '../emulate/common.js';
import { fmtTime } from '../emulate/firmware.js';
import { kalumaStageWords, type KalumaFitReport } from '../emulate/jerryscript.js';
import { table } from './table.js';

const n = (v: number): string => v.toLocaleString('en-US');

/** The text `mote fit --target kaluma-pico` prints. */
export function formatKalumaFit(file: string, r: KalumaFitReport): string {
  const h = r.heap;
  const f = r.failure;
  const rows: string[][] = [
    [
      'flash',
      fmtBytes(r.flash.neededBytes),
      fmtBytes(r.flash.budgetBytes),
      r.flash.ok ? 'pass' : 'FAIL',
      `runtime ${fmtBytes(r.flash.runtimeBytes)} + model ${fmtBytes(r.flash.modelBytes)}`,
    ],
  ];
  if (f) {
    const free = f.freeBytes ?? (f.stage === 'runtime' ? h.size - h.atStart : h.freeForModel);
    rows.push([
      'heap',
      f.neededBytes !== undefined
        ? `~${fmtBytes(f.neededBytes)}`
        : free !== null
          ? `> ${fmtBytes(free)}`
          : '-',
      free === null ? '-' : fmtBytes(free),
      'FAIL',
      `${f.kind === 'refused' ? "refused by the runtime's memory check" : 'out of memory (fatal: the board restarts)'} while ${kalumaStageWords(f.stage)}`,
    ]);
  } else {
    rows.push([
      'heap',
      fmtBytes(h.peak!),
      fmtBytes(h.freeForModel!),
      'pass',
      `peak of reading the file, load and one run; held: model ${fmtBytes(h.model!)} + run ${fmtBytes(h.run!)}; the runtime bundle took ${fmtBytes(h.runtime!)}`,
    ]);
  }
  if (r.time)
    rows.push([
      'time',
      `${fmtTime(r.time.emulatorMs)} in the emulator`,
      '-',
      'info',
      'EMULATOR TIME, not the Pico',
    ]);
  const lines = [
    `${file} on ${r.target} (${r.title}), plan '${r.plan}'`,
    `measured on its engine: ${r.engine}; the model read from a file with fs.readFile and loaded from its bytes`,
    '',
    table(['check', 'needed', 'available', 'result', 'made of'], rows),
    '',
  ];
  const steps = [`heap ${n(h.size)} bytes`, `allocated on a fresh engine ${n(h.atStart)}`];
  if (h.runtime !== null) steps.push(`free after the runtime ${n(h.freeForModel!)}`);
  if (h.freeAfterRun !== null) steps.push(`free after a run ${n(h.freeAfterRun)}`);
  lines.push(`heap: ${steps.join('; ')}`);
  const mem = r.runtimeMemory;
  if (mem)
    lines.push(
      `the runtime's own plan: activations ${fmtBytes(mem.activations)}, weights ${fmtBytes(mem.resident)}, scratch ${fmtBytes(mem.scratch)} = ${fmtBytes(mem.peak)} of buffers`,
    );
  if (r.loadMs !== null) lines.push(`load: ${fmtTime(r.loadMs)} in the emulator`);
  if (r.time)
    lines.push(
      `time: EMULATOR TIME IS NOT THE PICO'S. ${fmtTime(r.time.emulatorMs)} per inference in the emulator ` +
        `(mean of ${r.time.runs} run${r.time.runs > 1 ? 's' : ''} after a ${fmtTime(r.time.warmupMs)} warm-up): ${r.time.basis}`,
    );
  if (f) lines.push(`the engine said (${kalumaStageWords(f.stage)}): ${f.message}`);
  if (r.notes.length) lines.push('', ...r.notes.map((x) => `note: ${x}`));
  lines.push('', r.summary);
  return lines.join('\n');
}
