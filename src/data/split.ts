// A seeded split of a data set into training and validation samples: the same seed
// always holds out the same samples.
import type { Dataset } from './digits.js';
import { shuffledIndices } from './prng.js';

/** The samples at `indices`, in that order. */
export function gather(d: Dataset, indices: ArrayLike<number>): Dataset {
  const per = d.features.length / Math.max(1, d.count);
  const features = new Float32Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    features.set(d.features.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = d.labels[j];
  }
  return { ...d, features, labels, count: indices.length, featureShape: d.featureShape.slice() };
}

/** The first `limit` samples (all of them without a limit). */
export function head(d: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= d.count) return d;
  const per = d.features.length / d.count;
  return {
    ...d,
    features: d.features.subarray(0, limit * per),
    labels: d.labels.subarray(0, limit),
    count: limit,
  };
}

/** `fraction` of the samples (at least one when fraction > 0) held out for validation. */
export function splitValidation(
  d: Dataset,
  fraction: number,
  seed: number,
): { train: Dataset; val: Dataset } {
  const order = shuffledIndices(d.count, seed);
  let nVal = Math.round(d.count * fraction);
  if (fraction > 0) nVal = Math.max(1, nVal);
  if (d.count - nVal < 1)
    throw new Error(`mote: ${d.count} sample(s) leave none to train on after a ${fraction} validation split`);
  const val = Array.from(order.subarray(0, nVal)).sort((a, b) => a - b);
  const train = Array.from(order.subarray(nVal)).sort((a, b) => a - b);
  return { train: gather(d, train), val: gather(d, val) };
}
