// The campaign's worker (campaign.ts): runs cases [from, end) but `skip`, posting each
// case and its result; `current` tells the watching thread which case is running.
import { parentPort, workerData } from 'node:worker_threads';
import { buildCorpus } from './corpus.js';
import { fuzzCase } from './mutate.js';

const { seed, from, end, skip, current, spinAt } = workerData as {
  seed: number;
  from: number;
  end: number;
  skip: number[];
  current: Int32Array;
  spinAt: number;
};
const corpus = buildCorpus();
for (let i = from; i < end; i++) {
  if (skip.includes(i)) continue;
  Atomics.store(current, 0, i);
  // The watchdog's test: a case that never ends.
  while (i === spinAt);
  const { c, r } = fuzzCase(corpus, seed, i);
  // The bytes travel only when the case failed (the report then shows them).
  const failed = typeof r.outcome === 'object' || r.nonFinite || r.disagree || r.ms > 1000;
  parentPort!.postMessage({ c: failed ? c : { ...c, bytes: new Uint8Array(0) }, r });
}
parentPort!.postMessage('done');
