// Iterative magnitude pruning (Han et al. 2015): raise each layer's sparsity towards its
// target in `steps` rounds; after each round, fine-tune with the masks kept applied.
import type { Dataset } from '../data/digits.js';
import { train, type TrainOptions } from '../train/loop.js';
import { floatsOf, perLayer, type CompressionState } from './state.js';
import { applyMask, magnitudeMask } from './masks.js';
import { withFloats } from './state.js';

export interface PruneSchedule {
  /** Final fraction of weights removed: one number, or per layer (see perLayer). */
  sparsity: number | Record<string, number>;
  /** Rounds of prune-then-fine-tune (≥ 1). */
  steps: number;
  /** Fine-tuning epochs after each round (0: one-shot pruning). */
  epochs: number;
}

export type FineTune = Omit<TrainOptions, 'epochs' | 'masks' | 'mode' | 'clusters'>;

/** Sparsity of round `step` (1-based): a cubic ramp, fast at first, gentle near the target. */
export function scheduledSparsity(target: number, step: number, steps: number): number {
  return target * (1 - Math.pow(1 - step / steps, 3));
}

/** Masks at the given per-weight sparsities, from the state's current weights. */
export function pruneOnce(state: CompressionState, sparsity: Map<string, number>): CompressionState {
  const masks = new Map(state.masks);
  const values = new Map<string, Float32Array>();
  for (const [name, s] of sparsity) {
    const w = floatsOf(state.graph, name);
    const old = state.masks.get(name);
    // Already-pruned weights are 0, so they are the first to go again: masks only grow.
    const mask = magnitudeMask(old ? applyMask(w, old) : w, s);
    masks.set(name, mask);
    values.set(name, applyMask(w, mask));
  }
  return { ...state, graph: withFloats(state.graph, values), masks };
}

export async function iterativePrune(
  state: CompressionState,
  data: Dataset,
  schedule: PruneSchedule,
  tune: FineTune = {},
): Promise<CompressionState> {
  if (!(Number.isInteger(schedule.steps) && schedule.steps >= 1))
    throw new Error(`mote: prune: steps must be a whole number ≥ 1, got ${schedule.steps}`);
  const targets = perLayer(state.graph, schedule.sparsity, 'prune.sparsity');
  for (const [name, s] of targets)
    if (!(s >= 0 && s < 1)) throw new Error(`mote: prune: sparsity of '${name}' is ${s}, not in [0, 1)`);
  let s = state;
  for (let step = 1; step <= schedule.steps; step++) {
    const now = new Map([...targets].map(([n, t]) => [n, scheduledSparsity(t, step, schedule.steps)]));
    s = pruneOnce(s, now);
    if (schedule.epochs > 0) {
      const r = await train(s.graph, data, {
        ...tune,
        epochs: schedule.epochs,
        masks: s.masks,
        seed: (tune.seed ?? 1) + step,
      });
      s = { ...s, graph: r.graph };
    }
  }
  return s;
}
