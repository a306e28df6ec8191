// Early exits for any model mote can load: place heads after chosen (or automatically
// chosen) layers, train them on a frozen backbone, calibrate their thresholds on held-out
// data for a target accuracy loss. The digits scripts (models/train-exits.ts) do the same
// steps with joint training; this is the form `mote exits add` runs.
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { shuffledIndices } from '../data/prng.js';
import { gather } from '../data/split.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';
import { attachExits, trainExits, type HeadSpec } from '../train/exits.js';
import { calibrate, profileExits, withThresholds, type Calibration } from './calibrate.js';

/** Ops after which an exit head reads a settled feature map or vector. */
const ACTIVATIONS = new Set(['relu', 'relu6', 'sigmoid', 'tanh', 'maxpool', 'avgpool']);

/** Where an exit can go: each activation's output, with the MACs spent up to it (of the whole). */
export function exitCandidates(g: Graph): { after: string; macs: number; fraction: number }[] {
  const m = load(writeMote({ ...g, exits: undefined }));
  const total = m.macs || 1;
  const out: { after: string; macs: number; fraction: number }[] = [];
  let spent = 0;
  m.graph.ops.forEach((op, i) => {
    spent += op.macs;
    const name = m.graph.values[op.output].name;
    if (ACTIVATIONS.has(g.ops[i].op) && name !== g.outputs[0] && i < g.ops.length - 2)
      out.push({ after: name, macs: spent, fraction: spent / total });
  });
  return out;
}

/**
 * The automatic choice: the activation closest to a third of the model's MACs, among those
 * before 80% of them (later, an exit saves too little to pay for its head).
 */
export function chooseExits(g: Graph): string[] {
  const early = exitCandidates(g).filter((c) => c.fraction <= 0.8);
  if (!early.length) {
    const all = exitCandidates(g);
    throw new Error(
      `mote: exits: no layer computes less than 80% of the model's MACs, so an exit would save little` +
        (all.length
          ? `; name one with --after (candidates: ${all.map((c) => `${c.after} ${(c.fraction * 100).toFixed(0)}%`).join(', ')})`
          : ''),
    );
  }
  const best = early.reduce((a, b) => (Math.abs(b.fraction - 1 / 3) < Math.abs(a.fraction - 1 / 3) ? b : a));
  return [best.after];
}

/** A head for the value's shape: a 2×2 max-pool on a feature map, a hidden layer on a wide input. */
export function headFor(g: Graph, after: string): HeadSpec {
  const value = [...g.inputs, ...g.values].find((v) => v.name === after);
  if (!value) {
    const names = exitCandidates(g).map((c) => c.after);
    throw new Error(
      `mote: exits: the model has no value named '${after}'${names.length ? ` (layers an exit can follow: ${names.join(', ')})` : ''}`,
    );
  }
  const s = value.shape;
  const pool = s.length === 3 && s[0] >= 4 && s[1] >= 4 ? 2 : undefined;
  const flat =
    (pool ? Math.floor(s[0] / 2) * Math.floor(s[1] / 2) * s[2] : s.reduce((a, b) => a * b, 1)) || 1;
  return { after, pool, hidden: flat > 256 ? 32 : undefined };
}

/** A seeded split: `heldOut` of the samples (at least one) for calibration, the rest for training. */
export function splitHeldOut(
  data: Dataset,
  heldOut: number,
  seed: number,
): { train: Dataset; held: Dataset } {
  if (data.count < 2)
    throw new Error(`mote: exits: ${data.count} sample(s); need at least 2 (train and calibrate)`);
  const order = shuffledIndices(data.count, seed);
  const n = Math.min(data.count - 1, Math.max(1, Math.round(data.count * heldOut)));
  return { train: gather(data, order.subarray(n)), held: gather(data, order.subarray(0, n)) };
}

export interface AddExitsOptions {
  /** Values to place a head after; default: chooseExits. */
  after?: string[];
  /** Accuracy (a fraction) the model with exits may lose against running to the end. */
  maxLoss: number;
  epochs: number;
  /** Fraction of the data held out for calibration (default 0.2). */
  heldOut?: number;
  seed?: number;
  /** Per training batch (for a progress bar). */
  onBatch?: (done: number, total: number, loss: number) => void;
  /** Per held-out sample profiled for calibration. */
  onProfile?: (done: number, total: number) => void;
}

export interface ExitReport {
  after: string;
  /** MACs spent when an input leaves here (backbone so far + every head tried). */
  macs: number;
  threshold: number;
  /** Accuracy of this exit alone on the held-out samples. */
  accuracy: number;
  /** Fraction of held-out samples leaving here. */
  leaving: number;
}

export interface AddExitsResult {
  graph: Graph;
  calibration: Calibration;
  exits: ExitReport[];
  trainCount: number;
  heldOutCount: number;
}

export async function addExits(g: Graph, data: Dataset, opts: AddExitsOptions): Promise<AddExitsResult> {
  const seed = opts.seed ?? 1;
  const per = g.inputs[0].shape.reduce((a, b) => a * b, 1);
  if (data.features.length !== data.count * per)
    throw new Error(
      `mote: exits: the samples have ${data.features.length / Math.max(1, data.count)} values each; the model's input [${g.inputs[0].shape}] takes ${per}`,
    );
  const after = opts.after?.length ? opts.after : chooseExits(g);
  const heads = after.map((a) => headFor(g, a));
  const { train, held } = splitHeldOut(data, opts.heldOut ?? 0.2, seed);
  let withHeads = attachExits(g, heads, seed + 99);
  withHeads = await trainExits(withHeads, train, {
    epochs: opts.epochs,
    mode: 'heads',
    seed,
    // Heads alone are small and start from scratch: a faster rate than joint training's 1e-3.
    learningRate: 5e-3,
    // Only the heads' loss: the backbone is frozen, its output's loss would add nothing.
    weights: [...heads.map(() => 1), 0],
    onBatch: opts.onBatch,
  });
  const profile = profileExits(load(writeMote(withHeads)), held, 'maxprob', held.count, opts.onProfile);
  const cal = calibrate(profile, 'maxprob', opts.maxLoss);
  const graph = withThresholds(withHeads, cal);
  const exits = after.map((a, e): ExitReport => ({
    after: a,
    macs: profile.pathMacs[e],
    threshold: cal.thresholds[e],
    accuracy: profile.correct[e].reduce((x, y) => x + y, 0) / profile.count,
    leaving: cal.distribution[e],
  }));
  return { graph, calibration: cal, exits, trainCount: train.count, heldOutCount: held.count };
}
