// A small, learnable labelled data set for training tests: the first digits of the
// training split (real data), or a seeded synthetic problem of any width.
import type { Dataset } from '../../src/data/digits.js';
import { loadDigits } from '../../src/data/digits.js';
import { mulberry32 } from '../../src/data/prng.js';

export function someDigits(count: number, offset = 0): Dataset {
  const all = loadDigits('train');
  return {
    features: all.features.slice(offset * 784, (offset + count) * 784),
    labels: all.labels.slice(offset, offset + count),
    count,
    featureShape: [784],
    classes: 10,
  };
}

/** Points in `features` dimensions, labelled by which of `classes` seeded directions they lean to most. */
export function synthetic(count: number, features: number, classes: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  const dirs = Float32Array.from({ length: classes * features }, () => rand() * 2 - 1);
  const x = Float32Array.from({ length: count * features }, () => rand() * 2 - 1);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = 0; j < features; j++) s += x[i * features + j] * dirs[c * features + j];
      if (s > best) {
        best = s;
        labels[i] = c;
      }
    }
  }
  return { features: x, labels, count, featureShape: [features], classes };
}
