// `mote targets`: every board and engine mote can compile for and emulate.
import { DEFAULT_TARGET, listTargets } from '../../targets/index.js';
import { kb, table } from './table.js';

export const targetsHelp = `mote targets [--json]

Lists every target: engine, ECMAScript level, RAM the runtime may use for one model,
flash for the runtime and models, the work bound (MACs per inference; a model needing more is
refused at load, --max-macs raises it), the desktop emulator, the default execution plan
and native helpers. The default target is ${DEFAULT_TARGET}. Sources for every figure, and how
the cost models were derived: docs/TARGETS.md.

  --json   print the full descriptors (including cost models) as JSON`;

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) ? 1 : 0)} MB` : kb(n);
}

function esLevel(level: number): string {
  return level === 5 ? 'ES5' : `ES${level}`;
}

/** The table of all targets, or their descriptors as JSON. */
export function targetsCommand(json: boolean): string {
  const targets = listTargets();
  if (json) return JSON.stringify(targets, null, 2);
  const rows = targets.map((t) => [
    t.name === DEFAULT_TARGET ? `${t.name} *` : t.name,
    t.title,
    t.engine,
    esLevel(t.esLevel),
    bytes(t.ramForModelBytes),
    bytes(t.flashBytes),
    t.maxMacs.toExponential().replace('+', ''),
    t.emulator,
    t.defaultPlan,
    t.nativeHelpers.length ? t.nativeHelpers.join(' ') : '-',
  ]);
  return [
    table(
      ['name', 'title', 'engine', 'ES', 'RAM for model', 'flash', 'max MACs', 'emulator', 'plan', 'helpers'],
      rows,
    ),
    '',
    '* default target. Sources and cost models: docs/TARGETS.md (--json prints the cost models).',
  ].join('\n');
}
