import { describe, expect, it, beforeAll } from 'vitest';
import { initTraining } from '../../src/train/backend.js';
import { train } from '../../src/train/loop.js';
import { initialState, floatsOf } from '../../src/compress/state.js';
import { iterativePrune, pruneOnce } from '../../src/compress/iterative-prune.js';
import { magnitudeMask } from '../../src/compress/masks.js';
import { mlp } from '../helpers/graphs.js';
import { synthetic } from '../helpers/tiny-data.js';

beforeAll(() => initTraining());

describe('pruning masks during fine-tuning', () => {
  const data = synthetic(256, 12, 4, 7);

  it('magnitudeMask removes exactly floor(n·s) of the smallest weights', () => {
    const w = Float32Array.from([0.5, -0.1, 0.05, -0.9, 0.2, 0.0, 0.3, -0.4]);
    const m = magnitudeMask(w, 0.5);
    expect(Array.from(m)).toEqual([1, 0, 0, 1, 0, 0, 1, 1]);
  });

  it('keeps pruned weights exactly zero while the others train', async () => {
    const g = mlp([12, 16, 4], 3);
    const pruned = pruneOnce(
      initialState(g),
      new Map([
        ['fc0.weight', 0.75],
        ['fc1.weight', 0.5],
      ]),
    );
    const before = floatsOf(pruned.graph, 'fc0.weight');
    const r = await train(pruned.graph, data, {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      masks: pruned.masks,
    });
    for (const name of ['fc0.weight', 'fc1.weight']) {
      const mask = pruned.masks.get(name)!;
      const after = floatsOf(r.graph, name);
      let moved = 0;
      mask.forEach((m, i) => {
        if (!m)
          expect(Math.abs(after[i])).toBe(0); // -0 is fine: it is stored as a gap
        else if (after[i] !== floatsOf(pruned.graph, name)[i]) moved++;
      });
      expect(moved).toBeGreaterThan(mask.reduce((a, b) => a + b, 0) / 2);
    }
    expect(before.filter((v) => v === 0).length).toBe(Math.floor(16 * 12 * 0.75));
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
  });

  it('iterative pruning reaches the per-layer targets and masks only grow', async () => {
    const g = mlp([12, 16, 4], 5);
    const s = await iterativePrune(
      initialState(g),
      data,
      { sparsity: { fc0: 0.8, fc1: 0.5 }, steps: 3, epochs: 1 },
      { batchSize: 64 },
    );
    const zeros = (n: string) => floatsOf(s.graph, n).filter((v) => v === 0).length;
    expect(zeros('fc0.weight')).toBe(Math.floor(192 * 0.8));
    expect(zeros('fc1.weight')).toBe(Math.floor(64 * 0.5));
  });

  it('names an unknown layer in a per-layer setting', async () => {
    const g = mlp([12, 16, 4], 5);
    await expect(
      iterativePrune(initialState(g), data, { sparsity: { fc9: 0.5 }, steps: 1, epochs: 0 }),
    ).rejects.toThrow(/unknown layer 'fc9'.*fc0, fc1/);
  });
});
