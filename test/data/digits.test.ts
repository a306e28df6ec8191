import { describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/data/digits.js';
import { mulberry32, shuffledIndices } from '../../src/data/prng.js';

describe('prng', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(20161001);
    const b = mulberry32(20161001);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });

  it('matches the reference mulberry32 (so the split is stable across versions)', () => {
    const r = mulberry32(20161001);
    expect([r(), r(), r()].map((x) => x * 2 ** 32)).toEqual([2746265565, 347073210, 3032509407]);
    expect(Array.from(shuffledIndices(10000, 20161001).subarray(0, 4))).toEqual([8574, 4431, 6075, 7229]);
  });

  it('shuffledIndices is a permutation', () => {
    const p = shuffledIndices(1000, 7);
    const sorted = Array.from(p).sort((x, y) => x - y);
    expect(sorted).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(shuffledIndices(1000, 7))).toEqual(Array.from(p));
    expect(Array.from(shuffledIndices(1000, 8))).not.toEqual(Array.from(p));
  });
});

/** One string key per sample, to compare samples across splits. */
function keys(features: Float32Array, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = features.subarray(i * 784, (i + 1) * 784);
    out.push(Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('base64'));
  }
  return out;
}

describe('loadDigits', () => {
  const train = loadDigits('train');
  const test = loadDigits('test');
  const all = loadDigits('all');

  it('has a fixed 8000/2000 split of 10000 digits', () => {
    expect(train.count).toBe(8000);
    expect(test.count).toBe(2000);
    expect(all.count).toBe(10000);
    for (const d of [train, test, all]) {
      expect(d.features.length).toBe(d.count * 784);
      expect(d.labels.length).toBe(d.count);
      expect(d.featureShape).toEqual([28, 28]);
      expect(d.classes).toBe(10);
    }
  });

  it('train and test are disjoint and together make all', () => {
    const trainKeys = keys(train.features, train.count);
    const testKeys = keys(test.features, test.count);
    const trainSet = new Set(trainKeys);
    // MNIST holds a few byte-identical images; compare by position in 'all' instead of content when they repeat.
    const allKeys = keys(all.features, all.count);
    expect(allKeys.slice(0, 8000)).toEqual(trainKeys);
    expect(allKeys.slice(8000)).toEqual(testKeys);
    const overlap = testKeys.filter((k) => trainSet.has(k)).length;
    const dupesInAll = allKeys.length - new Set(allKeys).size;
    expect(overlap).toBeLessThanOrEqual(dupesInAll);
    expect(Array.from(all.labels.subarray(0, 8000))).toEqual(Array.from(train.labels));
    expect(Array.from(all.labels.subarray(8000))).toEqual(Array.from(test.labels));
  });

  it('is deterministic (pinned fingerprint of the split)', () => {
    // The split must not change between runs or machines: pin a label hash, the test
    // set's class counts and a pixel sum.
    let h = 0;
    for (let i = 0; i < test.count; i++) h = (Math.imul(h, 31) + test.labels[i]) >>> 0;
    expect(h).toBe(790675393);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual([210, 250, 181, 221, 196, 169, 203, 213, 175, 182]);
    let s = 0;
    for (let i = 0; i < 784 * 10; i++) s += train.features[i];
    expect(Math.round(s * 1000)).toBe(947579);
    expect(loadDigits('test')).toBe(test); // cached
  });

  it('has labels 0..9, all present in both splits', () => {
    for (const d of [train, test]) {
      const counts = new Array(10).fill(0);
      for (const l of d.labels) {
        expect(l).toBeLessThan(10);
        counts[l]++;
      }
      for (const c of counts) expect(c).toBeGreaterThan(50);
    }
  });

  it('has features in [0, 1]', () => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of all.features) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });
});
