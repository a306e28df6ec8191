// Runs a fuzz campaign in a worker thread, watched from this one: a case that runs past
// `killMs` is stopped (worker.terminate() interrupts even a tight loop), counted as a
// hang with its replay details, and the campaign resumes in a fresh worker after it. A
// hang in the runtime is then a finding, not a campaign that never ends.
import { Worker } from 'node:worker_threads';
import { buildCorpus, type CorpusFile } from './corpus.js';
import {
  makeCase,
  newSummary,
  record,
  type Case,
  type CaseResult,
  type FuzzOptions,
  type Summary,
  type Tally,
} from './mutate.js';

export interface CampaignOptions extends FuzzOptions {
  /** A case still running after this long is stopped and counted as a hang (default 10 s). */
  killMs?: number;
  /** Tests of the watchdog: case `spinAt` loops forever instead of running. */
  spinAt?: number;
}

/** The worker's message per case: the case (its bytes kept only when it failed) and its result. */
export interface WorkerReport {
  c: Case;
  r: CaseResult;
}

/** Records case `index` as a hang that had to be stopped. */
function stopped(
  s: Summary,
  corpus: CorpusFile[],
  seed: number,
  index: number,
  killMs: number,
  keep: number,
): void {
  const c = makeCase(corpus, seed, index);
  const r: CaseResult = {
    outcome: 'rejected',
    messages: [],
    nonFinite: null,
    disagree: null,
    unchecked: 0,
    ms: killMs,
  };
  record(s, { ...c, detail: `${c.detail} (stopped after ${killMs} ms)` }, r, 0, keep);
  // Neither ok nor rejected: it never finished.
  for (const t of [s as Tally, s.byMutator[c.mutator], s.byVariant[c.variant]]) t.rejected--;
}

/** One worker over cases [from, end) but `skip`; resolves with the case it was stopped on, if any. */
function runWorker(
  opts: CampaignOptions,
  from: number,
  end: number,
  skip: number[],
  onReport: (r: WorkerReport) => void,
): Promise<number | null> {
  const current = new Int32Array(new SharedArrayBuffer(4));
  current[0] = -1;
  // A worker's entry cannot be TypeScript on Node 20 (loader flags do not reach it): a
  // one-line entry loads it through tsx's API.
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => t.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { seed: opts.seed, from, end, skip, current, spinAt: opts.spinAt ?? -1 },
  });
  const killMs = opts.killMs ?? 10000;
  return new Promise((resolve, reject) => {
    let seen = -1;
    let since = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const i = Atomics.load(current, 0);
      if (i !== seen) {
        seen = i;
        since = now;
      } else if (i >= 0 && now - since > killMs) {
        clearInterval(timer);
        void worker.terminate().then(() => resolve(i));
      }
    }, 100);
    worker.on('message', (r: WorkerReport | 'done') => {
      if (r !== 'done') return onReport(r);
      clearInterval(timer);
      void worker.terminate().then(() => resolve(null));
    });
    worker.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
  });
}

/**
 * Cases [first, first + cases) of run `seed`, in a worker, with hangs stopped and
 * counted. `onProgress` sees the running totals every 5,000 cases.
 */
export async function campaign(opts: CampaignOptions): Promise<Summary> {
  const keep = opts.keepFailures ?? 10;
  const hangMs = opts.hangMs ?? 1000;
  const killMs = opts.killMs ?? 10000;
  const first = opts.first ?? 0;
  const end = first + opts.cases;
  const s = newSummary(opts.seed);
  const t0 = performance.now();
  const corpus = buildCorpus();
  let next = first;
  const skip: number[] = [];
  for (;;) {
    const stoppedAt = await runWorker(opts, next, end, skip, ({ c, r }) => {
      record(s, c, r, hangMs, keep);
      next = c.index + 1;
      while (skip.includes(next)) next++;
      if (opts.onProgress && s.cases % 5000 === 0) opts.onProgress(s.cases, s);
    });
    if (stoppedAt === null) break;
    // Cases reported before the stop are kept; the stopped one is a hang, skipped from now on.
    stopped(s, corpus, opts.seed, stoppedAt, killMs, keep);
    skip.push(stoppedAt);
    if (next === stoppedAt) next++;
    while (skip.includes(next)) next++;
    if (next >= end) break;
  }
  s.elapsedMs = performance.now() - t0;
  return s;
}
