// Accuracy and speed of a loaded model over a labelled data set, in this process.
import type { Dataset } from './data/digits.js';
import { run, type Model } from './runtime/model.js';
// The host reads every op: register all kernels (a device bundle holds only its model's).
import './runtime/op/all.js';

export interface Evaluation {
  count: number;
  correct: number;
  accuracy: number;
  /** Mean wall-clock time of one run() call. */
  msPerInference: number;
  macsPerInference: number;
  /** Mean of the MACs each run() reported (below macsPerInference when runs can stop early). */
  meanMacs: number;
}

/** `onProgress` (a progress bar) is told every 100 samples, outside the timed runs' own cost. */
export function evaluate(
  model: Model,
  data: Dataset,
  limit = data.count,
  onProgress?: (done: number, total: number) => void,
): Evaluation {
  const count = Math.min(limit, data.count);
  const size = data.features.length / data.count;
  let correct = 0;
  let macs = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const r = run(model, data.features.subarray(i * size, (i + 1) * size));
    if (r.label === data.labels[i]) correct++;
    macs += r.macs;
    if (onProgress && ((i + 1) % 100 === 0 || i + 1 === count)) onProgress(i + 1, count);
  }
  const ms = performance.now() - start;
  return {
    count,
    correct,
    accuracy: count ? correct / count : 0,
    msPerInference: count ? ms / count : 0,
    macsPerInference: model.macs,
    meanMacs: count ? macs / count : 0,
  };
}
