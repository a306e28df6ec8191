// Runs a recipe's stages over a model, measuring after each one what the runtime
// measures: file bytes, ratio against float32, per-layer encoding, and accuracy on the
// held-out data (the .mote is written and run, not the TF.js model).
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { writeMote } from '../format/writer.js';
import { inspect } from '../format/inspect.js';
import { load } from '../runtime/model.js';
import { evaluate } from '../evaluate.js';
import { initialState, type CompressionState } from './state.js';
import { iterativePrune, type FineTune } from './iterative-prune.js';
import { clusterStage } from './cluster-stage.js';
import { quantizeStage } from './quantize-stage.js';
import { int8ActivationsStage } from './int8-activations-stage.js';
import { lowRankStage } from './lowrank.js';
import { structuredPrune } from './structured.js';
import { encodeState } from './encode.js';
import { train } from '../train/loop.js';
import type { Recipe, Stage } from './recipe.js';

export interface LayerReport {
  tensor: string;
  shape: number[];
  encoding: string;
  /** Fraction of weights pruned (0 when not sparse). */
  sparsity: number;
  /** Codebook entries, when clustered. */
  clusters?: number;
  bitsPerWeight: number;
  bytes: number;
}

export interface StageReport {
  stage: string;
  summary: string;
  /** Runtime accuracy on the evaluation set, when one is given. */
  accuracy?: number;
  fileBytes: number;
  /** Float32 bytes of the original model's weights / this file's bytes. */
  ratio: number;
  params: number;
  macs: number;
  seconds: number;
  layers: LayerReport[];
}

export interface CompressReport {
  recipe: string;
  float32Bytes: number;
  evalSet?: string;
  stages: StageReport[];
}

export interface RecipeHooks {
  train: Dataset;
  test?: Dataset;
  testName?: string;
  /** Called when a stage starts training; returns the per-batch callback (progress bar). */
  onTraining?: (label: string) => ((done: number, total: number, loss: number) => void) | undefined;
  onTrainingDone?: () => void;
  onStage?: (report: StageReport) => void;
}

export function float32Bytes(g: Graph): number {
  return g.tensors.reduce((n, t) => n + 4 * t.shape.reduce((a, b) => a * b, 1), 0);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function layerText<T>(v: T | Record<string, T>, f: (x: T) => string): string {
  return typeof v === 'object' && v !== null
    ? Object.entries(v as Record<string, T>)
        .map(([k, x]) => `${k} ${f(x)}`)
        .join(', ')
    : f(v as T);
}

export function describeStage(s: Stage): string {
  const tune = (e: number) => (e ? `, ${e} fine-tuning epoch${e > 1 ? 's' : ''}` : '');
  switch (s.kind) {
    case 'prune':
      return `magnitude pruning to ${layerText(s.sparsity, pct)} in ${s.steps} step${s.steps > 1 ? 's' : ''}${s.epochs ? ` of ${s.epochs} epoch${s.epochs > 1 ? 's' : ''}` : ''}`;
    case 'cluster':
      return `k-means ${layerText(s.bits, (b) => `${b}-bit`)} clusters${tune(s.epochs).replace('fine-tuning', 'centroid fine-tuning')}`;
    case 'quantize':
      if (s.activations === 'int8')
        return `full int8: int8 weights per channel, int8 activations calibrated on ${s.calibration ?? 500} samples`;
      return `${layerText(s.mode, (m) => m)} ${s.perChannel ? 'per channel' : 'per tensor'}`;
    case 'lowrank':
      return `SVD to ${s.rank !== undefined ? `rank ${layerText(s.rank, String)}` : `${layerText(s.energy!, pct)} energy`}${tune(s.epochs)}`;
    case 'structured':
      return `structured pruning (${s.importance}) keeping ${layerText(s.keep, pct)} of neurons${tune(s.epochs)}`;
    case 'finetune':
      return `fine-tuning, ${s.epochs} epochs`;
  }
}

export function measure(
  state: CompressionState,
  recipe: Recipe,
  stage: string,
  summary: string,
  baseBytes: number,
  seconds: number,
  test?: Dataset,
): { report: StageReport; bytes: Uint8Array } {
  // The float baseline keeps float32 biases too: it is the model as given.
  const encode = stage === 'float' ? { ...recipe.encode, biases: 'float32' as const } : recipe.encode;
  const bytes = writeMote(encodeState(state, encode));
  const info = inspect(bytes);
  const layers = info.tensors.map((t): LayerReport => ({
    tensor: t.name,
    shape: t.shape,
    encoding: t.encoding,
    sparsity: t.sparsity ?? 0,
    ...(t.codebookSize !== undefined ? { clusters: t.codebookSize } : {}),
    bitsPerWeight: t.bitsPerWeight,
    bytes: t.bytes,
  }));
  const model = load(bytes);
  const report: StageReport = {
    stage,
    summary,
    fileBytes: bytes.length,
    ratio: baseBytes / bytes.length,
    params: info.weights,
    macs: model.macs,
    seconds,
    layers,
  };
  if (test) report.accuracy = evaluate(model, test).accuracy;
  return { report, bytes };
}

export async function runRecipe(
  graph: Graph,
  recipe: Recipe,
  hooks: RecipeHooks,
): Promise<{ bytes: Uint8Array; state: CompressionState; report: CompressReport }> {
  if (hooks.train.count === 0) throw new Error('mote: compress: the training data set is empty');
  const base = float32Bytes(graph);
  let state = initialState(graph);
  const stages: StageReport[] = [];
  const record = (stage: string, summary: string, seconds: number) => {
    const m = measure(state, recipe, stage, summary, base, seconds, hooks.test);
    stages.push(m.report);
    hooks.onStage?.(m.report);
    return m.bytes;
  };
  let bytes = record('float', 'the model as given, float32 weights', 0);
  for (const [i, s] of recipe.stages.entries()) {
    const t0 = Date.now();
    const label = `${i + 1}/${recipe.stages.length} ${s.kind}`;
    const onBatch = hooks.onTraining?.(label);
    const tune: FineTune = {
      ...recipe.train,
      learningRate: s.kind !== 'quantize' ? (s.learningRate ?? recipe.train.learningRate) : undefined,
      onBatch,
    };
    switch (s.kind) {
      case 'prune':
        state = await iterativePrune(state, hooks.train, s, tune);
        break;
      case 'cluster':
        state = await clusterStage(state, hooks.train, s, tune);
        break;
      case 'quantize':
        state =
          s.activations === 'int8'
            ? int8ActivationsStage(state, s, hooks.train, recipe.encode.coding)
            : quantizeStage(state, s);
        break;
      case 'lowrank':
        state = lowRankStage(state, s);
        state = await fineTune(state, hooks.train, s.epochs, tune);
        break;
      case 'structured':
        state = structuredPrune(state, s, hooks.train);
        state = await fineTune(state, hooks.train, s.epochs, tune);
        break;
      case 'finetune':
        state = await fineTune(state, hooks.train, s.epochs, tune);
        break;
    }
    if (onBatch) hooks.onTrainingDone?.();
    bytes = record(s.kind, describeStage(s), (Date.now() - t0) / 1000);
  }
  return {
    bytes,
    state,
    report: { recipe: recipe.name, float32Bytes: base, evalSet: hooks.testName, stages },
  };
}

/** Fine-tunes the weights with masks applied; clustered or quantized layers are not trainable this way. */
async function fineTune(
  state: CompressionState,
  data: Dataset,
  epochs: number,
  tune: FineTune,
): Promise<CompressionState> {
  if (epochs <= 0) return state;
  if (state.clusters.size || state.quantized.size)
    throw new Error(
      'mote: compress: fine-tune before clustering or quantization (their values would be lost)',
    );
  const r = await train(state.graph, data, { ...tune, epochs, masks: state.masks });
  return { ...state, graph: r.graph };
}
