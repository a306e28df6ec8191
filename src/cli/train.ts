// `mote train`: a small classifier from the user's own data file, trained with a seeded
// validation split and early stopping, written as a .mote whose metadata carries the
// class names and the normalisation statistics the runtime applies on the device. The
// report (confusion matrix, per-class accuracy) is measured through the runtime.
import { writeFileAtomic } from '../io/atomic.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';
import { loadUserData } from '../data/user.js';
import { splitValidation } from '../data/split.js';
import { computeNormalization, normalizeDataset } from '../data/normalize.js';
import type { Dataset } from '../data/digits.js';
import type { Graph } from '../ir/types.js';
import { buildClassifier } from '../train/arch.js';
import { evaluateClasses, type ClassEvaluation } from '../evaluate-classes.js';
import { dataSource, type DataFlags } from './data-flags.js';
import { formatClassReport } from './class-report.js';
import { trainProgress } from './train-progress.js';
import { need, numberFlag, UsageError } from './usage.js';
import type { EpochRecord } from '../train/early-stopping.js';

export interface TrainFlags extends DataFlags {
  arch?: string;
  epochs?: string;
  val?: string;
  patience?: string;
  seed?: string;
  output?: string;
  report?: string;
}

function defaultArch(d: Dataset): string {
  if (d.featureShape.length === 1) return 'mlp';
  if (d.featureShape.length === 3 || d.channels === 1) return 'conv2d';
  return 'conv1d';
}

export async function trainCommand(f: TrainFlags, json: boolean): Promise<string> {
  const src = dataSource(f);
  if (!src) throw new UsageError('train needs --data <file>');
  const output = need(f.output, 'train needs -o <model.mote>');
  const whole = (name: 'epochs' | 'patience' | 'seed', min: number, max: number, dflt: number) => {
    const v = numberFlag(name, f[name], min, max) ?? dflt;
    if (!Number.isInteger(v)) throw new UsageError(`--${name} must be a whole number`);
    return v;
  };
  const epochs = whole('epochs', 1, 10000, 50);
  const patience = whole('patience', 1, 10000, 5);
  const seed = whole('seed', 0, 2 ** 31 - 1, 1);
  const valFraction = numberFlag('val', f.val, 0, 0.9) ?? 0.2;

  const data = await loadUserData(src);
  const arch = f.arch ?? defaultArch(data);
  // The architecture is checked before any training.
  let graph: Graph;
  try {
    graph = buildClassifier(arch, data.featureShape, data.classes, seed);
  } catch (e) {
    // A spec that is malformed or does not fit the samples is a command-line problem.
    throw new UsageError((e as Error).message.replace(/^mote: /, ''));
  }
  const { train, val } = splitValidation(data, valFraction, seed);
  const norm = computeNormalization(train);

  // Loaded here, not at start-up: TensorFlow.js is large.
  const { initTraining } = await import('../train/backend.js');
  const { trainWithEarlyStopping } = await import('../train/early-stopping.js');
  await initTraining();
  const bar = trainProgress(!json, epochs);
  const t0 = performance.now();
  let result;
  try {
    result = await trainWithEarlyStopping(graph, normalizeDataset(train, norm), normalizeDataset(val, norm), {
      epochs,
      patience,
      seed,
      onBatch: bar ? (d, t, l) => bar.batch(d, t, l) : undefined,
      onEpoch: bar ? (r) => bar.epoch(r) : undefined,
    });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  graph = {
    ...result.graph,
    metadata: {
      name: `${arch} on ${src.features}`,
      ...(data.labelNames ? { labels: data.labelNames } : {}),
      normalization: norm,
      extra: {
        tool: 'mote train',
        arch,
        data: src.features,
        epochs: String(result.history.length),
        bestEpoch: String(result.bestEpoch),
        seed: String(seed),
      },
    },
  };
  const bytes = writeMote(graph);
  // Measured on raw values through the runtime, as the device will run it.
  const evaluation: ClassEvaluation | undefined = val.count
    ? evaluateClasses(load(bytes), val, data.labelNames)
    : undefined;
  await writeFileAtomic(output, bytes);
  const report = {
    model: output,
    bytes: bytes.length,
    data: src.features,
    samples: data.count,
    featureShape: data.featureShape,
    classes: data.labelNames ?? [...Array(data.classes).keys()].map(String),
    arch,
    split: { train: train.count, validation: val.count, seed },
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    seconds: Number(seconds.toFixed(2)),
    history: result.history,
    normalization: norm,
    validation: evaluation,
  };
  if (f.report) await writeFileAtomic(f.report, JSON.stringify(report, null, 2) + '\n');
  if (json) return JSON.stringify(report, null, 2);
  const last: EpochRecord | undefined = result.history[result.bestEpoch - 1];
  return [
    `${src.features}: ${data.count} samples of [${data.featureShape}], ${data.classes} classes; ${train.count} to train, ${val.count} to validate (seed ${seed})`,
    `${arch}: ${result.history.length} epochs in ${seconds.toFixed(1)} s${result.stoppedEarly ? ' (stopped early)' : ''}; best epoch ${result.bestEpoch}${last ? `, ${val.count ? 'validation' : 'training (no validation split)'} loss ${last.valLoss.toFixed(4)}` : ''}`,
    ...(evaluation ? ['', 'validation split, through the runtime:', formatClassReport(evaluation)] : []),
    '',
    `wrote ${output} (${bytes.length} bytes)${f.report ? ` and ${f.report}` : ''}`,
  ].join('\n');
}
