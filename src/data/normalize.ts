// Per-feature normalisation statistics, computed on the training split and stored in the
// model's metadata (`normalization`), so the runtime applies x' = (x − mean) / std on
// the device to raw sensor values, exactly as training saw them. Statistics are per
// channel: value i uses entry i mod n, n the data set's channels (a window [T, C] has C).
import type { Dataset } from './digits.js';
import type { Normalization } from '../ir/types.js';

/** Channels of a data set: as its loader set them, else one per feature of a flat sample. */
export function channelsOf(d: Dataset): number {
  if (d.channels !== undefined) return d.channels;
  return d.featureShape.length === 1 ? d.featureShape[0] : 1;
}

export function computeNormalization(d: Dataset): Normalization {
  const n = channelsOf(d);
  const sum = new Float64Array(n);
  const sq = new Float64Array(n);
  for (let i = 0; i < d.features.length; i++) sum[i % n] += d.features[i];
  const per = d.features.length / n;
  const mean = Array.from(sum, (s) => s / per);
  for (let i = 0; i < d.features.length; i++) sq[i % n] += (d.features[i] - mean[i % n]) ** 2;
  // A constant channel keeps std 1 (the runtime refuses 0): it becomes 0 after centring.
  const std = Array.from(sq, (s) => Math.sqrt(s / per) || 1);
  // float32 values, as the runtime computes with them on the device.
  return { mean: mean.map(Math.fround), std: std.map(Math.fround) };
}

/** The data set with the statistics applied (what the trainer sees). */
export function normalizeDataset(d: Dataset, norm: Normalization): Dataset {
  const n = norm.mean.length;
  const features = new Float32Array(d.features.length);
  for (let i = 0; i < features.length; i++)
    features[i] = (d.features[i] - norm.mean[i % n]) / norm.std[i % n];
  return { ...d, features };
}
