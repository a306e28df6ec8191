import { describe, expect, it, beforeAll } from 'vitest';
import { initTraining } from '../../src/train/backend.js';
import { lotteryTicket } from '../../src/compress/lottery.js';
import { mlp } from '../helpers/graphs.js';
import { synthetic } from '../helpers/tiny-data.js';

beforeAll(() => initTraining());

describe('lottery ticket', () => {
  it('trains, prunes, and retrains the mask from the rewound and from a random init', async () => {
    const phases: string[] = [];
    // One labelling, split into 512 training and 200 held-out points.
    const all = synthetic(712, 12, 4, 3);
    const part = (from: number, n: number) => ({
      ...all,
      features: all.features.slice(from * 12, (from + n) * 12),
      labels: all.labels.slice(from, from + n),
      count: n,
    });
    const r = await lotteryTicket(mlp([12, 32, 4], 1), part(0, 512), part(512, 200), {
      sparsity: { fc0: 0.8, fc1: 0.5 },
      epochs: 3,
      tune: { learningRate: 0.01, batchSize: 32 },
      onPhase: (p) => phases.push(p),
    });
    expect(phases).toEqual(['dense', 'rewound', 'reinit']);
    expect(r.sparsity).toBeCloseTo((384 * 0.8 + 128 * 0.5) / 512, 2);
    // Learnable problem: every trained net beats chance (25%) clearly.
    for (const a of [r.denseAccuracy, r.rewoundAccuracy, r.reinitAccuracy]) expect(a).toBeGreaterThan(0.5);
  });
});
