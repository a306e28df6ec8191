// Batch-1 latency sampling for several engines at once. Each engine's calls are timed in
// blocks long enough for the clock (a block's mean is one sample), and the engines take
// turns block by block, so a busy machine slows them all alike and ratios stay fair.

export interface Contender {
  name: string;
  /** One inference; a promise for engines whose API is asynchronous (onnxruntime-web). */
  call: () => unknown;
  async: boolean;
}

export interface Latency {
  medianUs: number;
  p90Us: number;
  /** Samples taken, and calls averaged into each. */
  samples: number;
  callsPerSample: number;
}

async function timeBlock(c: Contender, calls: number): Promise<number> {
  const t0 = performance.now();
  if (c.async) for (let i = 0; i < calls; i++) await c.call();
  else for (let i = 0; i < calls; i++) c.call();
  return (performance.now() - t0) * 1000;
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

export interface TimingOptions {
  /**
   * Warm-up per engine before any sample: at least this long and `warmupCalls` calls
   * (onnxruntime-web's first ~2,000 calls run several times slower: its JS glue and wasm
   * tier up), but never more than 4× this long.
   */
  warmupMs?: number;
  warmupCalls?: number;
  /** Minimum length of one sample block. */
  blockUs?: number;
  /** Samples per engine. */
  samples?: number;
}

/** Median and p90 per-call latency of each contender, sampled in interleaved rounds. */
export async function timeContenders(cs: Contender[], opts: TimingOptions = {}): Promise<Latency[]> {
  const warmupMs = opts.warmupMs ?? 500;
  const warmupCalls = opts.warmupCalls ?? 3000;
  const blockUs = opts.blockUs ?? 1000;
  const samples = opts.samples ?? 60;
  // Warm up, and size each engine's block from its warm speed.
  const perBlock: number[] = [];
  for (const c of cs) {
    let calls = 0;
    const t0 = performance.now();
    const warm = (): boolean => {
      const ms = performance.now() - t0;
      return calls >= 3 && ms >= warmupMs && (calls >= warmupCalls || ms >= 4 * warmupMs);
    };
    while (!warm()) {
      await timeBlock(c, 1);
      calls++;
    }
    const us = await timeBlock(c, calls);
    perBlock.push(Math.max(1, Math.ceil((blockUs * calls) / us)));
  }
  const times: number[][] = cs.map(() => []);
  for (let s = 0; s < samples; s++)
    for (let k = 0; k < cs.length; k++) times[k].push((await timeBlock(cs[k], perBlock[k])) / perBlock[k]);
  return times.map((t, k) => {
    const sorted = t.slice().sort((a, b) => a - b);
    return {
      medianUs: quantile(sorted, 0.5),
      p90Us: quantile(sorted, 0.9),
      samples: t.length,
      callsPerSample: perBlock[k],
    };
  });
}

/** Median wall time of `f` over `n` calls, in milliseconds (one-time costs: load, decode). */
export async function medianMs(n: number, f: () => unknown): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return quantile(
    t.sort((a, b) => a - b),
    0.5,
  );
}
