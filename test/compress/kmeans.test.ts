import { describe, expect, it, beforeAll } from 'vitest';
import { kmeans1d } from '../../src/compress/kmeans.js';
import { clusterTensor } from '../../src/compress/cluster-stage.js';
import { initTraining } from '../../src/train/backend.js';
import { train, clusteredValues } from '../../src/train/loop.js';
import { initialState, floatsOf } from '../../src/compress/state.js';
import { pruneOnce } from '../../src/compress/iterative-prune.js';
import { mlp } from '../helpers/graphs.js';
import { synthetic } from '../helpers/tiny-data.js';

beforeAll(() => initTraining());

describe('k-means weight sharing', () => {
  it('finds the centroids and assignments of well-separated groups (linear init)', () => {
    const v = Float32Array.from([0, 0.2, 0.1, 10, 10.2, 20.5, 19.5, 0.3]);
    const { centroids, assignments } = kmeans1d(v, 3);
    expect(Array.from(centroids)).toEqual([0.15, 10.1, 20].map(Math.fround));
    expect(Array.from(assignments)).toEqual([0, 0, 0, 1, 1, 2, 2, 0]);
  });

  it('clusters only the kept weights of a pruned tensor', () => {
    const w = Float32Array.from([5, -1, 0.01, 1, -0.02, -5]);
    const mask = Uint8Array.from([1, 1, 0, 1, 0, 1]);
    const c = clusterTensor(w, 2, mask);
    expect(Array.from(c.centroids)).toEqual([-5, -1, 1, 5]);
    expect(Array.from(clusteredValues(c, mask))).toEqual([5, -1, 0, 1, 0, -5]);
  });
});

describe('centroid fine-tuning', () => {
  it('moves only the centroids: assignments, masks and biases stay fixed', async () => {
    const data = synthetic(256, 12, 4, 11);
    const g = mlp([12, 16, 4], 9);
    const s = pruneOnce(initialState(g), new Map([['fc0.weight', 0.5]]));
    const clusters = new Map([
      ['fc0.weight', clusterTensor(floatsOf(s.graph, 'fc0.weight'), 3, s.masks.get('fc0.weight'))],
      ['fc1.weight', clusterTensor(floatsOf(s.graph, 'fc1.weight'), 2)],
    ]);
    const r = await train(s.graph, data, {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      mode: 'centroids',
      masks: s.masks,
      clusters,
    });
    for (const [name, before] of clusters) {
      const after = r.clusters!.get(name)!;
      expect(after.assignments).toBe(before.assignments);
      expect(Array.from(after.centroids)).not.toEqual(Array.from(before.centroids));
      // Every weight is its (new) centroid, pruned weights stay 0.
      expect(Array.from(floatsOf(r.graph, name))).toEqual(
        Array.from(clusteredValues(after, s.masks.get(name))),
      );
    }
    for (const b of ['fc0.bias', 'fc1.bias']) expect(floatsOf(r.graph, b)).toEqual(floatsOf(g, b));
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
  });

  it('sums the members gradients into the centroid', async () => {
    // One weight per layer shared by all: the centroid gradient is the sum over members,
    // so with SGD-like first Adam step (step = lr · sign) every centroid moves by lr.
    const data = synthetic(64, 12, 4, 12);
    const g = mlp([12, 4], 2);
    const c = clusterTensor(floatsOf(g, 'fc0.weight'), 1);
    const r = await train(g, data, {
      epochs: 1,
      batchSize: 64,
      learningRate: 0.001,
      mode: 'centroids',
      clusters: new Map([['fc0.weight', c]]),
    });
    expect(Math.abs(r.clusters!.get('fc0.weight')!.centroids[0] - c.centroids[0])).toBeCloseTo(0.001, 6);
  });
});
