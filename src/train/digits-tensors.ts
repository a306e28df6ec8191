// A Dataset as training tensors: features [n, ...shape] and one-hot labels [n, classes].
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from './backend.js';
import type { Dataset } from '../data/digits.js';

export function datasetTensors(
  data: Dataset,
  shape: number[],
  order?: Uint32Array,
): { x: tfTypes.Tensor; y: tfTypes.Tensor2D } {
  const n = data.count;
  const per = data.features.length / Math.max(1, n);
  const xs = new Float32Array(n * per);
  const ys = new Float32Array(n * data.classes);
  for (let i = 0; i < n; i++) {
    const j = order ? order[i] : i;
    xs.set(data.features.subarray(j * per, (j + 1) * per), i * per);
    ys[i * data.classes + data.labels[j]] = 1;
  }
  return { x: tf.tensor(xs, [n, ...shape]), y: tf.tensor2d(ys, [n, data.classes]) };
}
