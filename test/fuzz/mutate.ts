// The fuzz engine: seeded mutators over the corpus, a "fixed-up" variant that repairs
// the header length and CRC-32 so mutations reach the section parsers, and a classifier
// that loads each case with both memory plans, runs it, and reads it on the host.
// Every case is a pure function of (seed, index), so any case can be replayed alone.
import { mulberry32 } from '../../src/data/prng.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { load, run } from '../../src/runtime/model.js';
import { readMote } from '../../src/format/reader.js';
import type { CorpusFile } from './corpus.js';

export const MUTATORS = ['truncate', 'bitflip', 'field', 'insert', 'delete', 'splice'] as const;
export type MutatorName = (typeof MUTATORS)[number];
export type Variant = 'raw' | 'fixed';

type Rand = () => number;

function int(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

/** An offset in [0, n): half the time inside a structural range of the source file. */
function offset(rand: Rand, n: number, hot: [number, number][]): number {
  if (hot.length && rand() < 0.5) {
    const [a, b] = hot[int(rand, hot.length)];
    if (b > a && a < n) return Math.min(n - 1, a + int(rand, b - a));
  }
  return int(rand, n);
}

export interface Mutation {
  mutator: MutatorName;
  source: string;
  detail: string;
  bytes: Uint8Array;
}

/** One seeded mutation of one corpus file (the raw variant). */
export function mutate(corpus: CorpusFile[], rand: Rand, mutator: MutatorName): Mutation {
  const src = corpus[int(rand, corpus.length)];
  const a = src.bytes;
  const n = a.length;
  const m = (detail: string, bytes: Uint8Array): Mutation => ({ mutator, source: src.name, detail, bytes });
  switch (mutator) {
    case 'truncate': {
      const len = int(rand, n);
      return m(`truncate to ${len} of ${n}`, a.slice(0, len));
    }
    case 'bitflip': {
      const b = a.slice();
      const flips = 1 + int(rand, 8);
      const at: number[] = [];
      for (let i = 0; i < flips; i++) {
        const p = offset(rand, n, src.hot);
        const bit = int(rand, 8);
        b[p] ^= 1 << bit;
        at.push(p * 8 + bit);
      }
      return m(`flip bits ${at.map((x) => `${x >> 3}.${x & 7}`).join(',')}`, b);
    }
    case 'field': {
      const b = a.slice();
      const width = rand() < 0.5 ? 2 : 4;
      const p = Math.min(n - width, offset(rand, n, src.hot));
      const values =
        width === 2 ? [0xffff, 0x7fff, 0x8000, 0] : [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0];
      const v = values[int(rand, values.length)];
      const view = new DataView(b.buffer);
      if (width === 2) view.setUint16(p, v, true);
      else view.setUint32(p, v, true);
      return m(`u${width * 8} at ${p} = 0x${v.toString(16)}`, b);
    }
    case 'insert': {
      const p = offset(rand, n + 1, src.hot);
      const k = 1 + int(rand, 8);
      const ins = Uint8Array.from({ length: k }, () => int(rand, 256));
      const b = new Uint8Array(n + k);
      b.set(a.subarray(0, p));
      b.set(ins, p);
      b.set(a.subarray(p), p + k);
      return m(`insert ${k} bytes at ${p}`, b);
    }
    case 'delete': {
      const p = offset(rand, n, src.hot);
      const k = Math.min(n - p, 1 + int(rand, 8));
      const b = new Uint8Array(n - k);
      b.set(a.subarray(0, p));
      b.set(a.subarray(p + k), p);
      return m(`delete ${k} bytes at ${p}`, b);
    }
    case 'splice': {
      const other = corpus[int(rand, corpus.length)];
      const c = other.bytes;
      const p = offset(rand, n, src.hot);
      const q = offset(rand, c.length, other.hot);
      const b = new Uint8Array(p + c.length - q);
      b.set(a.subarray(0, p));
      b.set(c.subarray(q), p);
      return { mutator, source: src.name, detail: `${src.name}[0,${p}) + ${other.name}[${q},)`, bytes: b };
    }
  }
}

/** Rewrites the header's file-length field and the CRC-32 trailer to match the bytes. */
export function fixUp(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  const view = new DataView(b.buffer);
  if (b.length >= 12) view.setUint32(8, b.length, true);
  if (b.length >= 8) view.setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  return b;
}

export interface Case extends Mutation {
  index: number;
  seed: number;
  variant: Variant;
}

/** Case `index` of run `seed`: mutation index >> 1, raw when even, fixed-up when odd. */
export function makeCase(corpus: CorpusFile[], seed: number, index: number): Case {
  const k = index >>> 1;
  const rand = mulberry32((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(k, 0x85ebca6b)) >>> 0);
  const mutator = MUTATORS[int(rand, MUTATORS.length)];
  const mut = mutate(corpus, rand, mutator);
  const variant: Variant = index & 1 ? 'fixed' : 'raw';
  return { ...mut, bytes: variant === 'fixed' ? fixUp(mut.bytes) : mut.bytes, index, seed, variant };
}

export type Outcome = 'ok' | 'rejected' | { crash: string };

export const MEMORY_LIMIT = 16 * 1024 * 1024;

/** True for the runtime's own errors: a plain Error whose message starts with `mote: `. */
export function isMoteError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'Error' && e.message.startsWith('mote: ');
}

/** Rejections whose message lacks the `<where> at byte N: ` part (counted, not crashes). */
export const LOCATED = /^mote: .+ at byte \d+: /;

export interface CaseResult {
  outcome: Outcome;
  /** Rejection messages seen (one per phase that rejected). */
  messages: string[];
  ms: number;
}

function describe(phase: string, e: unknown): string {
  if (e instanceof Error) return `${phase}: ${e.stack ?? `${e.name}: ${e.message}`}`;
  return `${phase}: non-Error thrown: ${String(e)}`;
}

/**
 * Loads with both plans (and a memory limit), runs one inference on zeros when the
 * load succeeds, and reads the file with the host reader. 'ok' when every phase
 * succeeds, 'rejected' when some phase failed with a mote error and none crashed.
 */
export function runCase(bytes: Uint8Array): Outcome {
  return runCaseDetailed(bytes).outcome;
}

export function runCaseDetailed(bytes: Uint8Array): CaseResult {
  const t0 = performance.now();
  const messages: string[] = [];
  const state: { crash: string | null } = { crash: null };
  const phase = (name: string, f: () => void): void => {
    if (state.crash) return;
    try {
      f();
    } catch (e) {
      if (isMoteError(e)) messages.push(e.message);
      else state.crash = describe(name, e);
    }
  };
  for (const plan of ['stream', 'cache']) {
    phase(`load(${plan})`, () => {
      const m = load(bytes, { plan, memoryLimit: MEMORY_LIMIT });
      const g = m.graph;
      const zeros = g.inputs.map((v) => new Float32Array(g.values[v].size));
      phase(`run(${plan})`, () => {
        run(m, zeros);
      });
    });
  }
  phase('readMote', () => {
    readMote(bytes);
  });
  const ms = performance.now() - t0;
  const outcome: Outcome = state.crash ? { crash: state.crash } : messages.length ? 'rejected' : 'ok';
  return { outcome, messages, ms };
}

export interface Tally {
  cases: number;
  ok: number;
  rejected: number;
  crash: number;
}

export interface CrashReport {
  index: number;
  seed: number;
  mutator: MutatorName;
  variant: Variant;
  source: string;
  detail: string;
  crash: string;
  hex: string;
}

export interface Summary extends Tally {
  seed: number;
  byMutator: Record<string, Tally>;
  byVariant: Record<string, Tally>;
  /** Rejections whose message does not say `at byte N`. */
  unlocated: number;
  unlocatedExamples: string[];
  slowest: { ms: number; index: number; mutator: string; variant: string; detail: string };
  elapsedMs: number;
  /** The first crashes found (up to `keepCrashes`), with their inputs. */
  crashes: CrashReport[];
  /** Distinct crash signatures (exception and top stack frame) and how often each occurred. */
  signatures: Record<string, number>;
}

function tally(): Tally {
  return { cases: 0, ok: 0, rejected: 0, crash: 0 };
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** "TypeError: x is undefined @ src/runtime/model.ts:123" from a crash description. */
export function signature(crash: string): string {
  const lines = crash.split('\n');
  const frame = lines.find((l) => /^\s+at /.test(l)) ?? '';
  const loc = /(src\/[^):]+:\d+)/.exec(frame)?.[1] ?? frame.trim();
  return `${lines[0]} @ ${loc}`;
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Start at this case index (to replay a range). */
  first?: number;
  keepCrashes?: number;
  onProgress?: (done: number, s: Summary) => void;
}

export function fuzz(corpus: CorpusFile[], opts: FuzzOptions): Summary {
  const s: Summary = {
    seed: opts.seed,
    ...tally(),
    byMutator: Object.fromEntries(MUTATORS.map((m) => [m, tally()])),
    byVariant: { raw: tally(), fixed: tally() },
    unlocated: 0,
    unlocatedExamples: [],
    slowest: { ms: 0, index: -1, mutator: '', variant: '', detail: '' },
    elapsedMs: 0,
    crashes: [],
    signatures: {},
  };
  const keep = opts.keepCrashes ?? 10;
  const first = opts.first ?? 0;
  const t0 = performance.now();
  for (let i = first; i < first + opts.cases; i++) {
    const c = makeCase(corpus, opts.seed, i);
    const r = runCaseDetailed(c.bytes);
    const key: keyof Tally = r.outcome === 'ok' ? 'ok' : r.outcome === 'rejected' ? 'rejected' : 'crash';
    for (const t of [s as Tally, s.byMutator[c.mutator], s.byVariant[c.variant]]) {
      t.cases++;
      t[key]++;
    }
    for (const msg of r.messages) {
      if (!LOCATED.test(msg)) {
        s.unlocated++;
        if (s.unlocatedExamples.length < 5) s.unlocatedExamples.push(msg);
      }
    }
    if (r.ms > s.slowest.ms)
      s.slowest = { ms: r.ms, index: i, mutator: c.mutator, variant: c.variant, detail: c.detail };
    if (typeof r.outcome === 'object') {
      const sig = signature(r.outcome.crash);
      s.signatures[sig] = (s.signatures[sig] ?? 0) + 1;
      if (s.crashes.length < keep) {
        s.crashes.push({
          index: i,
          seed: opts.seed,
          mutator: c.mutator,
          variant: c.variant,
          source: c.source,
          detail: c.detail,
          crash: r.outcome.crash,
          hex: hex(c.bytes),
        });
      }
    }
    if (opts.onProgress && (i - first + 1) % 5000 === 0) opts.onProgress(i - first + 1, s);
  }
  s.elapsedMs = performance.now() - t0;
  return s;
}
