// The lottery-ticket experiment (Frankle & Carbin 2019): train a dense net from a known
// init, prune it by magnitude, then retrain the surviving structure twice at the same
// sparsity: rewound to its original initial values (the "ticket"), and re-initialised at
// random. Every accuracy is measured by running the .mote through the runtime.
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { train, type TrainOptions } from '../train/loop.js';
import { glorotInit } from '../train/init.js';
import { initialState, floatsOf, withFloats, perLayer } from './state.js';
import { pruneOnce } from './iterative-prune.js';
import { applyMask } from './masks.js';
import { writeMote } from '../format/writer.js';
import { load } from '../runtime/model.js';
import { evaluate } from '../evaluate.js';

export interface LotteryOptions {
  sparsity: number | Record<string, number>;
  /** Epochs of each training run (dense, rewound, re-initialised). */
  epochs: number;
  seed?: number;
  tune?: Omit<TrainOptions, 'epochs' | 'masks' | 'mode' | 'clusters'>;
  onPhase?: (phase: string) => void;
}

export interface LotteryResult {
  sparsity: number;
  denseAccuracy: number;
  prunedNoRetrainAccuracy: number;
  rewoundAccuracy: number;
  reinitAccuracy: number;
}

export function runtimeAccuracy(g: Graph, test: Dataset): number {
  return evaluate(load(writeMote(g)), test).accuracy;
}

export async function lotteryTicket(
  architecture: Graph,
  trainSet: Dataset,
  test: Dataset,
  opts: LotteryOptions,
): Promise<LotteryResult> {
  const seed = opts.seed ?? 1;
  const init = glorotInit(architecture, seed);
  opts.onPhase?.('dense');
  const dense = await train(init, trainSet, { ...opts.tune, epochs: opts.epochs, seed });
  const targets = perLayer(dense.graph, opts.sparsity, 'lottery.sparsity');
  const pruned = pruneOnce(initialState(dense.graph), targets);
  const rerun = async (start: Graph): Promise<number> => {
    const masked = withFloats(
      start,
      new Map([...pruned.masks].map(([n, m]) => [n, applyMask(floatsOf(start, n), m)])),
    );
    const r = await train(masked, trainSet, { ...opts.tune, epochs: opts.epochs, seed, masks: pruned.masks });
    return runtimeAccuracy(r.graph, test);
  };
  opts.onPhase?.('rewound');
  const rewoundAccuracy = await rerun(init);
  opts.onPhase?.('reinit');
  const reinitAccuracy = await rerun(glorotInit(architecture, seed + 1000));
  let kept = 0;
  let total = 0;
  for (const m of pruned.masks.values()) {
    total += m.length;
    for (const v of m) kept += v;
  }
  return {
    sparsity: 1 - kept / total,
    denseAccuracy: runtimeAccuracy(dense.graph, test),
    prunedNoRetrainAccuracy: runtimeAccuracy(pruned.graph, test),
    rewoundAccuracy,
    reinitAccuracy,
  };
}
