// Host-side stream coding: canonical Huffman codes (DEFLATE-style, lengths limited to
// 15 bits) and fixed-width bit packing. The runtime decoders are src/runtime/huffman.ts
// and src/runtime/bitpack.ts.
import { BitWriter } from './bitwriter.js';

export const MAX_CODE_LENGTH = 15;

/**
 * Huffman code length per symbol (0 for symbols with zero frequency), limited to
 * `maxLength` bits with the JPEG Annex K.3 adjustment. Deterministic: lengths are handed
 * out shortest-first to symbols by descending frequency, ties by ascending symbol.
 */
export function huffmanCodeLengths(freqs: ArrayLike<number>, maxLength = MAX_CODE_LENGTH): Uint8Array {
  const n = freqs.length;
  if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 255) {
    throw new Error(`huffman: maxLength ${maxLength} not in 1..255`);
  }
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) {
    const f = freqs[s];
    if (!(f >= 0) || !Number.isFinite(f)) throw new Error(`huffman: frequency of symbol ${s} is ${f}`);
    if (f > 0) used.push(s);
  }
  const m = used.length;
  if (m === 0) return lengths;
  if (m === 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  if (maxLength < 31 && 2 ** maxLength < m) {
    throw new Error(`huffman: ${m} symbols cannot have codes of at most ${maxLength} bits`);
  }

  // Standard Huffman by the two-queue method: leaves sorted by (frequency, symbol)
  // ascending, internal nodes appended in the order they are made (non-decreasing weight).
  const leaves = used.slice().sort((a, b) => freqs[a] - freqs[b] || a - b);
  const weight = new Float64Array(2 * m - 1);
  const parent = new Int32Array(2 * m - 1);
  for (let i = 0; i < m; i++) weight[i] = freqs[leaves[i]];
  let leaf = 0;
  let node = m;
  for (let next = m; next < 2 * m - 1; next++) {
    const pick = (): number => (leaf < m && (node >= next || weight[leaf] <= weight[node]) ? leaf++ : node++);
    const a = pick();
    const b = pick();
    weight[next] = weight[a] + weight[b];
    parent[a] = next;
    parent[b] = next;
  }
  const depth = new Int32Array(2 * m - 1);
  for (let i = 2 * m - 3; i >= 0; i--) depth[i] = depth[parent[i]] + 1;

  // Histogram of lengths, then JPEG K.3: move pairs of over-long leaves up the tree.
  const bits = new Int32Array(m + 1);
  let longest = 0;
  for (let i = 0; i < m; i++) {
    bits[depth[i]]++;
    if (depth[i] > longest) longest = depth[i];
  }
  for (let i = longest; i > maxLength; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (j > 0 && bits[j] === 0) j--;
      if (j <= 0) throw new Error('huffman: cannot limit code lengths'); // unreachable when 2^max >= m
      bits[i] -= 2;
      bits[i - 1] += 1;
      bits[j + 1] += 2;
      bits[j] -= 1;
    }
  }

  // Hand the lengths out, shortest first, to symbols by descending frequency.
  const order = used.slice().sort((a, b) => freqs[b] - freqs[a] || a - b);
  let k = 0;
  for (let len = 1; len <= Math.min(longest, maxLength); len++) {
    for (let c = 0; c < bits[len]; c++) lengths[order[k++]] = len;
  }
  if (k !== m || kraft(lengths) > 1) throw new Error('huffman: internal error building code lengths');
  return lengths;
}

/** Sum of 2^-len over the symbols with a code. */
export function kraft(lengths: ArrayLike<number>): number {
  let sum = 0;
  for (let s = 0; s < lengths.length; s++) if (lengths[s] > 0) sum += 2 ** -lengths[s];
  return sum;
}

/** Canonical codes (DEFLATE order: shorter first, then by symbol); 0 where a length is 0. */
export function canonicalCodes(lengths: ArrayLike<number>): Uint32Array {
  let longest = 0;
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!Number.isInteger(l) || l < 0 || l > 31)
      throw new Error(`huffman: code length ${l} of symbol ${s} not in 0..31`);
    if (l > longest) longest = l;
  }
  const count = new Array<number>(longest + 1).fill(0);
  for (let s = 0; s < lengths.length; s++) if (lengths[s] > 0) count[lengths[s]]++;
  const next = new Array<number>(longest + 2).fill(0);
  let code = 0;
  for (let len = 1; len <= longest; len++) {
    code = (code + count[len - 1]) * 2;
    next[len] = code;
  }
  const codes = new Uint32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (l > 0) codes[s] = next[l]++;
  }
  return codes;
}

/** Packs each symbol in `width` bits (1..8), MSB-first. */
export function encodeFixed(symbols: ArrayLike<number>, width: number): Uint8Array {
  if (!Number.isInteger(width) || width < 1 || width > 8)
    throw new Error(`fixed coding: width ${width} not in 1..8`);
  const w = new BitWriter();
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    if (!Number.isInteger(s) || s < 0 || s >= 1 << width) {
      throw new Error(`fixed coding: symbol ${s} at ${i} does not fit in ${width} bits`);
    }
    w.write(s, width);
  }
  return w.finish();
}

/** The Huffman payload: each symbol's canonical code, MSB-first, zero-padded. */
export function encodeHuffman(symbols: ArrayLike<number>, lengths: ArrayLike<number>): Uint8Array {
  for (let s = 0; s < lengths.length; s++) {
    if (lengths[s] > MAX_CODE_LENGTH)
      throw new Error(`huffman: code length ${lengths[s]} of symbol ${s} exceeds 15`);
  }
  const codes = canonicalCodes(lengths);
  const w = new BitWriter();
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    const l = lengths[s];
    if (!(l > 0)) throw new Error(`huffman: symbol ${s} at ${i} has no code`);
    w.write(codes[s], l);
  }
  return w.finish();
}

/** Code lengths, 4 bits each, symbol 0 in the high nibble of byte 0; ceil(n/2) bytes. */
export function packCodeLengths(lengths: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array((lengths.length + 1) >> 1);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!Number.isInteger(l) || l < 0 || l > MAX_CODE_LENGTH) {
      throw new Error(`huffman: code length ${l} of symbol ${s} not in 0..15`);
    }
    out[s >> 1] |= s & 1 ? l : l << 4;
  }
  return out;
}

/** Bits needed to store symbols 0..alphabetSize-1 at a fixed width (at least 1). */
export function fixedWidthFor(alphabetSize: number): number {
  let bits = 1;
  while (2 ** bits < alphabetSize) bits++;
  return bits;
}
