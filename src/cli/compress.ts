// `mote compress`: training-aware compression by a recipe (or flags for the common
// cases), with a per-stage, per-layer report. The .mote (and the JSON report) are
// written atomically only after every stage succeeded.
import { readFile } from 'node:fs/promises';
import { readMote } from '../format/reader.js';
import { writeFileAtomic } from '../io/atomic.js';
import { parseRecipe, type Recipe, type Stage } from '../compress/recipe.js';
import { runRecipe, type CompressReport } from '../compress/run-recipe.js';
import { initTraining } from '../train/backend.js';
import { graphFromLayersModel, loadLayersModelFile } from '../train/layers.js';
import { loadUserData } from '../data/user.js';
import { normalizeDataset } from '../data/normalize.js';
import { dataSource, type DataFlags } from './data-flags.js';
import { DATASETS } from './eval.js';
import type { Dataset } from '../data/digits.js';
import type { Graph } from '../ir/types.js';
import { numberFlag, UsageError } from './usage.js';
import { progressBars } from './progress.js';

export interface CompressFlags extends DataFlags {
  recipe?: string;
  prune?: string;
  'prune-steps'?: string;
  epochs?: string;
  cluster?: string;
  int8?: boolean;
  'int8-activations'?: boolean;
  calibration?: string;
  int4?: boolean;
  binary?: boolean;
  'gap-bits'?: string;
  fixed?: boolean;
  dataset?: string;
  eval?: string;
  report?: string;
}

/** A recipe from the command-line flags. */
export function recipeFromFlags(f: CompressFlags): Recipe {
  const epochs = numberFlag('epochs', f.epochs, 0, 1000) ?? 1;
  const stages: Stage[] = [];
  const sparsity = numberFlag('prune', f.prune, 0, 0.9999);
  if (sparsity !== undefined)
    stages.push({
      kind: 'prune',
      sparsity,
      steps: numberFlag('prune-steps', f['prune-steps'], 1, 100) ?? 3,
      epochs,
    });
  // --int8-activations implies int8 weights.
  const int8 = f.int8 || f['int8-activations'];
  const quant = [int8 && 'int8', f.int4 && 'int4', f.binary && 'binary'].filter(Boolean) as (
    'int8' | 'int4' | 'binary'
  )[];
  if (quant.length > 1 || (quant.length && f.cluster !== undefined))
    throw new UsageError('choose one of --cluster, --int8, --int4 and --binary');
  const bits = numberFlag('cluster', f.cluster, 1, 8);
  if (bits !== undefined) {
    if (!Number.isInteger(bits)) throw new UsageError('--cluster must be a whole number of bits');
    stages.push({ kind: 'cluster', bits, epochs, learningRate: 2e-5 });
  }
  const calibration = numberFlag('calibration', f.calibration, 1, 65536);
  if (calibration !== undefined && (!Number.isInteger(calibration) || !f['int8-activations']))
    throw new UsageError('--calibration takes a whole number of samples, with --int8-activations');
  if (f['int8-activations'])
    stages.push({ kind: 'quantize', mode: 'int8', perChannel: true, activations: 'int8', calibration });
  else if (quant.length) stages.push({ kind: 'quantize', mode: quant[0], perChannel: true });
  if (!stages.length)
    throw new UsageError(
      'compress needs --recipe or at least one of --prune, --cluster, --int8, --int4, --binary',
    );
  const gapBits = numberFlag('gap-bits', f['gap-bits'], 1, 8);
  return {
    name: 'command line',
    train: { batchSize: 64, learningRate: 5e-4, seed: 1 },
    stages,
    encode: { gapBits: gapBits ?? 'auto', coding: f.fixed ? 'fixed' : 'huffman', biases: 'int8' },
  };
}

async function loadRecipe(file: string): Promise<Recipe> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw e;
    throw new Error(`mote: recipe ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseRecipe(json, file);
}

/** The model as an IR graph: a TF.js Layers model.json (through TF.js itself) or a .mote. */
export async function loadTrainableGraph(file: string): Promise<Graph> {
  if (file.endsWith('.mote')) return readMote(await readFile(file));
  if (file.endsWith('.json')) return graphFromLayersModel(await loadLayersModelFile(file), file);
  throw new Error(`mote: ${file}: unknown model type (expected a TF.js model.json or a .mote file)`);
}

function pick(name: string): Dataset {
  const make = DATASETS[name];
  if (!make) throw new UsageError(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')})`);
  return make();
}

export function formatReport(r: CompressReport): string {
  const lines = [
    `recipe ${r.recipe}; float32 weights ${r.float32Bytes} bytes; accuracy by the runtime on ${r.evalSet ?? '(none)'}`,
  ];
  lines.push('stage        bytes     ratio  accuracy  what');
  for (const s of r.stages)
    lines.push(
      `${s.stage.padEnd(10)} ${String(s.fileBytes).padStart(7)} ${s.ratio.toFixed(1).padStart(8)}x  ${s.accuracy === undefined ? '       -' : `${(s.accuracy * 100).toFixed(2)}%`.padStart(8)}  ${s.summary}`,
    );
  const last = r.stages[r.stages.length - 1];
  lines.push('', 'layer               shape          encoding  sparsity  clusters  bits/w    bytes');
  for (const l of last.layers)
    lines.push(
      `${l.tensor.padEnd(19)} ${`[${l.shape}]`.padEnd(14)} ${l.encoding.padEnd(9)} ${`${(l.sparsity * 100).toFixed(1)}%`.padStart(8)}  ${String(l.clusters ?? '-').padStart(8)}  ${l.bitsPerWeight.toFixed(2).padStart(6)} ${String(l.bytes).padStart(8)}`,
    );
  return lines.join('\n');
}

export async function compressCommand(
  input: string,
  output: string,
  f: CompressFlags,
  json: boolean,
): Promise<string> {
  const usesFlags = [
    'prune',
    'prune-steps',
    'cluster',
    'int8',
    'int8-activations',
    'calibration',
    'int4',
    'binary',
    'epochs',
  ].some((k) => f[k as keyof CompressFlags] !== undefined);
  if (f.recipe && usesFlags) throw new UsageError('give either --recipe or compression flags, not both');
  if (f.data && f.dataset) throw new UsageError('give either --dataset or --data, not both');
  dataSource(f); // checks the reading flags before any work
  const recipe = f.recipe ? await loadRecipe(f.recipe) : recipeFromFlags(f);
  const evalName = f.eval ?? (f.data ? 'none' : 'digits-test');
  const test = evalName === 'none' ? undefined : pick(evalName);
  await initTraining();
  const graph = await loadTrainableGraph(input);
  // Labels are matched to the model's class names; a model that normalises its input
  // (mote train) is fine-tuned on normalised values, as it was trained.
  const names = graph.metadata.labels;
  const src = dataSource(f, names ? { names } : undefined);
  let trainSet = src ? await loadUserData(src) : pick(f.dataset ?? 'digits-train');
  if (trainSet.count === 0) throw new Error('mote: compress: the training data set is empty');
  const norm = graph.metadata.normalization;
  if (norm) trainSet = normalizeDataset(trainSet, norm);
  const bars = progressBars(!json);
  const { bytes, report } = await runRecipe(graph, recipe, {
    train: trainSet,
    test,
    testName: test ? evalName : undefined,
    onTraining: bars ? (label) => bars.start(label) : undefined,
    onTrainingDone: () => bars?.stop(),
  });
  bars?.stop();
  await writeFileAtomic(output, bytes);
  if (f.report) await writeFileAtomic(f.report, JSON.stringify(report, null, 2) + '\n');
  return json
    ? JSON.stringify(report, null, 2)
    : `${formatReport(report)}\n\nwrote ${output} (${bytes.length} bytes)`;
}
