// Threshold calibration for early exits, on held-out data and the runtime itself: run
// every sample straight to every exit once (scheduler mode 'exit'), then choose the
// thresholds that spend the fewest mean MACs while the accuracy of the whole model stays
// within `maxLoss` of always running to the end.
import type { Graph } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import type { Model } from '../runtime/model.js';
import { runExits } from '../runtime/schedule.js';

export type Criterion = 'maxprob' | 'entropy';

/** Per sample and per exit (the end last): confidence score and whether it is right. */
export interface ExitProfile {
  /** Higher is surer: max probability, or minus the entropy. */
  score: Float64Array[];
  correct: Uint8Array[];
  /** Mean MACs when a sample leaves at exit k, having tried every earlier head. */
  pathMacs: number[];
  /** MACs of the model run to its end with every head skipped. */
  fullMacs: number;
  count: number;
}

export function profileExits(
  m: Model,
  data: Dataset,
  criterion: Criterion,
  limit = data.count,
  onSample?: (done: number, total: number) => void,
): ExitProfile {
  const n = Math.min(limit, data.count);
  const per = data.features.length / data.count;
  const k = m.exits.length + 1;
  const score = Array.from({ length: k }, () => new Float64Array(n));
  const correct = Array.from({ length: k }, () => new Uint8Array(n));
  for (let i = 0; i < n; i++) {
    const x = data.features.subarray(i * per, (i + 1) * per);
    for (let e = 0; e < k; e++) {
      const r = runExits(m, x, { mode: 'exit', exit: e });
      score[e][i] = criterion === 'maxprob' ? Math.max(...r.probs) : -entropy(r.probs);
      correct[e][i] = r.label === data.labels[i] ? 1 : 0;
    }
    onSample?.(i + 1, n);
  }
  const fullMacs = m.exits.length ? m.exits[0].full : m.macs;
  return { score, correct, pathMacs: pathMacs(m), fullMacs, count: n };
}

/** Entropy in nats, as the runtime computes it. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return h;
}

/** MACs spent by an input that leaves at exit k (the end last) in confidence mode. */
export function pathMacs(m: Model): number[] {
  const head = m.exits.map((x) => m.graph.ops.slice(x.start, x.end).reduce((a, o) => a + o.macs, 0));
  const out: number[] = [];
  let tried = 0;
  m.exits.forEach((x, e) => {
    out.push(x.macs + tried);
    tried += head[e];
  });
  const full = m.exits.length ? m.exits[0].full : m.macs;
  out.push(full + tried);
  return out;
}

export interface ExitOutcome {
  accuracy: number;
  meanMacs: number;
  /** Fraction of samples leaving at each exit (the end last). */
  distribution: number[];
}

/** What confidence mode does with these score thresholds (score ≥ threshold exits). */
export function simulate(p: ExitProfile, thresholds: number[]): ExitOutcome {
  const k = p.score.length;
  const hits = new Array<number>(k).fill(0);
  let right = 0;
  let macs = 0;
  for (let i = 0; i < p.count; i++) {
    let e = 0;
    while (e < k - 1 && !(p.score[e][i] >= thresholds[e])) e++;
    hits[e]++;
    right += p.correct[e][i];
    macs += p.pathMacs[e];
  }
  return { accuracy: right / p.count, meanMacs: macs / p.count, distribution: hits.map((h) => h / p.count) };
}

export interface Calibration extends ExitOutcome {
  /** Per exit, in the criterion's own terms (max probability ≥ t, or entropy ≤ t). */
  thresholds: number[];
  criterion: Criterion;
  /** Accuracy and MACs of always running to the end, on the same data. */
  fullAccuracy: number;
  fullMacs: number;
}

/**
 * Coordinate descent over each exit's threshold (candidates: the scores seen on the
 * data), keeping accuracy ≥ full accuracy − maxLoss and lowering mean MACs.
 */
export function calibrate(p: ExitProfile, criterion: Criterion, maxLoss: number): Calibration {
  const exits = p.score.length - 1;
  const full = p.correct[exits].reduce((a, b) => a + b, 0) / p.count;
  const target = full - maxLoss;
  const never = Infinity;
  const th = new Array<number>(exits).fill(never);
  const candidates = p.score.slice(0, exits).map((s) => {
    const sorted = Float64Array.from(s).sort();
    const out = new Set<number>();
    for (let q = 0; q <= 400; q++)
      out.add(sorted[Math.min(sorted.length - 1, Math.floor((q / 400) * sorted.length))]);
    return [...out, never];
  });
  let best = simulate(p, th);
  for (let pass = 0; pass < 3; pass++) {
    let moved = false;
    for (let e = 0; e < exits; e++) {
      for (const c of candidates[e]) {
        const trial = th.slice();
        trial[e] = c;
        const r = simulate(p, trial);
        if (r.accuracy >= target - 1e-12 && r.meanMacs < best.meanMacs - 1e-9) {
          best = r;
          th[e] = c;
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return {
    ...best,
    thresholds: th.map((t) =>
      t === never ? (criterion === 'maxprob' ? 2 : -1) : criterion === 'maxprob' ? t : -t,
    ),
    criterion,
    fullAccuracy: full,
    fullMacs: p.fullMacs,
  };
}

/** The graph with calibrated thresholds and criterion on its exits. */
export function withThresholds(g: Graph, c: Pick<Calibration, 'thresholds' | 'criterion'>): Graph {
  if (!g.exits || g.exits.length !== c.thresholds.length)
    throw new Error(`mote: exits: ${c.thresholds.length} thresholds for ${g.exits?.length ?? 0} exits`);
  return {
    ...g,
    exits: g.exits.map((x, i) => ({ ...x, criterion: c.criterion, threshold: Math.fround(c.thresholds[i]) })),
  };
}
