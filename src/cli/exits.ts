// `mote exits`: what a model's early exits do on a data set, run by the runtime:
// accuracy, mean MACs and time with exits (confidence mode, or a budget) against
// running to the end, and where the inputs left.
import { readFile } from 'node:fs/promises';
import { load } from '../runtime/model.js';
import { measureExits } from '../exits/measure.js';
import { DATASETS } from './eval.js';
import { UsageError } from './usage.js';
import { MAX_MACS_HELP } from './max-macs.js';

export const exitsHelp = `mote exits <model.mote> [--dataset digits-test|digits-train] [--max-macs N] [--json]

Runs a model with early-exit heads (EXIT section) over a labelled data set with the
runtime's scheduler: with its calibrated thresholds, and to the end with every head
skipped. Prints accuracy, mean MACs and mean ms per inference of each, and the fraction
of inputs leaving at each exit.
${MAX_MACS_HELP}`;

export async function exitsCommand(
  file: string,
  dataset: string,
  json: boolean,
  maxMacs?: number,
): Promise<string> {
  const make = DATASETS[dataset];
  if (!make)
    throw new UsageError(`unknown dataset '${dataset}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const m = load(await readFile(file), { maxMacs });
  if (!m.exits.length) throw new Error(`mote: ${file}: the model has no exit heads (no EXIT section)`);
  const r = measureExits(m, make(), true);
  const exits = m.exits.map((x) => ({
    criterion: ['maxprob', 'entropy'][x.criterion],
    threshold: x.threshold,
    macs: x.macs,
  }));
  if (json) return JSON.stringify({ model: file, dataset, heads: exits, ...r }, null, 2);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `${file} on ${dataset}: ${m.exits.length} exit head(s), thresholds ${exits.map((x) => `${x.criterion} ${x.threshold.toFixed(4)}`).join(', ')}`,
    `with exits: accuracy ${pct(r.exits.accuracy)}, mean ${Math.round(r.exits.meanMacs)} MACs, ${r.exits.ms!.toFixed(3)} ms per inference`,
    `to the end: accuracy ${pct(r.full.accuracy)}, ${Math.round(r.full.meanMacs)} MACs, ${r.full.ms!.toFixed(3)} ms per inference`,
    `left at: ${r.exits.distribution.map((d, i) => `${i < m.exits.length ? `exit ${i}` : 'end'} ${pct(d)}`).join(', ')}`,
  ].join('\n');
}
