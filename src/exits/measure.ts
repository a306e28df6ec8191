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

function measure(m: Model, data: Dataset, opts: ExitOptions, timed: boolean): ExitMeasure {
  const per = data.features.length / data.count;
  const hits = new Array<number>(m.exits.length + 1).fill(0);
  let right = 0;
  let macs = 0;
  const t0 = performance.now();
  for (let i = 0; i < data.count; i++) {
    const r = runExits(m, data.features.subarray(i * per, (i + 1) * per), opts);
    hits[r.exit]++;
    macs += r.macs;
    if (r.label === data.labels[i]) right++;
  }
  const ms = (performance.now() - t0) / data.count;
  return {
    accuracy: right / data.count,
    meanMacs: macs / data.count,
    distribution: hits.map((h) => h / data.count),
    ...(timed ? { ms } : {}),
  };
}

/** Confidence mode vs the end; `timed` repeats each pass so its mean time is steadier. */
export function measureExits(
  m: Model,
  data: Dataset,
  timed = false,
): { exits: ExitMeasure; full: ExitMeasure } {
  if (timed) {
    // A short warm-up of each, so the JIT has compiled both paths before timing.
    const warm = digitsSlice(data, 0, Math.min(100, data.count));
    measure(m, warm, {}, false);
    measure(m, warm, { mode: 'exit', exit: m.exits.length }, false);
  }
  return {
    exits: measure(m, data, {}, timed),
    full: measure(m, data, { mode: 'exit', exit: m.exits.length }, timed),
  };
}
