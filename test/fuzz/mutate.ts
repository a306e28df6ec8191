// The fuzz engine: seeded mutators over the corpus (byte-level ones, and structure-aware
// ones that aim at one kind of field), a "fixed-up" variant that repairs the header
// length and CRC-32 so mutations reach the section parsers, and a classifier that loads
// each case with both memory plans on both engines, runs it, compares the four runs
// (differential.ts) and reads it on the host.
// Every case is a pure function of (seed, index), so any case can be replayed alone.
import { mulberry32 } from '../../src/data/prng.js';
import { crc32 } from '../../src/runtime/crc32.js';
import { readMote } from '../../src/format/reader.js';
import { readContainer } from '../../src/runtime/container.js';
import type { KernelFlavour } from '../../src/wasm/instance.js';
import type { CorpusFile } from './corpus.js';
import { Crash, differential, isMoteError } from './differential.js';
import { mutateHuffman, setFields } from './structured.js';
import { hugeShapesFile } from './shapes.js';

/** Byte-level mutators: a raw case (CRC left stale) or a fixed-up one, half each. */
export const BYTE_MUTATORS = ['truncate', 'bitflip', 'field', 'insert', 'delete', 'splice'] as const;
/** Structure-aware mutators (structured.ts, shapes.ts): always fixed up. */
export const FIELD_MUTATORS = [
  'header',
  'dims',
  'encoding',
  'stream',
  'huffman',
  'attrs',
  'exits',
  'nonfinite',
  'meta',
  'shapes',
] as const;
export const MUTATORS = [...BYTE_MUTATORS, ...FIELD_MUTATORS] as const;
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

/** The corpus files that have the fields a structure-aware mutator needs. */
function sources(corpus: CorpusFile[], mutator: MutatorName): CorpusFile[] {
  const has = corpus.filter((f) => {
    const l = f.layout;
    if (mutator === 'huffman') return l.huffman.length > 0;
    if (mutator === 'exits') return l.exits.length > 0;
    if (mutator === 'encoding') return l.encoding.length > 0;
    if (mutator === 'stream') return l.streams.length > 0;
    return true;
  });
  return has.length ? has : corpus;
}

/** One seeded mutation of one corpus file (before any fix-up). */
export function mutate(corpus: CorpusFile[], rand: Rand, mutator: MutatorName): Mutation {
  const pool = sources(corpus, mutator);
  const src = pool[int(rand, pool.length)];
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
    case 'huffman': {
      const b = a.slice();
      return m(mutateHuffman(b, rand, src.layout), b);
    }
    case 'nonfinite': {
      // Up to four floats that reach the arithmetic: weights, codebooks, scales, biases,
      // op floats, exit thresholds, QUAN scales.
      const b = a.slice();
      return m(setFields(b, rand, src.layout.floats, 4), b);
    }
    case 'meta':
      return metaMutation(src, rand);
    case 'shapes': {
      const f = hugeShapesFile(rand);
      return { mutator, source: 'generated', detail: f.detail, bytes: f.bytes };
    }
    default: {
      const fields = {
        header: src.layout.header,
        dims: src.layout.dims,
        encoding: src.layout.encoding,
        stream: src.layout.streams,
        attrs: src.layout.attrs,
        exits: src.layout.exits,
      }[mutator];
      const b = a.slice();
      return m(setFields(b, rand, fields, 2), b);
    }
  }
}

/** The file with section `tag`'s payload replaced (sections re-laid, header length and CRC fixed by fixUp). */
export function withSection(bytes: Uint8Array, tag: string, payload: Uint8Array): Uint8Array {
  const s = readContainer(bytes);
  const tags = Object.keys(s.start).sort((x, y) => s.start[x] - s.start[y]);
  const parts: Uint8Array[] = [bytes.subarray(0, 16)];
  for (const t of tags) {
    const body = t === tag ? payload : bytes.subarray(s.start[t], s.end[t]);
    const sec = new Uint8Array(8 + body.length + ((4 - (body.length % 4)) % 4));
    sec.set(bytes.subarray(s.start[t] - 8, s.start[t] - 4));
    new DataView(sec.buffer).setUint32(4, body.length, true);
    sec.set(body, 8);
    parts.push(sec);
  }
  parts.push(new Uint8Array(4));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * META with normalisation statistics that break arithmetic: a mean or std of ±1e999
 * (JSON.parse gives ±Infinity), 1e39 (finite in float64, infinite in float32), 3.4e38,
 * a subnormal, or a zero std.
 */
function metaMutation(src: CorpusFile, rand: Rand): Mutation {
  const s = readContainer(src.bytes);
  const meta = JSON.parse(new TextDecoder().decode(src.bytes.subarray(s.start.META, s.end.META))) as {
    normalization?: { mean: unknown[]; std: unknown[] };
  };
  const norm = meta.normalization ?? { mean: [0.1, 0.2], std: [1, 2] };
  const field = rand() < 0.5 ? 'mean' : 'std';
  const i = int(rand, norm[field].length);
  const texts = ['1e999', '-1e999', '1e39', '-1e39', '3.4e38', '1e-45', '0', '-0', '1e-300'];
  const text = texts[int(rand, texts.length)];
  norm[field][i] = '@@';
  meta.normalization = norm;
  const json = JSON.stringify(meta).replace('"@@"', text);
  return {
    mutator: 'meta',
    source: src.name,
    detail: `normalization.${field}[${i}] = ${text}`,
    bytes: withSection(src.bytes, 'META', new TextEncoder().encode(json)),
  };
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

/** Case `index` of run `seed`: a mutator, then (byte-level ones) raw or fixed-up, half each. */
export function makeCase(corpus: CorpusFile[], seed: number, index: number): Case {
  const rand = mulberry32((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(index, 0x85ebca6b)) >>> 0);
  const mutator = MUTATORS[int(rand, MUTATORS.length)];
  const byteLevel = (BYTE_MUTATORS as readonly string[]).includes(mutator);
  const variant: Variant = byteLevel && rand() < 0.5 ? 'raw' : 'fixed';
  const mut = mutate(corpus, rand, mutator);
  return { ...mut, bytes: variant === 'fixed' ? fixUp(mut.bytes) : mut.bytes, index, seed, variant };
}

export type Outcome = 'ok' | 'rejected' | { crash: string };

export const MEMORY_LIMIT = 2 * 1024 * 1024;
/**
 * The work bound the fuzzer loads with (the load option maxMacs), as it bounds memory: a
 * case runs its file up to ten times (four configs, exits, the lockstep pass, the js/wasm
 * bounds), so 1e6 MACs (and a 2 MB memory limit) keeps the largest accepted file well
 * under the one-second mark even on a loaded machine.
 */
export const MAX_MACS = 1e6;

export { isMoteError };

/** Rejections whose message lacks the `<where> at byte N: ` part (counted, not crashes). */
export const LOCATED = /^mote: .+ at byte \d+: /;
/**
 * The work bound's refusal (src/runtime/work.ts) names a layer, not a byte: a policy
 * limit like the memory limit, counted on its own rather than as unlocated.
 */
export const WORK_BOUND = /^mote: (layer \d+ \(\w+\)|the model \(.*\)): \S+ MACs exceeds the limit of /;
/** A run refused because an output went non-finite (model.ts checkFinite): about a run, not a byte. */
export const OVERFLOW = /: the run overflowed or met a NaN$/;

export interface CaseResult {
  /** 'ok': every config loads and runs, and the host reader reads it; 'rejected': some phase refused. */
  outcome: Outcome;
  /** Rejection messages seen (one per phase that rejected). */
  messages: string[];
  /** An accepted run whose output holds NaN or ±Inf, described; else null. */
  nonFinite: string | null;
  /** The first disagreement between engines or plans, described; else null. */
  disagree: string | null;
  /** Ops whose js/wasm bound could not be computed. */
  unchecked: number;
  ms: number;
}

function describe(phase: string, e: unknown): string {
  if (e instanceof Error) return `${phase}: ${e.stack ?? `${e.name}: ${e.message}`}`;
  return `${phase}: non-Error thrown: ${String(e)}`;
}

/** The outcome alone (see runCaseDetailed). */
export function runCase(bytes: Uint8Array): Outcome {
  return runCaseDetailed(bytes).outcome;
}

/**
 * Loads the file with both plans on both engines (and a memory limit), runs each on the
 * case input and compares them (differential.ts), then reads it with the host reader.
 */
export function runCaseDetailed(bytes: Uint8Array, flavour: KernelFlavour = 'simd'): CaseResult {
  const t0 = performance.now();
  const r: CaseResult = { outcome: 'ok', messages: [], nonFinite: null, disagree: null, unchecked: 0, ms: 0 };
  try {
    const d = differential(bytes, { memoryLimit: MEMORY_LIMIT, maxMacs: MAX_MACS }, flavour);
    r.messages.push(...d.messages);
    r.nonFinite = d.nonFinite;
    r.disagree = d.disagree;
    r.unchecked = d.unchecked;
    try {
      readMote(bytes);
    } catch (e) {
      if (!isMoteError(e)) throw new Crash('readMote', e);
      r.messages.push(e.message);
    }
  } catch (e) {
    r.outcome = { crash: e instanceof Crash ? describe(e.phase, e.error) : describe('differential', e) };
  }
  r.ms = performance.now() - t0;
  if (r.outcome === 'ok' && r.messages.length) r.outcome = 'rejected';
  return r;
}

export interface Tally {
  cases: number;
  ok: number;
  rejected: number;
  crash: number;
  /** Cases that took longer than the hang bound (or were stopped by the campaign's watchdog). */
  hang: number;
  /** Accepted files whose run gave NaN or ±Inf without an error. */
  nonFinite: number;
  /** Files on which the engines or the plans disagree. */
  disagree: number;
}

export const TALLY_KEYS: (keyof Tally)[] = [
  'cases',
  'ok',
  'rejected',
  'crash',
  'hang',
  'nonFinite',
  'disagree',
];

export type FailureKind = 'crash' | 'hang' | 'nonFinite' | 'disagree';

export interface Failure {
  kind: FailureKind;
  index: number;
  seed: number;
  mutator: MutatorName;
  variant: Variant;
  source: string;
  detail: string;
  /** The crash, the time taken, the non-finite output or the disagreement. */
  what: string;
  hex: string;
}

export interface Summary extends Tally {
  seed: number;
  byMutator: Record<string, Tally>;
  byVariant: Record<string, Tally>;
  /** Rejections whose message does not say `at byte N`. */
  unlocated: number;
  unlocatedExamples: string[];
  /** Ops whose js/wasm bound could not be computed (weights too large to decode). */
  unchecked: number;
  /** Cases some config refused for the work bound (maxMacs). */
  workBound: number;
  /** Cases some config refused to run because an output went NaN or infinite. */
  overflow: number;
  slowest: { ms: number; index: number; mutator: string; variant: string; detail: string };
  elapsedMs: number;
  /** The first failures of each kind (up to `keepFailures` each), with their inputs. */
  failures: Failure[];
  /** Distinct failure signatures (a crash's exception and top frame, a disagreement's op) and how often each occurred. */
  signatures: Record<string, number>;
}

export function tally(): Tally {
  return { cases: 0, ok: 0, rejected: 0, crash: 0, hang: 0, nonFinite: 0, disagree: 0 };
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

/** A disagreement's or non-finite output's kind without its numbers, to group them. */
function shape(what: string): string {
  return what.replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N').slice(0, 120);
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Start at this case index (to replay a range). */
  first?: number;
  keepFailures?: number;
  /** A case taking longer than this counts as a hang (default 1000 ms). */
  hangMs?: number;
  onProgress?: (done: number, s: Summary) => void;
}

export function newSummary(seed: number): Summary {
  return {
    seed,
    ...tally(),
    byMutator: Object.fromEntries(MUTATORS.map((m) => [m, tally()])),
    byVariant: { raw: tally(), fixed: tally() },
    unlocated: 0,
    unlocatedExamples: [],
    unchecked: 0,
    workBound: 0,
    overflow: 0,
    slowest: { ms: 0, index: -1, mutator: '', variant: '', detail: '' },
    elapsedMs: 0,
    failures: [],
    signatures: {},
  };
}

/** The wasm build a case runs: SIMD and scalar alternate, so both are checked. */
export function flavourOf(index: number): KernelFlavour {
  return index & 1 ? 'scalar' : 'simd';
}

/** Runs case `index` of run `seed`. */
export function fuzzCase(corpus: CorpusFile[], seed: number, index: number): { c: Case; r: CaseResult } {
  const c = makeCase(corpus, seed, index);
  return { c, r: runCaseDetailed(c.bytes, flavourOf(index)) };
}

/** Adds one case's result to the summary. */
export function record(s: Summary, c: Case, r: CaseResult, hangMs: number, keep: number): void {
  const key: keyof Tally = r.outcome === 'ok' ? 'ok' : r.outcome === 'rejected' ? 'rejected' : 'crash';
  const fails: [FailureKind, string][] = [];
  if (typeof r.outcome === 'object') fails.push(['crash', r.outcome.crash]);
  if (r.ms > hangMs) fails.push(['hang', `${r.ms.toFixed(0)} ms`]);
  if (r.nonFinite) fails.push(['nonFinite', r.nonFinite]);
  if (r.disagree) fails.push(['disagree', r.disagree]);
  for (const t of [s as Tally, s.byMutator[c.mutator], s.byVariant[c.variant]]) {
    t.cases++;
    t[key]++;
    for (const [k] of fails) if (k !== 'crash') t[k]++;
  }
  s.unchecked += r.unchecked;
  if (r.messages.some((msg) => WORK_BOUND.test(msg))) s.workBound++;
  if (r.messages.some((msg) => OVERFLOW.test(msg))) s.overflow++;
  for (const msg of r.messages) {
    if (!LOCATED.test(msg) && !WORK_BOUND.test(msg) && !OVERFLOW.test(msg)) {
      s.unlocated++;
      if (s.unlocatedExamples.length < 5) s.unlocatedExamples.push(msg);
    }
  }
  if (r.ms > s.slowest.ms)
    s.slowest = { ms: r.ms, index: c.index, mutator: c.mutator, variant: c.variant, detail: c.detail };
  for (const [kind, what] of fails) {
    const sig = `${kind}: ${kind === 'crash' ? signature(what) : kind === 'hang' ? c.mutator : shape(what)}`;
    s.signatures[sig] = (s.signatures[sig] ?? 0) + 1;
    if (s.failures.filter((f) => f.kind === kind).length < keep) {
      s.failures.push({
        kind,
        index: c.index,
        seed: c.seed,
        mutator: c.mutator,
        variant: c.variant,
        source: c.source,
        detail: c.detail,
        what,
        hex: hex(c.bytes),
      });
    }
  }
}
