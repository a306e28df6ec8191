// What an early-exit model does on a data set, measured by running it in the runtime:
// confidence mode (the stored thresholds) against running to the end with every head
// skipped, and optionally the mean wall time of each.
import type { Dataset } from '../data/digits.js';
import type { Model } from '../runtime/model.js';
import { runExits, type ExitOptions } from '../runtime/schedule.js';
import { digitsSlice } from './data.js';

export interface ExitMeasure {
  accuracy: number;
  meanMacs: number;
  /** Fraction of inputs leaving at each exit (the end last). */
  distribution: number[];
  /** Mean milliseconds per inference, when timed. */
  ms?: number;
}

/** One pass over the data per option set, interleaved per input so both see the same machine load. */
function measure(
  m: Model,
  data: Dataset,
  runs: ExitOptions[],
  timed: boolean,
  onProgress?: (done: number, total: number) => void,
): ExitMeasure[] {
  const per = data.features.length / data.count;
  const acc = runs.map(() => ({
    hits: new Array<number>(m.exits.length + 1).fill(0),
    right: 0,
    macs: 0,
    ms: 0,
  }));
  for (let i = 0; i < data.count; i++) {
    const x = data.features.subarray(i * per, (i + 1) * per);
    runs.forEach((opts, k) => {
      const t0 = performance.now();
      const r = runExits(m, x, opts);
      acc[k].ms += performance.now() - t0;
      acc[k].hits[r.exit]++;
      acc[k].macs += r.macs;
      if (r.label === data.labels[i]) acc[k].right++;
    });
    if (onProgress && ((i + 1) % 100 === 0 || i + 1 === data.count)) onProgress(i + 1, data.count);
  }
  return acc.map((a) => ({
    accuracy: a.right / data.count,
    meanMacs: a.macs / data.count,
    distribution: a.hits.map((h) => h / data.count),
    ...(timed ? { ms: a.ms / data.count } : {}),
  }));
}

/** Confidence mode vs the end (every head skipped); `timed` adds mean ms, after a warm-up. */
export function measureExits(
  m: Model,
  data: Dataset,
  timed = false,
  onProgress?: (done: number, total: number) => void,
): { exits: ExitMeasure; full: ExitMeasure } {
  const runs = [{}, { mode: 'exit', exit: m.exits.length }];
  // A short warm-up, so the JIT has compiled both paths before timing.
  if (timed) measure(m, digitsSlice(data, 0, Math.min(100, data.count)), runs, false);
  const [exits, full] = measure(m, data, runs, timed, onProgress);
  return { exits, full };
}
