// `mote exits add`: early-exit heads for any model mote loads, trained on a frozen backbone
// and calibrated on held-out data; writes the model with its EXIT section.
import { loadGraph } from '../compile.js';
import { initTraining } from '../train/backend.js';
import { addExits, type AddExitsResult } from '../exits/add.js';
import { writeMote } from '../format/writer.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadUserData } from '../data/user.js';
import type { Dataset } from '../data/digits.js';
import { DATASETS } from './eval.js';
import { dataSource, type DataFlags } from './data-flags.js';
import type { Graph } from '../ir/types.js';
import { progressBar, progressBars } from './progress.js';
import { table } from './table.js';
import { numberFlag, UsageError } from './usage.js';

export interface ExitsAddFlags extends DataFlags {
  output?: string;
  dataset?: string;
  'max-loss'?: string;
  after?: string;
  epochs?: string;
}

/** --data (read by the shared data options, labels matched to the model's class names) or --dataset. */
async function dataFrom(f: ExitsAddFlags, graph: Graph): Promise<{ data: Dataset; name: string }> {
  if (f.data && f.dataset) throw new UsageError('give either --dataset or --data, not both');
  const names = graph.metadata?.labels;
  const classes = graph.values.find((v) => v.name === graph.outputs[0])?.shape.reduce((a, b) => a * b, 1);
  const src = dataSource(f, names?.length ? { names } : classes ? { classes } : undefined);
  if (src) return { data: await loadUserData(src), name: src.features };
  const name = f.dataset ?? 'digits-train';
  const make = DATASETS[name];
  if (!make) throw new UsageError(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')})`);
  return { data: make(), name };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatExitsAdd(file: string, out: string, dataName: string, r: AddExitsResult): string {
  const c = r.calibration;
  const rows = r.exits.map((x, i) => [
    `exit ${i}`,
    x.after,
    x.macs.toLocaleString('en-US'),
    pct(x.accuracy),
    x.threshold > 1 ? 'never' : x.threshold.toFixed(4),
    pct(x.leaving),
  ]);
  rows.push([
    'end',
    '(the model)',
    c.fullMacs.toLocaleString('en-US'),
    pct(c.fullAccuracy),
    '-',
    pct(c.distribution[c.distribution.length - 1]),
  ]);
  return [
    `${file} + ${r.exits.length} exit head(s), trained on ${r.trainCount} samples of ${dataName} (backbone frozen), ` +
      `thresholds calibrated on the other ${r.heldOutCount}`,
    '',
    table(
      ['', 'after', 'MACs if it leaves here', 'accuracy alone', 'threshold (max prob)', 'inputs leaving'],
      rows,
    ),
    '',
    `with exits: accuracy ${pct(c.accuracy)}, mean ${Math.round(c.meanMacs).toLocaleString('en-US')} MACs; ` +
      `to the end: ${pct(c.fullAccuracy)}, ${c.fullMacs.toLocaleString('en-US')} MACs ` +
      `(${gain(c.fullMacs, c.meanMacs)}; held-out samples)`,
    `wrote ${out}; measure it with: mote exits ${out} --dataset NAME`,
  ].join('\n');
}

/** How the exits change mean MACs; heads that cost more than they save are said to. */
function gain(full: number, mean: number): string {
  if (mean < full) return `${(full / mean).toFixed(2)}× fewer MACs on average`;
  return (
    `${(mean / full).toFixed(2)}× more MACs on average: too few inputs leave early to pay for ` +
    `the heads; try another --after or a larger --max-loss`
  );
}

export async function exitsAddCommand(file: string, f: ExitsAddFlags, json: boolean): Promise<string> {
  if (!f.output) throw new UsageError('exits add needs -o <out.mote>');
  const maxLoss = (numberFlag('max-loss', f['max-loss'], 0, 100) ?? 0.5) / 100;
  const epochs = numberFlag('epochs', f.epochs, 1, 1000) ?? 5;
  if (!Number.isInteger(epochs)) throw new UsageError('--epochs must be a whole number');
  const after = f.after
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (f.after !== undefined && !after?.length)
    throw new UsageError('--after needs layer names, e.g. --after conv1.relu');
  const graph = await loadGraph(file);
  const { data, name } = await dataFrom(f, graph);
  await initTraining();
  const bars = progressBars(!json);
  const onBatch = bars?.start('training heads');
  const calibrating = progressBar('calibrating', { enabled: !json }, 'samples');
  let r: AddExitsResult;
  try {
    r = await addExits(graph, data, {
      after,
      maxLoss,
      epochs,
      onBatch,
      onProfile: calibrating
        ? (done, total) => {
            bars?.stop();
            calibrating.update(done, total);
          }
        : undefined,
    });
  } finally {
    bars?.stop();
    calibrating?.stop();
  }
  r.graph.metadata = {
    ...r.graph.metadata,
    extra: {
      ...r.graph.metadata?.extra,
      exits: `mote exits add: heads after ${r.exits.map((x) => x.after).join(', ')}, max loss ${maxLoss * 100} points`,
    },
  };
  const bytes = writeMote(r.graph);
  await writeFileAtomic(f.output, bytes);
  if (json)
    return JSON.stringify(
      {
        model: file,
        output: f.output,
        bytes: bytes.length,
        data: name,
        trainCount: r.trainCount,
        heldOutCount: r.heldOutCount,
        maxLoss,
        exits: r.exits,
        calibration: r.calibration,
      },
      null,
      2,
    );
  return formatExitsAdd(file, f.output, name, r);
}
