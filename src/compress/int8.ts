// Compression of already-int8 weights (imported int8 models), keeping them integers so
// the int8 kernels still run on them: the values of each weight tensor are shared
// through 2^bits levels, clustered optimally in 1-D over the int8 values (8 bits: every value
// keeps its own level, lossless), then stored as a Huffman-coded (or fixed-width) stream.
import type { Graph, Int8Encoding, StreamCoding, Tensor } from '../ir/types.js';

export interface Int8CompressOptions {
  /** Levels per tensor: 2^bits (1..8); 8 keeps every value. */
  bits: number;
  coding?: StreamCoding;
}

/** The weights that int8 ops (dense, conv2d with an int8 output) read. */
export function int8OpWeights(g: Graph): Set<string> {
  const int8 = new Set([...g.inputs, ...g.values].filter((v) => v.quant).map((v) => v.name));
  return new Set(
    g.ops.flatMap((op) =>
      (op.op === 'dense' || op.op === 'conv2d') && int8.has(op.output) ? [op.weight] : [],
    ),
  );
}

export function compressInt8Weights(g: Graph, opts: Int8CompressOptions): Graph {
  if (!(Number.isInteger(opts.bits) && opts.bits >= 1 && opts.bits <= 8))
    throw new Error(`compress: int8 levels need 1..8 bits, not ${opts.bits}`);
  const weights = int8OpWeights(g);
  const tensors = g.tensors.map((t): Tensor => {
    if (!weights.has(t.name) || t.encoding.kind !== 'int8') return t;
    const values = clusterInt8(t.encoding.values, 1 << opts.bits);
    const encoding: Int8Encoding = { ...t.encoding, values, coding: opts.coding ?? 'huffman' };
    return { ...t, encoding };
  });
  return { ...g, tensors };
}

/**
 * Optimal 1-D clustering of int8 values into k levels (least squared error), by dynamic
 * programming over their histogram (at most 256 distinct values, so O(k·256²)). Each
 * level is its members' mean rounded to an integer, so the weights stay int8.
 */
export function clusterInt8(q: Int8Array, k: number): Int8Array {
  const hist = new Float64Array(256);
  for (const v of q) hist[v + 128]++;
  const used = [...hist.keys()].filter((i) => hist[i] > 0);
  const m = used.length;
  if (m <= k) return Int8Array.from(q);
  // Prefix sums of count, value·count and value²·count over the used bins.
  const n = new Float64Array(m + 1);
  const s1 = new Float64Array(m + 1);
  const s2 = new Float64Array(m + 1);
  used.forEach((b, i) => {
    n[i + 1] = n[i] + hist[b];
    s1[i + 1] = s1[i] + b * hist[b];
    s2[i + 1] = s2[i] + b * b * hist[b];
  });
  // Squared error of bins a..b (inclusive) around their mean.
  const cost = (a: number, b: number) => {
    const c = n[b + 1] - n[a];
    const t = s1[b + 1] - s1[a];
    return s2[b + 1] - s2[a] - (t * t) / c;
  };
  // best[j][e]: least error of bins 0..e in j+1 clusters; from[j][e]: first bin of the last.
  let best = Float64Array.from({ length: m }, (_, e) => cost(0, e));
  const from: Int32Array[] = [new Int32Array(m)];
  for (let j = 1; j < k; j++) {
    const next = new Float64Array(m).fill(Infinity);
    const arg = new Int32Array(m);
    for (let e = j; e < m; e++)
      for (let a = j; a <= e; a++) {
        const v = best[a - 1] + cost(a, e);
        if (v < next[e]) {
          next[e] = v;
          arg[e] = a;
        }
      }
    best = next;
    from.push(arg);
  }
  // Walk back from the last bin, giving each cluster's bins their rounded mean.
  const level = new Int32Array(256);
  let e = m - 1;
  for (let j = k - 1; j >= 0; j--) {
    const a = j === 0 ? 0 : from[j][e];
    const mean = Math.round((s1[e + 1] - s1[a]) / (n[e + 1] - n[a]));
    for (let i = a; i <= e; i++) level[used[i]] = mean - 128;
    e = a - 1;
  }
  return Int8Array.from(q, (v) => level[v + 128]);
}
