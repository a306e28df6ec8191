import { readFile } from 'node:fs/promises';
import { loadWithEngine, type EngineChoice } from '../wasm/engine.js';
import { loadDigits, type Dataset } from '../data/digits.js';
import { loadUserData } from '../data/user.js';
import { head } from '../data/split.js';
import { evaluate, type Evaluation } from '../evaluate.js';
import { evaluateClasses, type ClassEvaluation } from '../evaluate-classes.js';
import { progressBar } from './progress.js';
import { dataSource, DATA_FLAGS_HELP, type DataFlags } from './data-flags.js';
import { formatClassReport } from './class-report.js';
import { UsageError } from './usage.js';
import { MAX_MACS_HELP } from './max-macs.js';

export const evalHelp = `mote eval <model.mote> [--dataset digits-test|digits-train | --data FILE [reading options]]
          [--limit N] [--plan stream|cache] [--engine auto|js|wasm] [--max-macs N] [--json]

Runs the model over a labelled data set with mote's runtime (the code that runs on the
device, normalisation included) and prints its accuracy, mean time and MACs per
inference, per-class accuracy, the confusion matrix (rows: true class, columns:
predicted) and, for a model with early exits, how often each exit was taken.
digits-test is the 2,000 held-out MNIST digits. With --data, labels are matched to the
model's class names (its metadata); a label the model does not know is refused, naming
the file, line and column.
--engine picks the kernels: wasm (WebAssembly), js, or auto (wasm when it exists).
${MAX_MACS_HELP}

${DATA_FLAGS_HELP}`;

export const DATASETS: Record<string, () => Dataset> = {
  'digits-test': () => loadDigits('test'),
  'digits-train': () => loadDigits('train'),
};

export interface EvalOptions {
  dataset?: string;
  data: DataFlags;
  limit?: number;
  plan: string;
  json: boolean;
  engine?: EngineChoice;
  /** The work bound (--max-macs). */
  maxMacs?: number;
}

export async function evalCommand(file: string, o: EvalOptions): Promise<string> {
  if (o.dataset !== undefined && o.data.data !== undefined)
    throw new UsageError('give either --dataset or --data, not both');
  const name = o.dataset ?? 'digits-test';
  const make = o.data.data === undefined ? DATASETS[name] : undefined;
  if (o.data.data === undefined && !make)
    throw new UsageError(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const model = loadWithEngine(await readFile(file), {
    plan: o.plan,
    engine: o.engine ?? 'auto',
    maxMacs: o.maxMacs,
  });
  const names = Array.isArray(model.meta.labels) ? (model.meta.labels as unknown[]).map(String) : undefined;
  const outputs = model.graph.values[model.graph.outputs[0]].size;
  const src = dataSource(o.data, names ? { names } : { classes: outputs });
  const data = head(src ? await loadUserData(src) : make!(), o.limit);
  const setName = src ? src.features : name;
  const bar = progressBar('evaluating', { enabled: !o.json }, 'samples');
  const onProgress = bar && ((done: number, total: number) => bar.update(done, total));
  let c: ClassEvaluation;
  let whole: Evaluation | undefined;
  try {
    c = evaluateClasses(model, data, names, onProgress);
    // Without exits one pass gives both; with exits, accuracy and time stay those of the
    // whole model (run to the end), and the class report is the exits' own.
    if (model.exits.length) whole = evaluate(model, data, data.count, onProgress);
  } finally {
    bar?.stop();
  }
  const r: Evaluation = whole ?? {
    count: c.count,
    correct: c.correct,
    accuracy: c.accuracy,
    msPerInference: c.msPerInference,
    macsPerInference: model.macs,
    meanMacs: c.meanMacs,
  };
  if (o.json)
    return JSON.stringify(
      {
        model: file,
        dataset: setName,
        ...r,
        classes: c.classes,
        perClass: c.perClass,
        confusion: c.confusion,
        exitRates: c.exitRates,
        memory: model.memory,
        engine: model.engine,
      },
      null,
      2,
    );
  return [
    `${file} on ${setName}: accuracy ${(r.accuracy * 100).toFixed(2)}% (${r.correct}/${r.count}), ${r.msPerInference.toFixed(3)} ms per inference, mean ${Math.round(r.meanMacs)} MACs (engine ${model.engine})`,
    '',
    formatClassReport(c),
  ].join('\n');
}
