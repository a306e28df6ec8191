// `mote exits`: what a model's early exits do on a data set, run by the runtime:
// accuracy, mean MACs and time with exits (confidence mode, or a budget) against
// running to the end, and where the inputs left.
import { readFile } from 'node:fs/promises';
import { load } from '../runtime/model.js';
import { measureExits } from '../exits/measure.js';
import { DATASETS } from './eval.js';
import { head } from '../data/split.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage.js';
import { MAX_MACS_HELP } from './max-macs.js';
import { DATA_FLAGS_HELP } from './data-flags.js';

export const exitsHelp = `mote exits <model.mote> [--dataset digits-test|digits-train] [--limit N] [--max-macs N] [--json]
mote exits add <model> (--data FILE [reading options] | --dataset NAME) -o <out.mote>
               [--max-loss POINTS] [--after VALUE,...] [--epochs N] [--json]

mote exits MODEL: runs a model with early-exit heads (EXIT section) over a labelled data set
with the runtime's scheduler: with its calibrated thresholds, and to the end with every head
skipped. Prints accuracy, mean MACs and mean ms per inference of each, and the fraction of
inputs leaving at each exit. --limit N measures on the first N samples only.
${MAX_MACS_HELP}

mote exits add MODEL: adds exit heads to any model mote loads (.mote float or compressed,
TF.js model.json, ONNX, TFLite), trains them with the backbone frozen (its weights and
their encodings are kept as they are), and calibrates each head's threshold (maximum
softmax probability) on held-out data so that the model with exits loses at most
--max-loss points of accuracy against running to the end. Writes the model with its EXIT
section to -o and prints each exit's MACs, accuracy, threshold and share of inputs.
Needs TensorFlow.js (npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm).
  --data FILE        labelled samples (reading options below; labels matched to the
                     model's class names when it has them)
  --dataset NAME     a bundled set instead (digits-train, the default, or digits-test)
                     20% of the samples (seeded shuffle) are held out for calibration
  -o FILE            the model with exits
  --max-loss POINTS  accuracy the exits may cost, in percentage points (default 0.5)
  --after VALUE,...  the values a head reads, by name (see mote inspect); default: the
                     activation nearest a third of the model's MACs
  --epochs N         training epochs of the heads (default 5)
Each head: a 2x2 max-pool on a feature map, a 32-unit hidden layer when its input is wider
than 256, then a dense layer to the classes and a softmax. A progress bar (with ETA) is
drawn on stderr when it is a terminal, not under --json.

${DATA_FLAGS_HELP}`;

export async function exitsCommand(
  file: string,
  dataset: string,
  json: boolean,
  maxMacs?: number,
  limit?: number,
): Promise<string> {
  const make = DATASETS[dataset];
  if (!make)
    throw new UsageError(`unknown dataset '${dataset}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const m = load(await readFile(file), { maxMacs });
  if (!m.exits.length) throw new Error(`mote: ${file}: the model has no exit heads (no EXIT section)`);
  const bar = progressBar('measuring exits', { enabled: !json }, 'samples');
  let r;
  try {
    r = measureExits(m, head(make(), limit), true, bar && ((done, total) => bar.update(done, total)));
  } finally {
    bar?.stop();
  }
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
